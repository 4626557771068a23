// The one interface every platform backend implements.
//
// Exactly one backend source file is compiled into the addon, chosen by the
// build (binding.gyp conditions / CMake if(WIN32)): native/openssl/ on Linux
// and macOS, native/cng/ on Windows. Nothing in shared code tests the platform.
//
// Threading: Generate(), Import() and the Key operations run on libuv
// threadpool threads, concurrently with themselves. Key::Export(),
// RandomBytes() and GetCapabilities() run on the JS thread. The addon keeps a
// Key alive (shared ownership) while any operation on it is in flight, so
// destroy() during an operation frees it when the operation ends.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace pk {

// Wipes memory with the platform primitive the compiler may not elide
// (OPENSSL_cleanse / SecureZeroMemory).
void Cleanse(void* p, size_t n);

// An owned byte buffer for key material. Fixed size once allocated; wiped
// with Cleanse() before its memory is released. Move-only.
class SecureBytes {
 public:
  SecureBytes() = default;
  explicit SecureBytes(size_t n) : data_(n ? new uint8_t[n]() : nullptr), size_(n) {}
  SecureBytes(const uint8_t* p, size_t n) : SecureBytes(n) {
    for (size_t i = 0; i < n; ++i) data_[i] = p[i];
  }
  ~SecureBytes() { Reset(); }
  SecureBytes(const SecureBytes&) = delete;
  SecureBytes& operator=(const SecureBytes&) = delete;
  SecureBytes(SecureBytes&& o) noexcept : data_(o.data_), size_(o.size_) {
    o.data_ = nullptr;
    o.size_ = 0;
  }
  SecureBytes& operator=(SecureBytes&& o) noexcept {
    if (this != &o) {
      Reset();
      data_ = o.data_;
      size_ = o.size_;
      o.data_ = nullptr;
      o.size_ = 0;
    }
    return *this;
  }
  void Reset() {
    if (data_ != nullptr) {
      Cleanse(data_, size_);
      delete[] data_;
    }
    data_ = nullptr;
    size_ = 0;
  }
  uint8_t* data() { return data_; }
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

 private:
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

// What to generate. The identifiers (algorithm, curve, parameterSet) are the
// rows of native/algorithms.h (CNG's names and the few extensions CNG lacks;
// docs/design.md "The native boundary"). The TypeScript layer has validated
// all of it against the key-length table; backends re-check with
// alg::CheckGenerate only what would be unsafe to pass on.
struct KeySpec {
  std::string algorithm;
  uint32_t length = 0;
  std::string parameterSet;
  std::string curve;
  // Generation options (0 / empty: the default).
  uint32_t publicExponent = 0;  // RSA: odd, >= 3; default 65537
  std::string group;            // DH: a named group of native/dh_groups.h; its size is `length`
  uint32_t divisorLength = 0;   // DSA: the bits of q (160; 224 or 256 for 2048; 256 above 1024)
  SecureBytes seed;             // empty: random; ML-DSA 32 bytes, ML-KEM 64 bytes (d||z)
  bool noKeyValidation = false;
  bool extractable = true;
  bool validate = false;  // run the provider's pairwise consistency check after generation
};

enum class BlobKind { kPublic, kPrivate, kSeed };

// Options of one operation (validated in TypeScript first).
struct OpParams {
  // Digest for RSA / ECDSA / DSA signatures and for OAEP: "SHA-1" (verify and
  // OAEP only) "SHA-256" "SHA-384" "SHA-512". Empty for Ed25519 / Ed448 / ML-DSA.
  std::string hash;
  // RSA signatures: "pkcs1" | "pss"; RSA encryption: "oaep" | "pkcs1".
  std::string padding;
  // PSS salt length in bytes; -1 = the digest's length.
  int32_t saltLength = -1;
  // ECDSA / DSA: "ieee-p1363" (r||s, JOSE's form; the default) | "der".
  std::string signatureEncoding = "ieee-p1363";
  SecureBytes context;  // Ed448 / ML-DSA context string (<= 255 bytes)
  SecureBytes label;    // OAEP label
  bool allowPkcs1Decrypt = false;
};

// An error as the provider reported it. code is one of the project's error
// codes (docs/design.md "Errors"); status / opensslCode keep the provider's number.
struct Status {
  bool ok = true;
  std::string code;
  std::string message;
  bool hasStatus = false;  // NTSTATUS (CNG)
  uint32_t status = 0;
  bool hasOpensslCode = false;  // ERR_get_error() value (OpenSSL)
  unsigned long opensslCode = 0;
  std::string reason;  // provider's reason text, when it has one

