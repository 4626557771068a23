/**
 * KeyPair (a native handle) and PublicKey (plain bytes). Everything the user
 * exports is parsed here from the handle's CNG blobs (src/formats/blob.ts) and
 * written by the one encoder (src/formats/encode.ts), which the CLI calls too.
 * Private blobs and their DER are wiped once converted (best effort: JS
 * strings such as PEM and JWK members cannot be wiped).
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto'
import { inspect } from 'node:util'
import { InvalidRequestError, KeyDestroyedError, UnsupportedFormatError } from './errors.js'
import { type BlobHint, parseBlob } from './formats/blob.js'
import { wipe } from './formats/bytes.js'
import { checkEncoding, type EncodeOptions, encodePrivate, encodePublic, shapeOfAlgorithm } from './formats/encode.js'
import type { Pkcs8Protection } from './formats/encrypted-pkcs8.js'
import { type FingerprintDigest, sshFingerprint } from './formats/fingerprint.js'
import { type Jwk, materialToJwk } from './formats/jwk.js'
import { type KeyMaterial, wipeMaterial } from './formats/material.js'
import type { PrivateType, PublicType } from './formats/pkcs.js'
import { publicKeyDer as publicKeyDerOf } from './formats/pkcs.js'
import { jwkThumbprint, jwkThumbprintUri, type ThumbprintDigest } from './formats/thumbprint.js'
import { withX5c, type X5cInput } from './formats/x5c.js'
import { type BlobKind, call, type NativeKey, type Provider } from './native.js'
import * as ops from './operations/index.js'
import type { Algorithm, Curve } from './registry.js'

export type { Provider } from './native.js'

export interface PrivateExportOptions extends Pkcs8Protection {
  format: 'jwk' | 'pem' | 'der' | 'blob' | 'openssh'
  /** pem/der: 'pkcs8' (default), 'pkcs1' (RSA), 'sec1' (EC). blob: 'private' (default) or 'seed' (ML-DSA/ML-KEM). */
  type?: PrivateType | 'private' | 'seed'
  /** openssh: the comment of the OpenSSH private key file. */
  comment?: string
  /** openssh with a passphrase: bcrypt_pbkdf rounds, as `ssh-keygen -a` (default 16). */
  rounds?: number
}

export interface PublicExportOptions {
  format: 'jwk' | 'pem' | 'der' | 'blob' | 'openssh'
  /** pem/der: 'spki' (default) or 'pkcs1' (RSA). */
  type?: PublicType
  /** openssh: the comment after the key. */
  comment?: string
  /** jwk: the key's certificate (chain) for x5c and x5t#S256. */
  x5c?: X5cInput
}

/** What a key is, without any key material. */
export interface KeyInfo {
  readonly algorithm: Algorithm
  readonly length: number
  readonly curve?: Curve
  readonly parameterSet?: string
  readonly provider: Provider
}

function blobHint(info: KeyInfo): BlobHint {
  return info.curve ? { curve: info.curve } : {}
}

const FORMATS_PRIVATE = ['jwk', 'pem', 'der', 'blob', 'openssh'] as const
const FORMATS_PUBLIC = ['jwk', 'pem', 'der', 'blob', 'openssh'] as const

function checkOptions(
  options: unknown,
  formats: readonly string[],
  allowed: readonly string[],
): Record<string, unknown> {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidRequestError(`export options must be an object with a format: ${formats.join(', ')}`)
  }
  const o = options as Record<string, unknown>
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) throw new InvalidRequestError(`unknown export option "${k}"`)
  }
  if (typeof o.format !== 'string' || !formats.includes(o.format)) {
    throw new InvalidRequestError(`export format must be one of ${formats.join(', ')}`)
  }
  if (o.type !== undefined && typeof o.type !== 'string') throw new InvalidRequestError('export type must be a string')
  return o
}

/**
 * @internal A private export, checked: the blobs it needs from the native
 * layer, in order, and how they become the export. KeyPair.export asks a
 * handle for them; generateKeys(spec, count, options) has them made on the
 * threadpool with the keys. Throws the typed errors of export() for options
 * that cannot apply, before any private blob exists. encode() wipes the
 * private blobs it reads, except for the blob format, which returns the blob.
 */
