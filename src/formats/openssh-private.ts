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
import { UnsupportedFormatError } from '../errors.js'
import { randomBytes } from '../random.js'
import { b64, concat, secretBytes, wipe } from './bytes.js'
import { type KeyMaterial, need } from './material.js'
import { sshMpint, sshPublicKey, sshString } from './openssh.js'
import { type OpenSshProtection, openSshSealing } from './openssh-encrypt.js'

function u32(n: number): Uint8Array {
  const b = secretBytes(4)
  new DataView(b.buffer).setUint32(0, n, false)
  return b
}

/** The public blob and the private key fields, by key type. */
function parts(m: KeyMaterial): { type: string; publicBlob: Uint8Array; privateFields: Uint8Array } {
  const pub = sshPublicKey(m)
  // Every intermediate holding private bytes is wiped once copied into privateFields.
  let pieces: Uint8Array[]
  const secrets: Uint8Array[] = []
  if (m.type === 'RSA') {
    pieces = [
      sshMpint(m.n),
      sshMpint(m.e),
      sshMpint(need(m.d, 'private exponent')),
      sshMpint(need(m.qi, 'qi')),
      sshMpint(need(m.p, 'p')),
      sshMpint(need(m.q, 'q')),
    ]
  } else if (m.type === 'EC') {
    const name = pub.curveName as string
    pieces = [sshString(name), sshString(pub.point as Uint8Array), sshMpint(need(m.d, 'private scalar'))]
  } else if (m.type === 'OKP') {
    // Ed25519: sshPublicKey refused every other OKP curve
    const seedAndPublic = concat([need(m.d, 'private key'), m.x])
    secrets.push(seedAndPublic)
    pieces = [sshString(m.x), sshString(seedAndPublic)]
  } else {
    throw new UnsupportedFormatError(`OpenSSH has no key format for ${m.type}`)
  }
  const privateFields = concat(pieces)
  wipe(...pieces, ...secrets)
  return { type: pub.type, publicBlob: pub.blob, privateFields }
}

/**
 * The `-----BEGIN OPENSSH PRIVATE KEY-----` file: unencrypted, or with a
 * passphrase as `ssh-keygen -N` writes it (src/formats/openssh-encrypt.ts).
 */
export function toOpenSshPrivate(m: KeyMaterial, comment = '', protection?: OpenSshProtection): string {
  if (/[\r\n]/.test(comment)) throw new UnsupportedFormatError('an OpenSSH comment cannot contain line breaks')
  const sealing = openSshSealing(protection)
  const { type, publicBlob, privateFields } = parts(m)
  const check = randomBytes(4)
  const body = concat([check, check, sshString(type), privateFields, sshString(comment)])
  const padLength = (sealing.blockSize - (body.length % sealing.blockSize)) % sealing.blockSize
  const padding = Uint8Array.from({ length: padLength }, (_, i) => i + 1)
  const privateSection = concat([body, padding])
  const sealed = sealing.seal(privateSection)
  const blob = concat([
    new TextEncoder().encode('openssh-key-v1\0'),
    sshString(sealing.cipherName),
    sshString(sealing.kdfName),
    sshString(sealing.kdfOptions),
    u32(1),
    sshString(publicBlob),
    sshString(sealed),
  ])
  // Encoded from the blob itself (Buffer.from(blob) would leave a copy in Node's buffer pool).
  const text = b64(blob)
  const lines: string[] = []
  for (let i = 0; i < text.length; i += 70) lines.push(text.slice(i, i + 70))
  wipe(privateFields, body, privateSection, sealed, blob)
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${lines.join('\n')}\n-----END OPENSSH PRIVATE KEY-----\n`
}
