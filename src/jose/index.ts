/** The jose v6 drop-in: generateKeyPair and generateSecret backed by the platform's crypto. */
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
