# The build of record (prebuildify drives node-gyp). CMakeLists.txt builds the
# same sources with the same defines; keep the two in step.
{
  "targets": [
    {
      "target_name": "platform_keygen",
      "dependencies": ["<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except"],
      "sources": ["native/addon.cc"],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_DEPRECATED", "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"],
      "conditions": [
        ["OS=='win'", {
          # Windows CNG backend (bcrypt) and its NCrypt key stores (ncrypt). MSVC release build for prebuilds.
          "sources": ["native/cng/backend_cng.cc", "native/cng/ncrypt_store.cc"],
          "defines": ["WIN32_LEAN_AND_MEAN", "NOMINMAX", "UNICODE", "_UNICODE"],
          "libraries": ["bcrypt.lib", "ncrypt.lib"],
          "msvs_settings": {
            "VCCLCompilerTool": {
              "AdditionalOptions": ["/guard:cf", "/Qspectre", "/sdl", "/std:c++17", "/W4"]
            },
            "VCLinkerTool": {
              "AdditionalOptions": ["/guard:cf", "/DYNAMICBASE", "/NXCOMPAT"]
            }
          }
        }],
        ["OS!='win'", {
          # OpenSSL EVP backend; symbols resolve to the OpenSSL inside node.
          "sources": ["native/openssl/backend_openssl.cc"],
          "cflags_cc": ["-std=c++17", "-fvisibility=hidden", "-Wall", "-Wextra", "-fstack-protector-strong"],
          "ldflags": ["-Wl,-z,now", "-Wl,-z,relro"]
        }],
        ["OS=='mac'", {
          "xcode_settings": {
            "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
            "MACOSX_DEPLOYMENT_TARGET": "11.0",
            "OTHER_CPLUSPLUSFLAGS": ["-fvisibility=hidden", "-Wall", "-Wextra"],
            "OTHER_LDFLAGS": ["-Wl,-bind_at_load"]
          }
        }]
      ]
    }
  ]
}
