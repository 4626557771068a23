/**
 * The key operations, where the key lives: sign / verify, encrypt / decrypt,
 * deriveBits, encapsulate / decapsulate, each async (the libuv threadpool)
 * and sync (the calling thread). KeyPair and PublicKey call these; options
 * are validated here (src/operations/options.ts) before the native call,
 * which copies every input before it returns.
 *
 * A PublicKey is plain bytes; it gets a native handle (an imported public
 * key, checked by the provider) the first time it verifies, encrypts,
 * encapsulates or serves as a peer, kept for its lifetime.
 */
import { fromNative, InvalidKeyError, InvalidRequestError, UnsupportedOperationError } from '../errors.js'
import { type KeyInfo, KeyPair, PublicKey } from '../keypair.js'
import { call, NATIVE_CURVE, type NativeKey, type NativeSpec, native } from '../native.js'
import { keyLengthTable } from '../registry.js'
import { bytesArg, cipherParams, describeKey, maxPlaintext, signParams, supports } from './options.js'

export type { DecryptOptions, EncryptOptions, Hash, SignOptions } from './options.js'

export interface Encapsulation {
  /** To send to the holder of the private key. */
  ciphertext: Uint8Array
  /** 32 bytes; the caller wipes it when done. */
  sharedSecret: Uint8Array
}

/** A key's handle, or ERR_KEY_DESTROYED. */
export type HandleOf = () => NativeKey

/** The native spec of a key (as resolveSpec writes it), to import its material. */
export function nativeSpecOf(info: KeyInfo, extractable: boolean): NativeSpec {
  const spec: NativeSpec = { algorithm: info.algorithm, length: info.length, extractable }
  if (info.curve !== undefined && keyLengthTable[info.algorithm].rule.kind === 'curve') {
    spec.curve = NATIVE_CURVE[info.curve]
  }
  if (info.parameterSet !== undefined) spec.parameterSet = info.parameterSet
  return spec
}

const publicHandles = new WeakMap<PublicKey, NativeKey>()

/** Keeps the handle importKey made for a PublicKey. */
export function keepPublicHandle(pub: PublicKey, handle: NativeKey): void {
  publicHandles.set(pub, handle)
}

/** The PublicKey's native handle, imported from its blob the first time. */
function publicHandle(pub: PublicKey): NativeKey {
  let h = publicHandles.get(pub)
  if (!h) {
    const blob = pub.export({ format: 'blob' })
    const binding = native()
    h = call(() => binding.importKeySync(nativeSpecOf(pub, true), 'public', blob))
    publicHandles.set(pub, h)
  }
  return h
}

async function settle<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run()
  } catch (err) {
    throw fromNative(err)
  }
}

// --- sign / verify ---------------------------------------------------------------

export function sign(info: KeyInfo, handle: HandleOf, data: unknown, options: unknown): Promise<Uint8Array> {
  return settle(() => {
    const p = signParams(info, options, false)
    return handle().sign(p, bytesArg(data, 'data'))
  })
}

export function signSync(info: KeyInfo, handle: HandleOf, data: unknown, options: unknown): Uint8Array {
  return call(() => {
    const p = signParams(info, options, false)
    return handle().signSync(p, bytesArg(data, 'data'))
  })
}

export function verify(pub: PublicKey, data: unknown, signature: unknown, options: unknown): Promise<boolean> {
  return settle(() => {
    const p = signParams(pub, options, true)
    const d = bytesArg(data, 'data')
    return publicHandle(pub).verify(p, d, bytesArg(signature, 'signature'))
  })
}

export function verifySync(pub: PublicKey, data: unknown, signature: unknown, options: unknown): boolean {
  return call(() => {
    const p = signParams(pub, options, true)
    const d = bytesArg(data, 'data')
    return publicHandle(pub).verifySync(p, d, bytesArg(signature, 'signature'))
  })
}

// --- encrypt / decrypt -----------------------------------------------------------

