/**
 * The algorithm registry: what every algorithm, curve and parameter set is
 * and can do, written once. Everything else reads it: spec validation and the
 * scheduler (src/generate/), the operations' checks (src/operations/), the
 * formats (curve sizes, which formats a key has), the jose drop-in and the
 * Apinizer request (JOSE names, curve spellings), and the CLI.
 *
 * It is a base module: it imports only the error module, so any layer may
 * use it. The names native code is given (CNG curve names and extension ids)
 * are the one thing kept elsewhere: src/native.ts (NATIVE_CURVE).
 *
 * What a CLI (or a UI) uses:
 * - lists for help text: ALGORITHMS, curvesOf(algorithm), CURVES[c].aliases
 *   (every accepted spelling), parameterSetsOf(algorithm), JOSE_ALGORITHMS;
 * - lookups: curveName(spelling) / normalizeCurve(spelling) (any JOSE, CNG or
 *   OpenSSL spelling → the JOSE name), joseAlgorithm(alg) (a JWA name → the
 *   key it needs and how it uses it), specForCurve(curve, 'sign' | 'agree')
 *   (the KeySpec for a curve and a use), keyTraits(algorithm, curve?) (kind,
 *   material type, formats, operations, cost);
 * - the validators: checkKeyLength, resolveCurve (they throw the typed
 *   errors of src/errors.ts).
 *
 * The key-length table (keyLengthTable) is BCryptGenerateKeyPair's
 * documented rules, the same on every platform, as data; a request it
 * refuses never reaches native code.
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
export type EcCurve = 'P-256' | 'P-384' | 'P-521' | 'secp256k1'
export type OkpCurve = 'Ed25519' | 'Ed448' | 'X25519' | 'X448'
export type MlDsaSet = '44' | '65' | '87'
export type MlKemSet = '512' | '768' | '1024'

/** What a key is for: signatures (RSA also encrypts), key agreement, or key encapsulation. */
export type KeyKind = 'sign' | 'agree' | 'kem'

/** How the operations treat a key (src/operations/options.ts). */
export type Role = 'rsa' | 'ecdsa' | 'dsa' | 'eddsa' | 'ml-dsa' | 'agreement' | 'ml-kem'

/** The key material's type (src/formats/material.ts KeyMaterial['type']); the JWK kty follows from it. */
export type MaterialType = 'RSA' | 'EC' | 'OKP' | 'DSA' | 'DH' | 'ML-DSA' | 'ML-KEM'

/**
 * What a key costs to make (src/generate/cost.ts, the scheduler): `slow`
 * (milliseconds to minutes: one threadpool work item each, never the whole
 * pool), `batched` (microseconds: the requests of one turn share work items),
 * `inline` (cheaper than a threadpool round trip: a lone request is made on
 * the JS thread; requests made together are batched).
 */
export type CostClass = 'slow' | 'batched' | 'inline'

export type Operation = 'sign' | 'verify' | 'encrypt' | 'decrypt' | 'deriveBits' | 'encapsulate' | 'decapsulate'

/** The export formats (and, for pem/der, the types) a key has. */
export type KeyFormat = 'blob' | 'pkcs8' | 'spki' | 'pkcs1' | 'sec1' | 'jwk' | 'openssh'

export type LengthRule =
  | { readonly kind: 'range'; readonly min: number; readonly max: number; readonly multipleOf: number }
  | { readonly kind: 'fixed'; readonly length: number }
  | { readonly kind: 'curve'; readonly lengths: Readonly<Partial<Record<Curve, number>>> }

// --- curves ---------------------------------------------------------------------

export interface CurveRow {
  readonly name: Curve
  /** Every other spelling generateKey, importKey and the CLI accept (CNG, OpenSSL, SEC names). */
  readonly aliases: readonly string[]
  /** Apinizer's enum spelling, where its "generate JWK" request has the curve. */
  readonly apinizer?: string
  /** node:crypto's (OpenSSL's) name, for the EC curves createECDH knows. */
  readonly openssl?: string
  readonly material: 'EC' | 'OKP'
  readonly kind: 'sign' | 'agree' | 'both'
  /** The key length in bits, as keyLengthTable reports it. */
  readonly bits: number
  /** Bytes of a coordinate (EC) or of the key (OKP). */
  readonly bytes: number
  /** Whether OpenSSH has the key (as a signing key). */
  readonly openssh: boolean
  readonly cost: CostClass
}

