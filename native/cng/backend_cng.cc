// The Windows CNG backend (bcrypt.dll).
//
// Keys are generated with BCryptGenerateKeyPair / BCryptFinalizeKeyPair (or
// BCryptImportKeyPair for ML-DSA / ML-KEM seeds) and exported with
// BCryptExportKey, which already writes the CNG blob layouts of DESIGN.md; the
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

#include "../backend.h"
#include "../blob.h"
#include "../dh_groups.h"

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
  return st == kStatusNotSupported || st == kStatusNotImplemented || st == kStatusNotFound;
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

enum class Family { kRsa, kDsa, kDh, kEc, kX25519, kMlDsa, kMlKem };

struct Plan {
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

struct EcRow {
  const char* id;
  Prov prov;
  ULONG bits;
  uint32_t pub, priv, cb;
};
constexpr EcRow kFixedEc[] = {
    {"ECDSA_P256", kProvEcdsaP256, 256, blob::kEcdsaP256Public, blob::kEcdsaP256Private, 32},
    {"ECDSA_P384", kProvEcdsaP384, 384, blob::kEcdsaP384Public, blob::kEcdsaP384Private, 48},
    {"ECDSA_P521", kProvEcdsaP521, 521, blob::kEcdsaP521Public, blob::kEcdsaP521Private, 66},
    {"ECDH_P256", kProvEcdhP256, 256, blob::kEcdhP256Public, blob::kEcdhP256Private, 32},
    {"ECDH_P384", kProvEcdhP384, 384, blob::kEcdhP384Public, blob::kEcdhP384Private, 48},
    {"ECDH_P521", kProvEcdhP521, 521, blob::kEcdhP521Public, blob::kEcdhP521Private, 66},
};

struct CurveRow {
  const char* algorithm;
  const char* curve;
  Family family;
  Prov prov;
  ULONG bits;
  uint32_t cb;
};
constexpr CurveRow kNamedCurves[] = {
    {"ECDSA", "secP256k1", Family::kEc, kProvEcdsaSecp256k1, 256, 32},
    {"ECDH", "secP256k1", Family::kEc, kProvEcdhSecp256k1, 256, 32},
    {"ECDH", "curve25519", Family::kX25519, kProvEcdhCurve25519, 255, 32},
};

constexpr const char* kMlDsaSets[] = {"44", "65", "87"};
constexpr const char* kMlKemSets[] = {"512", "768", "1024"};

const char* FindSet(const std::string& v, const char* const* list, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (v == list[i]) return list[i];
  }
  return nullptr;
}

Status NoCng(const std::string& what) {
  return Status::Fail("ERR_NOT_SUPPORTED_ON_PLATFORM",
                      "Windows CNG has no " + what + "; the OpenSSL backend (Linux, macOS) has it");
}

