// Keys kept by the platform on Windows (issue 15): NCrypt persisted keys in
// the Microsoft Software Key Storage Provider (store "software") and the
// Microsoft Platform Crypto Provider, the TPM (store "tpm"), per user or per
// machine (NCRYPT_MACHINE_KEY_FLAG).
//
// The provider keeps the key by name (StoreKeepsNames). A key handed out is
// backend_cng.cc's CngKey over the public blob the provider exports
// (NCryptExportKey: the same CNG blobs as every other key, so the converter
// is unchanged) with its private operations sent here (cng::PrivateHalf):
// NCryptSignHash, NCryptDecrypt (OAEP), NCryptSecretAgreement +
// NCryptDeriveKey (BCRYPT_KDF_RAW_SECRET, little-endian; CngKey reverses it).
//
// Every NCrypt object is owned by an NcHandle and freed with NCryptFreeObject
// exactly once (NCryptDeleteKey frees the key handle itself when it
// succeeds); buffers the provider allocates are freed with NCryptFreeBuffer;
// derived secrets are wiped (SecureBytes). Calls pass NCRYPT_SILENT_FLAG
// where the API takes it: a service has no desktop to show a prompt on.
//
// Wine 8's ncrypt creates unnamed RSA keys only and stubs NCryptOpenKey,
// NCryptDeleteKey, NCryptEnumKeys and NCryptDecrypt (they answer
// NTE_NOT_SUPPORTED: typed errors here); its NCryptSecretAgreement aborts
// the process, and nothing reaches it there, as Wine makes no EC key.
#include <windows.h>

#include <bcrypt.h>
#include <ncrypt.h>

#include <climits>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include "../backend.h"
#include "../blob.h"
#include "cng_private.h"

#ifndef MS_PLATFORM_CRYPTO_PROVIDER
#define MS_PLATFORM_CRYPTO_PROVIDER L"Microsoft Platform Crypto Provider"
#endif
#ifndef NCRYPT_ECC_CURVE_NAME_PROPERTY
#define NCRYPT_ECC_CURVE_NAME_PROPERTY L"ECCCurveName"
#endif
#ifndef NCRYPT_ECDSA_ALGORITHM
#define NCRYPT_ECDSA_ALGORITHM L"ECDSA"
#endif
#ifndef NCRYPT_ECDH_ALGORITHM
#define NCRYPT_ECDH_ALGORITHM L"ECDH"
#endif

// NCrypt takes BCrypt's padding structures with the same flag values.
static_assert(NCRYPT_PAD_PKCS1_FLAG == BCRYPT_PAD_PKCS1, "PKCS#1 padding flag");
static_assert(NCRYPT_PAD_PSS_FLAG == BCRYPT_PAD_PSS, "PSS padding flag");
static_assert(NCRYPT_PAD_OAEP_FLAG == BCRYPT_PAD_OAEP, "OAEP padding flag");

