/**
 * The CLI's one output path. Keys in the format the user asked for, through the library's one
 * encoder (src/formats/encode.ts): a generated key through KeyPair.export / PublicKey.export, a
 * converted key (KeyMaterial read from a file) through encodePrivate / encodePublic. So `rsa`,
 * `convert` and the JWA commands write byte-identical PEM, DER, JWK and OpenSSH, and every
 * format's refusal is the encoder's (checkEncoding, called here before any key is made). What is
 * the CLI's own: JWK sets (`jwks`), the JWK members `--use`, `--alg`, `--kid`, the JWE of
 * `--format jwk --encrypt`, symmetric secrets, and the flag names in its messages. And how every
 * command's output leaves: JSON documents and summary lines (jsonText, jsonLine), a private JWK
 * as a file (privateJwkText), to stdout or a file (emit: the atomic writer of files.ts, 0600 for
 * secrets).
 */
import { InvalidRequestError, UnsupportedFormatError } from '../errors.js'
import {
  checkEncoding,
  type Encoded,
  type EncodeOptions,
  encodePrivate,
  encodePublic,
  type KeyShape,
  PRIVATE_TYPES,
  shapeOf,
  shapeOfAlgorithm,
  supportsJwk,
  supportsOpenSsh,
} from '../formats/encode.js'
import type { Pkcs8Kdf } from '../formats/encrypted-pkcs8.js'
import { blobFingerprint } from '../formats/fingerprint.js'
import { encryptJwk } from '../formats/jwe-pbes2.js'
import type { Jwk } from '../formats/jwk.js'
import { algMismatch } from '../formats/jwk-alg.js'
import { isPrivate, type KeyMaterial } from '../formats/material.js'
import { jwkThumbprint } from '../formats/thumbprint.js'
import type { KeyPair, PrivateExportOptions, PublicExportOptions } from '../keypair.js'
import { stringOption, type Values } from './command.js'
import { writeFilesAtomic } from './files.js'
import { withFix } from './report.js'

export const FORMATS = ['pem', 'der', 'jwk', 'jwks', 'openssh'] as const
export type Format = (typeof FORMATS)[number]
export const TYPES = [...PRIVATE_TYPES, 'spki'] as const
export type KeyType = (typeof TYPES)[number]

/** What the CLI writes: a key pair's shape (the encoder's), or a symmetric secret. */
export type OutputShape = KeyShape | { kind: 'oct'; curve?: undefined; ecdh?: undefined }

/** Every key the CLI writes, whatever it came from: the encoder's two directions. */
export interface KeySource {
  readonly shape: OutputShape
  readonly hasPrivate: boolean
  private(o: EncodeOptions): Encoded
  public(o: EncodeOptions): Encoded
}

export function keyPairSource(pair: KeyPair): KeySource {
  return {
    shape: shapeOfAlgorithm(pair.algorithm, pair.curve),
    hasPrivate: true,
    private: (o) => pair.export(o as PrivateExportOptions),
    public: (o) => pair.publicKey.export(o as PublicExportOptions),
  }
}

export function materialSource(m: KeyMaterial): KeySource {
  return {
    shape: shapeOf(m),
    hasPrivate: isPrivate(m),
    private: (o) => encodePrivate(m, o),
    public: (o) => encodePublic(m, o),
  }
}