const curve = (r: CurveRow): CurveRow => Object.freeze({ ...r, aliases: Object.freeze([...r.aliases]) })

export const CURVES: Readonly<Record<Curve, CurveRow>> = Object.freeze({
  'P-256': curve({
    name: 'P-256',
    aliases: ['P256', 'nistP256', 'secp256r1', 'prime256v1'],
    apinizer: 'P256',
    openssl: 'prime256v1',
    material: 'EC',
    kind: 'both',
    bits: 256,
    bytes: 32,
    openssh: true,
    cost: 'inline', // about 15 µs with OpenSSL
  }),
  'P-384': curve({
    name: 'P-384',
    aliases: ['P384', 'nistP384', 'secp384r1'],
    apinizer: 'P384',
    openssl: 'secp384r1',
    material: 'EC',
    kind: 'both',
    bits: 384,
    bytes: 48,
    openssh: true,
    cost: 'batched',
  }),
  'P-521': curve({
    name: 'P-521',
    aliases: ['P521', 'nistP521', 'secp521r1'],
    apinizer: 'P521',
    openssl: 'secp521r1',
    material: 'EC',
    kind: 'both',
    bits: 521,
    bytes: 66,
    openssh: true,
    cost: 'batched',
  }),
  secp256k1: curve({
    name: 'secp256k1',
    aliases: ['secP256k1'],
    apinizer: 'SECP256K1',
    openssl: 'secp256k1',
    material: 'EC',
    kind: 'both',
    bits: 256,
    bytes: 32,
    openssh: false,
    cost: 'batched',
  }),
  X25519: curve({
    name: 'X25519',
    aliases: ['curve25519'],
    apinizer: 'X25519',
    material: 'OKP',
    kind: 'agree',
    bits: 255,
    bytes: 32,
    openssh: false,
    cost: 'inline', // 35–40 µs
  }),
  X448: curve({
    name: 'X448',
    aliases: ['curve448'],
    material: 'OKP',
    kind: 'agree',
    bits: 448,
    bytes: 56,
    openssh: false,
    cost: 'batched',
  }),
  Ed25519: curve({
    name: 'Ed25519',
    aliases: [],
    apinizer: 'ED25519',
    material: 'OKP',
    kind: 'sign',
    bits: 255,
    bytes: 32,
    openssh: true,
    cost: 'inline', // 35–40 µs
  }),
  Ed448: curve({
    name: 'Ed448',
    aliases: [],
    material: 'OKP',
    kind: 'sign',
    bits: 448,
    bytes: 57,
    openssh: false,
    cost: 'batched',
  }),
})

const lengthsOf = (curves: readonly Curve[]): Readonly<Partial<Record<Curve, number>>> =>
  Object.fromEntries(curves.map((c) => [c, CURVES[c].bits]))

// --- parameter sets -----------------------------------------------------------------

export interface ParameterSetRow {
  readonly name: string
  /** Public key bytes (FIPS 204 / FIPS 203). */
  readonly pub: number
  /** Expanded private key bytes. */
  readonly priv: number
  readonly cost: CostClass
}

const sets = (rows: ParameterSetRow[]): Readonly<Record<string, ParameterSetRow>> =>
  Object.freeze(Object.fromEntries(rows.map((r) => [r.name, Object.freeze(r)])))