namespace pk {

namespace {

// --- statuses ---------------------------------------------------------------------

struct NteName {
  uint32_t status;
  const char* name;
};
// (besides those of backend_cng.cc's table)
constexpr NteName kNteNames[] = {
    {0x80070005, "E_ACCESSDENIED"},
    {0x80090008, "NTE_BAD_ALGID"},
    {0x8009000D, "NTE_NO_KEY"},
    {0x8009000F, "NTE_EXISTS"},
    {0x80090011, "NTE_NOT_FOUND"},
    {0x80090016, "NTE_BAD_KEYSET"},
    {0x8009001D, "NTE_PROVIDER_DLL_FAIL"},
    {0x8009001E, "NTE_PROV_DLL_NOT_FOUND"},
    {0x80090022, "NTE_SILENT_CONTEXT"},
    {0x8009002A, "NTE_NO_MORE_ITEMS"},
    {0x8009002D, "NTE_INTERNAL_ERROR"},
    {0x80090030, "NTE_DEVICE_NOT_READY"},
    {0x80090035, "NTE_DEVICE_NOT_FOUND"},
    {0x80284008, "TBS_E_SERVICE_NOT_RUNNING"},
    {0x8028400F, "TBS_E_TPM_NOT_FOUND"},
};

// The names of the statuses the stores meet; the CNG ones the backend knows.
const char* StatusName(uint32_t st) {
  for (const NteName& n : kNteNames) {
    if (n.status == st) return n.name;
  }
  if ((st & 0xFFFF0000u) == 0x80280000u) return "a TPM / TBS error";
  return cng::StatusName(st);
}

Status Fail(const char* code, const std::string& what, SECURITY_STATUS ss) {
  uint32_t st = static_cast<uint32_t>(ss);
  char hex[16];
  std::snprintf(hex, sizeof hex, "0x%08X", static_cast<unsigned>(st));
  Status s = Status::Fail(code, what + ": " + hex + " (" + StatusName(st) + ")");
  s.hasStatus = true;
  s.status = st;
  s.reason = StatusName(st);
  return s;
}

bool IsTpmAbsent(uint32_t st) {
  return st == 0x80090030 || st == 0x80090035 || st == 0x80284008 || st == 0x8028400F ||
         (st & 0xFFFF0000u) == 0x80280000u;
}

bool IsAccessDenied(uint32_t st) { return st == 0x80070005 || st == 0x80090010; }

// --- where a StoreRef points --------------------------------------------------------

struct Where {
  const wchar_t* provider = nullptr;  // MS_KEY_STORAGE_PROVIDER | MS_PLATFORM_CRYPTO_PROVIDER
  const char* providerName = nullptr;
  DWORD scopeFlag = 0;  // 0 | NCRYPT_MACHINE_KEY_FLAG
  std::string label;    // "software store" / "tpm store (machine)"
  bool tpm = false;
  std::wstring name;
};

Status ReadWhere(const StoreRef& ref, bool needName, Where* w) {
  if (ref.store == "software") {
    w->provider = MS_KEY_STORAGE_PROVIDER;
    w->providerName = "Microsoft Software Key Storage Provider";
  } else if (ref.store == "tpm") {
    w->provider = MS_PLATFORM_CRYPTO_PROVIDER;
    w->providerName = "Microsoft Platform Crypto Provider";
    w->tpm = true;
  } else {
    return Status::Fail("ERR_INVALID_REQUEST", "store must be 'software' or 'tpm', not '" + ref.store + "'");
  }
  if (ref.scope.empty() || ref.scope == "user") {
    w->scopeFlag = 0;
  } else if (ref.scope == "machine") {
    w->scopeFlag = NCRYPT_MACHINE_KEY_FLAG;
  } else {
    return Status::Fail("ERR_INVALID_REQUEST", "scope must be 'user' or 'machine', not '" + ref.scope + "'");
  }
  w->label = ref.store + " store" + (w->scopeFlag != 0 ? " (machine)" : "");
  if (!needName) return Status::Ok();
  if (ref.name.empty()) return Status::Fail("ERR_INVALID_REQUEST", "a stored key needs a name");
  if (ref.name.rfind("handle:", 0) == 0) {
    return Status::Fail("ERR_INVALID_REQUEST",
                        "TPM persistent handles are opened on Linux; on Windows a TPM key is opened by its name");
  }
  int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, ref.name.data(), static_cast<int>(ref.name.size()),
                              nullptr, 0);
  if (n <= 0) return Status::Fail("ERR_INVALID_REQUEST", "the key name is not valid UTF-8");
  w->name.assign(static_cast<size_t>(n), L'\0');
  MultiByteToWideChar(CP_UTF8, 0, ref.name.data(), static_cast<int>(ref.name.size()), &w->name[0], n);
  w->label += " key '" + ref.name + "'";
  return Status::Ok();
}

std::string Narrow(const wchar_t* w) {
  if (w == nullptr) return "";
  int n = WideCharToMultiByte(CP_UTF8, 0, w, -1, nullptr, 0, nullptr, nullptr);
  if (n <= 1) return "";
  std::string s(static_cast<size_t>(n), '\0');
  WideCharToMultiByte(CP_UTF8, 0, w, -1, &s[0], n, nullptr, nullptr);
  s.resize(static_cast<size_t>(n - 1));
  return s;
}

// What a failed call of the store means: the store is missing or refuses
// this account (ERR_STORE_UNAVAILABLE, saying what to do), the key is not
// there, the name is taken, or the provider cannot do it.
Status StoreFail(const Where& w, const std::string& what, SECURITY_STATUS ss) {
  uint32_t st = static_cast<uint32_t>(ss);
  if (st == 0x80090016 || st == 0x8009000D || st == 0x80090011) {
    return Fail("ERR_KEY_NOT_FOUND", "the " + w.label + " does not exist (" + what + ")", ss);
  }
  if (st == 0x8009000F) {
    return Fail("ERR_KEY_EXISTS", "the " + w.label + " exists; pass overwrite: true to replace it", ss);
  }
  if (w.tpm && IsTpmAbsent(st)) {
    return Fail("ERR_STORE_UNAVAILABLE",
                std::string("the ") + w.providerName +
                    " has no TPM to use: turn the TPM 2.0 on in the firmware (tpm.msc shows its state) and make sure "
                    "the TPM Base Services (TBS) are running, or use store 'software' (" +
                    what + ")",
                ss);
  }
  if (IsAccessDenied(st)) {
    std::string fix = w.scopeFlag != 0 ? "machine keys need an administrator, LocalSystem or an account the key's "
                                         "ACL grants; or use scope 'user'"
                                       : "the key belongs to another account or its ACL refuses this one";
    return Fail("ERR_STORE_UNAVAILABLE", "access to the " + w.label + " is denied (" + what + "): " + fix, ss);
  }
  if (st == 0x80090022) {
    return Fail(
        "ERR_STORE_UNAVAILABLE",
        "the " + w.label + " wants to show a prompt (strong key protection), which a silent call cannot (" + what + ")",
        ss);
  }
  if (st == 0x80090029 || st == 0x80090008) {
    return Fail("ERR_NOT_SUPPORTED_ON_PLATFORM",
                std::string("the ") + w.providerName + " of this Windows cannot " + what, ss);
  }
  return Fail("ERR_PROVIDER", "the " + w.label + ": " + what + " failed", ss);
}

// --- owned NCrypt objects -------------------------------------------------------------

// An NCrypt handle or a buffer the provider allocated, released once by
// Free. Out() for a call that makes one; Slot() for an in/out argument the
// provider keeps using (the enumeration state); Forget() after a call that
// released it itself (NCryptDeleteKey on success) or when it is handed on.
template <typename T, typename Free>
class Owned {
 public:
  Owned() = default;
  ~Owned() { Reset(); }
  Owned(const Owned&) = delete;
  Owned& operator=(const Owned&) = delete;
  T* Out() {
    Reset();
    return &v_;
  }
  T* Slot() { return &v_; }
  T get() const { return v_; }
  void Forget() { v_ = T{}; }
  void Reset() {
    if (v_ != T{}) Free()(v_);
    v_ = T{};
  }

