/**
 * readKey: the keys people have, as KeyMaterial (validated by
 * src/formats/validate.ts). It reads
 *
 *  - PEM and DER PKCS#8, PKCS#1, SEC1 and SPKI (node:crypto parses them),
 *    encrypted PKCS#8 and legacy `Proc-Type: 4,ENCRYPTED` PEM with the
 *    passphrase (node:crypto decrypts them);
 *  - the public key of an X.509 certificate, PEM or DER (node's X509Certificate);
 *  - RSASSA-PSS keys (id-RSASSA-PSS), keeping their parameters for PEM / DER;
 *  - OpenSSH private keys (openssh-key-v1, plain or with a passphrase:
 *    aes256-ctr + bcrypt, as ssh-keygen writes) and OpenSSH public keys;
 *  - JWKs, JWK sets (one key, or the one with `kid`), and a private JWK or
 *    set in a PBES2 JWE (src/formats/jwe-pbes2.ts) with the passphrase.
 *
 * A KeyObject becomes material through its JWK export where Node has a JWK
 * for the type (RSA, EC, OKP, ML-DSA / ML-KEM on Node.js 24); DSA and DH,
 * which have none, through Node's PKCS#8 / SPKI DER read with der.ts.
 *
 * Errors: ERR_BAD_PASSPHRASE for a missing or wrong passphrase, ERR_INVALID_KEY
 * for a key that parses but is not valid, ERR_UNSUPPORTED_ALGORITHM for keys of
 * other algorithms or curves (brainpool, ...), ERR_UNSUPPORTED_FORMAT for what
 * has no key form here (an oct JWK), ERR_INVALID_REQUEST for what is no key.
 */
import { createPrivateKey, createPublicKey, type KeyObject, X509Certificate } from 'node:crypto'
import {
  BadPassphraseError,
  InvalidKeyError,
  InvalidRequestError,
  NotSupportedOnPlatformError,
  UnsupportedAlgorithmError,
  UnsupportedFormatError,
} from '../errors.js'
import { equalBytes, fromBigInt, toBigInt, wipe } from './bytes.js'
import { children, DerError, expectTag, readOne } from './der.js'
import { decryptJwe, isCompactJwe } from './jwe-pbes2.js'
import { jwkToMaterial } from './jwk.js'
import { algorithmOid, derKeyObject, keyObjectMaterial, pemBlock, spkiKeyBits } from './keyobject.js'
import { EC_SIZES, type EcCurve, type KeyMaterial, wipeMaterial } from './material.js'
import { sshPublicKey } from './openssh.js'
import { openSshUnseal } from './openssh-encrypt.js'
import { type Passphrase, passphraseCopy } from './passphrase.js'
import { OIDS } from './pkcs.js'
import { validateMaterial } from './validate.js'

export interface ReadKeyOptions {
  /** The passphrase of an encrypted PKCS#8 / legacy PEM, OpenSSH key or JWE. */
  passphrase?: Passphrase
  /** In a JWK set: the key with this "kid" (other inputs ignore it). */
  kid?: string
  /** What to call the input in error messages (default "the key"). */
  name?: string
}

/** The largest key input read: RSA-16384's PEM is 12 KiB, so 1 MiB is far above any key. */
export const MAX_KEY_FILE_BYTES = 1 << 20

const ML_OIDS = new Set<string>([...Object.values(OIDS.mlDsa), ...Object.values(OIDS.mlKem)])

function unreadable(what: string, cause?: unknown): InvalidRequestError {
  return new InvalidRequestError(
    `${what} is not a key in PEM, DER, JWK, JWE, OpenSSH or X.509 certificate form`,
    cause === undefined ? undefined : { cause },
  )
}

/** Whether a DER is an EncryptedPrivateKeyInfo: SEQUENCE { AlgorithmIdentifier, OCTET STRING }. */
function isEncryptedPkcs8(der: Uint8Array): boolean {
  try {
    const top = children(readOne(der).value)
    return top.length === 2 && top[0]?.tag === 0x30 && top[1]?.tag === 0x04
  } catch {
    return false
  }
}

function needsNode24(cause: unknown): NotSupportedOnPlatformError {
  return new NotSupportedOnPlatformError(
    `reading ML-DSA / ML-KEM PEM or DER needs a Node.js whose OpenSSL has them (3.5, Node.js 24 or later); this is Node.js ${process.version} with OpenSSL ${process.versions.openssl}`,
    { cause },
  )
}

