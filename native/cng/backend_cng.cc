// The Windows CNG backend (bcrypt.dll).
//
// Keys are generated with BCryptGenerateKeyPair / BCryptFinalizeKeyPair (or
// BCryptImportKeyPair for ML-DSA / ML-KEM seeds) and exported with
// BCryptExportKey, which already writes the CNG blob layouts of docs/design.md; the
// only rewrite is curve25519, whose Y coordinate CNG fills with zeros and
// which the project's layout leaves out (as the OpenSSL backend does).
//
// Algorithm providers are opened once per (algorithm, curve) on first use and
// shared by every threadpool thread: a provider handle may be used from many
// threads at once as long as nobody changes its properties, and ours are only
// set inside the std::call_once that opens them. They are never closed: a
// process-exit destructor could race generations still running on the
// threadpool, and the OS releases them with the process.
//
// Built by MSVC (binding.gyp) for releases and by mingw-w64 (CMake toolchain)
// for the Wine test bed. The constants newer than mingw's bcrypt.h are defined
// below with the values of the Windows SDK's bcrypt.h.
#include <windows.h>

#include <bcrypt.h>

#include <climits>
#include <cstdio>
#include <cstring>
#include <cwchar>
#include <mutex>
#include <string>
#include <vector>

#include "../algorithms.h"
#include "../backend.h"
#include "../blob.h"
#include "../dh_groups.h"
#include "cng_private.h"

// --- constants the toolchain's bcrypt.h may lack (values from the SDK's) ----

#ifndef BCRYPT_ECDSA_ALGORITHM
#define BCRYPT_ECDSA_ALGORITHM L"ECDSA"
#endif
#ifndef BCRYPT_ECDH_ALGORITHM
#define BCRYPT_ECDH_ALGORITHM L"ECDH"
#endif
#ifndef BCRYPT_ECC_CURVE_NAME
#define BCRYPT_ECC_CURVE_NAME L"ECCCurveName"
#endif
#ifndef BCRYPT_ECC_CURVE_SECP256K1
#define BCRYPT_ECC_CURVE_SECP256K1 L"secP256k1"
#endif
#ifndef BCRYPT_ECC_CURVE_25519
#define BCRYPT_ECC_CURVE_25519 L"curve25519"
#endif
#ifndef BCRYPT_NO_KEY_VALIDATION
#define BCRYPT_NO_KEY_VALIDATION 0x00000008
#endif
#ifndef BCRYPT_USE_SYSTEM_PREFERRED_RNG
#define BCRYPT_USE_SYSTEM_PREFERRED_RNG 0x00000002
#endif
#ifndef BCRYPT_DH_PARAMETERS_MAGIC
#define BCRYPT_DH_PARAMETERS_MAGIC 0x4d504844  // DHPM
#endif
// Post-quantum (Windows SDK 10.0.26100, NTDDI_WIN11_GE).
#ifndef BCRYPT_MLDSA_ALGORITHM
#define BCRYPT_MLDSA_ALGORITHM L"ML-DSA"
#endif
#ifndef BCRYPT_MLKEM_ALGORITHM
#define BCRYPT_MLKEM_ALGORITHM L"ML-KEM"
#endif
#ifndef BCRYPT_PARAMETER_SET_NAME
#define BCRYPT_PARAMETER_SET_NAME L"ParameterSetName"
#endif
#ifndef BCRYPT_PQDSA_PUBLIC_BLOB
#define BCRYPT_PQDSA_PUBLIC_BLOB L"PQDSAPUBLICBLOB"
#endif
#ifndef BCRYPT_PQDSA_PRIVATE_BLOB
#define BCRYPT_PQDSA_PRIVATE_BLOB L"PQDSAPRIVATEBLOB"
#endif
#ifndef BCRYPT_PQDSA_PRIVATE_SEED_BLOB
#define BCRYPT_PQDSA_PRIVATE_SEED_BLOB L"PQDSAPRIVATESEEDBLOB"
#endif
#ifndef BCRYPT_MLKEM_PUBLIC_BLOB
#define BCRYPT_MLKEM_PUBLIC_BLOB L"MLKEMPUBLICBLOB"  // alias BCRYPT_MLKEM_ENCAPSULATION_BLOB
#endif
#ifndef BCRYPT_MLKEM_PRIVATE_BLOB
#define BCRYPT_MLKEM_PRIVATE_BLOB L"MLKEMPRIVATEBLOB"  // alias BCRYPT_MLKEM_DECAPSULATION_BLOB
#endif
#ifndef BCRYPT_MLKEM_PRIVATE_SEED_BLOB
#define BCRYPT_MLKEM_PRIVATE_SEED_BLOB L"MLKEMPRIVATESEEDBLOB"
#endif
#ifndef BCRYPT_MLDSA_PUBLIC_MAGIC
#define BCRYPT_MLDSA_PUBLIC_MAGIC 0x4B505344        // DSPK
#define BCRYPT_MLDSA_PRIVATE_MAGIC 0x4B535344       // DSSK
#define BCRYPT_MLDSA_PRIVATE_SEED_MAGIC 0x53535344  // DSSS
#endif
#ifndef BCRYPT_MLKEM_PUBLIC_MAGIC
#define BCRYPT_MLKEM_PUBLIC_MAGIC 0x504B4C4D        // MLKP
#define BCRYPT_MLKEM_PRIVATE_MAGIC 0x524B4C4D       // MLKR
#define BCRYPT_MLKEM_PRIVATE_SEED_MAGIC 0x534B4C4D  // MLKS
#endif

static_assert(BCRYPT_MLDSA_PUBLIC_MAGIC == pk::blob::kMlDsaPublic, "ML-DSA public magic");
static_assert(BCRYPT_MLDSA_PRIVATE_MAGIC == pk::blob::kMlDsaPrivate, "ML-DSA private magic");
static_assert(BCRYPT_MLDSA_PRIVATE_SEED_MAGIC == pk::blob::kMlDsaPrivateSeed, "ML-DSA seed magic");
static_assert(BCRYPT_MLKEM_PUBLIC_MAGIC == pk::blob::kMlKemPublic, "ML-KEM public magic");
static_assert(BCRYPT_MLKEM_PRIVATE_MAGIC == pk::blob::kMlKemPrivate, "ML-KEM private magic");
static_assert(BCRYPT_MLKEM_PRIVATE_SEED_MAGIC == pk::blob::kMlKemPrivateSeed, "ML-KEM seed magic");
static_assert(BCRYPT_RSAPUBLIC_MAGIC == pk::blob::kRsaPublic, "RSA public magic");
static_assert(BCRYPT_RSAFULLPRIVATE_MAGIC == pk::blob::kRsaFullPrivate, "RSA full private magic");
static_assert(BCRYPT_DSA_PUBLIC_MAGIC == pk::blob::kDsaPublic, "DSA public magic");
static_assert(BCRYPT_DH_PUBLIC_MAGIC == pk::blob::kDhPublic, "DH public magic");

namespace pk {

void Cleanse(void* p, size_t n) {
  if (p != nullptr && n != 0) SecureZeroMemory(p, n);
}

namespace {

// --- NTSTATUS -> Status -------------------------------------------------------

constexpr uint32_t kStatusUnsuccessful = 0xC0000001;
constexpr uint32_t kStatusNotImplemented = 0xC0000002;
constexpr uint32_t kStatusInvalidHandle = 0xC0000008;
constexpr uint32_t kStatusInvalidParameter = 0xC000000D;
constexpr uint32_t kStatusNoMemory = 0xC0000017;
constexpr uint32_t kStatusBufferTooSmall = 0xC0000023;
constexpr uint32_t kStatusNotSupported = 0xC00000BB;
constexpr uint32_t kStatusNotFound = 0xC0000225;

struct NtName {
  uint32_t status;
  const char* name;
};
constexpr NtName kNtNames[] = {
    {0x00000000, "STATUS_SUCCESS"},
    {kStatusUnsuccessful, "STATUS_UNSUCCESSFUL"},
    {kStatusNotImplemented, "STATUS_NOT_IMPLEMENTED"},
    {kStatusInvalidHandle, "STATUS_INVALID_HANDLE"},
    {kStatusInvalidParameter, "STATUS_INVALID_PARAMETER"},
    {kStatusNoMemory, "STATUS_NO_MEMORY"},
    {0xC0000022, "STATUS_ACCESS_DENIED"},
    {kStatusBufferTooSmall, "STATUS_BUFFER_TOO_SMALL"},
    {0xC000003E, "STATUS_DATA_ERROR"},
    {0xC000009A, "STATUS_INSUFFICIENT_RESOURCES"},
    {kStatusNotSupported, "STATUS_NOT_SUPPORTED"},
    {0xC00000E5, "STATUS_INTERNAL_ERROR"},
    {0xC0000206, "STATUS_INVALID_BUFFER_SIZE"},
    {kStatusNotFound, "STATUS_NOT_FOUND"},
    {0xC000A000, "STATUS_INVALID_SIGNATURE"},
    {0x80090006, "NTE_BAD_SIGNATURE"},
    {0xC000A002, "STATUS_AUTH_TAG_MISMATCH"},
    {0x80090005, "NTE_BAD_DATA"},
    {0x80090009, "NTE_BAD_FLAGS"},
    {0x8009000B, "NTE_BAD_KEY_STATE"},
    {0x8009000E, "NTE_NO_MEMORY"},
    {0x80090010, "NTE_PERM"},
    {0x80090026, "NTE_INVALID_HANDLE"},
    {0x80090027, "NTE_INVALID_PARAMETER"},
    {0x80090028, "NTE_BUFFER_TOO_SMALL"},
    {0x80090029, "NTE_NOT_SUPPORTED"},
};

const char* NtStatusName(uint32_t st) {
  for (const NtName& n : kNtNames) {
    if (n.status == st) return n.name;
  }
  return "unknown NTSTATUS";
}

std::string NtStatusText(uint32_t st) {
  char hex[16];
  std::snprintf(hex, sizeof hex, "0x%08X", static_cast<unsigned>(st));
  return std::string("NTSTATUS ") + hex + " (" + NtStatusName(st) + ")";
}

bool Ok(NTSTATUS st) { return BCRYPT_SUCCESS(st); }

// Statuses that mean "this Windows does not have it", as opposed to a failure
// of something it has.
bool MeansAbsent(uint32_t st) {
  return st == kStatusNotSupported || st == kStatusNotImplemented || st == kStatusNotFound ||
         st == 0x80090029;  // NTE_NOT_SUPPORTED, from the NCrypt providers of a stored key
}

Status NtFail(const char* code, const std::string& what, NTSTATUS nt) {
  uint32_t st = static_cast<uint32_t>(nt);
  Status s = Status::Fail(code, what + ": " + NtStatusText(st));
  s.hasStatus = true;
  s.status = st;
  s.reason = NtStatusName(st);
  return s;
}

Status ProviderError(const std::string& what, NTSTATUS nt) { return NtFail("ERR_PROVIDER", what, nt); }

Status Internal(const std::string& what) { return Status::Fail("ERR_PROVIDER", "internal: " + what); }

// --- the provider table ---------------------------------------------------------

enum Prov : int {
  kProvRsa,
  kProvDsa,
  kProvDh,
  kProvEcdsaP256,
  kProvEcdsaP384,
  kProvEcdsaP521,
  kProvEcdhP256,
  kProvEcdhP384,
  kProvEcdhP521,
  kProvEcdsaSecp256k1,
  kProvEcdhSecp256k1,
  kProvEcdhCurve25519,
  kProvMlDsa,
  kProvMlKem,
  kProvSha1,
  kProvSha256,
  kProvSha384,
  kProvSha512,
  kProvCount
};

struct ProvDef {
  const wchar_t* algorithm;
  const wchar_t* curve;  // set with BCRYPT_ECC_CURVE_NAME on the algorithm handle, once
  const char* name;      // for messages
};

const ProvDef kProvDefs[kProvCount] = {
    {BCRYPT_RSA_ALGORITHM, nullptr, "RSA"},
    {BCRYPT_DSA_ALGORITHM, nullptr, "DSA"},
    {BCRYPT_DH_ALGORITHM, nullptr, "DH"},
    {BCRYPT_ECDSA_P256_ALGORITHM, nullptr, "ECDSA_P256"},
    {BCRYPT_ECDSA_P384_ALGORITHM, nullptr, "ECDSA_P384"},
    {BCRYPT_ECDSA_P521_ALGORITHM, nullptr, "ECDSA_P521"},
    {BCRYPT_ECDH_P256_ALGORITHM, nullptr, "ECDH_P256"},
    {BCRYPT_ECDH_P384_ALGORITHM, nullptr, "ECDH_P384"},
    {BCRYPT_ECDH_P521_ALGORITHM, nullptr, "ECDH_P521"},
    {BCRYPT_ECDSA_ALGORITHM, BCRYPT_ECC_CURVE_SECP256K1, "ECDSA secP256k1"},
    {BCRYPT_ECDH_ALGORITHM, BCRYPT_ECC_CURVE_SECP256K1, "ECDH secP256k1"},
    {BCRYPT_ECDH_ALGORITHM, BCRYPT_ECC_CURVE_25519, "ECDH curve25519"},
    {BCRYPT_MLDSA_ALGORITHM, nullptr, "ML-DSA"},
    {BCRYPT_MLKEM_ALGORITHM, nullptr, "ML-KEM"},
    {BCRYPT_SHA1_ALGORITHM, nullptr, "SHA-1"},
    {BCRYPT_SHA256_ALGORITHM, nullptr, "SHA-256"},
    {BCRYPT_SHA384_ALGORITHM, nullptr, "SHA-384"},
    {BCRYPT_SHA512_ALGORITHM, nullptr, "SHA-512"},
};

struct ProvSlot {
  std::once_flag once;
  BCRYPT_ALG_HANDLE handle = nullptr;
  Status status;  // why handle is null
};

ProvSlot* Slots() {
  static ProvSlot slots[kProvCount];  // thread-safe static init; never destroyed handles
  return slots;
}

void OpenSlot(Prov p, ProvSlot* slot) {
  const ProvDef& def = kProvDefs[p];
  BCRYPT_ALG_HANDLE h = nullptr;
  NTSTATUS st = BCryptOpenAlgorithmProvider(&h, def.algorithm, nullptr, 0);
  if (!Ok(st)) {
    std::string what = std::string("this Windows CNG has no ") + def.name + " provider";
    slot->status =
        NtFail(MeansAbsent(static_cast<uint32_t>(st)) ? "ERR_NOT_SUPPORTED_ON_PLATFORM" : "ERR_PROVIDER", what, st);
    return;
  }
  if (def.curve != nullptr) {
    ULONG cb = static_cast<ULONG>((std::wcslen(def.curve) + 1) * sizeof(wchar_t));
    st = BCryptSetProperty(h, BCRYPT_ECC_CURVE_NAME, reinterpret_cast<PUCHAR>(const_cast<wchar_t*>(def.curve)), cb, 0);
    if (!Ok(st)) {
      BCryptCloseAlgorithmProvider(h, 0);
      // Our curve names are bcrypt.h's; a CNG that refuses one does not have it.
      uint32_t u = static_cast<uint32_t>(st);
      bool absent = MeansAbsent(u) || u == kStatusInvalidParameter;
      slot->status = NtFail(absent ? "ERR_NOT_SUPPORTED_ON_PLATFORM" : "ERR_PROVIDER",
                            std::string("this Windows CNG has no named curve for ") + def.name, st);
      return;
    }
  }
  slot->handle = h;
}

Status OpenProvider(Prov p, BCRYPT_ALG_HANDLE* out) {
  ProvSlot& slot = Slots()[p];
  std::call_once(slot.once, OpenSlot, p, &slot);
  if (slot.handle == nullptr) return slot.status;
  *out = slot.handle;
  return Status::Ok();
}

// --- small helpers ----------------------------------------------------------------

uint32_t ReadU32le(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) | (static_cast<uint32_t>(p[2]) << 16) |
         (static_cast<uint32_t>(p[3]) << 24);
}

void WriteU32le(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
  p[2] = static_cast<uint8_t>(v >> 16);
  p[3] = static_cast<uint8_t>(v >> 24);
}

std::wstring Widen(const char* ascii) {
  std::wstring w;
  for (const char* c = ascii; *c != '\0'; ++c) w.push_back(static_cast<wchar_t>(static_cast<unsigned char>(*c)));
  return w;
}

// Owns a BCRYPT_KEY_HANDLE until released.
class KeyHandle {
 public:
  KeyHandle() = default;
  ~KeyHandle() { Reset(); }
  KeyHandle(const KeyHandle&) = delete;
  KeyHandle& operator=(const KeyHandle&) = delete;
  BCRYPT_KEY_HANDLE* Out() {
    Reset();
    return &h_;
  }
  BCRYPT_KEY_HANDLE get() const { return h_; }
  BCRYPT_KEY_HANDLE Release() {
    BCRYPT_KEY_HANDLE h = h_;
    h_ = nullptr;
    return h;
  }
  void Reset() {
    if (h_ != nullptr) BCryptDestroyKey(h_);
    h_ = nullptr;
  }

