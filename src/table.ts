/**
 * The key-length table: BCryptGenerateKeyPair's documented rules, the same on
 * every platform, as data (so a UI can show it) plus one validator. A request
 * the table refuses never reaches native code.
 */
import { describeValue, InvalidRequestError, KeyLengthError, UnsupportedAlgorithmError } from './errors.js'

/** CNG algorithm identifiers, plus the generic ECDSA / ECDH / EdDSA with a named curve. */
export type Algorithm =
  | 'DH'
  | 'DSA'
  | 'RSA'
  | 'ECDSA_P256'
  | 'ECDSA_P384'
  | 'ECDSA_P521'
  | 'ECDH_P256'
  | 'ECDH_P384'
  | 'ECDH_P521'
  | 'ECDSA'
  | 'ECDH'
  | 'EdDSA'
  | 'ML-DSA'
  | 'ML-KEM'

/** Curve names as JOSE spells them. */
export type Curve = 'P-256' | 'P-384' | 'P-521' | 'secp256k1' | 'X25519' | 'X448' | 'Ed25519' | 'Ed448'

export type LengthRule =
  | { readonly kind: 'range'; readonly min: number; readonly max: number; readonly multipleOf: number }
  | { readonly kind: 'fixed'; readonly length: number }
  | { readonly kind: 'curve'; readonly lengths: Readonly<Partial<Record<Curve, number>>> }

export interface KeyLengthRow {
  readonly algorithm: Algorithm
  readonly rule: LengthRule
  /** Curve of the fixed-curve algorithms. */
  readonly curve?: Curve
  /** ML-DSA / ML-KEM parameter sets (a separate property, set before finalize). */
  readonly parameterSets?: readonly string[]
  /** Whether BCRYPT_NO_KEY_VALIDATION may be asked for. */
  readonly noKeyValidation: boolean
  readonly note: string
}

const row = (r: KeyLengthRow): KeyLengthRow => Object.freeze(r)

export const keyLengthTable: Readonly<Record<Algorithm, KeyLengthRow>> = Object.freeze({
  DH: row({
    algorithm: 'DH',
    rule: { kind: 'range', min: 512, max: 4096, multipleOf: 64 },
    noKeyValidation: false,
    note: 'RFC 2409/3526/7919 groups for 768, 1024, 1536, 2048, 3072, 4096; other sizes generate a safe prime (slow)',
  }),
  DSA: row({
    algorithm: 'DSA',
    rule: { kind: 'range', min: 512, max: 3072, multipleOf: 64 },
    noKeyValidation: false,
    note: '≤ 1024: FIPS 186-2 (q 160 bits); above: FIPS 186-3 (q 256 bits). Windows before 8: 512…1024',
  }),
  RSA: row({
    algorithm: 'RSA',
    rule: { kind: 'range', min: 512, max: 16384, multipleOf: 64 },
    noKeyValidation: false,
    note: 'public exponent 65537',
  }),
  ECDSA_P256: row({
    algorithm: 'ECDSA_P256',
    rule: { kind: 'fixed', length: 256 },
    curve: 'P-256',
    noKeyValidation: false,
    note: 'NIST P-256',
  }),
  ECDSA_P384: row({
    algorithm: 'ECDSA_P384',
    rule: { kind: 'fixed', length: 384 },
    curve: 'P-384',
    noKeyValidation: false,
    note: 'NIST P-384',
  }),
  ECDSA_P521: row({
    algorithm: 'ECDSA_P521',
    rule: { kind: 'fixed', length: 521 },
    curve: 'P-521',
    noKeyValidation: false,
    note: 'NIST P-521',
  }),
  ECDH_P256: row({
    algorithm: 'ECDH_P256',
    rule: { kind: 'fixed', length: 256 },
    curve: 'P-256',
    noKeyValidation: false,
    note: 'NIST P-256',
  }),
  ECDH_P384: row({
    algorithm: 'ECDH_P384',
    rule: { kind: 'fixed', length: 384 },
    curve: 'P-384',
    noKeyValidation: false,
    note: 'NIST P-384',
  }),
  ECDH_P521: row({
    algorithm: 'ECDH_P521',
    rule: { kind: 'fixed', length: 521 },
    curve: 'P-521',
    noKeyValidation: false,
    note: 'NIST P-521',
  }),
  ECDSA: row({
    algorithm: 'ECDSA',
    rule: { kind: 'curve', lengths: { 'P-256': 256, 'P-384': 384, 'P-521': 521, secp256k1: 256 } },
    noKeyValidation: false,
    note: 'named curve (BCRYPT_ECC_CURVE_NAME); the NIST curves resolve to ECDSA_P256/P384/P521',
  }),
  ECDH: row({
    algorithm: 'ECDH',
    rule: {
      kind: 'curve',
      lengths: { 'P-256': 256, 'P-384': 384, 'P-521': 521, secp256k1: 256, X25519: 255, X448: 448 },
    },
    noKeyValidation: false,
    note: 'named curve; X25519 is CNG curve25519; X448 is an extension CNG lacks',
  }),
  EdDSA: row({
    algorithm: 'EdDSA',
    rule: { kind: 'curve', lengths: { Ed25519: 255, Ed448: 448 } },
    noKeyValidation: false,
    note: 'an extension CNG lacks (OpenSSL backend only)',
  }),
  'ML-DSA': row({
    algorithm: 'ML-DSA',
    rule: { kind: 'fixed', length: 0 },
    parameterSets: Object.freeze(['44', '65', '87']),
    noKeyValidation: false,
    note: 'FIPS 204; length is 0, the parameter set is separate',
  }),
  'ML-KEM': row({
    algorithm: 'ML-KEM',
    rule: { kind: 'fixed', length: 0 },
    parameterSets: Object.freeze(['512', '768', '1024']),
    noKeyValidation: true,
    note: 'FIPS 203; length is 0, the parameter set is separate',
  }),
})

