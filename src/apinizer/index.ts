/** The Apinizer-style "generate JWK" request. */
export type {
  CurveType,
  EcCurveType,
  JwkType,
  KeyIdType,
  KeyUseType,
  OkpCurveType,
} from './algorithms.js'
export {
  type EcParameters,
  type GenerateJwkOptions,
  type GenerateJwkRequest,
  type GenerateJwkResult,
  generateJwk,
  type JwkMetadata,
  type JwkStoreLike,
  type KeyParameters,
  keyId,
  type OctParameters,
  type OkpParameters,
  type RsaParameters,
} from './generate-jwk.js'
