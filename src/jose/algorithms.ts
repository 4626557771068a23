/**
 * The JWA algorithms the jose drop-in generates key pairs for: which key the
 * platform backend makes (a KeySpec for generateKey), which WebCrypto
 * algorithm object the CryptoKeys carry, and which usages each half gets.
 * The keys (kty, crv, the KeySpec) come from the algorithm registry
 * (src/registry.ts JOSE_ALGORITHMS). The WebCrypto objects and usages are
 * the ones jose v6's own generateKeyPair passes to SubtleCrypto.generateKey,
 * so the CryptoKeys are
 * indistinguishable from jose's (checked by test/jose-keypair.test.ts).
 */
import type { webcrypto } from 'node:crypto'
import type { KeySpec } from '../generate/index.js'
import {
  type Algorithm,
  CURVES,
  type Curve,
  JOSE_ALGORITHMS,
  JOSE_SECRET_ALGORITHMS,
  type JoseRow,
  type JoseSecretRow,
  joseAlgorithm,
  keyLengthTable,
  type MaterialType,
  materialTypeOf,
  specForCurve,
} from '../registry.js'

type KeyUsage = webcrypto.KeyUsage

/** What each half of the pair may do, as WebCrypto key usages. */
export interface PairUsages {
  readonly private: readonly KeyUsage[]
  readonly public: readonly KeyUsage[]
}

export type SubtleAlgorithm = { name: string; hash?: string; namedCurve?: string }

export interface PairAlgorithm {
  /** JWK key type of the result. */
  readonly kty: 'RSA' | 'EC' | 'OKP' | 'AKP'
  /** The one curve the algorithm allows (checked against options.crv as jose does). */
  readonly crv?: string
  /** The backend key (RSA gets its length from options.modulusLength). */
  readonly spec: Omit<KeySpec, 'extractable' | 'length'>
  /** The WebCrypto algorithm; undefined where WebCrypto has none (secp256k1). */
  readonly subtle: SubtleAlgorithm | undefined
  readonly usages: PairUsages
  /** Not a jose v6 algorithm: an extension of this package. */
  readonly extension?: true
}

const SIGN: PairUsages = Object.freeze<PairUsages>({ private: ['sign'], public: ['verify'] })
const OAEP: PairUsages = Object.freeze<PairUsages>({
  private: ['decrypt', 'unwrapKey'],
  public: ['encrypt', 'wrapKey'],
})
/** ECDH: only the private key derives; WebCrypto gives the public key no usages. */
export const DERIVE: PairUsages = Object.freeze<PairUsages>({ private: ['deriveBits'], public: [] })

const KTY: Readonly<Record<MaterialType, PairAlgorithm['kty'] | undefined>> = {
  RSA: 'RSA',
  EC: 'EC',
  OKP: 'OKP',
  'ML-DSA': 'AKP',
  'ML-KEM': 'AKP',
  DSA: undefined,
  DH: undefined,
}

/** The backend key of a registry key: the algorithm, its curve where the algorithm does not fix it, the parameter set. */
function keyOf(algorithm: Algorithm, curve: Curve | undefined, parameterSet: string | undefined) {
  const spec: Omit<KeySpec, 'extractable' | 'length'> = { algorithm }
  if (curve !== undefined && keyLengthTable[algorithm].curve === undefined) spec.curve = curve
  if (parameterSet !== undefined) spec.parameterSet = parameterSet
  return { kty: KTY[materialTypeOf(algorithm, curve)] as PairAlgorithm['kty'], spec }
}

/** A JWA algorithm's pair: the key from the registry (joseAlgorithm), the WebCrypto side given here. */
function pair(alg: string, subtle: SubtleAlgorithm | undefined, usages: PairUsages): PairAlgorithm {
  const r = joseAlgorithm(alg) as JoseRow
  const p: PairAlgorithm = { ...keyOf(r.algorithm, r.curve, r.parameterSet), subtle, usages }
  if (r.curve !== undefined) Object.assign(p, { crv: r.curve })
  if (r.extension) Object.assign(p, { extension: true })
  return p
}

const rsa = (alg: string, name: 'RSASSA-PKCS1-v1_5' | 'RSA-PSS' | 'RSA-OAEP'): PairAlgorithm => {
  const hash = joseAlgorithm(alg)?.hash as string
  return pair(alg, { name, hash }, name === 'RSA-OAEP' ? OAEP : SIGN)
}
const ecdsa = (alg: string): PairAlgorithm =>
  pair(alg, { name: 'ECDSA', namedCurve: joseAlgorithm(alg)?.curve as string }, SIGN)
const mldsa = (alg: string): PairAlgorithm => pair(alg, { name: alg }, SIGN)
const ED25519 = pair('Ed25519', { name: 'Ed25519' }, SIGN)

