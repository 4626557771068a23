/**
 * Rendering a key in the format the user asked for. Generated keys (a
 * KeyPair handle) and converted keys (KeyMaterial read from a file) both go
 * through one {@link KeySource}, so `rsa`, `convert` and the JWA commands
 * write byte-identical PEM, DER, JWK and OpenSSH.
 */
import { InvalidRequestError, UnsupportedFormatError } from '../errors.js'
import { type Pkcs8Kdf, protectPkcs8 } from '../formats/encrypted-pkcs8.js'
import { blobFingerprint } from '../formats/fingerprint.js'
import { encryptJwk } from '../formats/jwe-pbes2.js'
import { type Jwk, jwkToMaterial, materialToJwk } from '../formats/jwk.js'
import { algMismatch } from '../formats/jwk-alg.js'
import { isPrivate, type KeyMaterial, publicPart, wipeMaterial } from '../formats/material.js'
import { toOpenSsh } from '../formats/openssh.js'
import type { OpenSshProtection } from '../formats/openssh-encrypt.js'
import { type PrivateType, type PublicType, pemLabel, privateKeyDer, publicKeyDer, toPem } from '../formats/pkcs.js'
import { jwkThumbprint } from '../formats/thumbprint.js'
import type { KeyPair } from '../keypair.js'
import { toOpenSshPrivate } from './openssh-private.js'
import { withFix } from './report.js'

export const FORMATS = ['pem', 'der', 'jwk', 'jwks', 'openssh'] as const
export type Format = (typeof FORMATS)[number]
export const TYPES = ['pkcs8', 'pkcs1', 'sec1', 'spki'] as const
export type KeyType = (typeof TYPES)[number]

/** What every key the CLI writes can do, whatever it came from. */
export interface KeySource {
  /** 'RSA', 'EC', 'OKP', 'DSA', 'DH', 'ML-DSA', 'ML-KEM', or 'oct' for a symmetric secret. */
  readonly kind: KeyMaterial['type'] | 'oct'
  /** The curve of EC and OKP keys. */
  readonly curve?: string
  readonly hasPrivate: boolean
  privateJwk(): Jwk
  publicJwk(): Jwk
  privateDer(type: PrivateType): Uint8Array
  publicDer(type: PublicType): Uint8Array
  /** The authorized_keys line. */
  openssh(comment?: string): string
  /** The OpenSSH private key file (openssh-key-v1), with a passphrase when `protection` has one. */
  opensshPrivate(comment?: string, protection?: OpenSshProtection): string
}

export function keyPairSource(pair: KeyPair): KeySource {
  const kind = kindOf(pair.algorithm, pair.curve)
  const source: KeySource = {
    kind,
    hasPrivate: true,
    privateJwk: () => pair.export({ format: 'jwk' }),
    publicJwk: () => pair.publicKey.export({ format: 'jwk' }),
    privateDer: (type) => pair.export({ format: 'der', type }),
    publicDer: (type) => pair.publicKey.export({ format: 'der', type }),
    openssh: (comment) =>
      pair.publicKey.export(comment === undefined ? { format: 'openssh' } : { format: 'openssh', comment }),
    opensshPrivate: (comment, protection) => {
      const material = jwkToMaterial(pair.export({ format: 'jwk' }))
      try {
        return toOpenSshPrivate(material, comment, protection)
      } finally {
        wipeMaterial(material)
      }
    },
  }
  if (pair.curve) Object.assign(source, { curve: pair.curve })
  return source
}

export function materialSource(m: KeyMaterial): KeySource {
  const source: KeySource = {
    kind: m.type,
    hasPrivate: isPrivate(m),
    privateJwk: () => materialToJwk(m, true),
    publicJwk: () => materialToJwk(publicPart(m), false),
    privateDer: (type) => privateKeyDer(m, type),
    publicDer: (type) => publicKeyDer(publicPart(m), type),
    openssh: (comment) => toOpenSsh(publicPart(m), comment),
    opensshPrivate: (comment, protection) => toOpenSshPrivate(m, comment, protection),
  }
  if (m.type === 'EC' || m.type === 'OKP') Object.assign(source, { curve: m.curve })
  return source
}

const OKP = new Set(['Ed25519', 'Ed448', 'X25519', 'X448'])

/** The key kind of a CNG algorithm id (and curve: ECDH on X25519 / X448 is an OKP key). */
export function kindOf(algorithm: string, curve?: string): KeyMaterial['type'] {
  if (algorithm === 'RSA' || algorithm === 'DSA' || algorithm === 'DH') return algorithm
  if (algorithm === 'ML-DSA' || algorithm === 'ML-KEM') return algorithm
  if (algorithm === 'EdDSA' || (curve !== undefined && OKP.has(curve))) return 'OKP'
  return 'EC'
}