/** A Buffer over the same memory (Buffer.from(bytes) would copy into Node's pool, out of reach of wipe). */
const view = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength)

function needPassphrase(name: string): BadPassphraseError {
  return new BadPassphraseError(`${name} is passphrase-protected: give its passphrase`)
}

/** An encrypted PKCS#8 or legacy PEM, decrypted by node:crypto. */
function decryptWithNode(
  key: string | Buffer,
  der: boolean,
  passphrase: Uint8Array | undefined,
  name: string,
): KeyObject {
  if (passphrase === undefined) throw needPassphrase(name)
  try {
    return der
      ? createPrivateKey({ key, format: 'der', type: 'pkcs8', passphrase: view(passphrase) })
      : createPrivateKey({ key, passphrase: view(passphrase) })
  } catch (err) {
    throw new BadPassphraseError(`wrong passphrase for ${name} (or a damaged file)`, { cause: err })
  }
}

/** A KeyObject from PEM or DER; private when the input is private. */
function keyObjectOf(input: Buffer, name: string, passphrase: Uint8Array | undefined): KeyObject {
  const text = input.toString('latin1')
  if (text.includes('-----BEGIN ')) {
    const block = pemBlock(text)
    if (block?.label === 'CERTIFICATE') return certificateKey(input, name)
    if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(text)) {
      return decryptWithNode(text, false, passphrase, name)
    }
    const isPublic = /-----BEGIN (RSA )?PUBLIC KEY-----/.test(text)
    try {
      return isPublic ? createPublicKey(text) : createPrivateKey(text)
    } catch (err) {
      const oid = block && algorithmOid(block.der)
      if (oid && ML_OIDS.has(oid)) throw needsNode24(err)
      throw unreadable(name, err)
    }
  }
  const der = new Uint8Array(input)
  if (isEncryptedPkcs8(der)) return decryptWithNode(input, true, passphrase, name)
  let first: unknown
  try {
    return derKeyObject(der)
  } catch (err) {
    first = err
  }
  try {
    return new X509Certificate(input).publicKey
  } catch {
    // not a certificate either: report the key reader's error
  }
  const oid = algorithmOid(der)
  if (oid && ML_OIDS.has(oid)) throw needsNode24(first)
  throw unreadable(name, first)
}

function certificateKey(input: Buffer, name: string): KeyObject {
  try {
    return new X509Certificate(input).publicKey
  } catch (err) {
    throw unreadable(name, err)
  }
}

/**
 * An RSASSA-PSS key: the RSA numbers through an rsaEncryption KeyObject of
 * the inner PKCS#1, and the RSASSA-PSS-params kept as they were encoded.
 */
function pssMaterial(key: KeyObject): KeyMaterial {
  const isPrivateKey = key.type === 'private'
  const der = new Uint8Array(key.export({ format: 'der', type: isPrivateKey ? 'pkcs8' : 'spki' }))
  try {
    const top = children(readOne(der).value)
    const algId = expectTag(isPrivateKey ? top[1] : top[0], 0x30, 'AlgorithmIdentifier')
    const params = children(algId.value)[1]
    const inner = isPrivateKey ? expectTag(top[2], 0x04, 'privateKey').value : spkiKeyBits(der)
    const rsa = isPrivateKey
      ? createPrivateKey({ key: Buffer.from(inner), format: 'der', type: 'pkcs1' })
      : createPublicKey({ key: Buffer.from(inner), format: 'der', type: 'pkcs1' })
    const m = jwkToMaterial(rsa.export({ format: 'jwk' }))
    if (m.type !== 'RSA') throw new DerError('not an RSA key')
    m.pss = params ? Uint8Array.from(params.raw) : new Uint8Array(0)
    return m
  } finally {
    wipe(der)
  }
}

