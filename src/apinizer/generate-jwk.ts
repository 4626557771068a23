/**
 * generateJwk(request): the body of an Apinizer "generate JWK" call
 * (POST /apiops/projects/{project}/jwks/generate) in, a private JWK, its
 * public JWK and the metadata out. Key pairs come from generateKey (the
 * platform backend), OCT secrets from randomBytes (the platform RNG).
 *
 * Rules, beyond the field list of Apinizer's documentation:
 * - `keyUseType` defaults to SIGNATURE, except when the request says
 *   otherwise: the `algorithm`'s use, or ENCRYPTION for an X25519 key (which
 *   can only agree keys). An explicit keyUseType that contradicts either is
 *   an error.
 * - `algorithm` is Apinizer's spelling (RSA256, RSA_OAEP_256, ECDH_ES_A128KW,
 *   PBES2_HS256_A128KW, DIR, ...) or the JWA name it maps to (RS256,
 *   RSA-OAEP-256, ECDH-ES+A128KW, PBES2-HS256+A128KW, dir, ...); it must fit
 *   the type, the curve, the use and (OCT) the key size: A128KW needs 128
 *   bits, HS384 at least 384 (RFC 7518 §3.2), hence OCT keySize 384 and 512
 *   as an extension. Without `algorithm` the JWK has no `alg`.
 * - SECP256K1 keys only sign (ES256K); ED25519 only signs; X25519 only
 *   encrypts — JOSE defines nothing else for them.
 * - `kid` (explicit) wins; else `keyIdType`, default TIMESTAMP:
 *     TIMESTAMP  `<use>-<Unix time in milliseconds>`   e.g. sig-1704067200000
 *     ISO_DATE   `<use>-<ISO 8601 UTC, milliseconds>`   e.g. sig-2024-01-01T00:00:00.000Z
 *     SHA256     RFC 7638 JWK thumbprint, SHA-256, base64url (jose's calculateJwkThumbprint)
 *     SHA1       the RFC 7638 method with SHA-1, base64url (27 characters)
 *     NONE       no `kid` member
 *   `<use>` is `sig` or `enc`; the time is the generation time (options.now).
 *   Milliseconds, not seconds, so that keys made one after another differ.
 *   For OCT keys the thumbprint covers `k` (RFC 7638 §7): a hash of the secret.
 * - `notBeforeTime` (default: the generation time) and `expirationTime`
 *   (default: one calendar year after notBeforeTime, UTC) are ISO 8601
 *   (`2024-01-01`, `2024-01-01T00:00:00Z`, with fractions or a ±hh:mm
 *   offset); a date-time needs its zone. They become `nbf` and `exp` (whole
 *   seconds) on both JWKs. expirationTime must be after notBeforeTime.
 * - OCT `passwordSaltLength` (default 8, at least 8: RFC 7518 §4.8.1.1) and
 *   `passwordIterationCount` (default 1000, at least 1000) are validated
 *   always, and recorded in the metadata for the PBES2 algorithms.
 * - An empty `kid` or `description` counts as not given; null counts as
 *   not given for every optional field; unknown fields are errors.
 * Every refusal is ERR_INVALID_REQUEST, with Apinizer's own message where it
 * has one ("JWK name can not be empty!", "JWK type can not be empty!", and
 * "JWK (name: X) is already exist! ..." when `options.store` has the name).
 */
import { describeValue, InvalidRequestError } from '../errors.js'
import { b64url, wipe } from '../formats/bytes.js'
import type { Jwk } from '../formats/jwk.js'
import { jwkThumbprint } from '../formats/thumbprint.js'
import { capabilities, generateKey, type KeySpec } from '../generate/index.js'
import type { Provider } from '../native.js'
import { randomBytes } from '../random.js'
import { specForCurve } from '../registry.js'
import { alreadyExists, NAME_EMPTY, TYPE_EMPTY } from '../store/messages.js'
import {
  type AlgorithmInfo,
  algorithmNames,
  CRV,
  type CurveType,
  EC_CURVE_TYPES,
  type EcCurveType,
  findAlgorithm,
  JWK_TYPES,
  type JwkType,
  KEY_ID_TYPES,
  KEY_USE_TYPES,
  type KeyIdType,
  type KeyUseType,
  MAX_OCT_KEY_SIZE,
  OCT_KEY_SIZES,
  OKP_CURVE_TYPES,
  type OkpCurveType,
  RSA_KEY_SIZES,
} from './algorithms.js'

