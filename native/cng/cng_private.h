// Private to the Windows backend (native/cng/): the seam between the CNG
// key of backend_cng.cc and the NCrypt stores of ncrypt_store.cc.
//
// A key kept by a key storage provider is a CngKey whose public half is a
// BCrypt key (imported from the public blob the provider exports, so every
// check, digest, padding and encoding of the operations is the one CngKey
// already has) and whose private primitives go to the provider through a
// PrivateHalf. docs/design.md "Keys kept by the platform" says why the
// platform's folder holds two files.
#pragma once

#include <windows.h>

#include <cstdint>
#include <memory>

#include "../backend.h"

namespace pk {
namespace cng {

// The private operations of a key that lives in a provider. Each may run on
// several threadpool threads at once (the implementation serialises what its
// provider needs serialised) and returns the provider's status: 0 on success,
// an NTSTATUS or SECURITY_STATUS (NTE_*) otherwise — both negative on failure,
// so BCRYPT_SUCCESS() tells them apart.
class PrivateHalf {
 public:
  PrivateHalf() = default;
  virtual ~PrivateHalf() = default;
  PrivateHalf(const PrivateHalf&) = delete;
  PrivateHalf& operator=(const PrivateHalf&) = delete;

  // BCryptSignHash's contract: pad is BCRYPT_PKCS1_PADDING_INFO /
  // BCRYPT_PSS_PADDING_INFO / null, flags BCRYPT_PAD_* (NCrypt takes the same
  // structures and flag values); sig null asks for the size.
  virtual LONG SignHash(void* pad, PUCHAR hash, ULONG cbHash, PUCHAR sig, ULONG cbSig, ULONG* written,
                        ULONG flags) const = 0;
  // BCryptDecrypt's contract without the IV (RSA-OAEP: pad is
  // BCRYPT_OAEP_PADDING_INFO, flags BCRYPT_PAD_OAEP).
  virtual LONG Decrypt(PUCHAR in, ULONG cbIn, void* pad, PUCHAR out, ULONG cbOut, ULONG* written,
                       ULONG flags) const = 0;
  // ECDH with the peer's public key (a BCRYPT_ECCPUBLIC_BLOB with an ECDH
  // magic): the raw shared secret as BCRYPT_KDF_RAW_SECRET gives it
  // (little-endian). Errors are complete Status values.
  virtual Status Agree(const SecureBytes& peerPublicBlob, SecureBytes* raw) const = 0;
};

// A Key over `publicBlob` (the provider's export, in the blob layouts of
// docs/design.md) whose private operations go to `half`. spec names the
// algorithm as for Generate (RSA, ECDSA_P256, ..., ECDH_P521); `where` is
// added to the key's label for messages ("software store key 'api'").
// *half is taken (moved into the Key) on success only, so that a caller can
// still undo what it made. Defined in backend_cng.cc.
Status KeyWithPrivateHalf(const KeySpec& spec, const SecureBytes& publicBlob, const std::string& where,
                          std::unique_ptr<const PrivateHalf>* half, std::unique_ptr<Key>* out);

// The name of an NTSTATUS or NTE_* status ("NTE_NOT_SUPPORTED"), from the
// backend's table; "unknown NTSTATUS" for others. Defined in backend_cng.cc.
const char* StatusName(uint32_t status);

}  // namespace cng
}  // namespace pk