 private:
  T v_{};
};

struct FreeObject {
  void operator()(NCRYPT_HANDLE h) const { NCryptFreeObject(h); }
};
struct FreeBuffer {
  void operator()(void* p) const { NCryptFreeBuffer(p); }
};
// A provider, key or secret handle (all NCRYPT_HANDLE).
using NcHandle = Owned<NCRYPT_HANDLE, FreeObject>;
// NCryptEnumKeys' names and state.
template <typename T>
using NcBuffer = Owned<T*, FreeBuffer>;

// A short string property of a key (algorithm, group, curve); empty if it has none.
std::wstring StringProperty(NCRYPT_HANDLE h, const wchar_t* prop) {
  wchar_t buf[64] = {};
  DWORD got = 0;
  if (NCryptGetProperty(h, prop, reinterpret_cast<PBYTE>(buf), sizeof buf - sizeof(wchar_t), &got,
                        NCRYPT_SILENT_FLAG) != ERROR_SUCCESS) {
    return L"";
  }
  return buf;
}

Status OpenStore(const Where& w, NcHandle* prov) {
  SECURITY_STATUS ss = NCryptOpenStorageProvider(prov->Out(), w.provider, 0);
  if (ss == ERROR_SUCCESS) return Status::Ok();
  uint32_t st = static_cast<uint32_t>(ss);
  if (w.tpm || st == 0x8009001D || st == 0x8009001E || st == 0x80090011) {
    std::string fix = w.tpm ? "this Windows has no Platform Crypto Provider (Windows 8 and later have it with a TPM)"
                            : "every Windows since Vista has it: is the CNG Key Isolation service (KeyIso) running?";
    return Fail("ERR_STORE_UNAVAILABLE", std::string("cannot open the ") + w.providerName + ": " + fix, ss);
  }
  return StoreFail(w, "open the provider", ss);
}

// The Platform Crypto Provider says which TPM it drives; a provider that
// cannot say (no TPM, or an ncrypt without a PCP, as Wine's, which answers
// for any provider name) is no TPM store.
Status TpmPlatform(const Where& w, NCRYPT_HANDLE prov, std::string* platform) {
  wchar_t type[256] = {};
  DWORD got = 0;
  SECURITY_STATUS ss = NCryptGetProperty(prov, NCRYPT_PCP_PLATFORM_TYPE_PROPERTY, reinterpret_cast<PBYTE>(type),
                                         sizeof type - sizeof(wchar_t), &got, 0);
  if (ss != ERROR_SUCCESS) {
    return Fail("ERR_STORE_UNAVAILABLE",
                std::string("the ") + w.providerName +
                    " reports no TPM (NCRYPT_PCP_PLATFORM_TYPE_PROPERTY): turn the TPM 2.0 on in the firmware "
                    "(tpm.msc shows its state), or use store 'software'",
                ss);
  }
  if (platform != nullptr) *platform = Narrow(type);
  return Status::Ok();
}

// Where `ref` points, and its store opened (a TPM store: one that has a TPM).
Status OpenStoreOf(const StoreRef& ref, bool needName, Where* w, NcHandle* prov) {
  Status s = ReadWhere(ref, needName, w);
  if (s.ok) s = OpenStore(*w, prov);
  if (s.ok && w->tpm) s = TpmPlatform(*w, prov->get(), nullptr);
  return s;
}

// --- what the stores make -------------------------------------------------------------

struct StoreAlg {
  const char* id;  // KeySpec identifier
  const wchar_t* ncrypt;
  const wchar_t* curve;  // the NCRYPT_ECC_CURVE_NAME_PROPERTY of a generic ECDSA / ECDH key
  uint32_t pubMagic;
};
constexpr StoreAlg kStoreAlgs[] = {
    {"RSA", NCRYPT_RSA_ALGORITHM, nullptr, blob::kRsaPublic},
    {"ECDSA_P256", NCRYPT_ECDSA_P256_ALGORITHM, L"nistP256", blob::kEcdsaP256Public},
    {"ECDSA_P384", NCRYPT_ECDSA_P384_ALGORITHM, L"nistP384", blob::kEcdsaP384Public},
    {"ECDSA_P521", NCRYPT_ECDSA_P521_ALGORITHM, L"nistP521", blob::kEcdsaP521Public},
    {"ECDH_P256", NCRYPT_ECDH_P256_ALGORITHM, L"nistP256", blob::kEcdhP256Public},
    {"ECDH_P384", NCRYPT_ECDH_P384_ALGORITHM, L"nistP384", blob::kEcdhP384Public},
    {"ECDH_P521", NCRYPT_ECDH_P521_ALGORITHM, L"nistP521", blob::kEcdhP521Public},
};

const StoreAlg* FindAlg(const std::string& id) {
  for (const StoreAlg& a : kStoreAlgs) {
    if (id == a.id) return &a;
  }
  return nullptr;
}

bool IsEcdhId(const char* id) { return std::strncmp(id, "ECDH_", 5) == 0; }

// A key's algorithm as the provider names it: a fixed-curve name, or a
// generic ECDSA / ECDH key (made by other tools with a named curve) whose
// curve is its NCRYPT_ECC_CURVE_NAME_PROPERTY.
const StoreAlg* AlgOfKey(const std::wstring& ncryptAlg, NCRYPT_HANDLE key) {
  bool generic = ncryptAlg == NCRYPT_ECDSA_ALGORITHM || ncryptAlg == NCRYPT_ECDH_ALGORITHM;
  std::wstring curve;
  if (generic && key != 0) {
    curve = StringProperty(key, NCRYPT_ECC_CURVE_NAME_PROPERTY);
  }
  for (const StoreAlg& a : kStoreAlgs) {
    if (!generic && ncryptAlg == a.ncrypt) return &a;
    if (generic && a.curve != nullptr && curve == a.curve && (ncryptAlg == NCRYPT_ECDH_ALGORITHM) == IsEcdhId(a.id)) {
      return &a;
    }
  }
  return nullptr;
}

// --- the private half of a stored key -------------------------------------------------------

class NcryptHalf final : public cng::PrivateHalf {
 public:
  // Takes both handles (the key's provider outlives the key).
  NcryptHalf(NcHandle* prov, NcHandle* key, std::string label) : label_(std::move(label)) {
    prov_ = prov->get();
    key_ = key->get();
    prov->Forget();
    key->Forget();
  }
  ~NcryptHalf() override {
    if (key_ != 0) NCryptFreeObject(key_);  // the one release of each handle
    if (prov_ != 0) NCryptFreeObject(prov_);
  }

