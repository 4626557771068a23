/**
 * KeyMaterial → DER: PKCS#8 and SPKI for every type, PKCS#1 for RSA, SEC1
 * for EC. Encoded here from the blob's components rather than through the
 * provider's encoder.
 */
import { UnsupportedFormatError } from '../errors.js'
import { b64, padTo } from './bytes.js'
import {
  bitString,
  type DerValue,
  encode,
  explicit,
  implicitPrimitive,
  unsignedInteger as int,
  nullValue,
  octetString,
  oid,
  sequence,
  smallInteger,
} from './der.js'
import { EC_SIZES, type EcCurve, type KeyMaterial, need, noPss, type OkpCurve } from './material.js'

export const OIDS = {
  rsaEncryption: '1.2.840.113549.1.1.1',
  rsassaPss: '1.2.840.113549.1.1.10',
  ecPublicKey: '1.2.840.10045.2.1',
  dsa: '1.2.840.10040.4.1',
  dhKeyAgreement: '1.2.840.113549.1.3.1',
  curves: {
    'P-256': '1.2.840.10045.3.1.7',
    'P-384': '1.3.132.0.34',
    'P-521': '1.3.132.0.35',
    secp256k1: '1.3.132.0.10',
  } as Record<EcCurve, string>,
  okp: { X25519: '1.3.101.110', X448: '1.3.101.111', Ed25519: '1.3.101.112', Ed448: '1.3.101.113' } as Record<
    OkpCurve,
    string
  >,
  mlDsa: { '44': '2.16.840.1.101.3.4.3.17', '65': '2.16.840.1.101.3.4.3.18', '87': '2.16.840.1.101.3.4.3.19' },
  mlKem: { '512': '2.16.840.1.101.3.4.4.1', '768': '2.16.840.1.101.3.4.4.2', '1024': '2.16.840.1.101.3.4.4.3' },
} as const

export type PrivateType = 'pkcs8' | 'pkcs1' | 'sec1'
export type PublicType = 'spki' | 'pkcs1'

const UNCOMPRESSED = Uint8Array.of(0x04)

/** The uncompressed point 04 ‖ X ‖ Y, as the parts of a BIT STRING (no copy of X and Y). */
function ecPoint(m: { curve: EcCurve; x: Uint8Array; y: Uint8Array }): DerValue[] {
  const cb = EC_SIZES[m.curve]
  return [UNCOMPRESSED, need(padTo(m.x, cb), 'x'), need(padTo(m.y, cb), 'y')]
}

const CONSTANT_ALGORITHM_IDS = new Map<string, Uint8Array>()

/** AlgorithmIdentifier of a key (encoded once per curve / parameter set where it is constant). */
function algorithmIdentifier(m: KeyMaterial): DerValue {
  if (m.type === 'DSA' || m.type === 'DH' || (m.type === 'RSA' && m.pss)) return algorithmIdentifierOf(m)
  const key = m.type === 'EC' || m.type === 'OKP' ? m.curve : m.type === 'RSA' ? 'RSA' : `${m.type}-${m.parameterSet}`
  let v = CONSTANT_ALGORITHM_IDS.get(key)
  if (!v) {
    v = encode(algorithmIdentifierOf(m))
    CONSTANT_ALGORITHM_IDS.set(key, v)
  }
  return v
}

function algorithmIdentifierOf(m: KeyMaterial): DerValue {
  switch (m.type) {
    case 'RSA':
      if (m.pss) return m.pss.length > 0 ? sequence(oid(OIDS.rsassaPss), m.pss) : sequence(oid(OIDS.rsassaPss))
      return sequence(oid(OIDS.rsaEncryption), nullValue())
    case 'EC':
      return sequence(oid(OIDS.ecPublicKey), oid(OIDS.curves[m.curve]))
    case 'OKP':
      return sequence(oid(OIDS.okp[m.curve]))
    case 'DSA':
      return sequence(oid(OIDS.dsa), sequence(int(m.p), int(m.q), int(m.g)))
    case 'DH':
      return sequence(oid(OIDS.dhKeyAgreement), sequence(int(m.p), int(m.g)))
    case 'ML-DSA':
      return sequence(oid(OIDS.mlDsa[m.parameterSet]))
    case 'ML-KEM':
      return sequence(oid(OIDS.mlKem[m.parameterSet]))
  }
}