 private:
  BCRYPT_KEY_HANDLE h_ = nullptr;
};

// --- what a KeySpec maps to ---------------------------------------------------

using alg::Family;  // kOkp here is X25519 (curve25519), the one OKP curve CNG has

// The CNG column of the registry (native/algorithms.h): the algorithm
// provider of each row; kNoProvider where CNG has none.
constexpr Prov kNoProvider = kProvCount;
constexpr Prov kColumns[] = {
    kProvRsa,             // RSA
    kProvDsa,             // DSA
    kProvDh,              // DH
    kProvEcdsaP256,       // ECDSA_P256
    kProvEcdsaP384,       // ECDSA_P384
    kProvEcdsaP521,       // ECDSA_P521
    kProvEcdhP256,        // ECDH_P256
    kProvEcdhP384,        // ECDH_P384
    kProvEcdhP521,        // ECDH_P521
    kProvEcdsaSecp256k1,  // ECDSA secP256k1
    kProvEcdhSecp256k1,   // ECDH secP256k1
    kProvEcdhCurve25519,  // ECDH curve25519
    kNoProvider,          // ECDH curve448 (X448)
    kNoProvider,          // EdDSA Ed25519
    kNoProvider,          // EdDSA Ed448
    kProvMlDsa,           // ML-DSA 44
    kProvMlDsa,           // ML-DSA 65
    kProvMlDsa,           // ML-DSA 87
    kProvMlKem,           // ML-KEM 512
    kProvMlKem,           // ML-KEM 768
    kProvMlKem,           // ML-KEM 1024
};
static_assert(sizeof kColumns / sizeof kColumns[0] == alg::kCount, "one CNG column entry per registry row");

struct Plan {
  const alg::Algorithm* row = nullptr;
  Family family = Family::kRsa;
  Prov prov = kProvRsa;
  std::string label;  // for messages: "RSA", "ECDH curve25519", "ML-KEM-768"
  ULONG bits = 0;     // dwLength for BCryptGenerateKeyPair
  uint32_t pubMagic = 0;
  uint32_t privMagic = 0;
  uint32_t seedMagic = 0;
  uint32_t cbKey = 0;                  // ECC coordinate size in bytes
  const char* parameterSet = nullptr;  // ML-DSA / ML-KEM
};

Status NoCng(const std::string& what) {
  return Status::Fail("ERR_NOT_SUPPORTED_ON_PLATFORM",
                      "Windows CNG has no " + what + "; the OpenSSL backend (Linux, macOS) has it");
}

// The plan of a row; `bits` is the size of RSA / DSA / DH keys (and picks the
// DSA blob version).
Plan PlanOf(const alg::Algorithm& a, uint32_t bits) {
  Plan p;
  alg::FillPlan(a, bits, &p);
  p.prov = kColumns[a.id];
  p.label = a.label;
  p.bits = alg::IsSized(a) ? bits : a.bits;
  return p;
}

Status MakePlan(const KeySpec& spec, Plan* plan) {
  const alg::Algorithm* a = alg::Find(spec);
  if (a == nullptr) return alg::Unknown(spec, "CNG");
  if (kColumns[a->id] == kNoProvider) return NoCng(a->label);
  *plan = PlanOf(*a, spec.length);
  return Status::Ok();
}

// BCRYPT_PQDSA_KEY_BLOB / BCRYPT_MLKEM_KEY_BLOB header + UTF-16 parameter set.
void WritePqHeader(uint8_t* p, uint32_t magic, const char* set, uint32_t cbKey) {
  uint32_t cbSet = static_cast<uint32_t>(blob::Utf16zSize(set));
  WriteU32le(p, magic);
  WriteU32le(p + 4, cbSet);
  WriteU32le(p + 8, cbKey);
  uint8_t* s = p + 12;
  for (const char* c = set; *c != '\0'; ++c) {
    *s++ = static_cast<uint8_t>(*c);
    *s++ = 0;
  }
  *s++ = 0;
  *s++ = 0;
}

// --- export -------------------------------------------------------------------------

Status ExportRaw(BCRYPT_KEY_HANDLE h, const wchar_t* type, const std::string& what, SecureBytes* out) {
  ULONG cb = 0;
  NTSTATUS st = BCryptExportKey(h, nullptr, type, nullptr, 0, &cb, 0);
  if (!Ok(st)) return ProviderError("BCryptExportKey cannot export the " + what, st);
  if (cb == 0) {
    return ProviderError("BCryptExportKey returned an empty " + what, static_cast<NTSTATUS>(kStatusUnsuccessful));
  }
  SecureBytes buf(cb);
  ULONG written = 0;
  st = BCryptExportKey(h, nullptr, type, buf.data(), cb, &written, 0);
  if (!Ok(st)) return ProviderError("BCryptExportKey cannot export the " + what, st);
  if (written > cb) return Internal("BCryptExportKey wrote past its buffer");
  if (written == cb) {
    *out = std::move(buf);
  } else {
    *out = SecureBytes(buf.data(), written);  // buf is wiped as it goes
  }
  return Status::Ok();
}

Status BadBlob(const std::string& what) { return Internal("unexpected " + what + " blob from BCryptExportKey"); }

// --- the pairwise consistency check (Key::Validate) ---------------------------------

constexpr uint32_t kStatusInvalidSignature = 0xC000A000;

// An arbitrary fixed input for the signature checks: the check proves the key
// pair works, not anything about the data, so no hash is computed. Its first
// 20 bytes are the DSA v1 digest, all 32 the RSA / ECDSA / DSA v2 digest and
// the ML-DSA message.
constexpr uint8_t kCheckInput[32] = {0x70, 0x6b, 0x2d, 0x70, 0x61, 0x69, 0x72, 0x77, 0x69, 0x73, 0x65,
                                     0x2d, 0x63, 0x68, 0x65, 0x63, 0x6b, 0x3a, 0x20, 0x73, 0x69, 0x67,
                                     0x6e, 0x20, 0x26, 0x20, 0x76, 0x65, 0x72, 0x69, 0x66, 0x79};

// A check that ran and did not hold. The NTSTATUS, when one said so, is kept.
Status CheckFailed(const std::string& label, const std::string& why, uint32_t st = 0) {
  Status s = Status::Fail("ERR_PROVIDER", "the " + label + " pairwise consistency check failed: " + why +
                                              (st != 0 ? " (" + NtStatusText(st) + ")" : ""));
  if (st != 0) {
    s.hasStatus = true;
    s.status = st;
    s.reason = NtStatusName(st);
  }
  return s;
}

// Signs `input` with the key, verifies the signature with the same key, and
// makes sure that it does NOT verify for the input with one bit flipped
// (BCryptVerifySignature must answer STATUS_INVALID_SIGNATURE). `pad` and
// `flags` are BCryptSignHash's padding info and flags (null / 0 for ECDSA,
// DSA and pure ML-DSA). `minSig` is a floor for the signature buffer: Wine 8
// sizes an ECDSA signature at cbKey bytes, then needs 2 * cbKey (r || s).
Status CheckSignature(BCRYPT_KEY_HANDLE h, void* pad, ULONG flags, ULONG cbInput, const std::string& label,
                      ULONG minSig = 0) {
  uint8_t input[sizeof kCheckInput];
  if (cbInput > sizeof input) return Internal("signature check input too long");
  std::memcpy(input, kCheckInput, cbInput);
  ULONG cbSig = 0;
  NTSTATUS st = BCryptSignHash(h, pad, input, cbInput, nullptr, 0, &cbSig, flags);
  if (!Ok(st)) return ProviderError("BCryptSignHash cannot size a " + label + " signature", st);
  if (cbSig < minSig) cbSig = minSig;
  if (cbSig == 0 || cbSig > (1u << 16)) return Internal("BCryptSignHash sized a signature at " + std::to_string(cbSig));
  std::vector<uint8_t> sig(cbSig);
  ULONG written = 0;
  st = BCryptSignHash(h, pad, input, cbInput, sig.data(), cbSig, &written, flags);
  if (!Ok(st)) return ProviderError("BCryptSignHash cannot sign with the " + label + " key", st);
  if (written == 0 || written > cbSig) return Internal("BCryptSignHash wrote " + std::to_string(written) + " bytes");
  st = BCryptVerifySignature(h, pad, input, cbInput, sig.data(), written, flags);
  if (static_cast<uint32_t>(st) == kStatusInvalidSignature) {
    return CheckFailed(label, "its signature does not verify", kStatusInvalidSignature);
  }
  if (!Ok(st)) return ProviderError("BCryptVerifySignature cannot verify with the " + label + " key", st);
  input[0] ^= 0x01;
  st = BCryptVerifySignature(h, pad, input, cbInput, sig.data(), written, flags);
  if (Ok(st)) return CheckFailed(label, "its signature also verifies for a different input");
  if (static_cast<uint32_t>(st) != kStatusInvalidSignature) {
    return ProviderError("BCryptVerifySignature cannot verify with the " + label + " key", st);
  }
  return Status::Ok();
}

// Owns a BCRYPT_SECRET_HANDLE until released.
class SecretHandle {
 public:
  SecretHandle() = default;
  ~SecretHandle() {
    if (h_ != nullptr) BCryptDestroySecret(h_);
  }
  SecretHandle(const SecretHandle&) = delete;
  SecretHandle& operator=(const SecretHandle&) = delete;
  BCRYPT_SECRET_HANDLE* Out() { return &h_; }
  BCRYPT_SECRET_HANDLE get() const { return h_; }