/** A symmetric secret: a private `oct` JWK only. */
export function secretSource(jwk: Jwk): KeySource {
  return {
    shape: { kind: 'oct' },
    hasPrivate: true,
    private: (o) => {
      if (o.format !== 'jwk') throw new UnsupportedFormatError('a symmetric secret is a JWK only (kty "oct")')
      return { ...jwk }
    },
    public: () => {
      throw new UnsupportedFormatError('a symmetric secret has no public key')
    },
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

/** The render options of the flags every writing command shares: --type, --comment, --use, --alg, --kid. */
export function renderOptionsOf(values: Values, format: Format, type: KeyType | undefined): RenderOptions {
  const render: RenderOptions = { format }
  if (type !== undefined) render.type = type
  const comment = stringOption(values, 'comment')
  if (comment !== undefined) render.comment = comment
  const jwk: NonNullable<RenderOptions['jwk']> = {}
  for (const m of ['use', 'alg', 'kid'] as const) {
    const v = stringOption(values, m)
    if (v !== undefined) jwk[m] = v
  }
  if (Object.keys(jwk).length > 0) render.jwk = jwk
  return render
}

/** The encoder's options for a render (a JWK set is JWKs; the JWE of a JWK is the CLI's). */
function encodingOf(o: RenderOptions, side: 'private' | 'public'): EncodeOptions {
  const e: EncodeOptions = { format: o.format === 'jwks' ? 'jwk' : o.format }
  if (o.type !== undefined) {
    // the public file beside a private pkcs8 / sec1 key is SPKI (PKCS#1 beside PKCS#1)
    if (side === 'private' || o.type === 'pkcs1' || o.type === 'spki') e.type = o.type
  }
  if (o.comment !== undefined) e.comment = o.comment
  const p = o.protection
  if (side === 'private' && p && o.format !== 'jwk') {
    e.passphrase = p.passphrase
    if (p.kdf !== undefined) e.kdf = p.kdf
    if (p.rounds !== undefined) e.rounds = p.rounds
  }
  return e
}

/**
 * Checks, before any work, that a key of this shape can be written as asked: the encoder's
 * refusals (ERR_UNSUPPORTED_FORMAT / ERR_INVALID_REQUEST) and the CLI's own rules; the caller
 * marks them as usage errors.
 */
export function checkRender(shape: OutputShape | undefined, o: RenderOptions, publicOnly: boolean | undefined): void {
  // A private --type with --public is a mistake on the command line (the API calls it a format
  // the public key has not).
  if (publicOnly && (o.type === 'pkcs8' || o.type === 'sec1')) {
    throw new InvalidRequestError(`--type ${o.type} is a private key format; public keys are spki or pkcs1`)
  }
  const side = publicOnly === undefined ? undefined : publicOnly ? 'public' : 'private'
  if (shape?.kind === 'oct') {
    if (o.format !== 'jwk' && o.format !== 'jwks') {
      throw withFix(
        new UnsupportedFormatError('a symmetric secret is a JWK only (kty "oct")'),
        'use --format jwk or jwks',
      )
    }
    if (publicOnly) throw withFix(new InvalidRequestError('a symmetric secret has no public half'), 'drop --public')
  } else {
    checkEncoding(shape, side, encodingOf(o, side ?? 'private'))
  }
  if (o.jwk && (o.jwk.use !== undefined || o.jwk.alg !== undefined || o.jwk.kid !== undefined)) {
    if (o.format !== 'jwk' && o.format !== 'jwks')
      throw new InvalidRequestError('--use, --alg and --kid are for JWK output')
  }
  if (o.jwk?.use !== undefined && o.jwk.use !== 'sig' && o.jwk.use !== 'enc') {
    throw new InvalidRequestError('--use must be sig or enc')
  }
  const why =
    o.jwk?.alg === undefined || shape === undefined
      ? undefined
      : algMismatch(
          o.jwk.alg,
          shape.curve === undefined ? { kind: shape.kind } : { kind: shape.kind, curve: shape.curve },
        )
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
  const o: EncodeOptions = { format: 'jwk' }
  return decorate((publicOnly ? key.public(o) : key.private(o)) as Jwk, meta)
}

/** A JSON document as the CLI writes it, on stdout or in a file: indented, with a final newline. */
export function jsonText(v: unknown): string {
  return `${JSON.stringify(v, null, 2)}\n`
}

/** A JSON line: the summary of what a command wrote, or one item of a list. */
export function jsonLine(v: unknown): string {
  return `${JSON.stringify(v)}\n`
}

/** A private JWK as file content: the PBES2 JWE under the passphrase, or else the JWK. */
export function privateJwkText(jwk: Jwk, passphrase: string | undefined): string {
  return passphrase !== undefined ? `${encryptJwk(jwk, passphrase)}\n` : jsonText(jwk)
}

/** Output to stdout (data: keys and JSON; everything else goes to stderr). */
export function print(data: string | Uint8Array): void {
  process.stdout.write(data)
}

/**
 * Output to stdout, or with `out` to that file through the atomic writer (files.ts: 0600 when
 * `secret`, an existing file replaced only with `force`).
 */
export function emit(
  data: string | Uint8Array,
  to: { out?: string | undefined; secret: boolean; force: boolean },
): void {
  if (to.out === undefined) print(data)
  else writeFilesAtomic([{ path: to.out, data, secret: to.secret }], to.force)
}

/** The private key as file content. */
export function renderPrivate(key: KeySource, o: RenderOptions): string | Uint8Array {
  if (!key.hasPrivate) throw new InvalidRequestError('the input holds only a public key; add --public')
  if (o.format === 'jwk') return privateJwkText(jwkOf(key, false, o.jwk), o.protection?.passphrase)
  // a passphrase never reaches a JWK set: protectionOf (passphrase.ts) refuses --encrypt with jwks
  if (o.format === 'jwks') return jsonText({ keys: [jwkOf(key, false, o.jwk)] })
  return key.private(encodingOf(o, 'private')) as string | Uint8Array
}

/** The public key as file content. */
export function renderPublic(key: KeySource, o: RenderOptions): string | Uint8Array {
  if (o.format === 'jwk') return jsonText(jwkOf(key, true, o.jwk))
  if (o.format === 'jwks') return jsonText({ keys: [jwkOf(key, true, o.jwk)] })
  const out = key.public(encodingOf(o, 'public')) as string | Uint8Array
  return o.format === 'openssh' ? `${out}\n` : out
}

/** The key as file content: its public half with `publicOnly`, else the private key. */
export function renderKey(key: KeySource, o: RenderOptions, publicOnly: boolean): string | Uint8Array {
  return publicOnly ? renderPublic(key, o) : renderPrivate(key, o)
}

/** The RFC 7638 SHA-256 thumbprint, for key pairs that have a JWK (a secret's would be a hash of the secret). */
export function thumbprintOf(key: KeySource): string | undefined {
  if (key.shape.kind === 'oct' || !supportsJwk(key.shape.kind)) return undefined
  try {
    return jwkThumbprint(key.public({ format: 'jwk' }) as Jwk)
  } catch (err) {
    // an RSASSA-PSS key has no JWK
    if (err instanceof UnsupportedFormatError) return undefined
    throw err
  }
}

/** The OpenSSH SHA-256 fingerprint (as `ssh-keygen -l`), for keys OpenSSH has. */
export function fingerprintOf(key: KeySource): string | undefined {
  if (key.shape.kind === 'oct' || !supportsOpenSsh(key.shape)) return undefined
  try {
    const [, b64] = (key.public({ format: 'openssh' }) as string).split(' ')
    return blobFingerprint(new Uint8Array(Buffer.from(b64 as string, 'base64')))
  } catch (err) {
    // RSASSA-PSS keys have no OpenSSH form
    if (err instanceof UnsupportedFormatError) return undefined
    throw err
  }
}
