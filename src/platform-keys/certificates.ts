/**
 * X.509 self-signed certificates and PKCS#10 requests for keys whose private
 * part stays in their store, signed BY THE HANDLE (key.sign). The ASN.1 is
 * PKI.js's (a well-kept X.509 library): it is handed a WebCrypto-shaped
 * engine whose only private operation, sign, is our handle's.
 */
import { createHash, randomBytes, webcrypto } from 'node:crypto'
import { isIP } from 'node:net'
import type * as Asn1js from 'asn1js'
import type * as Pkijs from 'pkijs'
import { describeValue, InvalidRequestError, UnsupportedOperationError } from '../errors.js'
import type { KeyPair } from '../keypair.js'
import { JOSE_ALGORITHMS, type JoseRow, keySignature } from '../registry.js'
import { checkOptions } from './names.js'

// PKI.js and asn1js are loaded on first use (importing platform-keygen never loads them).
let pkijs: typeof Pkijs
let asn1js: typeof Asn1js

async function loadX509(): Promise<void> {
  if (pkijs && asn1js) return
  ;[pkijs, asn1js] = await Promise.all([import('pkijs'), import('asn1js')])
}

export interface CertificateOptions {
  /** 'CN=svc, O=Acme' (RFC 4514 order is not reversed: written as given) or '/CN=svc/O=Acme'. */
  subject: string
  /** Validity in days from now (default 365; at most 36500). */
  days?: number
  /** Subject alternative names: 'DNS:host', 'IP:10.0.0.1', 'URI:...', 'email:...'; a bare name is DNS (or IP). */
  altNames?: readonly string[]
}

export interface CsrOptions {
  subject: string
  altNames?: readonly string[]
}

export interface Encoded {
  pem: string
  der: Uint8Array
}

const ATTRIBUTES: Record<string, { oid: string; printable?: true }> = {
  CN: { oid: '2.5.4.3' },
  O: { oid: '2.5.4.10' },
  OU: { oid: '2.5.4.11' },
  C: { oid: '2.5.4.6', printable: true },
  L: { oid: '2.5.4.7' },
  ST: { oid: '2.5.4.8' },
  SERIALNUMBER: { oid: '2.5.4.5', printable: true },
  EMAILADDRESS: { oid: '1.2.840.113549.1.9.1' },
}

/** Parses 'CN=svc, O=Acme' or '/CN=svc/O=Acme' (values may escape ',' or '/' with '\'). */
export function parseSubject(subject: unknown): { type: string; value: string }[] {
  if (typeof subject !== 'string' || subject.trim() === '' || subject.length > 4096) {
    throw new InvalidRequestError(
      `subject must be a distinguished name such as 'CN=svc, O=Acme', not ${describeValue(subject)}`,
    )
  }
  const slash = subject.startsWith('/')
  const parts: string[] = []
  let cur = ''
  for (let i = slash ? 1 : 0; i < subject.length; i++) {
    const ch = subject[i] as string
    if (ch === '\\' && i + 1 < subject.length) {
      cur += subject[++i]
    } else if (ch === (slash ? '/' : ',')) {
      parts.push(cur)
      cur = ''
    } else {
      cur += ch
    }
  }
  parts.push(cur)
  return parts.map((p) => {
    const eq = p.indexOf('=')
    const type = p.slice(0, eq).trim().toUpperCase()
    const value = p.slice(eq + 1).trim()
    if (eq <= 0 || !ATTRIBUTES[type] || value === '' || value.length > 256) {
      throw new InvalidRequestError(
        `subject attribute ${describeValue(p.trim())}: use ${Object.keys(ATTRIBUTES).join(', ')} with a value (at most 256 characters)`,
      )
    }
    if (type === 'C' && !/^[A-Z]{2}$/.test(value))
      throw new InvalidRequestError('subject C is a two-letter country code')
    return { type, value }
  })
}

/** A Name with one attribute per RDN (PKI.js itself would put them all in one multi-valued RDN). */
function rdn(subject: string): Pkijs.RelativeDistinguishedNames {
  const sets = parseSubject(subject).map(({ type, value }) => {
    const a = ATTRIBUTES[type] as { oid: string; printable?: true }
    const atv = new pkijs.AttributeTypeAndValue({
      type: a.oid,
      value: a.printable ? new asn1js.PrintableString({ value }) : new asn1js.Utf8String({ value }),
    })
    return new asn1js.Set({ value: [atv.toSchema()] })
  })
  return pkijs.RelativeDistinguishedNames.fromBER(new asn1js.Sequence({ value: sets }).toBER(false))
}