/** The ML-DSA and ML-KEM parameter sets. */
export const PARAMETER_SETS: Readonly<Record<'ML-DSA' | 'ML-KEM', Readonly<Record<string, ParameterSetRow>>>> =
  Object.freeze({
    'ML-DSA': sets([
      { name: '44', pub: 1312, priv: 2560, cost: 'batched' },
      { name: '65', pub: 1952, priv: 4032, cost: 'batched' },
      { name: '87', pub: 2592, priv: 4896, cost: 'batched' },
    ]),
    'ML-KEM': sets([
      { name: '512', pub: 800, priv: 1632, cost: 'inline' }, // 30–50 µs
      { name: '768', pub: 1184, priv: 2400, cost: 'inline' },
      { name: '1024', pub: 1568, priv: 3168, cost: 'batched' },
    ]),
  })

// --- algorithms -----------------------------------------------------------------------

const SIGN_OPS: readonly Operation[] = Object.freeze(['sign', 'verify'])
const AGREE_OPS: readonly Operation[] = Object.freeze(['deriveBits'])

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
  readonly kind: KeyKind
  readonly role: Role
  /** The material type; undefined where the curve decides (ECDH: EC or OKP). */
  readonly material?: MaterialType
  /** What the key's handle does (src/operations/). */
  readonly operations: readonly Operation[]
  /** The cost class; a curve or parameter set may lower it to `inline` (costOf). */
  readonly cost: 'slow' | 'batched'
  /** Bytes of a deterministic-generation seed (ML-DSA ξ, ML-KEM d‖z). */
  readonly seedBytes?: number
}

const row = (r: KeyLengthRow): KeyLengthRow => Object.freeze(r)
const NIST: readonly Curve[] = ['P-256', 'P-384', 'P-521']

const fixedEc = (algorithm: Algorithm, c: 'P-256' | 'P-384' | 'P-521', kind: 'sign' | 'agree'): KeyLengthRow =>
  row({
    algorithm,
    rule: { kind: 'fixed', length: CURVES[c].bits },
    curve: c,
    noKeyValidation: false,
    note: `NIST ${c}`,
    kind,
    role: kind === 'sign' ? 'ecdsa' : 'agreement',
    material: 'EC',
    operations: kind === 'sign' ? SIGN_OPS : AGREE_OPS,
    cost: 'batched',
  })

/** ML-DSA and ML-KEM: length 0, the parameter set separate; only ML-KEM takes noKeyValidation. */
const postQuantum = (algorithm: 'ML-DSA' | 'ML-KEM', fips: string, kind: 'sign' | 'kem', seedBytes: number) =>
  row({
    algorithm,
    rule: { kind: 'fixed', length: 0 },
    parameterSets: Object.freeze(Object.keys(PARAMETER_SETS[algorithm])),
    noKeyValidation: algorithm === 'ML-KEM',
    note: `${fips}; length is 0, the parameter set is separate`,
    kind,
    role: algorithm === 'ML-DSA' ? 'ml-dsa' : 'ml-kem',
    material: algorithm,
    operations: kind === 'sign' ? SIGN_OPS : Object.freeze<Operation[]>(['encapsulate', 'decapsulate']),
    cost: 'batched',
    seedBytes,
  })