  // Removes a key just made that cannot be handed out (nothing half-made
  // stays in the store). NCryptDeleteKey frees the handle when it succeeds.
  void DeleteFromStore() {
    if (key_ != 0 && NCryptDeleteKey(key_, NCRYPT_SILENT_FLAG) == ERROR_SUCCESS) key_ = 0;
  }

  LONG SignHash(void* pad, PUCHAR hash, ULONG cbHash, PUCHAR sig, ULONG cbSig, ULONG* written,
                ULONG flags) const override {
    std::lock_guard<std::mutex> lock(mutex_);
    DWORD got = 0;
    SECURITY_STATUS ss = NCryptSignHash(key_, pad, hash, cbHash, sig, cbSig, &got, flags | NCRYPT_SILENT_FLAG);
    *written = got;
    return ss;
  }

  LONG Decrypt(PUCHAR in, ULONG cbIn, void* pad, PUCHAR out, ULONG cbOut, ULONG* written, ULONG flags) const override {
    std::lock_guard<std::mutex> lock(mutex_);
    DWORD got = 0;
    SECURITY_STATUS ss = NCryptDecrypt(key_, in, cbIn, pad, out, cbOut, &got, flags | NCRYPT_SILENT_FLAG);
    *written = got;
    return ss;
  }

  Status Agree(const SecureBytes& peerPublicBlob, SecureBytes* raw) const override {
    if (peerPublicBlob.size() > ULONG_MAX) return Status::Fail("ERR_INVALID_KEY", "the peer key is too large");
    std::lock_guard<std::mutex> lock(mutex_);
    // The peer goes into the same provider as an ephemeral public key.
    NcHandle peer;
    SECURITY_STATUS ss =
        NCryptImportKey(prov_, 0, BCRYPT_ECCPUBLIC_BLOB, nullptr, peer.Out(), const_cast<PBYTE>(peerPublicBlob.data()),
                        static_cast<DWORD>(peerPublicBlob.size()), NCRYPT_SILENT_FLAG);
    if (ss != ERROR_SUCCESS) return Fail("ERR_INVALID_KEY", "NCryptImportKey refused the peer of " + label_, ss);
    NcHandle secret;
    ss = NCryptSecretAgreement(key_, peer.get(), secret.Out(), NCRYPT_SILENT_FLAG);
    if (ss != ERROR_SUCCESS) return Fail("ERR_PROVIDER", "NCryptSecretAgreement failed for " + label_, ss);
    DWORD cb = 0;
    ss = NCryptDeriveKey(secret.get(), BCRYPT_KDF_RAW_SECRET, nullptr, nullptr, 0, &cb, 0);
    if (ss != ERROR_SUCCESS) return Fail("ERR_PROVIDER", "NCryptDeriveKey (BCRYPT_KDF_RAW_SECRET) failed", ss);
    if (cb == 0 || cb > 4096)
      return Status::Fail("ERR_PROVIDER", "NCryptDeriveKey sized a raw secret of " + std::to_string(cb));
    SecureBytes buf(cb);
    DWORD wrote = 0;
    ss = NCryptDeriveKey(secret.get(), BCRYPT_KDF_RAW_SECRET, nullptr, buf.data(), cb, &wrote, 0);
    if (ss != ERROR_SUCCESS) return Fail("ERR_PROVIDER", "NCryptDeriveKey (BCRYPT_KDF_RAW_SECRET) failed", ss);
    if (wrote == 0 || wrote > cb) return Status::Fail("ERR_PROVIDER", "NCryptDeriveKey wrote past its buffer");
    *raw = wrote == cb ? std::move(buf) : SecureBytes(buf.data(), wrote);  // buf is wiped as it goes
    return Status::Ok();
  }

