/** The x5c / x5t#S256 members of a public JWK (RFC 7517 §4.7, §4.9), from the key's certificate chain. */
import { createHash, X509Certificate } from 'node:crypto'
import { describeValue, InvalidRequestError } from '../errors.js'
import type { Jwk } from './jwk.js'

/** A certificate (PEM text, DER bytes, or what createCertificate returned), or a chain with the key's first. */
export type X5cInput =
  | string
  | Uint8Array
  | { der: Uint8Array }
  | readonly (string | Uint8Array | { der: Uint8Array })[]

function toDer(c: unknown): Uint8Array {
  if (c instanceof Uint8Array) return c
  if (typeof c === 'object' && c !== null && (c as { der?: unknown }).der instanceof Uint8Array) {
    return (c as { der: Uint8Array }).der
  }
  if (typeof c === 'string') {
    const m = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----/.exec(c)
    if (m) return new Uint8Array(Buffer.from((m[1] as string).replace(/\s+/g, ''), 'base64'))
  }
  throw new InvalidRequestError(`x5c takes certificates as PEM, DER or { der }, not ${describeValue(c)}`)
}

/** jwk plus x5c and x5t#S256; the first certificate must be the key's own (its SPKI is checked). */
export function withX5c(jwk: Jwk, spki: Uint8Array, x5c: unknown): Jwk {
  const list = Array.isArray(x5c) ? x5c : [x5c]
  if (list.length === 0 || list.length > 10) throw new InvalidRequestError('x5c takes 1 to 10 certificates')
  const ders = list.map(toDer)
  let first: X509Certificate
  try {
    first = new X509Certificate(ders[0] as Uint8Array)
  } catch (err) {
    throw new InvalidRequestError('the x5c certificate does not parse', { cause: err })
  }
  const certSpki = first.publicKey.export({ format: 'der', type: 'spki' })
  if (!Buffer.from(spki).equals(certSpki)) {
    throw new InvalidRequestError("the first x5c certificate is not this key's (its public key differs)")
  }
  return {
    ...jwk,
    x5c: ders.map((d) => Buffer.from(d).toString('base64')),
    'x5t#S256': createHash('sha256')
      .update(ders[0] as Uint8Array)
      .digest('base64url'),
  }
}