/** RSAPrivateKey (PKCS#1). */
function rsaPrivateKey(m: Extract<KeyMaterial, { type: 'RSA' }>): DerValue {
  return sequence(
    smallInteger(0),
    int(m.n),
    int(m.e),
    int(need(m.d, 'private exponent')),
    int(need(m.p, 'p')),
    int(need(m.q, 'q')),
    int(need(m.dp, 'dp')),
    int(need(m.dq, 'dq')),
    int(need(m.qi, 'qi')),
  )
}

/** ECPrivateKey (SEC1 / RFC 5915); `withParameters` adds the [0] named curve. */
function ecPrivateKey(m: Extract<KeyMaterial, { type: 'EC' }>, withParameters: boolean): DerValue {
  const d = need(padTo(need(m.d, 'private scalar'), EC_SIZES[m.curve]), 'private scalar')
  const parts: DerValue[] = [smallInteger(1), octetString(d)]
  if (withParameters) parts.push(explicit(0, oid(OIDS.curves[m.curve])))
  parts.push(explicit(1, bitString(...ecPoint(m))))
  return sequence(...parts)
}

/** The privateKey OCTET STRING contents of PKCS#8 for the key's type. */
function pkcs8Inner(m: KeyMaterial): DerValue {
  switch (m.type) {
    case 'RSA':
      return rsaPrivateKey(m)
    case 'EC':
      return ecPrivateKey(m, false)
    case 'OKP':
      return octetString(need(m.d, 'private key'))
    case 'DSA':
      return int(need(m.x, 'private key'))
    case 'DH':
      return int(need(m.x, 'private key'))
    case 'ML-DSA':
    case 'ML-KEM':
      // RFC 9881 / ML-KEM certificates draft: CHOICE { seed [0] IMPLICIT
      // OCTET STRING, expandedKey OCTET STRING, both SEQUENCE }; the seed
      // form where the seed is known (the recommended one), else expanded.
      if (m.seed) return implicitPrimitive(0, m.seed)
      return octetString(need(m.priv, 'private key'))
  }
}

export function privateKeyDer(m: KeyMaterial, type: PrivateType = 'pkcs8'): Uint8Array {
  return encode(privateKeyTree(m, type))
}

/** The private key's DER as a tree, for encode() or withEncoded(). */
export function privateKeyTree(m: KeyMaterial, type: PrivateType = 'pkcs8'): DerValue {
  if (type === 'pkcs1') {
    if (m.type !== 'RSA') throw new UnsupportedFormatError(`PKCS#1 is for RSA keys, not ${m.type}`)
    noPss(m, 'PKCS#1')
    return rsaPrivateKey(m)
  }
  if (type === 'sec1') {
    if (m.type !== 'EC') throw new UnsupportedFormatError(`SEC1 is for EC keys on named curves, not ${m.type}`)
    return ecPrivateKey(m, true)
  }
  if (type !== 'pkcs8') throw new UnsupportedFormatError(`unknown private key type '${String(type)}'`)
  return sequence(smallInteger(0), algorithmIdentifier(m), octetString(pkcs8Inner(m)))
}

/** The subjectPublicKey BIT STRING's contents, in parts. */
function publicKeyBits(m: KeyMaterial): DerValue[] {
  switch (m.type) {
    case 'RSA':
      return [sequence(int(m.n), int(m.e))]
    case 'EC':
      return ecPoint(m)
    case 'OKP':
      return [m.x]
    case 'DSA':
    case 'DH':
      return [int(m.y)]
    case 'ML-DSA':
    case 'ML-KEM':
      return [need(m.pub, 'public key')]
  }
}

export function publicKeyDer(m: KeyMaterial, type: PublicType = 'spki'): Uint8Array {
  if (type === 'pkcs1') {
    if (m.type !== 'RSA') throw new UnsupportedFormatError(`PKCS#1 is for RSA keys, not ${m.type}`)
    noPss(m, 'PKCS#1')
    return encode(sequence(int(m.n), int(m.e)))
  }
  if (type !== 'spki') throw new UnsupportedFormatError(`unknown public key type '${String(type)}'`)
  return encode(sequence(algorithmIdentifier(m), bitString(...publicKeyBits(m))))
}

export function pemLabel(kind: 'private' | 'public', type: PrivateType | PublicType): string {
  if (kind === 'public') return type === 'pkcs1' ? 'RSA PUBLIC KEY' : 'PUBLIC KEY'
  return type === 'pkcs1' ? 'RSA PRIVATE KEY' : type === 'sec1' ? 'EC PRIVATE KEY' : 'PRIVATE KEY'
}

export function toPem(der: Uint8Array, label: string): string {
  const text = b64(der)
  const lines: string[] = []
  for (let i = 0; i < text.length; i += 64) lines.push(text.slice(i, i + 64))
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`
}
