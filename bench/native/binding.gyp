# The bench-only addon: a tight EVP keygen loop against the OpenSSL inside the
# running node (the limit for the OpenSSL backend). Not shipped; built by
# bench/run.mjs with node-gyp on first use (same toolchain as the main addon).
{
  "targets": [
    {
      "target_name": "keygen_loop",
      "sources": ["keygen_loop.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-O2", "-std=c11", "-Wall", "-Wextra", "-pthread"],
      "ldflags": ["-pthread", "-Wl,-z,now"],
      "conditions": [
        ["OS=='mac'", {"xcode_settings": {"OTHER_LDFLAGS": ["-Wl,-bind_at_load"]}}]
      ]
    }
  ]
}