 private:
  NCRYPT_HANDLE prov_ = 0;
  NCRYPT_HANDLE key_ = 0;
  std::string label_;
  // One call at a time per key: the providers do not document their key
  // handles as safe for concurrent use.
  mutable std::mutex mutex_;
};

// --- export, describe, hand out -----------------------------------------------------------

// BCRYPT_RSAPUBLIC_BLOB or BCRYPT_ECCPUBLIC_BLOB, by the key's algorithm
// group; a key of another group (DSA, DH, a symmetric key) is not one of ours.
Status ExportPublic(const Where& w, NCRYPT_HANDLE key, SecureBytes* out) {
  std::wstring group = StringProperty(key, NCRYPT_ALGORITHM_GROUP_PROPERTY);
  if (group != L"RSA" && group != L"ECDSA" && group != L"ECDH") {
    return Status::Fail("ERR_UNSUPPORTED_ALGORITHM", "the " + w.label + " is a " + Narrow(group.c_str()) +
                                                         " key: stored keys are RSA, ECDSA or ECDH keys");
  }
  const wchar_t* type = group == L"RSA" ? BCRYPT_RSAPUBLIC_BLOB : BCRYPT_ECCPUBLIC_BLOB;
  DWORD cb = 0;
  SECURITY_STATUS ss = NCryptExportKey(key, 0, type, nullptr, nullptr, 0, &cb, NCRYPT_SILENT_FLAG);
  if (ss != ERROR_SUCCESS) return StoreFail(w, "export the public key (NCryptExportKey)", ss);
  if (cb < 8 || cb > (1u << 16))
    return Status::Fail("ERR_PROVIDER", "NCryptExportKey sized a public blob of " + std::to_string(cb));
  SecureBytes buf(cb);
  DWORD wrote = 0;
  ss = NCryptExportKey(key, 0, type, nullptr, buf.data(), cb, &wrote, NCRYPT_SILENT_FLAG);
  if (ss != ERROR_SUCCESS) return StoreFail(w, "export the public key (NCryptExportKey)", ss);
  if (wrote < 8 || wrote > cb) return Status::Fail("ERR_PROVIDER", "NCryptExportKey wrote past its buffer");
  *out = wrote == cb ? std::move(buf) : SecureBytes(buf.data(), wrote);
  return Status::Ok();
}

uint32_t ReadU32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 | static_cast<uint32_t>(p[2]) << 16 |
         static_cast<uint32_t>(p[3]) << 24;
}

