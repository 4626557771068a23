// The CNG blob layouts (docs/design.md "Blob layouts"): magic numbers and a small
// writer. Header fields are little-endian ULONGs; integers after the header
// are big-endian, left-padded to their field width. Platform-neutral: the
// OpenSSL backend writes blobs with it; the CNG backend gets the same bytes
// from BCryptExportKey and uses only the constants.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "backend.h"

namespace pk {
namespace blob {

// RSA (BCRYPT_RSAKEY_BLOB)
constexpr uint32_t kRsaPublic = 0x31415352;       // RSA1
constexpr uint32_t kRsaPrivate = 0x32415352;      // RSA2
constexpr uint32_t kRsaFullPrivate = 0x33415352;  // RSA3
// ECC (BCRYPT_ECCKEY_BLOB): ECDSA P-256/384/521 public, private
constexpr uint32_t kEcdsaP256Public = 0x31534345;   // ECS1
constexpr uint32_t kEcdsaP256Private = 0x32534345;  // ECS2
constexpr uint32_t kEcdsaP384Public = 0x33534345;   // ECS3
constexpr uint32_t kEcdsaP384Private = 0x34534345;  // ECS4
constexpr uint32_t kEcdsaP521Public = 0x35534345;   // ECS5
constexpr uint32_t kEcdsaP521Private = 0x36534345;  // ECS6
constexpr uint32_t kEcdhP256Public = 0x314B4345;    // ECK1
constexpr uint32_t kEcdhP256Private = 0x324B4345;   // ECK2
constexpr uint32_t kEcdhP384Public = 0x334B4345;    // ECK3
constexpr uint32_t kEcdhP384Private = 0x344B4345;   // ECK4
constexpr uint32_t kEcdhP521Public = 0x354B4345;    // ECK5
constexpr uint32_t kEcdhP521Private = 0x364B4345;   // ECK6
// ECC named curve (generic): the curve is known from the spec
constexpr uint32_t kEcdsaPublicGeneric = 0x50444345;   // ECDP
constexpr uint32_t kEcdsaPrivateGeneric = 0x56444345;  // ECDV
constexpr uint32_t kEcdhPublicGeneric = 0x504B4345;    // ECKP
constexpr uint32_t kEcdhPrivateGeneric = 0x564B4345;   // ECKV
// DSA (BCRYPT_DSA_KEY_BLOB, BCRYPT_DSA_KEY_BLOB_V2)
constexpr uint32_t kDsaPublic = 0x42505344;     // DSPB
constexpr uint32_t kDsaPrivate = 0x56505344;    // DSPV
constexpr uint32_t kDsaPublicV2 = 0x32425044;   // DPB2
constexpr uint32_t kDsaPrivateV2 = 0x32565044;  // DPV2
// DH (BCRYPT_DH_KEY_BLOB)
constexpr uint32_t kDhPublic = 0x42504844;   // DHPB
constexpr uint32_t kDhPrivate = 0x56504844;  // DHPV
// ML-DSA (BCRYPT_PQDSA_KEY_BLOB)
constexpr uint32_t kMlDsaPublic = 0x4B505344;       // DSPK
constexpr uint32_t kMlDsaPrivate = 0x4B535344;      // DSSK
constexpr uint32_t kMlDsaPrivateSeed = 0x53535344;  // DSSS
// ML-KEM (BCRYPT_MLKEM_KEY_BLOB)
constexpr uint32_t kMlKemPublic = 0x504B4C4D;       // MLKP
constexpr uint32_t kMlKemPrivate = 0x524B4C4D;      // MLKR
constexpr uint32_t kMlKemPrivateSeed = 0x534B4C4D;  // MLKS

// DSA v2 header enums (HASHALGORITHM_ENUM, DSAFIPSVERSION_ENUM)
constexpr uint32_t kDsaHashSha1 = 0;
constexpr uint32_t kDsaHashSha256 = 1;
constexpr uint32_t kDsaHashSha512 = 2;
constexpr uint32_t kDsaFips186_2 = 0;
constexpr uint32_t kDsaFips186_3 = 1;

// Sequential writer over a SecureBytes of a size computed up front. Every
// write is bounds-checked; a failed write poisons the writer (ok() == false)
// rather than overrunning.
class Writer {
 public:
  explicit Writer(SecureBytes* out) : out_(out) {}
  void U32le(uint32_t v) {
    uint8_t* p = Take(4);
    if (p == nullptr) return;
    p[0] = static_cast<uint8_t>(v);
    p[1] = static_cast<uint8_t>(v >> 8);
    p[2] = static_cast<uint8_t>(v >> 16);
    p[3] = static_cast<uint8_t>(v >> 24);
  }
  void U32be(uint32_t v) {
    uint8_t* p = Take(4);
    if (p == nullptr) return;
    p[0] = static_cast<uint8_t>(v >> 24);
    p[1] = static_cast<uint8_t>(v >> 16);
    p[2] = static_cast<uint8_t>(v >> 8);
    p[3] = static_cast<uint8_t>(v);
  }
  void Bytes(const uint8_t* src, size_t n) {
    uint8_t* p = Take(n);
    if (p != nullptr && n != 0) std::memcpy(p, src, n);
  }
  void Fill(uint8_t v, size_t n) {
    uint8_t* p = Take(n);
    if (p != nullptr && n != 0) std::memset(p, v, n);
  }
  // The PQ blobs' parameter-set name: UTF-16LE with its NUL terminator.
  void Utf16z(const char* ascii) {
    for (const char* c = ascii; *c != '\0'; ++c) {
      uint8_t* p = Take(2);
      if (p == nullptr) return;
      p[0] = static_cast<uint8_t>(*c);
      p[1] = 0;
    }
    Fill(0, 2);
  }
  // Reserves n bytes for the caller to fill (e.g. BN_bn2binpad).
  uint8_t* Take(size_t n) {
    if (!ok_ || n > out_->size() - pos_) {
      ok_ = false;
      return nullptr;
    }
    uint8_t* p = out_->data() + pos_;
    pos_ += n;
    return p;
  }
  bool ok() const { return ok_ && pos_ == out_->size(); }

 private:
  SecureBytes* out_;
  size_t pos_ = 0;
  bool ok_ = true;
};

inline size_t Utf16zSize(const char* ascii) { return (std::strlen(ascii) + 1) * 2; }

}  // namespace blob
}  // namespace pk
