/**
 * The options of the key operations, validated against what the key is, and
 * turned into the addon's OpParams. Every refusal is typed:
 * ERR_UNSUPPORTED_OPERATION when the key cannot do the operation at all,
 * ERR_INVALID_REQUEST for options that are wrong for it.
 */
import { describeValue, InvalidRequestError, UnsupportedOperationError } from '../errors.js'
import type { KeyInfo } from '../keypair.js'
import type { NativeHash, NativeOpParams } from '../native.js'
import { keyLengthTable, type Operation, type Role } from '../registry.js'

export type Hash = NativeHash

export interface SignOptions {
  /** RSA / ECDSA / DSA: the digest (default SHA-256; SHA-384 for P-384, SHA-512 for P-521). SHA-1 verifies only. */
  hash?: Hash
  /** RSA: 'pkcs1' (default, RS*) or 'pss' (PS*). */
  padding?: 'pkcs1' | 'pss'
  /** RSA-PSS salt length in bytes (default: the digest's length, as JOSE's PS*). */
  saltLength?: number
  /** ECDSA / DSA: 'ieee-p1363' (r‖s, JOSE's form; default) or 'der'. */
  signatureEncoding?: 'ieee-p1363' | 'der'
  /** Ed448 / ML-DSA: the context string (at most 255 bytes; default empty). */
  context?: Uint8Array
}

export interface EncryptOptions {
  /** 'oaep' (default) or 'pkcs1' (RSAES-PKCS1-v1_5). */
  padding?: 'oaep' | 'pkcs1'
  /** OAEP digest, also used for MGF1 (default SHA-256). */
  hash?: Hash
  /** OAEP label (default empty). */
  label?: Uint8Array
}

export interface DecryptOptions extends EncryptOptions {
  /**
   * PKCS#1 v1.5 decryption is refused by default (the Marvin attack); true
   * allows it where the provider does implicit rejection (OpenSSL 3.2+).
   */
  allowPkcs1Decrypt?: boolean
}

export type { Role } from '../registry.js'

/** What a key's algorithm does (the registry's role: rsa, ecdsa, dsa, eddsa, ml-dsa, agreement, ml-kem). */
export function roleOf(info: KeyInfo): Role {
  return keyLengthTable[info.algorithm]?.role ?? 'agreement'
}

/** Whether the key's handle does the operation (the registry's operations). */
export function supports(info: KeyInfo, op: Operation): boolean {
  return keyLengthTable[info.algorithm]?.operations.includes(op) ?? false
}

/** "an ECDH_P256 key", "an EdDSA Ed25519 key", "an ML-KEM-768 key". */
export function describeKey(info: KeyInfo): string {
  const name = info.parameterSet
    ? `${info.algorithm}-${info.parameterSet}`
    : info.curve && !info.algorithm.includes('_')
      ? `${info.algorithm} ${info.curve}`
      : info.algorithm
  return `${/^[AEIOU]/.test(name) ? 'an' : 'a'} ${name} key`
}

const HASHES: readonly string[] = ['SHA-1', 'SHA-256', 'SHA-384', 'SHA-512']
const HASH_BYTES: Record<string, number> = { 'SHA-1': 20, 'SHA-256': 32, 'SHA-384': 48, 'SHA-512': 64 }

function optionsObject(options: unknown, allowed: readonly string[], what: string): Record<string, unknown> {
  if (options === undefined) return {}
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidRequestError(`${what} options must be an object`)
  }
  const o = options as Record<string, unknown>
  for (const k of Object.keys(o)) {
    if (o[k] === undefined) continue
    if (!allowed.includes(k)) throw new InvalidRequestError(`unknown ${what} option "${k}"`)
  }
  return o
}

function refuse(o: Record<string, unknown>, names: readonly string[], why: string): void {
  for (const n of names) {
    if (o[n] !== undefined) throw new InvalidRequestError(`"${n}" ${why}`)
  }
}

function hashOption(v: unknown, fallback: Hash, allowSha1: boolean, what: string): Hash {
  if (v === undefined) return fallback
  if (typeof v !== 'string' || !HASHES.includes(v)) {
    throw new InvalidRequestError(`${what} hash must be one of ${HASHES.join(', ')}, got ${describeValue(v)}`)
  }
  if (v === 'SHA-1' && !allowSha1) {
    throw new InvalidRequestError(`SHA-1 is accepted for verification only, not for new ${what}s`)
  }
  return v as Hash
}

/** A Uint8Array input, or ERR_INVALID_REQUEST. */
export function bytesArg(v: unknown, what: string, max?: number): Uint8Array {
  if (!(v instanceof Uint8Array)) throw new InvalidRequestError(`${what} must be a Uint8Array, got ${describeValue(v)}`)
  if (max !== undefined && v.length > max) throw new InvalidRequestError(`${what} is at most ${max} bytes`)
  return v
}

const SIGN_OPTIONS = ['hash', 'padding', 'saltLength', 'signatureEncoding', 'context'] as const

function defaultHash(info: KeyInfo): Hash {
  if (info.curve === 'P-384') return 'SHA-384'
  if (info.curve === 'P-521') return 'SHA-512'
  return 'SHA-256'
}