export const keyLengthTable: Readonly<Record<Algorithm, KeyLengthRow>> = Object.freeze({
  DH: row({
    algorithm: 'DH',
    rule: { kind: 'range', min: 512, max: 4096, multipleOf: 64 },
    noKeyValidation: false,
    note: 'RFC 2409/3526/7919 groups for 768, 1024, 1536, 2048, 3072, 4096; other sizes generate a safe prime (slow)',
    kind: 'agree',
    role: 'agreement',
    material: 'DH',
    operations: AGREE_OPS,
    cost: 'slow',
  }),
  DSA: row({
    algorithm: 'DSA',
    rule: { kind: 'range', min: 512, max: 3072, multipleOf: 64 },
    noKeyValidation: false,
    note: '≤ 1024: FIPS 186-2 (q 160 bits); above: FIPS 186-3 (q 256 bits). Windows before 8: 512…1024',
    kind: 'sign',
    role: 'dsa',
    material: 'DSA',
    operations: SIGN_OPS,
    cost: 'slow',
  }),
  RSA: row({
    algorithm: 'RSA',
    rule: { kind: 'range', min: 512, max: 16384, multipleOf: 64 },
    noKeyValidation: false,
    note: 'public exponent 65537',
    kind: 'sign',
    role: 'rsa',
    material: 'RSA',
    operations: Object.freeze<Operation[]>(['sign', 'verify', 'encrypt', 'decrypt']),
    cost: 'slow',
  }),
  ECDSA_P256: fixedEc('ECDSA_P256', 'P-256', 'sign'),
  ECDSA_P384: fixedEc('ECDSA_P384', 'P-384', 'sign'),
  ECDSA_P521: fixedEc('ECDSA_P521', 'P-521', 'sign'),
  ECDH_P256: fixedEc('ECDH_P256', 'P-256', 'agree'),
  ECDH_P384: fixedEc('ECDH_P384', 'P-384', 'agree'),
  ECDH_P521: fixedEc('ECDH_P521', 'P-521', 'agree'),
  ECDSA: row({
    algorithm: 'ECDSA',
    rule: { kind: 'curve', lengths: lengthsOf([...NIST, 'secp256k1']) },
    noKeyValidation: false,
    note: 'named curve (BCRYPT_ECC_CURVE_NAME); the NIST curves resolve to ECDSA_P256/P384/P521',
    kind: 'sign',
    role: 'ecdsa',
    material: 'EC',
    operations: SIGN_OPS,
    cost: 'batched',
  }),
  ECDH: row({
    algorithm: 'ECDH',
    rule: { kind: 'curve', lengths: lengthsOf([...NIST, 'secp256k1', 'X25519', 'X448']) },
    noKeyValidation: false,
    note: 'named curve; X25519 is CNG curve25519; X448 is an extension CNG lacks',
    kind: 'agree',
    role: 'agreement',
    operations: AGREE_OPS,
    cost: 'batched',
  }),
  EdDSA: row({
    algorithm: 'EdDSA',
    rule: { kind: 'curve', lengths: lengthsOf(['Ed25519', 'Ed448']) },
    noKeyValidation: false,
    note: 'an extension CNG lacks (OpenSSL backend only)',
    kind: 'sign',
    role: 'eddsa',
    material: 'OKP',
    operations: SIGN_OPS,
    cost: 'batched',
  }),
  'ML-DSA': postQuantum('ML-DSA', 'FIPS 204', 'sign', 32),
  'ML-KEM': postQuantum('ML-KEM', 'FIPS 203', 'kem', 64),
})

/**
 * The named DH groups a spec's `group` takes (RFC 7919 ffdhe, RFC 3526 MODP as node's
 * getDiffieHellman names them) and their sizes in bits; the key-length table still applies.
 */
export const DH_GROUPS = Object.freeze({
  ffdhe2048: 2048,
  ffdhe3072: 3072,
  ffdhe4096: 4096,
  ffdhe6144: 6144,
  ffdhe8192: 8192,
  modp14: 2048,
  modp15: 3072,
  modp16: 4096,
  modp17: 6144,
  modp18: 8192,
} as const)
export type DhGroupName = keyof typeof DH_GROUPS

/** The DSA q sizes (divisorLength) FIPS 186-4 pairs with a length L, the default first. */
export function divisorLengthsFor(length: number): readonly number[] {
  if (length <= 1024) return [160]
  return length === 2048 ? [256, 224] : [256]
}

/** Every algorithm id, in the table's order (for help text and messages). */
export const ALGORITHMS: readonly Algorithm[] = Object.freeze(Object.keys(keyLengthTable) as Algorithm[])

const CURVE_ALIASES: Readonly<Record<string, Curve>> = Object.freeze(
  Object.fromEntries(
    Object.values(CURVES).flatMap((c) => [c.name, ...c.aliases].map((spelling) => [spelling, c.name] as const)),
  ),
)

const FIXED_CURVE_ALGORITHM: Readonly<Record<string, Algorithm>> = Object.freeze(
  Object.fromEntries(
    Object.values(keyLengthTable)
      .filter((r) => r.curve !== undefined)
      .map((r) => [`${r.kind === 'sign' ? 'ECDSA' : 'ECDH'}:${r.curve}`, r.algorithm]),
  ),
)

