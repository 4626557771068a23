/**
 * POST /apiops/projects/{p}/jwks — a JWK from an existing key, Apinizer's
 * "Create JWK" with the sources that need nothing but the body:
 *
 *   { "name", "description"?, "sourceType": "COPY_PASTE", "jwkStr": "<JWK or JWK set JSON>", "kid"? }
 *   { "name", "description"?, "sourceType": "PEM", "pem": "<PKCS#8 / PKCS#1 / SEC1 / SPKI PEM>",
 *     "kid"?, "use"?: "sig" | "enc", "alg"? }
 *
 * For a JWK set, `kid` picks the key (as Apinizer does). The key is checked
 * by node:crypto (a JWK or PEM it cannot load is refused); a private key
 * keeps its private half (encrypted at rest like generated ones), a public
 * one has none. Without a kid in the key or the body, the RFC 7638 SHA-256
 * thumbprint becomes the kid.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto'
import { describeValue, InvalidRequestError } from '../errors.js'
import { type Jwk, publicJwk } from '../formats/jwk.js'
import { jwkThumbprint } from '../formats/thumbprint.js'
import type { JwkStoreInput } from '../store/index.js'
import { NAME_EMPTY } from '../store/messages.js'

const fail = (message: string): never => {
  throw new InvalidRequestError(message)
}

const KEYS: Record<string, readonly string[]> = {
  COPY_PASTE: ['name', 'description', 'sourceType', 'jwkStr', 'kid'],
  PEM: ['name', 'description', 'sourceType', 'pem', 'kid', 'use', 'alg'],
}
const TYPE_OF_KTY: Record<string, string> = { RSA: 'RSA', EC: 'EC', OKP: 'OKP', oct: 'OCT' }
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'priv']

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

function optionalString(r: Record<string, unknown>, key: string): string | undefined {
  const v = r[key]
  if (v === undefined || v === null || v === '') return undefined
  if (typeof v !== 'string') fail(`${key} must be a string`)
  return v as string
}

/** A JWK from jwkStr (a JWK, or a set and the kid that picks one key). */
function fromJwkString(jwkStr: string, kid: string | undefined): Jwk {
  let parsed: unknown
  try {
    parsed = JSON.parse(jwkStr)
  } catch {
    return fail('jwkStr is not valid JSON')
  }
  if (isObject(parsed) && Array.isArray(parsed.keys)) {
    const keys = parsed.keys as unknown[]
    if (kid === undefined) {
      if (keys.length !== 1) fail(`jwkStr is a JWK set of ${keys.length} keys: give the kid of the one to use`)
      parsed = keys[0]
    } else {
      parsed = keys.find((k) => isObject(k) && k.kid === kid)
      if (parsed === undefined) fail(`jwkStr is a JWK set without a key of kid ${JSON.stringify(kid)}`)
    }
  }
  if (!isObject(parsed) || typeof parsed.kty !== 'string')
    return fail('jwkStr must be a JWK (or a JWK set) with a "kty"')
  const jwk = parsed as Jwk
  if (!Object.hasOwn(TYPE_OF_KTY, jwk.kty)) fail(`jwkStr: kty ${describeValue(jwk.kty)} is not RSA, EC, OKP or oct`)
  if (jwk.kty === 'oct') {
    if (typeof jwk.k !== 'string' || !/^[A-Za-z0-9_-]+$/.test(jwk.k))
      fail('jwkStr: an oct JWK needs its "k" (base64url)')
  } else {
    try {
      const hasPrivate = typeof jwk.d === 'string'
      if (hasPrivate) createPrivateKey({ key: jwk as never, format: 'jwk' })
      else createPublicKey({ key: jwk as never, format: 'jwk' })
    } catch (err) {
      fail(`jwkStr is not a usable ${jwk.kty} key: ${(err as Error).message}`)
    }
  }
  return jwk
}

/** A JWK from a PEM (private: PKCS#8, PKCS#1, SEC1; public: SPKI, PKCS#1). */
function fromPem(pem: string): Jwk {
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(pem)) {
    fail('pem is an encrypted private key: decrypt it first')
  }
  let key: KeyObject
  try {
    key = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(pem) ? createPrivateKey(pem) : createPublicKey(pem)
  } catch (err) {
    return fail(`pem is not a PEM key node:crypto can read: ${(err as Error).message}`)
  }
  try {
    return key.export({ format: 'jwk' }) as Jwk
  } catch (err) {
    return fail(`a ${key.asymmetricKeyType} key has no JWK form: ${(err as Error).message}`)
  }
}

/** The store entry for a Create JWK body. */
export function importJwk(body: unknown, now: Date): JwkStoreInput {
  if (!isObject(body)) return fail('the create JWK request must be a JSON object')
  if (typeof body.name !== 'string' || body.name.trim() === '') fail(NAME_EMPTY)
  const sourceType = body.sourceType
  if (typeof sourceType !== 'string' || !Object.hasOwn(KEYS, sourceType)) {
    fail(`sourceType must be one of ${Object.keys(KEYS).join(', ')} (got ${describeValue(sourceType)})`)
  }
  for (const k of Object.keys(body)) {
    if (!(KEYS[sourceType as string] as readonly string[]).includes(k)) {
      fail(`unknown field "${k}" in the create JWK request (sourceType ${sourceType})`)
    }
  }
  const description = optionalString(body, 'description')
  const kidGiven = optionalString(body, 'kid')
  let jwk: Jwk
  if (sourceType === 'COPY_PASTE') {
    const jwkStr = optionalString(body, 'jwkStr')
    if (jwkStr === undefined) return fail('sourceType COPY_PASTE needs jwkStr')
    jwk = fromJwkString(jwkStr, kidGiven)
  } else {
    const pem = optionalString(body, 'pem')
    if (pem === undefined) return fail('sourceType PEM needs pem')
    jwk = fromPem(pem)
    const use = optionalString(body, 'use')
    if (use !== undefined && use !== 'sig' && use !== 'enc')
      fail(`use must be "sig" or "enc" (got ${describeValue(use)})`)
    const alg = optionalString(body, 'alg')
    if (use !== undefined) jwk.use = use
    if (alg !== undefined) jwk.alg = alg
  }
  const kid = kidGiven ?? (typeof jwk.kid === 'string' && jwk.kid !== '' ? jwk.kid : jwkThumbprint(jwk, 'sha256'))
  const { kty, ...rest } = jwk
  const full = { kty, kid, ...rest } as Jwk
  const hasPrivate = PRIVATE_MEMBERS.some((m) => full[m] !== undefined)
  const metadata: Record<string, unknown> & { name: string } = {
    name: body.name as string,
    type: TYPE_OF_KTY[kty],
    kid,
    sourceType,
    hasPrivate,
    createdAt: now.toISOString(),
    thumbprint: jwkThumbprint(full, 'sha256'),
  }
  if (description !== undefined) metadata.description = description
  if (typeof full.use === 'string') metadata.use = full.use
  if (typeof full.alg === 'string') metadata.alg = full.alg
  for (const t of ['nbf', 'exp'] as const) if (typeof full[t] === 'number') metadata[t] = full[t]
  return { privateJwk: full, publicJwk: kty === 'oct' ? null : publicJwk(full), metadata }
}