 private:
  BCRYPT_SECRET_HANDLE h_ = nullptr;
};

// BCryptDeriveKey into a wiped buffer: BCRYPT_KDF_RAW_SECRET (Windows 10 and
// later), or BCRYPT_KDF_HASH with SHA-256 when `hashed`.
NTSTATUS DeriveSecret(BCRYPT_SECRET_HANDLE secret, bool hashed, SecureBytes* out) {
  static const wchar_t kSha256[] = BCRYPT_SHA256_ALGORITHM;
  BCryptBuffer param;
  param.cbBuffer = sizeof kSha256;
  param.BufferType = KDF_HASH_ALGORITHM;
  param.pvBuffer = const_cast<wchar_t*>(kSha256);
  BCryptBufferDesc params;
  params.ulVersion = BCRYPTBUFFER_VERSION;
  params.cBuffers = 1;
  params.pBuffers = &param;
  const wchar_t* kdf = hashed ? BCRYPT_KDF_HASH : BCRYPT_KDF_RAW_SECRET;
  BCryptBufferDesc* list = hashed ? &params : nullptr;
  ULONG cb = 0;
  NTSTATUS st = BCryptDeriveKey(secret, kdf, list, nullptr, 0, &cb, 0);
  if (!Ok(st)) return st;
  if (cb == 0 || cb > 4096) return static_cast<NTSTATUS>(kStatusUnsuccessful);
  SecureBytes buf(cb);
  ULONG written = 0;
  st = BCryptDeriveKey(secret, kdf, list, buf.data(), cb, &written, 0);
  if (!Ok(st)) return st;
  if (written == 0 || written > cb) return static_cast<NTSTATUS>(kStatusUnsuccessful);
  *out = written == cb ? std::move(buf) : SecureBytes(buf.data(), written);
  return st;
}

// Agrees on a secret with `peer` both ways (our private key with the peer's
// public key, the peer's private key with ours), derives both and compares.
Status CheckAgreement(BCRYPT_KEY_HANDLE h, BCRYPT_KEY_HANDLE peer, const std::string& label) {
  SecretHandle ours, theirs;
  NTSTATUS st = BCryptSecretAgreement(h, peer, ours.Out(), 0);
  if (!Ok(st)) return ProviderError("BCryptSecretAgreement failed for the " + label + " key", st);
  st = BCryptSecretAgreement(peer, h, theirs.Out(), 0);
  if (!Ok(st)) return ProviderError("BCryptSecretAgreement failed for the " + label + " peer key", st);
  SecureBytes a, b;
  bool hashed = false;
  st = DeriveSecret(ours.get(), hashed, &a);
  uint32_t u = static_cast<uint32_t>(st);
  if (!Ok(st) && (MeansAbsent(u) || u == kStatusInvalidParameter)) {
    hashed = true;  // a CNG without BCRYPT_KDF_RAW_SECRET (before Windows 10)
    st = DeriveSecret(ours.get(), hashed, &a);
  }
  if (!Ok(st)) return ProviderError("BCryptDeriveKey failed for the " + label + " key", st);
  st = DeriveSecret(theirs.get(), hashed, &b);
  if (!Ok(st)) return ProviderError("BCryptDeriveKey failed for the " + label + " peer key", st);
  if (a.size() != b.size() || std::memcmp(a.data(), b.data(), a.size()) != 0) {
    return CheckFailed(label, "the two sides of a key agreement derive different secrets");
  }
  return Status::Ok();
}

// BCryptEncapsulate / BCryptDecapsulate (Windows 11 24H2, Server 2025):
// neither mingw's bcrypt.h nor its import library has them, and an import of
// them would keep the addon from loading on older Windows, so they are
// resolved from bcrypt.dll once.
using EncapsulateFn = NTSTATUS(WINAPI*)(BCRYPT_KEY_HANDLE, PUCHAR, ULONG, ULONG*, PUCHAR, ULONG, ULONG*, ULONG);
using DecapsulateFn = NTSTATUS(WINAPI*)(BCRYPT_KEY_HANDLE, PUCHAR, ULONG, PUCHAR, ULONG, ULONG*, ULONG);

struct KemFns {
  EncapsulateFn encapsulate = nullptr;
  DecapsulateFn decapsulate = nullptr;
};

const KemFns& Kem() {
  static const KemFns fns = [] {
    KemFns f;
    HMODULE bcrypt = GetModuleHandleW(L"bcrypt.dll");  // loaded: the addon imports it
    if (bcrypt != nullptr) {
      f.encapsulate =
          reinterpret_cast<EncapsulateFn>(reinterpret_cast<void*>(GetProcAddress(bcrypt, "BCryptEncapsulate")));
      f.decapsulate =
          reinterpret_cast<DecapsulateFn>(reinterpret_cast<void*>(GetProcAddress(bcrypt, "BCryptDecapsulate")));
    }
    return f;
  }();
  return fns;
}

// Encapsulates to the key and decapsulates with it; both shared secrets must
// be equal.
Status CheckKem(BCRYPT_KEY_HANDLE h, const std::string& label) {
  const KemFns& kem = Kem();
  if (kem.encapsulate == nullptr || kem.decapsulate == nullptr) {
    return Status::Fail("ERR_NOT_SUPPORTED_ON_PLATFORM",
                        "this Windows bcrypt.dll has no BCryptEncapsulate / BCryptDecapsulate (Windows 11 24H2 / "
                        "Server 2025 have them)");
  }
  ULONG cbSecret = 0, cbCipher = 0;
  NTSTATUS st = kem.encapsulate(h, nullptr, 0, &cbSecret, nullptr, 0, &cbCipher, 0);
  if (!Ok(st)) return ProviderError("BCryptEncapsulate cannot size the " + label + " outputs", st);
  if (cbSecret == 0 || cbSecret > 4096 || cbCipher == 0 || cbCipher > (1u << 16)) {
    return Internal("BCryptEncapsulate sized " + std::to_string(cbSecret) + " / " + std::to_string(cbCipher) +
                    " bytes");
  }
  SecureBytes sent(cbSecret), received(cbSecret);
  std::vector<uint8_t> cipher(cbCipher);
  ULONG wroteSecret = 0, wroteCipher = 0;
  st = kem.encapsulate(h, sent.data(), cbSecret, &wroteSecret, cipher.data(), cbCipher, &wroteCipher, 0);
  if (!Ok(st)) return ProviderError("BCryptEncapsulate failed for the " + label + " key", st);
  if (wroteSecret == 0 || wroteSecret > cbSecret || wroteCipher == 0 || wroteCipher > cbCipher) {
    return Internal("BCryptEncapsulate wrote past its buffers");
  }
  ULONG gotSecret = 0;
  st = kem.decapsulate(h, cipher.data(), wroteCipher, received.data(), cbSecret, &gotSecret, 0);
  if (!Ok(st)) return ProviderError("BCryptDecapsulate failed for the " + label + " key", st);
  if (gotSecret != wroteSecret || std::memcmp(sent.data(), received.data(), wroteSecret) != 0) {
    return CheckFailed(label, "decapsulation does not give the encapsulated secret");
  }
  return Status::Ok();
}

// --- blob layouts (export checks and import) ---------------------------------------

// BCRYPT_RSAKEY_BLOB: {Magic, BitLength, cbPublicExp, cbModulus, cbPrime1,
// cbPrime2}; e, n, [p, q, dp, dq, qi, d] (RSAFULLPRIVATEBLOB).
bool RsaBlobOk(const Plan& plan, bool priv, const SecureBytes& b) {
  if (b.size() < 24) return false;
  const uint8_t* p = b.data();
  uint64_t cbE = ReadU32le(p + 8), cbN = ReadU32le(p + 12), cbP = ReadU32le(p + 16), cbQ = ReadU32le(p + 20);
  uint64_t want = 24 + cbE + cbN + (priv ? 3 * cbP + 2 * cbQ + cbN : 0);
  return ReadU32le(p) == (priv ? plan.privMagic : plan.pubMagic) && want == b.size() && cbE != 0 && cbN != 0;
}

// BCRYPT_ECCKEY_BLOB: {dwMagic, cbKey}; X, Y, [d]. `coords` is 2 for CNG's
// layout, 1 for the project's curve25519 layout (no Y).
bool EcBlobOk(const Plan& plan, bool priv, const SecureBytes& b, size_t coords = 2) {
  if (b.size() < 8) return false;
  uint32_t magic = ReadU32le(b.data()), cb = ReadU32le(b.data() + 4);
  return magic == (priv ? plan.privMagic : plan.pubMagic) && cb == plan.cbKey &&
         b.size() == 8 + static_cast<size_t>(cb) * (coords + (priv ? 1 : 0));
}

// v1: {Magic, cbKey, Count[4], Seed[20], q[20]}; P, G, Y, [X(20)]
// v2: {Magic, cbKey, hashAlgorithm, standardVersion, cbSeedLength,
//      cbGroupSize, Count[4]}; Seed, q, P, G, Y, [X(cbGroupSize)]
bool DsaBlobOk(const Plan& plan, bool priv, const SecureBytes& b) {
  uint32_t want = priv ? plan.privMagic : plan.pubMagic;
  bool v2 = want == blob::kDsaPublicV2 || want == blob::kDsaPrivateV2;
  if (b.size() < (v2 ? 28u : 52u) || ReadU32le(b.data()) != want) return false;
  uint64_t cbKey = ReadU32le(b.data() + 4);
  uint64_t size = 0;
  if (v2) {
    uint64_t cbSeed = ReadU32le(b.data() + 16), cbGroup = ReadU32le(b.data() + 20);
    size = 28 + cbSeed + cbGroup + 3 * cbKey + (priv ? cbGroup : 0);
  } else {
    size = 52 + 3 * cbKey + (priv ? 20 : 0);
  }
  return size == b.size() && cbKey != 0;
}

// BCRYPT_DH_KEY_BLOB: {dwMagic, cbKey}; p, g, public, [private].
bool DhBlobOk(const Plan& plan, bool priv, const SecureBytes& b) {
  return b.size() >= 8 && ReadU32le(b.data()) == (priv ? plan.privMagic : plan.pubMagic) &&
         ReadU32le(b.data() + 4) != 0 &&
         b.size() == 8 + static_cast<uint64_t>(ReadU32le(b.data() + 4)) * (priv ? 4 : 3);
}

// {dwMagic, cbParameterSet, cbKey}; parameter set (UTF-16, NUL); key.
bool PqBlobOk(const Plan& plan, BlobKind kind, const SecureBytes& b) {
  uint32_t want = kind == BlobKind::kPublic    ? plan.pubMagic
                  : kind == BlobKind::kPrivate ? plan.privMagic
                                               : plan.seedMagic;
  size_t cbSet = blob::Utf16zSize(plan.parameterSet);
  if (b.size() < 12 + cbSet || ReadU32le(b.data()) != want || ReadU32le(b.data() + 4) != cbSet ||
      b.size() != 12 + cbSet + static_cast<uint64_t>(ReadU32le(b.data() + 8))) {
    return false;
  }
  std::vector<uint8_t> header(12 + cbSet);
  WritePqHeader(header.data(), want, plan.parameterSet, ReadU32le(b.data() + 8));
  return std::memcmp(header.data(), b.data(), header.size()) == 0;
}

// The project's layout of a key of this plan (docs/design.md "Blob layouts").
bool BlobOk(const Plan& plan, BlobKind kind, const SecureBytes& b) {
  bool priv = kind != BlobKind::kPublic;
  switch (plan.family) {
    case Family::kRsa:
      return RsaBlobOk(plan, priv, b);
    case Family::kDsa:
      return DsaBlobOk(plan, priv, b);
    case Family::kDh:
      return DhBlobOk(plan, priv, b);
    case Family::kEc:
      return EcBlobOk(plan, priv, b);
    case Family::kOkp:
      return EcBlobOk(plan, priv, b, 1);
    case Family::kMlDsa:
    case Family::kMlKem:
      return PqBlobOk(plan, kind, b);
  }
  return false;
}

// The BCryptExportKey / BCryptImportKeyPair blob type of a key of this plan.
const wchar_t* BlobType(Family f, BlobKind kind) {
  bool priv = kind != BlobKind::kPublic;
  switch (f) {
    case Family::kRsa:
      return priv ? BCRYPT_RSAFULLPRIVATE_BLOB : BCRYPT_RSAPUBLIC_BLOB;
    case Family::kDsa:
      return priv ? BCRYPT_DSA_PRIVATE_BLOB : BCRYPT_DSA_PUBLIC_BLOB;
    case Family::kDh:
      return priv ? BCRYPT_DH_PRIVATE_BLOB : BCRYPT_DH_PUBLIC_BLOB;
    case Family::kEc:
    case Family::kOkp:
      return priv ? BCRYPT_ECCPRIVATE_BLOB : BCRYPT_ECCPUBLIC_BLOB;
    case Family::kMlDsa:
      return kind == BlobKind::kPublic    ? BCRYPT_PQDSA_PUBLIC_BLOB
             : kind == BlobKind::kPrivate ? BCRYPT_PQDSA_PRIVATE_BLOB
                                          : BCRYPT_PQDSA_PRIVATE_SEED_BLOB;
    case Family::kMlKem:
      return kind == BlobKind::kPublic    ? BCRYPT_MLKEM_PUBLIC_BLOB
             : kind == BlobKind::kPrivate ? BCRYPT_MLKEM_PRIVATE_BLOB
                                          : BCRYPT_MLKEM_PRIVATE_SEED_BLOB;
  }
  return nullptr;
}

// --- operations: digests, signatures, encodings ------------------------------------

constexpr uint32_t kNteBadSignature = 0x80090006;
constexpr ULONG kPadPqdsa = 0x00000020;  // BCRYPT_PAD_PQDSA (Windows SDK 10.0.26100)

// BCRYPT_PQDSA_PADDING_INFO (Windows SDK 10.0.26100; not in mingw's bcrypt.h).
struct PqdsaPaddingInfo {
  PUCHAR pbCtx;
  ULONG cbCtx;
  LPCWSTR pszPrehashAlgId;  // null: pure ML-DSA
};

// A failed operation: "this Windows does not have it" or a provider failure,
// with the NTSTATUS either way.
Status OpFail(const std::string& what, NTSTATUS st) {
  return NtFail(MeansAbsent(static_cast<uint32_t>(st)) ? "ERR_NOT_SUPPORTED_ON_PLATFORM" : "ERR_PROVIDER", what, st);
}

Status BadRequest(const std::string& what) { return Status::Fail("ERR_INVALID_REQUEST", what); }

struct HashDef {
  const char* name;
  Prov prov;
  const wchar_t* cng;
  ULONG size;
};
const HashDef kHashes[] = {
    {"SHA-1", kProvSha1, BCRYPT_SHA1_ALGORITHM, 20},
    {"SHA-256", kProvSha256, BCRYPT_SHA256_ALGORITHM, 32},
    {"SHA-384", kProvSha384, BCRYPT_SHA384_ALGORITHM, 48},
    {"SHA-512", kProvSha512, BCRYPT_SHA512_ALGORITHM, 64},
};

// SHA-1 is for verifying old signatures and for OAEP, never for new signatures.
Status FindHash(const std::string& name, bool signing, const HashDef** out) {
  if (name.empty()) return BadRequest("this operation needs params.hash");
  for (const HashDef& h : kHashes) {
    if (name == h.name) {
      if (signing && h.prov == kProvSha1) return BadRequest("SHA-1 signatures can be verified, not made");
      *out = &h;
      return Status::Ok();
    }
  }
  return BadRequest("unknown params.hash " + name);
}

// A non-null pointer for an input that may be empty.
PUCHAR InputPtr(const SecureBytes& b) {
  static uint8_t empty = 0;
  return b.empty() ? &empty : const_cast<PUCHAR>(b.data());
}

Status Digest(const HashDef& h, const SecureBytes& data, SecureBytes* out) {
  if (data.size() > ULONG_MAX) return BadRequest("the input is too long for CNG");
  BCRYPT_ALG_HANDLE alg = nullptr;
  Status s = OpenProvider(h.prov, &alg);
  if (!s.ok) return s;
  SecureBytes d(h.size);
  NTSTATUS st = BCryptHash(alg, nullptr, 0, InputPtr(data), static_cast<ULONG>(data.size()), d.data(), h.size);
  if (!Ok(st)) return OpFail(std::string("BCryptHash failed for ") + h.name, st);
  *out = std::move(d);
  return Status::Ok();
}

// BCryptSignHash into a SecureBytes of exactly `want` bytes (0: what CNG says).
// Wine 8 sizes an ECDSA signature at cbKey bytes and then needs 2 * cbKey, so
// the buffer is at least `want`. A key kept by a provider signs through its
// PrivateHalf (NCryptSignHash) instead.
Status SignWith(BCRYPT_KEY_HANDLE h, const cng::PrivateHalf* half, void* pad, ULONG flags, const SecureBytes& in,
                size_t want, const std::string& label, SecureBytes* sig) {
  if (in.size() > ULONG_MAX) return BadRequest("the input is too long for CNG");
  ULONG cbIn = static_cast<ULONG>(in.size());
  auto signHash = [h, half, pad, &in, cbIn, flags](PUCHAR out, ULONG cbOut, ULONG* written) -> NTSTATUS {
    if (half != nullptr) return half->SignHash(pad, InputPtr(in), cbIn, out, cbOut, written, flags);
    return BCryptSignHash(h, pad, InputPtr(in), cbIn, out, cbOut, written, flags);
  };
  const std::string fn = half != nullptr ? "NCryptSignHash" : "BCryptSignHash";
  ULONG cb = 0;
  NTSTATUS st = signHash(nullptr, 0, &cb);
  if (!Ok(st)) return OpFail(fn + " cannot size a " + label + " signature", st);
  if (cb < want) cb = static_cast<ULONG>(want);
  if (cb == 0 || cb > (1u << 16)) return Internal(fn + " sized a signature at " + std::to_string(cb));
  SecureBytes buf(cb);
  ULONG written = 0;
  st = signHash(buf.data(), cb, &written);
  if (!Ok(st)) return OpFail(fn + " failed with the " + label + " key", st);
  if (written == 0 || written > cb || (want != 0 && written != want)) {
    return Internal(fn + " wrote " + std::to_string(written) + " bytes for a " + label + " signature");
  }
  *sig = written == cb ? std::move(buf) : SecureBytes(buf.data(), written);
  return Status::Ok();
}

// BCryptVerifySignature: STATUS_INVALID_SIGNATURE (NTE_BAD_SIGNATURE from
// some providers) is a signature that does not verify, not an error.
Status VerifyWith(BCRYPT_KEY_HANDLE h, void* pad, ULONG flags, const SecureBytes& in, const uint8_t* sig, size_t cbSig,
                  const std::string& label, bool* valid) {
  if (in.size() > ULONG_MAX) return BadRequest("the input is too long for CNG");
  NTSTATUS st = BCryptVerifySignature(h, pad, InputPtr(in), static_cast<ULONG>(in.size()), const_cast<PUCHAR>(sig),
                                      static_cast<ULONG>(cbSig), flags);
  uint32_t u = static_cast<uint32_t>(st);
  *valid = Ok(st);
  if (Ok(st) || u == kStatusInvalidSignature || u == kNteBadSignature) return Status::Ok();
  return OpFail("BCryptVerifySignature cannot verify with the " + label + " key", st);
}

// ECDSA / DSA signatures: CNG makes and takes r || s (IEEE P1363, each n
// bytes); DER (SEQUENCE { INTEGER r, INTEGER s }) is converted here.
void DerInteger(const uint8_t* v, size_t n, std::vector<uint8_t>* out) {
  size_t i = 0;
  while (i + 1 < n && v[i] == 0) ++i;
  bool pad = (v[i] & 0x80) != 0;
  out->push_back(0x02);
  out->push_back(static_cast<uint8_t>(n - i + (pad ? 1 : 0)));  // n <= 66: short form
  if (pad) out->push_back(0x00);
  out->insert(out->end(), v + i, v + n);
}

SecureBytes RsToDer(const SecureBytes& rs) {
  size_t n = rs.size() / 2;
  std::vector<uint8_t> body;
  DerInteger(rs.data(), n, &body);
  DerInteger(rs.data() + n, n, &body);
  bool longForm = body.size() >= 0x80;  // at most 2 * 69 bytes: 0x81 and one length byte
  SecureBytes der(body.size() + (longForm ? 3 : 2));
  uint8_t* p = der.data();
  *p++ = 0x30;
  if (longForm) *p++ = 0x81;
  *p++ = static_cast<uint8_t>(body.size());
  std::memcpy(p, body.data(), body.size());
  return der;
}

// One strict DER INTEGER (minimal, non-negative, at most n bytes of value)
// into a zero-padded n-byte field.
bool ReadDerInteger(const uint8_t** cur, const uint8_t* end, size_t n, uint8_t* field) {
  const uint8_t* p = *cur;
  if (end - p < 2 || p[0] != 0x02) return false;
  size_t len = p[1];
  p += 2;
  if (len == 0 || len >= 0x80 || static_cast<size_t>(end - p) < len) return false;
  if ((p[0] & 0x80) != 0) return false;                             // negative
  if (len > 1 && p[0] == 0x00 && (p[1] & 0x80) == 0) return false;  // not minimal
  const uint8_t* v = p;
  size_t vl = len;
  if (vl > 1 && v[0] == 0x00) {
    ++v;
    --vl;
  }
  if (vl > n) return false;
  std::memset(field, 0, n);
  std::memcpy(field + n - vl, v, vl);
  *cur = p + len;
  return true;
}

bool DerToRs(const SecureBytes& der, size_t n, std::vector<uint8_t>* rs) {
  const uint8_t* p = der.data();
  const uint8_t* end = p + der.size();
  if (der.size() < 2 || p[0] != 0x30) return false;
  size_t len = 0;
  if (p[1] < 0x80) {
    len = p[1];
    p += 2;
  } else if (p[1] == 0x81 && der.size() >= 3 && p[2] >= 0x80) {
    len = p[2];
    p += 3;
  } else {
    return false;
  }
  if (static_cast<size_t>(end - p) != len) return false;
  rs->assign(2 * n, 0);
  return ReadDerInteger(&p, end, n, rs->data()) && ReadDerInteger(&p, end, n, rs->data() + n) && p == end;
}

// The digest as DSA signs it: the leftmost q bytes (FIPS 186-4 4.6), or
// left-padded to q bytes when shorter (the same integer), since CNG takes a
// digest exactly as long as q.
SecureBytes FitToGroup(const SecureBytes& digest, size_t q) {
  SecureBytes out(q);
  if (digest.size() >= q) {
    std::memcpy(out.data(), digest.data(), q);
  } else {
    std::memcpy(out.data() + q - digest.size(), digest.data(), digest.size());
  }
  return out;
}

bool IsZero(const uint8_t* p, size_t n) {
  uint8_t any = 0;
  for (size_t i = 0; i < n; ++i) any |= p[i];
  return any == 0;
}

// Big-endian a >= b, both of the same length.
bool NotBelow(const uint8_t* a, const uint8_t* b, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return a[i] > b[i];
  }
  return true;
}

