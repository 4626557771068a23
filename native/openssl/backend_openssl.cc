// The OpenSSL EVP backend (Linux, macOS).
//
// Links against no libcrypto of its own: every EVP symbol resolves to the
// OpenSSL that the running node binary exports (the build links with
// -z now, so a node without those symbols fails at load time, not mid-call).
// Headers are OpenSSL 3.0's; everything newer (ML-DSA, ML-KEM) is reached by
// name through EVP_PKEY_CTX_new_from_name and OSSL_PARAM, and probed at run
// time, so one binary serves Node 20 (OpenSSL 3.0) and Node 24 (OpenSSL 3.5).
//
// Every key is exported in the CNG blob layout (native/blob.h).
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <deque>
#include <string>
#include <unordered_map>
#include <vector>

#include "../algorithms.h"
#include "../backend.h"
#include "../blob.h"
#include "../dh_groups.h"

namespace pk {

void Cleanse(void* p, size_t n) { OPENSSL_cleanse(p, n); }

namespace {

struct CtxDeleter {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
struct PkeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct BnDeleter {
  void operator()(BIGNUM* b) const { BN_clear_free(b); }
};
struct ParamBldDeleter {
  void operator()(OSSL_PARAM_BLD* b) const { OSSL_PARAM_BLD_free(b); }
};
struct ParamDeleter {
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
using CtxPtr = std::unique_ptr<EVP_PKEY_CTX, CtxDeleter>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
using BnPtr = std::unique_ptr<BIGNUM, BnDeleter>;
using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, ParamBldDeleter>;
using ParamPtr = std::unique_ptr<OSSL_PARAM, ParamDeleter>;

std::string RuntimeVersion() {
  return std::to_string(OPENSSL_version_major()) + "." + std::to_string(OPENSSL_version_minor()) + "." +
         std::to_string(OPENSSL_version_patch());
}

// Turns the thread's OpenSSL error queue into ERR_PROVIDER and clears it.
Status ProviderError(const std::string& what) {
  unsigned long e = ERR_peek_last_error();
  Status s = Status::Fail("ERR_PROVIDER", what);
  if (e != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    s.message += ": ";
    s.message += buf;
    s.hasOpensslCode = true;
    s.opensslCode = e;
    const char* reason = ERR_reason_error_string(e);
    if (reason != nullptr) s.reason = reason;
  } else {
    s.message += " (OpenSSL reported no error)";
  }
  ERR_clear_error();
  return s;
}

Status NotSupported(const std::string& name, const char* needs) {
  return Status::Fail("ERR_NOT_SUPPORTED_ON_PLATFORM",
                      "OpenSSL " + RuntimeVersion() + " has no " + name + " (" + needs + ")");
}

using alg::Family;

// The OpenSSL column of the registry (native/algorithms.h): the EVP key type
// and, for EC keys, the group name of each row.
struct Column {
  const char* keytype;
  const char* group;
};
constexpr Column kColumns[] = {
    {"RSA", nullptr},          // RSA
    {"DSA", nullptr},          // DSA
    {"DH", nullptr},           // DH
    {"EC", "prime256v1"},      // ECDSA_P256
    {"EC", "secp384r1"},       // ECDSA_P384
    {"EC", "secp521r1"},       // ECDSA_P521
    {"EC", "prime256v1"},      // ECDH_P256
    {"EC", "secp384r1"},       // ECDH_P384
    {"EC", "secp521r1"},       // ECDH_P521
    {"EC", "secp256k1"},       // ECDSA secP256k1
    {"EC", "secp256k1"},       // ECDH secP256k1
    {"X25519", nullptr},       // ECDH curve25519
    {"X448", nullptr},         // ECDH curve448
    {"ED25519", nullptr},      // EdDSA Ed25519
    {"ED448", nullptr},        // EdDSA Ed448
    {"ML-DSA-44", nullptr},    // ML-DSA 44
    {"ML-DSA-65", nullptr},    // ML-DSA 65
    {"ML-DSA-87", nullptr},    // ML-DSA 87
    {"ML-KEM-512", nullptr},   // ML-KEM 512
    {"ML-KEM-768", nullptr},   // ML-KEM 768
    {"ML-KEM-1024", nullptr},  // ML-KEM 1024
};
static_assert(sizeof kColumns / sizeof kColumns[0] == alg::kCount, "one OpenSSL column entry per registry row");

// What a KeySpec maps to in OpenSSL, and how its blobs are written.
struct Plan {
  const alg::Algorithm* row = nullptr;
  Family family = Family::kRsa;
  std::string keytype;          // EVP key type name: RSA, EC, X25519, ML-KEM-768, ...
  const char* group = nullptr;  // EC group name
  uint32_t pubMagic = 0;
  uint32_t privMagic = 0;
  uint32_t seedMagic = 0;
  uint32_t cbKey = 0;                  // EC / OKP coordinate size in bytes
  const char* parameterSet = nullptr;  // ML-DSA / ML-KEM: "44", "768", ...
};

// The plan of a row; `bits` picks the DSA blob version.
Plan PlanOf(const alg::Algorithm& a, uint32_t bits) {
  Plan p;
  alg::FillPlan(a, bits, &p);
  p.keytype = kColumns[a.id].keytype;
  p.group = kColumns[a.id].group;
  return p;
}

Status MakePlan(const KeySpec& spec, Plan* plan) {
  const alg::Algorithm* a = alg::Find(spec);
  if (a == nullptr) return alg::Unknown(spec, "OpenSSL");
  *plan = PlanOf(*a, spec.length);
  return Status::Ok();
}

// --- reading key components -------------------------------------------------

BnPtr GetBn(const EVP_PKEY* k, const char* name) {
  BIGNUM* b = nullptr;
  if (EVP_PKEY_get_bn_param(k, name, &b) != 1) return nullptr;
  return BnPtr(b);
}

bool GetOctets(const EVP_PKEY* k, const char* name, SecureBytes* out) {
  size_t len = 0;
  if (EVP_PKEY_get_octet_string_param(k, name, nullptr, 0, &len) != 1) return false;
  SecureBytes buf(len);
  if (EVP_PKEY_get_octet_string_param(k, name, buf.data(), buf.size(), &len) != 1 || len != buf.size()) {
    return false;
  }
  *out = std::move(buf);
  return true;
}

// Writes bn big-endian, left-padded to width; fails if it does not fit.
bool PutBn(blob::Writer& w, const BIGNUM* bn, size_t width) {
  if (bn == nullptr || static_cast<size_t>(BN_num_bytes(bn)) > width || width > INT_MAX) {
    return false;
  }
  uint8_t* p = w.Take(width);
  return p != nullptr && BN_bn2binpad(bn, p, static_cast<int>(width)) == static_cast<int>(width);
}

Status Missing(const char* what) { return ProviderError(std::string("cannot read ") + what); }

// An unsigned integer parameter to read into a big-endian field of exactly
// `width` bytes.
struct BnField {
  const char* name;
  uint8_t* dest;
  size_t width;
};

bool HostIsLittleEndian() {
  const uint16_t one = 1;
  uint8_t first;
  std::memcpy(&first, &one, 1);
  return first == 1;
}

// Reads the fields in one EVP_PKEY_get_params call, with buffers of exactly
// the field width. (EVP_PKEY_get_bn_param goes through a 2 KiB scratch
// buffer and a BIGNUM per call: most of an export's cost.) OSSL_PARAM
// integers are native-endian and zero-padded to the buffer: reversed in
// place on little-endian hosts. Fails if a value does not fit its field.
bool ReadBnFields(const EVP_PKEY* k, BnField* fields, size_t n) {
  OSSL_PARAM params[8];
  if (n + 1 > sizeof params / sizeof params[0]) return false;
  for (size_t i = 0; i < n; ++i) params[i] = OSSL_PARAM_construct_BN(fields[i].name, fields[i].dest, fields[i].width);
  params[n] = OSSL_PARAM_construct_end();
  if (EVP_PKEY_get_params(const_cast<EVP_PKEY*>(k), params) != 1) return false;
  for (size_t i = 0; i < n; ++i) {
    if (!OSSL_PARAM_modified(&params[i]) || params[i].return_size > fields[i].width) return false;
    if (HostIsLittleEndian()) std::reverse(fields[i].dest, fields[i].dest + fields[i].width);
  }
  return true;
}

// --- operations: shared helpers ---------------------------------------------

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct EcdsaSigDeleter {
  void operator()(ECDSA_SIG* s) const { ECDSA_SIG_free(s); }
};
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, EcdsaSigDeleter>;

Status Refuse(const std::string& what) { return Status::Fail("ERR_UNSUPPORTED_OPERATION", what); }
Status BadRequest(const std::string& what) { return Status::Fail("ERR_INVALID_REQUEST", what); }

// The provider's error, under another of the project's codes.
Status Recode(Status s, const char* code) {
  s.code = code;
  return s;
}

bool RuntimeAtLeast(unsigned major, unsigned minor) {
  unsigned ma = OPENSSL_version_major();
  return ma > major || (ma == major && OPENSSL_version_minor() >= minor);
}

// OpParams.hash -> OpenSSL digest name (nullptr: none / unknown).
const char* DigestName(const std::string& hash) {
  if (hash == "SHA-1") return "SHA1";
  if (hash == "SHA-256") return "SHA256";
  if (hash == "SHA-384") return "SHA384";
  if (hash == "SHA-512") return "SHA512";
  return nullptr;
}

// Copies the first n bytes of b into a buffer of exactly n bytes (b is
// cleansed as it goes).
SecureBytes Shrink(SecureBytes b, size_t n) {
  if (n == b.size()) return b;
  return SecureBytes(b.data(), n < b.size() ? n : b.size());
}

// An OSSL_PARAM list whose values live in buffers it owns (integers in
// native byte order, as OSSL_PARAM wants them) or in the caller's memory
// (octet strings): private values never pass through OpenSSL's own param
// allocations, which OpenSSL 3.0 frees without cleansing.
class ParamList {
 public:
  ParamList() { params_.reserve(12); }
  // A big-endian unsigned integer.
  void Bn(const char* name, const uint8_t* be, size_t n) {
    SecureBytes ne(n);
    for (size_t i = 0; i < n; ++i) ne.data()[i] = HostIsLittleEndian() ? be[n - 1 - i] : be[i];
    store_.push_back(std::move(ne));
    params_.push_back(OSSL_PARAM_construct_BN(name, store_.back().data(), n));
  }
  void Octets(const char* name, const uint8_t* p, size_t n) {
    params_.push_back(OSSL_PARAM_construct_octet_string(name, const_cast<uint8_t*>(p), n));
  }
  void Utf8(const char* name, const char* v) {
    params_.push_back(OSSL_PARAM_construct_utf8_string(name, const_cast<char*>(v), 0));
  }
  void Int(const char* name, int v) {
    ints_.push_back(v);
    params_.push_back(OSSL_PARAM_construct_int(name, &ints_.back()));
  }
  bool empty() const { return params_.empty(); }
  OSSL_PARAM* Get() {
    if (params_.empty() || params_.back().key != nullptr) params_.push_back(OSSL_PARAM_construct_end());
    return params_.data();
  }