export interface PrivateExportPlan {
  readonly kinds: readonly BlobKind[]
  /** The export is kinds[0]'s blob itself (the caller's buffer, returned as it is). */
  readonly raw: boolean
  encode(blobs: readonly Buffer[]): Jwk | string | Buffer
}

/** @internal */
export function planPrivateExport(info: KeyInfo, options: unknown): PrivateExportPlan {
  const o = checkOptions(options, FORMATS_PRIVATE, ['format', 'type', 'passphrase', 'kdf', 'comment', 'rounds'])
  if (o.format === 'blob') {
    for (const k of ['passphrase', 'kdf', 'comment', 'rounds']) {
      if (o[k] !== undefined) throw new InvalidRequestError(`"${k}" does not apply to blob`)
    }
    if (o.type !== undefined && o.type !== 'private' && o.type !== 'seed') {
      throw new InvalidRequestError(`blob type must be 'private' or 'seed'`)
    }
    if (o.type === 'seed' && info.algorithm !== 'ML-DSA' && info.algorithm !== 'ML-KEM') {
      throw new UnsupportedFormatError('only ML-DSA and ML-KEM keys have a seed blob')
    }
    return { kinds: [o.type === 'seed' ? 'seed' : 'private'], raw: true, encode: (blobs) => blobs[0] as Buffer }
  }
  const encoding = o as unknown as EncodeOptions
  checkEncoding(shapeOfAlgorithm(info.algorithm, info.curve), 'private', encoding)
  const hint = blobHint(info)
  const withSeed = info.algorithm === 'ML-DSA' || info.algorithm === 'ML-KEM'
  return {
    kinds: withSeed ? ['private', 'seed', 'public'] : ['private'],
    raw: false,
    encode: (blobs) => {
      const material = privateMaterial(blobs, hint)
      try {
        return encodePrivate(material, encoding)
      } finally {
        wipeMaterial(material)
      }
    },
  }
}

/** The private key as components from its blobs (ML-DSA / ML-KEM: private, seed, public); the caller wipes them. */
function privateMaterial(blobs: readonly Buffer[], hint: BlobHint): KeyMaterial {
  const material = parseBlob(blobs[0] as Buffer, hint).material
  if ((material.type === 'ML-DSA' || material.type === 'ML-KEM') && blobs.length === 3) {
    const seed = parseBlob(blobs[1] as Buffer, {}).material
    const pub = parseBlob(blobs[2] as Buffer, {}).material
    if (seed.type === material.type && pub.type === material.type) {
      material.seed = seed.seed as Uint8Array
      material.pub = pub.pub as Uint8Array
    }
  }
  return material
}

function metadata(info: KeyInfo): Record<string, unknown> {
  const out: Record<string, unknown> = { algorithm: info.algorithm, length: info.length }
  if (info.curve) out.curve = info.curve
  if (info.parameterSet) out.parameterSet = info.parameterSet
  out.provider = info.provider
  return out
}

/** A public key: plain bytes, usable after its KeyPair is destroyed. */
export class PublicKey implements KeyInfo {
  readonly algorithm: Algorithm
  readonly length: number
  readonly curve?: Curve
  readonly parameterSet?: string
  readonly provider: Provider
  readonly #blob: Uint8Array
  readonly #material: KeyMaterial

  /** @internal */
  constructor(info: KeyInfo, blob: Uint8Array) {
    this.algorithm = info.algorithm
    this.length = info.length
    if (info.curve) this.curve = info.curve
    if (info.parameterSet) this.parameterSet = info.parameterSet
    this.provider = info.provider
    this.#blob = blob
    this.#material = parseBlob(blob, blobHint(info)).material
  }

