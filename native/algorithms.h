// The native algorithm registry (docs/design.md "The algorithm registry"):
// what each KeySpec identifier is and can do, the same on every platform.
// Platform-neutral: each backend keeps only its own column (OpenSSL key type
// and group names, CNG provider identifiers) in a table indexed by alg::Id,
// with a static_assert that it has one entry per row. Adding a curve touches
// this registry and the backends' columns, nothing else.
//
// The TypeScript layer has validated every spec against its key-length table
// (src/table.ts) before it gets here; native code re-checks with these rows
// only what would be unsafe to pass on (Wine's CNG aborts the process on an
// RSA length that is not a multiple of 64).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "backend.h"
#include "blob.h"
#include "dh_groups.h"

namespace pk {
namespace alg {

// What a key is for. Sign keys sign and verify; agree keys derive; KEM keys
// encapsulate and decapsulate. RSA also encrypts (Encrypts()).
enum class Kind { kSign, kAgree, kKem };

// How a key is held and exported (the blob layout family).
enum class Family { kRsa, kDsa, kDh, kEc, kOkp, kMlDsa, kMlKem };

// One row per (algorithm, curve, parameter set). The backends' column tables
// are indexed by these ids, in this order.
enum Id : int {
  kRsa,
  kDsa,
  kDh,
  kEcdsaP256,
  kEcdsaP384,
  kEcdsaP521,
  kEcdhP256,
  kEcdhP384,
  kEcdhP521,
  kEcdsaSecp256k1,
  kEcdhSecp256k1,
  kX25519,
  kX448,
  kEd25519,
  kEd448,
  kMlDsa44,
  kMlDsa65,
  kMlDsa87,
  kMlKem512,
  kMlKem768,
  kMlKem1024,
  kCount
};

// BCryptGenerateKeyPair's documented length rule for the sized algorithms.
struct Range {
  uint32_t min = 0;
  uint32_t max = 0;
  uint32_t step = 0;
};

struct Algorithm {
  Id id;
  const char* algorithm;     // KeySpec.algorithm (CNG identifier or our extension)
  const char* curve;         // KeySpec.curve for the generic ECDSA / ECDH / EdDSA rows, else nullptr
  const char* parameterSet;  // ML-DSA / ML-KEM, else nullptr
  const char* label;         // for messages
  Family family;
  Kind kind;
  uint32_t bits;  // the fixed length of a curve (CNG's dwLength); 0 for the sized and PQ rows
  Range lengths;  // RSA / DSA / DH: the length rule; empty otherwise
  uint32_t pubMagic;
  uint32_t privMagic;  // RSA: the full private blob (RSA3)
  uint32_t seedMagic;
  uint32_t cbKey;       // EC / OKP coordinate bytes
  uint32_t seedLength;  // ML-DSA xi: 32; ML-KEM d||z: 64
  uint32_t outputSize;  // ML-DSA signature bytes; ML-KEM ciphertext bytes (FIPS 204 / 203)
};

constexpr Range kNoRange{};
constexpr Algorithm kAlgorithms[kCount] = {
    // id, algorithm, curve, parameterSet, label, family, kind, bits, lengths, pub, priv, seed, cbKey, seedLength,
    // output
    {kRsa,
     "RSA",
     nullptr,
     nullptr,
     "RSA",
     Family::kRsa,
     Kind::kSign,
     0,
     {512, 16384, 64},
     blob::kRsaPublic,
     blob::kRsaFullPrivate,
     0,
     0,
     0,
     0},
    // DSA magics are those of L > 1024 (v2); DsaMagics() gives the v1 ones.
    {kDsa,
     "DSA",
     nullptr,
     nullptr,
     "DSA",
     Family::kDsa,
     Kind::kSign,
     0,
     {512, 3072, 64},
     blob::kDsaPublicV2,
     blob::kDsaPrivateV2,
     0,
     0,
     0,
     0},
    {kDh,
     "DH",
     nullptr,
     nullptr,
     "DH",
     Family::kDh,
     Kind::kAgree,
     0,
     {512, 4096, 64},
     blob::kDhPublic,
     blob::kDhPrivate,
     0,
     0,
     0,
     0},
    {kEcdsaP256, "ECDSA_P256", nullptr, nullptr, "ECDSA_P256", Family::kEc, Kind::kSign, 256, kNoRange,
     blob::kEcdsaP256Public, blob::kEcdsaP256Private, 0, 32, 0, 0},
    {kEcdsaP384, "ECDSA_P384", nullptr, nullptr, "ECDSA_P384", Family::kEc, Kind::kSign, 384, kNoRange,
     blob::kEcdsaP384Public, blob::kEcdsaP384Private, 0, 48, 0, 0},
    {kEcdsaP521, "ECDSA_P521", nullptr, nullptr, "ECDSA_P521", Family::kEc, Kind::kSign, 521, kNoRange,
     blob::kEcdsaP521Public, blob::kEcdsaP521Private, 0, 66, 0, 0},
    {kEcdhP256, "ECDH_P256", nullptr, nullptr, "ECDH_P256", Family::kEc, Kind::kAgree, 256, kNoRange,
     blob::kEcdhP256Public, blob::kEcdhP256Private, 0, 32, 0, 0},
    {kEcdhP384, "ECDH_P384", nullptr, nullptr, "ECDH_P384", Family::kEc, Kind::kAgree, 384, kNoRange,
     blob::kEcdhP384Public, blob::kEcdhP384Private, 0, 48, 0, 0},
    {kEcdhP521, "ECDH_P521", nullptr, nullptr, "ECDH_P521", Family::kEc, Kind::kAgree, 521, kNoRange,
     blob::kEcdhP521Public, blob::kEcdhP521Private, 0, 66, 0, 0},
    {kEcdsaSecp256k1, "ECDSA", "secP256k1", nullptr, "ECDSA secP256k1", Family::kEc, Kind::kSign, 256, kNoRange,
     blob::kEcdsaPublicGeneric, blob::kEcdsaPrivateGeneric, 0, 32, 0, 0},
    {kEcdhSecp256k1, "ECDH", "secP256k1", nullptr, "ECDH secP256k1", Family::kEc, Kind::kAgree, 256, kNoRange,
     blob::kEcdhPublicGeneric, blob::kEcdhPrivateGeneric, 0, 32, 0, 0},
    // OKP keys (X25519, X448, Ed25519, Ed448) use the ECC layout with Y left out.
    {kX25519, "ECDH", "curve25519", nullptr, "ECDH curve25519", Family::kOkp, Kind::kAgree, 255, kNoRange,
     blob::kEcdhPublicGeneric, blob::kEcdhPrivateGeneric, 0, 32, 0, 0},
    {kX448, "ECDH", "curve448", nullptr, "X448 (curve448)", Family::kOkp, Kind::kAgree, 448, kNoRange,
     blob::kEcdhPublicGeneric, blob::kEcdhPrivateGeneric, 0, 56, 0, 0},
    {kEd25519, "EdDSA", "Ed25519", nullptr, "Ed25519", Family::kOkp, Kind::kSign, 255, kNoRange,
     blob::kEcdsaPublicGeneric, blob::kEcdsaPrivateGeneric, 0, 32, 0, 0},
    {kEd448, "EdDSA", "Ed448", nullptr, "Ed448", Family::kOkp, Kind::kSign, 448, kNoRange, blob::kEcdsaPublicGeneric,
     blob::kEcdsaPrivateGeneric, 0, 57, 0, 0},
    {kMlDsa44, "ML-DSA", nullptr, "44", "ML-DSA-44", Family::kMlDsa, Kind::kSign, 0, kNoRange, blob::kMlDsaPublic,
     blob::kMlDsaPrivate, blob::kMlDsaPrivateSeed, 0, 32, 2420},
    {kMlDsa65, "ML-DSA", nullptr, "65", "ML-DSA-65", Family::kMlDsa, Kind::kSign, 0, kNoRange, blob::kMlDsaPublic,
     blob::kMlDsaPrivate, blob::kMlDsaPrivateSeed, 0, 32, 3309},
    {kMlDsa87, "ML-DSA", nullptr, "87", "ML-DSA-87", Family::kMlDsa, Kind::kSign, 0, kNoRange, blob::kMlDsaPublic,
     blob::kMlDsaPrivate, blob::kMlDsaPrivateSeed, 0, 32, 4627},
    {kMlKem512, "ML-KEM", nullptr, "512", "ML-KEM-512", Family::kMlKem, Kind::kKem, 0, kNoRange, blob::kMlKemPublic,
     blob::kMlKemPrivate, blob::kMlKemPrivateSeed, 0, 64, 768},
    {kMlKem768, "ML-KEM", nullptr, "768", "ML-KEM-768", Family::kMlKem, Kind::kKem, 0, kNoRange, blob::kMlKemPublic,
     blob::kMlKemPrivate, blob::kMlKemPrivateSeed, 0, 64, 1088},
    {kMlKem1024, "ML-KEM", nullptr, "1024", "ML-KEM-1024", Family::kMlKem, Kind::kKem, 0, kNoRange, blob::kMlKemPublic,
     blob::kMlKemPrivate, blob::kMlKemPrivateSeed, 0, 64, 1568},
};

constexpr bool RowsInOrder() {
  for (int i = 0; i < kCount; ++i) {
    if (kAlgorithms[i].id != i) return false;
  }
  return true;
}
static_assert(RowsInOrder(), "kAlgorithms rows must be in alg::Id order");

// The largest length any row takes: what the addon accepts in spec.length.
constexpr uint32_t MaxLength() {
  uint32_t max = 0;
  for (const Algorithm& a : kAlgorithms) {
    if (a.lengths.max > max) max = a.lengths.max;
  }
  return max;
}
static_assert(MaxLength() == 16384, "RSA's 16384 bits are the longest");

// --- what each kind of key can do ------------------------------------------------

inline bool Signs(const Algorithm& a) { return a.kind == Kind::kSign; }
inline bool Agrees(const Algorithm& a) { return a.kind == Kind::kAgree; }
inline bool Encapsulates(const Algorithm& a) { return a.kind == Kind::kKem; }
inline bool Encrypts(const Algorithm& a) { return a.family == Family::kRsa; }
// Ed25519 / Ed448 / ML-DSA sign the message itself (no hash option).
inline bool SignsMessage(const Algorithm& a) {
  return a.kind == Kind::kSign && (a.family == Family::kOkp || a.family == Family::kMlDsa);
}
inline bool HasSeed(const Algorithm& a) { return a.seedMagic != 0; }
inline bool IsSized(const Algorithm& a) { return a.lengths.max != 0; }

// The blob magics of a DSA key of `bits` (v1 up to 1024 bits, FIPS 186-2; v2 above).
inline void DsaMagics(uint32_t bits, uint32_t* pub, uint32_t* priv) {
  bool v2 = bits > 1024;
  *pub = v2 ? blob::kDsaPublicV2 : blob::kDsaPublic;
  *priv = v2 ? blob::kDsaPrivateV2 : blob::kDsaPrivate;
}

// The fields every backend's plan of a key has, from its row: row, family,
// blob magics (the DSA ones by `bits`), coordinate size, parameter set.
template <typename Plan>
void FillPlan(const Algorithm& a, uint32_t bits, Plan* p) {
  p->row = &a;
  p->family = a.family;
  p->pubMagic = a.pubMagic;
  p->privMagic = a.privMagic;
  p->seedMagic = a.seedMagic;
  p->cbKey = a.cbKey;
  p->parameterSet = a.parameterSet;
  if (a.family == Family::kDsa) DsaMagics(bits, &p->pubMagic, &p->privMagic);
}

// --- lookup -------------------------------------------------------------------------

inline bool Same(const char* a, const std::string& b) { return a == nullptr ? b.empty() : b == a; }

// The row of a spec's (algorithm, curve, parameter set), or nullptr. The curve
// is read for the generic ECDSA / ECDH / EdDSA rows only, the parameter set for
// ML-DSA / ML-KEM only (as the TypeScript layer sends them).
inline const Algorithm* Find(const KeySpec& spec) {
  for (const Algorithm& a : kAlgorithms) {
    if (spec.algorithm != a.algorithm) continue;
    if (a.curve != nullptr && !Same(a.curve, spec.curve)) continue;
    if (a.parameterSet != nullptr && !Same(a.parameterSet, spec.parameterSet)) continue;
    return &a;
  }
  return nullptr;
}

inline Status Unknown(const KeySpec& spec, const char* backend) {
  return Status::Fail("ERR_UNSUPPORTED_ALGORITHM", std::string("no such algorithm for the ") + backend + " backend: " +
                                                       spec.algorithm + (spec.curve.empty() ? "" : " / " + spec.curve) +
                                                       (spec.parameterSet.empty() ? "" : " / " + spec.parameterSet));
}

// --- the re-checks of a generation request -------------------------------------------

// A generated key's length against the row's rule (sized rows only).
inline Status CheckLength(const Algorithm& a, uint32_t bits) {
  if (!IsSized(a)) return Status::Ok();
  const Range& r = a.lengths;
  if (bits < r.min || bits > r.max || bits % r.step != 0) {
    return Status::Fail("ERR_KEY_LENGTH", std::string(a.label) + " length must be " + std::to_string(r.min) + " to " +
                                              std::to_string(r.max) + " bits, a multiple of " + std::to_string(r.step) +
                                              " (got " + std::to_string(bits) + ")");
  }
  return Status::Ok();
}

// An imported key's size: within the row's bounds, any step.
inline Status CheckImportedLength(const Algorithm& a, uint32_t bits) {
  if (!IsSized(a) || (bits >= a.lengths.min && bits <= a.lengths.max)) return Status::Ok();
  return Status::Fail("ERR_KEY_LENGTH", std::string(a.label) + " keys of " + std::to_string(a.lengths.min) + " to " +
                                            std::to_string(a.lengths.max) + " bits can be imported (got " +
                                            std::to_string(bits) + ")");
}

// The RSA public exponent when none is given (node's and CNG's).
constexpr uint32_t kDefaultPublicExponent = 65537;

// The DSA q sizes FIPS 186-4 pairs with a length L: 160 up to 1024 bits
// (FIPS 186-2 keys), 224 or 256 for 2048, 256 for the other sizes above 1024.
// `divisorLength` 0 is the default of the size.
inline uint32_t DefaultDivisorLength(uint32_t bits) { return bits > 1024 ? 256 : 160; }
inline bool DivisorLengthFits(uint32_t bits, uint32_t divisorLength) {
  return divisorLength == DefaultDivisorLength(bits) || (bits == 2048 && divisorLength == 224);
}

// Length, seed and generation options of a spec, against its row: what the
// TypeScript layer has already checked, re-checked because passing it on
// would be unsafe (Wine aborts on odd RSA sizes) or would silently do
// something else (an option for another algorithm).
inline Status CheckGenerate(const Algorithm& a, const KeySpec& spec) {
  Status s = CheckLength(a, spec.length);
  if (!s.ok) return s;
  if (!spec.seed.empty() && (!HasSeed(a) || spec.seed.size() != a.seedLength)) {
    return Status::Fail("ERR_INVALID_REQUEST", std::string("seed not valid for ") + a.label);
  }
  if (spec.publicExponent != 0 && a.family != Family::kRsa) {
    return Status::Fail("ERR_INVALID_REQUEST", std::string("publicExponent is for RSA keys, not ") + a.label);
  }
  if (spec.publicExponent != 0 && (spec.publicExponent < 3 || spec.publicExponent % 2 == 0)) {
    return Status::Fail("ERR_INVALID_REQUEST", "the RSA public exponent must be odd and at least 3");
  }
  if (!spec.group.empty()) {
    if (a.family != Family::kDh) {
      return Status::Fail("ERR_INVALID_REQUEST", std::string("group is for DH keys, not ") + a.label);
    }
    const DhGroup* g = FindDhGroupByName(spec.group);
    if (g == nullptr) return Status::Fail("ERR_INVALID_REQUEST", "unknown DH group '" + spec.group + "'");
    if (g->bits != spec.length) {
      return Status::Fail("ERR_KEY_LENGTH", "the DH group " + spec.group + " is " + std::to_string(g->bits) +
                                                " bits, not " + std::to_string(spec.length));
    }
  }
  if (spec.divisorLength != 0) {
    if (a.family != Family::kDsa) {
      return Status::Fail("ERR_INVALID_REQUEST", std::string("divisorLength is for DSA keys, not ") + a.label);
    }
    if (!DivisorLengthFits(spec.length, spec.divisorLength)) {
      return Status::Fail("ERR_KEY_LENGTH", "a DSA-" + std::to_string(spec.length) + " key has no " +
                                                std::to_string(spec.divisorLength) + "-bit q");
    }
  }
  return Status::Ok();
}

}  // namespace alg
}  // namespace pk