// --- JOSE -----------------------------------------------------------------------------

/** A JWA algorithm for key pairs (RFC 7518, RFC 8037, RFC 8812, the ML-DSA / ML-KEM drafts) and the key it needs. */
export interface JoseRow {
  readonly alg: string
  readonly use: 'sig' | 'enc'
  /** The key generated for it: algorithm plus curve or parameter set (ECDH-ES: the caller picks the curve). */
  readonly algorithm: Algorithm
  readonly curve?: Curve
  readonly parameterSet?: string
  /** The curves a key for it may be on (EdDSA: Ed25519 and Ed448; ECDH-ES: five); absent for keys without a curve. */
  readonly keyCurves?: readonly Curve[]
  readonly hash?: 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512'
  readonly padding?: 'pkcs1' | 'pss' | 'oaep'
  /** Not in jose v6: an extension of this package (ES256K). */
  readonly extension?: true
  /**
   * A name a JWK's "alg" may carry (and is judged by: src/formats/jwk-alg.ts) that the jose
   * drop-in has no use for: it makes no keys for it and signs or decrypts nothing with it
   * (RSA1_5, which jose v6 dropped; Ed448, which jose v6 lacks; ML-KEM-*, no JOSE algorithm yet).
   */
  readonly jwkOnly?: true
  /**
   * The signature a key of this algorithm makes when the caller names none (keySignature): X.509
   * certificates and requests (src/platform-keys/certificates.ts), signJwt without an alg
   * (src/platform-keys/jwt.ts) and the alg of a published platform key (`key jwks`). RS256
   * (SHA-256, PKCS#1 v1.5) for RSA, ES256 / ES384 / ES512 for ECDSA_P256 / P384 / P521 (the
   * curve's digest, as RFC 5758 pairs them). One row per algorithm; keys of the other algorithms
   * sign none of these without being told how.
   */
  readonly keyDefault?: true
}

const ECDH_ES_CURVES: readonly Curve[] = Object.freeze<Curve[]>(['P-256', 'P-384', 'P-521', 'X25519', 'X448'])
const SHA2 = [256, 384, 512] as const
const sha = (b: 256 | 384 | 512): 'SHA-256' | 'SHA-384' | 'SHA-512' => `SHA-${b}`
const ec = (alg: string, algorithm: Algorithm, c: Curve, hash: 'SHA-256' | 'SHA-384' | 'SHA-512'): JoseRow => ({
  alg,
  use: 'sig',
  algorithm,
  curve: c,
  keyCurves: [c],
  hash,
})

export const JOSE_ALGORITHMS: readonly JoseRow[] = Object.freeze(
  (
    [
      ...SHA2.map(
        (b): JoseRow => ({
          alg: `RS${b}`,
          use: 'sig',
          algorithm: 'RSA',
          hash: sha(b),
          padding: 'pkcs1',
          ...(b === 256 ? { keyDefault: true as const } : {}),
        }),
      ),
      ...SHA2.map((b): JoseRow => ({ alg: `PS${b}`, use: 'sig', algorithm: 'RSA', hash: sha(b), padding: 'pss' })),
      { alg: 'RSA1_5', use: 'enc', algorithm: 'RSA', padding: 'pkcs1', jwkOnly: true },
      { alg: 'RSA-OAEP', use: 'enc', algorithm: 'RSA', hash: 'SHA-1', padding: 'oaep' },
      ...SHA2.map(
        (b): JoseRow => ({ alg: `RSA-OAEP-${b}`, use: 'enc', algorithm: 'RSA', hash: sha(b), padding: 'oaep' }),
      ),
      { ...ec('ES256', 'ECDSA_P256', 'P-256', 'SHA-256'), keyDefault: true },
      { ...ec('ES384', 'ECDSA_P384', 'P-384', 'SHA-384'), keyDefault: true },
      { ...ec('ES512', 'ECDSA_P521', 'P-521', 'SHA-512'), keyDefault: true },
      { ...ec('ES256K', 'ECDSA', 'secp256k1', 'SHA-256'), extension: true },
      { alg: 'EdDSA', use: 'sig', algorithm: 'EdDSA', curve: 'Ed25519', keyCurves: ['Ed25519', 'Ed448'] },
      { alg: 'Ed25519', use: 'sig', algorithm: 'EdDSA', curve: 'Ed25519', keyCurves: ['Ed25519'] },
      { alg: 'Ed448', use: 'sig', algorithm: 'EdDSA', curve: 'Ed448', keyCurves: ['Ed448'], jwkOnly: true },
      ...['', '+A128KW', '+A192KW', '+A256KW'].map(
        (kw): JoseRow => ({ alg: `ECDH-ES${kw}`, use: 'enc', algorithm: 'ECDH', keyCurves: ECDH_ES_CURVES }),
      ),
      ...Object.keys(PARAMETER_SETS['ML-DSA']).map(
        (set): JoseRow => ({ alg: `ML-DSA-${set}`, use: 'sig', algorithm: 'ML-DSA', parameterSet: set }),
      ),
      ...Object.keys(PARAMETER_SETS['ML-KEM']).map(
        (set): JoseRow => ({ alg: `ML-KEM-${set}`, use: 'enc', algorithm: 'ML-KEM', parameterSet: set, jwkOnly: true }),
      ),
    ] as JoseRow[]
  ).map((r) => Object.freeze(r)),
)

