// The sanitizer run's canary: an addon that makes, on purpose, the mistakes
// the run must catch — built with the same flags as the instrumented
// platform-keygen addon and loaded under the same ASAN_OPTIONS, LSAN_OPTIONS
// and suppressions (scripts/sanitizers.mjs). If a leaked EVP_PKEY, a leaked
// buffer or an out-of-bounds read in addon code went unreported, the
// suppressions (or the set-up) would be hiding our own bugs, and the run fails.
#include <node_api.h>
#include <openssl/evp.h>

#include <cstdlib>
#include <cstring>

namespace {

// Generates a P-256 key through node's OpenSSL, as the backend does, and drops it.
napi_value LeakKey(napi_env env, napi_callback_info) {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  napi_value out;
  napi_get_boolean(env, key != nullptr, &out);
  return out;  // key is never freed
}

// A buffer of "key material", dropped without being freed.
napi_value LeakBytes(napi_env env, napi_callback_info) {
  auto* secret = new unsigned char[77];
  std::memset(secret, 0x5a, 77);
  napi_value out;
  napi_create_uint32(env, secret[3], &out);
  return out;
}

// Reads one byte past a heap buffer.
napi_value Overflow(napi_env env, napi_callback_info) {
  auto* buf = static_cast<unsigned char*>(std::malloc(32));
  std::memset(buf, 1, 32);
  volatile unsigned char* p = buf;
  unsigned char v = p[32];
  std::free(buf);
  napi_value out;
  napi_create_uint32(env, v, &out);
  return out;
}

napi_value Init(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
      {"leakKey", nullptr, LeakKey, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"leakBytes", nullptr, LeakBytes, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"overflow", nullptr, Overflow, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