  static Status Ok() { return Status(); }
  static Status Fail(std::string code, std::string message) {
    Status s;
    s.ok = false;
    s.code = std::move(code);
    s.message = std::move(message);
    return s;
  }
};

// A generated key. The destructor releases the platform handle (EVP_PKEY_free
// / BCryptDestroyKey) exactly once.
class Key {
 public:
  Key() { LiveCount().fetch_add(1, std::memory_order_relaxed); }
  virtual ~Key() { LiveCount().fetch_sub(1, std::memory_order_relaxed); }
  Key(const Key&) = delete;
  Key& operator=(const Key&) = delete;
  // Keys alive in this process, every env included: what the tests use to
  // prove that destroy(), the finalizer and the env cleanup hook release
  // each handle exactly once.
  static std::atomic<int64_t>& LiveCount() {
    static std::atomic<int64_t> count{0};
    return count;
  }
  // Writes the key in the CNG blob layout of docs/design.md ("Blob layouts").
  // kPrivate is the full private blob (RSAFULLPRIVATEBLOB for RSA).
  // kSeed exists for ML-DSA / ML-KEM only.
  virtual Status Export(BlobKind kind, SecureBytes* out) const = 0;
  // The provider's pairwise consistency check: EVP_PKEY_pairwise_check on
  // OpenSSL; sign/verify, agree with a peer, or encapsulate/decapsulate on
  // CNG. Runs on a threadpool thread, right after generation.
  virtual Status Validate() const = 0;

  // --- operations on the key where it lives (issue 14) ------------------------
  // Each runs on a threadpool thread (or the calling thread for the *Sync
  // variants), may run concurrently with other operations on the same key
  // (they are const and the providers' key objects are safe for concurrent
  // use), never reads JS memory (inputs were copied into OpParams / SecureBytes
  // before Execute), and keeps every secret intermediate in SecureBytes.
  // A Key that cannot do an operation answers ERR_UNSUPPORTED_OPERATION; a
  // public-only key asked for a private operation answers ERR_UNSUPPORTED_OPERATION
  // too ("a public key cannot sign"). The defaults below refuse; each
  // backend overrides what its keys can do. Options were validated in TypeScript;
  // backends still refuse what would be unsafe (ERR_INVALID_REQUEST).
  virtual bool HasPrivate() const { return true; }
  // RSA (PKCS#1 v1.5 / PSS over a digest the backend computes), ECDSA, DSA
  // (r||s by default, DER on request), Ed25519 / Ed448 (pure; Ed448 context),
  // ML-DSA (pure; context).
  virtual Status Sign(const OpParams& /*p*/, const SecureBytes& /*data*/, SecureBytes* /*sig*/) const {
    return Unsupported("sign");
  }
  // *valid = false for a signature that does not verify (never an error);
  // errors are for keys or options that cannot verify at all.
  virtual Status Verify(const OpParams& /*p*/, const SecureBytes& /*data*/, const SecureBytes& /*sig*/,
                        bool* /*valid*/) const {
    return Unsupported("verify");
  }
  // RSA-OAEP (hash + label); PKCS#1 v1.5 encryption only when asked.
  virtual Status Encrypt(const OpParams& /*p*/, const SecureBytes& /*data*/, SecureBytes* /*out*/) const {
    return Unsupported("encrypt");
  }
  // RSA-OAEP; PKCS#1 v1.5 decryption only when p.allowPkcs1Decrypt (else
  // ERR_UNSUPPORTED_OPERATION) and the provider does implicit rejection
  // (OpenSSL >= 3.2; else ERR_NOT_SUPPORTED_ON_PLATFORM — CNG never does).
  // A ciphertext that does not decrypt: ERR_DECRYPTION_FAILED.
  virtual Status Decrypt(const OpParams& /*p*/, const SecureBytes& /*data*/, SecureBytes* /*out*/) const {
    return Unsupported("decrypt");
  }
  // ECDH / X25519 / X448 / DH: the raw shared secret, big-endian, the length of
  // the field (as node's diffieHellman). peer is a key of the same algorithm and
  // curve/group (public part used); ERR_INVALID_KEY for a peer that is off the
  // curve, of another curve, or gives an all-zero secret (small order).
  virtual Status Derive(const Key& /*peer*/, SecureBytes* /*secret*/) const { return Unsupported("derive"); }
  // ML-KEM: public key -> (ciphertext, shared secret); private -> secret.
  virtual Status Encapsulate(SecureBytes* /*ciphertext*/, SecureBytes* /*secret*/) const {
    return Unsupported("encapsulate");
  }
  virtual Status Decapsulate(const SecureBytes& /*ciphertext*/, SecureBytes* /*secret*/) const {
    return Unsupported("decapsulate");
  }