// What a pairwise check that ran and did not hold says (CheckFailed), so that
// Import can tell it (ERR_INVALID_KEY) from a provider failure.
bool IsCheckFailure(const Status& s) {
  return !s.ok && s.message.find("pairwise consistency check failed") != std::string::npos;
}

// The ECDH provider of an ECDSA provider's curve (kProvCount: none).
Prov EcdhOf(Prov p) {
  switch (p) {
    case kProvEcdsaP256:
      return kProvEcdhP256;
    case kProvEcdsaP384:
      return kProvEcdhP384;
    case kProvEcdsaP521:
      return kProvEcdhP521;
    case kProvEcdsaSecp256k1:
      return kProvEcdhSecp256k1;
    default:
      return kProvCount;
  }
}

// Facts about a key that its public blob holds, read once.
struct KeyFacts {
  Status status;
  std::vector<uint8_t> modulus;  // RSA n, big-endian
  size_t modulusBits = 0;
  size_t group = 0;              // DSA: bytes of q
  std::vector<uint8_t> dhGroup;  // DH: p || g
};

class CngKey final : public Key {
 public:
  CngKey(BCRYPT_KEY_HANDLE h, Plan plan, bool hasPrivate = true)
      : h_(h), plan_(std::move(plan)), hasPrivate_(hasPrivate) {}
  // A key kept by a provider: h is its public half, `half` does the rest.
  CngKey(BCRYPT_KEY_HANDLE h, Plan plan, std::unique_ptr<const cng::PrivateHalf> half)
      : h_(h), plan_(std::move(plan)), hasPrivate_(true), half_(std::move(half)) {}
  ~CngKey() override {
    if (h_ != nullptr) BCryptDestroyKey(h_);  // the one release of this handle
  }
  CngKey(const CngKey&) = delete;
  CngKey& operator=(const CngKey&) = delete;

