/** OpenSSH public keys (RFC 4253 ssh-rsa, RFC 5656 ecdsa-sha2-*, RFC 8709 ssh-ed25519). */
import { UnsupportedFormatError } from '../errors.js'
import { concat, padTo } from './bytes.js'
import { EC_SIZES, type KeyMaterial } from './material.js'

function sshString(b: Uint8Array): Uint8Array {
  const len = new Uint8Array(4)
  new DataView(len.buffer).setUint32(0, b.length, false)
  return concat([len, b])
}

function mpint(b: Uint8Array): Uint8Array {
  let i = 0
  while (i < b.length && b[i] === 0) i++
  const s = b.subarray(i)
  return sshString(s.length > 0 && (s[0] as number) & 0x80 ? concat([Uint8Array.of(0), s]) : s)
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s)

const SSH_CURVES = { 'P-256': 'nistp256', 'P-384': 'nistp384', 'P-521': 'nistp521' } as const

/** `type base64 [comment]` for RSA, ECDSA P-256/384/521 and Ed25519 public keys. */
export function toOpenSsh(m: KeyMaterial, comment?: string): string {
  let type: string
  let body: Uint8Array
  if (m.type === 'RSA') {
    type = 'ssh-rsa'
    body = concat([sshString(text(type)), mpint(m.e), mpint(m.n)])
  } else if (m.type === 'EC' && m.usage === 'ECDSA' && m.curve !== 'secp256k1') {
    const name = SSH_CURVES[m.curve]
    type = `ecdsa-sha2-${name}`
    const cb = EC_SIZES[m.curve]
    const point = concat([Uint8Array.of(4), padTo(m.x, cb) as Uint8Array, padTo(m.y, cb) as Uint8Array])
    body = concat([sshString(text(type)), sshString(text(name)), sshString(point)])
  } else if (m.type === 'OKP' && m.curve === 'Ed25519') {
    type = 'ssh-ed25519'
    body = concat([sshString(text(type)), sshString(m.x)])
  } else {
    const what = m.type === 'EC' ? `${m.usage} ${m.curve}` : m.type === 'OKP' ? m.curve : m.type
    throw new UnsupportedFormatError(`OpenSSH has no public key format for ${what} (RSA, ECDSA P-256/384/521, Ed25519)`)
  }
  if (comment !== undefined && /[\r\n]/.test(comment)) {
    throw new UnsupportedFormatError('an OpenSSH comment cannot contain line breaks')
  }
  const line = `${type} ${Buffer.from(body).toString('base64')}`
  return comment ? `${line} ${comment}` : line
}
