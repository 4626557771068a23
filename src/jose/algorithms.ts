/**
 * The JWA algorithms the jose drop-in generates key pairs for: which key the
 * platform backend makes (a KeySpec for generateKey), which WebCrypto
 * algorithm object the CryptoKeys carry, and which usages each half gets.
 * The WebCrypto objects and usages are the ones jose v6's own
 * generateKeyPair passes to SubtleCrypto.generateKey, so the CryptoKeys are
 * indistinguishable from jose's (checked by test/jose-keypair.test.ts).
 */
import type { webcrypto } from 'node:crypto'
import type { KeySpec } from '../generate/index.js'

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

function rsa(name: 'RSASSA-PKCS1-v1_5' | 'RSA-PSS' | 'RSA-OAEP', hash: string): PairAlgorithm {
  return { kty: 'RSA', spec: { algorithm: 'RSA' }, subtle: { name, hash }, usages: name === 'RSA-OAEP' ? OAEP : SIGN }
}

function ecdsa(crv: 'P-256' | 'P-384' | 'P-521', algorithm: string): PairAlgorithm {
  return { kty: 'EC', crv, spec: { algorithm }, subtle: { name: 'ECDSA', namedCurve: crv }, usages: SIGN }
}

function mldsa(set: '44' | '65' | '87'): PairAlgorithm {
  return {
    kty: 'AKP',
    spec: { algorithm: 'ML-DSA', parameterSet: set },
    subtle: { name: `ML-DSA-${set}` },
    usages: SIGN,
  }
}

const ED25519: PairAlgorithm = {
  kty: 'OKP',
  crv: 'Ed25519',
  spec: { algorithm: 'EdDSA', curve: 'Ed25519' },
  subtle: { name: 'Ed25519' },
  usages: SIGN,
}

/** The signature and RSA key-encryption algorithms (the curve or size is fixed by alg or modulusLength). */
export const PAIR_ALGORITHMS: Readonly<Record<string, PairAlgorithm>> = Object.freeze({
  RS256: rsa('RSASSA-PKCS1-v1_5', 'SHA-256'),
  RS384: rsa('RSASSA-PKCS1-v1_5', 'SHA-384'),
  RS512: rsa('RSASSA-PKCS1-v1_5', 'SHA-512'),
  PS256: rsa('RSA-PSS', 'SHA-256'),
  PS384: rsa('RSA-PSS', 'SHA-384'),
  PS512: rsa('RSA-PSS', 'SHA-512'),
  'RSA-OAEP': rsa('RSA-OAEP', 'SHA-1'),
  'RSA-OAEP-256': rsa('RSA-OAEP', 'SHA-256'),
  'RSA-OAEP-384': rsa('RSA-OAEP', 'SHA-384'),
  'RSA-OAEP-512': rsa('RSA-OAEP', 'SHA-512'),
  ES256: ecdsa('P-256', 'ECDSA_P256'),
  ES384: ecdsa('P-384', 'ECDSA_P384'),
  ES512: ecdsa('P-521', 'ECDSA_P521'),
  Ed25519: ED25519,
  EdDSA: ED25519,
  'ML-DSA-44': mldsa('44'),
  'ML-DSA-65': mldsa('65'),
  'ML-DSA-87': mldsa('87'),
  // Extension: ECDSA on secp256k1 (RFC 8812). WebCrypto has no secp256k1, so
  // there is no CryptoKey form; KeyObjects, JWKs or KeyPair handles instead.
  ES256K: {
    kty: 'EC',
    crv: 'secp256k1',
    spec: { algorithm: 'ECDSA', curve: 'secp256k1' },
    subtle: undefined,
    usages: SIGN,
    extension: true,
  },
})

/** ECDH-ES and its key-wrapping variants take the curve from options.crv. */
export const ECDH_ALGORITHMS: readonly string[] = Object.freeze([
  'ECDH-ES',
  'ECDH-ES+A128KW',
  'ECDH-ES+A192KW',
  'ECDH-ES+A256KW',
])

/** The ECDH-ES curves: jose's four, plus X448 (an extension; jose v6 cannot use X448 keys). */
export const ECDH_CURVES: Readonly<Record<string, PairAlgorithm>> = Object.freeze({
  'P-256': {
    kty: 'EC',
    spec: { algorithm: 'ECDH_P256' },
    subtle: { name: 'ECDH', namedCurve: 'P-256' },
    usages: DERIVE,
  },
  'P-384': {
    kty: 'EC',
    spec: { algorithm: 'ECDH_P384' },
    subtle: { name: 'ECDH', namedCurve: 'P-384' },
    usages: DERIVE,
  },
  'P-521': {
    kty: 'EC',
    spec: { algorithm: 'ECDH_P521' },
    subtle: { name: 'ECDH', namedCurve: 'P-521' },
    usages: DERIVE,
  },
  X25519: { kty: 'OKP', spec: { algorithm: 'ECDH', curve: 'X25519' }, subtle: { name: 'X25519' }, usages: DERIVE },
  X448: {
    kty: 'OKP',
    spec: { algorithm: 'ECDH', curve: 'X448' },
    subtle: { name: 'X448' },
    usages: DERIVE,
    extension: true,
  },
})

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

export const SECRET_ALGORITHMS: Readonly<Record<string, SecretAlgorithm>> = Object.freeze({
  HS256: hmac(256),
  HS384: hmac(384),
  HS512: hmac(512),
  'A128CBC-HS256': cbc(256),
  'A192CBC-HS384': cbc(384),
  'A256CBC-HS512': cbc(512),
  A128KW: aes('AES-KW', 128),
  A192KW: aes('AES-KW', 192),
  A256KW: aes('AES-KW', 256),
  A128GCMKW: aes('AES-GCM', 128),
  A192GCMKW: aes('AES-GCM', 192),
  A256GCMKW: aes('AES-GCM', 256),
  A128GCM: aes('AES-GCM', 128),
  A192GCM: aes('AES-GCM', 192),
  A256GCM: aes('AES-GCM', 256),
})
