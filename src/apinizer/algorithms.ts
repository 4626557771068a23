/**
 * Apinizer's enum spellings (the "generate JWK" request of its management
 * API) and what each means in JOSE terms: the JWA `alg` it maps to, whether
 * it signs or encrypts, which JWK types and curves it fits, and the OCT key
 * sizes it needs.
 */
import { type Curve, curveOfApinizer } from '../registry.js'

export type JwkType = 'RSA' | 'EC' | 'OCT' | 'OKP'
export type KeyUseType = 'SIGNATURE' | 'ENCRYPTION'
export type KeyIdType = 'TIMESTAMP' | 'SHA256' | 'SHA1' | 'ISO_DATE' | 'NONE'
export type EcCurveType = 'P256' | 'P384' | 'P521' | 'SECP256K1'
export type OkpCurveType = 'ED25519' | 'X25519'
export type CurveType = EcCurveType | OkpCurveType

export const JWK_TYPES: readonly JwkType[] = ['RSA', 'EC', 'OCT', 'OKP']
export const KEY_USE_TYPES: readonly KeyUseType[] = ['SIGNATURE', 'ENCRYPTION']
export const KEY_ID_TYPES: readonly KeyIdType[] = ['TIMESTAMP', 'SHA256', 'SHA1', 'ISO_DATE', 'NONE']
export const RSA_KEY_SIZES: readonly number[] = [2048, 3072, 4096]
/** Apinizer's 128/192/256, plus 384 and 512: RFC 7518 §3.2 wants an HSxxx key of at least xxx bits. */
export const OCT_KEY_SIZES: readonly number[] = [128, 192, 256, 384, 512]
/** An OCT secret may be any multiple of 8 bits up to this (HMAC takes keys of any length, RFC 2104 §3). */
export const MAX_OCT_KEY_SIZE = 8192
export const EC_CURVE_TYPES: readonly EcCurveType[] = ['P256', 'P384', 'P521', 'SECP256K1']
export const OKP_CURVE_TYPES: readonly OkpCurveType[] = ['ED25519', 'X25519']

/** Curve enum → JOSE `crv` (the registry's apinizer column). */
export const CRV: Readonly<Record<CurveType, Curve>> = Object.freeze(
  Object.fromEntries([...EC_CURVE_TYPES, ...OKP_CURVE_TYPES].map((t) => [t, curveOfApinizer(t) as Curve])) as Record<
    CurveType,
    Curve
  >,
)

export interface AlgorithmInfo {
  /** Apinizer's spelling. */
  readonly name: string
  /** The JWA identifier written to the JWK's `alg`. */
  readonly alg: string
  readonly use: KeyUseType
  readonly types: readonly JwkType[]
  /** EC / OKP: the curves it works on. */
  readonly curves?: readonly CurveType[]
  /** OCT: exact key size in bits (AES key wrap). */
  readonly keySize?: number
  /** OCT: minimum key size in bits (HMAC, RFC 7518 §3.2). */
  readonly minKeySize?: number
  /** PBES2: the key is a password; passwordSaltLength and passwordIterationCount apply. */
  readonly pbes2?: true
  /** Why it is discouraged, for the metadata's warnings. */
  readonly deprecated?: string
}

const ECDH_CURVES: readonly CurveType[] = ['P256', 'P384', 'P521', 'X25519']

