/**
 * The one format × type encoder (docs/design.md, "One export path"): key material → JWK, PEM, DER
 * or OpenSSH, private or public, with the passphrase protections each format has. KeyPair.export,
 * PublicKey.export and the CLI (generated and converted keys alike) all call it, so every refusal
 * is written once: checkEncoding says, from what a key is (its KeyShape) and before any key exists,
 * whether it can be written as asked; the encoders call it first.
 *
 * | format  | private                                                         | public                    |
 * |---------|-----------------------------------------------------------------|---------------------------|
 * | jwk     | RSA, EC, OKP, ML-DSA, ML-KEM (not DSA, DH)                      | the same                  |
 * | pem/der | pkcs8 (any key; encrypted with a passphrase), pkcs1 (RSA), sec1 (EC) | spki, pkcs1 (RSA)    |
 * | openssh | openssh-key-v1 (bcrypt-pbkdf + aes256-ctr with a passphrase)    | the authorized_keys line  |
 *
 * OpenSSH holds RSA, ECDSA P-256/384/521 and Ed25519 (not ECDH keys: RFC 5656 defines ECDSA ones).
 * Private bytes (DER, the OpenSSH private section) are wiped once encoded; a PEM or JWK string
 * cannot be.
 */
import { InvalidRequestError, UnsupportedFormatError } from '../errors.js'
import { type Algorithm, CURVES, type Curve, curveName, keyLengthTable, materialTypeOf } from '../registry.js'
import { wipe } from './bytes.js'
import { withEncoded } from './der.js'
import { checkPkcs8Protection, type Pkcs8Kdf, protectPkcs8 } from './encrypted-pkcs8.js'
import { type Jwk, materialToJwk } from './jwk.js'
import type { KeyMaterial } from './material.js'
import { toOpenSsh } from './openssh.js'
import { checkOpenSshProtection } from './openssh-encrypt.js'
import { toOpenSshPrivate } from './openssh-private.js'
import {
  type PrivateType,
  type PublicType,
  pemLabel,
  privateKeyDer,
  privateKeyTree,
  publicKeyDer,
  toPem,
} from './pkcs.js'

export const ENCODINGS = ['jwk', 'pem', 'der', 'openssh'] as const
export type Encoding = (typeof ENCODINGS)[number]
export const PRIVATE_TYPES: readonly PrivateType[] = ['pkcs8', 'pkcs1', 'sec1']
export const PUBLIC_TYPES: readonly PublicType[] = ['spki', 'pkcs1']

/** What the checks need to know of a key: its kind, its curve, and whether an EC key is for ECDH. */
export interface KeyShape {
  kind: KeyMaterial['type']
  curve?: string
  ecdh?: boolean
}

export interface EncodeOptions {
  format: Encoding
  /** pem/der: pkcs8 (default), pkcs1, sec1 for private keys; spki (default), pkcs1 for public keys. */
  type?: string
  /** openssh: the comment (the public line's last field; the private file's comment). */
  comment?: string
  /** Private pem/der (encrypted PKCS#8) and openssh (bcrypt-pbkdf) only. */
  passphrase?: string | Uint8Array
  /** Encrypted PKCS#8's KDF: pbkdf2 (default) or scrypt. */
  kdf?: Pkcs8Kdf
  /** OpenSSH's bcrypt-pbkdf rounds (default 16, as ssh-keygen). */
  rounds?: number
}

export type Encoded = Jwk | string | Buffer

export function shapeOf(m: KeyMaterial): KeyShape {
  if (m.type === 'EC') return { kind: 'EC', curve: m.curve, ecdh: m.usage === 'ECDH' }
  if (m.type === 'OKP') return { kind: 'OKP', curve: m.curve }
  return { kind: m.type }
}

/**
 * The shape of a key of this algorithm (and curve, where the algorithm does not fix one), from the
 * registry alone: what shapeOf() reads from the key's material, without exporting any of it. So a
 * private export's refusals are decided before the key leaves its handle, at no native call.
 */
export function shapeOfAlgorithm(algorithm: Algorithm, curve?: Curve): KeyShape {
  const row = keyLengthTable[algorithm]
  const c = curve ?? row.curve
  const kind = materialTypeOf(algorithm, c)
  if (kind === 'EC') return { kind, curve: c, ecdh: row.kind === 'agree' }
  if (kind === 'OKP') return { kind, curve: c }
  return { kind }
}

export function supportsJwk(kind: string): boolean {
  return kind !== 'DSA' && kind !== 'DH'
}

/** OpenSSH holds RSA keys and the signing keys on the curves the registry marks (not ECDH keys). */
export function supportsOpenSsh(shape: KeyShape): boolean {
  if (shape.kind === 'RSA') return true
  const c = curveName(shape.curve)
  if (c === undefined || shape.ecdh) return false
  return CURVES[c].openssh && CURVES[c].kind !== 'agree'
}

const nameOf = (s: KeyShape): string =>
  s.curve !== undefined && (s.kind === 'EC' || s.kind === 'OKP') ? `${s.ecdh ? 'ECDH ' : ''}${s.curve}` : s.kind

/**
 * Whether a key of this shape can be written as asked: ERR_UNSUPPORTED_FORMAT for a form the key
 * has not, ERR_INVALID_REQUEST for options that do not go together. Checks no key material.
 * Without a shape (or a side) only what holds for every key (or both sides) is checked: the CLI
 * checks its flags so before it has read the key.
 */