 private:
  std::vector<OSSL_PARAM> params_;
  std::vector<SecureBytes> store_;  // moving a SecureBytes keeps its heap buffer in place
  std::deque<int> ints_;            // stable addresses
};

// ECDSA / DSA signatures: DER Ecdsa-Sig-Value <-> r||s (IEEE P1363, JOSE),
// each integer `width` bytes.
Status DerToP1363(const SecureBytes& der, size_t width, SecureBytes* out) {
  const unsigned char* p = der.data();
  EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) return ProviderError("cannot decode the provider's signature");
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  SecureBytes b(2 * width);
  if (BN_bn2binpad(r, b.data(), static_cast<int>(width)) != static_cast<int>(width) ||
      BN_bn2binpad(s, b.data() + width, static_cast<int>(width)) != static_cast<int>(width)) {
    return Status::Fail("ERR_PROVIDER", "signature integer does not fit its field");
  }
  *out = std::move(b);
  return Status::Ok();
}

// false: not a well-formed r||s of this width (the signature does not verify).
bool P1363ToDer(const SecureBytes& rs, size_t width, SecureBytes* der) {
  if (rs.size() != 2 * width || width == 0) return false;
  EcdsaSigPtr sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(rs.data(), static_cast<int>(width), nullptr);
  BIGNUM* s = BN_bin2bn(rs.data() + width, static_cast<int>(width), nullptr);
  if (!sig || r == nullptr || s == nullptr || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    ERR_clear_error();
    return false;
  }
  int n = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (n <= 0) return false;
  SecureBytes b(static_cast<size_t>(n));
  unsigned char* p = b.data();
  if (i2d_ECDSA_SIG(sig.get(), &p) != n) return false;
  *der = std::move(b);
  return true;
}

bool AllZero(const SecureBytes& b) {
  uint8_t acc = 0;
  for (size_t i = 0; i < b.size(); ++i) acc |= b.data()[i];
  return acc == 0;
}

class OpenSslKey : public Key {
 public:
  OpenSslKey(PkeyPtr pkey, Plan plan, bool hasPrivate = true)
      : pkey_(std::move(pkey)), plan_(std::move(plan)), hasPrivate_(hasPrivate) {}
  ~OpenSslKey() override = default;  // EVP_PKEY_free, once, via PkeyPtr

  Status Validate() const override {
    ERR_clear_error();
    CtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(libctx_, pkey_.get(), propq_));
    if (!ctx) return ProviderError("cannot set up the " + plan_.keytype + " pairwise check");
    int r = EVP_PKEY_pairwise_check(ctx.get());
    if (r == 1) return Status::Ok();
    if (r == -2) {
      ERR_clear_error();
      return Status::Fail("ERR_NOT_SUPPORTED_ON_PLATFORM",
                          "OpenSSL " + RuntimeVersion() + " has no pairwise check for " + plan_.keytype);
    }
    return ProviderError("the " + plan_.keytype + " pairwise consistency check failed");
  }

  Status Export(BlobKind kind, SecureBytes* out) const override {
    ERR_clear_error();
    if (kind == BlobKind::kSeed && plan_.seedMagic == 0) {
      return Status::Fail("ERR_INVALID_REQUEST", "only ML-DSA and ML-KEM keys have a seed blob");
    }
    bool priv = kind != BlobKind::kPublic;
    switch (plan_.family) {
      case Family::kRsa:
        return ExportRsa(priv, out);
      case Family::kDsa:
        return ExportDsa(priv, out);
      case Family::kDh:
        return ExportDh(priv, out);
      case Family::kEc:
        return ExportEc(priv, out);
      case Family::kOkp:
        return ExportOkp(priv, out);
      case Family::kMlDsa:
      case Family::kMlKem:
        return ExportPq(kind, out);
    }
    return Status::Fail("ERR_PROVIDER", "unknown key family");
  }

  bool HasPrivate() const override { return hasPrivate_; }

  Status Sign(const OpParams& p, const SecureBytes& data, SecureBytes* sig) const override {
    ERR_clear_error();
    if (!alg::Signs(*plan_.row))
      return Refuse("this " + plan_.keytype + " key is for key agreement or encapsulation: it cannot sign");
    if (!hasPrivate_) return Refuse("a public key cannot sign");
    if (p.hash == "SHA-1") return BadRequest("SHA-1 signatures are for verification only");
    const char* md = nullptr;
    ParamList params;
    Status s = SignatureSetup(p, &md, &params);
    if (!s.ok) return s;
    MdCtxPtr mctx(EVP_MD_CTX_new());
    if (!mctx || EVP_DigestSignInit_ex(mctx.get(), nullptr, md, libctx_, propq_, pkey_.get(),
                                       params.empty() ? nullptr : params.Get()) != 1) {
      return ProviderError("cannot set up the " + plan_.keytype + " signature");
    }
    size_t len = 0;
    if (EVP_DigestSign(mctx.get(), nullptr, &len, data.data(), data.size()) != 1) {
      return ProviderError(plan_.keytype + " signing failed");
    }
    SecureBytes out(len);
    if (EVP_DigestSign(mctx.get(), out.data(), &len, data.data(), data.size()) != 1) {
      return ProviderError(plan_.keytype + " signing failed");
    }
    out = Shrink(std::move(out), len);
    size_t width = RsWidth();
    if (width != 0 && p.signatureEncoding != "der") return DerToP1363(out, width, sig);
    *sig = std::move(out);
    return Status::Ok();
  }

  Status Verify(const OpParams& p, const SecureBytes& data, const SecureBytes& sig, bool* valid) const override {
    ERR_clear_error();
    *valid = false;
    if (!alg::Signs(*plan_.row))
      return Refuse("this " + plan_.keytype + " key is for key agreement or encapsulation: it cannot verify");
    const char* md = nullptr;
    ParamList params;
    Status s = SignatureSetup(p, &md, &params);
    if (!s.ok) return s;
    SecureBytes der;
    const SecureBytes* check = &sig;
    size_t width = RsWidth();
    if (width != 0 && p.signatureEncoding != "der") {
      if (!P1363ToDer(sig, width, &der)) return Status::Ok();  // not r||s of this curve: does not verify
      check = &der;
    }
    MdCtxPtr mctx(EVP_MD_CTX_new());
    if (!mctx || EVP_DigestVerifyInit_ex(mctx.get(), nullptr, md, libctx_, propq_, pkey_.get(),
                                         params.empty() ? nullptr : params.Get()) != 1) {
      return ProviderError("cannot set up the " + plan_.keytype + " verification");
    }
    *valid = EVP_DigestVerify(mctx.get(), check->data(), check->size(), data.data(), data.size()) == 1;
    ERR_clear_error();  // a signature that does not verify is an answer, not an error
    return Status::Ok();
  }

  Status Encrypt(const OpParams& p, const SecureBytes& data, SecureBytes* out) const override {
    return Cipher(false, p, data, out);
  }

  Status Decrypt(const OpParams& p, const SecureBytes& data, SecureBytes* out) const override {
    return Cipher(true, p, data, out);
  }

  Status Derive(const Key& peerKey, SecureBytes* secret) const override {
    ERR_clear_error();
    if (!alg::Agrees(*plan_.row))
      return Refuse("this " + plan_.keytype + " key is not for key agreement: it cannot derive");
    if (!hasPrivate_)
      return Refuse("a public key cannot derive: derive with the private key and the peer's public key");
    // Exactly one backend is linked in: every Key of this process is an OpenSslKey.
    const OpenSslKey& peer = static_cast<const OpenSslKey&>(peerKey);
    if (peer.plan_.family != plan_.family || peer.plan_.keytype != plan_.keytype ||
        (plan_.group != nullptr && (peer.plan_.group == nullptr || std::strcmp(plan_.group, peer.plan_.group) != 0))) {
      return Status::Fail("ERR_INVALID_KEY", "the peer's key is " + peer.plan_.keytype +
                                                 (peer.plan_.group ? std::string(" ") + peer.plan_.group : "") +
                                                 " key, not " + plan_.keytype +
                                                 (plan_.group ? std::string(" ") + plan_.group : ""));
    }
    CtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(libctx_, pkey_.get(), propq_));
    if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1) return ProviderError("cannot set up the key agreement");
    if (plan_.family == Family::kDh) {
      ParamList params;
      params.Int(OSSL_EXCHANGE_PARAM_PAD, 1);  // the full field length, as node's diffieHellman
      if (EVP_PKEY_CTX_set_params(ctx.get(), params.Get()) != 1) return ProviderError("cannot set DH padding");
    }
    // validate = 1: the peer's public key is checked (on the curve, in range).
    if (EVP_PKEY_derive_set_peer_ex(ctx.get(), peer.pkey_.get(), 1) != 1) {
      return Recode(ProviderError("the peer's public key is not valid for this key"), "ERR_INVALID_KEY");
    }
    size_t len = 0;
    if (EVP_PKEY_derive(ctx.get(), nullptr, &len) != 1 || len == 0) return ProviderError("key agreement failed");
    SecureBytes out(len);
    if (EVP_PKEY_derive(ctx.get(), out.data(), &len) != 1) {
      // X25519 / X448 refuse a small-order peer (an all-zero secret) here.
      return Recode(ProviderError("key agreement with the peer's public key failed"), "ERR_INVALID_KEY");
    }
    out = Shrink(std::move(out), len);
    // X25519 / X448 (RFC 7748 6.1): an all-zero secret means a small-order
    // peer. (An ECDH secret's x-coordinate may be 0 on a NIST curve: valid.)
    if (plan_.family == Family::kOkp && AllZero(out)) {
      return Status::Fail("ERR_INVALID_KEY", "the peer's public key gives an all-zero shared secret (small order)");
    }
    *secret = std::move(out);
    return Status::Ok();
  }