  bool HasPrivate() const override { return hasPrivate_; }

  Status Export(BlobKind kind, SecureBytes* out) const override {
    if (kind == BlobKind::kSeed && plan_.seedMagic == 0) {
      return Status::Fail("ERR_INVALID_REQUEST", "only ML-DSA and ML-KEM keys have a seed blob");
    }
    if (kind != BlobKind::kPublic && !hasPrivate_) {
      return Status::Fail("ERR_INVALID_REQUEST", "a key imported from public material has no private blob");
    }
    if (kind != BlobKind::kPublic && half_) {
      return Status::Fail("ERR_NOT_EXTRACTABLE", "the private part of " + plan_.label + " stays in its store");
    }
    bool priv = kind != BlobKind::kPublic;
    const char* which = kind == BlobKind::kPublic ? "public key" : kind == BlobKind::kPrivate ? "private key" : "seed";
    std::string what = plan_.label + " " + which;
    SecureBytes raw;
    Status s = ExportRaw(h_, BlobType(plan_.family, kind), what, &raw);
    if (!s.ok) return s;
    if (plan_.family == Family::kOkp) {
      s = DropY(priv, &raw);
      if (!s.ok) return s;
    } else if (!BlobOk(plan_, kind, raw)) {
      return BadBlob(plan_.label);
    }
    *out = std::move(raw);
    return Status::Ok();
  }

  // Signs and verifies (RSA, ECDSA, DSA, ML-DSA), agrees with a fresh peer
  // both ways (ECDH, X25519, DH) or encapsulates and decapsulates (ML-KEM).
  // A public key has no pair to check.
  Status Validate() const override {
    if (!hasPrivate_) return Status::Ok();
    if (half_) return Unsupported("be checked here (its store checked it when it made it)");
    switch (plan_.family) {
      case Family::kRsa: {
        BCRYPT_PKCS1_PADDING_INFO pad;
        pad.pszAlgId = BCRYPT_SHA256_ALGORITHM;
        return CheckSignature(h_, &pad, BCRYPT_PAD_PKCS1, 32, plan_.label);
      }
      case Family::kDsa:
        // The digest is as long as the group: 160 bits (FIPS 186-2, <= 1024),
        // 256 bits (FIPS 186-3, CNG's q for 2048 and 3072).
        return CheckSignature(h_, nullptr, 0, plan_.pubMagic == blob::kDsaPublicV2 ? 32 : 20, plan_.label);
      case Family::kEc:
        if (alg::Agrees(*plan_.row)) return CheckWithPeer();
        return CheckSignature(h_, nullptr, 0, 32, plan_.label, 2 * plan_.cbKey);
      case Family::kOkp:
      case Family::kDh:
        return CheckWithPeer();
      case Family::kMlDsa:
        // Pure ML-DSA with an empty context: no padding info, no flags
        // (the same as BCRYPT_PAD_PQDSA with a null pszPrehashAlgId).
        return CheckSignature(h_, nullptr, 0, 32, plan_.label);
      case Family::kMlKem:
        return CheckKem(h_, plan_.label);
    }
    return Internal("unknown key family");
  }

  // --- the operations (issue 14) ----------------------------------------------------

  Status Sign(const OpParams& p, const SecureBytes& data, SecureBytes* sig) const override {
    if (!alg::Signs(*plan_.row)) return Unsupported("sign");
    if (!hasPrivate_) return Status::Fail("ERR_UNSUPPORTED_OPERATION", "a public key cannot sign");
    Status s = CheckSignatureOptions(p);
    if (!s.ok) return s;
    if (plan_.family == Family::kMlDsa) {
      PqdsaPaddingInfo pad = PqPad(p);
      return SignWith(h_, half_.get(), p.context.empty() ? nullptr : &pad, p.context.empty() ? 0 : kPadPqdsa, data,
                      plan_.row->outputSize, plan_.label, sig);
    }
    const HashDef* h = nullptr;
    s = FindHash(p.hash, true, &h);
    if (!s.ok) return s;
    SecureBytes digest;
    s = Digest(*h, data, &digest);
    if (!s.ok) return s;
    if (plan_.family == Family::kRsa) {
      const KeyFacts& f = Facts();
      if (!f.status.ok) return f.status;
      if (p.padding == "pss") {
        BCRYPT_PSS_PADDING_INFO pad;
        s = PssPad(p, *h, f, &pad);
        if (!s.ok) return s;
        return SignWith(h_, half_.get(), &pad, BCRYPT_PAD_PSS, digest, f.modulus.size(), plan_.label, sig);
      }
      BCRYPT_PKCS1_PADDING_INFO pad;  // PKCS#1 v1.5, the default
      pad.pszAlgId = h->cng;
      return SignWith(h_, half_.get(), &pad, BCRYPT_PAD_PKCS1, digest, f.modulus.size(), plan_.label, sig);
    }
    // ECDSA and DSA: r || s from CNG, DER on request.
    size_t n = 0;
    s = ScalarSize(&n);
    if (!s.ok) return s;
    SecureBytes input = plan_.family == Family::kDsa ? FitToGroup(digest, n) : std::move(digest);
    SecureBytes rs;
    s = SignWith(h_, half_.get(), nullptr, 0, input, 2 * n, plan_.label, &rs);
    if (!s.ok) return s;
    *sig = p.signatureEncoding == "der" ? RsToDer(rs) : std::move(rs);
    return Status::Ok();
  }

  Status Verify(const OpParams& p, const SecureBytes& data, const SecureBytes& sig, bool* valid) const override {
    *valid = false;
    if (!alg::Signs(*plan_.row)) return Unsupported("verify");
    Status s = CheckSignatureOptions(p);
    if (!s.ok) return s;
    if (plan_.family == Family::kMlDsa) {
      if (sig.size() != plan_.row->outputSize) return Status::Ok();
      PqdsaPaddingInfo pad = PqPad(p);
      return VerifyWith(h_, p.context.empty() ? nullptr : &pad, p.context.empty() ? 0 : kPadPqdsa, data, sig.data(),
                        sig.size(), plan_.label, valid);
    }
    const HashDef* h = nullptr;
    s = FindHash(p.hash, false, &h);
    if (!s.ok) return s;
    if (plan_.family == Family::kRsa) {
      const KeyFacts& f = Facts();
      if (!f.status.ok) return f.status;
      BCRYPT_PKCS1_PADDING_INFO pkcs1;
      BCRYPT_PSS_PADDING_INFO pss;
      void* pad = nullptr;
      ULONG flags = 0;
      if (p.padding == "pss") {
        s = PssPad(p, *h, f, &pss);
        if (!s.ok) return s;
        pad = &pss;
        flags = BCRYPT_PAD_PSS;
      } else {
        pkcs1.pszAlgId = h->cng;
        pad = &pkcs1;
        flags = BCRYPT_PAD_PKCS1;
      }
      // A signature of another length, or not below n, is no signature of this key.
      if (sig.size() != f.modulus.size() || NotBelow(sig.data(), f.modulus.data(), sig.size())) return Status::Ok();
      SecureBytes digest;
      s = Digest(*h, data, &digest);
      if (!s.ok) return s;
      return VerifyWith(h_, pad, flags, digest, sig.data(), sig.size(), plan_.label, valid);
    }
    size_t n = 0;
    s = ScalarSize(&n);
    if (!s.ok) return s;
    std::vector<uint8_t> rs;
    if (p.signatureEncoding == "der") {
      if (!DerToRs(sig, n, &rs)) return Status::Ok();
    } else {
      if (sig.size() != 2 * n) return Status::Ok();
      rs.assign(sig.data(), sig.data() + sig.size());
    }
    // r = 0 or s = 0 is never a signature; CNG need not be asked.
    if (IsZero(rs.data(), n) || IsZero(rs.data() + n, n)) return Status::Ok();
    SecureBytes digest;
    s = Digest(*h, data, &digest);
    if (!s.ok) return s;
    SecureBytes input = plan_.family == Family::kDsa ? FitToGroup(digest, n) : std::move(digest);
    return VerifyWith(h_, nullptr, 0, input, rs.data(), rs.size(), plan_.label, valid);
  }

  Status Encrypt(const OpParams& p, const SecureBytes& data, SecureBytes* out) const override {
    if (!alg::Encrypts(*plan_.row)) return Unsupported("encrypt");
    const KeyFacts& f = Facts();
    if (!f.status.ok) return f.status;
    size_t k = f.modulus.size();
    BCRYPT_OAEP_PADDING_INFO oaep;
    void* pad = nullptr;
    ULONG flags = 0;
    if (p.padding.empty() || p.padding == "oaep") {
      const HashDef* h = nullptr;
      Status s = FindHash(p.hash, false, &h);
      if (!s.ok) return s;
      if (data.size() + 2 * h->size + 2 > k) {
        return BadRequest("the plaintext is too long for RSA-OAEP with " + std::string(h->name) +
                          " and this key (at most " + std::to_string(k >= 2 * h->size + 2 ? k - 2 * h->size - 2 : 0) +
                          " bytes)");
      }
      OaepPad(p, *h, &oaep);
      pad = &oaep;
      flags = BCRYPT_PAD_OAEP;
    } else if (p.padding == "pkcs1") {
      if (!p.hash.empty() || !p.label.empty()) return BadRequest("hash and label are for RSA-OAEP");
      if (data.size() + 11 > k) {
        return BadRequest("the plaintext is too long for RSA PKCS#1 v1.5 with this key (at most " +
                          std::to_string(k - 11) + " bytes)");
      }
      flags = BCRYPT_PAD_PKCS1;
    } else {
      return BadRequest("RSA encryption padding must be oaep or pkcs1");
    }
    ULONG cb = 0;
    NTSTATUS st =
        BCryptEncrypt(h_, InputPtr(data), static_cast<ULONG>(data.size()), pad, nullptr, 0, nullptr, 0, &cb, flags);
    if (!Ok(st)) return OpFail("BCryptEncrypt cannot size an " + plan_.label + " ciphertext", st);
    if (cb != k) return Internal("BCryptEncrypt sized an RSA ciphertext at " + std::to_string(cb) + " bytes");
    SecureBytes ct(cb);
    ULONG written = 0;
    st = BCryptEncrypt(h_, InputPtr(data), static_cast<ULONG>(data.size()), pad, nullptr, 0, ct.data(), cb, &written,
                       flags);
    if (!Ok(st)) return OpFail("BCryptEncrypt failed with the " + plan_.label + " key", st);
    if (written != k) return Internal("BCryptEncrypt wrote " + std::to_string(written) + " bytes");
    *out = std::move(ct);
    return Status::Ok();
  }