const CURVE_ALIASES: Readonly<Record<string, Curve>> = {
  'P-256': 'P-256',
  P256: 'P-256',
  nistP256: 'P-256',
  secp256r1: 'P-256',
  prime256v1: 'P-256',
  'P-384': 'P-384',
  P384: 'P-384',
  nistP384: 'P-384',
  secp384r1: 'P-384',
  'P-521': 'P-521',
  P521: 'P-521',
  nistP521: 'P-521',
  secp521r1: 'P-521',
  secp256k1: 'secp256k1',
  secP256k1: 'secp256k1',
  X25519: 'X25519',
  curve25519: 'X25519',
  X448: 'X448',
  curve448: 'X448',
  Ed25519: 'Ed25519',
  Ed448: 'Ed448',
}

/** Curve → the CNG curve name (or the extension id for what CNG lacks). */
export const NATIVE_CURVE: Readonly<Record<Curve, string>> = {
  'P-256': 'nistP256',
  'P-384': 'nistP384',
  'P-521': 'nistP521',
  secp256k1: 'secP256k1',
  X25519: 'curve25519',
  X448: 'curve448',
  Ed25519: 'Ed25519',
  Ed448: 'Ed448',
}

const FIXED_CURVE_ALGORITHM: Readonly<Record<string, Algorithm>> = {
  'ECDSA:P-256': 'ECDSA_P256',
  'ECDSA:P-384': 'ECDSA_P384',
  'ECDSA:P-521': 'ECDSA_P521',
  'ECDH:P-256': 'ECDH_P256',
  'ECDH:P-384': 'ECDH_P384',
  'ECDH:P-521': 'ECDH_P521',
}

export function isAlgorithm(a: unknown): a is Algorithm {
  return typeof a === 'string' && Object.hasOwn(keyLengthTable, a)
}

/** The JOSE name of a curve in any spelling (JOSE, CNG, OpenSSL), or undefined. */
export function curveName(curve: unknown): Curve | undefined {
  return typeof curve === 'string' && Object.hasOwn(CURVE_ALIASES, curve) ? CURVE_ALIASES[curve] : undefined
}

