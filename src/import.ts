/**
 * importKey(material): a key someone else made becomes a native handle —
 * a PublicKey (to verify, encrypt, encapsulate, or be a peer in deriveBits)
 * or, for private material, a KeyPair that does everything a generated one
 * does. Material is read by the existing readers (JWK: jwkToMaterial;
 * PEM / DER: node:crypto then keyObjectMaterial; CNG blob: parseBlob; raw
 * OKP public bytes) and handed to the provider as a blob written by the one
 * converter (writeBlob); the provider's checks run (public key valid /
 * pairwise consistent) and refuse with ERR_INVALID_KEY.
 */
import { createPrivateKey, createPublicKey, KeyObject } from 'node:crypto'
import {
  describeValue,
  fromNative,
  InvalidKeyError,
  InvalidRequestError,
  NotSupportedOnPlatformError,
  UnsupportedFormatError,
} from './errors.js'
import { parseBlob, writeBlob } from './formats/blob.js'
import { bitLength, equalBytes, wipe } from './formats/bytes.js'
import { children, expectTag, oidString, readOne } from './formats/der.js'
import { type Jwk, jwkToMaterial } from './formats/jwk.js'
import { algorithmOid, derKeyObject, keyObjectMaterial, pemToDer } from './formats/keyobject.js'
import { isPrivate, type KeyMaterial, OKP_SIZES, type OkpCurve, wipeMaterial } from './formats/material.js'
import { OIDS } from './formats/pkcs.js'
import { capabilities, type KeySpec, resolveSpec } from './generate/index.js'
import { type KeyInfo, KeyPair, PublicKey } from './keypair.js'
import { call, type NativeKey, native } from './native.js'
import { keepPublicHandle } from './operations/index.js'
import { curveName } from './registry.js'

export type ImportFormat = 'jwk' | 'pem' | 'der' | 'blob' | 'raw'

export interface ImportOptions {
  /** How to read the material; guessed when absent (an object is a JWK, a string PEM, bytes DER or a CNG blob). */
  format?: ImportFormat
  /**
   * EC material: 'ECDSA' (default) or 'ECDH' (also the full ids ECDSA_P256, ECDH_P384, …); a JWK
   * with an ECDH-ES* "alg" or "use": "enc" is ECDH. Raw bytes: 'EdDSA' or 'ECDH' (implied by the curve).
   */
  algorithm?: string
  /** Raw OKP public bytes (Ed25519, Ed448, X25519, X448) and generic ECC blobs (secp256k1): the curve. */
  curve?: string
  /** false: an imported private key never leaves the provider again. Default true. */
  extractable?: boolean
}

/** What importKey reads: a JWK, PEM text, DER / CNG blob / raw bytes, or a node:crypto KeyObject. */
export type KeyInput = Jwk | Record<string, unknown> | string | Uint8Array | KeyObject

const OPTION_KEYS = ['format', 'algorithm', 'curve', 'extractable']
const FORMATS: readonly string[] = ['jwk', 'pem', 'der', 'blob', 'raw']
const ML_OIDS = new Set<string>([...Object.values(OIDS.mlDsa), ...Object.values(OIDS.mlKem)])

function checkOptions(options: unknown): ImportOptions {
  if (options === undefined) return {}
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidRequestError('importKey options must be an object')
  }
  const o = options as Record<string, unknown>
  for (const k of Object.keys(o)) {
    if (!OPTION_KEYS.includes(k)) throw new InvalidRequestError(`unknown importKey option "${k}"`)
  }
  if (o.format !== undefined && (typeof o.format !== 'string' || !FORMATS.includes(o.format))) {
    throw new InvalidRequestError(`importKey format must be one of ${FORMATS.join(', ')}`)
  }
  for (const k of ['algorithm', 'curve'] as const) {
    if (o[k] !== undefined && typeof o[k] !== 'string') throw new InvalidRequestError(`importKey ${k} must be a string`)
  }
  if (o.extractable !== undefined && typeof o.extractable !== 'boolean') {
    throw new InvalidRequestError('extractable must be a boolean')
  }
  return o as ImportOptions
}

/** 'ECDSA' | 'ECDH' from the options, or undefined. */
function usageOption(o: ImportOptions): 'ECDSA' | 'ECDH' | undefined {
  if (o.algorithm === undefined) return undefined
  if (/^ECDSA(_P\d+)?$/.test(o.algorithm)) return 'ECDSA'
  if (/^ECDH(_P\d+)?$/.test(o.algorithm)) return 'ECDH'
  return undefined
}

function unreadable(what: string, cause?: unknown): InvalidRequestError {
  return new InvalidRequestError(`${what} is not a key importKey reads (JWK, PEM, DER, CNG blob or raw OKP bytes)`, {
    cause,
  })
}

function fromKeyObject(key: KeyObject): KeyMaterial {
  return keyObjectMaterial(key)
}

