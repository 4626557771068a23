/**
 * A node:crypto KeyObject as KeyMaterial: through its JWK export and
 * jwkToMaterial where Node has a JWK for the type (RSA, EC, OKP, and
 * ML-DSA / ML-KEM on Node.js 24); DSA and DH keys, which have no JWK,
 * through Node's own PKCS#8 / SPKI DER export read with the DER reader of
 * src/formats/der.ts. Shared by the CLI's key reader and importKey().
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto'
import { UnsupportedFormatError } from '../errors.js'
import { children, DerError, expectTag, integerValue, type Node, oidString, readNode, readOne } from './der.js'
import { jwkToMaterial } from './jwk.js'
import type { KeyMaterial } from './material.js'
import { OIDS } from './pkcs.js'

/** The (outer) algorithm OID of a PKCS#8 or SPKI DER, or undefined. */
export function algorithmOid(der: Uint8Array): string | undefined {
  try {
    const top = children(readOne(der).value)
    // PKCS#8: INTEGER version, AlgorithmIdentifier, ...; SPKI: AlgorithmIdentifier, BIT STRING
    const alg = top[0]?.tag === 0x02 ? top[1] : top[0]
    return oidString(children(expectTag(alg, 0x30, 'AlgorithmIdentifier').value)[0])
  } catch {
    return undefined
  }
}

/** The BIT STRING of an SPKI, without its unused-bits byte. */
export function spkiKeyBits(spki: Uint8Array): Uint8Array {
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

/** The material of a KeyObject (private when it is). */
export function keyObjectMaterial(key: KeyObject): KeyMaterial {
  const t = key.asymmetricKeyType
  if (t === 'dsa' || t === 'dh') return dsaOrDhMaterial(key)
  if (t === 'rsa-pss') {
    throw new UnsupportedFormatError('RSASSA-PSS keys (id-RSASSA-PSS) are not converted; use an rsaEncryption key')
  }
  return jwkToMaterial(key.export({ format: 'jwk' }))
}

/**
 * The label and DER of the first PEM block (RFC 7468 headers such as
 * Proc-Type dropped), or undefined. Armour lines are found with indexOf
 * (linear; a regex with a back-reference over the text was quadratic on a
 * file of repeated BEGIN lines).
 */
export function pemBlock(text: string): { label: string; der: Uint8Array } | undefined {
  const begin = text.indexOf('-----BEGIN ')
  if (begin < 0) return undefined
  const labelEnd = text.indexOf('-----', begin + 11)
  if (labelEnd < 0) return undefined
  const label = text.slice(begin + 11, labelEnd)
  if (!/^[A-Z0-9 ]+$/.test(label)) return undefined
  const end = text.indexOf(`-----END ${label}-----`, labelEnd + 5)
  if (end < 0) return undefined
  const body = text
    .slice(labelEnd + 5, end)
    .split('\n')
    .filter((l) => !l.includes(':'))
    .join('')
    .replace(/\s+/g, '')
  return { label, der: new Uint8Array(Buffer.from(body, 'base64')) }
}

/** The DER inside the first PEM block of `pem`, or undefined. */
export function pemToDer(pem: string): Uint8Array | undefined {
  return pemBlock(pem)?.der
}

/**
 * A KeyObject from DER of any of the forms node:crypto reads (PKCS#8, SEC1,
 * PKCS#1 private; SPKI, PKCS#1 public); throws the first form's error.
 */
export function derKeyObject(der: Uint8Array): KeyObject {
  const key = Buffer.from(der.buffer, der.byteOffset, der.byteLength)
  const attempts: (() => KeyObject)[] = [
    () => createPrivateKey({ key, format: 'der', type: 'pkcs8' }),
    () => createPrivateKey({ key, format: 'der', type: 'sec1' }),
    () => createPrivateKey({ key, format: 'der', type: 'pkcs1' }),
    () => createPublicKey({ key, format: 'der', type: 'spki' }),
    () => createPublicKey({ key, format: 'der', type: 'pkcs1' }),
  ]
  let first: unknown
  for (const attempt of attempts) {
    try {
      return attempt()
    } catch (err) {
      first ??= err
    }
  }
  throw first
}