  Status Decrypt(const OpParams& p, const SecureBytes& data, SecureBytes* out) const override {
    if (!alg::Encrypts(*plan_.row)) return Unsupported("decrypt");
    if (!hasPrivate_) return Status::Fail("ERR_UNSUPPORTED_OPERATION", "a public key cannot decrypt");
    if (p.padding == "pkcs1") {
      if (!p.allowPkcs1Decrypt) {
        return Status::Fail("ERR_UNSUPPORTED_OPERATION",
                            "RSA PKCS#1 v1.5 decryption is refused (Marvin attack): use OAEP, or allowPkcs1Decrypt");
      }
      // BCryptDecrypt reports a bad PKCS#1 v1.5 padding as an error (no
      // implicit rejection): the Marvin / Bleichenbacher oracle.
      return Status::Fail("ERR_NOT_SUPPORTED_ON_PLATFORM",
                          "Windows CNG has no implicit rejection for RSA PKCS#1 v1.5 decryption (Marvin attack), so "
                          "it is never done there; use OAEP");
    }
    if (!p.padding.empty() && p.padding != "oaep") return BadRequest("RSA decryption padding must be oaep or pkcs1");
    const HashDef* h = nullptr;
    Status s = FindHash(p.hash, false, &h);
    if (!s.ok) return s;
    const KeyFacts& f = Facts();
    if (!f.status.ok) return f.status;
    if (data.size() != f.modulus.size()) {
      return Status::Fail("ERR_DECRYPTION_FAILED", "an RSA-OAEP ciphertext for this key is " +
                                                       std::to_string(f.modulus.size()) + " bytes (got " +
                                                       std::to_string(data.size()) + ")");
    }
    BCRYPT_OAEP_PADDING_INFO pad;
    OaepPad(p, *h, &pad);
    ULONG cbIn = static_cast<ULONG>(data.size());
    SecureBytes buf(data.size());
    ULONG written = 0;
    NTSTATUS st =
        half_ ? half_->Decrypt(InputPtr(data), cbIn, &pad, buf.data(), cbIn, &written, BCRYPT_PAD_OAEP)
              : BCryptDecrypt(h_, InputPtr(data), cbIn, &pad, nullptr, 0, buf.data(), cbIn, &written, BCRYPT_PAD_OAEP);
    // With the key and options checked, a failure is the ciphertext's (or
    // the label's): ERR_DECRYPTION_FAILED, the NTSTATUS kept.
    if (!Ok(st)) {
      return NtFail(MeansAbsent(static_cast<uint32_t>(st)) ? "ERR_NOT_SUPPORTED_ON_PLATFORM" : "ERR_DECRYPTION_FAILED",
                    std::string(half_ ? "NCryptDecrypt" : "BCryptDecrypt") + " (RSA-OAEP) failed with the " +
                        plan_.label + " key",
                    st);
    }
    if (written > cbIn) return Internal("BCryptDecrypt wrote past its buffer");
    *out = SecureBytes(buf.data(), written);  // buf is wiped as it goes
    return Status::Ok();
  }

  // The peer is a Key of this backend (the addon only holds keys this file
  // made: one backend per build), hence the static_cast.
  Status Derive(const Key& peerKey, SecureBytes* secret) const override {
    if (!alg::Agrees(*plan_.row)) return Unsupported("derive");
    if (!hasPrivate_) return Status::Fail("ERR_UNSUPPORTED_OPERATION", "a public key cannot derive a shared secret");
    const CngKey& peer = static_cast<const CngKey&>(peerKey);
    BCRYPT_KEY_HANDLE peerHandle = peer.h_;
    KeyHandle twin;  // an ECDSA peer's point as an ECDH key
    if (peer.plan_.prov != plan_.prov) {
      bool ecdsaTwin = plan_.family == Family::kEc && peer.plan_.family == Family::kEc && alg::Signs(*peer.plan_.row) &&
                       EcdhOf(peer.plan_.prov) == plan_.prov;
      if (!ecdsaTwin) {
        return Status::Fail("ERR_INVALID_KEY", "the peer key is " + peer.plan_.label + ", this key " + plan_.label +
                                                   ": derive needs the same algorithm and curve");
      }
      Status s = peer.PublicAsEcdh(plan_, &twin);
      if (!s.ok) return s;
      peerHandle = twin.get();
    }
    size_t width = plan_.cbKey;
    if (plan_.family == Family::kDh) {
      const KeyFacts& mine = Facts();
      if (!mine.status.ok) return mine.status;
      const KeyFacts& theirs = peer.Facts();
      if (!theirs.status.ok) return theirs.status;
      if (mine.dhGroup != theirs.dhGroup)
        return Status::Fail("ERR_INVALID_KEY", "the peer's DH key is of another group");
      width = mine.dhGroup.size() / 2;
    }
    SecureBytes raw;
    Status agreed = half_ ? AgreeElsewhere(peerHandle, &raw) : Agree(peerHandle, &raw);
    if (!agreed.ok) return agreed;
    if (raw.size() > width) return Internal("BCryptDeriveKey gave a " + std::to_string(raw.size()) + "-byte secret");
    // CNG's raw secret is little-endian (curve25519 too); node's, big-endian
    // and the width of the field.
    SecureBytes be(width);
    for (size_t i = 0; i < raw.size(); ++i) be.data()[width - 1 - i] = raw.data()[i];
    // X25519 (RFC 7748 6.1): an all-zero secret means a small-order peer. (An
    // ECDH secret, an x-coordinate, may be 0 on a NIST curve: valid.)
    if (plan_.family == Family::kOkp && IsZero(be.data(), width)) {
      return Status::Fail("ERR_INVALID_KEY", "the shared secret with this peer is all zero (a small-order peer key)");
    }
    *secret = std::move(be);
    return Status::Ok();
  }

  Status Encapsulate(SecureBytes* ciphertext, SecureBytes* secret) const override {
    if (!alg::Encapsulates(*plan_.row)) return Unsupported("encapsulate");
    const KemFns& kem = Kem();
    if (kem.encapsulate == nullptr) return NoKemFunctions();
    ULONG cbSecret = 0, cbCipher = 0;
    NTSTATUS st = kem.encapsulate(h_, nullptr, 0, &cbSecret, nullptr, 0, &cbCipher, 0);
    if (!Ok(st)) return OpFail("BCryptEncapsulate cannot size the " + plan_.label + " outputs", st);
    if (cbSecret != 32 || cbCipher != plan_.row->outputSize) {
      return Internal("BCryptEncapsulate sized " + std::to_string(cbSecret) + " / " + std::to_string(cbCipher) +
                      " bytes");
    }
    SecureBytes ss(cbSecret), ct(cbCipher);
    ULONG wroteSecret = 0, wroteCipher = 0;
    st = kem.encapsulate(h_, ss.data(), cbSecret, &wroteSecret, ct.data(), cbCipher, &wroteCipher, 0);
    if (!Ok(st)) return OpFail("BCryptEncapsulate failed for the " + plan_.label + " key", st);
    if (wroteSecret != cbSecret || wroteCipher != cbCipher) return Internal("BCryptEncapsulate wrote short outputs");
    *ciphertext = std::move(ct);
    *secret = std::move(ss);
    return Status::Ok();
  }

  Status Decapsulate(const SecureBytes& ciphertext, SecureBytes* secret) const override {
    if (!alg::Encapsulates(*plan_.row)) return Unsupported("decapsulate");
    if (!hasPrivate_) return Status::Fail("ERR_UNSUPPORTED_OPERATION", "a public key cannot decapsulate");
    size_t want = plan_.row->outputSize;
    if (ciphertext.size() != want) {
      return BadRequest("an " + plan_.label + " ciphertext is " + std::to_string(want) + " bytes (got " +
                        std::to_string(ciphertext.size()) + ")");
    }
    const KemFns& kem = Kem();
    if (kem.decapsulate == nullptr) return NoKemFunctions();
    SecureBytes ss(32);
    ULONG got = 0;
    NTSTATUS st = kem.decapsulate(h_, InputPtr(ciphertext), static_cast<ULONG>(want), ss.data(), 32, &got, 0);
    if (!Ok(st)) return OpFail("BCryptDecapsulate failed for the " + plan_.label + " key", st);
    if (got != 32) return Internal("BCryptDecapsulate wrote " + std::to_string(got) + " bytes");
    *secret = std::move(ss);
    return Status::Ok();
  }

 private:
  // BCRYPT_KDF_RAW_SECRET of the agreement of this key with the peer.
  Status Agree(BCRYPT_KEY_HANDLE peer, SecureBytes* raw) const {
    SecretHandle agreed;
    NTSTATUS st = BCryptSecretAgreement(h_, peer, agreed.Out(), 0);
    if (!Ok(st)) return OpFail("BCryptSecretAgreement failed for the " + plan_.label + " key", st);
    st = DeriveSecret(agreed.get(), false, raw);
    if (!Ok(st)) return OpFail("BCryptDeriveKey (BCRYPT_KDF_RAW_SECRET) failed for the " + plan_.label + " key", st);
    return Status::Ok();
  }

  // The same, by the provider that keeps this key: it takes the peer as a
  // public blob (ECDH only: DH and X25519 keys are not kept in stores).
  Status AgreeElsewhere(BCRYPT_KEY_HANDLE peer, SecureBytes* raw) const {
    if (plan_.family != Family::kEc) return Unsupported("derive in its store");
    SecureBytes pub;
    Status s = ExportRaw(peer, BCRYPT_ECCPUBLIC_BLOB, "peer public key", &pub);
    if (!s.ok) return s;
    return half_->Agree(pub, raw);
  }

  static Status NoKemFunctions() {
    return Status::Fail("ERR_NOT_SUPPORTED_ON_PLATFORM",
                        "this Windows bcrypt.dll has no BCryptEncapsulate / BCryptDecapsulate (Windows 11 24H2 / "
                        "Server 2025 have them)");
  }

  // The options of a signature, as the OpenSSL backend takes them: RSA
  // padding pkcs1 (the default) or pss, saltLength for PSS only; pure ML-DSA
  // (no hash) with a context of at most 255 bytes; no context for the others.
  Status CheckSignatureOptions(const OpParams& p) const {
    if (plan_.family == Family::kRsa) {
      if (!p.padding.empty() && p.padding != "pkcs1" && p.padding != "pss") {
        return BadRequest("RSA signature padding must be pkcs1 or pss");
      }
      if (p.padding != "pss" && p.saltLength >= 0) return BadRequest("saltLength is for PSS signatures");
    } else if (!p.padding.empty() || p.saltLength >= 0) {
      return BadRequest("padding and saltLength are for RSA signatures");
    }
    if (plan_.family == Family::kMlDsa) {
      if (!p.hash.empty()) return BadRequest(plan_.label + " signs the message itself (pure ML-DSA): no hash");
      if (p.context.size() > 255) return BadRequest("an ML-DSA context is at most 255 bytes");
    } else if (!p.context.empty()) {
      return BadRequest("a context string is for Ed448 and ML-DSA signatures");
    }
    return Status::Ok();
  }

  static PqdsaPaddingInfo PqPad(const OpParams& p) {
    PqdsaPaddingInfo pad;
    pad.pbCtx = p.context.empty() ? nullptr : const_cast<PUCHAR>(p.context.data());
    pad.cbCtx = static_cast<ULONG>(p.context.size());
    pad.pszPrehashAlgId = nullptr;
    return pad;
  }

  static void OaepPad(const OpParams& p, const HashDef& h, BCRYPT_OAEP_PADDING_INFO* pad) {
    pad->pszAlgId = h.cng;
    pad->pbLabel = p.label.empty() ? nullptr : const_cast<PUCHAR>(p.label.data());
    pad->cbLabel = static_cast<ULONG>(p.label.size());
  }

  // saltLength -1 is the digest's length; at most emLen - hLen - 2 (RFC 8017 9.1.1).
  static Status PssPad(const OpParams& p, const HashDef& h, const KeyFacts& f, BCRYPT_PSS_PADDING_INFO* pad) {
    size_t emLen = (f.modulusBits - 1 + 7) / 8;
    size_t salt = p.saltLength < 0 ? h.size : static_cast<size_t>(p.saltLength);
    if (emLen < h.size + 2 || salt > emLen - h.size - 2) {
      return BadRequest("a PSS salt of " + std::to_string(salt) + " bytes does not fit this key with " + h.name);
    }
    pad->pszAlgId = h.cng;
    pad->cbSalt = static_cast<ULONG>(salt);
    return Status::Ok();
  }