function pemOrDer(read: () => KeyObject, der: Uint8Array | undefined): KeyMaterial {
  let key: KeyObject
  try {
    key = read()
  } catch (err) {
    const oid = der && algorithmOid(der)
    if (oid && ML_OIDS.has(oid)) {
      throw new NotSupportedOnPlatformError(
        `reading ML-DSA / ML-KEM PEM or DER needs a Node.js whose OpenSSL has them (Node.js 24 or later); use a JWK or a CNG blob`,
        { cause: err },
      )
    }
    throw unreadable('the PEM / DER input', err)
  }
  return fromKeyObject(key)
}

const EC_PUBLIC_KEY_OID = '1.2.840.10045.2.1'

/**
 * An EC key must name its curve: explicit domain parameters (an unnamed,
 * possibly modified curve, which node:crypto would map to a named one) are
 * refused, as WebCrypto and jose refuse them.
 */
function requireNamedCurve(der: Uint8Array): void {
  let params: { tag: number } | undefined
  try {
    const top = children(readOne(der).value)
    const alg = top[0]?.tag === 0x02 ? top[1] : top[0] // PKCS#8: version first
    const [oid, p] = children(expectTag(alg, 0x30, 'AlgorithmIdentifier').value)
    if (oidString(oid) !== EC_PUBLIC_KEY_OID) return
    params = p
  } catch {
    return // not PKCS#8 / SPKI (e.g. SEC1, PKCS#1): node:crypto decides
  }
  if (params?.tag !== 0x06) {
    throw new InvalidKeyError('EC keys with explicit curve parameters are not accepted: use a named curve')
  }
}

function derMaterial(der: Uint8Array): KeyMaterial {
  requireNamedCurve(der)
  return pemOrDer(() => derKeyObject(der), der)
}

function pemMaterial(pem: string): KeyMaterial {
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(pem)) {
    throw new InvalidRequestError('an encrypted private key: decrypt it first (node:crypto createPrivateKey)')
  }
  const der = pemToDer(pem)
  if (!der) throw unreadable('the string')
  requireNamedCurve(der)
  const isPublic = /-----BEGIN (RSA )?PUBLIC KEY-----/.test(pem)
  return pemOrDer(() => (isPublic ? createPublicKey(pem) : createPrivateKey(pem)), der)
}

function rawMaterial(bytes: Uint8Array, o: ImportOptions): KeyMaterial {
  const curve = curveName(o.curve)
  if (curve === undefined || !Object.hasOwn(OKP_SIZES, curve)) {
    throw new InvalidRequestError('raw public bytes need { curve: Ed25519 | Ed448 | X25519 | X448 }')
  }
  const size = OKP_SIZES[curve as OkpCurve]
  if (bytes.length !== size)
    throw new InvalidRequestError(`a raw ${curve} public key is ${size} bytes, not ${bytes.length}`)
  return { type: 'OKP', curve: curve as OkpCurve, x: bytes.slice() }
}

/** The material and whether importKey owns (and so wipes) its private parts. */
function readMaterial(input: unknown, o: ImportOptions): { m: KeyMaterial; owned: boolean } {
  const format = o.format
  if (input instanceof KeyObject) {
    if (input.type === 'secret') throw new UnsupportedFormatError('a secret KeyObject is not an asymmetric key')
    return { m: fromKeyObject(input), owned: true }
  }
  if (typeof input === 'string') {
    if (format !== undefined && format !== 'pem')
      throw new InvalidRequestError(`a string is read as pem, not ${format}`)
    return { m: pemMaterial(input), owned: true }
  }
  if (input instanceof Uint8Array) {
    if (format === 'jwk' || format === 'pem')
      throw new InvalidRequestError(`bytes are read as der, blob or raw, not ${format}`)
    const okp = curveName(o.curve)
    const raw =
      format === 'raw' ||
      (format === undefined &&
        okp !== undefined &&
        Object.hasOwn(OKP_SIZES, okp) &&
        input.length === OKP_SIZES[okp as OkpCurve])
    if (raw) return { m: rawMaterial(input, o), owned: true }
    if (format === 'der' || (format === undefined && input[0] === 0x30)) return { m: derMaterial(input), owned: true }
    // parseBlob's material is a view of the caller's bytes: never wiped here
    return { m: parseBlob(input, o.curve === undefined ? {} : { curve: o.curve }).material, owned: false }
  }
  if (typeof input === 'object' && input !== null && !Array.isArray(input)) {
    if (format !== undefined && format !== 'jwk')
      throw new InvalidRequestError(`an object is read as jwk, not ${format}`)
    const j = input as Record<string, unknown>
    const ecdh = (typeof j.alg === 'string' && j.alg.startsWith('ECDH')) || j.use === 'enc'
    return { m: jwkToMaterial(j, usageOption(o) ?? (ecdh ? 'ECDH' : 'ECDSA')), owned: true }
  }
  throw new InvalidRequestError(
    `importKey takes a JWK, a PEM string, DER / CNG blob / raw bytes or a KeyObject, got ${describeValue(input)}`,
  )
}

