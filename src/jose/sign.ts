/**
 * jose's JWS builders, signing with a platform key where it lives:
 * `new SignJWT(claims).setProtectedHeader({ alg })….sign(key)` and
 * `new CompactSign(payload).setProtectedHeader({ alg }).sign(key)`, the same
 * builder API as jose's (so code changes one import), with a KeyPair from
 * generateKey / importKey — extractable or not — instead of a CryptoKey.
 *
 * The claim setters are jose's own: they are replayed on jose's UnsecuredJWT
 * at sign time, so time spans ('2h'), dates and validation are exactly jose's.
 */
import { describeValue, InvalidRequestError } from '../errors.js'
import { b64url } from '../formats/bytes.js'
import type { KeyInfo, KeyPair } from '../keypair.js'
import type { SignOptions } from '../operations/index.js'
import { describeKey } from '../operations/options.js'
import { CURVES, type Curve, curvesOf, JOSE_ALGORITHMS, type JoseRow } from '../registry.js'
import { joseNotSupported, loadJose } from './load.js'

/**
 * The JWS algorithms a platform key signs with: the registry's signature rows that the jose
 * drop-in uses (JOSE_ALGORITHMS, use "sig", not jwkOnly). test/jose-sign-table.test.ts holds this
 * type to them.
 */
export type JwsAlgorithm =
  | 'RS256'
  | 'RS384'
  | 'RS512'
  | 'PS256'
  | 'PS384'
  | 'PS512'
  | 'ES256'
  | 'ES384'
  | 'ES512'
  | 'ES256K'
  | 'EdDSA'
  | 'Ed25519'
  | 'ML-DSA-44'
  | 'ML-DSA-65'
  | 'ML-DSA-87'

interface JwsRow {
  fits: (k: KeyInfo) => boolean
  options: SignOptions
  needs: string
}

/**
 * A registry row as the builders use it: which keys fit (the algorithm, the curve where the row
 * narrows the algorithm's curves, the parameter set), the hash and padding to sign with, and the
 * key it needs in words.
 */
function jwsRow(r: JoseRow): JwsRow {
  // a row that allows every curve of its algorithm (EdDSA, ES256 on ECDSA_P256) does not check the curve
  const curves = curvesOf(r.algorithm).every((c) => r.keyCurves?.includes(c)) ? undefined : r.keyCurves
  const options: SignOptions = {}
  if (r.hash !== undefined) options.hash = r.hash
  if (r.padding === 'pkcs1' || r.padding === 'pss') options.padding = r.padding
  const needs =
    r.parameterSet !== undefined
      ? `${r.algorithm}-${r.parameterSet}`
      : r.keyCurves !== undefined && CURVES[r.keyCurves[0] as Curve].material === 'OKP'
        ? r.keyCurves.join(' or ')
        : curves !== undefined
          ? `${r.algorithm} ${curves.join(' or ')}`
          : r.algorithm
  return {
    fits: (k) =>
      k.algorithm === r.algorithm &&
      (curves === undefined || (k.curve !== undefined && curves.includes(k.curve))) &&
      (r.parameterSet === undefined || k.parameterSet === r.parameterSet),
    options,
    needs: `an ${needs} key`,
  }
}

const JWS: Readonly<Record<string, JwsRow>> = Object.freeze(
  Object.fromEntries(JOSE_ALGORITHMS.filter((r) => r.use === 'sig' && !r.jwkOnly).map((r) => [r.alg, jwsRow(r)])),
)

/** The algorithms SignJWT and CompactSign take, in the registry's order. */
export const JWS_ALGORITHMS: readonly JwsAlgorithm[] = Object.freeze(Object.keys(JWS) as JwsAlgorithm[])