function generalNames(altNames: unknown): Pkijs.GeneralNames | undefined {
  if (altNames === undefined) return undefined
  if (!Array.isArray(altNames) || altNames.length > 100) {
    throw new InvalidRequestError('altNames must be an array of at most 100 strings')
  }
  if (altNames.length === 0) return undefined
  const names = altNames.map((n: unknown) => {
    if (typeof n !== 'string' || n.length === 0 || n.length > 1024) {
      throw new InvalidRequestError(`altName ${describeValue(n)} must be a non-empty string`)
    }
    const m = /^(DNS|IP|URI|email):(.+)$/i.exec(n)
    const kind = m ? (m[1] as string).toUpperCase() : isIP(n) ? 'IP' : 'DNS'
    const value = m ? (m[2] as string) : n
    if (kind === 'IP') {
      const bytes = ipBytes(value)
      return new pkijs.GeneralName({ type: 7, value: new asn1js.OctetString({ valueHex: bytes }) })
    }
    if (
      kind === 'DNS' &&
      !/^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/.test(value)
    ) {
      throw new InvalidRequestError(`altName ${describeValue(n)} is not a DNS name`)
    }
    return new pkijs.GeneralName({ type: kind === 'DNS' ? 2 : kind === 'URI' ? 6 : 1, value })
  })
  return new pkijs.GeneralNames({ names })
}

function ipBytes(ip: string): Uint8Array {
  const v = isIP(ip)
  if (v === 4) return new Uint8Array(ip.split('.').map(Number))
  if (v === 6) {
    const [head = '', tail = ''] = ip.includes('::') ? ip.split('::') : [ip, '']
    const h = head ? head.split(':') : []
    const t = tail ? tail.split(':') : []
    const groups = ip.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h
    const out = new Uint8Array(16)
    groups.forEach((g: string, i: number) => {
      const n = Number.parseInt(g, 16)
      out[i * 2] = n >> 8
      out[i * 2 + 1] = n & 0xff
    })
    return out
  }
  throw new InvalidRequestError(`altName IP:${ip} is not an IP address`)
}

/**
 * A PKI.js engine whose sign() is the key's handle, and a stand-in CryptoKey
 * naming the algorithm. Everything else (digests, the public key) is node's WebCrypto.
 */
function handleSigner(key: KeyPair): { engine: Pkijs.CryptoEngine; privateKey: webcrypto.CryptoKey; hash: string } {
  // the registry's certificate signature (checkSigningKey made sure there is one): RSA SHA-256
  // PKCS#1 v1.5; ECDSA the curve's digest (RFC 5758)
  const row = keySignature(key.algorithm) as JoseRow
  const plan = { hash: row.hash as NonNullable<JoseRow['hash']>, padding: row.padding }
  const algorithm =
    plan.padding === 'pkcs1'
      ? { name: 'RSASSA-PKCS1-v1_5', hash: { name: plan.hash } }
      : { name: 'ECDSA', namedCurve: key.curve, hash: { name: plan.hash } }
  const privateKey = {
    algorithm,
    type: 'private',
    extractable: false,
    usages: ['sign'],
  } as unknown as webcrypto.CryptoKey
  const subtle = new Proxy(webcrypto.subtle, {
    get(target, prop) {
      if (prop === 'sign') {
        return async (_alg: unknown, k: unknown, data: ArrayBuffer | ArrayBufferView): Promise<ArrayBuffer> => {
          if (k !== privateKey) throw new InvalidRequestError('this signer signs with its own key only')
          const bytes = ArrayBuffer.isView(data)
            ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
            : new Uint8Array(data)
          const sig = await key.sign(bytes, {
            hash: plan.hash,
            ...(plan.padding === 'pkcs1' ? { padding: 'pkcs1' as const } : {}),
          })
          return sig.buffer.slice(sig.byteOffset, sig.byteOffset + sig.byteLength) as ArrayBuffer
        }
      }
      const v = Reflect.get(target, prop, target)
      return typeof v === 'function' ? v.bind(target) : v
    },
  })
  const crypto = { subtle, getRandomValues: webcrypto.getRandomValues.bind(webcrypto) } as never
  return { engine: new pkijs.CryptoEngine({ name: 'platform-keygen', crypto }), privateKey, hash: plan.hash }
}

function publicKeyInfo(key: KeyPair): Pkijs.PublicKeyInfo {
  const spki = key.publicKey.export({ format: 'der' })
  return pkijs.PublicKeyInfo.fromBER(spki)
}

function encode(der: ArrayBuffer, label: string): Encoded {
  const bytes = new Uint8Array(der)
  const lines =
    Buffer.from(bytes)
      .toString('base64')
      .match(/.{1,64}/g) ?? []
  return { der: bytes, pem: `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n` }
}

