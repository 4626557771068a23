/**
 * The OpenSSH private key file ("openssh-key-v1", OpenSSH's PROTOCOL.key),
 * unencrypted, for RSA, ECDSA P-256/384/521 and Ed25519: what `ssh-keygen`
 * writes and what every OpenSSH reads. (OpenSSH reads PKCS#8 PEM for RSA and
 * ECDSA, but not for Ed25519, hence this format for `--format openssh`.)
 *
 *   "openssh-key-v1\0"
 *   string ciphername "none" · string kdfname "none" · string kdfoptions ""
 *   uint32 1 (number of keys) · string public key blob
 *   string private section:
 *     uint32 checkint · uint32 checkint (the same random value)
 *     string keytype · key fields (below) · string comment
 *     padding 1, 2, 3, ... up to a multiple of 8
 *
 *   ssh-rsa              mpint n, e, d, iqmp, p, q
 *   ecdsa-sha2-nistpXXX  string curve, string Q (uncompressed point), mpint d
 *   ssh-ed25519          string A (32), string k‖A (64)
 */
import { randomBytes } from 'node:crypto'
import { UnsupportedFormatError } from '../errors.js'
import { concat, padTo } from '../formats/bytes.js'
import { EC_SIZES, type KeyMaterial } from '../formats/material.js'

function u32(n: number): Uint8Array {
  const b = new Uint8Array(4)
  new DataView(b.buffer).setUint32(0, n, false)
  return b
}

function str(b: Uint8Array | string): Uint8Array {
  const bytes = typeof b === 'string' ? new TextEncoder().encode(b) : b
  return concat([u32(bytes.length), bytes])
}

function mpint(b: Uint8Array): Uint8Array {
  let i = 0
  while (i < b.length && b[i] === 0) i++
  const s = b.subarray(i)
  return str(s.length > 0 && (s[0] as number) & 0x80 ? concat([Uint8Array.of(0), s]) : s)
}

const SSH_CURVES = { 'P-256': 'nistp256', 'P-384': 'nistp384', 'P-521': 'nistp521' } as const

function need(v: Uint8Array | undefined, what: string): Uint8Array {
  if (!v) throw new UnsupportedFormatError(`the key has no ${what}`)
  return v
}

/** The public blob and the private key fields, by key type. */
function parts(m: KeyMaterial): { type: string; publicBlob: Uint8Array; privateFields: Uint8Array } {
  if (m.type === 'RSA') {
    const type = 'ssh-rsa'
    return {
      type,
      publicBlob: concat([str(type), mpint(m.e), mpint(m.n)]),
      privateFields: concat([
        mpint(m.n),
        mpint(m.e),
        mpint(need(m.d, 'private exponent')),
        mpint(need(m.qi, 'qi')),
        mpint(need(m.p, 'p')),
        mpint(need(m.q, 'q')),
      ]),
    }
  }
  if (m.type === 'EC' && m.curve !== 'secp256k1') {
    const name = SSH_CURVES[m.curve]
    const type = `ecdsa-sha2-${name}`
    const cb = EC_SIZES[m.curve]
    const point = concat([Uint8Array.of(4), need(padTo(m.x, cb), 'x'), need(padTo(m.y, cb), 'y')])
    return {
      type,
      publicBlob: concat([str(type), str(name), str(point)]),
      privateFields: concat([str(name), str(point), mpint(need(m.d, 'private scalar'))]),
    }
  }
  if (m.type === 'OKP' && m.curve === 'Ed25519') {
    const type = 'ssh-ed25519'
    return {
      type,
      publicBlob: concat([str(type), str(m.x)]),
      privateFields: concat([str(m.x), str(concat([need(m.d, 'private key'), m.x]))]),
    }
  }
  const what = m.type === 'EC' || m.type === 'OKP' ? m.curve : m.type
  throw new UnsupportedFormatError(`OpenSSH has no key format for ${what} (RSA, ECDSA P-256/384/521, Ed25519)`)
}

/** The unencrypted `-----BEGIN OPENSSH PRIVATE KEY-----` file. */
export function toOpenSshPrivate(m: KeyMaterial, comment = ''): string {
  if (/[\r\n]/.test(comment)) throw new UnsupportedFormatError('an OpenSSH comment cannot contain line breaks')
  const { type, publicBlob, privateFields } = parts(m)
  const check = randomBytes(4)
  const body = concat([check, check, str(type), privateFields, str(comment)])
  const padLength = (8 - (body.length % 8)) % 8
  const padding = Uint8Array.from({ length: padLength }, (_, i) => i + 1)
  const privateSection = concat([body, padding])
  const blob = concat([
    new TextEncoder().encode('openssh-key-v1\0'),
    str('none'),
    str('none'),
    str(''),
    u32(1),
    str(publicBlob),
    str(privateSection),
  ])
  const b64 = Buffer.from(blob).toString('base64')
  const lines: string[] = []
  for (let i = 0; i < b64.length; i += 70) lines.push(b64.slice(i, i + 70))
  privateFields.fill(0)
  body.fill(0)
  privateSection.fill(0)
  blob.fill(0)
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${lines.join('\n')}\n-----END OPENSSH PRIVATE KEY-----\n`
}
