/**
 * Private JWKs at rest: a compact JWE, PBES2-HS512+A256KW key wrapping with
 * A256GCM content encryption (RFC 7518 §4.8), made and opened by jose.
 * The PBKDF2 work factor p2c is 600,000 by default and never less: OWASP's
 * Password Storage Cheat Sheet asks 600,000 iterations for PBKDF2-HMAC-SHA256
 * and 210,000 for PBKDF2-HMAC-SHA512, so this is above both. The salt input
 * p2s is 16 bytes from the platform RNG.
 */
import { InvalidRequestError, StoreCorruptError, StorePassphraseError } from '../errors.js'
import { wipe } from '../formats/bytes.js'
import { loadJose } from '../jose/load.js'
import { randomBytes } from '../random.js'

export const JWE_ALG = 'PBES2-HS512+A256KW'
export const JWE_ENC = 'A256GCM'
export const DEFAULT_P2C = 600_000
export const MIN_P2C = 600_000
/** A file asking for more is refused (it would stall the reader: a denial of service). */
export const MAX_P2C = 10_000_000

/** The passphrase as bytes (UTF-8 for a string, as jose and other JOSE libraries take it); the caller wipes. */
export function passphraseBytes(passphrase: unknown): Uint8Array {
  if (typeof passphrase === 'string') {
    if (passphrase.length === 0) throw new InvalidRequestError('the passphrase must not be empty')
    return new TextEncoder().encode(passphrase)
  }
  if (passphrase instanceof Uint8Array) {
    if (passphrase.length === 0) throw new InvalidRequestError('the passphrase must not be empty')
    return Uint8Array.from(passphrase)
  }
  throw new InvalidRequestError('the passphrase must be a string or a Uint8Array')
}

/**
 * Protected-header members that bind a JWE to its place in the store. The
 * protected header is AES-GCM's additional authenticated data (RFC 7516
 * §5.1 step 14), so they cannot be changed without the passphrase.
 */
export interface JweBinding {
  /** The store entry's name ("pkg-entry"). */
  entry?: string
  /** The RFC 7638 SHA-256 thumbprint of the entry's public JWK ("pkg-jkt"); absent for OCT keys. */
  jkt?: string
}

/** Encrypts a JSON value for `passphrase`; `cty` says what it is, `binding` where it belongs. */
export async function encryptJson(
  value: unknown,
  passphrase: Uint8Array,
  p2c: number,
  cty: string,
  binding: JweBinding = {},
): Promise<string> {
  const { CompactEncrypt } = await loadJose()
  const plaintext = new TextEncoder().encode(JSON.stringify(value))
  const p2s = randomBytes(16)
  const header: { alg: string; enc: string; cty: string; [member: string]: string } = {
    alg: JWE_ALG,
    enc: JWE_ENC,
    cty,
  }
  if (binding.entry !== undefined) header['pkg-entry'] = binding.entry
  if (binding.jkt !== undefined) header['pkg-jkt'] = binding.jkt
  try {
    return await new CompactEncrypt(plaintext)
      .setProtectedHeader(header)
      .setKeyManagementParameters({ p2c, p2s })
      .encrypt(passphrase)
  } finally {
    wipe(plaintext, p2s)
  }
}

/**
 * Checks a JWE's protected header without decrypting: the algorithms, the
 * work factor and the binding (ERR_STORE_CORRUPT otherwise). A file asking
 * for a p2c above MAX_P2C is refused here, before any PBKDF2 work.
 */
export async function checkJweHeader(jwe: string, path: string, what: string, binding: JweBinding): Promise<void> {
  const { decodeProtectedHeader } = await loadJose()
  let header: Record<string, unknown>
  try {
    header = decodeProtectedHeader(jwe) as Record<string, unknown>
  } catch (err) {
    throw new StoreCorruptError(`${path}: ${what} is not a compact JWE`, path, { cause: err })
  }
  const p2c = header.p2c
  if (header.alg !== JWE_ALG || header.enc !== JWE_ENC || typeof p2c !== 'number' || p2c < MIN_P2C || p2c > MAX_P2C) {
    throw new StoreCorruptError(
      `${path}: ${what} must be a ${JWE_ALG} / ${JWE_ENC} JWE with p2c from ${MIN_P2C} to ${MAX_P2C}`,
      path,
    )
  }
  if (header['pkg-entry'] !== binding.entry || header['pkg-jkt'] !== binding.jkt) {
    throw new StoreCorruptError(
      `the JWK store ${path} was tampered with: ${what} belongs to another entry or another public key`,
      path,
    )
  }
}

/**
 * Decrypts what encryptJson made, checking its header and binding first; a
 * wrong passphrase is ERR_STORE_PASSPHRASE, a malformed or misplaced JWE
 * ERR_STORE_CORRUPT.
 */
export async function decryptJson(
  jwe: string,
  passphrase: Uint8Array,
  path: string,
  what: string,
  binding: JweBinding = {},
): Promise<unknown> {
  const { compactDecrypt } = await loadJose()
  await checkJweHeader(jwe, path, what, binding)
  let plaintext: Uint8Array
  try {
    // The header checked above is the one decrypted: it is GCM's additional data.
    ;({ plaintext } = await compactDecrypt(jwe, passphrase, {
      keyManagementAlgorithms: [JWE_ALG],
      contentEncryptionAlgorithms: [JWE_ENC],
      maxPBES2Count: MAX_P2C,
    }))
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ERR_JWE_DECRYPTION_FAILED') {
      throw new StorePassphraseError(`wrong passphrase for the JWK store ${path}`, { cause: err })
    }
    throw new StoreCorruptError(`${path}: ${what} could not be decrypted`, path, { cause: err })
  }
  try {
    return JSON.parse(new TextDecoder().decode(plaintext))
  } catch (err) {
    throw new StoreCorruptError(`${path}: ${what} decrypts to something that is not JSON`, path, { cause: err })
  } finally {
    wipe(plaintext)
  }
}