  Status Encapsulate(SecureBytes* ciphertext, SecureBytes* secret) const override {
    ERR_clear_error();
    if (!alg::Encapsulates(*plan_.row)) return Refuse("only ML-KEM keys encapsulate");
    CtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(libctx_, pkey_.get(), propq_));
    if (!ctx || EVP_PKEY_encapsulate_init(ctx.get(), nullptr) != 1) {
      return ProviderError("cannot set up " + plan_.keytype + " encapsulation");
    }
    size_t ctLen = 0;
    size_t ssLen = 0;
    if (EVP_PKEY_encapsulate(ctx.get(), nullptr, &ctLen, nullptr, &ssLen) != 1) {
      return ProviderError(plan_.keytype + " encapsulation failed");
    }
    SecureBytes ct(ctLen);
    SecureBytes ss(ssLen);
    if (EVP_PKEY_encapsulate(ctx.get(), ct.data(), &ctLen, ss.data(), &ssLen) != 1) {
      return ProviderError(plan_.keytype + " encapsulation failed");
    }
    *ciphertext = Shrink(std::move(ct), ctLen);
    *secret = Shrink(std::move(ss), ssLen);
    return Status::Ok();
  }

  Status Decapsulate(const SecureBytes& ciphertext, SecureBytes* secret) const override {
    ERR_clear_error();
    if (!alg::Encapsulates(*plan_.row)) return Refuse("only ML-KEM keys decapsulate");
    if (!hasPrivate_) return Refuse("a public key cannot decapsulate");
    size_t want = plan_.row->outputSize;
    if (ciphertext.size() != want) {
      return BadRequest(plan_.keytype + " ciphertexts are " + std::to_string(want) + " bytes, not " +
                        std::to_string(ciphertext.size()));
    }
    CtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(libctx_, pkey_.get(), propq_));
    if (!ctx || EVP_PKEY_decapsulate_init(ctx.get(), nullptr) != 1) {
      return ProviderError("cannot set up " + plan_.keytype + " decapsulation");
    }
    size_t ssLen = 0;
    if (EVP_PKEY_decapsulate(ctx.get(), nullptr, &ssLen, ciphertext.data(), ciphertext.size()) != 1) {
      return ProviderError(plan_.keytype + " decapsulation failed");
    }
    SecureBytes ss(ssLen);
    if (EVP_PKEY_decapsulate(ctx.get(), ss.data(), &ssLen, ciphertext.data(), ciphertext.size()) != 1) {
      return ProviderError(plan_.keytype + " decapsulation failed");
    }
    *secret = Shrink(std::move(ss), ssLen);
    return Status::Ok();
  }

 private:
  // The r||s integer width of ECDSA / DSA signatures; 0 for the others.
  size_t RsWidth() const {
    if (plan_.family == Family::kEc) return plan_.cbKey;
    if (plan_.family != Family::kDsa) return 0;
    BnPtr q = GetBn(pkey_.get(), OSSL_PKEY_PARAM_FFC_Q);
    ERR_clear_error();
    return q ? static_cast<size_t>(BN_num_bytes(q.get())) : 0;
  }

  // The digest and signature parameters of one sign / verify.
  Status SignatureSetup(const OpParams& p, const char** md, ParamList* params) const {
    if (alg::SignsMessage(*plan_.row)) {
      if (!p.hash.empty()) return BadRequest(plan_.keytype + " signs the message itself: no hash");
      *md = nullptr;
    } else {
      *md = DigestName(p.hash);
      if (*md == nullptr) return BadRequest(plan_.keytype + " signatures need a hash: SHA-256, SHA-384 or SHA-512");
    }
    if (plan_.family == Family::kRsa) {
      if (p.padding == "pss") {
        params->Utf8(OSSL_SIGNATURE_PARAM_PAD_MODE, OSSL_PKEY_RSA_PAD_MODE_PSS);
        if (p.saltLength < 0) {
          params->Utf8(OSSL_SIGNATURE_PARAM_PSS_SALTLEN, OSSL_PKEY_RSA_PSS_SALT_LEN_DIGEST);
        } else {
          params->Int(OSSL_SIGNATURE_PARAM_PSS_SALTLEN, p.saltLength);
        }
      } else if (p.padding.empty() || p.padding == "pkcs1") {
        if (p.saltLength >= 0) return BadRequest("saltLength is for PSS signatures");
        params->Utf8(OSSL_SIGNATURE_PARAM_PAD_MODE, OSSL_PKEY_RSA_PAD_MODE_PKCSV15);
      } else {
        return BadRequest("RSA signature padding must be pkcs1 or pss");
      }
    } else if (!p.padding.empty() || p.saltLength >= 0) {
      return BadRequest("padding and saltLength are for RSA signatures");
    }
    if (!p.context.empty()) {
      if (plan_.keytype == "ED448") {
        // OpenSSL 3.0 / 3.1 ignore an Ed448 context string: refuse rather than sign without it.
        if (!RuntimeAtLeast(3, 2)) {
          return NotSupported("Ed448 context strings", "they need OpenSSL 3.2 or later (Node.js 22+)");
        }
        params->Utf8("instance", "Ed448");
      } else if (plan_.family != Family::kMlDsa) {
        return BadRequest("a context string is for Ed448 and ML-DSA signatures");
      }
      params->Octets("context-string", p.context.data(), p.context.size());
    }
    return Status::Ok();
  }

  Status Cipher(bool decrypt, const OpParams& p, const SecureBytes& data, SecureBytes* out) const {
    ERR_clear_error();
    const char* op = decrypt ? "decrypt" : "encrypt";
    if (!alg::Encrypts(*plan_.row)) return Refuse(std::string("only RSA keys ") + op);
    if (decrypt && !hasPrivate_) return Refuse("a public key cannot decrypt");
    ParamList params;
    if (p.padding.empty() || p.padding == "oaep") {
      const char* md = DigestName(p.hash);
      if (md == nullptr) return BadRequest("RSA-OAEP needs a hash: SHA-1, SHA-256, SHA-384 or SHA-512");
      params.Utf8(OSSL_ASYM_CIPHER_PARAM_PAD_MODE, OSSL_PKEY_RSA_PAD_MODE_OAEP);
      params.Utf8(OSSL_ASYM_CIPHER_PARAM_OAEP_DIGEST, md);
      params.Utf8(OSSL_ASYM_CIPHER_PARAM_MGF1_DIGEST, md);
      if (!p.label.empty()) params.Octets(OSSL_ASYM_CIPHER_PARAM_OAEP_LABEL, p.label.data(), p.label.size());
    } else if (p.padding == "pkcs1") {
      if (!p.hash.empty() || !p.label.empty()) return BadRequest("hash and label are for RSA-OAEP");
      if (decrypt && !p.allowPkcs1Decrypt) {
        return Refuse("RSA PKCS#1 v1.5 decryption is refused (Marvin attack): use OAEP, or allowPkcs1Decrypt");
      }
      if (decrypt && !RuntimeAtLeast(3, 2)) {
        return NotSupported("implicit rejection for RSA PKCS#1 v1.5 decryption",
                            "it needs OpenSSL 3.2 or later (Node.js 22+); use OAEP");
      }
      params.Utf8(OSSL_ASYM_CIPHER_PARAM_PAD_MODE, OSSL_PKEY_RSA_PAD_MODE_PKCSV15);
      if (decrypt) params.Int("implicit-rejection", 1);
    } else {
      return BadRequest("RSA encryption padding must be oaep or pkcs1");
    }
    CtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(libctx_, pkey_.get(), propq_));
    int init = !ctx      ? 0
               : decrypt ? EVP_PKEY_decrypt_init_ex(ctx.get(), params.Get())
                         : EVP_PKEY_encrypt_init_ex(ctx.get(), params.Get());
    if (init != 1) return ProviderError(std::string("cannot set up RSA ") + op + "ion");
    auto run = [&](uint8_t* to, size_t* len) {
      return decrypt ? EVP_PKEY_decrypt(ctx.get(), to, len, data.data(), data.size())
                     : EVP_PKEY_encrypt(ctx.get(), to, len, data.data(), data.size());
    };
    size_t len = 0;
    if (run(nullptr, &len) != 1) return ProviderError(std::string("RSA ") + op + "ion failed");
    SecureBytes buf(len);
    if (run(buf.data(), &len) != 1) {
      Status s = ProviderError(std::string("RSA ") + op + "ion failed");
      // A ciphertext that does not decrypt, a message too long for the key.
      return Recode(s, decrypt ? "ERR_DECRYPTION_FAILED" : "ERR_INVALID_REQUEST");
    }
    *out = Shrink(std::move(buf), len);
    return Status::Ok();
  }

  static Status Finish(const blob::Writer& w, SecureBytes* b, SecureBytes* out, const char* what) {
    if (!w.ok()) return Status::Fail("ERR_PROVIDER", std::string("internal: ") + what + " blob size mismatch");
    *out = std::move(*b);
    return Status::Ok();
  }

  // BCRYPT_RSAKEY_BLOB: {Magic, BitLength, cbPublicExp, cbModulus, cbPrime1,
  // cbPrime2}; e, n, [p, q, dp, dq, qi, d].
  Status ExportRsa(bool priv, SecureBytes* out) const {
    int nbits = EVP_PKEY_get_bits(pkey_.get());
    if (nbits <= 0) return Missing("the RSA modulus size");
    uint32_t bits = static_cast<uint32_t>(nbits);
    size_t cbN = (bits + 7) / 8;
    size_t cbP = (bits + 15) / 16;
    uint8_t e[8];
    BnField pub[] = {{OSSL_PKEY_PARAM_RSA_E, e, sizeof e}};
    if (!ReadBnFields(pkey_.get(), pub, 1)) return Missing("the RSA public exponent");
    size_t skip = 0;
    while (skip < sizeof e - 1 && e[skip] == 0) ++skip;
    size_t cbE = sizeof e - skip;
    // private body: p, q, dp, dq, qi (cbP bytes each), d (cbN bytes)
    SecureBytes b(24 + cbE + cbN + (priv ? 5 * cbP + cbN : 0));
    blob::Writer w(&b);
    w.U32le(priv ? plan_.privMagic : plan_.pubMagic);
    w.U32le(bits);
    w.U32le(static_cast<uint32_t>(cbE));
    w.U32le(static_cast<uint32_t>(cbN));
    w.U32le(priv ? static_cast<uint32_t>(cbP) : 0);
    w.U32le(priv ? static_cast<uint32_t>(cbP) : 0);
    w.Bytes(e + skip, cbE);
    uint8_t* n = w.Take(cbN);
    if (n == nullptr) return Status::Fail("ERR_PROVIDER", "internal: RSA blob size mismatch");
    if (!priv) {
      BnField fields[] = {{OSSL_PKEY_PARAM_RSA_N, n, cbN}};
      if (!ReadBnFields(pkey_.get(), fields, 1)) return Missing("the RSA modulus");
      return Finish(w, &b, out, "RSA");
    }
    uint8_t* p = w.Take(cbP);
    uint8_t* q = w.Take(cbP);
    uint8_t* dp = w.Take(cbP);
    uint8_t* dq = w.Take(cbP);
    uint8_t* qi = w.Take(cbP);
    uint8_t* d = w.Take(cbN);
    if (d == nullptr) return Status::Fail("ERR_PROVIDER", "internal: RSA blob size mismatch");
    BnField fields[] = {{OSSL_PKEY_PARAM_RSA_N, n, cbN},          {OSSL_PKEY_PARAM_RSA_FACTOR1, p, cbP},
                        {OSSL_PKEY_PARAM_RSA_FACTOR2, q, cbP},    {OSSL_PKEY_PARAM_RSA_EXPONENT1, dp, cbP},
                        {OSSL_PKEY_PARAM_RSA_EXPONENT2, dq, cbP}, {OSSL_PKEY_PARAM_RSA_COEFFICIENT1, qi, cbP},
                        {OSSL_PKEY_PARAM_RSA_D, d, cbN}};
    if (!ReadBnFields(pkey_.get(), fields, 7)) return Missing("the RSA private key");
    return Finish(w, &b, out, "RSA");
  }

  // BCRYPT_ECCKEY_BLOB: {dwMagic, cbKey}; X, Y, [d]. The public point comes
  // as one uncompressed encoding (one affine conversion, not one per
  // coordinate).
  Status ExportEc(bool priv, SecureBytes* out) const {
    size_t cb = plan_.cbKey;
    SecureBytes b(8 + cb * (priv ? 3 : 2));
    blob::Writer w(&b);
    w.U32le(priv ? plan_.privMagic : plan_.pubMagic);
    w.U32le(static_cast<uint32_t>(cb));
    uint8_t* xy = w.Take(2 * cb);
    uint8_t* d = priv ? w.Take(cb) : nullptr;
    if (xy == nullptr || (priv && d == nullptr))
      return Status::Fail("ERR_PROVIDER", "internal: ECC blob size mismatch");
    bool haveD = false;
    if (ecPoint_.empty()) {  // first export: one affine conversion, kept for the next export
      uint8_t point[1 + 2 * 66];
      // a private export reads d in the same EVP_PKEY_get_params
      OSSL_PARAM params[] = {
          OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point, 1 + 2 * cb),
          priv ? OSSL_PARAM_construct_BN(OSSL_PKEY_PARAM_PRIV_KEY, d, cb) : OSSL_PARAM_construct_end(),
          OSSL_PARAM_construct_end()};
      bool got = EVP_PKEY_get_params(pkey_.get(), params) == 1 && OSSL_PARAM_modified(&params[0]);
      size_t len = got ? params[0].return_size : 0;
      haveD = got && priv && OSSL_PARAM_modified(&params[1]) && params[1].return_size <= cb;
      if (!got) {
        // one at a time (the tpm2 provider has only OSSL_PKEY_PARAM_PUB_KEY, the same encoding)
        ERR_clear_error();
        got = EVP_PKEY_get_octet_string_param(pkey_.get(), OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point, 1 + 2 * cb,
                                              &len) == 1 ||
              EVP_PKEY_get_octet_string_param(pkey_.get(), OSSL_PKEY_PARAM_PUB_KEY, point, 1 + 2 * cb, &len) == 1;
      }
      if (!got || len != 1 + 2 * cb || point[0] != 0x04) return Missing("the EC public point");
      ecPoint_.assign(point + 1, point + 1 + 2 * cb);
    }
    std::memcpy(xy, ecPoint_.data(), 2 * cb);
    if (haveD) {
      if (HostIsLittleEndian()) std::reverse(d, d + cb);  // OSSL_PARAM integers are native-endian
    } else if (priv) {
      BnField fields[] = {{OSSL_PKEY_PARAM_PRIV_KEY, d, cb}};
      if (!ReadBnFields(pkey_.get(), fields, 1)) return Missing("the EC private scalar");
    }
    return Finish(w, &b, out, "ECC");
  }

  // ECC layout with Y left out: {dwMagic, cbKey}; X, [d]. Both read in one
  // EVP_PKEY_get_params, straight into the blob (the sizes are the curve's).
  Status ExportOkp(bool priv, SecureBytes* out) const {
    size_t cb = plan_.cbKey;
    SecureBytes b(8 + cb * (priv ? 2 : 1));
    blob::Writer w(&b);
    w.U32le(priv ? plan_.privMagic : plan_.pubMagic);
    w.U32le(static_cast<uint32_t>(cb));
    uint8_t* x = w.Take(cb);
    uint8_t* d = priv ? w.Take(cb) : nullptr;
    if (x == nullptr || (priv && d == nullptr)) return Status::Fail("ERR_PROVIDER", "internal: OKP blob size mismatch");
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, x, cb),
        priv ? OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PRIV_KEY, d, cb) : OSSL_PARAM_construct_end(),
        OSSL_PARAM_construct_end()};
    if (EVP_PKEY_get_params(pkey_.get(), params) != 1) {
      return Missing(priv ? "the private key" : "the public key");
    }
    for (size_t i = 0; i < (priv ? 2u : 1u); ++i) {
      if (!OSSL_PARAM_modified(&params[i]) || params[i].return_size != cb) {
        return Status::Fail("ERR_PROVIDER", "unexpected OKP key size");
      }
    }
    return Finish(w, &b, out, "OKP");
  }

  // v1 (L <= 1024): {Magic, cbKey, Count[4], Seed[20], q[20]}; P, G, Y, [X(20)]
  // v2: {Magic, cbKey, hashAlgorithm, standardVersion, cbSeedLength,
  //      cbGroupSize, Count[4]}; Seed, q, P, G, Y, [X(cbGroupSize)]
  // Count is big-endian. Without the generation seed (never the case for keys
  // generated here), Count and Seed are all 0xFF, as CNG expects.
  Status ExportDsa(bool priv, SecureBytes* out) const {
    BnPtr p = GetBn(pkey_.get(), OSSL_PKEY_PARAM_FFC_P);
    BnPtr q = GetBn(pkey_.get(), OSSL_PKEY_PARAM_FFC_Q);
    BnPtr g = GetBn(pkey_.get(), OSSL_PKEY_PARAM_FFC_G);
    BnPtr y = GetBn(pkey_.get(), OSSL_PKEY_PARAM_PUB_KEY);
    if (!p || !q || !g || !y) return Missing("the DSA public key");
    BnPtr x;
    if (priv) {
      x = GetBn(pkey_.get(), OSSL_PKEY_PARAM_PRIV_KEY);
      if (!x) return Missing("the DSA private key");
    }
    size_t cbKey = static_cast<size_t>(BN_num_bytes(p.get()));
    size_t cbGroup = static_cast<size_t>(BN_num_bytes(q.get()));
    bool v2 = plan_.pubMagic == blob::kDsaPublicV2;
    if (!v2 && cbGroup > 20) return Status::Fail("ERR_PROVIDER", "DSA v1 blob needs a 160-bit q");
    if (!v2) cbGroup = 20;
    SecureBytes seed;
    int counter = -1;
    bool haveSeed = GetOctets(pkey_.get(), OSSL_PKEY_PARAM_FFC_SEED, &seed) &&
                    EVP_PKEY_get_int_param(pkey_.get(), OSSL_PKEY_PARAM_FFC_PCOUNTER, &counter) == 1 && counter >= 0 &&
                    seed.size() == (v2 ? seed.size() : 20);
    ERR_clear_error();
    size_t cbSeed = v2 ? (haveSeed ? seed.size() : cbGroup) : 20;
    size_t header = v2 ? 28 : 52;
    size_t body = (v2 ? cbSeed + cbGroup : 0) + 3 * cbKey + (priv ? cbGroup : 0);
    SecureBytes b(header + body);
    blob::Writer w(&b);
    w.U32le(priv ? plan_.privMagic : plan_.pubMagic);
    w.U32le(static_cast<uint32_t>(cbKey));
    bool ok = true;
    if (v2) {
      w.U32le(cbGroup >= 32 ? blob::kDsaHashSha256 : blob::kDsaHashSha1);
      w.U32le(blob::kDsaFips186_3);
      w.U32le(static_cast<uint32_t>(cbSeed));
      w.U32le(static_cast<uint32_t>(cbGroup));
      if (haveSeed) {
        w.U32be(static_cast<uint32_t>(counter));
        w.Bytes(seed.data(), cbSeed);
      } else {
        w.Fill(0xFF, 4 + cbSeed);
      }
      ok = PutBn(w, q.get(), cbGroup);
    } else {
      if (haveSeed) {
        w.U32be(static_cast<uint32_t>(counter));
        w.Bytes(seed.data(), 20);
      } else {
        w.Fill(0xFF, 24);
      }
      ok = PutBn(w, q.get(), 20);
    }
    ok = ok && PutBn(w, p.get(), cbKey) && PutBn(w, g.get(), cbKey) && PutBn(w, y.get(), cbKey) &&
         (!priv || PutBn(w, x.get(), cbGroup));
    if (!ok) return Status::Fail("ERR_PROVIDER", "DSA component does not fit its blob field");
    return Finish(w, &b, out, "DSA");
  }

  // BCRYPT_DH_KEY_BLOB: {dwMagic, cbKey}; p, g, public, [private].
  Status ExportDh(bool priv, SecureBytes* out) const {
    BnPtr p = GetBn(pkey_.get(), OSSL_PKEY_PARAM_FFC_P);
    BnPtr g = GetBn(pkey_.get(), OSSL_PKEY_PARAM_FFC_G);
    BnPtr y = GetBn(pkey_.get(), OSSL_PKEY_PARAM_PUB_KEY);
    if (!p || !g || !y) return Missing("the DH public key");
    BnPtr x;
    if (priv) {
      x = GetBn(pkey_.get(), OSSL_PKEY_PARAM_PRIV_KEY);
      if (!x) return Missing("the DH private key");
    }
    size_t cb = static_cast<size_t>(BN_num_bytes(p.get()));
    SecureBytes b(8 + cb * (priv ? 4 : 3));
    blob::Writer w(&b);
    w.U32le(priv ? plan_.privMagic : plan_.pubMagic);
    w.U32le(static_cast<uint32_t>(cb));
    bool ok =
        PutBn(w, p.get(), cb) && PutBn(w, g.get(), cb) && PutBn(w, y.get(), cb) && (!priv || PutBn(w, x.get(), cb));
    if (!ok) return Status::Fail("ERR_PROVIDER", "DH component does not fit its blob field");
    return Finish(w, &b, out, "DH");
  }

  // BCRYPT_PQDSA_KEY_BLOB / BCRYPT_MLKEM_KEY_BLOB: {dwMagic, cbParameterSet,
  // cbKey}; parameter set (UTF-16LE, NUL-terminated); key.
  Status ExportPq(BlobKind kind, SecureBytes* out) const {
    const char* param = kind == BlobKind::kPublic    ? OSSL_PKEY_PARAM_PUB_KEY
                        : kind == BlobKind::kPrivate ? OSSL_PKEY_PARAM_PRIV_KEY
                                                     : "seed";
    uint32_t magic = kind == BlobKind::kPublic    ? plan_.pubMagic
                     : kind == BlobKind::kPrivate ? plan_.privMagic
                                                  : plan_.seedMagic;
    SecureBytes key;
    if (!GetOctets(pkey_.get(), param, &key)) return Missing(param);
    size_t cbSet = blob::Utf16zSize(plan_.parameterSet);
    SecureBytes b(12 + cbSet + key.size());
    blob::Writer w(&b);
    w.U32le(magic);
    w.U32le(static_cast<uint32_t>(cbSet));
    w.U32le(static_cast<uint32_t>(key.size()));
    w.Utf16z(plan_.parameterSet);
    w.Bytes(key.data(), key.size());
    return Finish(w, &b, out, "PQ");
  }

  PkeyPtr pkey_;
  Plan plan_;
  bool hasPrivate_;
  mutable std::vector<uint8_t> ecPoint_;  // the public X||Y once computed (public data)

 protected:
  // Keys of another library context (the TPM's, issue 15): every operation
  // fetches its implementation there, with this property query.
  OSSL_LIB_CTX* libctx_ = nullptr;
  const char* propq_ = nullptr;
  void UseLibCtx(OSSL_LIB_CTX* libctx, const char* propq) {
    libctx_ = libctx;
    propq_ = propq;
  }
  void FreeHandle() { pkey_.reset(); }
  const EVP_PKEY* Pkey() const { return pkey_.get(); }
};

