/**
 * Reading a key file (PEM, DER or JWK) into KeyMaterial for `convert`.
 *
 * PEM and DER are parsed by node:crypto (createPrivateKey / createPublicKey:
 * PKCS#8, PKCS#1, SEC1, SPKI). The KeyObject then becomes material through
 * its JWK export and jwkToMaterial where Node has a JWK for the type (RSA,
 * EC, OKP, and ML-DSA / ML-KEM on Node.js 24); DSA and DH keys, which have
 * no JWK, through Node's own PKCS#8 / SPKI DER export read with the DER
 * reader of src/formats/der.ts.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto'
import { InvalidRequestError, NotSupportedOnPlatformError, UnsupportedFormatError } from '../errors.js'
import { DerError } from '../formats/der.js'
import { jwkToMaterial } from '../formats/jwk.js'
import { algorithmOid, derKeyObject, keyObjectMaterial, pemToDer } from '../formats/keyobject.js'
import type { KeyMaterial } from '../formats/material.js'
import { OIDS } from '../formats/pkcs.js'
import { withFix } from './report.js'

const ML_OIDS = new Set<string>([...Object.values(OIDS.mlDsa), ...Object.values(OIDS.mlKem)])

function unreadable(what: string, cause?: unknown): InvalidRequestError {
  return withFix(
    new InvalidRequestError(`${what} is not a key in PEM, DER or JWK form`, { cause }),
    'give convert a PEM (PKCS#8, PKCS#1, SEC1, SPKI), DER or JWK key file',
  )
}

function needsNode24(cause: unknown): NotSupportedOnPlatformError {
  return new NotSupportedOnPlatformError(
    `reading ML-DSA / ML-KEM PEM or DER needs a Node.js whose OpenSSL has them (3.5, Node.js 24 or later); this is Node.js ${process.version} with OpenSSL ${process.versions.openssl}`,
    { cause },
  )
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
  let first: unknown
  try {
    return derKeyObject(input)
  } catch (err) {
    first = err
  }
  const oid = algorithmOid(new Uint8Array(input))
  if (oid && ML_OIDS.has(oid)) throw needsNode24(first)
  throw unreadable(name, first)
}

/** Reads PEM, DER or JWK (a JWK set with one key too) into material. */
export function readKey(input: Buffer, name: string): KeyMaterial {
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
