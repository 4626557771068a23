/**
 * KeyPair (a native handle) and PublicKey (plain bytes). Everything the user
 * exports is converted here from the handle's CNG blobs by the one converter
 * in src/formats/. Private blobs and their DER are wiped once converted
 * (best effort: JS strings such as PEM and JWK members cannot be wiped).
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto'
import { inspect } from 'node:util'
import { InvalidRequestError, KeyDestroyedError, UnsupportedFormatError } from './errors.js'
import { type BlobHint, parseBlob } from './formats/blob.js'
import { wipe } from './formats/bytes.js'
import { checkPkcs8Protection, type Pkcs8Kdf, type Pkcs8Protection, protectPkcs8 } from './formats/encrypted-pkcs8.js'
import { type FingerprintDigest, sshFingerprint } from './formats/fingerprint.js'
import { type Jwk, materialToJwk } from './formats/jwk.js'
import { type KeyMaterial, wipeMaterial } from './formats/material.js'
import { toOpenSsh } from './formats/openssh.js'
import { type PrivateType, type PublicType, pemLabel, privateKeyDer, publicKeyDer, toPem } from './formats/pkcs.js'
import { jwkThumbprint, jwkThumbprintUri, type ThumbprintDigest } from './formats/thumbprint.js'
import { call, type NativeKey } from './native.js'
import * as ops from './operations/index.js'
import { withX5c, type X5cInput } from './platform-keys/x5c.js'
import type { Algorithm, Curve } from './registry.js'

export type Provider = 'openssl' | 'cng'

export interface PrivateExportOptions extends Pkcs8Protection {
  format: 'jwk' | 'pem' | 'der' | 'blob'
  /** pem/der: 'pkcs8' (default), 'pkcs1' (RSA), 'sec1' (EC). blob: 'private' (default) or 'seed' (ML-DSA/ML-KEM). */
  type?: PrivateType | 'private' | 'seed'
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

const FORMATS_PRIVATE = ['jwk', 'pem', 'der', 'blob'] as const
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
    const type = (o.type ?? 'spki') as PublicType
    if (o.type !== undefined && o.format !== 'pem' && o.format !== 'der') {
      throw new InvalidRequestError(`"type" applies to pem and der, not ${String(o.format)}`)
    }
    if (o.comment !== undefined && (o.format !== 'openssh' || typeof o.comment !== 'string')) {
      throw new InvalidRequestError('"comment" is a string, for the openssh format only')
    }
    if (o.x5c !== undefined && o.format !== 'jwk') throw new InvalidRequestError('"x5c" is for the jwk format only')
    switch (o.format) {
      case 'jwk':
        if (o.x5c !== undefined)
          return withX5c(materialToJwk(this.#material, false), publicKeyDer(this.#material), o.x5c)
        return materialToJwk(this.#material, false)
      case 'pem':
        return toPem(publicKeyDer(this.#material, type), pemLabel('public', type))
      case 'der':
        return Buffer.from(publicKeyDer(this.#material, type))
      case 'blob':
        return Buffer.from(this.#blob)
      default:
        return toOpenSsh(this.#material, o.comment as string | undefined)
    }
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
    return createPublicKey({ key: Buffer.from(publicKeyDer(this.#material)), format: 'der', type: 'spki' })
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

  #native(): NativeKey {
    if (!this.#handle || this.#handle.destroyed) throw new KeyDestroyedError('the key was destroyed')
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

  /** The private key as components; the caller wipes them (wipeMaterial). */
  #privateMaterial(): KeyMaterial {
    const handle = this.#native()
    const blob = call(() => handle.exportBlob('private'))
    const material = parseBlob(blob, blobHint(this)).material
    if (material.type === 'ML-DSA' || material.type === 'ML-KEM') {
      const seed = parseBlob(
        call(() => handle.exportBlob('seed')),
        {},
      ).material
      const pub = parseBlob(
        call(() => handle.exportBlob('public')),
        {},
      ).material
      if (seed.type === material.type && pub.type === material.type) {
        material.seed = seed.seed as Uint8Array
        material.pub = pub.pub as Uint8Array
      }
    }
    return material
  }

  export(options: { format: 'jwk' }): Jwk
  export(options: { format: 'pem'; type?: PrivateType } & Pkcs8Protection): string
  export(options: { format: 'der'; type?: PrivateType } & Pkcs8Protection): Buffer
  export(options: { format: 'blob'; type?: 'private' | 'seed' }): Buffer
  export(options: PrivateExportOptions): Jwk | string | Buffer
  export(options: PrivateExportOptions): Jwk | string | Buffer {
    const o = checkOptions(options, FORMATS_PRIVATE, ['format', 'type', 'passphrase', 'kdf'])
    checkPkcs8Protection(o)
    const handle = this.#native()
    if (o.format === 'blob') {
      if (o.type !== undefined && o.type !== 'private' && o.type !== 'seed') {
        throw new InvalidRequestError(`blob type must be 'private' or 'seed'`)
      }
      if (o.type === 'seed' && this.algorithm !== 'ML-DSA' && this.algorithm !== 'ML-KEM') {
        throw new UnsupportedFormatError('only ML-DSA and ML-KEM keys have a seed blob')
      }
      return call(() => handle.exportBlob(o.type === 'seed' ? 'seed' : 'private'))
    }
    if (o.type !== undefined && (o.format === 'jwk' || !['pkcs8', 'pkcs1', 'sec1'].includes(o.type as string))) {
      throw new InvalidRequestError(
        o.format === 'jwk'
          ? '"type" does not apply to jwk'
          : `private ${String(o.format)} type must be pkcs8, pkcs1 or sec1`,
      )
    }
    const material = this.#privateMaterial()
    try {
      if (o.format === 'jwk') return materialToJwk(material, true)
      const type = (o.type ?? 'pkcs8') as PrivateType
      const der = privateKeyDer(material, type)
      if (o.passphrase !== undefined)
        return protectPkcs8(der, o.format as 'pem' | 'der', o.passphrase, o.kdf as Pkcs8Kdf)
      if (o.format === 'der') return Buffer.from(der.buffer, der.byteOffset, der.byteLength)
      try {
        return toPem(der, pemLabel('private', type))
      } finally {
        wipe(der)
      }
    } finally {
      wipeMaterial(material)
    }
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