/** sign / verify options → OpParams; `verify` lets SHA-1 through. */
export function signParams(info: KeyInfo, options: unknown, verify: boolean): NativeOpParams {
  const role = roleOf(info)
  const op = verify ? 'verify' : 'sign'
  if (!supports(info, op)) {
    throw new UnsupportedOperationError(
      `${describeKey(info)} is for ${role === 'ml-kem' ? 'encapsulation' : 'key agreement'}: it cannot ${op}`,
    )
  }
  const o = optionsObject(options, SIGN_OPTIONS, op)
  const p: NativeOpParams = {}
  if (role === 'rsa' || role === 'ecdsa' || role === 'dsa') {
    p.hash = hashOption(o.hash, defaultHash(info), verify, 'signature')
    refuse(o, ['context'], `is for Ed448 and ML-DSA signatures, not ${describeKey(info)}`)
  } else {
    refuse(o, ['hash'], `does not apply: ${describeKey(info)} signs the message itself`)
    refuse(o, ['padding', 'saltLength', 'signatureEncoding'], `is not an option of ${describeKey(info)}`)
    if (o.context !== undefined) {
      if (role === 'eddsa' && info.curve !== 'Ed448') {
        throw new InvalidRequestError('"context" is for Ed448 and ML-DSA; Ed25519 signatures here are pure Ed25519')
      }
      p.context = bytesArg(o.context, 'context', 255)
    }
  }
  if (role === 'rsa') {
    refuse(o, ['signatureEncoding'], 'is for ECDSA and DSA signatures')
    if (o.padding !== undefined && o.padding !== 'pkcs1' && o.padding !== 'pss') {
      throw new InvalidRequestError(`RSA signature padding must be 'pkcs1' or 'pss', got ${describeValue(o.padding)}`)
    }
    p.padding = (o.padding ?? 'pkcs1') as 'pkcs1' | 'pss'
    if (o.saltLength !== undefined) {
      if (p.padding !== 'pss') throw new InvalidRequestError('"saltLength" is for PSS signatures')
      const max = Math.ceil((info.length - 1) / 8) - (HASH_BYTES[p.hash as string] as number) - 2
      if (
        typeof o.saltLength !== 'number' ||
        !Number.isInteger(o.saltLength) ||
        o.saltLength < 0 ||
        o.saltLength > max
      ) {
        throw new InvalidRequestError(
          `saltLength must be an integer from 0 to ${max} for this key and hash, got ${describeValue(o.saltLength)}`,
        )
      }
      p.saltLength = o.saltLength
    }
    const hLen = HASH_BYTES[p.hash as string] as number
    const emLen = Math.ceil((info.length - 1) / 8)
    const fits =
      p.padding === 'pss' ? emLen >= hLen + (p.saltLength ?? hLen) + 2 : Math.ceil(info.length / 8) >= hLen + 30
    if (!fits) {
      throw new InvalidRequestError(
        `an RSA-${info.length} key is too small for ${p.padding === 'pss' ? 'PSS' : 'PKCS#1 v1.5'} signatures with ${p.hash}${p.padding === 'pss' && p.saltLength === undefined ? ' and a salt of the digest length' : ''}`,
      )
    }
  } else if (role === 'ecdsa' || role === 'dsa') {
    refuse(o, ['padding', 'saltLength'], 'is for RSA signatures')
    if (o.signatureEncoding !== undefined) {
      if (o.signatureEncoding !== 'ieee-p1363' && o.signatureEncoding !== 'der') {
        throw new InvalidRequestError(
          `signatureEncoding must be 'ieee-p1363' or 'der', got ${describeValue(o.signatureEncoding)}`,
        )
      }
      p.signatureEncoding = o.signatureEncoding
    }
  }
  return p
}

/** encrypt / decrypt options → OpParams. */
export function cipherParams(info: KeyInfo, options: unknown, decrypt: boolean): NativeOpParams {
  const op = decrypt ? 'decrypt' : 'encrypt'
  if (!supports(info, op)) {
    const hint = roleOf(info) === 'ml-kem' ? ' (ML-KEM encapsulates and decapsulates)' : ''
    throw new UnsupportedOperationError(`${describeKey(info)} cannot ${op}: only RSA keys do${hint}`)
  }
  const allowed = decrypt ? ['padding', 'hash', 'label', 'allowPkcs1Decrypt'] : ['padding', 'hash', 'label']
  const o = optionsObject(options, allowed, op)
  const p: NativeOpParams = {}
  if (o.padding !== undefined && o.padding !== 'oaep' && o.padding !== 'pkcs1') {
    throw new InvalidRequestError(`RSA encryption padding must be 'oaep' or 'pkcs1', got ${describeValue(o.padding)}`)
  }
  p.padding = (o.padding ?? 'oaep') as 'oaep' | 'pkcs1'
  if (p.padding === 'oaep') {
    p.hash = hashOption(o.hash, 'SHA-256', true, 'OAEP')
    if (o.label !== undefined) p.label = bytesArg(o.label, 'label', 65536)
  } else {
    refuse(o, ['hash', 'label'], 'is for OAEP')
  }
  if (o.allowPkcs1Decrypt !== undefined) {
    if (typeof o.allowPkcs1Decrypt !== 'boolean') throw new InvalidRequestError('allowPkcs1Decrypt must be a boolean')
    if (p.padding !== 'pkcs1') throw new InvalidRequestError('"allowPkcs1Decrypt" is for pkcs1 padding')
    p.allowPkcs1Decrypt = o.allowPkcs1Decrypt
  }
  if (decrypt && p.padding === 'pkcs1' && p.allowPkcs1Decrypt !== true) {
    throw new UnsupportedOperationError(
      'RSA PKCS#1 v1.5 decryption is refused (the Marvin attack): use OAEP, or pass allowPkcs1Decrypt: true where the provider does implicit rejection (OpenSSL 3.2+)',
    )
  }
  return p
}

/** The largest plaintext an RSA key of `bits` encrypts with these params. */
export function maxPlaintext(bits: number, p: NativeOpParams): number {
  const k = Math.ceil(bits / 8)
  return p.padding === 'pkcs1' ? k - 11 : k - 2 * (HASH_BYTES[p.hash as string] as number) - 2
}
