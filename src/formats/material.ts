/**
 * Key material as components: the meeting point of every format. A blob
 * parses into it, and JWK, PKCS#1/#8, SPKI, SEC1 and OpenSSH are written
 * from it. Integers are unsigned big-endian byte strings, as the blobs carry
 * them (field-padded); writers strip or pad as their format demands.
 */

import { UnsupportedFormatError } from '../errors.js'
import {
  CURVES,
  type Curve,
  type EcCurve,
  type MlDsaSet,
  type MlKemSet,
  type OkpCurve,
  PARAMETER_SETS,
} from '../registry.js'

export type { EcCurve, MlDsaSet, MlKemSet, OkpCurve } from '../registry.js'

export interface RsaMaterial {
  type: 'RSA'
  n: Uint8Array
  e: Uint8Array
  d?: Uint8Array
  p?: Uint8Array
  q?: Uint8Array
  dp?: Uint8Array
  dq?: Uint8Array
  qi?: Uint8Array
  /** An RSASSA-PSS key (id-RSASSA-PSS): its encoded RSASSA-PSS-params, empty when it has none. */
  pss?: Uint8Array
}

export interface EcMaterial {
  type: 'EC'
  curve: EcCurve
  /** Which CNG algorithm the blob names: ECDSA or ECDH (the key itself is the same). */
  usage: 'ECDSA' | 'ECDH'
  x: Uint8Array
  y: Uint8Array
  d?: Uint8Array
}

export interface OkpMaterial {
  type: 'OKP'
  curve: OkpCurve
  x: Uint8Array
  d?: Uint8Array
}

export interface DsaMaterial {
  type: 'DSA'
  p: Uint8Array
  q: Uint8Array
  g: Uint8Array
  y: Uint8Array
  x?: Uint8Array
  /** FIPS 186 generation seed and counter; absent when unknown (CNG writes 0xFF). */
  seed?: Uint8Array
  counter?: number
  /** v2 blob header fields (L > 1024). */
  hashAlgorithm?: number
  standardVersion?: number
}

export interface DhMaterial {
  type: 'DH'
  p: Uint8Array
  g: Uint8Array
  y: Uint8Array
  x?: Uint8Array
}

export interface MlDsaMaterial {
  type: 'ML-DSA'
  parameterSet: MlDsaSet
  pub?: Uint8Array
  /** The expanded private key. */
  priv?: Uint8Array
  /** The 32-byte seed ξ. */
  seed?: Uint8Array
}

export interface MlKemMaterial {
  type: 'ML-KEM'
  parameterSet: MlKemSet
  /** Encapsulation key ek. */
  pub?: Uint8Array
  /** Decapsulation key dk. */
  priv?: Uint8Array
  /** The 64-byte seed d‖z. */
  seed?: Uint8Array
}

export type KeyMaterial =
  | RsaMaterial
  | EcMaterial
  | OkpMaterial
  | DsaMaterial
  | DhMaterial
  | MlDsaMaterial
  | MlKemMaterial

const sizesOf = <C extends Curve>(curves: readonly C[]): Record<C, number> =>
  Object.fromEntries(curves.map((c) => [c, CURVES[c].bytes])) as Record<C, number>
const setSizes = <S extends string>(algorithm: 'ML-DSA' | 'ML-KEM'): Record<S, { pub: number; priv: number }> =>
  Object.fromEntries(
    Object.values(PARAMETER_SETS[algorithm]).map((r) => [r.name, { pub: r.pub, priv: r.priv }]),
  ) as Record<S, { pub: number; priv: number }>

/** Coordinate (EC) and key (OKP) sizes in bytes, from the registry's curve rows. */
export const EC_SIZES: Record<EcCurve, number> = sizesOf<EcCurve>(['P-256', 'P-384', 'P-521', 'secp256k1'])
export const OKP_SIZES: Record<OkpCurve, number> = sizesOf<OkpCurve>(['Ed25519', 'Ed448', 'X25519', 'X448'])

/** Public and expanded private key sizes of the FIPS 204 / FIPS 203 parameter sets, from the registry. */
export const ML_DSA_SIZES: Record<MlDsaSet, { pub: number; priv: number }> = setSizes<MlDsaSet>('ML-DSA')
export const ML_KEM_SIZES: Record<MlKemSet, { pub: number; priv: number }> = setSizes<MlKemSet>('ML-KEM')

/** Whether the material holds a private key. */
export function isPrivate(m: KeyMaterial): boolean {
  switch (m.type) {
    case 'RSA':
      return m.d !== undefined
    case 'EC':
    case 'OKP':
      return m.d !== undefined
    case 'DSA':
    case 'DH':
      return m.x !== undefined
    case 'ML-DSA':
    case 'ML-KEM':
      return m.priv !== undefined || m.seed !== undefined
  }
}

/** The public half of a material (shares the byte arrays). */
export function publicPart(m: KeyMaterial): KeyMaterial {
  switch (m.type) {
    case 'RSA':
      return m.pss ? { type: 'RSA', n: m.n, e: m.e, pss: m.pss } : { type: 'RSA', n: m.n, e: m.e }
    case 'EC':
      return { type: 'EC', curve: m.curve, usage: m.usage, x: m.x, y: m.y }
    case 'OKP':
      return { type: 'OKP', curve: m.curve, x: m.x }
    case 'DSA': {
      const { x: _x, ...pub } = m
      return pub
    }
    case 'DH':
      return { type: 'DH', p: m.p, g: m.g, y: m.y }
    case 'ML-DSA':
    case 'ML-KEM':
      return m.pub ? ({ type: m.type, parameterSet: m.parameterSet, pub: m.pub } as KeyMaterial) : m
  }
}

/** Wipes every private component (best effort: JS may hold other copies). */
export function wipeMaterial(m: KeyMaterial): void {
  switch (m.type) {
    case 'RSA':
      for (const b of [m.d, m.p, m.q, m.dp, m.dq, m.qi]) b?.fill(0)
      return
    case 'EC':
    case 'OKP':
      m.d?.fill(0)
      return
    case 'DSA':
    case 'DH':
      m.x?.fill(0)
      return
    case 'ML-DSA':
    case 'ML-KEM':
      m.priv?.fill(0)
      m.seed?.fill(0)
      return
  }
}

/** Formats without a place for RSASSA-PSS parameters refuse a PSS key (it would silently become rsaEncryption). */
export function noPss(m: KeyMaterial, format: string): void {
  if (m.type === 'RSA' && m.pss) {
    throw new UnsupportedFormatError(
      `${format} has no place for an RSASSA-PSS key's parameters: use PKCS#8 / SPKI PEM or DER`,
    )
  }
}

/** A field the output format needs from the key material, or the format's typed refusal. */
export function need<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new UnsupportedFormatError(`the key has no ${what}`)
  return v
}