/** The key spec the material is, checked against the key-length table. */
function specOf(m: KeyMaterial, o: ImportOptions): KeySpec {
  const usage = usageOption(o)
  const fits = (want: readonly string[]) => {
    if (o.algorithm !== undefined && !want.includes(o.algorithm) && usage === undefined) {
      throw new InvalidRequestError(`the material is ${m.type}, not ${o.algorithm}`)
    }
  }
  switch (m.type) {
    case 'RSA':
      fits(['RSA'])
      return { algorithm: 'RSA', length: bitLength(m.n) }
    case 'EC': {
      if (usage !== undefined) m.usage = usage
      if (o.algorithm !== undefined && usage === undefined)
        throw new InvalidRequestError(`the material is EC, not ${o.algorithm}`)
      return { algorithm: m.usage, curve: m.curve }
    }
    case 'OKP': {
      const signing = m.curve === 'Ed25519' || m.curve === 'Ed448'
      fits([signing ? 'EdDSA' : 'ECDH'])
      if (usage !== undefined && usage !== 'ECDH')
        throw new InvalidRequestError(`${m.curve} keys are not ${o.algorithm} keys`)
      if (usage === 'ECDH' && signing) throw new InvalidRequestError(`${m.curve} keys sign; they are not ECDH keys`)
      return { algorithm: signing ? 'EdDSA' : 'ECDH', curve: m.curve }
    }
    case 'DSA':
    case 'DH':
      fits([m.type])
      return { algorithm: m.type, length: bitLength(m.p) }
    case 'ML-DSA':
    case 'ML-KEM':
      fits([m.type])
      return { algorithm: m.type, parameterSet: m.parameterSet }
  }
}

/** What an import resolves to before native code sees it: the native spec, the blob and its kind. */
interface ImportRequest {
  info: KeyInfo
  native: ReturnType<typeof resolveSpec>['native']
  kind: 'public' | 'private' | 'seed'
  blob: Uint8Array
  extractable: boolean
  /** ML-DSA / ML-KEM imported from a seed with a public key beside it: the two must agree. */
  expectPub?: Uint8Array
}

function importRequest(input: unknown, options: unknown): ImportRequest {
  const o = checkOptions(options)
  const { m, owned } = readMaterial(input, o)
  try {
    const spec = specOf(m, o)
    if (o.extractable !== undefined) spec.extractable = o.extractable
    const resolved = resolveSpec(spec)
    const priv = isPrivate(m)
    const seeded = (m.type === 'ML-DSA' || m.type === 'ML-KEM') && m.seed !== undefined
    const kind = !priv ? 'public' : seeded ? 'seed' : 'private'
    const info: KeyInfo = { algorithm: resolved.algorithm, length: resolved.length, provider: capabilities().provider }
    if (resolved.curve) Object.assign(info, { curve: resolved.curve })
    if (resolved.parameterSet) Object.assign(info, { parameterSet: resolved.parameterSet })
    const p: ImportRequest = {
      info,
      native: resolved.native,
      kind,
      blob: writeBlob(m, kind),
      extractable: resolved.extractable,
    }
    if (seeded && (m.type === 'ML-DSA' || m.type === 'ML-KEM') && m.pub) p.expectPub = m.pub.slice()
    return p
  } finally {
    if (owned) wipeMaterial(m)
  }
}

function finish(p: ImportRequest, handle: NativeKey): PublicKey | KeyPair {
  if (p.expectPub) {
    const pub = parseBlob(call(() => handle.exportBlob('public'))).material
    const same = (pub.type === 'ML-DSA' || pub.type === 'ML-KEM') && pub.pub && equalBytes(pub.pub, p.expectPub)
    if (!same) {
      handle.destroy()
      throw new InvalidKeyError(`the ${p.info.algorithm} seed does not give the public key beside it`)
    }
  }
  if (p.kind === 'public') {
    const pub = new PublicKey(
      p.info,
      call(() => handle.exportBlob('public')),
    )
    keepPublicHandle(pub, handle)
    return pub
  }
  return new KeyPair(handle, p.info, p.extractable)
}

/**
 * Imports a key: public material gives a PublicKey, private material a
 * KeyPair (extractable: false keeps it in the provider from now on).
 */
export async function importKey(material: KeyInput, options?: ImportOptions): Promise<PublicKey | KeyPair> {
  let p: ImportRequest | undefined
  try {
    p = importRequest(material, options)
    const handle = await native().importKey(p.native, p.kind, p.blob)
    return finish(p, handle)
  } catch (err) {
    throw fromNative(err)
  } finally {
    if (p && p.kind !== 'public') wipe(p.blob)
  }
}

/** importKey on the calling thread. */
export function importKeySync(material: KeyInput, options?: ImportOptions): PublicKey | KeyPair {
  const p = importRequest(material, options)
  try {
    const binding = native()
    const request = p
    const handle = call(() => binding.importKeySync(request.native, request.kind, request.blob))
    return finish(p, handle)
  } finally {
    if (p.kind !== 'public') wipe(p.blob)
  }
}
