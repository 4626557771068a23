/**
 * generateKeyPair(alg, options): jose v6's generateKeyPair, with the key
 * material made by the platform backend (generateKey) instead of WebCrypto's
 * own generator. The backend key is generated extractable and handed to
 * node:crypto once, then the bytes are wiped and the native handle destroyed:
 *
 * - EC and OKP keys on a Node.js whose KeyObjects have toCryptoKey (22.10 and
 *   later): the private scalar goes into one private KeyObject (the raw
 *   scalar with `format: 'raw-private'` where node takes it, Node.js 24;
 *   PKCS#8 DER before), the public KeyObject is derived from it (no second
 *   parse), and both become CryptoKeys with KeyObject.toCryptoKey,
 *   synchronously;
 * - otherwise (RSA, ML-DSA, older runtimes): PKCS#8 / SPKI DER imported with
 *   WebCrypto's importKey.
 * Either way the CryptoKeys get the caller's `extractable` and jose's
 * algorithm object and usages.
 *
 * Same algorithm list, options, defaults and errors as jose v6 (a TypeError
 * for a non-boolean `extractable`; jose's own JOSENotSupported, code
 * ERR_JOSE_NOT_SUPPORTED, for an unknown or symmetric alg, a bad `crv`, a
 * short `modulusLength`, or an algorithm this runtime lacks). Beyond jose:
 * ES256K, ECDH-ES with crv X448, and `as` to get KeyObjects, JWKs or the
 * platform KeyPair handle instead of CryptoKeys.
 */
import { createPrivateKey, createPublicKey, type KeyObject, type webcrypto } from 'node:crypto'
import { InvalidRequestError, KeyLengthError, NotSupportedOnPlatformError } from '../errors.js'
import { parseBlob } from '../formats/blob.js'
import { wipe } from '../formats/bytes.js'
import type { Jwk } from '../formats/jwk.js'
import { generateKey, type KeySpec } from '../generate/index.js'
import type { KeyPair, PublicKey } from '../keypair.js'
import { ECDH_ALGORITHMS, ECDH_CURVES, PAIR_ALGORITHMS, type PairAlgorithm } from './algorithms.js'
import { joseNotSupported } from './load.js'

type CryptoKey = webcrypto.CryptoKey

/** The JWA algorithms generateKeyPair accepts (jose v6's list, plus ES256K). */
export type GenerateKeyPairAlgorithm =
  | 'PS256'
  | 'PS384'
  | 'PS512'
  | 'RS256'
  | 'RS384'
  | 'RS512'
  | 'RSA-OAEP'
  | 'RSA-OAEP-256'
  | 'RSA-OAEP-384'
  | 'RSA-OAEP-512'
  | 'ES256'
  | 'ES384'
  | 'ES512'
  | 'ES256K'
  | 'Ed25519'
  | 'EdDSA'
  | 'ML-DSA-44'
  | 'ML-DSA-65'
  | 'ML-DSA-87'
  | 'ECDH-ES'
  | 'ECDH-ES+A128KW'
  | 'ECDH-ES+A192KW'
  | 'ECDH-ES+A256KW'
  | (string & {})

/** What generateKeyPair returns: CryptoKeys (jose's result), KeyObjects, JWKs or the platform handle. */
export type KeyPairResultType = 'cryptokey' | 'keyobject' | 'jwk' | 'keypair'

export interface GenerateKeyPairOptions {
  /** ECDH-ES: P-256 (default), P-384, P-521, X25519, or X448 (extension). Others: must equal the alg's curve. */
  crv?: string
  /** RSA: bits, default 2048; jose requires ≥ 2048, the backend a multiple of 64 up to 16384. */
  modulusLength?: number
  /**
   * The private CryptoKey's `extractable` (default false, as jose). With
   * `as: 'keypair'` it is the KeyPair's `extractable`. KeyObjects and JWKs
   * are extractable by nature: `extractable: false` with them is refused.
   */
  extractable?: boolean
  /** Extension: the result type (default 'cryptokey'; 'keyobject' for ES256K, which WebCrypto lacks). */
  as?: KeyPairResultType
}