/** Fields every type-specific object shares. */
export interface KeyParameters {
  /** SIGNATURE (default) or ENCRYPTION → `use` sig / enc. */
  keyUseType?: KeyUseType | null
  /** Apinizer's spelling (RSA256, ECDH_ES_A128KW, DIR, ...) or the JWA name. */
  algorithm?: string | null
  /** TIMESTAMP (default), SHA256, SHA1, ISO_DATE, NONE. */
  keyIdType?: KeyIdType | null
  /** ISO 8601; default: now. */
  notBeforeTime?: string | Date | null
  /** ISO 8601; default: one year after notBeforeTime. */
  expirationTime?: string | Date | null
}

export interface RsaParameters extends KeyParameters {
  keySize: 2048 | 3072 | 4096
}

export interface EcParameters extends KeyParameters {
  curveType: EcCurveType
}

export interface OctParameters extends KeyParameters {
  /** Bits: 128, 192, 256 (Apinizer), 384, 512 (for HS384 / HS512), or any multiple of 8 up to 8192 (HMAC secrets). */
  keySize: number
  /** PBES2 salt length in bytes; default 8. */
  passwordSaltLength?: number | null
  /** PBES2 iteration count; default 1000. */
  passwordIterationCount?: number | null
}

export interface OkpParameters extends KeyParameters {
  curveType: OkpCurveType
}

/** The request body of Apinizer's "generate JWK" call. */
export interface GenerateJwkRequest {
  name: string
  description?: string | null
  type: JwkType
  kid?: string | null
  rsa?: RsaParameters | null
  ec?: EcParameters | null
  oct?: OctParameters | null
  okp?: OkpParameters | null
}

export interface JwkMetadata {
  name: string
  description?: string
  type: JwkType
  /** The `kid`, if the JWK has one. */
  kid?: string
  /** 'explicit' when the request gave the kid, else 'generated' (or none for NONE). */
  kidSource: 'explicit' | 'generated' | 'none'
  keyIdType: KeyIdType
  keyUseType: KeyUseType
  use: 'sig' | 'enc'
  /** Apinizer's spelling and the JWA `alg`, when the request named an algorithm. */
  algorithm?: string
  alg?: string
  keySize?: number
  curveType?: CurveType
  crv?: string
  /** ISO 8601 UTC, and the same as `nbf` / `exp` seconds on the JWK. */
  notBefore: string
  expiration: string
  nbf: number
  exp: number
  /** The generation time, ISO 8601 UTC. */
  createdAt: string
  /** RFC 7638 SHA-256 thumbprint of the (public) JWK. */
  thumbprint: string
  /** Who generated the material: the platform provider. */
  provider: Provider
  /** PBES2 algorithms: the salt length (bytes) and iteration count to use with this password. */
  pbes2?: { saltLength: number; iterationCount: number }
  /** Advice, e.g. for a deprecated algorithm. */
  warnings: string[]
}

export interface GenerateJwkResult {
  /** The JWK with its private (or, for OCT, secret) members. */
  privateJwk: Jwk
  /** The public JWK; null for OCT, which has no public half. */
  publicJwk: Jwk | null
  metadata: JwkMetadata
}

/** What generateJwk needs of a store (JwkStore fits). */
export interface JwkStoreLike {
  has(name: string): Promise<boolean>
  add(entry: GenerateJwkResult): Promise<unknown>
}

export interface GenerateJwkOptions {
  /** Refuse a name the store already has (Apinizer's message), and add the new JWK to it. */
  store?: JwkStoreLike
  /** The generation time (default: now): the default notBeforeTime and the TIMESTAMP / ISO_DATE kids. */
  now?: Date
}

const fail = (message: string): never => {
  throw new InvalidRequestError(message)
}