function keyMaterial(key: KeyObject, name: string): KeyMaterial {
  if (key.asymmetricKeyType === 'rsa-pss') return pssMaterial(key)
  try {
    return keyObjectMaterial(key)
  } catch (err) {
    const code = (err as { code?: unknown }).code
    if (code === 'ERR_CRYPTO_JWK_UNSUPPORTED_CURVE' || code === 'ERR_CRYPTO_JWK_UNSUPPORTED_KEY_TYPE') {
      const curve = key.asymmetricKeyDetails?.namedCurve
      const what = curve ? `an EC key on ${curve}` : `a ${key.asymmetricKeyType ?? 'unknown'} key`
      throw new UnsupportedAlgorithmError(
        `${name} is ${what}, which this package does not handle (EC curves: ${Object.keys(EC_SIZES).join(', ')})`,
        { cause: err },
      )
    }
    throw err
  }
}

// --- OpenSSH -------------------------------------------------------------------------------------

/** The SSH wire format (RFC 4251 §5): uint32, string, mpint; bounds-checked. */
class SshReader {
  #at = 0
  constructor(
    readonly buf: Uint8Array,
    readonly what: string,
  ) {}
  #fail(): never {
    throw new InvalidRequestError(`${this.what} is truncated or malformed`)
  }
  u32(): number {
    if (this.#at + 4 > this.buf.length) this.#fail()
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.#at, 4).getUint32(0, false)
    this.#at += 4
    return v
  }
  string(): Uint8Array {
    const n = this.u32()
    if (this.#at + n > this.buf.length) this.#fail()
    const v = this.buf.subarray(this.#at, this.#at + n)
    this.#at += n
    return v
  }
  text(): string {
    return new TextDecoder().decode(this.string())
  }
  /** A non-negative mpint as an unsigned magnitude (a copy). */
  mpint(): Uint8Array {
    const v = this.string()
    if (v.length > 0 && ((v[0] as number) & 0x80) !== 0) this.#fail()
    return Uint8Array.from(v[0] === 0 ? v.subarray(1) : v)
  }
  get rest(): Uint8Array {
    return this.buf.subarray(this.#at)
  }
}

const SSH_EC: Record<string, EcCurve> = { nistp256: 'P-256', nistp384: 'P-384', nistp521: 'P-521' }

function sshEcPoint(curve: EcCurve, q: Uint8Array, what: string): { x: Uint8Array; y: Uint8Array } {
  const cb = EC_SIZES[curve]
  if (q.length !== 1 + 2 * cb || q[0] !== 4) throw new InvalidRequestError(`${what}: the EC point is not uncompressed`)
  return { x: Uint8Array.from(q.subarray(1, 1 + cb)), y: Uint8Array.from(q.subarray(1 + cb)) }
}

/** The key type's public fields from a reader positioned after the type name. */
function sshPublicFields(type: string, r: SshReader, what: string): KeyMaterial {
  if (type === 'ssh-rsa') {
    const e = r.mpint()
    const n = r.mpint()
    return { type: 'RSA', n, e }
  }
  const ec = /^ecdsa-sha2-(nistp256|nistp384|nistp521)$/.exec(type)
  if (ec) {
    const curve = SSH_EC[ec[1] as string] as EcCurve
    if (r.text() !== ec[1]) throw new InvalidRequestError(`${what}: the curve name does not match ${type}`)
    return { type: 'EC', curve, usage: 'ECDSA', ...sshEcPoint(curve, r.string(), what) }
  }
  if (type === 'ssh-ed25519') {
    const x = r.string()
    if (x.length !== 32) throw new InvalidRequestError(`${what}: an Ed25519 key is 32 bytes`)
    return { type: 'OKP', curve: 'Ed25519', x: Uint8Array.from(x) }
  }
  throw new UnsupportedAlgorithmError(
    `${what} is an OpenSSH ${type} key (this reads ssh-rsa, ecdsa-sha2-nistp*, ssh-ed25519)`,
  )
}

/** `type base64 [comment]` (the first non-comment line). */
function readOpenSshPublic(text: string, name: string): KeyMaterial {
  const line = text.split(/\r?\n/).find((l) => l.trim() !== '' && !l.startsWith('#')) ?? ''
  const [type, b64] = line.trim().split(/\s+/)
  if (!type || !b64 || !/^[A-Za-z0-9+/]+=*$/.test(b64)) throw unreadable(name)
  const r = new SshReader(new Uint8Array(Buffer.from(b64, 'base64')), name)
  if (r.text() !== type) throw new InvalidRequestError(`${name}: the key blob says another type than ${type}`)
  const m = sshPublicFields(type, r, name)
  if (r.rest.length !== 0) throw new InvalidRequestError(`${name}: trailing bytes after the key`)
  return m
}

const OPENSSH_MAGIC = 'openssh-key-v1\0'

/** The openssh-key-v1 file: one key, plain or aes256-ctr + bcrypt. */
function readOpenSshPrivate(der: Uint8Array, name: string, passphrase: Uint8Array | undefined): KeyMaterial {
  const magic = new TextEncoder().encode(OPENSSH_MAGIC)
  if (der.length < magic.length || !equalBytes(der.subarray(0, magic.length), magic)) throw unreadable(name)
  const r = new SshReader(der.subarray(magic.length), name)
  const header = { cipherName: r.text(), kdfName: r.text(), kdfOptions: r.string() }
  const encrypted = header.cipherName !== 'none'
  if (r.u32() !== 1) throw new UnsupportedFormatError(`${name} holds more than one key`)
  const publicBlob = r.string()
  const sealed = r.string()
  if (encrypted && passphrase === undefined) throw needPassphrase(name)
  let section: Uint8Array
  try {
    section = openSshUnseal(header, sealed, passphrase)
  } catch (err) {
    if (err instanceof InvalidRequestError && /^an OpenSSH key encrypted with/.test(err.message)) {
      throw new UnsupportedFormatError(`${name} is ${err.message}`, { cause: err })
    }
    throw new InvalidRequestError(`${name}: ${(err as Error).message}`, { cause: err })
  }
  const material = { current: undefined as KeyMaterial | undefined }
  try {
    const p = new SshReader(section, name)
    const check1 = p.u32()
    const check2 = p.u32()
    if (check1 !== check2) {
      if (encrypted) throw new BadPassphraseError(`wrong passphrase for ${name}`)
      throw new InvalidRequestError(`${name}: the check numbers differ (a damaged file)`)
    }
    const type = p.text()
    if (type === 'ssh-rsa') {
      const n = p.mpint()
      const e = p.mpint()
      const d = p.mpint()
      const qi = p.mpint()
      const P = p.mpint()
      const Q = p.mpint()
      material.current = { type: 'RSA', n, e, d, qi, p: P, q: Q }
      const dv = toBigInt(d)
      const pv = toBigInt(P)
      const qv = toBigInt(Q)
      if (pv < 2n || qv < 2n) throw new InvalidKeyError(`${name}: the RSA primes are not valid`)
      material.current.dp = fromBigInt(dv % (pv - 1n))
      material.current.dq = fromBigInt(dv % (qv - 1n))
    } else if (/^ecdsa-sha2-/.test(type)) {
      const pub = sshPublicFields(type, p, name) as Extract<KeyMaterial, { type: 'EC' }>
      material.current = { ...pub, d: p.mpint() }
    } else if (type === 'ssh-ed25519') {
      const pub = sshPublicFields(type, p, name) as Extract<KeyMaterial, { type: 'OKP' }>
      const kA = p.string()
      if (kA.length !== 64 || !equalBytes(kA.subarray(32), pub.x)) {
        throw new InvalidKeyError(`${name}: the Ed25519 private key does not end with its public key`)
      }
      material.current = { ...pub, d: Uint8Array.from(kA.subarray(0, 32)) }
    } else {
      sshPublicFields(type, p, name) // throws: an unsupported type
    }
    const m = material.current as KeyMaterial
    if (!equalBytes(sshPublicKey(m).blob, publicBlob)) {
      throw new InvalidKeyError(`${name}: the private key is not the file's public key`)
    }
    return m
  } catch (err) {
    if (material.current) wipeMaterial(material.current)
    throw err
  } finally {
    wipe(section)
  }
}

// --- JSON ----------------------------------------------------------------------------------------

function kidsOf(keys: unknown[]): string {
  const kids = keys.map((k) => (k as { kid?: unknown })?.kid).filter((k): k is string => typeof k === 'string')
  return kids.length > 0 ? ` (kids: ${kids.slice(0, 10).join(', ')}${kids.length > 10 ? ', ...' : ''})` : ''
}

function selectJwk(json: unknown, kid: string | undefined, name: string): Record<string, unknown> {
  if (typeof json !== 'object' || json === null) throw unreadable(name)
  const o = json as Record<string, unknown>
  if (!Array.isArray(o.keys)) return o
  const keys = o.keys as unknown[]
  const chosen = kid === undefined ? keys : keys.filter((k) => (k as { kid?: unknown })?.kid === kid)
  if (chosen.length === 1) return chosen[0] as Record<string, unknown>
  if (kid === undefined) {
    throw new InvalidRequestError(`${name} is a JWK set of ${keys.length} keys: choose one by its kid${kidsOf(keys)}`)
  }
  throw new InvalidRequestError(
    chosen.length === 0
      ? `${name} has no key with kid ${JSON.stringify(kid)}${kidsOf(keys)}`
      : `${name} has ${chosen.length} keys with kid ${JSON.stringify(kid)}`,
  )
}

function readJson(text: string, name: string, kid: string | undefined): KeyMaterial {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw unreadable(name, err)
  }
  return jwkMaterial(selectJwk(json, kid, name), name)
}

function jwkMaterial(jwk: Record<string, unknown>, name: string): KeyMaterial {
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) {
    throw new InvalidRequestError(`${name}: the JWK must be a JSON object, got ${jwk === null ? 'null' : typeof jwk}`)
  }
  if (jwk.kty === 'oct') throw new UnsupportedFormatError('a symmetric (oct) JWK has no PEM, DER or OpenSSH form')
  // a JWK may say its EC key is for key agreement (RFC 7518 §4.6): OpenSSH then refuses it
  const ecdh = jwk.kty === 'EC' && (jwk.use === 'enc' || (typeof jwk.alg === 'string' && jwk.alg.startsWith('ECDH-ES')))
  return jwkToMaterial(jwk, ecdh ? 'ECDH' : 'ECDSA')
}

// --- readKey -------------------------------------------------------------------------------------

function readUnchecked(input: Buffer, o: ReadKeyOptions, passphrase: Uint8Array | undefined): KeyMaterial {
  const name = o.name ?? 'the key'
  const text = input.toString('utf8').trim()
  if (text.startsWith('{')) return readJson(text, name, o.kid)
  if (isCompactJwe(text)) {
    if (passphrase === undefined) throw needPassphrase(name)
    return jwkMaterial(selectJwk(decryptJwe(text, passphrase), o.kid, name), name)
  }
  if (/^(ssh-|ecdsa-sha2-|sk-)/.test(text)) return readOpenSshPublic(text, name)
  const block = text.includes('-----BEGIN OPENSSH PRIVATE KEY-----') ? pemBlock(text) : undefined
  if (block) return readOpenSshPrivate(block.der, name, passphrase)
  const key = keyObjectOf(input, name, passphrase)
  try {
    return keyMaterial(key, name)
  } catch (err) {
    if (err instanceof DerError) throw unreadable(name, err)
    throw err
  }
}

/**
 * Reads a key in any of the forms above into material, validated. The
 * caller wipes the private parts (wipeMaterial).
 */
export function readKey(input: Uint8Array | string, options: ReadKeyOptions = {}): KeyMaterial {
  if (typeof input !== 'string' && !(input instanceof Uint8Array)) {
    throw new InvalidRequestError('readKey takes the key file as a string or bytes')
  }
  if (typeof options !== 'object' || options === null)
    throw new InvalidRequestError('readKey options must be an object')
  if (options.kid !== undefined && typeof options.kid !== 'string')
    throw new InvalidRequestError('"kid" must be a string')
  const name = options.name ?? 'the key'
  if (input.length > MAX_KEY_FILE_BYTES) {
    throw new InvalidRequestError(`${name} is larger than ${MAX_KEY_FILE_BYTES} bytes: not a key file`)
  }
  const buffer =
    typeof input === 'string'
      ? Buffer.from(input, 'utf8')
      : Buffer.from(input.buffer, input.byteOffset, input.byteLength)
  const passphrase = options.passphrase === undefined ? undefined : passphraseCopy(options.passphrase)
  let material: KeyMaterial
  try {
    material = readUnchecked(buffer, options, passphrase)
  } finally {
    wipe(passphrase)
  }
  try {
    validateMaterial(material)
  } catch (err) {
    wipeMaterial(material)
    if (!(err instanceof InvalidKeyError)) throw err
    throw new InvalidKeyError(`${name}: ${err.message}`, { cause: err })
  }
  return material
}