 protected:
  static Status Unsupported(const char* op) {
    return Status::Fail("ERR_UNSUPPORTED_OPERATION", std::string("this key cannot ") + op);
  }
};

Status Generate(const KeySpec& spec, std::unique_ptr<Key>* out);

// A key from material: blob is a CNG blob (native/blob.h layouts, the one
// interchange format; the TypeScript layer turns JWK / SPKI / PKCS#8 / raw
// bytes into it). kind is kPublic or kPrivate (kSeed for ML-DSA / ML-KEM).
// spec names the algorithm / curve / parameter set exactly as for Generate;
// spec.extractable = false makes an imported private key non-extractable.
// The provider's checks run (public key on the curve / valid; private:
// pairwise consistency): a key that fails them is ERR_INVALID_KEY.
Status Import(const KeySpec& spec, BlobKind kind, const SecureBytes& blob, std::unique_ptr<Key>* out);

Status RandomBytes(uint8_t* out, size_t n);

struct AlgorithmCapability {
  std::string id;  // a KeySpec algorithm identifier
  bool supported = false;
  std::vector<std::string> parameterSets;  // ML-DSA / ML-KEM: the sets this runtime has
  std::vector<std::string> curves;         // ECDSA / ECDH / EdDSA: the named curves it has
  std::string note;                        // why not, when not supported
};

struct Capabilities {
  std::string provider;         // "openssl" | "cng"
  std::string providerVersion;  // e.g. "3.5.8" or "10.0.26100"
  std::vector<AlgorithmCapability> algorithms;
};

// Probed at run time (fetch by name, open the provider), never by header version.
Capabilities GetCapabilities();

// --- keys kept by the platform (issue 15) ------------------------------------
// A key created in, and reopened from, the platform's key storage: the TPM
// (Linux: OpenSSL's tpm2 provider; Windows: the Platform Crypto Provider) or
// Windows' Software Key Storage Provider. The Key handed out does every
// operation above; its private part never leaves the store.
struct StoreRef {
  std::string store;  // "tpm" | "software"
  std::string scope;  // "user" | "machine" (Windows); empty = user
  std::string name;   // validated in TypeScript; "handle:0x81xxxxxx" = a TPM persistent handle
};

// What a store is and can do. keepsNames: the provider persists keys by name
// itself (Windows KSP: yes). When it does not (the TPM through OpenSSL),
// CreateStoredKey returns the provider's wrapped key blob (`persisted`, useless
// without this TPM), which the TypeScript layer keeps under the key's name and
// hands back to OpenStoredKey.
struct StoreCapability {
  std::string store;
  bool available = false;
  bool keepsNames = false;
  std::string note;                     // why not available / what was tried
  std::vector<std::string> algorithms;  // KeySpec identifiers it makes: ECDSA_P256 ECDH_P256 ... RSA
  std::vector<uint32_t> rsaLengths;     // the RSA sizes it makes (2048, 3072)
};

struct StoredKeyInfo {
  std::string name;
  std::string algorithm;  // KeySpec identifier
  uint32_t length = 0;    // RSA
  std::string scope;
};

// Probes the store (opens it, makes throwaway keys where that is the only way
// to learn what it can do). Slow on a TPM: threadpool only. Never fails: an
// unavailable store says why in note.
StoreCapability ProbeStore(const std::string& store);
// Cheap (no provider call): whether `store` keeps keys by name itself.
bool StoreKeepsNames(const std::string& store);
// ERR_KEY_EXISTS unless overwrite (stores that keep names); ERR_STORE_UNAVAILABLE
// (no provider module, no TPM, no resource manager, access denied: the message
// says which and what to install or set); ERR_NOT_SUPPORTED_ON_PLATFORM for a
// store this platform has not.
Status CreateStoredKey(const KeySpec& spec, const StoreRef& ref, bool overwrite, std::unique_ptr<Key>* out,
                       SecureBytes* persisted);
// persisted: what CreateStoredKey returned (stores that do not keep names),
// empty for stores that do and for TPM persistent handles. expect.algorithm,
// when set, must match the key found (ERR_STORE_CORRUPT otherwise); empty:
// taken from the key. ERR_KEY_NOT_FOUND for a name / handle the store has not.
Status OpenStoredKey(const StoreRef& ref, const KeySpec& expect, const SecureBytes& persisted,
                     std::unique_ptr<Key>* out);
// Stores that keep names only (the caller deletes its own blob otherwise).
Status DeleteStoredKey(const StoreRef& ref);
Status ListStoredKeys(const StoreRef& where, std::vector<StoredKeyInfo>* out);

}  // namespace pk