// The KeySpec of an opened key: from its public blob (RSA1, ECS1-6, ECK1-6);
// a generic named-curve blob (ECDP / ECKP) gets its curve from the provider
// and the fixed-curve magic of that curve (the same layout).
Status Describe(const Where& w, NCRYPT_HANDLE key, SecureBytes* pub, KeySpec* spec) {
  uint32_t magic = ReadU32(pub->data());
  const StoreAlg* alg = nullptr;
  for (const StoreAlg& a : kStoreAlgs) {
    if (a.pubMagic == magic) alg = &a;
  }
  if (alg == nullptr && (magic == blob::kEcdsaPublicGeneric || magic == blob::kEcdhPublicGeneric)) {
    alg = AlgOfKey(magic == blob::kEcdhPublicGeneric ? NCRYPT_ECDH_ALGORITHM : NCRYPT_ECDSA_ALGORITHM, key);
    if (alg != nullptr) {
      uint8_t* p = pub->data();
      p[0] = static_cast<uint8_t>(alg->pubMagic);
      p[1] = static_cast<uint8_t>(alg->pubMagic >> 8);
      p[2] = static_cast<uint8_t>(alg->pubMagic >> 16);
      p[3] = static_cast<uint8_t>(alg->pubMagic >> 24);
    }
  }
  if (alg == nullptr) {
    return Status::Fail("ERR_UNSUPPORTED_ALGORITHM",
                        "the " + w.label + " is a " + Narrow(StringProperty(key, NCRYPT_ALGORITHM_PROPERTY).c_str()) +
                            " key: stored keys are RSA, ECDSA or ECDH on P-256, P-384 or P-521");
  }
  spec->algorithm = alg->id;
  spec->extractable = false;
  if (magic == blob::kRsaPublic && pub->size() >= 8) spec->length = ReadU32(pub->data() + 4);
  return Status::Ok();
}

// Export, describe, wrap: the Key takes both handles. A key just made
// (`made`) that cannot be handed out is deleted from the store.
Status HandOut(const Where& w, const KeySpec* made, NcHandle* prov, NcHandle* key, std::unique_ptr<Key>* out) {
  SecureBytes pub;
  KeySpec spec;
  Status s = ExportPublic(w, key->get(), &pub);
  if (s.ok) s = Describe(w, key->get(), &pub, &spec);
  if (s.ok && made != nullptr && spec.algorithm != made->algorithm) {
    s = Status::Fail("ERR_PROVIDER", "the " + w.label + " came out " + spec.algorithm + ", not " + made->algorithm);
  }
  NcryptHalf* raw = new NcryptHalf(prov, key, w.label);
  std::unique_ptr<const cng::PrivateHalf> half(raw);
  if (s.ok) s = cng::KeyWithPrivateHalf(spec, pub, w.label, &half, out);
  if (!s.ok && made != nullptr && half) raw->DeleteFromStore();
  return s;  // half, if not taken, frees what is left
}

Status OpenNamed(const Where& w, NCRYPT_HANDLE prov, NcHandle* key) {
  SECURITY_STATUS ss = NCryptOpenKey(prov, key->Out(), w.name.c_str(), 0, w.scopeFlag | NCRYPT_SILENT_FLAG);
  if (ss != ERROR_SUCCESS) return StoreFail(w, "open the key (NCryptOpenKey)", ss);
  return Status::Ok();
}

Status SetDword(const Where& w, NCRYPT_HANDLE key, const wchar_t* prop, DWORD value, DWORD flags, const char* what) {
  SECURITY_STATUS ss = NCryptSetProperty(key, prop, reinterpret_cast<PBYTE>(&value), sizeof value, flags);
  if (ss != ERROR_SUCCESS) return StoreFail(w, what, ss);
  return Status::Ok();
}

// --- probing ------------------------------------------------------------------------------

// Whether the provider makes keys of `alg` (of `bits`, for RSA): an
// ephemeral (unnamed) key, finalized on the TPM only, where the TPM itself
// answers; the software provider answers at creation.
bool Makes(const Where& w, NCRYPT_HANDLE prov, const StoreAlg& alg, DWORD bits) {
  NcHandle key;
  if (NCryptCreatePersistedKey(prov, key.Out(), alg.ncrypt, nullptr, 0, 0) != ERROR_SUCCESS) return false;
  if (bits != 0 && !SetDword(w, key.get(), NCRYPT_LENGTH_PROPERTY, bits, 0, "set the length").ok) return false;
  if (!w.tpm) return true;
  return NCryptFinalizeKey(key.get(), NCRYPT_SILENT_FLAG) == ERROR_SUCCESS;
}