const REQUEST_KEYS = ['name', 'description', 'type', 'kid', 'rsa', 'ec', 'oct', 'okp']
const COMMON_KEYS = ['keyUseType', 'algorithm', 'keyIdType', 'notBeforeTime', 'expirationTime']
const TYPE_KEYS: Record<JwkType, readonly string[]> = {
  RSA: ['keySize', ...COMMON_KEYS],
  EC: ['curveType', ...COMMON_KEYS],
  OCT: ['keySize', 'passwordSaltLength', 'passwordIterationCount', ...COMMON_KEYS],
  OKP: ['curveType', ...COMMON_KEYS],
}
const PARAMS_KEY: Record<JwkType, 'rsa' | 'ec' | 'oct' | 'okp'> = { RSA: 'rsa', EC: 'ec', OCT: 'oct', OKP: 'okp' }

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date)

/** null and undefined are both "not given". */
const given = <T>(v: T | null | undefined): v is T => v !== undefined && v !== null

function optionalString(v: unknown, what: string): string | undefined {
  if (!given(v)) return undefined
  if (typeof v !== 'string') fail(`${what} must be a string`)
  return (v as string).trim() === '' ? undefined : (v as string)
}

function oneOf<T extends string | number>(v: unknown, allowed: readonly T[], what: string): T {
  if (!(allowed as readonly unknown[]).includes(v)) {
    fail(`${what} must be one of ${allowed.join(', ')} (got ${describeValue(v)})`)
  }
  return v as T
}

function integer(v: unknown, what: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
    fail(`${what} must be an integer from ${min} to ${max} (got ${describeValue(v)})`)
  }
  return v as number
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/
const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/

/** ISO 8601 → epoch milliseconds; a date-time must carry its zone (Z or ±hh:mm). */
function parseTime(v: unknown, what: string): number {
  if (v instanceof Date) {
    if (Number.isNaN(v.getTime())) fail(`${what} is an invalid Date`)
    return v.getTime()
  }
  if (typeof v !== 'string') return fail(`${what} must be an ISO 8601 date-time string`)
  const m = ISO_DATE_TIME.exec(v) ?? ISO_DATE.exec(v)
  if (!m) return fail(`${what} must be ISO 8601, like 2024-01-01T00:00:00Z (got ${describeValue(v)})`)
  const [year, month, day, hour = 0, minute = 0, second = 0] = m.slice(1, 7).map((x) => Number(x ?? 0))
  const daysInMonth = new Date(Date.UTC(year as number, month as number, 0)).getUTCDate()
  const offset = m[7] ?? 'Z'
  const offsetOk = /^(Z|[+-](0\d|1[0-4]):[0-5]\d)$/.test(offset)
  if (
    (month as number) < 1 ||
    (month as number) > 12 ||
    (day as number) < 1 ||
    (day as number) > daysInMonth ||
    (hour as number) > 23 ||
    (minute as number) > 59 ||
    (second as number) > 59 ||
    !offsetOk
  ) {
    fail(`${what} is not a valid date-time (got ${describeValue(v)})`)
  }
  const ms = Date.parse(m.length > 4 ? v : `${v}T00:00:00Z`)
  if (Number.isNaN(ms)) fail(`${what} is not a valid date-time (got ${describeValue(v)})`)
  return ms
}

/** One calendar year later, in UTC (29 February + 1 year = 1 March). */
function plusOneYear(ms: number): number {
  const d = new Date(ms)
  d.setUTCFullYear(d.getUTCFullYear() + 1)
  return d.getTime()
}

interface Plan {
  name: string
  description?: string
  type: JwkType
  kid?: string
  keyUseType: KeyUseType
  keyIdType: KeyIdType
  algorithm?: AlgorithmInfo
  keySize?: number
  curveType?: CurveType
  nbfMs: number
  expMs: number
  pbes2?: { saltLength: number; iterationCount: number }
}