/** The signature and RSA key-encryption algorithms (the curve or size is fixed by alg or modulusLength). */
export const PAIR_ALGORITHMS: Readonly<Record<string, PairAlgorithm>> = Object.freeze({
  RS256: rsa('RS256', 'RSASSA-PKCS1-v1_5'),
  RS384: rsa('RS384', 'RSASSA-PKCS1-v1_5'),
  RS512: rsa('RS512', 'RSASSA-PKCS1-v1_5'),
  PS256: rsa('PS256', 'RSA-PSS'),
  PS384: rsa('PS384', 'RSA-PSS'),
  PS512: rsa('PS512', 'RSA-PSS'),
  'RSA-OAEP': rsa('RSA-OAEP', 'RSA-OAEP'),
  'RSA-OAEP-256': rsa('RSA-OAEP-256', 'RSA-OAEP'),
  'RSA-OAEP-384': rsa('RSA-OAEP-384', 'RSA-OAEP'),
  'RSA-OAEP-512': rsa('RSA-OAEP-512', 'RSA-OAEP'),
  ES256: ecdsa('ES256'),
  ES384: ecdsa('ES384'),
  ES512: ecdsa('ES512'),
  Ed25519: ED25519,
  EdDSA: ED25519,
  'ML-DSA-44': mldsa('ML-DSA-44'),
  'ML-DSA-65': mldsa('ML-DSA-65'),
  'ML-DSA-87': mldsa('ML-DSA-87'),
  // Extension: ECDSA on secp256k1 (RFC 8812). WebCrypto has no secp256k1, so
  // there is no CryptoKey form; KeyObjects, JWKs or KeyPair handles instead.
  ES256K: pair('ES256K', undefined, SIGN),
})

/** ECDH-ES and its key-wrapping variants take the curve from options.crv. */
export const ECDH_ALGORITHMS: readonly string[] = Object.freeze(
  JOSE_ALGORITHMS.filter((r) => r.algorithm === 'ECDH').map((r) => r.alg),
)

/** Curves jose v6 itself cannot use: ours are an extension. */
const JOSE_EXTENSION_CURVES: readonly Curve[] = ['X448']

/** The ECDH-ES curves (the registry's): jose's four, plus X448 (an extension; jose v6 cannot use X448 keys). */
export const ECDH_CURVES: Readonly<Record<string, PairAlgorithm>> = Object.freeze(
  Object.fromEntries(
    (joseAlgorithm('ECDH-ES')?.keyCurves ?? []).map((c) => {
      const { algorithm, curve } = specForCurve(c, 'agree')
      const subtle = CURVES[c].material === 'EC' ? { name: 'ECDH', namedCurve: c } : { name: c }
      const p: PairAlgorithm = { ...keyOf(algorithm, curve, undefined), subtle, usages: DERIVE }
      if (JOSE_EXTENSION_CURVES.includes(c)) Object.assign(p, { extension: true })
      return [c, p]
    }),
  ),
)

/** The symmetric algorithms of generateSecret and what each yields. */
export type SecretAlgorithm =
  | { readonly bytes: number; readonly subtle: { name: 'HMAC'; hash: string }; readonly usages: readonly KeyUsage[] }
  | { readonly bytes: number; readonly subtle: { name: 'AES-KW' | 'AES-GCM' }; readonly usages: readonly KeyUsage[] }
  | { readonly bytes: number; readonly subtle: undefined; readonly usages: readonly KeyUsage[] }

const hmac = (bits: number): SecretAlgorithm => ({
  bytes: bits / 8,
  subtle: { name: 'HMAC', hash: `SHA-${bits}` },
  usages: ['sign', 'verify'],
})
const aes = (name: 'AES-KW' | 'AES-GCM', bits: number): SecretAlgorithm => ({
  bytes: bits / 8,
  subtle: { name },
  usages: name === 'AES-KW' ? ['wrapKey', 'unwrapKey'] : ['encrypt', 'decrypt'],
})
/** AES_CBC_HMAC_SHA2 keys have no CryptoKey form: raw bytes (MAC key ‖ ENC key). */
const cbc = (bits: number): SecretAlgorithm => ({ bytes: bits / 8, subtle: undefined, usages: [] })

const SECRET_FORM: Readonly<Record<JoseSecretRow['family'], (bits: number) => SecretAlgorithm>> = {
  hmac,
  'aes-kw': (bits) => aes('AES-KW', bits),
  'aes-gcm': (bits) => aes('AES-GCM', bits),
  'aes-cbc-hmac': cbc,
}

/** The registry's secret algorithms (JOSE_SECRET_ALGORITHMS), each with its WebCrypto form. */
export const SECRET_ALGORITHMS: Readonly<Record<string, SecretAlgorithm>> = Object.freeze(
  Object.fromEntries(JOSE_SECRET_ALGORITHMS.map((r) => [r.alg, SECRET_FORM[r.family](r.bits)])),
)
