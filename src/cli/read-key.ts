/**
 * Reading a key file (PEM, DER or JWK) into KeyMaterial for `convert`.
 *
 * PEM and DER are parsed by node:crypto (createPrivateKey / createPublicKey:
 * PKCS#8, PKCS#1, SEC1, SPKI). The KeyObject then becomes material through
 * its JWK export and jwkToMaterial where Node has a JWK for the type (RSA,
 * EC, OKP, and ML-DSA / ML-KEM on Node.js 24); DSA and DH keys, which have
 * no JWK, through Node's own PKCS#8 / SPKI DER export read with the DER
 * reader of src/formats/der.ts.
 *
 * Every key read is validated (src/formats/validate.ts) before it is
 * re-encoded: an EC point off its curve, a private scalar out of range, RSA
 * with n ≠ p·q or a bad e, a public part that is not the private part's
 * (the Ed25519 "double public key" misuse) and sizes above the key-length
 * table's maxima are ERR_INVALID_KEY (exit 1: the input file is wrong).
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto'
import { InvalidKeyError, InvalidRequestError, NotSupportedOnPlatformError, UnsupportedFormatError } from '../errors.js'
import { children, DerError, expectTag, integerValue, type Node, oidString, readNode, readOne } from '../formats/der.js'
import { jwkToMaterial } from '../formats/jwk.js'
import type { KeyMaterial } from '../formats/material.js'
import { OIDS } from '../formats/pkcs.js'
import { validateMaterial } from '../formats/validate.js'
import { withFix } from './report.js'

const ML_OIDS = new Set<string>([...Object.values(OIDS.mlDsa), ...Object.values(OIDS.mlKem)])

function unreadable(what: string, cause?: unknown): InvalidRequestError {
  return withFix(
    new InvalidRequestError(`${what} is not a key in PEM, DER or JWK form`, { cause }),
    'give convert a PEM (PKCS#8, PKCS#1, SEC1, SPKI), DER or JWK key file',
  )
}

/** The (outer) algorithm OID of a PKCS#8 or SPKI DER, or undefined. */
function algorithmOid(der: Uint8Array): string | undefined {
  try {
    const top = children(readOne(der).value)
    // PKCS#8: INTEGER version, AlgorithmIdentifier, ...; SPKI: AlgorithmIdentifier, BIT STRING
    const alg = top[0]?.tag === 0x02 ? top[1] : top[0]
    return oidString(children(expectTag(alg, 0x30, 'AlgorithmIdentifier').value)[0])
  } catch {
    return undefined
  }
}

function needsNode24(cause: unknown): NotSupportedOnPlatformError {
  return new NotSupportedOnPlatformError(
    `reading ML-DSA / ML-KEM PEM or DER needs a Node.js whose OpenSSL has them (3.5, Node.js 24 or later); this is Node.js ${process.version} with OpenSSL ${process.versions.openssl}`,
    { cause },
  )
}

function pemToDer(pem: string): Uint8Array | undefined {
  const m = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/.exec(pem)
  return m ? new Uint8Array(Buffer.from((m[2] as string).replace(/\s+/g, ''), 'base64')) : undefined
}

/** KeyObject(s) from PEM or DER; private when the input is private. */
function keyObjectOf(input: Buffer, name: string): KeyObject {
  const text = input.toString('latin1')
  const pem = text.includes('-----BEGIN ')
  if (pem) {
    if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(text)) {
      throw withFix(
        new InvalidRequestError(`${name} is an encrypted private key`),
        'decrypt it first, e.g. `openssl pkey -in KEY -out plain.pem`, then convert plain.pem',
      )
    }
    const errors: unknown[] = []
    const isPublic = /-----BEGIN (RSA )?PUBLIC KEY-----/.test(text)
    try {
      return isPublic ? createPublicKey(text) : createPrivateKey(text)
    } catch (err) {
      errors.push(err)
    }
    const der = pemToDer(text)
    const oid = der && algorithmOid(der)
    if (oid && ML_OIDS.has(oid)) throw needsNode24(errors[0])
    throw unreadable(name, errors[0])
  }
  const attempts: (() => KeyObject)[] = [
    () => createPrivateKey({ key: input, format: 'der', type: 'pkcs8' }),
    () => createPrivateKey({ key: input, format: 'der', type: 'sec1' }),
    () => createPrivateKey({ key: input, format: 'der', type: 'pkcs1' }),
    () => createPublicKey({ key: input, format: 'der', type: 'spki' }),
    () => createPublicKey({ key: input, format: 'der', type: 'pkcs1' }),
  ]
  let first: unknown
  for (const attempt of attempts) {
    try {
      return attempt()
    } catch (err) {
      first ??= err
    }
  }
  const oid = algorithmOid(new Uint8Array(input))
  if (oid && ML_OIDS.has(oid)) throw needsNode24(first)
  throw unreadable(name, first)
}

