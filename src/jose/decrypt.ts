/**
 * jose's compactDecrypt / jwtDecrypt with a platform KeyPair: the key
 * operation (RSA-OAEP decryption of the CEK, or the ECDH-ES agreement) runs
 * on the handle where the key lives; the content is decrypted here in JS
 * (AES-GCM, AES-CBC + HMAC-SHA-2, RFC 7518 5) with node:crypto. Errors are
 * jose's own classes (JWEInvalid, JWEDecryptionFailed, JOSENotSupported),
 * and jwtDecrypt validates the claims with jose's own code.
 */
import { createDecipheriv, createHash, createHmac, timingSafeEqual } from 'node:crypto'
import { describeValue } from '../errors.js'
import { fromB64url, wipe } from '../formats/bytes.js'
import { importKey } from '../import.js'
import type { KeyPair, PublicKey } from '../keypair.js'
import { type Jose, loadJose } from './load.js'

export type JweKeyAlgorithm =
  | 'RSA-OAEP'
  | 'RSA-OAEP-256'
  | 'RSA-OAEP-384'
  | 'RSA-OAEP-512'
  | 'ECDH-ES'
  | 'ECDH-ES+A128KW'
  | 'ECDH-ES+A192KW'
  | 'ECDH-ES+A256KW'

const OAEP_HASH: Record<string, 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512'> = {
  'RSA-OAEP': 'SHA-1',
  'RSA-OAEP-256': 'SHA-256',
  'RSA-OAEP-384': 'SHA-384',
  'RSA-OAEP-512': 'SHA-512',
}
const KW_BITS: Record<string, number> = { 'ECDH-ES+A128KW': 128, 'ECDH-ES+A192KW': 192, 'ECDH-ES+A256KW': 256 }
/** enc → CEK bits. */
const ENC_BITS: Record<string, number> = {
  A128GCM: 128,
  A192GCM: 192,
  A256GCM: 256,
  'A128CBC-HS256': 256,
  'A192CBC-HS384': 384,
  'A256CBC-HS512': 512,
}

export interface CompactDecryptResult {
  plaintext: Uint8Array
  protectedHeader: Record<string, unknown>
}

export interface JwtDecryptResult<T = Record<string, unknown>> {
  payload: T
  protectedHeader: Record<string, unknown>
}

function part(s: string | undefined, what: string, jose: Jose): Uint8Array {
  const b = s === undefined ? undefined : fromB64url(s)
  if (b === undefined) throw new jose.errors.JWEInvalid(`Invalid JWE: ${what} is not base64url`)
  return b
}

const u32be = (n: number): Buffer => {
  const b = Buffer.alloc(4)
  b.writeUInt32BE(n)
  return b
}
const lengthPrefixed = (b: Uint8Array): Buffer => Buffer.concat([u32be(b.length), b])

/** The Concat KDF of NIST SP 800-56A with SHA-256, as RFC 7518 4.6.2 uses it. */
function concatKdf(z: Uint8Array, bits: number, algorithmId: string, apu: Uint8Array, apv: Uint8Array): Uint8Array {
  const other = Buffer.concat([
    lengthPrefixed(new TextEncoder().encode(algorithmId)),
    lengthPrefixed(apu),
    lengthPrefixed(apv),
    u32be(bits),
  ])
  const rounds = Math.ceil(bits / 256)
  const out = Buffer.alloc(rounds * 32)
  for (let i = 0; i < rounds; i++) {
    createHash('sha256')
      .update(u32be(i + 1))
      .update(z)
      .update(other)
      .digest()
      .copy(out, i * 32)
  }
  const key = new Uint8Array(out.subarray(0, bits / 8))
  out.fill(0)
  return key
}

function aesKeyUnwrap(kek: Uint8Array, wrapped: Uint8Array, jose: Jose): Uint8Array {
  try {
    const d = createDecipheriv(`id-aes${kek.length * 8}-wrap`, kek, Buffer.from('A6A6A6A6A6A6A6A6', 'hex'))
    return new Uint8Array(Buffer.concat([d.update(wrapped), d.final()]))
  } catch (err) {
    throw new jose.errors.JWEDecryptionFailed('decryption operation failed', { cause: err })
  }
}

/** The content encryption key, from the key operation on the handle. */
async function contentKey(
  header: Record<string, unknown>,
  encryptedKey: Uint8Array,
  bits: number,
  key: KeyPair,
  jose: Jose,
): Promise<Uint8Array> {
  const alg = header.alg as string
  const failed = (err: unknown) => new jose.errors.JWEDecryptionFailed('decryption operation failed', { cause: err })
  const hash = OAEP_HASH[alg]
  if (hash) {
    try {
      return await key.decrypt(encryptedKey, { padding: 'oaep', hash })
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_DECRYPTION_FAILED') throw failed(err)
      throw err
    }
  }
  // ECDH-ES, ECDH-ES+AxxxKW: the ephemeral public key is the peer
  const epk = header.epk
  if (typeof epk !== 'object' || epk === null)
    throw new jose.errors.JWEInvalid('JOSE Header "epk" is missing or invalid')
  const peer = (await importKey(epk as Record<string, unknown>, { algorithm: 'ECDH' })) as PublicKey
  const z = await key.deriveBits(peer)
  const apu = typeof header.apu === 'string' ? part(header.apu, '"apu"', jose) : new Uint8Array(0)
  const apv = typeof header.apv === 'string' ? part(header.apv, '"apv"', jose) : new Uint8Array(0)
  const kw = KW_BITS[alg]
  try {
    if (kw === undefined) {
      if (encryptedKey.length !== 0) throw new jose.errors.JWEInvalid('Encountered unexpected JWE Encrypted Key')
      return concatKdf(z, bits, header.enc as string, apu, apv)
    }
    const kek = concatKdf(z, kw, alg, apu, apv)
    try {
      return aesKeyUnwrap(kek, encryptedKey, jose)
    } finally {
      wipe(kek)
    }
  } finally {
    wipe(z)
  }
}