export function checkEncoding(
  shape: KeyShape | undefined,
  side: 'private' | 'public' | undefined,
  o: EncodeOptions,
): void {
  const { format } = o
  if (!(ENCODINGS as readonly string[]).includes(format)) {
    throw new InvalidRequestError(`export format must be one of ${ENCODINGS.join(', ')}`)
  }
  // the passphrase first, as the API always did: a protected key is PKCS#8 or OpenSSH
  if (side !== undefined) checkProtection(side, o)
  if (shape && format === 'jwk' && !supportsJwk(shape.kind)) {
    throw new UnsupportedFormatError(`${shape.kind} keys have no JWK representation (pem or der)`)
  }
  if (shape && format === 'openssh' && !supportsOpenSsh(shape)) {
    throw new UnsupportedFormatError(
      `OpenSSH has no ${side === undefined ? '' : `${side} `}key format for ${nameOf(shape)} (RSA, ECDSA P-256/384/521, Ed25519)`,
    )
  }
  if (o.type !== undefined) {
    if (typeof o.type !== 'string') throw new InvalidRequestError('export type must be a string')
    if (format !== 'pem' && format !== 'der') {
      throw new InvalidRequestError(`"type" applies to pem and der, not ${format}`)
    }
    if (![...PRIVATE_TYPES, ...PUBLIC_TYPES].includes(o.type as PrivateType)) {
      throw new InvalidRequestError(`a ${format} type is pkcs8, pkcs1 or sec1 (private), spki or pkcs1 (public)`)
    }
    if (side === 'private' && !(PRIVATE_TYPES as readonly string[]).includes(o.type)) {
      throw new InvalidRequestError(`a private ${format} type is pkcs8, pkcs1 or sec1, not ${o.type}`)
    }
    if (shape && o.type === 'pkcs1' && shape.kind !== 'RSA') {
      throw new UnsupportedFormatError(`PKCS#1 is for RSA keys, not ${nameOf(shape)}`)
    }
    if (shape && o.type === 'sec1' && shape.kind !== 'EC') {
      throw new UnsupportedFormatError(`SEC1 is for EC keys, not ${nameOf(shape)}`)
    }
    if (side === 'public' && !(PUBLIC_TYPES as readonly string[]).includes(o.type)) {
      throw new UnsupportedFormatError(`a public ${format} type is spki or pkcs1, not ${o.type}`)
    }
  }
  if (o.comment !== undefined && (format !== 'openssh' || typeof o.comment !== 'string')) {
    throw new InvalidRequestError('"comment" is a string, for the openssh format only')
  }
}

/** The passphrase options (private keys: encrypted PKCS#8, OpenSSH's bcrypt-pbkdf). */
function checkProtection(side: 'private' | 'public', o: EncodeOptions): void {
  if (side === 'public') {
    if (o.passphrase !== undefined || o.kdf !== undefined || o.rounds !== undefined) {
      throw new InvalidRequestError('a passphrase protects a private key, not a public one')
    }
    return
  }
  if (o.passphrase === undefined) {
    if (o.kdf !== undefined) throw new InvalidRequestError('"kdf" applies with a "passphrase" only')
    if (o.rounds !== undefined) throw new InvalidRequestError('"rounds" applies with a "passphrase" only')
    return
  }
  if (o.format === 'openssh') {
    if (o.kdf !== undefined) throw new InvalidRequestError('"kdf" is for pem and der; openssh has "rounds"')
    checkOpenSshProtection(
      o.rounds === undefined ? { passphrase: o.passphrase } : { passphrase: o.passphrase, rounds: o.rounds },
    )
    return
  }
  if (o.rounds !== undefined) throw new InvalidRequestError('"rounds" is for openssh; pem and der have "kdf"')
  if (o.format === 'jwk') {
    throw new InvalidRequestError(
      '"passphrase" applies to pem and der (encrypted PKCS#8) and openssh, not jwk; encrypt a JWK with encryptJwk()',
    )
  }
  checkPkcs8Protection(o as unknown as Record<string, unknown>)
}

function derOut(der: Uint8Array, format: 'pem' | 'der', label: string): string | Buffer {
  if (format === 'der') return Buffer.from(der.buffer, der.byteOffset, der.byteLength)
  try {
    return toPem(der, label)
  } finally {
    wipe(der)
  }
}

/** The private key `m` as asked (checked first). DER comes back as a Buffer over bytes the caller may wipe. */
export function encodePrivate(m: KeyMaterial, o: EncodeOptions): Encoded {
  checkEncoding(shapeOf(m), 'private', o)
  switch (o.format) {
    case 'jwk':
      return materialToJwk(m, true)
    case 'openssh':
      return toOpenSshPrivate(
        m,
        o.comment,
        o.passphrase === undefined
          ? undefined
          : o.rounds === undefined
            ? { passphrase: o.passphrase }
            : { passphrase: o.passphrase, rounds: o.rounds },
      )
    default: {
      const type = (o.type ?? 'pkcs8') as PrivateType
      if (o.format === 'pem' && o.passphrase === undefined) {
        // the DER only passes through base64: encoded into the reused scratch buffer, wiped after
        const label = pemLabel('private', type)
        return withEncoded(privateKeyTree(m, type), (der) => toPem(der, label))
      }
      const der = privateKeyDer(m, type)
      if (o.passphrase !== undefined) return protectPkcs8(der, o.format, o.passphrase, o.kdf)
      return derOut(der, o.format, pemLabel('private', type))
    }
  }
}

/** The public key of `m` as asked (checked first); `m` may hold the private members too. */
export function encodePublic(m: KeyMaterial, o: EncodeOptions): Encoded {
  checkEncoding(shapeOf(m), 'public', o)
  switch (o.format) {
    case 'jwk':
      return materialToJwk(m, false)
    case 'openssh':
      return toOpenSsh(m, o.comment)
    default: {
      const type = (o.type ?? 'spki') as PublicType
      return derOut(publicKeyDer(m, type), o.format, pemLabel('public', type))
    }
  }
}
