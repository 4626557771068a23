/**
 * signJwt(key, claims, { expiresIn }): the one-call JWT of the CLI's `jwt
 * sign`, made with the jose builder that signs on the handle (src/jose/sign.ts):
 * the algorithm follows from the key (the curve's ES*, RS256 for RSA unless
 * alg says otherwise), iat is set, kid is the key's JWK thumbprint.
 */
import { describeValue, InvalidRequestError } from '../errors.js'
import { type JwsAlgorithm, SignJWT } from '../jose/sign.js'
import type { KeyPair } from '../keypair.js'
import { keySignature } from '../registry.js'

export interface SignJwtOptions {
  /** Expiry from now: seconds, or '30s' '15m' '1h' '7d' (jose's time spans). */
  expiresIn?: number | string
  /** Default: ES256/384/512 by curve, RS256 for RSA (PS* on request). */
  alg?: JwsAlgorithm
  /** The header's kid (default: the public key's RFC 7638 thumbprint). */
  kid?: string
}

/** A JWT with `claims` (iat and, with expiresIn, exp added), signed by the key's handle. */
export async function signJwt(
  key: KeyPair,
  claims: Record<string, unknown>,
  options: SignJwtOptions = {},
): Promise<string> {
  // without alg: the key's own signature in the registry (ES256/384/512 by curve, RS256 for RSA)
  const alg = options.alg ?? (keySignature(key.algorithm)?.alg as JwsAlgorithm | undefined)
  if (!alg) throw new InvalidRequestError(`signJwt: give alg for ${describeValue(key.algorithm)} keys`)
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg, typ: 'JWT', kid: options.kid ?? key.publicKey.thumbprint() })
    .setIssuedAt()
  const exp = options.expiresIn
  if (exp !== undefined) {
    if (typeof exp === 'number' && !(Number.isSafeInteger(exp) && exp > 0)) {
      throw new InvalidRequestError(`expiresIn must be a positive number of seconds, not ${describeValue(exp)}`)
    }
    jwt.setExpirationTime(typeof exp === 'number' ? `${exp}s` : exp)
  }
  return jwt.sign(key)
}