/** The BIT STRING of an SPKI, without its unused-bits byte. */
function spkiKeyBits(spki: Uint8Array): Uint8Array {
  const [, bits] = children(readOne(spki).value)
  const v = expectTag(bits, 0x03, 'BIT STRING').value
  if (v[0] !== 0) throw new DerError('BIT STRING with unused bits')
  return v.subarray(1)
}

/** DSA and DH from Node's PKCS#8 / SPKI DER (they have no JWK). */
function dsaOrDhMaterial(key: KeyObject): KeyMaterial {
  const pub = key.type === 'private' ? createPublicKey(key) : key
  const spki = new Uint8Array(pub.export({ format: 'der', type: 'spki' }))
  const [algId] = children(readOne(spki).value)
  const [oid, params] = children(expectTag(algId, 0x30, 'AlgorithmIdentifier').value)
  const p = children(expectTag(params, 0x30, 'domain parameters').value)
  const y = integerValue(readOne(spkiKeyBits(spki)), 'public key')
  let x: Uint8Array | undefined
  if (key.type === 'private') {
    const pkcs8 = new Uint8Array(key.export({ format: 'der', type: 'pkcs8' }))
    const [, , privateKey] = children(readOne(pkcs8).value)
    x = integerValue(readNode(expectTag(privateKey, 0x04, 'privateKey').value), 'private key')
  }
  let m: KeyMaterial
  if (key.asymmetricKeyType === 'dsa' || oidString(oid) === OIDS.dsa) {
    const [P, Q, G] = p as [Node, Node, Node]
    m = { type: 'DSA', p: integerValue(P, 'p'), q: integerValue(Q, 'q'), g: integerValue(G, 'g'), y }
  } else {
    // PKCS#3 dhKeyAgreement {p, g} and X9.42 dhpublicnumber {p, g, q, ...} both start with p, g
    const [P, G] = p as [Node, Node]
    m = { type: 'DH', p: integerValue(P, 'p'), g: integerValue(G, 'g'), y }
  }
  if (x) m.x = x
  return m
}

function keyObjectMaterial(key: KeyObject): KeyMaterial {
  const t = key.asymmetricKeyType
  if (t === 'dsa' || t === 'dh') return dsaOrDhMaterial(key)
  if (t === 'rsa-pss') {
    throw new UnsupportedFormatError('RSASSA-PSS keys (id-RSASSA-PSS) are not converted; use an rsaEncryption key')
  }
  return jwkToMaterial(key.export({ format: 'jwk' }))
}

/** Reads PEM, DER or JWK (a JWK set with one key too) into material, validated. */
export function readKey(input: Buffer, name: string): KeyMaterial {
  const material = readUnchecked(input, name)
  try {
    validateMaterial(material)
  } catch (err) {
    if (!(err instanceof InvalidKeyError)) throw err
    throw withFix(
      new InvalidKeyError(`${name}: ${err.message}`, { cause: err }),
      'the file holds a damaged or forged key: use the original key file, or generate a new key',
    )
  }
  return material
}

function readUnchecked(input: Buffer, name: string): KeyMaterial {
  const text = input.toString('utf8').trim()
  if (text.startsWith('{')) {
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch (err) {
      throw unreadable(name, err)
    }
    let jwk = json as Record<string, unknown>
    if (Array.isArray(jwk.keys)) {
      if (jwk.keys.length !== 1) {
        throw withFix(
          new InvalidRequestError(`${name} is a JWK set of ${jwk.keys.length} keys; convert takes one key`),
          'extract the key you want, e.g. `jq ".keys[0]" set.json > key.jwk`',
        )
      }
      jwk = jwk.keys[0] as Record<string, unknown>
    }
    if (jwk.kty === 'oct') {
      throw new UnsupportedFormatError('a symmetric (oct) JWK has no PEM, DER or OpenSSH form')
    }
    return jwkToMaterial(jwk)
  }
  if (/^(ssh-|ecdsa-sha2-)/.test(text)) {
    throw withFix(
      new UnsupportedFormatError(`${name} is an OpenSSH public key, which convert writes but does not read`),
      'convert it first: `ssh-keygen -e -m PKCS8 -f KEY.pub > key.pem`',
    )
  }
  const key = keyObjectOf(input, name)
  try {
    return keyObjectMaterial(key)
  } catch (err) {
    if (err instanceof DerError) throw unreadable(name, err)
    throw err
  }
}