// RSA sizes: NCRYPT_LENGTHS_PROPERTY of an unfinalized key where the
// provider has it (Wine's has not: then each size is tried).
std::vector<uint32_t> RsaLengths(const Where& w, NCRYPT_HANDLE prov) {
  std::vector<uint32_t> out;
  const uint32_t candidates[] = {2048, 3072, 4096};
  NcHandle key;
  if (NCryptCreatePersistedKey(prov, key.Out(), NCRYPT_RSA_ALGORITHM, nullptr, 0, 0) != ERROR_SUCCESS) return out;
  NCRYPT_SUPPORTED_LENGTHS lengths = {};
  DWORD got = 0;
  bool known = NCryptGetProperty(key.get(), NCRYPT_LENGTHS_PROPERTY, reinterpret_cast<PBYTE>(&lengths), sizeof lengths,
                                 &got, 0) == ERROR_SUCCESS &&
               got == sizeof lengths;
  for (uint32_t bits : candidates) {
    bool fits = known ? bits >= lengths.dwMinLength && bits <= lengths.dwMaxLength &&
                            (lengths.dwIncrement == 0 || (bits - lengths.dwMinLength) % lengths.dwIncrement == 0)
                      : true;
    // The TPM's range is what its provider says it may take; the TPM decides.
    if (fits && (w.tpm || !known)) fits = Makes(w, prov, kStoreAlgs[0], bits);
    if (fits) out.push_back(bits);
  }
  return out;
}

}  // namespace

bool StoreKeepsNames(const std::string& /*store*/) { return true; }  // NCrypt keeps keys by name

StoreCapability ProbeStore(const std::string& store) {
  StoreCapability c;
  c.store = store;
  c.keepsNames = true;
  Where w;
  Status s = ReadWhere(StoreRef{store, "", ""}, false, &w);
  NcHandle prov;
  if (s.ok) s = OpenStore(w, &prov);
  std::string platform;
  if (s.ok && w.tpm) s = TpmPlatform(w, prov.get(), &platform);
  if (!s.ok) {
    c.note = s.message;
    return c;
  }
  c.available = true;
  c.note = std::string(w.providerName) + (platform.empty() ? "" : " (" + platform + ")");
  c.rsaLengths = RsaLengths(w, prov.get());
  if (!c.rsaLengths.empty()) c.algorithms.push_back("RSA");
  for (const StoreAlg& a : kStoreAlgs) {
    if (a.curve != nullptr && Makes(w, prov.get(), a, 0)) c.algorithms.push_back(a.id);
  }
  return c;
}

Status CreateStoredKey(const KeySpec& spec, const StoreRef& ref, bool overwrite, std::unique_ptr<Key>* out,
                       SecureBytes* /*persisted: NCrypt keeps the key by name*/) {
  const StoreAlg* alg = FindAlg(spec.algorithm);
  if (alg == nullptr) {
    return Status::Fail("ERR_UNSUPPORTED_ALGORITHM", "the " + ref.store +
                                                         " store makes RSA, ECDSA_P256/384/521 and "
                                                         "ECDH_P256/384/521 keys, not " +
                                                         spec.algorithm);
  }
  bool rsa = alg->curve == nullptr;
  if (rsa && (spec.length < 2048 || spec.length > 16384 || spec.length % 64 != 0)) {
    return Status::Fail("ERR_KEY_LENGTH", "a stored RSA key is 2048 to 16384 bits, a multiple of 64 (got " +
                                              std::to_string(spec.length) + ")");
  }
  Where w;
  NcHandle prov;
  Status s = OpenStoreOf(ref, true, &w, &prov);
  if (!s.ok) return s;
  NcHandle key;
  DWORD flags = w.scopeFlag | (overwrite ? NCRYPT_OVERWRITE_KEY_FLAG : 0);
  SECURITY_STATUS ss = NCryptCreatePersistedKey(prov.get(), key.Out(), alg->ncrypt, w.name.c_str(), 0, flags);
  if (ss != ERROR_SUCCESS) return StoreFail(w, std::string("make ") + alg->id + " keys", ss);
  if (rsa) {
    s = SetDword(w, key.get(), NCRYPT_LENGTH_PROPERTY, spec.length, 0, "set the RSA length");
    if (!s.ok) return s;
  }
  // Not exportable unless asked. A TPM key never is, whatever the policy
  // says, and the Platform Crypto Provider keeps its own: left alone there.
  if (!w.tpm) {
    DWORD policy = spec.extractable ? NCRYPT_ALLOW_EXPORT_FLAG | NCRYPT_ALLOW_PLAINTEXT_EXPORT_FLAG : 0;
    s = SetDword(w, key.get(), NCRYPT_EXPORT_POLICY_PROPERTY, policy, NCRYPT_PERSIST_FLAG, "set the export policy");
    if (!s.ok) return s;
  }
  // The key is written (and made, on the TPM) here; nothing before is kept.
  ss = NCryptFinalizeKey(key.get(), NCRYPT_SILENT_FLAG);
  if (ss != ERROR_SUCCESS) return StoreFail(w, std::string("make ") + alg->id + " keys (NCryptFinalizeKey)", ss);
  return HandOut(w, &spec, &prov, &key, out);
}