const table: AlgorithmInfo[] = [
  ...[256, 384, 512].map((b) => ({
    name: `RSA${b}`,
    alg: `RS${b}`,
    use: 'SIGNATURE' as const,
    types: ['RSA' as const],
  })),
  ...[256, 384, 512].map((b) => ({
    name: `PS${b}`,
    alg: `PS${b}`,
    use: 'SIGNATURE' as const,
    types: ['RSA' as const],
  })),
  {
    name: 'RSA1_5',
    alg: 'RSA1_5',
    use: 'ENCRYPTION',
    types: ['RSA'],
    deprecated: 'RSA1_5 (RSAES-PKCS1-v1_5) is deprecated and open to padding-oracle attacks; prefer RSA_OAEP_256',
  },
  {
    name: 'RSA_OAEP',
    alg: 'RSA-OAEP',
    use: 'ENCRYPTION',
    types: ['RSA'],
    deprecated: 'RSA_OAEP uses SHA-1; prefer RSA_OAEP_256',
  },
  ...[256, 384, 512].map((b) => ({
    name: `RSA_OAEP_${b}`,
    alg: `RSA-OAEP-${b}`,
    use: 'ENCRYPTION' as const,
    types: ['RSA' as const],
  })),
  { name: 'ES256', alg: 'ES256', use: 'SIGNATURE', types: ['EC'], curves: ['P256'] },
  { name: 'ES384', alg: 'ES384', use: 'SIGNATURE', types: ['EC'], curves: ['P384'] },
  { name: 'ES512', alg: 'ES512', use: 'SIGNATURE', types: ['EC'], curves: ['P521'] },
  { name: 'ES256K', alg: 'ES256K', use: 'SIGNATURE', types: ['EC'], curves: ['SECP256K1'] },
  { name: 'EdDSA', alg: 'EdDSA', use: 'SIGNATURE', types: ['OKP'], curves: ['ED25519'] },
  ...['ES', '1PU'].flatMap((kind) =>
    ['', '_A128KW', '_A192KW', '_A256KW'].map((kw) => ({
      name: `ECDH_${kind}${kw}`,
      alg: `ECDH-${kind}${kw.replace('_', '+')}`,
      use: 'ENCRYPTION' as const,
      types: ['EC' as const, 'OKP' as const],
      curves: ECDH_CURVES,
    })),
  ),
  ...[256, 384, 512].map((b) => ({
    name: `HS${b}`,
    alg: `HS${b}`,
    use: 'SIGNATURE' as const,
    types: ['OCT' as const],
    minKeySize: b,
  })),
  ...[128, 192, 256].flatMap((b) => [
    { name: `A${b}KW`, alg: `A${b}KW`, use: 'ENCRYPTION' as const, types: ['OCT' as const], keySize: b },
    { name: `A${b}GCMKW`, alg: `A${b}GCMKW`, use: 'ENCRYPTION' as const, types: ['OCT' as const], keySize: b },
  ]),
  { name: 'DIR', alg: 'dir', use: 'ENCRYPTION', types: ['OCT'] },
  ...[
    [256, 128],
    [384, 192],
    [512, 256],
  ].map(([h, k]) => ({
    name: `PBES2_HS${h}_A${k}KW`,
    alg: `PBES2-HS${h}+A${k}KW`,
    use: 'ENCRYPTION' as const,
    types: ['OCT' as const],
    pbes2: true as const,
  })),
]

/** By Apinizer spelling. */
export const ALGORITHMS: Readonly<Record<string, AlgorithmInfo>> = Object.freeze(
  Object.fromEntries(table.map((a) => [a.name, Object.freeze(a)])),
)

/** By JWA spelling (accepted too: `RS256` for `RSA256`, `dir` for `DIR`, ...). */
const BY_JWA: Readonly<Record<string, AlgorithmInfo>> = Object.freeze(
  Object.fromEntries(table.map((a) => [a.alg, ALGORITHMS[a.name] as AlgorithmInfo])),
)

/** Looks up an algorithm by Apinizer's spelling, or by its JWA name. */
export function findAlgorithm(name: string): AlgorithmInfo | undefined {
  if (Object.hasOwn(ALGORITHMS, name)) return ALGORITHMS[name]
  if (Object.hasOwn(BY_JWA, name)) return BY_JWA[name]
  return undefined
}

/** Apinizer's names for a type and use, for error messages. */
export function algorithmNames(type: JwkType, use: KeyUseType): string[] {
  return table.filter((a) => a.types.includes(type) && a.use === use).map((a) => a.name)
}
