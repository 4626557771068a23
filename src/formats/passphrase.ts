/**
 * Passphrases of the passphrase-protected key formats (encrypted PKCS#8,
 * OpenSSH, JWE): a string (taken as UTF-8, as openssl, ssh-keygen and jose
 * take it) or bytes. The copy returned is the caller's to wipe.
 */
import { InvalidRequestError } from '../errors.js'

/** A private key's passphrase, as the library takes it. */
export type Passphrase = string | Uint8Array

/** The passphrase as a fresh byte copy (the caller wipes it); refuses empty ones and other types. */
export function passphraseCopy(passphrase: unknown, what = 'the passphrase'): Uint8Array {
  let bytes: Uint8Array
  if (typeof passphrase === 'string') bytes = new TextEncoder().encode(passphrase)
  else if (passphrase instanceof Uint8Array) bytes = Uint8Array.from(passphrase)
  else throw new InvalidRequestError(`${what} must be a string or a Uint8Array`)
  if (bytes.length === 0) throw new InvalidRequestError(`${what} must not be empty`)
  return bytes
}