/** Whether a key of this kind and curve has a JWK / an OpenSSH public key. */
export function supportsJwk(kind: string): boolean {
  return kind !== 'DSA' && kind !== 'DH'
}

export function supportsOpenSsh(kind: string, curve: string | undefined): boolean {
  if (kind === 'RSA') return true
  if (kind === 'EC') return curve === 'P-256' || curve === 'P-384' || curve === 'P-521'
  if (kind === 'OKP') return curve === 'Ed25519'
  return false
}

/**
 * OpenSSH has no ECDH keys (RFC 5656 defines ECDSA ones): refused before any work for
 * generated ECDH keys (a usage error, exit 2, like every format a key lacks); the encoder
 * (src/formats/openssh.ts) refuses ECDH material itself, for the API and convert.
 */
export function checkOpenSshUsage(algorithm: string, curve: string | undefined, format: unknown): void {
  if (format === 'openssh' && algorithm.startsWith('ECDH')) {
    throw new UnsupportedFormatError(
      `OpenSSH has no ECDH keys (${curve ?? 'EC'}); it holds RSA, ECDSA P-256/384/521 and Ed25519`,
    )
  }
}

export interface RenderOptions {
  format: Format
  /** pkcs8 / pkcs1 / sec1 for private keys; spki / pkcs1 for public keys. */
  type?: KeyType
  comment?: string
  jwk?: {
    use?: string
    alg?: string
    kid?: string
    /** Without a kid: the RFC 7638 thumbprint as kid (JWK sets, so that a verifier can pick the key). */
    kidThumbprint?: boolean
  }
  /** Private keys under a passphrase (see passphrase.ts): encrypted PKCS#8, OpenSSH with bcrypt, a JWE. */
  protection?: { passphrase: string; kdf?: Pkcs8Kdf; rounds?: number }
}

/**
 * Checks, before any work, that a key of this kind can be written as asked;
 * throws ERR_UNSUPPORTED_FORMAT / ERR_INVALID_REQUEST (the caller marks them
 * as usage errors).
 */
export function checkRender(kind: string, curve: string | undefined, o: RenderOptions, publicOnly: boolean): void {
  if (kind === 'oct') {
    if (o.format !== 'jwk' && o.format !== 'jwks') {
      throw withFix(
        new UnsupportedFormatError('a symmetric secret is a JWK only (kty "oct")'),
        'use --format jwk or jwks',
      )
    }
    if (publicOnly) throw withFix(new InvalidRequestError('a symmetric secret has no public half'), 'drop --public')
  }
  const what = curve && (kind === 'EC' || OKP.has(curve)) ? curve : kind
  if ((o.format === 'jwk' || o.format === 'jwks') && !supportsJwk(kind)) {
    throw new UnsupportedFormatError(`${kind} keys have no JWK representation; use --format pem or der`)
  }
  if (o.format === 'openssh' && !supportsOpenSsh(kind, curve)) {
    throw new UnsupportedFormatError(`OpenSSH has no public key format for ${what} (RSA, ECDSA P-256/384/521, Ed25519)`)
  }
  if (o.type !== undefined) {
    if (o.format !== 'pem' && o.format !== 'der') throw new InvalidRequestError('--type applies to pem and der')
    if (o.type === 'pkcs1' && kind !== 'RSA') throw new UnsupportedFormatError(`PKCS#1 is for RSA keys, not ${what}`)
    if (o.type === 'sec1' && kind !== 'EC') throw new UnsupportedFormatError(`SEC1 is for EC keys, not ${what}`)
    if (o.type === 'spki' && !publicOnly)
      throw new InvalidRequestError('--type spki is for public keys (with --public)')
    if (publicOnly && (o.type === 'pkcs8' || o.type === 'sec1')) {
      throw new InvalidRequestError(`--type ${o.type} is a private key format; public keys are spki or pkcs1`)
    }
  }
  if (o.comment !== undefined && o.format !== 'openssh')
    throw new InvalidRequestError('--comment is for --format openssh')
  if (o.jwk && (o.jwk.use !== undefined || o.jwk.alg !== undefined || o.jwk.kid !== undefined)) {
    if (o.format !== 'jwk' && o.format !== 'jwks')
      throw new InvalidRequestError('--use, --alg and --kid are for JWK output')
  }
  if (o.jwk?.use !== undefined && o.jwk.use !== 'sig' && o.jwk.use !== 'enc') {
    throw new InvalidRequestError('--use must be sig or enc')
  }
  const why =
    o.jwk?.alg === undefined ? undefined : algMismatch(o.jwk.alg, curve === undefined ? { kind } : { kind, curve })
  if (why) throw new InvalidRequestError(why)
}