/** Validates the request (and nothing else): every rule of the module comment. */
export function parseGenerateJwkRequest(request: unknown, now: Date = new Date()): Plan {
  if (!isObject(request)) fail('the generate JWK request must be a JSON object')
  const r = request as Record<string, unknown>
  if (!given(r.name) || (typeof r.name === 'string' && r.name.trim() === '')) fail(NAME_EMPTY)
  if (typeof r.name !== 'string') fail('JWK name must be a string')
  if (!given(r.type) || r.type === '') fail(TYPE_EMPTY)
  const type = oneOf(r.type, JWK_TYPES, 'JWK type')
  for (const k of Object.keys(r)) {
    if (!REQUEST_KEYS.includes(k)) fail(`unknown field "${k}" in the generate JWK request`)
  }
  const description = optionalString(r.description, 'description')
  const kid = optionalString(r.kid, 'kid')

  const paramsKey = PARAMS_KEY[type]
  for (const other of Object.values(PARAMS_KEY)) {
    if (other !== paramsKey && given(r[other])) {
      fail(`JWK type is ${type}, so only the "${paramsKey}" parameters may be given, not "${other}"`)
    }
  }
  const params = r[paramsKey]
  if (!given(params)) fail(`JWK type ${type} needs its "${paramsKey}" parameters`)
  if (!isObject(params)) fail(`"${paramsKey}" must be an object`)
  const p = params as Record<string, unknown>
  for (const k of Object.keys(p)) {
    if (!TYPE_KEYS[type].includes(k)) fail(`unknown field "${k}" in "${paramsKey}"`)
  }

  let keySize: number | undefined
  let curveType: CurveType | undefined
  if (type === 'RSA') {
    if (!given(p.keySize)) fail(`${paramsKey}.keySize is required: ${RSA_KEY_SIZES.join(', ')}`)
    keySize = oneOf(p.keySize, RSA_KEY_SIZES, `${paramsKey}.keySize`)
  } else if (type === 'OCT') {
    const sizes = `${OCT_KEY_SIZES.join(', ')}, or any multiple of 8 from ${OCT_KEY_SIZES[0]} to ${MAX_OCT_KEY_SIZE} (HMAC secrets)`
    if (!given(p.keySize)) fail(`${paramsKey}.keySize is required: ${sizes}`)
    const k = p.keySize
    if (
      typeof k !== 'number' ||
      !Number.isInteger(k) ||
      k % 8 !== 0 ||
      k < (OCT_KEY_SIZES[0] as number) ||
      k > MAX_OCT_KEY_SIZE
    ) {
      fail(`${paramsKey}.keySize must be ${sizes}, not ${describeValue(k)}`)
    }
    keySize = k as number
  } else {
    const curves = type === 'EC' ? EC_CURVE_TYPES : OKP_CURVE_TYPES
    if (!given(p.curveType)) fail(`${paramsKey}.curveType is required: ${curves.join(', ')}`)
    curveType = oneOf<CurveType>(p.curveType, curves, `${paramsKey}.curveType`)
  }

  let algorithm: AlgorithmInfo | undefined
  if (given(p.algorithm)) {
    if (typeof p.algorithm !== 'string') fail(`${paramsKey}.algorithm must be a string`)
    algorithm = findAlgorithm(p.algorithm as string)
    if (!algorithm) {
      const all = [...algorithmNames(type, 'SIGNATURE'), ...algorithmNames(type, 'ENCRYPTION')]
      fail(`${paramsKey}.algorithm ${describeValue(p.algorithm)} is unknown; for ${type}: ${all.join(', ')}`)
    }
  }

  // keyUseType: explicit, else the algorithm's, else ENCRYPTION for X25519, else SIGNATURE.
  let keyUseType: KeyUseType
  if (given(p.keyUseType)) keyUseType = oneOf(p.keyUseType, KEY_USE_TYPES, `${paramsKey}.keyUseType`)
  else if (algorithm) keyUseType = algorithm.use
  else keyUseType = curveType === 'X25519' ? 'ENCRYPTION' : 'SIGNATURE'

  if (algorithm) {
    const a = algorithm
    if (!a.types.includes(type)) {
      fail(
        `algorithm ${a.name} is not for ${type} keys; for ${type} ${keyUseType}: ${algorithmNames(type, keyUseType).join(', ')}`,
      )
    }
    if (a.use !== keyUseType) {
      fail(
        `algorithm ${a.name} is for ${a.use}, but keyUseType is ${keyUseType}; ` +
          `for ${type} ${keyUseType}: ${algorithmNames(type, keyUseType).join(', ')}`,
      )
    }
    if (a.curves && curveType && !a.curves.includes(curveType)) {
      fail(`algorithm ${a.name} works on ${a.curves.join(', ')}, not ${curveType}`)
    }
    if (a.keySize !== undefined && keySize !== a.keySize) {
      fail(`algorithm ${a.name} needs keySize ${a.keySize}, not ${keySize}`)
    }
    if (a.minKeySize !== undefined && (keySize as number) < a.minKeySize) {
      fail(`algorithm ${a.name} needs keySize ${a.minKeySize} or more (RFC 7518 §3.2), not ${keySize}`)
    }
  }
  if (curveType === 'SECP256K1' && keyUseType !== 'SIGNATURE') {
    fail('SECP256K1 keys only sign (ES256K): JOSE has no encryption on secp256k1; use P256, P384, P521 or X25519')
  }
  if (curveType === 'ED25519' && keyUseType !== 'SIGNATURE') {
    fail('ED25519 keys only sign (EdDSA); for ENCRYPTION use curveType X25519')
  }
  if (curveType === 'X25519' && keyUseType !== 'ENCRYPTION') {
    fail('X25519 keys only agree keys (ECDH_ES...), keyUseType ENCRYPTION; for SIGNATURE use curveType ED25519')
  }

  const keyIdType = given(p.keyIdType) ? oneOf(p.keyIdType, KEY_ID_TYPES, `${paramsKey}.keyIdType`) : 'TIMESTAMP'

  const nbfMs = given(p.notBeforeTime) ? parseTime(p.notBeforeTime, `${paramsKey}.notBeforeTime`) : now.getTime()
  const expMs = given(p.expirationTime)
    ? parseTime(p.expirationTime, `${paramsKey}.expirationTime`)
    : plusOneYear(nbfMs)
  if (Math.floor(expMs / 1000) <= Math.floor(nbfMs / 1000)) {
    fail(`${paramsKey}.expirationTime must be after notBeforeTime`)
  }

  const plan: Plan = { name: r.name as string, type, keyUseType, keyIdType, nbfMs, expMs }
  if (description !== undefined) plan.description = description
  if (kid !== undefined) plan.kid = kid
  if (algorithm) plan.algorithm = algorithm
  if (keySize !== undefined) plan.keySize = keySize
  if (curveType !== undefined) plan.curveType = curveType
  if (type === 'OCT') {
    const saltLength = given(p.passwordSaltLength)
      ? integer(p.passwordSaltLength, `${paramsKey}.passwordSaltLength`, 8, 1024)
      : 8
    const iterationCount = given(p.passwordIterationCount)
      ? integer(p.passwordIterationCount, `${paramsKey}.passwordIterationCount`, 1000, 2 ** 31 - 1)
      : 1000
    if (algorithm?.pbes2) plan.pbes2 = { saltLength, iterationCount }
  }
  return plan
}