/** jose's result: a CryptoKey pair that SignJWT, jwtVerify, CompactEncrypt and compactDecrypt accept. */
export interface GenerateKeyPairResult {
  privateKey: CryptoKey
  publicKey: CryptoKey
}

export interface KeyObjectPairResult {
  privateKey: KeyObject
  publicKey: KeyObject
}

/** JWKs carrying `alg` (so jose's importJWK needs no second argument). */
export interface JwkPairResult {
  privateKey: Jwk
  publicKey: Jwk
}

/** The platform handle: call `privateKey.destroy()` when done (or `using`). */
export interface PlatformKeyPairResult {
  privateKey: KeyPair
  publicKey: PublicKey
}

const INVALID_ALG = 'Invalid or unsupported "alg" (Algorithm) value'
const INVALID_MODULUS = 'Invalid or unsupported modulusLength option provided, 2048 bits or larger keys must be used'
const RESULT_TYPES: readonly KeyPairResultType[] = ['cryptokey', 'keyobject', 'jwk', 'keypair']

interface Plan {
  readonly alg: string
  readonly algorithm: PairAlgorithm
  readonly spec: KeySpec
  readonly as: KeyPairResultType
  readonly extractable: boolean
}

/** Validates alg and options exactly in jose's order; returns what to generate. */
async function plan(alg: unknown, options: GenerateKeyPairOptions | undefined): Promise<Plan> {
  const extractable = options?.extractable
  if (extractable !== undefined && typeof extractable !== 'boolean') {
    throw new TypeError('"extractable" option must be a boolean')
  }
  const as = options?.as
  if (as !== undefined && !RESULT_TYPES.includes(as)) {
    throw new InvalidRequestError(`"as" option must be one of ${RESULT_TYPES.join(', ')}`)
  }
  if (typeof alg !== 'string') throw await joseNotSupported(INVALID_ALG)

  let algorithm: PairAlgorithm | undefined
  if (ECDH_ALGORITHMS.includes(alg)) {
    // ECDH-ES takes its curve from the option rather than from the identifier.
    const crv = options?.crv ?? 'P-256'
    algorithm = typeof crv === 'string' && Object.hasOwn(ECDH_CURVES, crv) ? ECDH_CURVES[crv] : undefined
    if (!algorithm) {
      throw await joseNotSupported(
        'Invalid or unsupported crv option provided, supported values are P-256, P-384, P-521, X25519, and X448',
      )
    }
  } else {
    algorithm = Object.hasOwn(PAIR_ALGORITHMS, alg) ? PAIR_ALGORITHMS[alg] : undefined
    if (!algorithm) throw await joseNotSupported(INVALID_ALG)
    if (algorithm.crv !== undefined && options?.crv !== undefined && options.crv !== algorithm.crv) {
      throw await joseNotSupported(
        `Invalid or unsupported crv option provided, the only supported value for ${alg} is ${algorithm.crv}`,
      )
    }
  }

  const spec: KeySpec = { ...algorithm.spec }
  if (algorithm.kty === 'RSA') {
    const modulusLength = options?.modulusLength ?? 2048
    if (typeof modulusLength !== 'number' || !Number.isInteger(modulusLength) || modulusLength < 2048) {
      throw await joseNotSupported(INVALID_MODULUS)
    }
    spec.length = modulusLength
  }

  const resultType = as ?? (algorithm.subtle ? 'cryptokey' : 'keyobject')
  if (resultType === 'cryptokey' && !algorithm.subtle) {
    throw await joseNotSupported(
      `${alg} keys have no CryptoKey form: WebCrypto has no ${algorithm.crv ?? alg}. ` +
        `Ask for as: 'keyobject', 'jwk' or 'keypair'`,
    )
  }
  if (extractable === false && (resultType === 'keyobject' || resultType === 'jwk')) {
    throw new InvalidRequestError(
      `a ${resultType === 'jwk' ? 'JWK' : 'KeyObject'} cannot be non-extractable: ` +
        `drop "extractable: false", or ask for as: 'cryptokey' or 'keypair'`,
    )
  }
  return { alg, algorithm, spec, as: resultType, extractable: extractable ?? false }
}