Status MakePlan(const KeySpec& spec, Plan* plan) {
  const std::string& a = spec.algorithm;
  if (a == "RSA") {
    plan->family = Family::kRsa;
    plan->prov = kProvRsa;
    plan->label = "RSA";
    plan->bits = spec.length;
    plan->pubMagic = blob::kRsaPublic;
    plan->privMagic = blob::kRsaFullPrivate;
    return Status::Ok();
  }
  if (a == "DSA") {
    bool v2 = spec.length > 1024;
    plan->family = Family::kDsa;
    plan->prov = kProvDsa;
    plan->label = "DSA";
    plan->bits = spec.length;
    plan->pubMagic = v2 ? blob::kDsaPublicV2 : blob::kDsaPublic;
    plan->privMagic = v2 ? blob::kDsaPrivateV2 : blob::kDsaPrivate;
    return Status::Ok();
  }
  if (a == "DH") {
    plan->family = Family::kDh;
    plan->prov = kProvDh;
    plan->label = "DH";
    plan->bits = spec.length;
    plan->pubMagic = blob::kDhPublic;
    plan->privMagic = blob::kDhPrivate;
    return Status::Ok();
  }
  for (const EcRow& r : kFixedEc) {
    if (a == r.id) {
      plan->family = Family::kEc;
      plan->prov = r.prov;
      plan->label = r.id;
      plan->bits = r.bits;
      plan->pubMagic = r.pub;
      plan->privMagic = r.priv;
      plan->cbKey = r.cb;
      return Status::Ok();
    }
  }
  for (const CurveRow& r : kNamedCurves) {
    if (a == r.algorithm && spec.curve == r.curve) {
      bool ecdh = a == "ECDH";
      plan->family = r.family;
      plan->prov = r.prov;
      plan->label = a + " " + r.curve;
      plan->bits = r.bits;
      plan->pubMagic = ecdh ? blob::kEcdhPublicGeneric : blob::kEcdsaPublicGeneric;
      plan->privMagic = ecdh ? blob::kEcdhPrivateGeneric : blob::kEcdsaPrivateGeneric;
      plan->cbKey = r.cb;
      return Status::Ok();
    }
  }
  if ((a == "EdDSA" && (spec.curve == "Ed25519" || spec.curve == "Ed448")) ||
      (a == "ECDH" && spec.curve == "curve448")) {
    return NoCng(spec.curve == "curve448" ? std::string("X448 (curve448)") : spec.curve);
  }
  if (a == "ML-DSA") {
    if (const char* set = FindSet(spec.parameterSet, kMlDsaSets, 3)) {
      plan->family = Family::kMlDsa;
      plan->prov = kProvMlDsa;
      plan->label = std::string("ML-DSA-") + set;
      plan->pubMagic = blob::kMlDsaPublic;
      plan->privMagic = blob::kMlDsaPrivate;
      plan->seedMagic = blob::kMlDsaPrivateSeed;
      plan->parameterSet = set;
      return Status::Ok();
    }
  }
  if (a == "ML-KEM") {
    if (const char* set = FindSet(spec.parameterSet, kMlKemSets, 3)) {
      plan->family = Family::kMlKem;
      plan->prov = kProvMlKem;
      plan->label = std::string("ML-KEM-") + set;
      plan->pubMagic = blob::kMlKemPublic;
      plan->privMagic = blob::kMlKemPrivate;
      plan->seedMagic = blob::kMlKemPrivateSeed;
      plan->parameterSet = set;
      return Status::Ok();
    }
  }
  return Status::Fail("ERR_UNSUPPORTED_ALGORITHM", "no such algorithm for the CNG backend: " + a +
                                                       (spec.curve.empty() ? "" : " / " + spec.curve) +
                                                       (spec.parameterSet.empty() ? "" : " / " + spec.parameterSet));
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

class CngKey final : public Key {
 public:
  CngKey(BCRYPT_KEY_HANDLE h, Plan plan) : h_(h), plan_(std::move(plan)) {}
  ~CngKey() override {
    if (h_ != nullptr) BCryptDestroyKey(h_);  // the one release of this handle
  }
  CngKey(const CngKey&) = delete;
  CngKey& operator=(const CngKey&) = delete;

  Status Export(BlobKind kind, SecureBytes* out) const override {
    if (kind == BlobKind::kSeed && plan_.seedMagic == 0) {
      return Status::Fail("ERR_INVALID_REQUEST", "only ML-DSA and ML-KEM keys have a seed blob");
    }
    bool priv = kind != BlobKind::kPublic;
    const char* which = kind == BlobKind::kPublic ? "public key" : kind == BlobKind::kPrivate ? "private key" : "seed";
    std::string what = plan_.label + " " + which;
    SecureBytes raw;
    Status s;
    switch (plan_.family) {
      case Family::kRsa:
        s = ExportRaw(h_, priv ? BCRYPT_RSAFULLPRIVATE_BLOB : BCRYPT_RSAPUBLIC_BLOB, what, &raw);
        if (s.ok) s = CheckRsa(priv, raw);
        break;
      case Family::kDsa:
        s = ExportRaw(h_, priv ? BCRYPT_DSA_PRIVATE_BLOB : BCRYPT_DSA_PUBLIC_BLOB, what, &raw);
        if (s.ok) s = CheckDsa(priv, raw);
        break;
      case Family::kDh:
        s = ExportRaw(h_, priv ? BCRYPT_DH_PRIVATE_BLOB : BCRYPT_DH_PUBLIC_BLOB, what, &raw);
        if (s.ok) s = CheckDh(priv, raw);
        break;
      case Family::kEc:
        s = ExportRaw(h_, priv ? BCRYPT_ECCPRIVATE_BLOB : BCRYPT_ECCPUBLIC_BLOB, what, &raw);
        if (s.ok) s = CheckEc(priv, raw);
        break;
      case Family::kX25519:
        s = ExportRaw(h_, priv ? BCRYPT_ECCPRIVATE_BLOB : BCRYPT_ECCPUBLIC_BLOB, what, &raw);
        if (s.ok) s = DropY(priv, &raw);
        break;
      case Family::kMlDsa:
        s = ExportRaw(h_,
                      kind == BlobKind::kPublic    ? BCRYPT_PQDSA_PUBLIC_BLOB
                      : kind == BlobKind::kPrivate ? BCRYPT_PQDSA_PRIVATE_BLOB
                                                   : BCRYPT_PQDSA_PRIVATE_SEED_BLOB,
                      what, &raw);
        if (s.ok) s = CheckPq(kind, raw);
        break;
      case Family::kMlKem:
        s = ExportRaw(h_,
                      kind == BlobKind::kPublic    ? BCRYPT_MLKEM_PUBLIC_BLOB
                      : kind == BlobKind::kPrivate ? BCRYPT_MLKEM_PRIVATE_BLOB
                                                   : BCRYPT_MLKEM_PRIVATE_SEED_BLOB,
                      what, &raw);
        if (s.ok) s = CheckPq(kind, raw);
        break;
    }
    if (!s.ok) return s;
    *out = std::move(raw);
    return Status::Ok();
  }

  // Signs and verifies (RSA, ECDSA, DSA, ML-DSA), agrees with a fresh peer
  // both ways (ECDH, X25519, DH) or encapsulates and decapsulates (ML-KEM).
  Status Validate() const override {
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
        if (IsEcdh(plan_.pubMagic)) return CheckWithPeer();
        return CheckSignature(h_, nullptr, 0, 32, plan_.label, 2 * plan_.cbKey);
      case Family::kX25519:
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

 private:
  static bool IsEcdh(uint32_t pubMagic) {
    return pubMagic == blob::kEcdhP256Public || pubMagic == blob::kEcdhP384Public ||
           pubMagic == blob::kEcdhP521Public || pubMagic == blob::kEcdhPublicGeneric;
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
      s = CheckDh(false, pub);
      if (!s.ok) return s;
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

  // BCRYPT_RSAKEY_BLOB: {Magic, BitLength, cbPublicExp, cbModulus, cbPrime1,
  // cbPrime2}; e, n, [p, q, dp, dq, qi, d] (RSAFULLPRIVATEBLOB).
  Status CheckRsa(bool priv, const SecureBytes& b) const {
    if (b.size() < 24) return BadBlob("RSA");
    const uint8_t* p = b.data();
    uint64_t cbE = ReadU32le(p + 8), cbN = ReadU32le(p + 12), cbP = ReadU32le(p + 16), cbQ = ReadU32le(p + 20);
    uint64_t want = 24 + cbE + cbN + (priv ? 3 * cbP + 2 * cbQ + cbN : 0);
    if (ReadU32le(p) != (priv ? plan_.privMagic : plan_.pubMagic) || want != b.size()) return BadBlob("RSA");
    return Status::Ok();
  }

  // BCRYPT_ECCKEY_BLOB: {dwMagic, cbKey}; X, Y, [d].
  Status CheckEc(bool priv, const SecureBytes& b) const {
    if (b.size() < 8) return BadBlob("ECC");
    uint32_t magic = ReadU32le(b.data()), cb = ReadU32le(b.data() + 4);
    if (magic != (priv ? plan_.privMagic : plan_.pubMagic) || cb != plan_.cbKey ||
        b.size() != 8 + static_cast<size_t>(cb) * (priv ? 3 : 2)) {
      return BadBlob("ECC");
    }
    return Status::Ok();
  }

  // CNG writes curve25519 keys as {ECKP|ECKV, 32}; X (the RFC 7748 u
  // coordinate, as X25519 encodes it), Y (always zero), [d]. The project's
  // layout for OKP keys leaves Y out: {magic, 32}; X, [d].
  Status DropY(bool priv, SecureBytes* b) const {
    Status s = CheckEc(priv, *b);
    if (!s.ok) return s;
    size_t cb = plan_.cbKey;
    const uint8_t* y = b->data() + 8 + cb;
    uint8_t any = 0;
    for (size_t i = 0; i < cb; ++i) any |= y[i];
    if (any != 0) return BadBlob("curve25519 (non-zero Y)");
    SecureBytes out(8 + cb * (priv ? 2 : 1));
    std::memcpy(out.data(), b->data(), 8 + cb);
    if (priv) std::memcpy(out.data() + 8 + cb, b->data() + 8 + 2 * cb, cb);
    *b = std::move(out);
    return Status::Ok();
  }

  // v1: {Magic, cbKey, Count[4], Seed[20], q[20]}; P, G, Y, [X(20)]
  // v2: {Magic, cbKey, hashAlgorithm, standardVersion, cbSeedLength,
  //      cbGroupSize, Count[4]}; Seed, q, P, G, Y, [X(cbGroupSize)]
  Status CheckDsa(bool priv, const SecureBytes& b) const {
    uint32_t want = priv ? plan_.privMagic : plan_.pubMagic;
    bool v2 = want == blob::kDsaPublicV2 || want == blob::kDsaPrivateV2;
    if (b.size() < (v2 ? 28u : 52u) || ReadU32le(b.data()) != want) return BadBlob("DSA");
    uint64_t cbKey = ReadU32le(b.data() + 4);
    uint64_t size = 0;
    if (v2) {
      uint64_t cbSeed = ReadU32le(b.data() + 16), cbGroup = ReadU32le(b.data() + 20);
      size = 28 + cbSeed + cbGroup + 3 * cbKey + (priv ? cbGroup : 0);
    } else {
      size = 52 + 3 * cbKey + (priv ? 20 : 0);
    }
    if (size != b.size()) return BadBlob("DSA");
    return Status::Ok();
  }

  // BCRYPT_DH_KEY_BLOB: {dwMagic, cbKey}; p, g, public, [private].
  Status CheckDh(bool priv, const SecureBytes& b) const {
    if (b.size() < 8 || ReadU32le(b.data()) != (priv ? plan_.privMagic : plan_.pubMagic) ||
        b.size() != 8 + static_cast<uint64_t>(ReadU32le(b.data() + 4)) * (priv ? 4 : 3)) {
      return BadBlob("DH");
    }
    return Status::Ok();
  }

  // {dwMagic, cbParameterSet, cbKey}; parameter set (UTF-16, NUL); key.
  Status CheckPq(BlobKind kind, const SecureBytes& b) const {
    uint32_t want = kind == BlobKind::kPublic    ? plan_.pubMagic
                    : kind == BlobKind::kPrivate ? plan_.privMagic
                                                 : plan_.seedMagic;
    size_t cbSet = blob::Utf16zSize(plan_.parameterSet);
    if (b.size() < 12 + cbSet || ReadU32le(b.data()) != want || ReadU32le(b.data() + 4) != cbSet ||
        b.size() != 12 + cbSet + static_cast<uint64_t>(ReadU32le(b.data() + 8))) {
      return BadBlob(plan_.label);
    }
    std::vector<uint8_t> header(12 + cbSet);
    WritePqHeader(header.data(), want, plan_.parameterSet, ReadU32le(b.data() + 8));
    if (std::memcmp(header.data(), b.data(), header.size()) != 0) return BadBlob(plan_.label + " (parameter set)");
    return Status::Ok();
  }

  BCRYPT_KEY_HANDLE h_;
  Plan plan_;
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

Status CheckLength(const Plan& plan) {
  uint32_t lo = 512, hi = 0;
  switch (plan.family) {
    case Family::kRsa:
      hi = 16384;
      break;
    case Family::kDsa:
      hi = 3072;
      break;
    case Family::kDh:
      hi = 4096;
      break;
    default:
      return Status::Ok();
  }
  // Wine's CNG aborts the whole process on an RSA length that is not a
  // multiple of 64, so this is checked here too, not only in TypeScript.
  if (plan.bits < lo || plan.bits > hi || plan.bits % 64 != 0) {
    return Status::Fail("ERR_KEY_LENGTH", plan.label + " length must be " + std::to_string(lo) + " to " +
                                              std::to_string(hi) + " bits, a multiple of 64 (got " +
                                              std::to_string(plan.bits) + ")");
  }
  return Status::Ok();
}

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

bool Has(Prov p, std::string* why) {
  BCRYPT_ALG_HANDLE h = nullptr;
  Status s = OpenProvider(p, &h);
  if (!s.ok && why != nullptr && why->empty()) *why = s.message;
  return s.ok;
}

// Which parameter sets this CNG accepts: set each on a fresh, unfinalized key.
std::vector<std::string> ProbeSets(Prov p, const char* const* sets, size_t n, std::string* why) {
  std::vector<std::string> found;
  BCRYPT_ALG_HANDLE alg = nullptr;
  Status s = OpenProvider(p, &alg);
  if (!s.ok) {
    *why = s.message;
    return found;
  }
  for (size_t i = 0; i < n; ++i) {
    KeyHandle key;
    NTSTATUS st = BCryptGenerateKeyPair(alg, key.Out(), 0, 0);
    if (!Ok(st)) {
      if (why->empty()) *why = ProviderError("BCryptGenerateKeyPair", st).message;
      continue;
    }
    st = SetStringProperty(key.get(), BCRYPT_PARAMETER_SET_NAME, Widen(sets[i]));
    if (Ok(st)) {
      found.push_back(sets[i]);
    } else if (why->empty()) {
      *why = std::string("parameter set ") + sets[i] + ": " + NtStatusText(static_cast<uint32_t>(st));
    }
  }
  return found;
}

Capabilities Probe() {
  Capabilities c;
  c.provider = "cng";
  c.providerVersion = WindowsVersion();
  auto add = [&c](const char* id, bool supported, const std::string& note) {
    AlgorithmCapability a;
    a.id = id;
    a.supported = supported;
    if (!supported) a.note = note;
    c.algorithms.push_back(a);
    return &c.algorithms.back();
  };
  struct Simple {
    const char* id;
    Prov prov;
  };
  const Simple simple[] = {{"RSA", kProvRsa},
                           {"DSA", kProvDsa},
                           {"DH", kProvDh},
                           {"ECDSA_P256", kProvEcdsaP256},
                           {"ECDSA_P384", kProvEcdsaP384},
                           {"ECDSA_P521", kProvEcdsaP521},
                           {"ECDH_P256", kProvEcdhP256},
                           {"ECDH_P384", kProvEcdhP384},
                           {"ECDH_P521", kProvEcdhP521}};
  for (const Simple& s : simple) {
    std::string why;
    bool ok = Has(s.prov, &why);
    add(s.id, ok, why);
  }
  std::string why;
  bool k1 = Has(kProvEcdsaSecp256k1, &why);
  AlgorithmCapability* ecdsa = add("ECDSA", k1, why);
  if (k1) ecdsa->curves.push_back("secP256k1");
  std::string whyK1, why25519;
  bool ecdhK1 = Has(kProvEcdhSecp256k1, &whyK1);
  bool x25519 = Has(kProvEcdhCurve25519, &why25519);
  AlgorithmCapability* ecdh = add("ECDH", ecdhK1 || x25519, whyK1 + "; " + why25519);
  if (ecdhK1) ecdh->curves.push_back("secP256k1");
  if (x25519) ecdh->curves.push_back("curve25519");
  add("EdDSA", false, "Windows CNG has no EdDSA (Ed25519, Ed448); the OpenSSL backend (Linux, macOS) has it");
  why.clear();
  AlgorithmCapability* mldsa = add("ML-DSA", false, "");
  mldsa->parameterSets = ProbeSets(kProvMlDsa, kMlDsaSets, 3, &why);
  mldsa->supported = !mldsa->parameterSets.empty();
  if (!mldsa->supported) mldsa->note = why + " (ML-DSA needs Windows 11 24H2 / Server 2025 with the PQC update)";
  why.clear();
  AlgorithmCapability* mlkem = add("ML-KEM", false, "");
  mlkem->parameterSets = ProbeSets(kProvMlKem, kMlKemSets, 3, &why);
  mlkem->supported = !mlkem->parameterSets.empty();
  if (!mlkem->supported) mlkem->note = why + " (ML-KEM needs Windows 11 24H2 / Server 2025 with the PQC update)";
  return c;
}

}  // namespace

Status Generate(const KeySpec& spec, std::unique_ptr<Key>* out) {
  Plan plan;
  Status s = MakePlan(spec, &plan);
  if (!s.ok) return s;
  // Re-checks of what would be unsafe to pass on (TypeScript already said yes).
  s = CheckLength(plan);
  if (!s.ok) return s;
  bool pq = plan.family == Family::kMlDsa || plan.family == Family::kMlKem;
  size_t seedLen = plan.family == Family::kMlDsa ? 32 : 64;
  if (!spec.seed.empty() && (!pq || spec.seed.size() != seedLen)) {
    return Status::Fail("ERR_INVALID_REQUEST", "seed not valid for " + plan.label);
  }
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
      if (const DhGroup* group = FindDhGroup(plan.bits)) {
        s = SetDhGroup(key.get(), *group);
        if (!s.ok) return s;
      }
      // Other sizes: CNG generates the parameters itself at finalize.
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
// Keys kept by the platform (issue 15): NCrypt persisted keys (Software Key
// Storage Provider, Platform Crypto Provider). Not implemented in this build
// yet: every entry point says so, typed.
// ============================================================================
namespace pk {

namespace {
Status NcryptNotYet() {
  return Status::Fail("ERR_NOT_SUPPORTED_ON_PLATFORM", "NCrypt persisted keys: not implemented in this build");
}
}  // namespace

bool StoreKeepsNames(const std::string& /*store*/) { return true; }  // NCrypt keeps keys by name

StoreCapability ProbeStore(const std::string& store) {
  StoreCapability c;
  c.store = store;
  c.keepsNames = true;
  c.note = NcryptNotYet().message;
  return c;
}

Status CreateStoredKey(const KeySpec& /*spec*/, const StoreRef& /*ref*/, bool /*overwrite*/,
                       std::unique_ptr<Key>* /*out*/, SecureBytes* /*persisted*/) {
  return NcryptNotYet();
}

Status OpenStoredKey(const StoreRef& /*ref*/, const KeySpec& /*expect*/, const SecureBytes& /*persisted*/,
                     std::unique_ptr<Key>* /*out*/) {
  return NcryptNotYet();
}

Status DeleteStoredKey(const StoreRef& /*ref*/) { return NcryptNotYet(); }

Status ListStoredKeys(const StoreRef& /*where*/, std::vector<StoredKeyInfo>* /*out*/) { return NcryptNotYet(); }

}  // namespace pk