/** The algorithms whose keys sign certificates (the registry's), as 'RSA or ECDSA_P256/P384/P521'. */
const SIGNERS: string = (() => {
  const families = new Map<string, string[]>()
  for (const r of JOSE_ALGORITHMS.filter((r) => r.keyDefault)) {
    const [family, variant] = r.algorithm.split('_') as [string, string | undefined]
    const ids = families.get(family)
    if (ids && variant !== undefined) ids.push(variant)
    else families.set(family, [r.algorithm])
  }
  return [...families.values()].map((ids) => ids.join('/')).join(' or ')
})()

function checkSigningKey(key: unknown): KeyPair {
  const k = key as KeyPair
  if (typeof k?.sign !== 'function' || typeof k.algorithm !== 'string') {
    throw new InvalidRequestError('certificates are signed by a KeyPair or a platform key')
  }
  if (keySignature(k.algorithm) === undefined) {
    throw new UnsupportedOperationError(`a ${k.algorithm} key does not sign certificates here (${SIGNERS})`)
  }
  return k
}

const OID = {
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  subjectKeyIdentifier: '2.5.29.14',
  extKeyUsage: '2.5.29.37',
  extensionRequest: '1.2.840.113549.1.9.14',
}

function keyUsage(key: KeyPair): Pkijs.Extension {
  // digitalSignature (bit 0) and keyCertSign (bit 5): it signs itself. RSA adds keyEncipherment (bit 2).
  const bits = 0x80 | 0x04 | (key.algorithm === 'RSA' ? 0x20 : 0)
  const value = new asn1js.BitString({ valueHex: new Uint8Array([bits]).buffer, unusedBits: 2 })
  return new pkijs.Extension({ extnID: OID.keyUsage, critical: true, extnValue: value.toBER(false) })
}

function sanExtension(names: Pkijs.GeneralNames): Pkijs.Extension {
  return new pkijs.Extension({ extnID: OID.subjectAltName, critical: false, extnValue: names.toSchema().toBER(false) })
}

/** A self-signed X.509 v3 certificate for the key, signed by its handle. */
export async function createCertificate(key: KeyPair, options: CertificateOptions): Promise<Encoded> {
  const k = checkSigningKey(key)
  const o = checkOptions(options, ['subject', 'days', 'altNames'], 'createCertificate')
  await loadX509()
  const days = o.days ?? 365
  if (typeof days !== 'number' || !Number.isInteger(days) || days < 1 || days > 36500) {
    throw new InvalidRequestError(`days must be an integer from 1 to 36500, not ${describeValue(days)}`)
  }
  const subject = rdn(o.subject as string)
  const san = generalNames(o.altNames)
  const { engine, privateKey, hash } = handleSigner(k)
  const cert = new pkijs.Certificate()
  cert.version = 2
  const serial = randomBytes(16)
  serial[0] = ((serial[0] as number) & 0x7f) | 0x40 // positive, 16 bytes
  cert.serialNumber = new asn1js.Integer({ valueHex: serial })
  cert.subject = subject
  cert.issuer = rdn(o.subject as string)
  const now = new Date()
  now.setUTCMilliseconds(0)
  cert.notBefore.value = new Date(now.getTime() - 60_000) // a minute of clock skew
  cert.notAfter.value = new Date(now.getTime() + days * 86_400_000)
  cert.subjectPublicKeyInfo = publicKeyInfo(k)
  const skid = createHash('sha1').update(cert.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView).digest()
  cert.extensions = [
    new pkijs.Extension({
      extnID: OID.basicConstraints,
      critical: true,
      extnValue: new pkijs.BasicConstraints({ cA: true }).toSchema().toBER(false),
    }),
    keyUsage(k),
    new pkijs.Extension({
      extnID: OID.subjectKeyIdentifier,
      critical: false,
      extnValue: new asn1js.OctetString({ valueHex: skid }).toBER(false),
    }),
  ]
  if (san) cert.extensions.push(sanExtension(san))
  await cert.sign(privateKey as never, hash, engine)
  return encode(cert.toSchema(true).toBER(false), 'CERTIFICATE')
}

/** A PKCS#10 certificate request for the key, signed by its handle. */
export async function createCsr(key: KeyPair, options: CsrOptions): Promise<Encoded> {
  const k = checkSigningKey(key)
  const o = checkOptions(options, ['subject', 'altNames'], 'createCsr')
  await loadX509()
  const subject = rdn(o.subject as string)
  const san = generalNames(o.altNames)
  const { engine, privateKey, hash } = handleSigner(k)
  const csr = new pkijs.CertificationRequest()
  csr.version = 0
  csr.subject = subject
  csr.subjectPublicKeyInfo = publicKeyInfo(k)
  if (san) {
    csr.attributes = [
      new pkijs.Attribute({
        type: OID.extensionRequest,
        values: [new pkijs.Extensions({ extensions: [sanExtension(san)] }).toSchema()],
      }),
    ]
  }
  await csr.sign(privateKey as never, hash, engine)
  return encode(csr.toSchema(true).toBER(false), 'CERTIFICATE REQUEST')
}
