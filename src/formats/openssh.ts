/** OpenSSH public keys (RFC 4253 ssh-rsa, RFC 5656 ecdsa-sha2-*, RFC 8709 ssh-ed25519). */
import { UnsupportedFormatError } from '../errors.js'
import { concat, padTo } from './bytes.js'
import { EC_SIZES, type KeyMaterial, noPss } from './material.js'

/** An SSH wire `string` (RFC 4251): uint32 length, then the bytes (text as UTF-8). */
export function sshString(b: Uint8Array | string): Uint8Array {
  const bytes = typeof b === 'string' ? new TextEncoder().encode(b) : b
  const len = new Uint8Array(4)
  new DataView(len.buffer).setUint32(0, bytes.length, false)
  return concat([len, bytes])
}

/** An SSH wire `mpint` from an unsigned big-endian magnitude. */
export function sshMpint(b: Uint8Array): Uint8Array {
  let i = 0
  while (i < b.length && b[i] === 0) i++
  const s = b.subarray(i)
  if (s.length === 0 || !((s[0] as number) & 0x80)) return sshString(s)
  // A leading zero byte keeps it positive; the padded copy may be a private value: wiped.
  const padded = concat([Uint8Array.of(0), s])
  try {
    return sshString(padded)
  } finally {
    padded.fill(0)
  }
}

const SSH_CURVES = { 'P-256': 'nistp256', 'P-384': 'nistp384', 'P-521': 'nistp521' } as const

/** A key's OpenSSH type and public key blob; for ECDSA also the curve name and the uncompressed point. */
export interface SshPublicKey {
  type: string
  blob: Uint8Array
  curveName?: string
  point?: Uint8Array
}

/**
 * The OpenSSH public key blob of an RSA, NIST-curve EC or Ed25519 key (the
 * one encoder the public line and the CLI's private key file share).
 * `what` names the format in the refusal.
 */
export function sshPublicKey(m: KeyMaterial, what = 'key'): SshPublicKey {
  noPss(m, 'OpenSSH')
  if (m.type === 'RSA') {
    const type = 'ssh-rsa'
    return { type, blob: concat([sshString(type), sshMpint(m.e), sshMpint(m.n)]) }
  }
  if (m.type === 'EC' && m.usage === 'ECDH') {
    // RFC 5656 defines ECDSA keys only: an ECDH key is refused in every OpenSSH form
    throw new UnsupportedFormatError(
      `OpenSSH has no ${what} format for ECDH ${m.curve} (RSA, ECDSA P-256/384/521, Ed25519)`,
    )
  }
  if (m.type === 'EC' && m.curve !== 'secp256k1') {
    const curveName = SSH_CURVES[m.curve]
    const type = `ecdsa-sha2-${curveName}`
    const cb = EC_SIZES[m.curve]
    const x = padTo(m.x, cb)
    const y = padTo(m.y, cb)
    if (!x || !y) throw new UnsupportedFormatError('the EC point is larger than its curve')
    const point = concat([Uint8Array.of(4), x, y])
    return { type, blob: concat([sshString(type), sshString(curveName), sshString(point)]), curveName, point }
  }
  if (m.type === 'OKP' && m.curve === 'Ed25519') {
    const type = 'ssh-ed25519'
    return { type, blob: concat([sshString(type), sshString(m.x)]) }
  }
  const name = m.type === 'EC' || m.type === 'OKP' ? m.curve : m.type
  throw new UnsupportedFormatError(`OpenSSH has no ${what} format for ${name} (RSA, ECDSA P-256/384/521, Ed25519)`)
}

/** `type base64 [comment]` for RSA, ECDSA P-256/384/521 and Ed25519 public keys. */
export function toOpenSsh(m: KeyMaterial, comment?: string): string {
  const { type, blob } = sshPublicKey(m, 'public key')
  if (comment !== undefined && /[\r\n]/.test(comment)) {
    throw new UnsupportedFormatError('an OpenSSH comment cannot contain line breaks')
  }
  const line = `${type} ${Buffer.from(blob).toString('base64')}`
  return comment ? `${line} ${comment}` : line
}