function decryptContent(
  enc: string,
  cek: Uint8Array,
  iv: Uint8Array,
  ciphertext: Uint8Array,
  tag: Uint8Array,
  aad: Uint8Array,
  jose: Jose,
): Uint8Array {
  const failed = (err?: unknown) => new jose.errors.JWEDecryptionFailed('decryption operation failed', { cause: err })
  if (enc.endsWith('GCM')) {
    if (iv.length !== 12 || tag.length !== 16)
      throw new jose.errors.JWEInvalid('Invalid JWE: IV or tag of a wrong length')
    try {
      const d = createDecipheriv(`aes-${cek.length * 8}-gcm` as 'aes-128-gcm', cek, iv, { authTagLength: 16 })
      d.setAAD(aad)
      d.setAuthTag(tag)
      return new Uint8Array(Buffer.concat([d.update(ciphertext), d.final()]))
    } catch (err) {
      throw failed(err)
    }
  }
  // AES_CBC_HMAC_SHA2 (RFC 7518 5.2): MAC key first, encryption key second
  const half = cek.length / 2
  const macKey = cek.subarray(0, half)
  const encKey = cek.subarray(half)
  const al = Buffer.alloc(8)
  al.writeBigUInt64BE(BigInt(aad.length) * 8n)
  const mac = createHmac(`sha${half * 16}`, macKey)
    .update(aad)
    .update(iv)
    .update(ciphertext)
    .update(al)
    .digest()
  const expected = mac.subarray(0, half)
  if (iv.length !== 16 || tag.length !== half || !timingSafeEqual(expected, tag)) throw failed()
  try {
    const d = createDecipheriv(`aes-${half * 8}-cbc`, encKey, iv)
    return new Uint8Array(Buffer.concat([d.update(ciphertext), d.final()]))
  } catch (err) {
    throw failed(err)
  }
}

/** jose's compactDecrypt, with the key operation on a platform KeyPair. */
export async function compactDecrypt(jwe: string | Uint8Array, key: KeyPair): Promise<CompactDecryptResult> {
  const jose = await loadJose()
  const text = typeof jwe === 'string' ? jwe : jwe instanceof Uint8Array ? new TextDecoder().decode(jwe) : undefined
  if (text === undefined) throw new jose.errors.JWEInvalid('Compact JWE must be a string or Uint8Array')
  const parts = text.split('.')
  if (parts.length !== 5) throw new jose.errors.JWEInvalid('Invalid Compact JWE')
  const [protected64, ek64, iv64, ct64, tag64] = parts as [string, string, string, string, string]
  let header: Record<string, unknown>
  try {
    header = JSON.parse(new TextDecoder().decode(part(protected64, 'the protected header', jose)))
  } catch (err) {
    throw new jose.errors.JWEInvalid('JWE Protected Header is invalid', { cause: err })
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new jose.errors.JWEInvalid('JWE Protected Header is invalid')
  }
  const alg = header.alg
  const enc = header.enc
  if (typeof alg !== 'string' || !(alg in OAEP_HASH || alg === 'ECDH-ES' || alg in KW_BITS)) {
    throw new jose.errors.JOSENotSupported(`Unsupported JWE "alg" ${describeValue(alg)} for platform keys`)
  }
  if (typeof enc !== 'string' || !Object.hasOwn(ENC_BITS, enc)) {
    throw new jose.errors.JOSENotSupported(`Unsupported JWE "enc" ${describeValue(enc)}`)
  }
  if (header.zip !== undefined || header.crit !== undefined) {
    throw new jose.errors.JOSENotSupported('"zip" and "crit" are not supported')
  }
  const bits = ENC_BITS[enc] as number
  const cek = await contentKey(header, part(ek64, 'the encrypted key', jose), bits, key, jose)
  try {
    if (cek.length * 8 !== bits) throw new jose.errors.JWEDecryptionFailed('decryption operation failed')
    const plaintext = decryptContent(
      enc,
      cek,
      part(iv64, 'the IV', jose),
      part(ct64, 'the ciphertext', jose),
      part(tag64, 'the tag', jose),
      new TextEncoder().encode(protected64),
      jose,
    )
    return { plaintext, protectedHeader: header }
  } finally {
    wipe(cek)
  }
}

/** jose's jwtDecrypt: compactDecrypt, then jose's own claim checks (iss, aud, exp, nbf, maxTokenAge, …). */
export async function jwtDecrypt<T = Record<string, unknown>>(
  jwt: string | Uint8Array,
  key: KeyPair,
  options?: import('jose').JWTClaimVerificationOptions,
): Promise<JwtDecryptResult<T>> {
  const jose = await loadJose()
  const { plaintext, protectedHeader } = await compactDecrypt(jwt, key)
  // jose's claim validation, over the decrypted claims set (an unsecured JWT carries it unchanged)
  const unsecured = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(plaintext).toString('base64url')}.`
  const payload = jose.UnsecuredJWT.decode(unsecured, options).payload as T
  return { payload, protectedHeader }
}