Status OpenStoredKey(const StoreRef& ref, const KeySpec& expect, const SecureBytes& /*persisted*/,
                     std::unique_ptr<Key>* out) {
  Where w;
  NcHandle prov, key;
  Status s = OpenStoreOf(ref, true, &w, &prov);
  if (s.ok) s = OpenNamed(w, prov.get(), &key);
  if (!s.ok) return s;
  std::unique_ptr<Key> opened;
  s = HandOut(w, nullptr, &prov, &key, &opened);
  if (!s.ok) return s;
  if (!expect.algorithm.empty()) {
    SecureBytes pub;
    s = opened->Export(BlobKind::kPublic, &pub);
    if (!s.ok) return s;
    const StoreAlg* want = FindAlg(expect.algorithm);
    if (want == nullptr || pub.size() < 4 || ReadU32(pub.data()) != want->pubMagic) {
      return Status::Fail("ERR_STORE_CORRUPT", "the " + w.label + " is not the " + expect.algorithm + " key expected");
    }
  }
  *out = std::move(opened);
  return Status::Ok();
}

Status DeleteStoredKey(const StoreRef& ref) {
  Where w;
  NcHandle prov, key;
  Status s = OpenStoreOf(ref, true, &w, &prov);
  if (s.ok) s = OpenNamed(w, prov.get(), &key);
  if (!s.ok) return s;
  SECURITY_STATUS ss = NCryptDeleteKey(key.get(), NCRYPT_SILENT_FLAG);
  if (ss != ERROR_SUCCESS) return StoreFail(w, "delete the key (NCryptDeleteKey)", ss);  // key still ours: freed
  key.Forget();  // NCryptDeleteKey freed the handle
  return Status::Ok();
}

Status ListStoredKeys(const StoreRef& where, std::vector<StoredKeyInfo>* out) {
  Where w;
  NcHandle prov;
  Status s = OpenStoreOf(where, false, &w, &prov);
  if (!s.ok) return s;
  std::string scope = w.scopeFlag != 0 ? "machine" : "user";
  NcBuffer<void> state;  // allocated by the first call, used by the others, freed once
  std::vector<StoredKeyInfo> found;
  for (;;) {
    NcBuffer<NCryptKeyName> item;
    SECURITY_STATUS ss =
        NCryptEnumKeys(prov.get(), nullptr, item.Out(), state.Slot(), w.scopeFlag | NCRYPT_SILENT_FLAG);
    if (static_cast<uint32_t>(ss) == 0x8009002A) break;  // NTE_NO_MORE_ITEMS
    if (ss != ERROR_SUCCESS) return StoreFail(w, "list the keys (NCryptEnumKeys)", ss);
    if (item.get() == nullptr) break;
    Where one = w;
    one.name = item.get()->pszName != nullptr ? item.get()->pszName : L"";
    NcHandle key;
    bool open = OpenNamed(one, prov.get(), &key).ok;
    std::wstring algName = item.get()->pszAlgid != nullptr ? item.get()->pszAlgid : L"";
    const StoreAlg* alg = AlgOfKey(algName, open ? key.get() : 0);
    if (alg == nullptr) continue;  // DSA, DH, symmetric keys: not this package's
    StoredKeyInfo info;
    info.name = Narrow(one.name.c_str());
    info.algorithm = alg->id;
    info.scope = scope;
    if (alg->curve == nullptr && open) {
      DWORD bits = 0, got = 0;
      if (NCryptGetProperty(key.get(), NCRYPT_LENGTH_PROPERTY, reinterpret_cast<PBYTE>(&bits), sizeof bits, &got,
                            NCRYPT_SILENT_FLAG) == ERROR_SUCCESS) {
        info.length = bits;
      }
    }
    found.push_back(std::move(info));
  }
  *out = std::move(found);
  return Status::Ok();
}

}  // namespace pk
