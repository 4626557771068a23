/** Spec validation: a KeySpec checked against the key-length table and turned into a native spec. */

import { describeValue, InvalidRequestError, UnsupportedAlgorithmError } from '../errors.js'
import type { KeyInfo } from '../keypair.js'
import { NATIVE_CURVE, type NativeSpec } from '../native.js'
import { type Algorithm, type Curve, isAlgorithm, keyLengthTable, resolveCurve } from '../registry.js'
import { GENERATION_OPTION_KEYS, type GenerationOptions, resolveGenerationOptions } from './options.js'

/** A key spec; RSA, DH and DSA take generation options (src/generate/options.ts). */
export interface KeySpec extends GenerationOptions {
  /** A CNG algorithm id (RSA, DSA, DH, ECDSA_P256, …, ECDSA, ECDH, EdDSA, ML-DSA, ML-KEM). */
  algorithm: Algorithm | string
  /** Bits; may be omitted where the algorithm or curve fixes it. */
  length?: number
  /** ECDSA / ECDH / EdDSA: P-256, P-384, P-521, secp256k1, X25519, X448, Ed25519, Ed448 (CNG spellings too). */
  curve?: Curve | string
  /** ML-DSA: 44, 65, 87; ML-KEM: 512, 768, 1024 (or 'ML-KEM-768'). */
  parameterSet?: string | number
  /** Deterministic generation: 32 bytes (ML-DSA ξ) or 64 bytes (ML-KEM d‖z). */
  seed?: Uint8Array
  /** ML-KEM only: BCRYPT_NO_KEY_VALIDATION on CNG (no effect with OpenSSL). */
  noKeyValidation?: boolean
  /** false: private material never leaves the native layer. Default true. */
  extractable?: boolean
  /**
   * Run the provider's pairwise consistency check on the new key before it is
   * returned (OpenSSL: EVP_PKEY_pairwise_check; CNG: sign/verify, agreement
   * with a peer, or encapsulate/decapsulate). A failure rejects with ERR_PROVIDER.
   */
  validate?: boolean
}

export const SPEC_KEYS = [
  'algorithm',
  'length',
  'curve',
  'parameterSet',
  'seed',
  'noKeyValidation',
  'extractable',
  'validate',
]

export interface ResolvedSpec extends Omit<KeyInfo, 'provider'> {
  readonly native: NativeSpec
  readonly extractable: boolean
}

/** Validates a spec against the key-length table; throws typed errors. */
export function resolveSpec(spec: KeySpec): ResolvedSpec {
  if (typeof spec !== 'object' || spec === null) throw new InvalidRequestError('the key spec must be an object')
  for (const k of Object.keys(spec)) {
    // (a spec with generation options is never kept by spec-cache.ts: their keys are not in SPEC_KEYS)
    if (!SPEC_KEYS.includes(k) && !GENERATION_OPTION_KEYS.includes(k)) {
      throw new InvalidRequestError(`unknown key spec option "${k}"`)
    }
  }
  if (!isAlgorithm(spec.algorithm)) {
    throw new UnsupportedAlgorithmError(
      `unknown algorithm ${describeValue(spec.algorithm)}: one of ${Object.keys(keyLengthTable).join(', ')}`,
    )
  }
  const { algorithm, curve } = resolveCurve(spec.algorithm, spec.curve)
  const { length, native: options } = resolveGenerationOptions(algorithm, spec, curve)
  const row = keyLengthTable[algorithm]

  let parameterSet: string | undefined
  if (row.parameterSets) {
    if (spec.parameterSet === undefined) {
      throw new InvalidRequestError(`${algorithm} needs a parameterSet: ${row.parameterSets.join(', ')}`)
    }
    if (typeof spec.parameterSet !== 'string' && typeof spec.parameterSet !== 'number') {
      throw new InvalidRequestError('parameterSet must be a string or a number')
    }
    const set = String(spec.parameterSet).replace(new RegExp(`^${algorithm}-`), '')
    if (!row.parameterSets.includes(set)) {
      throw new UnsupportedAlgorithmError(
        `unknown ${algorithm} parameter set ${describeValue(spec.parameterSet)}: ${row.parameterSets.join(', ')}`,
      )
    }
    parameterSet = set
  } else if (spec.parameterSet !== undefined) {
    throw new InvalidRequestError(`${algorithm} takes no parameterSet`)
  }

  if (spec.extractable !== undefined && typeof spec.extractable !== 'boolean') {
    throw new InvalidRequestError('extractable must be a boolean')
  }
  if (spec.validate !== undefined && typeof spec.validate !== 'boolean') {
    throw new InvalidRequestError('validate must be a boolean')
  }
  if (spec.noKeyValidation !== undefined && typeof spec.noKeyValidation !== 'boolean') {
    throw new InvalidRequestError('noKeyValidation must be a boolean')
  }
  if (spec.noKeyValidation && !row.noKeyValidation) {
    throw new InvalidRequestError('noKeyValidation (BCRYPT_NO_KEY_VALIDATION) is only for ML-KEM')
  }
  let seed: Uint8Array | undefined
  if (spec.seed !== undefined) {
    const want = row.seedBytes
    if (want === undefined) {
      throw new InvalidRequestError('a seed is only for ML-DSA (32 bytes) and ML-KEM (64 bytes)')
    }
    if (!(spec.seed instanceof Uint8Array) || spec.seed.length !== want) {
      throw new InvalidRequestError(`the ${algorithm} seed must be a Uint8Array of ${want} bytes`)
    }
    seed = spec.seed
  }

  const extractable = spec.extractable ?? true
  const nativeSpec: NativeSpec = { algorithm, length, extractable, ...options }
  if (curve !== undefined && keyLengthTable[algorithm].rule.kind === 'curve') nativeSpec.curve = NATIVE_CURVE[curve]
  if (parameterSet !== undefined) nativeSpec.parameterSet = parameterSet
  if (seed !== undefined) nativeSpec.seed = seed
  if (spec.noKeyValidation) nativeSpec.noKeyValidation = true
  if (spec.validate) nativeSpec.validate = true
  const resolved: ResolvedSpec = { algorithm, length, native: nativeSpec, extractable }
  if (curve !== undefined) Object.assign(resolved, { curve })
  if (parameterSet !== undefined) Object.assign(resolved, { parameterSet })
  return resolved
}