const BY_JOSE_ALG: ReadonlyMap<string, JoseRow> = new Map(JOSE_ALGORITHMS.map((r) => [r.alg, r]))

/** The JWA algorithm's row (the key it needs, its hash and padding), or undefined. */
export function joseAlgorithm(alg: unknown): JoseRow | undefined {
  return typeof alg === 'string' ? BY_JOSE_ALG.get(alg) : undefined
}

/** The signature a key of this algorithm makes when none is named (JoseRow.keyDefault), or undefined. */
export function keySignature(algorithm: string): JoseRow | undefined {
  return JOSE_ALGORITHMS.find((r) => r.keyDefault && r.algorithm === algorithm)
}

/** A JWA algorithm for symmetric secrets (kty "oct"): its key size and what the secret is for. */
export interface JoseSecretRow {
  readonly alg: string
  readonly bits: number
  readonly use: 'sig' | 'enc'
  /** HMAC (HS*), AES key wrap (A*KW), AES-GCM (A*GCMKW, A*GCM), AES-CBC + HMAC (A*CBC-HS*: MAC key ‖ ENC key). */
  readonly family: 'hmac' | 'aes-kw' | 'aes-gcm' | 'aes-cbc-hmac'
}

const AES = [128, 192, 256] as const

export const JOSE_SECRET_ALGORITHMS: readonly JoseSecretRow[] = Object.freeze(
  (
    [
      ...SHA2.map((b): JoseSecretRow => ({ alg: `HS${b}`, bits: b, use: 'sig', family: 'hmac' })),
      ...SHA2.map((b): JoseSecretRow => ({ alg: `A${b / 2}CBC-HS${b}`, bits: b, use: 'enc', family: 'aes-cbc-hmac' })),
      ...AES.map((b): JoseSecretRow => ({ alg: `A${b}KW`, bits: b, use: 'enc', family: 'aes-kw' })),
      ...AES.map((b): JoseSecretRow => ({ alg: `A${b}GCMKW`, bits: b, use: 'enc', family: 'aes-gcm' })),
      ...AES.map((b): JoseSecretRow => ({ alg: `A${b}GCM`, bits: b, use: 'enc', family: 'aes-gcm' })),
    ] as JoseSecretRow[]
  ).map((r) => Object.freeze(r)),
)

// --- lookups ------------------------------------------------------------------------

/** The curves an algorithm takes (its one curve for the fixed-curve algorithms; none for the others). */
export function curvesOf(algorithm: Algorithm): readonly Curve[] {
  const r = keyLengthTable[algorithm]
  if (r.curve) return [r.curve]
  return r.rule.kind === 'curve' ? (Object.keys(r.rule.lengths) as Curve[]) : []
}