  export(options: { format: 'jwk'; x5c?: X5cInput }): Jwk
  export(options: { format: 'pem' | 'openssh'; type?: PublicType; comment?: string }): string
  export(options: { format: 'der' | 'blob'; type?: PublicType }): Buffer
  export(options: PublicExportOptions): Jwk | string | Buffer
  export(options: PublicExportOptions): Jwk | string | Buffer {
    const o = checkOptions(options, FORMATS_PUBLIC, ['format', 'type', 'comment', 'x5c'])
    if (o.x5c !== undefined && o.format !== 'jwk') throw new InvalidRequestError('"x5c" is for the jwk format only')
    if (o.format === 'blob') {
      if (o.type !== undefined || o.comment !== undefined) {
        throw new InvalidRequestError('"type" and "comment" do not apply to blob')
      }
      return Buffer.from(this.#blob)
    }
    const { x5c, ...encoding } = o
    const out = encodePublic(this.#material, encoding as unknown as EncodeOptions)
    if (x5c !== undefined) return withX5c(out as Jwk, publicKeyDerOf(this.#material), x5c as X5cInput)
    return out
  }

  /**
   * RFC 7638 thumbprint of the public JWK (base64url); 'uri' gives the RFC 9278
   * URI of its SHA-256 thumbprint (`urn:ietf:params:oauth:jwk-thumbprint:sha-256:…`).
   */
  thumbprint(digest: ThumbprintDigest | 'uri' = 'sha256'): string {
    const jwk = materialToJwk(this.#material, false)
    return digest === 'uri' ? jwkThumbprintUri(jwk) : jwkThumbprint(jwk, digest)
  }

  /** The OpenSSH fingerprint, as `ssh-keygen -l -E sha256` (`SHA256:…`) or `-E md5` (`MD5:xx:…`) prints it. */
  fingerprint(digest: FingerprintDigest = 'sha256'): string {
    return sshFingerprint(this.#material, digest)
  }

  /** Verifies a signature: true or false, never an error for a signature that does not verify. */
  verify(data: Uint8Array, signature: Uint8Array, options?: ops.SignOptions): Promise<boolean> {
    return ops.verify(this, data, signature, options)
  }

  verifySync(data: Uint8Array, signature: Uint8Array, options?: ops.SignOptions): boolean {
    return ops.verifySync(this, data, signature, options)
  }

  /** RSA: encrypts for the private key's holder (OAEP with SHA-256 by default). */
  encrypt(plaintext: Uint8Array, options?: ops.EncryptOptions): Promise<Uint8Array> {
    return ops.encrypt(this, plaintext, options)
  }

  encryptSync(plaintext: Uint8Array, options?: ops.EncryptOptions): Uint8Array {
    return ops.encryptSync(this, plaintext, options)
  }

  /** ML-KEM: a fresh shared secret and the ciphertext that carries it. */
  encapsulate(): Promise<ops.Encapsulation> {
    return ops.encapsulate(this)
  }

  encapsulateSync(): ops.Encapsulation {
    return ops.encapsulateSync(this)
  }

  toKeyObject(): KeyObject {
    return createPublicKey({ key: Buffer.from(publicKeyDerOf(this.#material)), format: 'der', type: 'spki' })
  }

  toJSON(): Record<string, unknown> {
    return { type: 'public', ...metadata(this) }
  }

  [inspect.custom](): string {
    return `PublicKey ${inspect(metadata(this))}`
  }
}

/** A generated key pair, holding the platform's key handle until destroy(). */
export class KeyPair implements KeyInfo {
  readonly algorithm: Algorithm
  readonly length: number
  readonly curve?: Curve
  readonly parameterSet?: string
  readonly provider: Provider
  /** Whether private material may leave the native layer. */
  readonly extractable: boolean
  #handle: NativeKey | undefined
  #publicKey: PublicKey | undefined

  /** @internal */
  constructor(handle: NativeKey, info: KeyInfo, extractable: boolean) {
    this.algorithm = info.algorithm
    this.length = info.length
    if (info.curve) this.curve = info.curve
    if (info.parameterSet) this.parameterSet = info.parameterSet
    this.provider = info.provider
    this.extractable = extractable
    this.#handle = handle
  }

  // destroy() drops the handle, so no call to native code is needed to know; a handle released
  // some other way (the env's cleanup at exit) answers every call with ERR_KEY_DESTROYED itself.
  #native(): NativeKey {
    if (!this.#handle) throw new KeyDestroyedError('the key was destroyed')
    return this.#handle
  }

  /** The public key (exported from the handle once, then plain bytes). */
  get publicKey(): PublicKey {
    if (!this.#publicKey) {
      const handle = this.#native()
      this.#publicKey = new PublicKey(
        this,
        call(() => handle.exportBlob('public')),
      )
    }
    return this.#publicKey
  }

  get destroyed(): boolean {
    return !this.#handle || this.#handle.destroyed
  }

  export(options: { format: 'jwk' }): Jwk
  export(options: { format: 'pem'; type?: PrivateType } & Pkcs8Protection): string
  export(options: { format: 'der'; type?: PrivateType } & Pkcs8Protection): Buffer
  export(options: { format: 'openssh'; comment?: string; passphrase?: string | Uint8Array; rounds?: number }): string
  export(options: { format: 'blob'; type?: 'private' | 'seed' }): Buffer
  export(options: PrivateExportOptions): Jwk | string | Buffer
  export(options: PrivateExportOptions): Jwk | string | Buffer {
    // every refusal before the private key leaves the handle
    const plan = planPrivateExport(this, options)
    const handle = this.#native()
    const blobs: Buffer[] = []
    try {
      for (const kind of plan.kinds) blobs.push(call(() => handle.exportBlob(kind)))
    } catch (err) {
      for (const b of blobs) b.fill(0) // an ML-* key's private blob when its seed blob fails
      throw err
    }
    return plan.encode(blobs)
  }

  /** The private key as a node:crypto KeyObject. */
  toKeyObject(): KeyObject {
    const der = this.export({ format: 'der' })
    try {
      return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })
    } finally {
      wipe(der)
    }
  }

  /** Signs where the key lives (r‖s for ECDSA / DSA, JOSE's form, unless signatureEncoding: 'der'). */
  sign(data: Uint8Array, options?: ops.SignOptions): Promise<Uint8Array> {
    return ops.sign(this, () => this.#native(), data, options)
  }

  signSync(data: Uint8Array, options?: ops.SignOptions): Uint8Array {
    return ops.signSync(this, () => this.#native(), data, options)
  }

  /** RSA: decrypts (OAEP with SHA-256 by default; PKCS#1 v1.5 only with allowPkcs1Decrypt). */
  decrypt(ciphertext: Uint8Array, options?: ops.DecryptOptions): Promise<Uint8Array> {
    return ops.decrypt(this, () => this.#native(), ciphertext, options)
  }

  decryptSync(ciphertext: Uint8Array, options?: ops.DecryptOptions): Uint8Array {
    return ops.decryptSync(this, () => this.#native(), ciphertext, options)
  }

  /** ECDH / X25519 / X448 / DH: the raw shared secret with the peer's public key (as node's diffieHellman). */
  deriveBits(peer: PublicKey | KeyPair): Promise<Uint8Array> {
    return ops.deriveBits(this, () => this.#native(), peer)
  }

  deriveBitsSync(peer: PublicKey | KeyPair): Uint8Array {
    return ops.deriveBitsSync(this, () => this.#native(), peer)
  }

  /** ML-KEM: the shared secret a ciphertext from encapsulate() carries. */
  decapsulate(ciphertext: Uint8Array): Promise<Uint8Array> {
    return ops.decapsulate(this, () => this.#native(), ciphertext)
  }

  decapsulateSync(ciphertext: Uint8Array): Uint8Array {
    return ops.decapsulateSync(this, () => this.#native(), ciphertext)
  }

  /** Releases the native handle now (idempotent). Later use throws ERR_KEY_DESTROYED. */
  destroy(): void {
    this.#handle?.destroy()
    this.#handle = undefined
  }

  /** `using key = await generateKey(...)` destroys the key at the end of the scope. */
  [Symbol.dispose](): void {
    this.destroy()
  }

  toJSON(): Record<string, unknown> {
    return { type: 'keypair', ...metadata(this), extractable: this.extractable, destroyed: this.destroyed }
  }

  [inspect.custom](): string {
    return `KeyPair ${inspect({ ...metadata(this), extractable: this.extractable, destroyed: this.destroyed })}`
  }
}
