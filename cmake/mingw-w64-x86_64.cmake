# CMake toolchain: cross-build the Windows x64 addon on Linux with mingw-w64.
# The -posix thread model is required: the -win32 variant's libstdc++ has no
# std::mutex / std::call_once, which node-addon-api and the CNG backend use.
# Used by scripts/build-win32.sh (`npm run build:win32`).
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR AMD64)

set(PK_MINGW_PREFIX x86_64-w64-mingw32)
set(CMAKE_C_COMPILER ${PK_MINGW_PREFIX}-gcc-posix)
set(CMAKE_CXX_COMPILER ${PK_MINGW_PREFIX}-g++-posix)
set(CMAKE_RC_COMPILER ${PK_MINGW_PREFIX}-windres)
set(CMAKE_AR ${PK_MINGW_PREFIX}-ar CACHE FILEPATH "")
set(CMAKE_RANLIB ${PK_MINGW_PREFIX}-ranlib CACHE FILEPATH "")
set(CMAKE_STRIP ${PK_MINGW_PREFIX}-strip CACHE FILEPATH "")

set(CMAKE_FIND_ROOT_PATH /usr/${PK_MINGW_PREFIX})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
