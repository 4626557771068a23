/**
 * A private JWK under a passphrase: a compact JWE with PBES2-HS256+A128KW key
 * wrapping and A128GCM content encryption (RFC 7518 §4.8, §5.3; "cty":
 * "jwk+json"), the form `step crypto jwk create` writes. Built from
 * node:crypto's PBKDF2, AES key wrap (RFC 3394) and AES-GCM, synchronously,
 * and checked against jose in the tests.
 *
 * The PBKDF2 count p2c is 600,000 (OWASP's figure for PBKDF2-HMAC-SHA256).
 * jose's compactDecrypt refuses counts above its `maxPBES2Count` (10,000 by
 * default) as a denial-of-service guard, so jose opens these with
 * `compactDecrypt(jwe, passphrase, { maxPBES2Count: 600_000 })`. p2s is 16
 * random bytes. The reader takes p2c from 1,000 to 1,000,000.
 */
import { createCipheriv, createDecipheriv, pbkdf2Sync } from 'node:crypto'
import { BadPassphraseError, InvalidRequestError } from '../errors.js'
import { randomBytes } from '../random.js'
import { b64url, concat, fromB64url, wipe } from './bytes.js'
import type { Jwk } from './jwk.js'
import { passphraseCopy } from './passphrase.js'

export const JWK_JWE_ALG = 'PBES2-HS256+A128KW'
export const JWK_JWE_ENC = 'A128GCM'
export const JWK_JWE_P2C = 600_000
export const MIN_READ_P2C = 1_000
export const MAX_READ_P2C = 1_000_000

const KW_IV = Buffer.from('A6A6A6A6A6A6A6A6', 'hex')

/** The 16-byte key-wrapping key: PBKDF2-HMAC-SHA256 over UTF8(alg) ‖ 0 ‖ p2s (the caller wipes it). */
function kek(passphrase: Uint8Array, p2s: Uint8Array, p2c: number): Buffer {
  const salt = concat([new TextEncoder().encode(JWK_JWE_ALG), Uint8Array.of(0), p2s])
  return pbkdf2Sync(passphrase, salt, p2c, 16, 'sha256')
}

/** Encrypts a JWK (or any JSON value) for a passphrase; returns the compact JWE. */
export function encryptJwk(jwk: Jwk | Record<string, unknown>, passphrase: unknown, cty = 'jwk+json'): string {
  const pass = passphraseCopy(passphrase)
  const p2s = randomBytes(16)
  const header = { alg: JWK_JWE_ALG, enc: JWK_JWE_ENC, cty, p2c: JWK_JWE_P2C, p2s: b64url(p2s) }
  const protectedHeader = b64url(new TextEncoder().encode(JSON.stringify(header)))
  const cek = randomBytes(16)
  const iv = randomBytes(12)
  const plaintext = new TextEncoder().encode(JSON.stringify(jwk))
  const key = kek(pass, p2s, JWK_JWE_P2C)
  try {
    const wrap = createCipheriv('id-aes128-wrap', key, KW_IV)
    const encryptedKey = Buffer.concat([wrap.update(cek), wrap.final()])
    const gcm = createCipheriv('aes-128-gcm', cek, iv)
    gcm.setAAD(Buffer.from(protectedHeader, 'ascii'))
    const ciphertext = Buffer.concat([gcm.update(plaintext), gcm.final()])
    const tag = gcm.getAuthTag()
    return [protectedHeader, b64url(encryptedKey), b64url(iv), b64url(ciphertext), b64url(tag)].join('.')
  } finally {
    wipe(pass, key, cek, plaintext)
  }
}

/** Whether a text looks like a compact JWE (five base64url parts). */
export function isCompactJwe(text: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(text)
}

/**
 * Decrypts a PBES2-HS256+A128KW / A128GCM compact JWE (what encryptJwk and
 * step write) to its JSON; a wrong passphrase is ERR_BAD_PASSPHRASE, anything
 * malformed ERR_INVALID_REQUEST. The caller wipes `passphrase`.
 */
export function decryptJwe(compact: string, passphrase: Uint8Array): unknown {
  const parts = compact.trim().split('.')
  const bad = (why: string): InvalidRequestError => new InvalidRequestError(`not a readable JWE: ${why}`)
  if (parts.length !== 5) throw bad('a compact JWE has five parts')
  const [h, ek, ivPart, ct, tagPart] = parts as [string, string, string, string, string]
  let header: Record<string, unknown>
  try {
    header = JSON.parse(Buffer.from(fromB64url(h) ?? new Uint8Array(0)).toString('utf8'))
  } catch {
    throw bad('the protected header is not JSON')
  }
  if (header?.alg !== JWK_JWE_ALG || header.enc !== JWK_JWE_ENC) {
    throw bad(`this reads ${JWK_JWE_ALG} / ${JWK_JWE_ENC}, not ${String(header?.alg)} / ${String(header?.enc)}`)
  }
  if (header.crit !== undefined || header.zip !== undefined) throw bad('"crit" and "zip" are not supported')
  const p2c = header.p2c
  const p2s = typeof header.p2s === 'string' ? fromB64url(header.p2s) : undefined
  if (typeof p2c !== 'number' || !Number.isInteger(p2c) || p2c < MIN_READ_P2C || p2c > MAX_READ_P2C) {
    throw bad(`p2c must be an integer from ${MIN_READ_P2C} to ${MAX_READ_P2C}`)
  }
  if (!p2s || p2s.length < 8) throw bad('p2s must be at least 8 bytes')
  const encryptedKey = fromB64url(ek)
  const iv = fromB64url(ivPart)
  const ciphertext = fromB64url(ct)
  const tag = fromB64url(tagPart)
  if (encryptedKey?.length !== 24 || iv?.length !== 12 || !ciphertext || tag?.length !== 16) {
    throw bad('the encrypted key, IV or tag has the wrong size')
  }
  const key = kek(passphrase, p2s, p2c)
  let cek: Buffer
  try {
    const unwrap = createDecipheriv('id-aes128-wrap', key, KW_IV)
    cek = Buffer.concat([unwrap.update(encryptedKey), unwrap.final()])
  } catch (err) {
    throw new BadPassphraseError('wrong passphrase for the JWE', { cause: err })
  } finally {
    wipe(key)
  }
  let plaintext: Buffer
  try {
    const gcm = createDecipheriv('aes-128-gcm', cek, iv)
    gcm.setAAD(Buffer.from(h, 'ascii'))
    gcm.setAuthTag(tag)
    const parts = [gcm.update(ciphertext), gcm.final()]
    plaintext = Buffer.concat(parts)
    wipe(...parts)
  } catch (err) {
    throw new InvalidRequestError('the JWE content does not authenticate (a damaged file)', { cause: err })
  } finally {
    wipe(cek)
  }
  try {
    return JSON.parse(plaintext.toString('utf8'))
  } catch {
    throw bad('it decrypts to something that is not JSON')
  } finally {
    wipe(plaintext)
  }
}