/** The protected header, checked: an object with an `alg` this key signs with. */
async function signingOptions(header: Record<string, unknown> | undefined, key: KeyPair): Promise<SignOptions> {
  if (header === undefined) throw new InvalidRequestError('setProtectedHeader({ alg }) first')
  const alg = header.alg
  if (typeof alg !== 'string' || !Object.hasOwn(JWS, alg)) {
    throw await joseNotSupported(`Unsupported JWS "alg" ${describeValue(alg)} for platform keys`)
  }
  if (header.b64 !== undefined || header.crit !== undefined) {
    throw await joseNotSupported('"b64" and "crit" are not supported with platform keys')
  }
  const row = JWS[alg] as JwsRow
  if (typeof key !== 'object' || key === null || typeof (key as Partial<KeyPair>).sign !== 'function') {
    throw new InvalidRequestError('sign() takes a platform-keygen KeyPair (from generateKey or importKey)')
  }
  if (!row.fits(key)) throw new InvalidRequestError(`${alg} needs ${row.needs}, not ${describeKey(key)}`)
  return row.options
}

function headerObject(h: unknown): Record<string, unknown> {
  if (typeof h !== 'object' || h === null || Array.isArray(h)) {
    throw new InvalidRequestError('the protected header must be an object')
  }
  return { ...(h as Record<string, unknown>) }
}

async function compact(header: Record<string, unknown>, payload64: string, key: KeyPair, o: SignOptions) {
  const h = b64url(new TextEncoder().encode(JSON.stringify(header)))
  const signature = await key.sign(new TextEncoder().encode(`${h}.${payload64}`), o)
  return `${h}.${payload64}.${b64url(signature)}`
}

/** jose's CompactSign, signing with a platform KeyPair. */
export class CompactSign {
  readonly #payload: Uint8Array
  #header: Record<string, unknown> | undefined

  constructor(payload: Uint8Array) {
    if (!(payload instanceof Uint8Array)) throw new InvalidRequestError('payload must be a Uint8Array')
    this.#payload = payload
  }

  setProtectedHeader(protectedHeader: { alg: JwsAlgorithm | string; [k: string]: unknown }): this {
    if (this.#header) throw new InvalidRequestError('setProtectedHeader can only be called once')
    this.#header = headerObject(protectedHeader)
    return this
  }

  async sign(key: KeyPair): Promise<string> {
    const o = await signingOptions(this.#header, key)
    return compact(this.#header as Record<string, unknown>, b64url(this.#payload), key, o)
  }
}

type Replayed = [method: string, args: unknown[]]

/** jose's SignJWT (the same claim setters, jose's own), signing with a platform KeyPair. */
export class SignJWT {
  readonly #payload: Record<string, unknown>
  readonly #calls: Replayed[] = []
  #header: Record<string, unknown> | undefined

  constructor(payload: Record<string, unknown> = {}) {
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
      throw new InvalidRequestError('JWT Claims Set must be an object')
    }
    this.#payload = { ...payload }
  }

  #call(method: string, args: unknown[]): this {
    this.#calls.push([method, args])
    return this
  }

  setProtectedHeader(protectedHeader: { alg: JwsAlgorithm | string; [k: string]: unknown }): this {
    if (this.#header) throw new InvalidRequestError('setProtectedHeader can only be called once')
    this.#header = headerObject(protectedHeader)
    return this
  }
  setIssuer(issuer: string): this {
    return this.#call('setIssuer', [issuer])
  }
  setSubject(subject: string): this {
    return this.#call('setSubject', [subject])
  }
  setAudience(audience: string | string[]): this {
    return this.#call('setAudience', [audience])
  }
  setJti(jwtId: string): this {
    return this.#call('setJti', [jwtId])
  }
  setNotBefore(input: number | string | Date): this {
    return this.#call('setNotBefore', [input])
  }
  setExpirationTime(input: number | string | Date): this {
    return this.#call('setExpirationTime', [input])
  }
  setIssuedAt(input?: number | string | Date): this {
    return this.#call('setIssuedAt', input === undefined ? [] : [input])
  }

  async sign(key: KeyPair): Promise<string> {
    const o = await signingOptions(this.#header, key)
    const { UnsecuredJWT } = await loadJose()
    const claims = new UnsecuredJWT(this.#payload) as unknown as Record<string, (...a: unknown[]) => unknown>
    for (const [method, args] of this.#calls) (claims[method] as (...a: unknown[]) => unknown).apply(claims, args)
    const payload64 = (claims.encode as () => string).call(claims).split('.')[1] as string
    return compact(this.#header as Record<string, unknown>, payload64, key, o)
  }
}