  // CNG agrees with ECDH handles only, and an ECDSA key of the same curve is
  // the same point: its public blob, under the ECDH magic, imported into the
  // ECDH provider (validated, as any import).
  Status PublicAsEcdh(const Plan& ecdh, KeyHandle* out) const {
    SecureBytes pub;
    Status s = ExportRaw(h_, BCRYPT_ECCPUBLIC_BLOB, plan_.label + " public key", &pub);
    if (!s.ok) return s;
    if (!EcBlobOk(plan_, false, pub)) return BadBlob(plan_.label);
    WriteU32le(pub.data(), ecdh.pubMagic);
    BCRYPT_ALG_HANDLE alg = nullptr;
    s = OpenProvider(ecdh.prov, &alg);
    if (!s.ok) return s;
    NTSTATUS st = BCryptImportKeyPair(alg, nullptr, BCRYPT_ECCPUBLIC_BLOB, out->Out(), pub.data(),
                                      static_cast<ULONG>(pub.size()), 0);
    if (!Ok(st)) return OpFail("BCryptImportKeyPair cannot take the " + plan_.label + " peer as " + ecdh.label, st);
    return Status::Ok();
  }

  // The size of r and s: ECDSA the coordinate size, DSA the size of q.
  Status ScalarSize(size_t* n) const {
    if (plan_.family == Family::kEc) {
      *n = plan_.cbKey;
      return Status::Ok();
    }
    const KeyFacts& f = Facts();
    if (!f.status.ok) return f.status;
    *n = f.group;
    return Status::Ok();
  }

  const KeyFacts& Facts() const {
    std::call_once(factsOnce_, [this] { facts_ = ReadFacts(); });
    return facts_;
  }

  KeyFacts ReadFacts() const {
    KeyFacts f;
    if (plan_.family != Family::kRsa && plan_.family != Family::kDsa && plan_.family != Family::kDh) return f;
    SecureBytes pub;
    f.status = ExportRaw(h_, BlobType(plan_.family, BlobKind::kPublic), plan_.label + " public key", &pub);
    if (!f.status.ok) return f;
    if (!BlobOk(plan_, BlobKind::kPublic, pub)) {
      f.status = BadBlob(plan_.label);
      return f;
    }
    const uint8_t* b = pub.data();
    if (plan_.family == Family::kRsa) {
      size_t cbE = ReadU32le(b + 8), cbN = ReadU32le(b + 12);
      f.modulus.assign(b + 24 + cbE, b + 24 + cbE + cbN);
      size_t lead = 0;
      while (lead < f.modulus.size() && f.modulus[lead] == 0) ++lead;
      if (lead == f.modulus.size()) {
        f.status = BadBlob("RSA (zero modulus)");
        return f;
      }
      f.modulus.erase(f.modulus.begin(), f.modulus.begin() + static_cast<std::ptrdiff_t>(lead));
      unsigned top = f.modulus[0], bits = 0;
      while (top != 0) {
        ++bits;
        top >>= 1;
      }
      f.modulusBits = (f.modulus.size() - 1) * 8 + bits;
    } else if (plan_.family == Family::kDsa) {
      f.group = plan_.pubMagic == blob::kDsaPublicV2 ? ReadU32le(b + 20) : 20;
      if (f.group == 0 || f.group > 64) f.status = BadBlob("DSA (group size)");
    } else {
      size_t cb = ReadU32le(b + 4);
      f.dhGroup.assign(b + 8, b + 8 + 2 * cb);
    }
    return f;
  }

  // A peer key on the same provider (same curve; for DH the same group, set
  // from this key's public blob {DHPB, cbKey}; p, g, y), then CheckAgreement.
  Status CheckWithPeer() const {
    BCRYPT_ALG_HANDLE alg = nullptr;
    Status s = OpenProvider(plan_.prov, &alg);
    if (!s.ok) return s;
    KeyHandle peer;
    NTSTATUS st = BCryptGenerateKeyPair(alg, peer.Out(), plan_.bits, 0);
    if (!Ok(st)) return ProviderError("BCryptGenerateKeyPair failed for a " + plan_.label + " peer key", st);
    if (plan_.family == Family::kDh) {
      SecureBytes pub;
      s = ExportRaw(h_, BCRYPT_DH_PUBLIC_BLOB, plan_.label + " public key", &pub);
      if (!s.ok) return s;
      if (!DhBlobOk(plan_, false, pub)) return BadBlob("DH");
      // BCRYPT_DH_PARAMETER_HEADER {cbLength, dwMagic, cbKeyLength}; p, g.
      size_t cb = ReadU32le(pub.data() + 4);
      std::vector<uint8_t> params(12 + 2 * cb);
      WriteU32le(params.data(), static_cast<uint32_t>(params.size()));
      WriteU32le(params.data() + 4, BCRYPT_DH_PARAMETERS_MAGIC);
      WriteU32le(params.data() + 8, static_cast<uint32_t>(cb));
      std::memcpy(params.data() + 12, pub.data() + 8, 2 * cb);
      st = BCryptSetProperty(peer.get(), BCRYPT_DH_PARAMETERS, params.data(), static_cast<ULONG>(params.size()), 0);
      if (!Ok(st)) return ProviderError("cannot set the DH group of a peer key", st);
    }
    st = BCryptFinalizeKeyPair(peer.get(), 0);
    if (!Ok(st)) return ProviderError("BCryptFinalizeKeyPair failed for a " + plan_.label + " peer key", st);
    return CheckAgreement(h_, peer.get(), plan_.label);
  }

  // CNG writes curve25519 keys as {ECKP|ECKV, 32}; X (the RFC 7748 u
  // coordinate, as X25519 encodes it), Y (always zero), [d]. The project's
  // layout for OKP keys leaves Y out: {magic, 32}; X, [d].
  Status DropY(bool priv, SecureBytes* b) const {
    if (!EcBlobOk(plan_, priv, *b)) return BadBlob("ECC");
    size_t cb = plan_.cbKey;
    if (!IsZero(b->data() + 8 + cb, cb)) return BadBlob("curve25519 (non-zero Y)");
    SecureBytes out(8 + cb * (priv ? 2 : 1));
    std::memcpy(out.data(), b->data(), 8 + cb);
    if (priv) std::memcpy(out.data() + 8 + cb, b->data() + 8 + 2 * cb, cb);
    *b = std::move(out);
    return Status::Ok();
  }

  BCRYPT_KEY_HANDLE h_;
  Plan plan_;
  bool hasPrivate_;
  std::unique_ptr<const cng::PrivateHalf> half_;  // keys kept by a provider (ncrypt_store.cc)
  mutable std::once_flag factsOnce_;
  mutable KeyFacts facts_;
};

// --- generation ---------------------------------------------------------------------

NTSTATUS SetStringProperty(BCRYPT_KEY_HANDLE h, const wchar_t* prop, const std::wstring& value) {
  ULONG cb = static_cast<ULONG>((value.size() + 1) * sizeof(wchar_t));
  return BCryptSetProperty(h, prop, reinterpret_cast<PUCHAR>(const_cast<wchar_t*>(value.c_str())), cb, 0);
}

// BCRYPT_DH_PARAMETER_HEADER {cbLength, dwMagic, cbKeyLength}; p, g — both
// big-endian, cbKeyLength bytes.
Status SetDhGroup(BCRYPT_KEY_HANDLE h, const DhGroup& group) {
  size_t cb = group.bits / 8;
  std::vector<uint8_t> params(12 + 2 * cb, 0);
  WriteU32le(params.data(), static_cast<uint32_t>(params.size()));
  WriteU32le(params.data() + 4, BCRYPT_DH_PARAMETERS_MAGIC);
  WriteU32le(params.data() + 8, static_cast<uint32_t>(cb));
  std::memcpy(params.data() + 12, group.p, cb);
  params[12 + 2 * cb - 1] = group.g;
  NTSTATUS st = BCryptSetProperty(h, BCRYPT_DH_PARAMETERS, params.data(), static_cast<ULONG>(params.size()), 0);
  if (!Ok(st)) return ProviderError(std::string("cannot set the DH group (") + group.name + ")", st);
  return Status::Ok();
}

// Sets the ML-DSA / ML-KEM parameter set on an unfinalized key.
Status SetParameterSet(BCRYPT_KEY_HANDLE h, const Plan& plan) {
  NTSTATUS st = SetStringProperty(h, BCRYPT_PARAMETER_SET_NAME, Widen(plan.parameterSet));
  if (!Ok(st)) {
    uint32_t u = static_cast<uint32_t>(st);
    bool absent = MeansAbsent(u) || u == kStatusInvalidParameter;
    return NtFail(absent ? "ERR_NOT_SUPPORTED_ON_PLATFORM" : "ERR_PROVIDER", "this Windows CNG has no " + plan.label,
                  st);
  }
  return Status::Ok();
}

// The generation options CNG has no way to take: BCryptGenerateKeyPair makes
// RSA keys with e = 65537 only (no property sets the exponent), and DSA keys
// above 1024 bits with a 256-bit q (FIPS 186-3; BCRYPT_DSA_PARAMETER_HEADER_V2:
// "when the key exceeds 1024 bits in length, q is 32 bytes long").
Status CheckCngOptions(const Plan& plan, const KeySpec& spec) {
  if (plan.family == Family::kRsa && spec.publicExponent != 0 && spec.publicExponent != alg::kDefaultPublicExponent) {
    return Status::Fail("ERR_NOT_SUPPORTED_ON_PLATFORM",
                        "Windows CNG generates RSA keys with the public exponent 65537 only (BCryptGenerateKeyPair "
                        "takes no exponent), not " +
                            std::to_string(spec.publicExponent) + "; the OpenSSL backend (Linux, macOS) takes it");
  }
  if (plan.family == Family::kDsa && spec.divisorLength != 0 &&
      spec.divisorLength != alg::DefaultDivisorLength(spec.length)) {
    return Status::Fail("ERR_NOT_SUPPORTED_ON_PLATFORM",
                        "Windows CNG generates DSA-" + std::to_string(spec.length) + " keys with a " +
                            std::to_string(alg::DefaultDivisorLength(spec.length)) + "-bit q only, not " +
                            std::to_string(spec.divisorLength) + "; the OpenSSL backend (Linux, macOS) takes it");
  }
  return Status::Ok();
}

Status ImportSeed(BCRYPT_ALG_HANDLE alg, const Plan& plan, const KeySpec& spec, KeyHandle* key) {
  size_t cbSet = blob::Utf16zSize(plan.parameterSet);
  SecureBytes b(12 + cbSet + spec.seed.size());
  WritePqHeader(b.data(), plan.seedMagic, plan.parameterSet, static_cast<uint32_t>(spec.seed.size()));
  std::memcpy(b.data() + 12 + cbSet, spec.seed.data(), spec.seed.size());
  const wchar_t* type = plan.family == Family::kMlDsa ? BCRYPT_PQDSA_PRIVATE_SEED_BLOB : BCRYPT_MLKEM_PRIVATE_SEED_BLOB;
  ULONG flags = plan.family == Family::kMlKem && spec.noKeyValidation ? BCRYPT_NO_KEY_VALIDATION : 0;
  NTSTATUS st = BCryptImportKeyPair(alg, nullptr, type, key->Out(), b.data(), static_cast<ULONG>(b.size()), flags);
  if (!Ok(st)) return ProviderError("BCryptImportKeyPair cannot import the " + plan.label + " seed", st);
  return Status::Ok();
}

// --- import ------------------------------------------------------------------------------

// What the blob itself says of the key that the spec cannot: the RSA, DSA
// and DH sizes and the DSA blob version. Layout errors are caught by BlobOk.
void FitPlanToBlob(const SecureBytes& b, Plan* plan) {
  if (b.size() < 8) return;
  uint32_t magic = ReadU32le(b.data());
  switch (plan->family) {
    case Family::kRsa:
      plan->bits = ReadU32le(b.data() + 4);
      break;
    case Family::kDsa: {
      bool v2 = magic == blob::kDsaPublicV2 || magic == blob::kDsaPrivateV2;
      alg::DsaMagics(v2 ? 2048 : 1024, &plan->pubMagic, &plan->privMagic);
      plan->bits = ReadU32le(b.data() + 4) * 8;
      break;
    }
    case Family::kDh:
      plan->bits = ReadU32le(b.data() + 4) * 8;
      break;
    default:
      break;
  }
}

// p = 2^255 - 19, little-endian.
constexpr uint8_t kP25519[32] = {0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f};

// RFC 7748 section 5: the top bit of u is masked and a non-canonical u
// (>= p) is taken modulo p. CNG does neither (it refuses u >= p).
void ReduceU25519(uint8_t* u) {
  u[31] &= 0x7f;
  bool below = false;
  for (int i = 31; i >= 0; --i) {
    if (u[i] != kP25519[i]) {
      below = u[i] < kP25519[i];
      break;
    }
  }
  if (below) return;
  int borrow = 0;
  for (int i = 0; i < 32; ++i) {
    int d = u[i] - kP25519[i] - borrow;
    u[i] = static_cast<uint8_t>(d);
    borrow = d < 0 ? 1 : 0;
  }
}