/** Normalises a curve name (JOSE, CNG or OpenSSL spelling) or throws ERR_UNSUPPORTED_ALGORITHM. */
export function normalizeCurve(curve: unknown): Curve {
  const c = curveName(curve)
  if (!c) throw new UnsupportedAlgorithmError(`unknown curve ${describeValue(curve)}`)
  return c
}

/** Resolves ECDSA/ECDH + a NIST curve to the fixed-curve algorithm, and checks the pair. */
export function resolveCurve(algorithm: Algorithm, curve: unknown): { algorithm: Algorithm; curve?: Curve } {
  const r = keyLengthTable[algorithm]
  if (curve === undefined) {
    if (r.rule.kind === 'curve') {
      const names = Object.keys(r.rule.lengths).join(', ')
      throw new InvalidRequestError(`${algorithm} needs a curve: one of ${names}`)
    }
    return r.curve ? { algorithm, curve: r.curve } : { algorithm }
  }
  const c = normalizeCurve(curve)
  if (r.curve) {
    if (r.curve !== c) throw new InvalidRequestError(`${algorithm} is on ${r.curve}, not ${c}`)
    return { algorithm, curve: c }
  }
  if (r.rule.kind !== 'curve') throw new InvalidRequestError(`${algorithm} takes no curve`)
  if (!(c in r.rule.lengths)) {
    throw new UnsupportedAlgorithmError(
      `${c} is not a curve for ${algorithm} (${Object.keys(r.rule.lengths).join(', ')})`,
    )
  }
  const fixed = FIXED_CURVE_ALGORITHM[`${algorithm}:${c}`]
  return fixed ? { algorithm: fixed, curve: c } : { algorithm, curve: c }
}

function describe(rule: LengthRule): string {
  if (rule.kind === 'range') return `${rule.min}…${rule.max}, a multiple of ${rule.multipleOf}`
  if (rule.kind === 'fixed') return `exactly ${rule.length}`
  return 'fixed by the curve'
}

/**
 * The validator. Returns the normalised length (the fixed length where the
 * algorithm or curve fixes it and none was given) or throws ERR_KEY_LENGTH;
 * an unknown algorithm throws ERR_UNSUPPORTED_ALGORITHM.
 */
export function checkKeyLength(algorithm: string, length?: unknown, options: { curve?: unknown } = {}): number {
  if (!isAlgorithm(algorithm)) {
    throw new UnsupportedAlgorithmError(
      `unknown algorithm ${describeValue(algorithm)}: one of ${Object.keys(keyLengthTable).join(', ')}`,
    )
  }
  const resolved = options.curve === undefined ? { algorithm } : resolveCurve(algorithm, options.curve)
  const rule = keyLengthTable[resolved.algorithm].rule
  let expected: number | undefined
  if (rule.kind === 'fixed') expected = rule.length
  if (rule.kind === 'curve') {
    if (resolved.curve === undefined) {
      throw new InvalidRequestError(`${algorithm} needs a curve to know its length`)
    }
    expected = rule.lengths[resolved.curve]
  }
  if (length === undefined) {
    if (expected !== undefined) return expected
    throw new KeyLengthError(`${algorithm} needs a length: ${describe(rule)}`)
  }
  if (typeof length !== 'number' || !Number.isInteger(length)) {
    throw new KeyLengthError(`${algorithm} length must be an integer number of bits, got ${describeValue(length)}`)
  }
  if (expected !== undefined) {
    if (length !== expected) throw new KeyLengthError(`${resolved.algorithm} length must be ${expected}, got ${length}`)
    return length
  }
  if (rule.kind === 'range') {
    if (length < rule.min || length > rule.max || length % rule.multipleOf !== 0) {
      throw new KeyLengthError(`${algorithm} length must be ${describe(rule)}; got ${length}`)
    }
  }
  return length
}
