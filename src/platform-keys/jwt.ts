/**
 * Compact JWS / JWT signed by a key handle (a platform key or any KeyPair):
 * base64url(header).base64url(payload).base64url(signature), the signature
 * made by key.sign — r‖s for ECDSA (JWA's form), PKCS#1 v1.5 or PSS for RSA.
 * The private key never leaves its store; jose (or any JOSE library) verifies.
 */
import { describeValue, InvalidRequestError, UnsupportedOperationError } from '../errors.js'
import { b64url } from '../formats/bytes.js'
import type { KeyPair } from '../keypair.js'
import type { Hash } from '../operations/index.js'

export type JwsAlgorithm = 'ES256' | 'ES384' | 'ES512' | 'RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512'

interface JwsPlan {
  alg: JwsAlgorithm
  hash: Hash
  padding?: 'pkcs1' | 'pss'
}

const EC_ALG: Record<string, JwsPlan> = {
  ECDSA_P256: { alg: 'ES256', hash: 'SHA-256' },
  ECDSA_P384: { alg: 'ES384', hash: 'SHA-384' },
  ECDSA_P521: { alg: 'ES512', hash: 'SHA-512' },
}

const RSA_ALG: Record<string, JwsPlan> = {
  RS256: { alg: 'RS256', hash: 'SHA-256', padding: 'pkcs1' },
  RS384: { alg: 'RS384', hash: 'SHA-384', padding: 'pkcs1' },
  RS512: { alg: 'RS512', hash: 'SHA-512', padding: 'pkcs1' },
  PS256: { alg: 'PS256', hash: 'SHA-256', padding: 'pss' },
  PS384: { alg: 'PS384', hash: 'SHA-384', padding: 'pss' },
  PS512: { alg: 'PS512', hash: 'SHA-512', padding: 'pss' },
}

/** The JWS algorithm of a key (ES256 for P-256, RS256 for RSA unless alg says PS*). */
export function jwsPlan(key: Pick<KeyPair, 'algorithm'>, alg?: unknown): JwsPlan {
  const ec = EC_ALG[key.algorithm]
  if (ec) {
    if (alg !== undefined && alg !== ec.alg)
      throw new InvalidRequestError(`a ${key.algorithm} key signs ${ec.alg}, not ${describeValue(alg)}`)
    return ec
  }
  if (key.algorithm === 'RSA') {
    const plan = RSA_ALG[(alg ?? 'RS256') as string]
    if (!plan)
      throw new InvalidRequestError(`an RSA key signs RS256/384/512 or PS256/384/512, not ${describeValue(alg)}`)
    return plan
  }
  throw new UnsupportedOperationError(`a ${key.algorithm} key does not sign JWTs here (ECDSA_P256/P384/P521 or RSA)`)
}

export interface SignJwtOptions {
  /** Expiry from now: seconds, or '30s' '15m' '1h' '7d'. */
  expiresIn?: number | string
  /** RSA: RS256 (default) … PS512. EC keys: the curve's ES* (checked). */
  alg?: JwsAlgorithm
  /** The header's kid (default: the public key's RFC 7638 thumbprint). */
  kid?: string
  /** Extra protected-header members (x5t#S256, typ, ...). alg and kid win. */
  header?: Record<string, unknown>
  /** Seconds since the epoch for iat (default: now). */
  now?: number
}

const UNIT: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 }

export function parseDuration(v: unknown): number {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v > 0) return v
  const m = typeof v === 'string' ? /^([1-9][0-9]{0,8})([smhd])$/.exec(v) : null
  if (!m)
    throw new InvalidRequestError(`a duration is seconds or NUMBER followed by s, m, h or d, not ${describeValue(v)}`)
  return Number(m[1]) * (UNIT[m[2] as string] as number)
}

/** A JWT with `claims` (iat and exp added), signed by the key's handle. */
export async function signJwt(
  key: KeyPair,
  claims: Record<string, unknown>,
  options: SignJwtOptions = {},
): Promise<string> {
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) {
    throw new InvalidRequestError('JWT claims must be an object')
  }
  const plan = jwsPlan(key, options.alg)
  const now = options.now ?? Math.floor(Date.now() / 1000)
  const payload: Record<string, unknown> = { iat: now, ...claims }
  if (options.expiresIn !== undefined) payload.exp = now + parseDuration(options.expiresIn)
  const header = {
    ...(options.header ?? {}),
    alg: plan.alg,
    typ: 'JWT',
    kid: options.kid ?? key.publicKey.thumbprint(),
  }
  const text = (v: unknown): string => b64url(new TextEncoder().encode(JSON.stringify(v)))
  const signingInput = `${text(header)}.${text(payload)}`
  const signature = await key.sign(new TextEncoder().encode(signingInput), {
    hash: plan.hash,
    ...(plan.padding ? { padding: plan.padding } : {}),
  })
  return `${signingInput}.${b64url(signature)}`
}
