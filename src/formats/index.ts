/**
 * platform-keygen/formats: the format converters the key objects use, for
 * code that works on key material itself (a CNG blob, DER, PEM, a JWK,
 * OpenSSH). The main export (platform-keygen) has what most callers need —
 * keys export themselves (KeyPair.export, PublicKey.export), readKey reads key
 * files — so these live behind this subpath, in both the ESM and the CommonJS
 * build.
 */

export {
  type BlobHint,
  type BlobKind,
  type ParsedBlob,
  // The public parser validates what a blob claims; the unchecked one is for the native layer's own blobs.
  parseBlobChecked as parseBlob,
  writeBlob,
} from './blob.js'
export { type Jwk, jwkToMaterial, materialToJwk, publicJwk } from './jwk.js'
export type {
  DhMaterial,
  DsaMaterial,
  EcCurve,
  EcMaterial,
  KeyMaterial,
  MlDsaMaterial,
  MlDsaSet,
  MlKemMaterial,
  MlKemSet,
  OkpCurve,
  OkpMaterial,
  RsaMaterial,
} from './material.js'
export { toOpenSsh } from './openssh.js'
export { type PrivateType, type PublicType, privateKeyDer, publicKeyDer, toPem } from './pkcs.js'