// --- generation -------------------------------------------------------------

Status KeygenFrom(EVP_PKEY_CTX* ctx, PkeyPtr* out, const char* what) {
  EVP_PKEY* k = nullptr;
  if (EVP_PKEY_generate(ctx, &k) != 1 || k == nullptr) {
    EVP_PKEY_free(k);
    return ProviderError(std::string(what) + " key generation failed");
  }
  out->reset(k);
  return Status::Ok();
}

Status KeygenFromParams(EVP_PKEY* params, PkeyPtr* out, const char* what) {
  CtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, params, nullptr));
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1) {
    return ProviderError(std::string("cannot set up ") + what + " key generation");
  }
  return KeygenFrom(ctx.get(), out, what);
}

Status NewKeygenCtx(const std::string& keytype, CtxPtr* ctx) {
  ctx->reset(EVP_PKEY_CTX_new_from_name(nullptr, keytype.c_str(), nullptr));
  if (!*ctx) {
    ERR_clear_error();
    const char* needs =
        (keytype.rfind("ML-", 0) == 0) ? "ML-DSA and ML-KEM need OpenSSL 3.5 or later" : "not built into this OpenSSL";
    return NotSupported(keytype, needs);
  }
  if (EVP_PKEY_keygen_init(ctx->get()) != 1) return ProviderError("cannot set up " + keytype + " key generation");
  return Status::Ok();
}

// Each threadpool thread keeps the keygen contexts it has prepared (algorithm
// fetched, parameters set, keygen initialised), keyed by what they make, and
// calls EVP_PKEY_generate on them again: the fetch and set-up are paid once
// per thread, not per key. Bounded; a context whose generation failed is
// dropped. Never used for seeded (deterministic) generation.
class PreparedContexts {
 public:
  EVP_PKEY_CTX* Find(const std::string& key) const {
    auto it = map_.find(key);
    return it == map_.end() ? nullptr : it->second.get();
  }
  EVP_PKEY_CTX* Put(const std::string& key, CtxPtr ctx) {
    if (map_.size() >= kMaxEntries) map_.clear();
    EVP_PKEY_CTX* raw = ctx.get();
    map_[key] = std::move(ctx);
    return raw;
  }
  void Drop(const std::string& key) { map_.erase(key); }

 private:
  static constexpr size_t kMaxEntries = 32;
  std::unordered_map<std::string, CtxPtr> map_;
};

thread_local PreparedContexts tls_prepared;

template <typename Prepare>
Status GeneratePrepared(const std::string& cacheKey, const char* what, PkeyPtr* out, Prepare prepare) {
  EVP_PKEY_CTX* ctx = tls_prepared.Find(cacheKey);
  if (ctx == nullptr) {
    CtxPtr fresh;
    Status s = prepare(&fresh);
    if (!s.ok) return s;
    ctx = tls_prepared.Put(cacheKey, std::move(fresh));
  }
  Status s = KeygenFrom(ctx, out, what);
  if (!s.ok) tls_prepared.Drop(cacheKey);
  return s;
}

// e: the public exponent (odd, >= 3; checked by alg::CheckGenerate).
Status GenerateRsa(uint32_t bits, uint32_t e, PkeyPtr* out) {
  return GeneratePrepared("RSA:" + std::to_string(bits) + ":" + std::to_string(e), "RSA", out, [bits, e](CtxPtr* ctx) {
    Status s = NewKeygenCtx("RSA", ctx);
    if (!s.ok) return s;
    size_t nbits = bits;
    unsigned long exponent = e;
    OSSL_PARAM params[] = {OSSL_PARAM_construct_size_t(OSSL_PKEY_PARAM_RSA_BITS, &nbits),
                           OSSL_PARAM_construct_ulong(OSSL_PKEY_PARAM_RSA_E, &exponent), OSSL_PARAM_construct_end()};
    if (EVP_PKEY_CTX_set_params(ctx->get(), params) != 1) {
      return ProviderError("cannot set the RSA size and public exponent");
    }
    return Status::Ok();
  });
}

