/**
 * KeyMaterial ⇄ JWK. RSA → n e d p q dp dq qi; EC → crv x y d; OKP → crv x d;
 * ML-DSA / ML-KEM → kty "AKP", alg, pub, priv = the seed (32 bytes ML-DSA,
 * 64 bytes d‖z ML-KEM), as RFC 9964 and Node.js 24 do. DSA and DH have no JWK.
 */
import { InvalidRequestError, UnsupportedFormatError } from '../errors.js'
import { b64url, fromB64url, padTo, stripZeros } from './bytes.js'
import {
  EC_SIZES,
  type EcCurve,
  type KeyMaterial,
  ML_DSA_SIZES,
  ML_KEM_SIZES,
  type MlDsaSet,
  type MlKemSet,
  noPss,
  OKP_SIZES,
  type OkpCurve,
} from './material.js'

/** A JSON Web Key as this package writes it (members per RFC 7517/7518/8037/9964). */
export interface Jwk {
  kty: 'RSA' | 'EC' | 'OKP' | 'AKP' | 'oct'
  crv?: string
  alg?: string
  use?: string
  kid?: string
  key_ops?: string[]
  [member: string]: unknown
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k', 'priv'] as const

/** A copy of the JWK without its private members. */
export function publicJwk<T extends Record<string, unknown>>(jwk: T): T {
  const out: Record<string, unknown> = { ...jwk }
  for (const m of PRIVATE_MEMBERS) delete out[m]
  return out as T
}

export function materialToJwk(m: KeyMaterial, includePrivate: boolean): Jwk {
  noPss(m, 'a JWK')
  switch (m.type) {
    case 'RSA': {
      const jwk: Jwk = { kty: 'RSA', n: b64url(stripZeros(m.n)), e: b64url(stripZeros(m.e)) }
      if (includePrivate) {
        const { d, p, q, dp, dq, qi } = m
        if (!d || !p || !q || !dp || !dq || !qi) throw new InvalidRequestError('the RSA key has no private part')
        Object.assign(jwk, {
          d: b64url(stripZeros(d)),
          p: b64url(stripZeros(p)),
          q: b64url(stripZeros(q)),
          dp: b64url(stripZeros(dp)),
          dq: b64url(stripZeros(dq)),
          qi: b64url(stripZeros(qi)),
        })
      }
      return jwk
    }
    case 'EC': {
      const cb = EC_SIZES[m.curve]
      const jwk: Jwk = { kty: 'EC', crv: m.curve, x: b64url(padOrThrow(m.x, cb)), y: b64url(padOrThrow(m.y, cb)) }
      if (includePrivate) {
        if (!m.d) throw new InvalidRequestError('the EC key has no private part')
        jwk.d = b64url(padOrThrow(m.d, cb))
      }
      return jwk
    }
    case 'OKP': {
      const jwk: Jwk = { kty: 'OKP', crv: m.curve, x: b64url(m.x) }
      if (includePrivate) {
        if (!m.d) throw new InvalidRequestError('the OKP key has no private part')
        jwk.d = b64url(m.d)
      }
      return jwk
    }
    case 'ML-DSA':
    case 'ML-KEM': {
      if (!m.pub) throw new InvalidRequestError(`the ${m.type} material has no public key`)
      const jwk: Jwk = { kty: 'AKP', alg: `${m.type}-${m.parameterSet}`, pub: b64url(m.pub) }
      if (includePrivate) {
        if (!m.seed) {
          throw new UnsupportedFormatError(`a private ${m.type} JWK holds the seed, and this key has none`)
        }
        jwk.priv = b64url(m.seed)
      }
      return jwk
    }
    case 'DSA':
    case 'DH':
      throw new UnsupportedFormatError(`${m.type} keys have no JWK representation; export them as PEM or DER`)
  }
}

function padOrThrow(v: Uint8Array, width: number): Uint8Array {
  const p = padTo(v, width)
  if (!p) throw new InvalidRequestError('coordinate larger than its curve')
  return p
}

function member(jwk: Record<string, unknown>, name: string, required: true): Uint8Array
function member(jwk: Record<string, unknown>, name: string, required: false): Uint8Array | undefined
function member(jwk: Record<string, unknown>, name: string, required: boolean): Uint8Array | undefined {
  const v = jwk[name]
  if (v === undefined && !required) return undefined
  if (typeof v !== 'string') throw new InvalidRequestError(`invalid JWK: "${name}" must be a base64url string`)
  const b = fromB64url(v)
  if (!b || b.length === 0) throw new InvalidRequestError(`invalid JWK: "${name}" is not base64url`)
  return b
}

function exactly(b: Uint8Array | undefined, n: number, what: string): Uint8Array | undefined {
  if (b !== undefined && b.length !== n) throw new InvalidRequestError(`invalid JWK: "${what}" must be ${n} bytes`)
  return b
}

/**
 * Reads a JWK into material. `usage` says whether an EC key is for ECDSA or
 * ECDH (a JWK does not say; default ECDSA).
 */
export function jwkToMaterial(jwk: unknown, usage: 'ECDSA' | 'ECDH' = 'ECDSA'): KeyMaterial {
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) {
    throw new InvalidRequestError('invalid JWK: not an object')
  }
  if (usage !== 'ECDSA' && usage !== 'ECDH') throw new InvalidRequestError("the EC usage must be 'ECDSA' or 'ECDH'")
  const j = jwk as Record<string, unknown>
  switch (j.kty) {
    case 'RSA': {
      const m: KeyMaterial = { type: 'RSA', n: member(j, 'n', true), e: member(j, 'e', true) }
      if (j.d !== undefined) {
        for (const k of ['d', 'p', 'q', 'dp', 'dq', 'qi'] as const) m[k] = member(j, k, true)
      }
      return m
    }
    case 'EC': {
      const crv = j.crv as EcCurve
      if (typeof j.crv !== 'string' || !Object.hasOwn(EC_SIZES, crv))
        throw new InvalidRequestError('invalid JWK: unsupported "crv"')
      const cb = EC_SIZES[crv]
      const m: KeyMaterial = {
        type: 'EC',
        curve: crv,
        usage,
        x: exactly(member(j, 'x', true), cb, 'x') as Uint8Array,
        y: exactly(member(j, 'y', true), cb, 'y') as Uint8Array,
      }
      const d = exactly(member(j, 'd', false), cb, 'd')
      if (d) m.d = d
      return m
    }
    case 'OKP': {
      const crv = j.crv as OkpCurve
      if (typeof j.crv !== 'string' || !Object.hasOwn(OKP_SIZES, crv))
        throw new InvalidRequestError('invalid JWK: unsupported "crv"')
      const cb = OKP_SIZES[crv]
      const m: KeyMaterial = { type: 'OKP', curve: crv, x: exactly(member(j, 'x', true), cb, 'x') as Uint8Array }
      const d = exactly(member(j, 'd', false), cb, 'd')
      if (d) m.d = d
      return m
    }
    case 'AKP': {
      const alg = typeof j.alg === 'string' ? j.alg : ''
      const match = /^(ML-DSA|ML-KEM)-(\d+)$/.exec(alg)
      if (!match) throw new InvalidRequestError('invalid JWK: AKP "alg" must be ML-DSA-44/65/87 or ML-KEM-512/768/1024')
      const [, family, set] = match
      if (family === 'ML-DSA') {
        const sizes = ML_DSA_SIZES[set as MlDsaSet]
        if (!sizes) throw new InvalidRequestError(`invalid JWK: unknown ${alg}`)
        const m: KeyMaterial = { type: 'ML-DSA', parameterSet: set as MlDsaSet }
        m.pub = exactly(member(j, 'pub', true), sizes.pub, 'pub') as Uint8Array
        const seed = exactly(member(j, 'priv', false), 32, 'priv')
        if (seed) m.seed = seed
        return m
      }
      const sizes = ML_KEM_SIZES[set as MlKemSet]
      if (!sizes) throw new InvalidRequestError(`invalid JWK: unknown ${alg}`)
      const m: KeyMaterial = { type: 'ML-KEM', parameterSet: set as MlKemSet }
      m.pub = exactly(member(j, 'pub', true), sizes.pub, 'pub') as Uint8Array
      const seed = exactly(member(j, 'priv', false), 64, 'priv')
      if (seed) m.seed = seed
      return m
    }
    default:
      throw new InvalidRequestError('invalid JWK: "kty" must be RSA, EC, OKP or AKP')
  }
}