// The project's curve25519 layout {magic, 32}; X, [d] as CNG takes it:
// {magic, 32}; X, Y = 0, [d]. A private key goes in with X zero (CNG computes
// it from d; Import compares it with the blob's afterwards) and d clamped as
// RFC 7748 decodes scalars, which CNG does not do itself.
SecureBytes ToCng25519(bool priv, const SecureBytes& b) {
  SecureBytes out(8 + 32 * (priv ? 3 : 2));
  std::memcpy(out.data(), b.data(), 8);
  if (priv) {
    uint8_t* d = out.data() + 8 + 64;
    std::memcpy(d, b.data() + 8 + 32, 32);
    d[0] &= 0xf8;
    d[31] &= 0x7f;
    d[31] |= 0x40;
  } else {
    std::memcpy(out.data() + 8, b.data() + 8, 32);
    ReduceU25519(out.data() + 8);
  }
  return out;
}

}  // namespace

Status Import(const KeySpec& spec, BlobKind kind, const SecureBytes& blob, std::unique_ptr<Key>* out) {
  Plan plan;
  Status s = MakePlan(spec, &plan);
  if (!s.ok) return s;
  bool pq = plan.family == Family::kMlDsa || plan.family == Family::kMlKem;
  if (kind == BlobKind::kSeed && !pq) return BadRequest("only ML-DSA and ML-KEM keys have a seed blob");
  bool priv = kind != BlobKind::kPublic;
  // A Windows without the algorithm says so first, whatever the blob.
  BCRYPT_ALG_HANDLE alg = nullptr;
  s = OpenProvider(plan.prov, &alg);
  if (!s.ok) return s;
  FitPlanToBlob(blob, &plan);
  const char* which = kind == BlobKind::kPublic ? "public key" : kind == BlobKind::kPrivate ? "private key" : "seed";
  if (!BlobOk(plan, kind, blob) || blob.size() > ULONG_MAX) {
    return Status::Fail("ERR_INVALID_BLOB", "the blob does not have the " + plan.label + " " + which +
                                                " layout of docs/design.md (\"Blob layouts\")");
  }
  if (plan.family == Family::kRsa) {
    s = alg::CheckImportedLength(*plan.row, plan.bits);
    if (!s.ok) return s;
  }

  bool x25519 = plan.family == Family::kOkp;
  SecureBytes converted;
  if (x25519) converted = ToCng25519(priv, blob);
  const SecureBytes& input = x25519 ? converted : blob;
  // CNG validates what it imports (a point on the curve, a consistent key).
  // X25519 public keys skip it, as RFC 7748 has every u be a public key; the
  // all-zero secret of a small-order one is refused at derive. ML-KEM keys
  // skip it only when asked.
  ULONG flags =
      (x25519 && !priv) || (plan.family == Family::kMlKem && spec.noKeyValidation) ? BCRYPT_NO_KEY_VALIDATION : 0;
  KeyHandle key;
  NTSTATUS st = BCryptImportKeyPair(alg, nullptr, BlobType(plan.family, kind), key.Out(), InputPtr(input),
                                    static_cast<ULONG>(input.size()), flags);
  if (!Ok(st)) {
    return NtFail(MeansAbsent(static_cast<uint32_t>(st)) ? "ERR_NOT_SUPPORTED_ON_PLATFORM" : "ERR_INVALID_KEY",
                  "BCryptImportKeyPair refused the " + plan.label + " " + which, st);
  }
  std::unique_ptr<CngKey> k(new CngKey(key.Release(), plan, priv));
  if (x25519 && priv) {
    SecureBytes pub;
    s = k->Export(BlobKind::kPublic, &pub);
    if (!s.ok) return s;
    if (std::memcmp(pub.data() + 8, blob.data() + 8, 32) != 0) {
      return Status::Fail("ERR_INVALID_KEY", "the X25519 private key's public part is not the blob's public key");
    }
  }
  if (priv) {
    s = k->Validate();
    if (IsCheckFailure(s)) return Status::Fail("ERR_INVALID_KEY", s.message);
    if (!s.ok) return s;
  }
  *out = std::move(k);
  return Status::Ok();
}

namespace {

// --- capabilities -------------------------------------------------------------------

std::string WindowsVersion() {
  using RtlGetVersionFn = LONG(WINAPI*)(PRTL_OSVERSIONINFOW);
  HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
  if (ntdll != nullptr) {
    auto fn = reinterpret_cast<RtlGetVersionFn>(reinterpret_cast<void*>(GetProcAddress(ntdll, "RtlGetVersion")));
    RTL_OSVERSIONINFOW info;
    std::memset(&info, 0, sizeof info);
    info.dwOSVersionInfoSize = sizeof info;
    if (fn != nullptr && fn(&info) == 0) {
      return std::to_string(info.dwMajorVersion) + "." + std::to_string(info.dwMinorVersion) + "." +
             std::to_string(info.dwBuildNumber);
    }
  }
  return "unknown";
}

// Whether this CNG accepts a parameter set: set it on a fresh, unfinalized key.
bool HasSet(BCRYPT_ALG_HANDLE alg, const char* set, std::string* why) {
  KeyHandle key;
  NTSTATUS st = BCryptGenerateKeyPair(alg, key.Out(), 0, 0);
  if (!Ok(st)) {
    if (why->empty()) *why = ProviderError("BCryptGenerateKeyPair", st).message;
    return false;
  }
  st = SetStringProperty(key.get(), BCRYPT_PARAMETER_SET_NAME, Widen(set));
  if (!Ok(st) && why->empty())
    *why = std::string("parameter set ") + set + ": " + NtStatusText(static_cast<uint32_t>(st));
  return Ok(st);
}

// Whether this CNG makes the keys of a registry row; why not, in *why.
bool Available(const alg::Algorithm& a, std::string* why) {
  Prov p = kColumns[a.id];
  if (p == kNoProvider) {
    if (why->empty()) *why = NoCng(a.label).message;
    return false;
  }
  BCRYPT_ALG_HANDLE alg = nullptr;
  Status s = OpenProvider(p, &alg);
  if (!s.ok) {
    if (why->empty()) *why = s.message;
    return false;
  }
  return a.parameterSet == nullptr || HasSet(alg, a.parameterSet, why);
}

// One entry per KeySpec algorithm, from the registry: the curves and
// parameter sets of its rows that this CNG has.
Capabilities Probe() {
  Capabilities c;
  c.provider = "cng";
  c.providerVersion = WindowsVersion();
  std::vector<std::string> why;
  for (const alg::Algorithm& a : alg::kAlgorithms) {
    if (c.algorithms.empty() || c.algorithms.back().id != a.algorithm) {
      AlgorithmCapability cap;
      cap.id = a.algorithm;
      c.algorithms.push_back(cap);
      why.emplace_back();
    }
    AlgorithmCapability& cap = c.algorithms.back();
    bool has = Available(a, &why.back());
    if (has && a.curve != nullptr) cap.curves.push_back(a.curve);
    if (has && a.parameterSet != nullptr) cap.parameterSets.push_back(a.parameterSet);
    cap.supported = cap.supported || has;
  }
  for (size_t i = 0; i < c.algorithms.size(); ++i) {
    AlgorithmCapability& cap = c.algorithms[i];
    if (cap.supported) continue;
    cap.note = why[i];
    if (cap.id == "ML-DSA" || cap.id == "ML-KEM") {
      cap.note += " (" + cap.id + " needs Windows 11 24H2 / Server 2025 with the PQC update)";
    }
  }
  return c;
}

}  // namespace

Status Generate(const KeySpec& spec, std::unique_ptr<Key>* out) {
  Plan plan;
  Status s = MakePlan(spec, &plan);
  if (!s.ok) return s;
  // Re-checks of what would be unsafe to pass on (TypeScript already said yes).
  s = alg::CheckGenerate(*plan.row, spec);
  if (!s.ok) return s;
  s = CheckCngOptions(plan, spec);
  if (!s.ok) return s;
  bool pq = plan.family == Family::kMlDsa || plan.family == Family::kMlKem;
  BCRYPT_ALG_HANDLE alg = nullptr;
  s = OpenProvider(plan.prov, &alg);
  if (!s.ok) return s;

  KeyHandle key;
  if (pq && !spec.seed.empty()) {
    s = ImportSeed(alg, plan, spec, &key);
    if (!s.ok) return s;
  } else {
    // dwLength: the size for RSA/DSA/DH and the fixed curves, the curve's
    // size for named curves, 0 for the post-quantum algorithms.
    // BCRYPT_NO_KEY_VALIDATION (skip the FIPS pair-wise self-test) is passed
    // for ML-KEM only, and only when asked.
    ULONG flags = plan.family == Family::kMlKem && spec.noKeyValidation ? BCRYPT_NO_KEY_VALIDATION : 0;
    NTSTATUS st = BCryptGenerateKeyPair(alg, key.Out(), pq ? 0 : plan.bits, flags);
    if (!Ok(st)) return ProviderError("BCryptGenerateKeyPair failed for " + plan.label, st);
    if (plan.family == Family::kDh) {
      // A named group, else the size's well-known group; other sizes: CNG
      // generates the parameters itself at finalize.
      const DhGroup* group = spec.group.empty() ? FindDhGroup(plan.bits) : FindDhGroupByName(spec.group);
      if (group != nullptr) {
        s = SetDhGroup(key.get(), *group);
        if (!s.ok) return s;
      }
    }
    if (pq) {
      s = SetParameterSet(key.get(), plan);
      if (!s.ok) return s;
    }
    st = BCryptFinalizeKeyPair(key.get(), 0);
    if (!Ok(st)) return ProviderError("BCryptFinalizeKeyPair failed for " + plan.label, st);
  }
  out->reset(new CngKey(key.Release(), std::move(plan)));
  return Status::Ok();
}

Status RandomBytes(uint8_t* out, size_t n) {
  if (n > ULONG_MAX) return Status::Fail("ERR_INVALID_REQUEST", "too many random bytes requested");
  if (n == 0) return Status::Ok();
  NTSTATUS st = BCryptGenRandom(nullptr, out, static_cast<ULONG>(n), BCRYPT_USE_SYSTEM_PREFERRED_RNG);
  if (!Ok(st)) return ProviderError("BCryptGenRandom failed", st);
  return Status::Ok();
}

Capabilities GetCapabilities() {
  static const Capabilities probed = Probe();  // thread-safe, once per process
  return probed;
}

}  // namespace pk

// ============================================================================
// Keys kept by the platform (issue 15): the NCrypt stores are in
// ncrypt_store.cc; this is the one hook they need from this file.
// ============================================================================
namespace pk {
namespace cng {

Status KeyWithPrivateHalf(const KeySpec& spec, const SecureBytes& publicBlob, const std::string& where,
                          std::unique_ptr<const PrivateHalf>* half, std::unique_ptr<Key>* out) {
  Plan plan;
  Status s = MakePlan(spec, &plan);
  if (!s.ok) return s;
  if (plan.family != Family::kRsa && plan.family != Family::kEc) {
    return Status::Fail("ERR_UNSUPPORTED_ALGORITHM", "a key store keeps RSA and NIST-curve keys, not " + plan.label);
  }
  BCRYPT_ALG_HANDLE alg = nullptr;
  s = OpenProvider(plan.prov, &alg);
  if (!s.ok) return s;
  FitPlanToBlob(publicBlob, &plan);
  if (!BlobOk(plan, BlobKind::kPublic, publicBlob) || publicBlob.size() > ULONG_MAX) {
    return Internal("the " + where + " exported no " + plan.label + " public blob");
  }
  KeyHandle pub;
  NTSTATUS st = BCryptImportKeyPair(alg, nullptr, BlobType(plan.family, BlobKind::kPublic), pub.Out(),
                                    InputPtr(publicBlob), static_cast<ULONG>(publicBlob.size()), 0);
  if (!Ok(st)) return ProviderError("BCryptImportKeyPair refused the public part of the " + where, st);
  plan.label += " (" + where + ", NCrypt)";
  out->reset(new CngKey(pub.Release(), std::move(plan), std::move(*half)));
  return Status::Ok();
}

const char* StatusName(uint32_t status) { return NtStatusName(status); }

}  // namespace cng
}  // namespace pk
