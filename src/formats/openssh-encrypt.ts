/**
 * The encryption of an OpenSSH private key file (openssh-key-v1, OpenSSH's
 * PROTOCOL.key), as `ssh-keygen -N PASSPHRASE [-a ROUNDS]` writes it:
 *
 *   ciphername "aes256-ctr" · kdfname "bcrypt" · kdfoptions string { string salt (16) · uint32 rounds }
 *   key ‖ iv = bcrypt_pbkdf(passphrase, salt, 32 + 16 bytes, rounds)
 *   the private section, padded to the cipher's 16-byte block, encrypted with AES-256-CTR
 *
 * bcrypt_pbkdf is the bcrypt-pbkdf package (the OpenBSD code ported, used by
 * ssh2 and sshpk); AES-256-CTR is node:crypto's. An unencrypted file is
 * "none" / "none" / "" with 8-byte padding. The derived key is wiped.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { InvalidRequestError } from '../errors.js'
import { randomBytes } from '../random.js'
import { packageRoot } from '../root.js'
import { concat, wipe } from './bytes.js'
import { passphraseCopy } from './passphrase.js'

type Pbkdf = typeof import('bcrypt-pbkdf').pbkdf
let bcryptPbkdf: Pbkdf | undefined

/**
 * bcrypt-pbkdf, loaded on first use (synchronously: exports are synchronous),
 * so that importing platform-keygen does not load it.
 */
function pbkdf(...args: Parameters<Pbkdf>): ReturnType<Pbkdf> {
  bcryptPbkdf ??= (createRequire(join(packageRoot, 'package.json'))('bcrypt-pbkdf') as { pbkdf: Pbkdf }).pbkdf
  return bcryptPbkdf(...args)
}

/** ssh-keygen's default `-a`. */
export const DEFAULT_ROUNDS = 16
/** More would stall the writer (and a reader given such a file): refused. */
export const MAX_ROUNDS = 1000

export interface OpenSshProtection {
  passphrase: string | Uint8Array
  /** bcrypt_pbkdf rounds, like `ssh-keygen -a` (default 16). */
  rounds?: number
}

/** How a private section is sealed: the header fields and the transform. */
export interface OpenSshSealing {
  cipherName: string
  kdfName: string
  kdfOptions: Uint8Array
  blockSize: number
  /** Encrypts the padded private section (a new buffer; the input is the caller's to wipe). */
  seal(section: Uint8Array): Uint8Array
}

const NONE: OpenSshSealing = {
  cipherName: 'none',
  kdfName: 'none',
  kdfOptions: new Uint8Array(0),
  blockSize: 8,
  seal: (section) => Uint8Array.from(section),
}

function u32(n: number): Uint8Array {
  const b = new Uint8Array(4)
  new DataView(b.buffer).setUint32(0, n, false)
  return b
}

function checkRounds(rounds: unknown): number {
  if (rounds === undefined) return DEFAULT_ROUNDS
  if (typeof rounds !== 'number' || !Number.isInteger(rounds) || rounds < 1 || rounds > MAX_ROUNDS) {
    throw new InvalidRequestError(`the bcrypt rounds must be an integer from 1 to ${MAX_ROUNDS}`)
  }
  return rounds
}

/** Checks the protection options before any work (ERR_INVALID_REQUEST). */
export function checkOpenSshProtection(p: OpenSshProtection | undefined): void {
  if (p === undefined) return
  checkRounds(p.rounds)
  wipe(passphraseCopy(p.passphrase))
}

/** The 32-byte AES key and 16-byte IV for a passphrase, salt and rounds (the caller wipes both). */
function deriveKeyIv(passphrase: Uint8Array, salt: Uint8Array, rounds: number): { key: Uint8Array; iv: Uint8Array } {
  const out = new Uint8Array(48)
  if (pbkdf(passphrase, passphrase.length, salt, salt.length, out, out.length, rounds) !== 0) {
    throw new InvalidRequestError('bcrypt_pbkdf refused its parameters')
  }
  return { key: out.subarray(0, 32), iv: out.subarray(32) }
}

function aes256ctr(decrypt: boolean, key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  const c = decrypt ? createDecipheriv('aes-256-ctr', key, iv) : createCipheriv('aes-256-ctr', key, iv)
  const parts = [c.update(data), c.final()]
  try {
    return concat(parts)
  } finally {
    wipe(...parts)
  }
}

/** The sealing for a file: "none", or aes256-ctr with a bcrypt-derived key when a passphrase is given. */
export function openSshSealing(p: OpenSshProtection | undefined): OpenSshSealing {
  if (p === undefined) return NONE
  const rounds = checkRounds(p.rounds)
  const salt = randomBytes(16)
  return {
    cipherName: 'aes256-ctr',
    kdfName: 'bcrypt',
    kdfOptions: concat([u32(salt.length), salt, u32(rounds)]),
    blockSize: 16,
    seal(section) {
      const pass = passphraseCopy(p.passphrase)
      const { key, iv } = deriveKeyIv(pass, salt, rounds)
      try {
        return aes256ctr(false, key, iv, section)
      } finally {
        wipe(pass, key, iv)
      }
    },
  }
}

/** What a file's header says about its encryption. */
export interface OpenSshHeader {
  cipherName: string
  kdfName: string
  kdfOptions: Uint8Array
}

/**
 * Decrypts a private section sealed as above (none, or aes256-ctr + bcrypt);
 * the caller checks the check-ints (a wrong passphrase shows there). Throws
 * ERR_UNSUPPORTED_FORMAT-worthy errors as InvalidRequestError with the reason.
 */
export function openSshUnseal(h: OpenSshHeader, section: Uint8Array, passphrase: Uint8Array | undefined): Uint8Array {
  if (h.cipherName === 'none' && h.kdfName === 'none') return Uint8Array.from(section)
  if (h.cipherName !== 'aes256-ctr' || h.kdfName !== 'bcrypt') {
    throw new InvalidRequestError(
      `an OpenSSH key encrypted with ${h.cipherName} / ${h.kdfName} (this reads aes256-ctr with bcrypt, as ssh-keygen writes)`,
    )
  }
  if (passphrase === undefined) throw new InvalidRequestError('missing passphrase')
  const o = h.kdfOptions
  const view = new DataView(o.buffer, o.byteOffset, o.byteLength)
  if (o.length < 8) throw new InvalidRequestError('truncated bcrypt options')
  const saltLength = view.getUint32(0, false)
  if (saltLength === 0 || saltLength > 1024 || o.length !== 4 + saltLength + 4) {
    throw new InvalidRequestError('malformed bcrypt options')
  }
  const rounds = view.getUint32(4 + saltLength, false)
  if (rounds < 1 || rounds > MAX_ROUNDS) {
    throw new InvalidRequestError(`bcrypt rounds ${rounds} are outside 1…${MAX_ROUNDS}`)
  }
  if (section.length % 16 !== 0) throw new InvalidRequestError('the encrypted section is not a whole number of blocks')
  const { key, iv } = deriveKeyIv(passphrase, o.subarray(4, 4 + saltLength), rounds)
  try {
    return aes256ctr(true, key, iv, section)
  } finally {
    wipe(key, iv)
  }
}
