/** RFC 7638 JWK thumbprints (and the AKP members of RFC 9964). */
import { createHash } from 'node:crypto'
import { InvalidRequestError } from '../errors.js'

const REQUIRED: Record<string, readonly string[]> = {
  RSA: ['e', 'kty', 'n'],
  EC: ['crv', 'kty', 'x', 'y'],
  OKP: ['crv', 'kty', 'x'],
  oct: ['k', 'kty'],
  AKP: ['alg', 'kty', 'pub'],
}

export type ThumbprintDigest = 'sha256' | 'sha384' | 'sha512' | 'sha1'

/** The base64url thumbprint of a JWK (public or private; only required members count). */
export function jwkThumbprint(jwk: Record<string, unknown>, digest: ThumbprintDigest = 'sha256'): string {
  const members = typeof jwk?.kty === 'string' && Object.hasOwn(REQUIRED, jwk.kty) ? REQUIRED[jwk.kty] : undefined
  if (!members) throw new InvalidRequestError('thumbprint: "kty" must be RSA, EC, OKP, oct or AKP')
  if (!['sha256', 'sha384', 'sha512', 'sha1'].includes(digest)) {
    throw new InvalidRequestError('thumbprint: digest must be sha256, sha384, sha512 or sha1')
  }
  const canonical: Record<string, string> = {}
  for (const m of members) {
    const v = jwk[m]
    if (typeof v !== 'string' || v.length === 0) throw new InvalidRequestError(`thumbprint: "${m}" is required`)
    canonical[m] = v
  }
  return createHash(digest).update(JSON.stringify(canonical)).digest('base64url')
}

const URI_HASH_NAMES: Record<string, string> = { sha256: 'sha-256', sha384: 'sha-384', sha512: 'sha-512' }

/**
 * The RFC 9278 JWK thumbprint URI, `urn:ietf:params:oauth:jwk-thumbprint:sha-256:…`
 * (hash names from the IANA Named Information registry; SHA-1 has none there).
 */
export function jwkThumbprintUri(
  jwk: Record<string, unknown>,
  digest: Exclude<ThumbprintDigest, 'sha1'> = 'sha256',
): string {
  const name = Object.hasOwn(URI_HASH_NAMES, digest) ? URI_HASH_NAMES[digest] : undefined
  if (!name) throw new InvalidRequestError('thumbprint URI: digest must be sha256, sha384 or sha512')
  return `urn:ietf:params:oauth:jwk-thumbprint:${name}:${jwkThumbprint(jwk, digest)}`
}
