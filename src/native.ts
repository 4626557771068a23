/**
 * The typed binding to the native addon: loaded lazily (importing the
 * package never fails; the first call that needs native code does, with
 * advice), through node-gyp-build (build/Release, then prebuilds/).
 * PLATFORM_KEYGEN_NATIVE=/path/to/addon.node loads a specific build instead
 * (sanitizer builds, the cmake-js build).
 */
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fromNative, NotSupportedOnPlatformError } from './errors.js'
import type { Curve } from './registry.js'
import { packageRoot } from './root.js'

/** The blobs a key exports and imports: public, private, or (ML-DSA / ML-KEM) the seed. Declared here once. */
export type BlobKind = 'public' | 'private' | 'seed'

/** Which platform provider the native layer runs on. Declared here once. */
export type Provider = 'openssl' | 'cng'

export type NativeHash = 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512'

/** Options of one operation, as the addon reads them (validated in TypeScript first). */
export interface NativeOpParams {
  hash?: NativeHash
  padding?: 'pkcs1' | 'pss' | 'oaep'
  /** PSS salt length in bytes (default: the digest's length). */
  saltLength?: number
  /** ECDSA / DSA signatures: r‖s (default) or DER. */
  signatureEncoding?: 'ieee-p1363' | 'der'
  /** Ed448 / ML-DSA context string (at most 255 bytes). */
  context?: Uint8Array
  /** OAEP label. */
  label?: Uint8Array
  /** RSA PKCS#1 v1.5 decryption, only where the provider does implicit rejection. */
  allowPkcs1Decrypt?: boolean
}

export interface NativeEncapsulation {
  ciphertext: Uint8Array
  sharedSecret: Uint8Array
}

/**
 * A native key handle. Every input is copied before the call returns; an
 * operation in flight keeps the key alive, so destroy() during it is safe.
 * Results are fresh buffers the caller owns (and wipes, for secrets).
 */
export interface NativeKey {
  exportBlob(kind: BlobKind): Buffer
  destroy(): void
  readonly destroyed: boolean
  /** false for a key imported from public material. Throws ERR_KEY_DESTROYED once destroyed. */
  readonly hasPrivate: boolean
  sign(params: NativeOpParams, data: Uint8Array): Promise<Uint8Array>
  signSync(params: NativeOpParams, data: Uint8Array): Uint8Array
  /** false for a signature that does not verify; rejects only for keys / options that cannot verify. */
  verify(params: NativeOpParams, data: Uint8Array, signature: Uint8Array): Promise<boolean>
  verifySync(params: NativeOpParams, data: Uint8Array, signature: Uint8Array): boolean
  encrypt(params: NativeOpParams, plaintext: Uint8Array): Promise<Uint8Array>
  encryptSync(params: NativeOpParams, plaintext: Uint8Array): Uint8Array
  decrypt(params: NativeOpParams, ciphertext: Uint8Array): Promise<Uint8Array>
  decryptSync(params: NativeOpParams, ciphertext: Uint8Array): Uint8Array
  /** The raw shared secret with the peer's key (big-endian, as node's diffieHellman). */
  derive(peer: NativeKey): Promise<Uint8Array>
  deriveSync(peer: NativeKey): Uint8Array
  encapsulate(): Promise<NativeEncapsulation>
  encapsulateSync(): NativeEncapsulation
  decapsulate(ciphertext: Uint8Array): Promise<Uint8Array>
  decapsulateSync(ciphertext: Uint8Array): Uint8Array
}

/**
 * The TypeScript ↔ native mapping: a curve (registry.ts, JOSE spelling) → the
 * name native code is given: the CNG curve name, or the extension id for what
 * CNG lacks (native/algorithms.h has the same names). Algorithm ids are the
 * registry's own (CNG's identifiers) and pass unchanged.
 */
export const NATIVE_CURVE: Readonly<Record<Curve, string>> = Object.freeze({
  'P-256': 'nistP256',
  'P-384': 'nistP384',
  'P-521': 'nistP521',
  secp256k1: 'secP256k1',
  X25519: 'curve25519',
  X448: 'curve448',
  Ed25519: 'Ed25519',
  Ed448: 'Ed448',
})