/** The backend key for an asymmetric plan (the registry's key for the curve and use). */
function keySpec(plan: Plan): KeySpec {
  if (plan.curveType === undefined) return { algorithm: 'RSA', length: plan.keySize as number }
  return specForCurve(CRV[plan.curveType], plan.keyUseType === 'ENCRYPTION' ? 'agree' : 'sign')
}

/** Key material as JWK members (kty first), from the platform backend or RNG. */
async function material(plan: Plan): Promise<{ privateMembers: Jwk; publicMembers: Jwk | null }> {
  if (plan.type === 'OCT') {
    const secret = randomBytes((plan.keySize as number) / 8)
    try {
      return { privateMembers: { kty: 'oct', k: b64url(secret) }, publicMembers: null }
    } finally {
      wipe(secret)
    }
  }
  const kp = await generateKey({ ...keySpec(plan), extractable: true })
  try {
    return { privateMembers: kp.export({ format: 'jwk' }), publicMembers: kp.publicKey.export({ format: 'jwk' }) }
  } finally {
    kp.destroy()
  }
}

/** The kid per keyIdType (see the module comment for each formula). */
export function keyId(
  keyIdType: KeyIdType,
  use: 'sig' | 'enc',
  publicMembers: Record<string, unknown>,
  now: Date,
): string | undefined {
  switch (keyIdType) {
    case 'TIMESTAMP':
      return `${use}-${now.getTime()}`
    case 'ISO_DATE':
      return `${use}-${now.toISOString()}`
    case 'SHA256':
      return jwkThumbprint(publicMembers, 'sha256')
    case 'SHA1':
      return jwkThumbprint(publicMembers, 'sha1')
    case 'NONE':
      return undefined
  }
}

