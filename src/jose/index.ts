/**
 * The jose v6 drop-in: generateKeyPair and generateSecret backed by the
 * platform's crypto, and SignJWT / CompactSign / compactDecrypt / jwtDecrypt
 * with the key operation on a platform KeyPair.
 */
export {
  type CompactDecryptResult,
  compactDecrypt,
  type JweKeyAlgorithm,
  type JwtDecryptResult,
  jwtDecrypt,
} from './decrypt.js'
export {
  type GenerateKeyPairAlgorithm,
  type GenerateKeyPairOptions,
  type GenerateKeyPairResult,
  generateKeyPair,
  type JwkPairResult,
  type KeyObjectPairResult,
  type KeyPairResultType,
  type PlatformKeyPairResult,
} from './generate-key-pair.js'
export {
  type GeneratedSecret,
  type GenerateSecretAlgorithm,
  type GenerateSecretOptions,
  generateSecret,
} from './generate-secret.js'
export { CompactSign, type JwsAlgorithm, SignJWT } from './sign.js'