// L <= 1024: FIPS 186-2 (q 160 bits, SHA-1); above: FIPS 186-4 (q 256 bits
// by default — the split CNG makes — or 224 for L = 2048 on request, with
// SHA-256 either way).
Status GenerateDsa(uint32_t bits, uint32_t divisorLength, PkeyPtr* out) {
  CtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "DSA", nullptr));
  if (!ctx) return NotSupported("DSA", "not built into this OpenSSL");
  if (EVP_PKEY_paramgen_init(ctx.get()) != 1) return ProviderError("cannot set up DSA parameter generation");
  bool v2 = bits > 1024;
  size_t pbits = bits;
  size_t qbits = divisorLength != 0 ? divisorLength : alg::DefaultDivisorLength(bits);
  char type186_2[] = "fips186_2";
  char type186_4[] = "fips186_4";
  char sha1[] = "SHA1";
  char sha256[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_size_t(OSSL_PKEY_PARAM_FFC_PBITS, &pbits),
                         OSSL_PARAM_construct_size_t(OSSL_PKEY_PARAM_FFC_QBITS, &qbits),
                         OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_FFC_TYPE, v2 ? type186_4 : type186_2, 0),
                         OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_FFC_DIGEST, v2 ? sha256 : sha1, 0),
                         OSSL_PARAM_construct_end()};
  if (EVP_PKEY_CTX_set_params(ctx.get(), params) != 1) return ProviderError("cannot set the DSA sizes");
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_generate(ctx.get(), &raw) != 1 || raw == nullptr) {
    EVP_PKEY_free(raw);
    return ProviderError("DSA parameter generation failed");
  }
  PkeyPtr dsaParams(raw);
  return KeygenFromParams(dsaParams.get(), out, "DSA");
}

// OpenSSL's names of the named groups of native/dh_groups.h (its "group"
// parameter); a group without one is loaded from its prime.
const char* OpensslGroupName(const DhGroup& g) {
  struct Name {
    const char* id;
    const char* openssl;
  };
  static constexpr Name kNames[] = {{"ffdhe2048", "ffdhe2048"}, {"ffdhe3072", "ffdhe3072"}, {"ffdhe4096", "ffdhe4096"},
                                    {"modp14", "modp_2048"},    {"modp15", "modp_3072"},    {"modp16", "modp_4096"}};
  for (const Name& n : kNames) {
    if (g.id != nullptr && std::strcmp(g.id, n.id) == 0) return n.openssl;
  }
  return nullptr;
}

Status GenerateInGroup(const char* keytype, const char* group, const char* what, PkeyPtr* out);

// A named group (spec.group): OpenSSL's own, by its "group" parameter.
Status GenerateDhGroup(const DhGroup& group, PkeyPtr* out) {
  const char* name = OpensslGroupName(group);
  if (name == nullptr) return NotSupported(std::string("the DH group ") + group.name, "no OpenSSL name for it");
  return GenerateInGroup("DH", name, "the DH group", out);
}

// By size: a well-known group (native/dh_groups.h) where the size has one;
// otherwise fresh safe-prime parameters with g = 2.
Status GenerateDh(uint32_t bits, PkeyPtr* out) {
  PkeyPtr dhParams;
  if (const DhGroup* group = FindDhGroup(bits)) {
    BnPtr p(BN_bin2bn(group->p, static_cast<int>(group->bits / 8), nullptr));
    BnPtr g(BN_new());
    ParamBldPtr bld(OSSL_PARAM_BLD_new());
    if (!p || !g || !bld || BN_set_word(g.get(), group->g) != 1 ||
        OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_FFC_P, p.get()) != 1 ||
        OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_FFC_G, g.get()) != 1) {
      return ProviderError("cannot build the DH group");
    }
    ParamPtr params(OSSL_PARAM_BLD_to_param(bld.get()));
    CtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "DH", nullptr));
    if (!ctx) return NotSupported("DH", "not built into this OpenSSL");
    EVP_PKEY* raw = nullptr;
    if (!params || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
        EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_KEY_PARAMETERS, params.get()) != 1) {
      EVP_PKEY_free(raw);
      return ProviderError("cannot load the DH group");
    }
    dhParams.reset(raw);
  } else {
    CtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "DH", nullptr));
    if (!ctx) return NotSupported("DH", "not built into this OpenSSL");
    if (EVP_PKEY_paramgen_init(ctx.get()) != 1) return ProviderError("cannot set up DH parameter generation");
    size_t pbits = bits;
    int generator = 2;
    OSSL_PARAM params[] = {OSSL_PARAM_construct_size_t(OSSL_PKEY_PARAM_FFC_PBITS, &pbits),
                           OSSL_PARAM_construct_int(OSSL_PKEY_PARAM_DH_GENERATOR, &generator),
                           OSSL_PARAM_construct_end()};
    if (EVP_PKEY_CTX_set_params(ctx.get(), params) != 1) return ProviderError("cannot set the DH size");
    EVP_PKEY* raw = nullptr;
    if (EVP_PKEY_generate(ctx.get(), &raw) != 1 || raw == nullptr) {
      EVP_PKEY_free(raw);
      return ProviderError("DH parameter generation failed");
    }
    dhParams.reset(raw);
  }
  return KeygenFromParams(dhParams.get(), out, "DH");
}

// EC keys on a curve, DH keys of a named group: a keygen context whose
// OSSL_PKEY_PARAM_GROUP_NAME is set, kept per thread.
Status GenerateInGroup(const char* keytype, const char* group, const char* what, PkeyPtr* out) {
  return GeneratePrepared(std::string(keytype) + ":" + group, keytype, out, [keytype, group, what](CtxPtr* ctx) {
    Status s = NewKeygenCtx(keytype, ctx);
    if (!s.ok) return s;
    char name[32];
    std::strncpy(name, group, sizeof name - 1);
    name[sizeof name - 1] = '\0';
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, name, 0),
                           OSSL_PARAM_construct_end()};
    if (EVP_PKEY_CTX_set_params(ctx->get(), params) != 1) {
      ERR_clear_error();
      return NotSupported(std::string(what) + " " + group, "not built into this OpenSSL");
    }
    return Status::Ok();
  });
}

Status GenerateByName(const std::string& keytype, const SecureBytes& seed, PkeyPtr* out) {
  if (seed.empty()) {
    return GeneratePrepared(keytype, keytype.c_str(), out,
                            [&keytype](CtxPtr* ctx) { return NewKeygenCtx(keytype, ctx); });
  }
  CtxPtr ctx;
  Status s = NewKeygenCtx(keytype, &ctx);
  if (!s.ok) return s;
  OSSL_PARAM params[] = {OSSL_PARAM_construct_octet_string("seed", const_cast<uint8_t*>(seed.data()), seed.size()),
                         OSSL_PARAM_construct_end()};
  if (EVP_PKEY_CTX_set_params(ctx.get(), params) != 1) return ProviderError("cannot set the " + keytype + " seed");
  return KeygenFrom(ctx.get(), out, keytype.c_str());
}

bool Fetchable(const char* keytype) {
  EVP_KEYMGMT* km = EVP_KEYMGMT_fetch(nullptr, keytype, nullptr);
  EVP_KEYMGMT_free(km);
  ERR_clear_error();
  return km != nullptr;
}

bool HasCurve(const char* sn) {
  int nid = OBJ_sn2nid(sn);
  if (nid == NID_undef) return false;
  EC_GROUP* g = EC_GROUP_new_by_curve_name(nid);
  EC_GROUP_free(g);
  ERR_clear_error();
  return g != nullptr;
}

// Whether this OpenSSL makes the keys of a registry row.
bool Available(const alg::Algorithm& a) {
  const Column& c = kColumns[a.id];
  if (c.group != nullptr) return Fetchable("EC") && HasCurve(c.group);
  return Fetchable(c.keytype);
}

// One entry per KeySpec algorithm, from the registry: the curves and
// parameter sets of its rows that this OpenSSL has.
Capabilities Probe() {
  Capabilities c;
  c.provider = "openssl";
  c.providerVersion = RuntimeVersion();
  const std::string pqNote = "OpenSSL " + c.providerVersion + " has none; needs OpenSSL 3.5 or later (Node.js 24+)";
  for (const alg::Algorithm& a : alg::kAlgorithms) {
    if (c.algorithms.empty() || c.algorithms.back().id != a.algorithm) {
      AlgorithmCapability cap;
      cap.id = a.algorithm;
      c.algorithms.push_back(cap);
    }
    AlgorithmCapability& cap = c.algorithms.back();
    bool has = Available(a);
    if (has && a.curve != nullptr) cap.curves.push_back(a.curve);
    if (has && a.parameterSet != nullptr) cap.parameterSets.push_back(a.parameterSet);
    cap.supported = cap.supported || has;
  }
  for (AlgorithmCapability& cap : c.algorithms) {
    if (cap.supported) continue;
    cap.note = cap.id == "ML-DSA" || cap.id == "ML-KEM" ? pqNote : "OpenSSL " + c.providerVersion + " has no " + cap.id;
  }
  return c;
}

// --- import -----------------------------------------------------------------

// Reads a CNG blob: little-endian header ULONGs, then fields. Bounds-checked;
// a short read poisons it (ok() == false).
class BlobReader {
 public:
  explicit BlobReader(const SecureBytes& b) : p_(b.data()), n_(b.size()) {}
  uint32_t U32() {
    const uint8_t* p = Take(4);
    if (p == nullptr) return 0;
    return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 | static_cast<uint32_t>(p[2]) << 16 |
           static_cast<uint32_t>(p[3]) << 24;
  }
  const uint8_t* Take(size_t n) {
    if (!ok_ || n > n_ - pos_) {
      ok_ = false;
      return nullptr;
    }
    const uint8_t* p = p_ + pos_;
    pos_ += n;
    return p;
  }
  bool done() const { return ok_ && pos_ == n_; }

 private:
  const uint8_t* p_;
  size_t n_;
  size_t pos_ = 0;
  bool ok_ = true;
};

Status BadBlob(const std::string& what) { return Status::Fail("ERR_INVALID_BLOB", what); }

constexpr uint32_t kMaxField = 2048;  // 16384-bit integers