/** kty, kid, use, alg, then the key members, then nbf and exp. */
function decorate(members: Jwk, head: Record<string, unknown>, nbf: number, exp: number): Jwk {
  const { kty, ...rest } = members
  return { kty, ...head, ...rest, nbf, exp } as Jwk
}

/**
 * Generates a JWK from an Apinizer "generate JWK" request body. With
 * `options.store`, a name the store already has is refused with Apinizer's
 * message before any key is made, and the new JWK is added to the store.
 */
export async function generateJwk(
  request: GenerateJwkRequest,
  options: GenerateJwkOptions = {},
): Promise<GenerateJwkResult> {
  if (!isObject(options)) fail('generateJwk options must be an object')
  for (const k of Object.keys(options)) {
    if (k !== 'store' && k !== 'now') fail(`unknown generateJwk option "${k}"`)
  }
  if (given(options.now) && !(options.now instanceof Date && !Number.isNaN(options.now.getTime()))) {
    fail('options.now must be a valid Date')
  }
  const now = options.now ?? new Date()
  const plan = parseGenerateJwkRequest(request, now)
  const store = options.store
  if (store && (await store.has(plan.name))) fail(alreadyExists(plan.name))

  const { privateMembers, publicMembers } = await material(plan)
  const use = plan.keyUseType === 'SIGNATURE' ? 'sig' : 'enc'
  const thumbprintOf = publicMembers ?? privateMembers
  const kid = plan.kid ?? keyId(plan.keyIdType, use, thumbprintOf, now)
  const nbf = Math.floor(plan.nbfMs / 1000)
  const exp = Math.floor(plan.expMs / 1000)
  const head: Record<string, unknown> = {}
  if (kid !== undefined) head.kid = kid
  head.use = use
  if (plan.algorithm) head.alg = plan.algorithm.alg

  const metadata: JwkMetadata = {
    name: plan.name,
    type: plan.type,
    kidSource: plan.kid !== undefined ? 'explicit' : kid !== undefined ? 'generated' : 'none',
    keyIdType: plan.keyIdType,
    keyUseType: plan.keyUseType,
    use,
    notBefore: new Date(nbf * 1000).toISOString(),
    expiration: new Date(exp * 1000).toISOString(),
    nbf,
    exp,
    createdAt: now.toISOString(),
    thumbprint: jwkThumbprint(thumbprintOf, 'sha256'),
    provider: capabilities().provider,
    warnings: plan.algorithm?.deprecated ? [plan.algorithm.deprecated] : [],
  }
  if (plan.description !== undefined) metadata.description = plan.description
  if (kid !== undefined) metadata.kid = kid
  if (plan.algorithm) {
    metadata.algorithm = plan.algorithm.name
    metadata.alg = plan.algorithm.alg
  }
  if (plan.keySize !== undefined) metadata.keySize = plan.keySize
  if (plan.curveType !== undefined) {
    metadata.curveType = plan.curveType
    metadata.crv = CRV[plan.curveType]
  }
  if (plan.pbes2) metadata.pbes2 = plan.pbes2

  const result: GenerateJwkResult = {
    privateJwk: decorate(privateMembers, head, nbf, exp),
    publicJwk: publicMembers ? decorate(publicMembers, head, nbf, exp) : null,
    metadata,
  }
  if (store) await store.add(result)
  return result
}