function decorate(jwk: Jwk, meta: RenderOptions['jwk']): Jwk {
  if (!meta) return jwk
  if (meta.alg !== undefined && jwk.alg !== undefined && jwk.alg !== meta.alg) {
    throw new InvalidRequestError(`this key's JWK already says "alg": "${jwk.alg}", not ${meta.alg}`)
  }
  const out: Jwk = { ...jwk }
  if (meta.use !== undefined) out.use = meta.use
  if (meta.alg !== undefined) out.alg = meta.alg
  if (meta.kid !== undefined) out.kid = meta.kid
  else if (meta.kidThumbprint && jwk.kty !== 'oct') out.kid = jwkThumbprint(jwk)
  return out
}

export function jwkOf(key: KeySource, publicOnly: boolean, meta?: RenderOptions['jwk']): Jwk {
  return decorate(publicOnly ? key.publicJwk() : key.privateJwk(), meta)
}

/** The private key as file content. */
export function renderPrivate(key: KeySource, o: RenderOptions): string | Uint8Array {
  if (!key.hasPrivate) throw new InvalidRequestError('the input holds only a public key; add --public')
  if (o.protection) return renderProtected(key, o, o.protection)
  switch (o.format) {
    case 'jwk':
      return `${JSON.stringify(jwkOf(key, false, o.jwk), null, 2)}\n`
    case 'jwks':
      return `${JSON.stringify({ keys: [jwkOf(key, false, o.jwk)] }, null, 2)}\n`
    case 'openssh':
      return key.opensshPrivate(o.comment)
    default: {
      const type = (o.type ?? 'pkcs8') as PrivateType
      const der = key.privateDer(type)
      return o.format === 'der' ? der : toPem(der, pemLabel('private', type))
    }
  }
}

/** The private key under a passphrase: encrypted PKCS#8 (pem/der), OpenSSH with bcrypt, a JWE (jwk). */
function renderProtected(
  key: KeySource,
  o: RenderOptions,
  p: NonNullable<RenderOptions['protection']>,
): string | Uint8Array {
  switch (o.format) {
    case 'jwk':
      return `${encryptJwk(jwkOf(key, false, o.jwk), p.passphrase)}\n`
    case 'openssh':
      return key.opensshPrivate(o.comment, p)
    case 'pem':
    case 'der':
      return protectPkcs8(key.privateDer('pkcs8'), o.format, p.passphrase, p.kdf)
    default:
      throw new InvalidRequestError(`a passphrase protects one private key: not --format ${o.format}`)
  }
}

/** The public key as file content. */
export function renderPublic(key: KeySource, o: RenderOptions): string | Uint8Array {
  switch (o.format) {
    case 'jwk':
      return `${JSON.stringify(jwkOf(key, true, o.jwk), null, 2)}\n`
    case 'jwks':
      return `${JSON.stringify({ keys: [jwkOf(key, true, o.jwk)] }, null, 2)}\n`
    case 'openssh':
      return `${key.openssh(o.comment)}\n`
    default: {
      const type: PublicType = o.type === 'pkcs1' ? 'pkcs1' : 'spki'
      const der = key.publicDer(type)
      return o.format === 'der' ? der : toPem(der, pemLabel('public', type))
    }
  }
}

/** The RFC 7638 SHA-256 thumbprint, for key pairs that have a JWK (a secret's would be a hash of the secret). */
export function thumbprintOf(key: KeySource): string | undefined {
  if (key.kind === 'oct' || !supportsJwk(key.kind)) return undefined
  try {
    return jwkThumbprint(key.publicJwk())
  } catch (err) {
    // an RSASSA-PSS key has no JWK
    if (err instanceof UnsupportedFormatError) return undefined
    throw err
  }
}

/** The OpenSSH SHA-256 fingerprint (as `ssh-keygen -l`), for keys OpenSSH has. */
export function fingerprintOf(key: KeySource): string | undefined {
  if (!supportsOpenSsh(key.kind, key.curve)) return undefined
  try {
    const [, b64] = key.openssh().split(' ')
    return blobFingerprint(new Uint8Array(Buffer.from(b64 as string, 'base64')))
  } catch (err) {
    // ECDH keys on the NIST curves and RSASSA-PSS keys have no OpenSSH form
    if (err instanceof UnsupportedFormatError) return undefined
    throw err
  }
}

/** A symmetric secret: a private `oct` JWK only. */
export function secretSource(jwk: Jwk): KeySource {
  const none = (what: string) => (): never => {
    throw new UnsupportedFormatError(`a symmetric secret has no ${what}; use --format jwk or jwks`)
  }
  return {
    kind: 'oct',
    hasPrivate: true,
    privateJwk: () => ({ ...jwk }),
    publicJwk: none('public key'),
    privateDer: none('PEM or DER form'),
    publicDer: none('public key'),
    openssh: none('OpenSSH form'),
    opensshPrivate: none('OpenSSH form'),
  }
}