export interface NativeSpec {
  algorithm: string
  length: number
  parameterSet?: string
  curve?: string
  seed?: Uint8Array
  noKeyValidation?: boolean
  extractable: boolean
  validate?: boolean
  /** RSA public exponent (default 65537). */
  publicExponent?: number
  /** DH named group (native/dh_groups.h); length is its size. */
  group?: string
  /** DSA q bits (default: 160, or 256 above 1024). */
  divisorLength?: number
}

export interface NativeAlgorithmCapability {
  supported: boolean
  parameterSets?: string[]
  curves?: string[]
  note?: string
}

export interface NativeCapabilities {
  provider: Provider
  providerVersion: string
  algorithms: Record<string, NativeAlgorithmCapability>
}

/** A spec, or the id prepare() returned for one. */
export type NativeSpecArg = NativeSpec | number

interface Binding {
  generate(spec: NativeSpecArg): Promise<NativeKey>
  /** `count` keys of one spec in one threadpool work item; each element is a key or the error it met. */
  generateBatch(spec: NativeSpecArg, count: number): Promise<(NativeKey | Error)[]>
  /** count keys made, exported and released on one threadpool thread; per key and kind ('p' private, 's' seed, 'u' public): a u32le length and the blob. */
  generateBlobs(spec: NativeSpecArg, count: number, kinds: string): Promise<Buffer>
  /** One key on the calling thread. */
  generateSync(spec: NativeSpecArg): NativeKey
  /**
   * A key from a CNG blob (the TypeScript layer converts other material to
   * one); the provider's checks run. spec.extractable: false keeps an
   * imported private key in the provider.
   */
  importKey(spec: NativeSpec, kind: BlobKind, blob: Uint8Array): Promise<NativeKey>
  importKeySync(spec: NativeSpec, kind: BlobKind, blob: Uint8Array): NativeKey
  /** Checks a seedless spec and keeps it natively; returns its id (at most 4096 per env). */
  prepare(spec: NativeSpec): number
  randomBytes(n: number): Buffer
  capabilities(): NativeCapabilities
  /** Diagnostics: native keys alive in the process / NativeKey objects alive in this env. */
  liveHandles(): { process: number; env: number }
}

let binding: Binding | undefined

function loadError(err: unknown): NotSupportedOnPlatformError {
  const message = err instanceof Error ? err.message : String(err)
  const where = `${process.platform}-${process.arch}, Node.js ${process.version}`
  let advice: string
  if (/No native build was found/i.test(message)) {
    advice =
      'no prebuilt binary matches this platform and none was built. Prebuilt: linux-x64 (glibc), win32-x64. ' +
      'Elsewhere, install a C++ toolchain (python3, make, a C++17 compiler) and run `npm rebuild platform-keygen`.'
  } else if (/undefined symbol|symbol not found|Symbol not found/i.test(message)) {
    advice =
      'the addon uses the OpenSSL that the node binary exports, and this runtime does not export it ' +
      '(Electron and some distro builds of Node.js with a different OpenSSL). Use an official Node.js build.'
  } else {
    advice = 'the native addon failed to load. Reinstall the package (`npm rebuild platform-keygen`).'
  }
  return new NotSupportedOnPlatformError(`platform-keygen (${where}): ${advice} Loader said: ${message}`, {
    cause: err,
  })
}

export function native(): Binding {
  if (binding) return binding
  const require = createRequire(join(packageRoot, 'package.json'))
  try {
    const override = process.env.PLATFORM_KEYGEN_NATIVE
    const loaded = override ? require(override) : require('node-gyp-build')(packageRoot)
    binding = loaded as Binding
  } catch (err) {
    throw loadError(err)
  }
  return binding
}

/** Runs a synchronous native call, turning its errors into typed ones. */
export function call<T>(fn: () => T): T {
  try {
    return fn()
  } catch (err) {
    throw fromNative(err)
  }
}
