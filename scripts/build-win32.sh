#!/usr/bin/env bash
# Cross-builds the Windows x64 addon (CNG backend) with mingw-w64 and writes
# prebuilds/win32-x64/platform-keygen.napi.node, the name node-gyp-build looks
# for (prebuildify --napi layout). `npm run build:win32`.
#
# Needs: cmake, x86_64-w64-mingw32-g++-posix and x86_64-w64-mingw32-dlltool
# (Debian: g++-mingw-w64-x86-64, mingw-w64-tools), node-api-headers and
# node-addon-api from node_modules.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
out="$root/build-win32"
dest="$root/prebuilds/win32-x64"
name="platform-keygen.napi.node"

for tool in cmake x86_64-w64-mingw32-g++-posix x86_64-w64-mingw32-dlltool x86_64-w64-mingw32-strip; do
  command -v "$tool" >/dev/null || {
    echo "build-win32: $tool not found (apt-get install cmake g++-mingw-w64-x86-64 mingw-w64-tools)" >&2
    exit 1
  }
done

headers="$(node -p "require('path').dirname(require.resolve('node-api-headers/package.json'))")"
mkdir -p "$out/lib"
# Import libraries for the Node-API symbols node.exe exports (NAME NODE.EXE).
for def in node_api js_native_api; do
  x86_64-w64-mingw32-dlltool -d "$headers/def/$def.def" -l "$out/lib/lib$def.a" -m i386:x86-64
done

cmake -S "$root" -B "$out" \
  -DCMAKE_TOOLCHAIN_FILE="$root/cmake/mingw-w64-x86_64.cmake" \
  -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_JS_INC="$headers/include" \
  -DCMAKE_JS_LIB="$out/lib/libnode_api.a;$out/lib/libjs_native_api.a" \
  >"$out/configure.log" 2>&1 || { cat "$out/configure.log" >&2; exit 1; }
cmake --build "$out" --parallel

mkdir -p "$dest"
x86_64-w64-mingw32-strip --strip-unneeded -o "$dest/$name" "$out/platform_keygen.node"
echo "build-win32: wrote ${dest#"$root/"}/$name"