// Fills `params` from the blob for the plan's family; private components go
// into buffers ParamList cleanses. Sets *bits for DSA (v1 or v2 layout).
Status BlobParams(const Plan& plan, BlobKind kind, const SecureBytes& blob, ParamList* params,
                  std::vector<uint8_t>* scratch, uint32_t* dsaBits) {
  BlobReader r(blob);
  uint32_t magic = r.U32();
  bool priv = kind != BlobKind::kPublic;
  auto expect = [&](uint32_t want) {
    return magic == want ? Status::Ok()
                         : BadBlob("the blob's magic is not that of a " + plan.keytype + " " +
                                   (kind == BlobKind::kPublic ? "public" : "private") + " key");
  };
  switch (plan.family) {
    case Family::kRsa: {
      Status s = expect(priv ? blob::kRsaFullPrivate : blob::kRsaPublic);
      if (!s.ok) return s;
      uint32_t bits = r.U32(), cbE = r.U32(), cbN = r.U32(), cbP = r.U32(), cbQ = r.U32();
      if (bits == 0 || cbN != (bits + 7) / 8 || cbN > kMaxField || cbE == 0 || cbE > 8 ||
          (priv ? (cbP == 0 || cbQ == 0 || cbP > cbN || cbQ > cbN) : (cbP != 0 || cbQ != 0))) {
        return BadBlob("RSA blob header sizes are inconsistent");
      }
      const uint8_t* e = r.Take(cbE);
      const uint8_t* n = r.Take(cbN);
      if (e == nullptr || n == nullptr) return BadBlob("RSA blob is too short");
      params->Bn(OSSL_PKEY_PARAM_RSA_N, n, cbN);
      params->Bn(OSSL_PKEY_PARAM_RSA_E, e, cbE);
      if (priv) {
        const uint8_t* p = r.Take(cbP);
        const uint8_t* q = r.Take(cbQ);
        const uint8_t* dp = r.Take(cbP);
        const uint8_t* dq = r.Take(cbQ);
        const uint8_t* qi = r.Take(cbP);
        const uint8_t* d = r.Take(cbN);
        if (d == nullptr) return BadBlob("RSA blob is too short");
        params->Bn(OSSL_PKEY_PARAM_RSA_D, d, cbN);
        params->Bn(OSSL_PKEY_PARAM_RSA_FACTOR1, p, cbP);
        params->Bn(OSSL_PKEY_PARAM_RSA_FACTOR2, q, cbQ);
        params->Bn(OSSL_PKEY_PARAM_RSA_EXPONENT1, dp, cbP);
        params->Bn(OSSL_PKEY_PARAM_RSA_EXPONENT2, dq, cbQ);
        params->Bn(OSSL_PKEY_PARAM_RSA_COEFFICIENT1, qi, cbP);
      }
      break;
    }
    case Family::kEc:
    case Family::kOkp: {
      Status s = expect(priv ? plan.privMagic : plan.pubMagic);
      if (!s.ok) return s;
      uint32_t cb = r.U32();
      if (cb != plan.cbKey) return BadBlob("the blob's key size is not that of " + plan.keytype);
      bool ec = plan.family == Family::kEc;
      const uint8_t* x = r.Take(cb);
      const uint8_t* y = ec ? r.Take(cb) : x;
      const uint8_t* d = priv ? r.Take(cb) : x;
      if (x == nullptr || y == nullptr || d == nullptr) return BadBlob("ECC blob is too short");
      if (ec) {
        params->Utf8(OSSL_PKEY_PARAM_GROUP_NAME, plan.group);
        scratch->assign(1, 0x04);
        scratch->insert(scratch->end(), x, x + cb);
        scratch->insert(scratch->end(), y, y + cb);
        params->Octets(OSSL_PKEY_PARAM_PUB_KEY, scratch->data(), scratch->size());
        if (priv) params->Bn(OSSL_PKEY_PARAM_PRIV_KEY, d, cb);
      } else {
        params->Octets(OSSL_PKEY_PARAM_PUB_KEY, x, cb);
        if (priv) params->Octets(OSSL_PKEY_PARAM_PRIV_KEY, d, cb);
      }
      break;
    }
    case Family::kDsa: {
      bool v1 = magic == (priv ? blob::kDsaPrivate : blob::kDsaPublic);
      bool v2 = magic == (priv ? blob::kDsaPrivateV2 : blob::kDsaPublicV2);
      if (!v1 && !v2) return expect(0);
      uint32_t cbKey = r.U32();
      uint32_t cbSeed = 20, cbGroup = 20;
      if (v2) {
        r.U32();  // hashAlgorithm
        r.U32();  // standardVersion
        cbSeed = r.U32();
        cbGroup = r.U32();
      }
      if (cbKey == 0 || cbKey > kMaxField || cbGroup == 0 || cbGroup > 64 || cbSeed > 64 || (v1 && cbKey > 128)) {
        return BadBlob("DSA blob header sizes are inconsistent");
      }
      r.Take(4 + cbSeed);  // Count, Seed: not needed to use the key
      const uint8_t* q = r.Take(cbGroup);
      const uint8_t* p = r.Take(cbKey);
      const uint8_t* g = r.Take(cbKey);
      const uint8_t* y = r.Take(cbKey);
      const uint8_t* x = priv ? r.Take(cbGroup) : y;
      if (x == nullptr || q == nullptr) return BadBlob("DSA blob is too short");
      params->Bn(OSSL_PKEY_PARAM_FFC_P, p, cbKey);
      params->Bn(OSSL_PKEY_PARAM_FFC_Q, q, cbGroup);
      params->Bn(OSSL_PKEY_PARAM_FFC_G, g, cbKey);
      params->Bn(OSSL_PKEY_PARAM_PUB_KEY, y, cbKey);
      if (priv) params->Bn(OSSL_PKEY_PARAM_PRIV_KEY, x, cbGroup);
      *dsaBits = v2 ? 2048 : 1024;  // picks the export layout
      break;
    }
    case Family::kDh: {
      Status s = expect(priv ? blob::kDhPrivate : blob::kDhPublic);
      if (!s.ok) return s;
      uint32_t cb = r.U32();
      if (cb == 0 || cb > kMaxField) return BadBlob("DH blob key size out of range");
      const uint8_t* p = r.Take(cb);
      const uint8_t* g = r.Take(cb);
      const uint8_t* y = r.Take(cb);
      const uint8_t* x = priv ? r.Take(cb) : y;
      if (x == nullptr) return BadBlob("DH blob is too short");
      params->Bn(OSSL_PKEY_PARAM_FFC_P, p, cb);
      params->Bn(OSSL_PKEY_PARAM_FFC_G, g, cb);
      params->Bn(OSSL_PKEY_PARAM_PUB_KEY, y, cb);
      if (priv) params->Bn(OSSL_PKEY_PARAM_PRIV_KEY, x, cb);
      break;
    }
    case Family::kMlDsa:
    case Family::kMlKem: {
      Status s = expect(kind == BlobKind::kPublic    ? plan.pubMagic
                        : kind == BlobKind::kPrivate ? plan.privMagic
                                                     : plan.seedMagic);
      if (!s.ok) return s;
      uint32_t cbSet = r.U32();
      uint32_t cbKey = r.U32();
      if (cbSet != blob::Utf16zSize(plan.parameterSet) || cbKey == 0 || cbKey > 8192) {
        return BadBlob("PQ blob header sizes are inconsistent");
      }
      const uint8_t* set = r.Take(cbSet);
      const uint8_t* key = r.Take(cbKey);
      if (key == nullptr) return BadBlob("PQ blob is too short");
      for (size_t i = 0; i < cbSet / 2; ++i) {
        char c = i + 1 < cbSet / 2 ? plan.parameterSet[i] : '\0';
        if (set[2 * i] != static_cast<uint8_t>(c) || set[2 * i + 1] != 0) {
          return BadBlob("the blob's parameter set is not " + plan.keytype);
        }
      }
      const char* name = kind == BlobKind::kPublic    ? OSSL_PKEY_PARAM_PUB_KEY
                         : kind == BlobKind::kPrivate ? OSSL_PKEY_PARAM_PRIV_KEY
                                                      : "seed";
      params->Octets(name, key, cbKey);
      break;
    }
  }
  if (!r.done()) return BadBlob("the blob's size does not match its header");
  return Status::Ok();
}

// The provider's checks on an imported key: the public key (on the curve, in
// range) for public material, pairwise consistency for private material.
Status CheckImported(EVP_PKEY* pkey, bool priv, const std::string& what) {
  CtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
  if (!ctx) return ProviderError("cannot set up the check of the " + what + " key");
  int r = priv ? EVP_PKEY_pairwise_check(ctx.get()) : EVP_PKEY_public_check(ctx.get());
  if (r == -2) {  // no such check for this key type in this OpenSSL
    ERR_clear_error();
    return Status::Ok();
  }
  if (r != 1) return Recode(ProviderError("the " + what + " key fails the provider's checks"), "ERR_INVALID_KEY");
  return Status::Ok();
}

}  // namespace

Status Import(const KeySpec& spec, BlobKind kind, const SecureBytes& blob, std::unique_ptr<Key>* out) {
  ERR_clear_error();
  Plan plan;
  Status s = MakePlan(spec, &plan);
  if (!s.ok) return s;
  if (kind == BlobKind::kSeed && plan.seedMagic == 0) return BadRequest("only ML-DSA and ML-KEM keys import a seed");
  ParamList params;
  std::vector<uint8_t> scratch;
  uint32_t length = spec.length;
  s = BlobParams(plan, kind, blob, &params, &scratch, &length);
  if (!s.ok) return s;
  if (plan.family == Family::kDsa) plan = PlanOf(*plan.row, length);  // the blob layout (v1 / v2) it exports in
  CtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, plan.keytype.c_str(), nullptr));
  if (!ctx) {
    ERR_clear_error();
    return NotSupported(plan.keytype, plan.family == Family::kMlDsa || plan.family == Family::kMlKem
                                          ? "ML-DSA and ML-KEM need OpenSSL 3.5 or later"
                                          : "not built into this OpenSSL");
  }
  bool priv = kind != BlobKind::kPublic;
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, priv ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params.Get()) != 1 ||
      raw == nullptr) {
    EVP_PKEY_free(raw);
    return Recode(ProviderError("the provider does not accept this " + plan.keytype + " key"), "ERR_INVALID_KEY");
  }
  PkeyPtr pkey(raw);
  s = CheckImported(pkey.get(), priv, plan.keytype);
  if (!s.ok) return s;
  out->reset(new OpenSslKey(std::move(pkey), std::move(plan), priv));
  return Status::Ok();
}

namespace {}  // namespace

Status Generate(const KeySpec& spec, std::unique_ptr<Key>* out) {
  ERR_clear_error();
  Plan plan;
  Status s = MakePlan(spec, &plan);
  if (!s.ok) return s;
  // Re-checks of what would be unsafe or absurd to pass on (the TypeScript
  // key-length table has already said yes).
  s = alg::CheckGenerate(*plan.row, spec);
  if (!s.ok) return s;
  PkeyPtr pkey;
  switch (plan.family) {
    case Family::kRsa:
      s = GenerateRsa(spec.length, spec.publicExponent != 0 ? spec.publicExponent : alg::kDefaultPublicExponent, &pkey);
      break;
    case Family::kDsa:
      if (spec.length < 1024) {
        // OpenSSL 3 refuses DSA below L = 1024 (ffc_validate_LN); CNG has 512…960.
        return NotSupported("DSA-" + std::to_string(spec.length),
                            "OpenSSL 3 generates DSA keys of 1024 bits and more; 512…960 are CNG-only");
      }
      s = GenerateDsa(spec.length, spec.divisorLength, &pkey);
      break;
    case Family::kDh:
      if (!spec.group.empty()) {
        s = GenerateDhGroup(*FindDhGroupByName(spec.group), &pkey);  // known: CheckGenerate found it
      } else {
        s = GenerateDh(spec.length, &pkey);
      }
      break;
    case Family::kEc:
      s = GenerateInGroup("EC", plan.group, "the EC curve", &pkey);
      break;
    case Family::kOkp:
      s = GenerateByName(plan.keytype, SecureBytes(), &pkey);
      break;
    case Family::kMlDsa:
    case Family::kMlKem:
      // BCRYPT_NO_KEY_VALIDATION has no OpenSSL counterpart: OpenSSL does not
      // re-validate keys it generates itself, so noKeyValidation changes nothing.
      s = GenerateByName(plan.keytype, spec.seed, &pkey);
      break;
  }
  if (!s.ok) return s;
  out->reset(new OpenSslKey(std::move(pkey), std::move(plan)));
  return Status::Ok();
}

Status RandomBytes(uint8_t* out, size_t n) {
  if (n > INT_MAX) return Status::Fail("ERR_INVALID_REQUEST", "too many random bytes requested");
  ERR_clear_error();
  if (n != 0 && RAND_priv_bytes(out, static_cast<int>(n)) != 1) return ProviderError("RAND_priv_bytes failed");
  return Status::Ok();
}

Capabilities GetCapabilities() {
  static const Capabilities probed = Probe();  // thread-safe, once per process
  return probed;
}

}  // namespace pk

// ============================================================================
// Keys kept by the platform (issue 15): the TPM 2.0 through OpenSSL's tpm2
// provider (tpm2-openssl), loaded by absolute path into a private
// OSSL_LIB_CTX together with the default provider. Never into node's own
// context: node:crypto would then pick the tpm2 implementations (and loading
// it through OPENSSL_CONF breaks node:crypto's signing; default_properties
// hangs node at start-up). A TPM key is an EVP_PKEY whose key manager is the
// tpm2 provider's; the OpenSSL key class does its operations, fetched in that
// context. The private part never leaves the TPM: what is persisted is the
// TPM-wrapped blob (TSS2 PRIVATE KEY, DER), useless without this TPM.
// ============================================================================

#include <openssl/decoder.h>
#include <openssl/encoder.h>
#include <openssl/provider.h>
#include <openssl/store.h>
#include <unistd.h>

#include <cstdlib>
#include <mutex>