/** generateKey, with the backend's refusals turned into what jose throws. */
async function generateBackendKey(p: Plan): Promise<KeyPair> {
  try {
    // Extractable internally: the private half must be exported once to reach WebCrypto.
    return await generateKey({ ...p.spec, extractable: p.as === 'keypair' ? p.extractable : true })
  } catch (err) {
    if (err instanceof KeyLengthError) {
      throw await joseNotSupported(
        `Invalid or unsupported modulusLength option provided, the platform backend generates 2048 to 16384 bits in multiples of 64`,
        err,
      )
    }
    if (err instanceof NotSupportedOnPlatformError) throw await joseNotSupported(err.message, err)
    throw err
  }
}

/** What this runtime's node:crypto can take for the direct path (probed once). */
interface KeyObjectSupport {
  /** KeyObject.prototype.toCryptoKey: Node.js 22.10 and later. */
  readonly toCryptoKey: boolean
  /** createPrivateKey({ format: 'raw-private' }): Node.js 24. */
  readonly rawPrivate: boolean
}

let support: KeyObjectSupport | undefined

function keyObjectSupport(): KeyObjectSupport {
  if (!support) {
    // public, all-zero probes: nothing secret is made
    const probe = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: 'A'.repeat(43) }, format: 'jwk' })
    let rawPrivate = true
    try {
      createPrivateKey({ key: Buffer.alloc(32), format: 'raw-private', asymmetricKeyType: 'x25519' })
    } catch {
      rawPrivate = false
    }
    support = { toCryptoKey: typeof probe.toCryptoKey === 'function', rawPrivate }
  }
  return support
}

/**
 * The private KeyObject of an extractable KeyPair: EC and OKP keys from their
 * raw private scalar where node takes one, every other key (and EC/OKP on
 * older runtimes) from PKCS#8 DER. The bytes handed over are wiped.
 */
function privateKeyObject(kp: KeyPair, kty: PairAlgorithm['kty']): KeyObject {
  if ((kty === 'EC' || kty === 'OKP') && keyObjectSupport().rawPrivate) {
    const blob = kp.export({ format: 'blob' })
    try {
      const m = parseBlob(blob, kp.curve === undefined ? {} : { curve: kp.curve }).material
      if ((m.type === 'EC' || m.type === 'OKP') && m.d) {
        const key = Buffer.from(m.d.buffer, m.d.byteOffset, m.d.byteLength) // a view: wiped with the blob
        return m.type === 'EC'
          ? createPrivateKey({ key, format: 'raw-private', asymmetricKeyType: 'ec', namedCurve: m.curve })
          : createPrivateKey({ key, format: 'raw-private', asymmetricKeyType: m.curve.toLowerCase() as 'x25519' })
      }
    } finally {
      wipe(blob)
    }
  }
  const pkcs8 = kp.export({ format: 'der' })
  try {
    return createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' })
  } finally {
    wipe(pkcs8)
  }
}

/** A WebCrypto refusal as jose's error: the runtime lacks the algorithm. */
async function webCryptoError(p: Plan, err: unknown): Promise<unknown> {
  if ((err as { name?: unknown })?.name !== 'NotSupportedError') return err
  return joseNotSupported(
    `${p.alg} is not supported by this runtime's WebCrypto (Node.js ${process.version}); ` +
      `ask for as: 'keyobject', 'jwk' or 'keypair'`,
    err,
  )
}