function plaintextArg(pub: PublicKey, data: unknown, options: unknown): [ReturnType<typeof cipherParams>, Uint8Array] {
  const p = cipherParams(pub, options, false)
  const d = bytesArg(data, 'plaintext')
  const max = maxPlaintext(pub.length, p)
  if (d.length > max) {
    throw new InvalidRequestError(`this RSA-${pub.length} key encrypts at most ${max} bytes with these options`)
  }
  return [p, d]
}

export function encrypt(pub: PublicKey, data: unknown, options: unknown): Promise<Uint8Array> {
  return settle(() => {
    const [p, d] = plaintextArg(pub, data, options)
    return publicHandle(pub).encrypt(p, d)
  })
}

export function encryptSync(pub: PublicKey, data: unknown, options: unknown): Uint8Array {
  return call(() => {
    const [p, d] = plaintextArg(pub, data, options)
    return publicHandle(pub).encryptSync(p, d)
  })
}

export function decrypt(info: KeyInfo, handle: HandleOf, data: unknown, options: unknown): Promise<Uint8Array> {
  return settle(() => {
    const p = cipherParams(info, options, true)
    return handle().decrypt(p, bytesArg(data, 'ciphertext'))
  })
}

export function decryptSync(info: KeyInfo, handle: HandleOf, data: unknown, options: unknown): Uint8Array {
  return call(() => {
    const p = cipherParams(info, options, true)
    return handle().decryptSync(p, bytesArg(data, 'ciphertext'))
  })
}

// --- deriveBits --------------------------------------------------------------------

/** The peer's public handle, after checking it can agree with this key. */
function peerHandle(info: KeyInfo, peer: unknown): NativeKey {
  if (!supports(info, 'deriveBits')) {
    throw new UnsupportedOperationError(
      `${describeKey(info)} cannot derive: ECDH (P-256/384/521, secp256k1), X25519, X448 and DH keys do`,
    )
  }
  let pub: PublicKey
  if (peer instanceof KeyPair) {
    pub = peer.publicKey
  } else if (peer instanceof PublicKey) {
    pub = peer
  } else {
    throw new InvalidRequestError("deriveBits takes the peer's PublicKey (from importKey or a KeyPair's publicKey)")
  }
  const same = info.algorithm === 'DH' ? pub.algorithm === 'DH' : pub.curve !== undefined && pub.curve === info.curve
  if (!same) {
    throw new InvalidKeyError(
      `the peer's key is ${describeKey(pub)}; ${describeKey(info)} derives only with a peer ${info.algorithm === 'DH' ? 'DH key of its group' : `on ${info.curve}`}`,
    )
  }
  return publicHandle(pub)
}

export function deriveBits(info: KeyInfo, handle: HandleOf, peer: unknown): Promise<Uint8Array> {
  return settle(() => {
    const p = peerHandle(info, peer)
    return handle().derive(p)
  })
}

export function deriveBitsSync(info: KeyInfo, handle: HandleOf, peer: unknown): Uint8Array {
  return call(() => {
    const p = peerHandle(info, peer)
    return handle().deriveSync(p)
  })
}

// --- encapsulate / decapsulate ---------------------------------------------------------

function requireKem(info: KeyInfo, op: 'encapsulate' | 'decapsulate'): void {
  if (!supports(info, op)) throw new UnsupportedOperationError(`${describeKey(info)} cannot ${op}: ML-KEM keys do`)
}

export function encapsulate(pub: PublicKey): Promise<Encapsulation> {
  return settle(() => {
    requireKem(pub, 'encapsulate')
    return publicHandle(pub).encapsulate()
  })
}

export function encapsulateSync(pub: PublicKey): Encapsulation {
  return call(() => {
    requireKem(pub, 'encapsulate')
    return publicHandle(pub).encapsulateSync()
  })
}

export function decapsulate(info: KeyInfo, handle: HandleOf, ciphertext: unknown): Promise<Uint8Array> {
  return settle(() => {
    requireKem(info, 'decapsulate')
    return handle().decapsulate(bytesArg(ciphertext, 'ciphertext'))
  })
}

export function decapsulateSync(info: KeyInfo, handle: HandleOf, ciphertext: unknown): Uint8Array {
  return call(() => {
    requireKem(info, 'decapsulate')
    return handle().decapsulateSync(bytesArg(ciphertext, 'ciphertext'))
  })
}