namespace pk {
namespace {

constexpr const char* kTpmProps = "provider=tpm2";

struct DecoderCtxDeleter {
  void operator()(OSSL_DECODER_CTX* c) const { OSSL_DECODER_CTX_free(c); }
};
struct EncoderCtxDeleter {
  void operator()(OSSL_ENCODER_CTX* c) const { OSSL_ENCODER_CTX_free(c); }
};
struct StoreCtxDeleter {
  void operator()(OSSL_STORE_CTX* c) const { OSSL_STORE_close(c); }
};
struct StoreInfoDeleter {
  void operator()(OSSL_STORE_INFO* i) const { OSSL_STORE_INFO_free(i); }
};

// The whole error queue (the tpm2 provider's own reason comes first, OpenSSL's
// "init fail" last), cleared.
std::string DrainErrors() {
  std::string all;
  unsigned long e;
  while ((e = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    all += all.empty() ? "" : "; ";
    all += buf;
  }
  return all.empty() ? "OpenSSL reported no error" : all;
}

Status Unavailable(const std::string& message) { return Status::Fail("ERR_STORE_UNAVAILABLE", message); }

std::string TctiTried() {
  const char* t = std::getenv("TPM2OPENSSL_TCTI");
  if (t != nullptr && *t != '\0') return std::string("the TCTI '") + t + "' (TPM2OPENSSL_TCTI)";
  return "the TSS default TCTIs (TPM2OPENSSL_TCTI is unset: tabrmd on the system bus, device:/dev/tpmrm0, "
         "device:/dev/tpm0, ...)";
}

// PLATFORM_KEYGEN_TPM2_PROVIDER (the module file), $OPENSSL_MODULES/tpm2.so,
// then the distributions' module directories.
std::string FindTpm2Module(std::string* tried) {
  std::vector<std::string> candidates;
  if (const char* p = std::getenv("PLATFORM_KEYGEN_TPM2_PROVIDER"); p != nullptr && *p != '\0') {
    candidates.push_back(p);
  } else {
    if (const char* m = std::getenv("OPENSSL_MODULES"); m != nullptr && *m != '\0') {
      candidates.push_back(std::string(m) + "/tpm2.so");
    }
    for (const char* dir : {"/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib"}) {
      candidates.push_back(std::string(dir) + "/ossl-modules/tpm2.so");
    }
  }
  for (const std::string& c : candidates) {
    if (c.size() > 1 && c[0] == '/' && access(c.c_str(), R_OK) == 0) return c;
    *tried += tried->empty() ? "" : ", ";
    *tried += c;
  }
  return "";
}

// One process-wide TPM context. The tpm2 provider talks to the TPM through one
// ESYS context, which is not safe for concurrent use: every call into it
// (generation, loading, each operation, freeing a key) holds tpmMutex.
struct TpmState {
  std::mutex mutex;  // serialises all use of the tpm2 provider
  std::mutex loadMutex;
  OSSL_LIB_CTX* libctx = nullptr;  // once loaded, kept for the process: keys point into it
};

TpmState& Tpm() {
  static TpmState* state = new TpmState();  // never destroyed: keys of any env may outlive statics
  return *state;
}

// The TPM's library context, loaded on first use; a failure is retried on the
// next call (the TPM or its resource manager may be started later).
Status TpmContext(OSSL_LIB_CTX** out) {
  TpmState& t = Tpm();
  std::lock_guard<std::mutex> lock(t.loadMutex);
  if (t.libctx != nullptr) {
    *out = t.libctx;
    return Status::Ok();
  }
  std::string tried;
  std::string module = FindTpm2Module(&tried);
  if (module.empty()) {
    return Unavailable("the TPM store needs OpenSSL's tpm2 provider (tpm2-openssl), not found at " + tried +
                       ": install it (Debian / Ubuntu: apt-get install tpm2-openssl) or set "
                       "PLATFORM_KEYGEN_TPM2_PROVIDER to its tpm2.so");
  }
  ERR_clear_error();
  OSSL_LIB_CTX* libctx = OSSL_LIB_CTX_new();
  if (libctx == nullptr) return ProviderError("cannot create a library context for the TPM");
  OSSL_PROVIDER* base = OSSL_PROVIDER_load(libctx, "default");
  if (base == nullptr) {
    Status s = Unavailable("cannot load OpenSSL's default provider next to the tpm2 provider: " + DrainErrors());
    OSSL_LIB_CTX_free(libctx);
    return s;
  }
  // The provider connects to the TPM as it initialises: a failure here is
  // most often no TPM / no resource manager / no access.
  OSSL_PROVIDER* tpm2 = OSSL_PROVIDER_load(libctx, module.c_str());
  if (tpm2 == nullptr) {
    std::string why = DrainErrors();
    OSSL_PROVIDER_unload(base);
    OSSL_LIB_CTX_free(libctx);
    if (why.find("init fail") == std::string::npos) {
      return Unavailable("cannot load the tpm2 provider " + module + ": " + why +
                         " (reinstall tpm2-openssl and its TSS libraries)");
    }
    return Unavailable("no TPM reachable through " + TctiTried() + ": " + why +
                       ". Set TPM2OPENSSL_TCTI (e.g. device:/dev/tpmrm0, tabrmd:bus_type=session, "
                       "swtpm:host=127.0.0.1,port=2321), start a resource manager (tpm2-abrmd), or give this user "
                       "access to /dev/tpmrm0 (group tss)");
  }
  t.libctx = libctx;  // the providers stay loaded with it
  *out = libctx;
  return Status::Ok();
}

// A TPM key: the OpenSSL key class, fetching its operations in the TPM's
// context, with every call into the provider serialised, and never a private
// blob (the private part is in the TPM).
class TpmKey final : public OpenSslKey {
 public:
  TpmKey(PkeyPtr pkey, Plan plan, OSSL_LIB_CTX* libctx) : OpenSslKey(std::move(pkey), std::move(plan)) {
    UseLibCtx(libctx, kTpmProps);
  }
  ~TpmKey() override {
    std::lock_guard<std::mutex> lock(Tpm().mutex);
    FreeHandle();  // EVP_PKEY_free flushes the TPM object: once, here
  }

  Status Export(BlobKind kind, SecureBytes* out) const override {
    if (kind != BlobKind::kPublic) {
      return Status::Fail("ERR_NOT_EXTRACTABLE", "a TPM key's private part never leaves the TPM");
    }
    // Public data the provider keeps in memory: no TPM call.
    Status s = OpenSslKey::Export(kind, out);
    if (s.ok) s = FixTpmExponent(out);
    return s;
  }

  // TPM2B_PUBLIC says exponent 0 for the default, 65537 (TPM 2.0 part 2,
  // TPMS_RSA_PARMS), and tpm2-openssl 1.1 passes the 0 on: the RSA blob
  // {Magic, BitLength, cbPublicExp = 1, cbModulus, 0, 0}; e = 00; n gets e = 01 00 01.
  static Status FixTpmExponent(SecureBytes* blob) {
    if (blob->size() < 25) return Status::Ok();
    const uint8_t* b = blob->data();
    auto u32 = [b](size_t i) {
      return static_cast<uint32_t>(b[i]) | static_cast<uint32_t>(b[i + 1]) << 8 |
             static_cast<uint32_t>(b[i + 2]) << 16 | static_cast<uint32_t>(b[i + 3]) << 24;
    };
    if (u32(0) != blob::kRsaPublic || u32(8) != 1 || b[24] != 0) return Status::Ok();
    size_t cbN = u32(12);
    if (blob->size() != 25 + cbN) return Status::Fail("ERR_PROVIDER", "internal: TPM RSA blob size mismatch");
    SecureBytes fixed(blob->size() + 2);
    std::memcpy(fixed.data(), b, 24);
    fixed.data()[8] = 3;
    const uint8_t e[3] = {0x01, 0x00, 0x01};
    std::memcpy(fixed.data() + 24, e, 3);
    std::memcpy(fixed.data() + 27, b + 25, cbN);
    *blob = std::move(fixed);
    return Status::Ok();
  }
  Status Validate() const override {
    return Status::Fail("ERR_UNSUPPORTED_OPERATION", "the TPM checks the keys it makes itself");
  }
  Status Sign(const OpParams& p, const SecureBytes& data, SecureBytes* sig) const override {
    std::lock_guard<std::mutex> lock(Tpm().mutex);
    return OpenSslKey::Sign(p, data, sig);
  }
  Status Verify(const OpParams& p, const SecureBytes& data, const SecureBytes& sig, bool* valid) const override {
    std::lock_guard<std::mutex> lock(Tpm().mutex);
    return OpenSslKey::Verify(p, data, sig, valid);
  }
  // Encryption is public: the tpm2 provider has only decryption, so it runs
  // on the public part, as a software key (no TPM call).
  Status Encrypt(const OpParams& p, const SecureBytes& data, SecureBytes* out) const override {
    SecureBytes blob;
    Status s = Export(BlobKind::kPublic, &blob);
    if (!s.ok) return s;
    KeySpec spec;
    spec.algorithm = "RSA";
    spec.length = static_cast<uint32_t>(EVP_PKEY_get_bits(Pkey()));
    std::unique_ptr<Key> pub;
    s = Import(spec, BlobKind::kPublic, blob, &pub);
    if (!s.ok) return s;
    return pub->Encrypt(p, data, out);
  }
  // The TPM unpads itself (TPM2_RSA_Decrypt): PKCS#1 v1.5 has no implicit
  // rejection here whatever the OpenSSL version, so it is done only when
  // allowPkcs1Decrypt says so. tpm2-openssl 1.1 (Debian 12) has no OAEP.
  Status Decrypt(const OpParams& p, const SecureBytes& data, SecureBytes* out) const override {
    if (p.padding != "pkcs1") {
      Status s;
      {
        std::lock_guard<std::mutex> lock(Tpm().mutex);
        s = OpenSslKey::Decrypt(p, data, out);
      }
      if (!s.ok && s.code == "ERR_PROVIDER" && s.message.rfind("cannot set up", 0) == 0) {
        return Status::Fail("ERR_NOT_SUPPORTED_ON_PLATFORM",
                            "this tpm2 provider has no RSA-OAEP decryption (tpm2-openssl 1.1 refuses it): decrypt "
                            "PKCS#1 v1.5 with allowPkcs1Decrypt, or agree keys with ECDH");
      }
      return s;
    }
    if (!p.hash.empty() || !p.label.empty())
      return Status::Fail("ERR_INVALID_REQUEST", "hash and label are for RSA-OAEP");
    if (!p.allowPkcs1Decrypt) {
      return Status::Fail("ERR_UNSUPPORTED_OPERATION",
                          "RSA PKCS#1 v1.5 decryption is refused (Marvin attack; the TPM reports padding errors): "
                          "pass allowPkcs1Decrypt to accept that");
    }
    std::lock_guard<std::mutex> lock(Tpm().mutex);
    ERR_clear_error();
    CtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(libctx_, const_cast<EVP_PKEY*>(Pkey()), propq_));
    char pad[] = OSSL_PKEY_RSA_PAD_MODE_PKCSV15;
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_ASYM_CIPHER_PARAM_PAD_MODE, pad, 0),
                           OSSL_PARAM_construct_end()};
    if (!ctx || EVP_PKEY_decrypt_init_ex(ctx.get(), params) != 1) {
      return ProviderError("cannot set up TPM RSA decryption");
    }
    // The provider asks the TPM already for the size: either call may refuse the ciphertext.
    size_t len = 0;
    SecureBytes buf;
    bool ok = EVP_PKEY_decrypt(ctx.get(), nullptr, &len, data.data(), data.size()) == 1 && len != 0;
    if (ok) {
      buf = SecureBytes(len);
      ok = EVP_PKEY_decrypt(ctx.get(), buf.data(), &len, data.data(), data.size()) == 1 && len <= buf.size();
    }
    if (!ok) {
      Status s = ProviderError("the ciphertext does not decrypt with this TPM key");
      s.code = "ERR_DECRYPTION_FAILED";
      return s;
    }
    SecureBytes result(buf.data(), len);
    *out = std::move(result);
    return Status::Ok();
  }
  Status Derive(const Key& peer, SecureBytes* secret) const override {
    std::lock_guard<std::mutex> lock(Tpm().mutex);
    return OpenSslKey::Derive(peer, secret);
  }
};

// The TPM's names for the curves of the CNG identifiers.
const char* TpmCurve(const std::string& group) {
  if (group == "prime256v1" || group == "P-256") return "P-256";
  if (group == "secp384r1" || group == "P-384") return "P-384";
  if (group == "secp521r1" || group == "P-521") return "P-521";
  return nullptr;
}