/** EC / OKP CryptoKeys by KeyObject.toCryptoKey where the runtime has it (synchronous). */
function directCryptoKeys(p: Plan, kp: KeyPair): GenerateKeyPairResult | undefined {
  if ((p.algorithm.kty !== 'EC' && p.algorithm.kty !== 'OKP') || !keyObjectSupport().toCryptoKey) return undefined
  const subtle = p.algorithm.subtle as NonNullable<PairAlgorithm['subtle']>
  const priv = privateKeyObject(kp, p.algorithm.kty)
  const privateKey = priv.toCryptoKey(subtle, p.extractable, p.algorithm.usages.private)
  // WebCrypto's generateKey always makes the public half extractable; so does this.
  const publicKey = createPublicKey(priv).toCryptoKey(subtle, true, p.algorithm.usages.public)
  return { privateKey, publicKey }
}

async function toCryptoKeys(p: Plan, kp: KeyPair): Promise<GenerateKeyPairResult> {
  const subtle = p.algorithm.subtle as NonNullable<PairAlgorithm['subtle']>
  const spki = kp.publicKey.export({ format: 'der' })
  const pkcs8 = kp.export({ format: 'der' })
  try {
    const privateKey = await globalThis.crypto.subtle.importKey('pkcs8', pkcs8, subtle, p.extractable, [
      ...p.algorithm.usages.private,
    ])
    // WebCrypto's generateKey always makes the public half extractable; so does this.
    const publicKey = await globalThis.crypto.subtle.importKey('spki', spki, subtle, true, [
      ...p.algorithm.usages.public,
    ])
    return { privateKey, publicKey }
  } finally {
    wipe(pkcs8)
  }
}

function toKeyObjects(p: Plan, kp: KeyPair): KeyObjectPairResult {
  const privateKey = privateKeyObject(kp, p.algorithm.kty)
  return { privateKey, publicKey: createPublicKey(privateKey) }
}

function toJwks(p: Plan, kp: KeyPair): JwkPairResult {
  const privateKey = { ...kp.export({ format: 'jwk' }), alg: p.alg }
  const publicKey = { ...kp.publicKey.export({ format: 'jwk' }), alg: p.alg }
  return { privateKey, publicKey }
}

/**
 * Generates a key pair for a JWA algorithm with the platform's crypto.
 * A drop-in for jose v6's generateKeyPair (same defaults, errors and result).
 */
export function generateKeyPair(
  alg: 'ES256K',
  options?: GenerateKeyPairOptions & { as?: 'keyobject' },
): Promise<KeyObjectPairResult>
export function generateKeyPair(
  alg: GenerateKeyPairAlgorithm,
  options: GenerateKeyPairOptions & { as: 'keyobject' },
): Promise<KeyObjectPairResult>
export function generateKeyPair(
  alg: GenerateKeyPairAlgorithm,
  options: GenerateKeyPairOptions & { as: 'jwk' },
): Promise<JwkPairResult>
export function generateKeyPair(
  alg: GenerateKeyPairAlgorithm,
  options: GenerateKeyPairOptions & { as: 'keypair' },
): Promise<PlatformKeyPairResult>
export function generateKeyPair(
  alg: GenerateKeyPairAlgorithm,
  options?: GenerateKeyPairOptions & { as?: 'cryptokey' },
): Promise<GenerateKeyPairResult>
export function generateKeyPair(
  alg: GenerateKeyPairAlgorithm,
  options?: GenerateKeyPairOptions,
): Promise<GenerateKeyPairResult | KeyObjectPairResult | JwkPairResult | PlatformKeyPairResult>
export async function generateKeyPair(
  alg: GenerateKeyPairAlgorithm,
  options?: GenerateKeyPairOptions,
): Promise<GenerateKeyPairResult | KeyObjectPairResult | JwkPairResult | PlatformKeyPairResult> {
  const p = await plan(alg, options)
  const kp = await generateBackendKey(p)
  if (p.as === 'keypair') return { privateKey: kp, publicKey: kp.publicKey }
  try {
    if (p.as === 'keyobject') return toKeyObjects(p, kp)
    if (p.as === 'jwk') return toJwks(p, kp)
    return directCryptoKeys(p, kp) ?? (await toCryptoKeys(p, kp))
  } catch (err) {
    throw await webCryptoError(p, err)
  } finally {
    kp.destroy()
  }
}
