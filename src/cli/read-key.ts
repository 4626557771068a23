/**
 * Reading a key file for `convert`: the library's readKey
 * (src/formats/read-key.ts) with the CLI's one-line fixes.
 */
import { InvalidRequestError, PlatformKeygenError } from '../errors.js'
import type { KeyMaterial } from '../formats/material.js'
import { MAX_KEY_FILE_BYTES, type ReadKeyOptions, readKey as readAnyKey } from '../formats/read-key.js'
import { withFix } from './report.js'

const FIXES: Record<string, string> = {
  ERR_INVALID_KEY: 'the file holds a damaged or forged key: use the original key file, or generate a new key',
  ERR_BAD_PASSPHRASE: "give the key's passphrase with --passphrase-file FILE or --passphrase-env VAR",
  ERR_INVALID_REQUEST:
    'give convert a PEM (PKCS#8, PKCS#1, SEC1, SPKI, certificate), DER, JWK (set: with --kid), JWE or OpenSSH key file',
}

/** Reads PEM, DER, JWK, JWE, OpenSSH or a certificate into material, validated. */
export function readKey(input: Buffer, name: string, options: Omit<ReadKeyOptions, 'name'> = {}): KeyMaterial {
  if (input.length > MAX_KEY_FILE_BYTES) throw tooLarge(name)
  try {
    return readAnyKey(input, { ...options, name })
  } catch (err) {
    const fix = err instanceof PlatformKeygenError ? FIXES[err.code] : undefined
    throw fix === undefined ? err : withFix(err, fix)
  }
}

export { MAX_KEY_FILE_BYTES }

/** A file too large to be a key (checked before reading it whole). */
export function tooLarge(name: string): InvalidRequestError {
  return withFix(
    new InvalidRequestError(`${name} is larger than ${MAX_KEY_FILE_BYTES} bytes: not a key file`),
    'give convert the key file itself (a key in PEM, DER or JWK is a few KiB)',
  )
}