/** The parameter sets of ML-DSA / ML-KEM (none for the others). */
export function parameterSetsOf(algorithm: Algorithm): readonly string[] {
  return keyLengthTable[algorithm].parameterSets ?? []
}

/** The key material's type of an algorithm on a curve (ECDH on X25519 / X448 is an OKP key). */
export function materialTypeOf(algorithm: Algorithm, c?: Curve): MaterialType {
  return keyLengthTable[algorithm].material ?? (c !== undefined ? CURVES[c].material : 'EC')
}

/** The cost class of a key: the algorithm's, lowered to `inline` by a cheap curve or parameter set. */
export function costOf(algorithm: Algorithm, c?: Curve, parameterSet?: string): CostClass {
  const r = keyLengthTable[algorithm]
  if (r.cost === 'slow') return 'slow'
  const variant =
    c !== undefined
      ? CURVES[c]
      : parameterSet !== undefined && (algorithm === 'ML-DSA' || algorithm === 'ML-KEM')
        ? PARAMETER_SETS[algorithm][parameterSet]
        : undefined
  return variant?.cost === 'inline' ? 'inline' : 'batched'
}

/** The formats a key of this algorithm (and curve) has. */
export function formatsOf(algorithm: Algorithm, c?: Curve): readonly KeyFormat[] {
  const material = materialTypeOf(algorithm, c)
  const formats: KeyFormat[] = ['blob', 'pkcs8', 'spki']
  if (material === 'RSA') formats.push('pkcs1')
  if (material === 'EC') formats.push('sec1')
  if (material !== 'DSA' && material !== 'DH') formats.push('jwk')
  const sshKey =
    material === 'RSA' || (c !== undefined && CURVES[c].openssh && keyLengthTable[algorithm].kind === 'sign')
  if (sshKey) formats.push('openssh')
  return formats
}

export interface KeyTraits {
  readonly kind: KeyKind
  readonly role: Role
  readonly material: MaterialType
  readonly operations: readonly Operation[]
  readonly formats: readonly KeyFormat[]
  readonly cost: CostClass
}

/** Everything the registry says of one key: kind, role, material type, operations, formats, cost. */
export function keyTraits(algorithm: Algorithm, c?: Curve, parameterSet?: string): KeyTraits {
  const r = keyLengthTable[algorithm]
  return {
    kind: r.kind,
    role: r.role,
    material: materialTypeOf(algorithm, c),
    operations: r.operations,
    formats: formatsOf(algorithm, c),
    cost: costOf(algorithm, c, parameterSet),
  }
}

/**
 * The KeySpec fields for a key on a curve for a use: the fixed-curve algorithm
 * where there is one (P-256 signing → ECDSA_P256, no curve field), else the
 * generic one with the curve (secp256k1 → ECDSA + curve, Ed25519 → EdDSA,
 * X25519 → ECDH). Throws ERR_UNSUPPORTED_ALGORITHM for a curve that cannot do
 * the use (Ed25519 agreeing, X25519 signing).
 */
export function specForCurve(c: Curve, use: 'sign' | 'agree'): { algorithm: Algorithm; curve?: Curve } {
  const row = CURVES[c]
  if (row.kind !== 'both' && row.kind !== use) {
    throw new UnsupportedAlgorithmError(`${c} keys cannot ${use === 'sign' ? 'sign' : 'agree keys'}`)
  }
  const fixed = FIXED_CURVE_ALGORITHM[`${use === 'sign' ? 'ECDSA' : 'ECDH'}:${c}`]
  if (fixed) return { algorithm: fixed }
  if (row.material === 'OKP') return { algorithm: use === 'sign' ? 'EdDSA' : 'ECDH', curve: c }
  return { algorithm: use === 'sign' ? 'ECDSA' : 'ECDH', curve: c }
}

/** The curve of an Apinizer enum spelling (P256, SECP256K1, ED25519, X25519), or undefined. */
export function curveOfApinizer(spelling: string): Curve | undefined {
  return Object.values(CURVES).find((c) => c.apinizer === spelling)?.name
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
