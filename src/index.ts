/**
 * platform-keygen: OS-backed key generation for Node.js — Windows CNG or
 * OpenSSL EVP underneath, JWK / PEM / DER / OpenSSH on top.
 *
 * The format converters (parseBlob, writeBlob, materialToJwk, jwkToMaterial,
 * privateKeyDer, publicKeyDer, toPem, toOpenSsh) are the subpath
 * platform-keygen/formats (src/formats/index.ts).
 */

export {
  type CurveType,
  type EcCurveType,
  type EcParameters,
  type GenerateJwkOptions,
  type GenerateJwkRequest,
  type GenerateJwkResult,
  generateJwk,
  type JwkMetadata,
  type JwkStoreLike,
  type JwkType,
  type KeyIdType,
  type KeyParameters,
  type KeyUseType,
  keyId,
  type OctParameters,
  type OkpCurveType,
  type OkpParameters,
  type RsaParameters,
} from './apinizer/index.js'
export {
  BadPassphraseError,
  DecryptionFailedError,
  type ErrorCode,
  InvalidBlobError,
  InvalidKeyError,
  InvalidRequestError,
  KeyDestroyedError,
  KeyExistsError,
  KeyLengthError,
  KeyNotFoundError,
  NotExtractableError,
  NotSupportedOnPlatformError,
  PlatformKeygenError,
  ProviderError,
  StoreCorruptError,
  StoreLockedError,
  StoreNotFoundError,
  StorePassphraseError,
  StoreUnavailableError,
  UnsupportedAlgorithmError,
  UnsupportedFormatError,
  UnsupportedOperationError,
} from './errors.js'
export type { Pkcs8Kdf, Pkcs8Protection } from './formats/encrypted-pkcs8.js'
export { type FingerprintDigest, sshFingerprint } from './formats/fingerprint.js'
export { decryptJwe, encryptJwk } from './formats/jwe-pbes2.js'
export { type Jwk, publicJwk } from './formats/jwk.js'
export type { EcCurve, KeyMaterial, MlDsaSet, MlKemSet, OkpCurve } from './formats/material.js'
export { type ReadKeyOptions, readKey } from './formats/read-key.js'
export { jwkThumbprint, jwkThumbprintUri, type ThumbprintDigest } from './formats/thumbprint.js'
export {
  type Capabilities,
  capabilities,
  generateKey,
  generateKeySync,
  generateKeys,
  type KeySpec,
  MAX_KEYS_PER_CALL,
} from './generate/index.js'
export { DH_GROUPS, type DhGroupName, type GenerationOptions } from './generate/options.js'
export { type ImportFormat, type ImportOptions, importKey, importKeySync, type KeyInput } from './import.js'
export {
  type CompactDecryptResult,
  CompactSign,
  compactDecrypt,
  type GeneratedSecret,
  type GenerateKeyPairAlgorithm,
  type GenerateKeyPairOptions,
  type GenerateKeyPairResult,
  type GenerateSecretAlgorithm,
  type GenerateSecretOptions,
  generateKeyPair,
  generateSecret,
  type JweKeyAlgorithm,
  type JwkPairResult,
  type JwsAlgorithm,
  type JwtDecryptResult,
  jwtDecrypt,
  type KeyObjectPairResult,
  type KeyPairResultType,
  type PlatformKeyPairResult,
  SignJWT,
} from './jose/index.js'
export {
  type KeyInfo,
  KeyPair,
  type PrivateExportOptions,
  type Provider,
  type PublicExportOptions,
  PublicKey,
} from './keypair.js'
export type { DecryptOptions, Encapsulation, EncryptOptions, Hash, SignOptions } from './operations/index.js'
export {
  type CertificateOptions,
  type CsrOptions,
  createCertificate,
  createCsr,
  type Encoded,
} from './platform-keys/certificates.js'
export {
  type CreateKeyOptions,
  createKey,
  deleteKey,
  type KeyRef,
  type KeyScope,
  type KeyStoreName,
  type ListedKey,
  listKeys,
  type OpenKeyOptions,
  openKey,
  PlatformKey,
  type StoreCapabilities,
  storeCapabilities,
} from './platform-keys/index.js'
export { type SignJwtOptions, signJwt } from './platform-keys/jwt.js'
export { randomBytes } from './random.js'
export {
  type Algorithm,
  type Curve,
  checkKeyLength,
  type KeyLengthRow,
  keyLengthTable,
  type LengthRule,
} from './registry.js'
export { createServer, type KeygenServer, openServiceStore, type ServerOptions } from './server/index.js'
export {
  JwkStore,
  type JwkStoreEntry,
  type JwkStoreInput,
  type JwkStoreOptions,
  type JwkStoreRecord,
  STORE_FORMAT,
} from './store/index.js'