// What a TPM can make: RSA and the NIST curves (ECDSA_Pxxx / ECDH_Pxxx).
Status TpmPlan(const KeySpec& spec, Plan* plan) {
  Status s = MakePlan(spec, plan);
  if (!s.ok) return s;
  bool ok = plan->family == Family::kRsa ||
            (plan->family == Family::kEc && plan->group != nullptr && TpmCurve(plan->group) != nullptr &&
             spec.algorithm != "ECDSA" && spec.algorithm != "ECDH");
  if (!ok) {
    return Status::Fail("ERR_UNSUPPORTED_ALGORITHM",
                        "a TPM makes RSA, ECDSA_P256/P384/P521 and ECDH_P256/P384/P521 keys, not " + spec.algorithm +
                            (spec.curve.empty() ? "" : " / " + spec.curve));
  }
  if (plan->family == Family::kRsa && spec.length != 2048 && spec.length != 3072 && spec.length != 4096) {
    return Status::Fail("ERR_KEY_LENGTH", "a TPM makes RSA keys of 2048 (or 3072, 4096 where it has them) bits");
  }
  return Status::Ok();
}

// Under Tpm().mutex.
Status TpmGenerate(OSSL_LIB_CTX* libctx, const KeySpec& spec, const Plan& plan, PkeyPtr* out) {
  ERR_clear_error();
  bool rsa = plan.family == Family::kRsa;
  CtxPtr ctx(EVP_PKEY_CTX_new_from_name(libctx, rsa ? "RSA" : "EC", kTpmProps));
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1) {
    return Unavailable("the tpm2 provider cannot make " + plan.keytype + " keys: " + DrainErrors());
  }
  size_t bits = spec.length;
  char curve[16];
  std::strncpy(curve, rsa ? "" : TpmCurve(plan.group), sizeof curve - 1);
  curve[sizeof curve - 1] = '\0';
  OSSL_PARAM params[] = {rsa ? OSSL_PARAM_construct_size_t(OSSL_PKEY_PARAM_RSA_BITS, &bits)
                             : OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, curve, 0),
                         OSSL_PARAM_construct_end()};
  if (EVP_PKEY_CTX_set_params(ctx.get(), params) != 1) {
    ERR_clear_error();
    return Status::Fail("ERR_NOT_SUPPORTED_ON_PLATFORM",
                        "the tpm2 provider refuses " + (rsa ? "RSA-" + std::to_string(bits) : std::string(curve)));
  }
  EVP_PKEY* k = nullptr;
  if (EVP_PKEY_generate(ctx.get(), &k) != 1 || k == nullptr) {
    EVP_PKEY_free(k);
    std::string why = DrainErrors();
    return Status::Fail("ERR_PROVIDER",
                        "the TPM did not make a " + (rsa ? "RSA-" + std::to_string(bits) : std::string(curve)) +
                            " key: " + why +
                            " (without a resource manager a TPM holds only a few loaded keys: use /dev/tpmrm0 or "
                            "tpm2-abrmd, and destroy() keys no longer used)");
  }
  out->reset(k);
  return Status::Ok();
}

// The TSS2 PRIVATE KEY structure (DER): the TPM-wrapped private part and the
// public area. Under Tpm().mutex.
Status TpmEncode(const EVP_PKEY* pkey, SecureBytes* out) {
  ERR_clear_error();
  std::unique_ptr<OSSL_ENCODER_CTX, EncoderCtxDeleter> enc(
      OSSL_ENCODER_CTX_new_for_pkey(pkey, EVP_PKEY_KEYPAIR, "DER", "PrivateKeyInfo", kTpmProps));
  unsigned char* der = nullptr;
  size_t len = 0;
  if (!enc || OSSL_ENCODER_CTX_get_num_encoders(enc.get()) == 0 || OSSL_ENCODER_to_data(enc.get(), &der, &len) != 1 ||
      der == nullptr || len == 0) {
    OPENSSL_free(der);
    return Status::Fail("ERR_PROVIDER", "cannot write the TPM key blob: " + DrainErrors());
  }
  *out = SecureBytes(der, len);
  OPENSSL_clear_free(der, len);
  return Status::Ok();
}

// The plan of a key found in the TPM; expect (when set) must agree.
Status PlanOfTpmKey(const EVP_PKEY* pkey, const KeySpec& expect, Plan* plan) {
  KeySpec found;
  if (EVP_PKEY_is_a(pkey, "RSA")) {
    found.algorithm = "RSA";
    found.length = static_cast<uint32_t>(EVP_PKEY_get_bits(pkey));
  } else if (EVP_PKEY_is_a(pkey, "EC")) {
    char group[64] = {0};
    size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len) != 1) {
      ERR_clear_error();
    }
    const char* curve = TpmCurve(group);
    if (curve == nullptr)
      return Status::Fail("ERR_UNSUPPORTED_ALGORITHM", std::string("a TPM key on the curve ") + group);
    bool ecdh = expect.algorithm.rfind("ECDH", 0) == 0;
    found.algorithm = std::string(ecdh ? "ECDH_P" : "ECDSA_P") + (curve + 2);
  } else {
    return Status::Fail("ERR_UNSUPPORTED_ALGORITHM", "a TPM key that is neither RSA nor EC");
  }
  if (!expect.algorithm.empty() &&
      (expect.algorithm != found.algorithm || (found.algorithm == "RSA" && expect.length != found.length))) {
    return Status::Fail("ERR_STORE_CORRUPT", "the TPM key is " + found.algorithm +
                                                 (found.length ? "-" + std::to_string(found.length) : "") +
                                                 ", its record says " + expect.algorithm);
  }
  return MakePlan(found, plan);
}

bool IsHandleName(const std::string& name) { return name.rfind("handle:", 0) == 0; }

// Under Tpm().mutex.
Status TpmLoad(OSSL_LIB_CTX* libctx, const StoreRef& ref, const SecureBytes& persisted, PkeyPtr* out) {
  ERR_clear_error();
  EVP_PKEY* k = nullptr;
  if (IsHandleName(ref.name)) {
    // A persistent handle (tpm2_evictcontrol): the provider's "handle:" store.
    std::unique_ptr<OSSL_STORE_CTX, StoreCtxDeleter> store(
        OSSL_STORE_open_ex(ref.name.c_str(), libctx, kTpmProps, nullptr, nullptr, nullptr, nullptr, nullptr));
    if (!store) return Status::Fail("ERR_KEY_NOT_FOUND", "no TPM key at " + ref.name + ": " + DrainErrors());
    while (k == nullptr && OSSL_STORE_eof(store.get()) == 0) {
      std::unique_ptr<OSSL_STORE_INFO, StoreInfoDeleter> info(OSSL_STORE_load(store.get()));
      if (!info) break;
      if (OSSL_STORE_INFO_get_type(info.get()) == OSSL_STORE_INFO_PKEY) k = OSSL_STORE_INFO_get1_PKEY(info.get());
    }
    if (k == nullptr) return Status::Fail("ERR_KEY_NOT_FOUND", "no TPM key at " + ref.name + ": " + DrainErrors());
  } else {
    if (persisted.empty()) return Status::Fail("ERR_KEY_NOT_FOUND", "no TPM key blob for '" + ref.name + "'");
    std::unique_ptr<OSSL_DECODER_CTX, DecoderCtxDeleter> dec(
        OSSL_DECODER_CTX_new_for_pkey(&k, "DER", "TSS2", nullptr, EVP_PKEY_KEYPAIR, libctx, kTpmProps));
    const unsigned char* p = persisted.data();
    size_t left = persisted.size();
    if (!dec || OSSL_DECODER_CTX_get_num_decoders(dec.get()) == 0 ||
        OSSL_DECODER_from_data(dec.get(), &p, &left) != 1 || k == nullptr) {
      EVP_PKEY_free(k);
      return Status::Fail("ERR_STORE_CORRUPT",
                          "the TPM did not load the key blob of '" + ref.name +
                              "' (made by another TPM, or the TPM was cleared?): " + DrainErrors());
    }
  }
  out->reset(k);
  return Status::Ok();
}

Status RefuseStore(const StoreRef& ref) {
  if (ref.store == "software") {
    return Status::Fail("ERR_NOT_SUPPORTED_ON_PLATFORM",
                        "store 'software' is Windows' Software Key Storage Provider; here, keep keys in the TPM "
                        "(store: 'tpm') or in a JwkStore file");
  }
  if (ref.store != "tpm") return Status::Fail("ERR_INVALID_REQUEST", "unknown key store '" + ref.store + "'");
  if (!ref.scope.empty() && ref.scope != "user") {
    return Status::Fail("ERR_NOT_SUPPORTED_ON_PLATFORM",
                        "the TPM store has no '" + ref.scope + "' scope here (keys are files of this user)");
  }
  return Status::Ok();
}

}  // namespace

bool StoreKeepsNames(const std::string& /*store*/) { return false; }

StoreCapability ProbeStore(const std::string& store) {
  StoreCapability c;
  c.store = store;
  c.keepsNames = StoreKeepsNames(store);
  Status s = RefuseStore(StoreRef{store, "", ""});
  OSSL_LIB_CTX* libctx = nullptr;
  if (s.ok) s = TpmContext(&libctx);
  if (!s.ok) {
    c.note = s.message;
    return c;
  }
  c.available = true;
  std::lock_guard<std::mutex> lock(Tpm().mutex);
  for (const char* curve : {"P256", "P384", "P521"}) {
    KeySpec spec;
    spec.algorithm = std::string("ECDSA_") + curve;
    Plan plan;
    PkeyPtr k;
    if (TpmPlan(spec, &plan).ok && TpmGenerate(libctx, spec, plan, &k).ok) {
      c.algorithms.push_back("ECDSA_" + std::string(curve));
      c.algorithms.push_back("ECDH_" + std::string(curve));
    }
  }
  for (uint32_t bits : {2048u, 3072u}) {
    KeySpec spec;
    spec.algorithm = "RSA";
    spec.length = bits;
    Plan plan;
    PkeyPtr k;
    if (TpmPlan(spec, &plan).ok && TpmGenerate(libctx, spec, plan, &k).ok) c.rsaLengths.push_back(bits);
  }
  if (!c.rsaLengths.empty()) c.algorithms.push_back("RSA");
  ERR_clear_error();
  return c;
}

Status CreateStoredKey(const KeySpec& spec, const StoreRef& ref, bool /*overwrite: the caller's file*/,
                       std::unique_ptr<Key>* out, SecureBytes* persisted) {
  Status s = RefuseStore(ref);
  if (!s.ok) return s;
  if (IsHandleName(ref.name)) {
    return Status::Fail("ERR_INVALID_REQUEST", "persistent handles are made with tpm2_evictcontrol, not here");
  }
  Plan plan;
  s = TpmPlan(spec, &plan);
  if (!s.ok) return s;
  OSSL_LIB_CTX* libctx = nullptr;
  s = TpmContext(&libctx);
  if (!s.ok) return s;
  std::lock_guard<std::mutex> lock(Tpm().mutex);
  PkeyPtr pkey;
  s = TpmGenerate(libctx, spec, plan, &pkey);
  if (!s.ok) return s;
  s = TpmEncode(pkey.get(), persisted);
  if (!s.ok) return s;
  out->reset(new TpmKey(std::move(pkey), std::move(plan), libctx));
  return Status::Ok();
}

Status OpenStoredKey(const StoreRef& ref, const KeySpec& expect, const SecureBytes& persisted,
                     std::unique_ptr<Key>* out) {
  Status s = RefuseStore(ref);
  if (!s.ok) return s;
  OSSL_LIB_CTX* libctx = nullptr;
  s = TpmContext(&libctx);
  if (!s.ok) return s;
  std::lock_guard<std::mutex> lock(Tpm().mutex);
  PkeyPtr pkey;
  s = TpmLoad(libctx, ref, persisted, &pkey);
  if (!s.ok) return s;
  Plan plan;
  s = PlanOfTpmKey(pkey.get(), expect, &plan);
  if (!s.ok) return s;
  out->reset(new TpmKey(std::move(pkey), std::move(plan), libctx));
  return Status::Ok();
}

Status DeleteStoredKey(const StoreRef& ref) {
  Status s = RefuseStore(ref);
  if (!s.ok) return s;
  return Status::Fail("ERR_UNSUPPORTED_OPERATION",
                      "the TPM store keeps no names: delete the key's blob (persistent handles: tpm2_evictcontrol)");
}

Status ListStoredKeys(const StoreRef& where, std::vector<StoredKeyInfo>* /*out*/) {
  Status s = RefuseStore(where);
  if (!s.ok) return s;
  return Status::Fail("ERR_UNSUPPORTED_OPERATION", "the TPM store keeps no names: list the key blobs kept by name");
}

}  // namespace pk
