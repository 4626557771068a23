/**
 * OpenSSH key fingerprints, as `ssh-keygen -l -E sha256 | md5` prints them:
 * `SHA256:` and the unpadded base64 of the SHA-256 of the public key blob,
 * or `MD5:` and the MD5 as colon-separated hex pairs. For the keys OpenSSH
 * has (RSA, ECDSA P-256/384/521, Ed25519).
 */
import { createHash } from 'node:crypto'
import { InvalidRequestError, UnsupportedFormatError } from '../errors.js'
import type { KeyMaterial } from './material.js'
import { sshPublicKey } from './openssh.js'

export type FingerprintDigest = 'sha256' | 'md5'

/** The fingerprint of an OpenSSH public key blob. */
export function blobFingerprint(blob: Uint8Array, digest: FingerprintDigest = 'sha256'): string {
  if (digest === 'sha256') return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`
  if (digest === 'md5')
    return `MD5:${createHash('md5')
      .update(blob)
      .digest('hex')
      .replace(/(..)(?!$)/g, '$1:')}`
  throw new InvalidRequestError("fingerprint: digest must be 'sha256' or 'md5'")
}

/** The OpenSSH fingerprint of a key (ERR_UNSUPPORTED_FORMAT for keys OpenSSH has no form for). */
export function sshFingerprint(m: KeyMaterial, digest: FingerprintDigest = 'sha256'): string {
  if (digest !== 'sha256' && digest !== 'md5')
    throw new InvalidRequestError("fingerprint: digest must be 'sha256' or 'md5'")
  if (m.type === 'EC' && m.usage !== 'ECDSA') {
    throw new UnsupportedFormatError(`OpenSSH has no key format for ECDH ${m.curve}, so no fingerprint`)
  }
  return blobFingerprint(sshPublicKey(m, 'public key').blob, digest)
}
