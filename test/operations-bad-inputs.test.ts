/**
 * The bad-input table of the key operations and importKey (the rows of
 * test/bad-inputs.test.ts, grown by the new calls): one row per wrong call,
 * with the exact error code it must give — typed, never a crash, never a
 * plain TypeError. The last block calls the raw native binding with what
 * TypeScript would have stopped.
 */
import crypto from 'node:crypto'
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateKey, importKey, importKeySync, type KeyPair, PublicKey } from '../src/index.js'
import { type NativeKey, native } from '../src/native.js'
import { expectCode, hasPostQuantum } from './helpers.js'

const PQ = hasPostQuantum()
const data = Buffer.from('data')
const k: Record<string, KeyPair> = {}
let raw: NativeKey
let rawPeer: NativeKey
let small: PublicKey
/** An EC SPKI with explicit (unnamed-curve) parameters, from Wycheproof ecdh_secp256r1 tc 354. */
let explicitSpki: Buffer

beforeAll(async () => {
  k.rsa = await generateKey({ algorithm: 'RSA', length: 1024, extractable: false })
  k.ec = await generateKey({ algorithm: 'ECDSA_P256', extractable: false })
  k.ecdh = await generateKey({ algorithm: 'ECDH_P256', extractable: false })
  k.ecdh384 = await generateKey({ algorithm: 'ECDH_P384' })
  k.x25519 = await generateKey({ algorithm: 'ECDH', curve: 'X25519' })
  k.ed25519 = await generateKey({ algorithm: 'EdDSA', curve: 'Ed25519' })
  k.gone = await generateKey({ algorithm: 'ECDSA_P256' })
  k.gone.destroy()
  k.gonePeer = await generateKey({ algorithm: 'ECDH_P256' })
  k.gonePeer.destroy()
  if (PQ) k.kem = await generateKey({ algorithm: 'ML-KEM', parameterSet: '512' })
  small = (await importKey(new Uint8Array(32), { curve: 'X25519' })) as PublicKey
  raw = await native().generate({ algorithm: 'ECDSA_P256', length: 256, extractable: false })
  rawPeer = await native().generate({ algorithm: 'ECDH_P256', length: 256, extractable: false })
  const vectors = JSON.parse(
    readFileSync(new URL('./vectors/wycheproof/ecdh_secp256r1_test.json', import.meta.url), 'utf8'),
  ) as { testGroups: { tests: { tcId: number; public: string }[] }[] }
  const tc = vectors.testGroups.flatMap((g) => g.tests).find((t) => t.tcId === 354) as { public: string }
  explicitSpki = Buffer.from(tc.public, 'hex')
})
afterAll(() => {
  for (const key of Object.values(k)) key.destroy()
  raw.destroy()
  rawPeer.destroy()
})

type Row = [what: string, call: () => unknown, code: string]
const ecPub = () => (k.ec as KeyPair).publicKey
const rsaPub = () => (k.rsa as KeyPair).publicKey

const rows: Row[] = [
  // --- sign / verify
  ['sign with an ECDH key', () => k.ecdh?.sign(data), 'ERR_UNSUPPORTED_OPERATION'],
  ['signSync with an X25519 key', () => k.x25519?.signSync(data), 'ERR_UNSUPPORTED_OPERATION'],
  ['verify with an ECDH public key', () => k.ecdh?.publicKey.verify(data, data), 'ERR_UNSUPPORTED_OPERATION'],
  ['sign a string', () => k.ec?.sign('data' as never), 'ERR_INVALID_REQUEST'],
  ['sign undefined', () => k.ec?.sign(undefined as never), 'ERR_INVALID_REQUEST'],
  ['sign a Uint16Array', () => k.ec?.signSync(new Uint16Array(4) as never), 'ERR_INVALID_REQUEST'],
  ['sign options null', () => k.ec?.sign(data, null as never), 'ERR_INVALID_REQUEST'],
  ['sign options an array', () => k.ec?.sign(data, [] as never), 'ERR_INVALID_REQUEST'],
  ['sign an unknown option', () => k.ec?.sign(data, { dsaEncoding: 'der' } as never), 'ERR_INVALID_REQUEST'],
  ['sign hash MD5', () => k.ec?.sign(data, { hash: 'MD5' as never }), 'ERR_INVALID_REQUEST'],
  [
    'sign hash sha256 (not the WebCrypto spelling)',
    () => k.rsa?.sign(data, { hash: 'sha256' as never }),
    'ERR_INVALID_REQUEST',
  ],
  ['sign with SHA-1', () => k.rsa?.sign(data, { hash: 'SHA-1' }), 'ERR_INVALID_REQUEST'],
  ['ECDSA with RSA padding', () => k.ec?.sign(data, { padding: 'pss' }), 'ERR_INVALID_REQUEST'],
  ['ECDSA with a saltLength', () => k.ec?.sign(data, { saltLength: 32 }), 'ERR_INVALID_REQUEST'],
  ['ECDSA with a context', () => k.ec?.sign(data, { context: data }), 'ERR_INVALID_REQUEST'],
  ['ECDSA signatureEncoding raw', () => k.ec?.sign(data, { signatureEncoding: 'raw' as never }), 'ERR_INVALID_REQUEST'],
  ['RSA padding oaep for a signature', () => k.rsa?.sign(data, { padding: 'oaep' as never }), 'ERR_INVALID_REQUEST'],
  ['RSA saltLength with pkcs1', () => k.rsa?.sign(data, { saltLength: 20 }), 'ERR_INVALID_REQUEST'],
  ['RSA saltLength -1', () => k.rsa?.sign(data, { padding: 'pss', saltLength: -1 }), 'ERR_INVALID_REQUEST'],
  ['RSA saltLength 1.5', () => k.rsa?.sign(data, { padding: 'pss', saltLength: 1.5 }), 'ERR_INVALID_REQUEST'],
  [
    'RSA-1024 saltLength 95 (above 128 - 32 - 2)',
    () => k.rsa?.sign(data, { padding: 'pss', saltLength: 95 }),
    'ERR_INVALID_REQUEST',
  ],
  [
    'RSA saltLength a string',
    () => k.rsa?.sign(data, { padding: 'pss', saltLength: '32' as never }),
    'ERR_INVALID_REQUEST',
  ],
  [
    'RSA-1024 PSS with SHA-512 and a 64-byte salt (needs 130 bytes)',
    () => k.rsa?.sign(data, { hash: 'SHA-512', padding: 'pss' }),
    'ERR_INVALID_REQUEST',
  ],
  ['RSA signatureEncoding', () => k.rsa?.sign(data, { signatureEncoding: 'der' }), 'ERR_INVALID_REQUEST'],
  ['Ed25519 with a hash', () => k.ed25519?.sign(data, { hash: 'SHA-512' }), 'ERR_INVALID_REQUEST'],
  ['Ed25519 with a context', () => k.ed25519?.sign(data, { context: data }), 'ERR_INVALID_REQUEST'],
  ['Ed25519 with a padding', () => k.ed25519?.sign(data, { padding: 'pkcs1' }), 'ERR_INVALID_REQUEST'],
  ['sign with a destroyed key', () => k.gone?.sign(data), 'ERR_KEY_DESTROYED'],
  ['signSync with a destroyed key', () => k.gone?.signSync(data), 'ERR_KEY_DESTROYED'],
  ['verify a string signature', () => ecPub().verify(data, 'sig' as never), 'ERR_INVALID_REQUEST'],
  ['verifySync without a signature', () => ecPub().verifySync(data, undefined as never), 'ERR_INVALID_REQUEST'],
  ['verify a string message', () => ecPub().verify('data' as never, data), 'ERR_INVALID_REQUEST'],
  ['verify options a string', () => ecPub().verify(data, data, 'SHA-256' as never), 'ERR_INVALID_REQUEST'],
  // --- encrypt / decrypt
  ['encrypt with an EC public key', () => ecPub().encrypt(data), 'ERR_UNSUPPORTED_OPERATION'],
  ['decrypt with an ECDSA key', () => k.ec?.decrypt(data), 'ERR_UNSUPPORTED_OPERATION'],
  ['encrypt a string', () => rsaPub().encrypt('x' as never), 'ERR_INVALID_REQUEST'],
  ['OAEP-SHA-256 on RSA-1024: 63 bytes is too long', () => rsaPub().encrypt(new Uint8Array(63)), 'ERR_INVALID_REQUEST'],
  [
    'PKCS#1 on RSA-1024: 118 bytes is too long',
    () => rsaPub().encrypt(new Uint8Array(118), { padding: 'pkcs1' }),
    'ERR_INVALID_REQUEST',
  ],
  ['encrypt padding pss', () => rsaPub().encrypt(data, { padding: 'pss' as never }), 'ERR_INVALID_REQUEST'],
  [
    'encrypt hash with pkcs1',
    () => rsaPub().encrypt(data, { padding: 'pkcs1', hash: 'SHA-256' }),
    'ERR_INVALID_REQUEST',
  ],
  [
    'encrypt a label with pkcs1',
    () => rsaPub().encrypt(data, { padding: 'pkcs1', label: data }),
    'ERR_INVALID_REQUEST',
  ],
  ['encrypt a string label', () => rsaPub().encrypt(data, { label: 'l' as never }), 'ERR_INVALID_REQUEST'],
  [
    'encrypt with allowPkcs1Decrypt',
    () => rsaPub().encrypt(data, { allowPkcs1Decrypt: true } as never),
    'ERR_INVALID_REQUEST',
  ],
  [
    'decrypt PKCS#1 v1.5 by default',
    () => k.rsa?.decrypt(new Uint8Array(128), { padding: 'pkcs1' }),
    'ERR_UNSUPPORTED_OPERATION',
  ],
  [
    'decryptSync PKCS#1 v1.5 by default',
    () => k.rsa?.decryptSync(new Uint8Array(128), { padding: 'pkcs1' }),
    'ERR_UNSUPPORTED_OPERATION',
  ],
  [
    'allowPkcs1Decrypt a string',
    () => k.rsa?.decrypt(data, { padding: 'pkcs1', allowPkcs1Decrypt: 'yes' as never }),
    'ERR_INVALID_REQUEST',
  ],
  ['allowPkcs1Decrypt with OAEP', () => k.rsa?.decrypt(data, { allowPkcs1Decrypt: true }), 'ERR_INVALID_REQUEST'],
  ['decrypt garbage', () => k.rsa?.decrypt(new Uint8Array(128).fill(7)), 'ERR_DECRYPTION_FAILED'],
  ['decrypt a too-short ciphertext', () => k.rsa?.decryptSync(new Uint8Array(5)), 'ERR_DECRYPTION_FAILED'],
  ['decrypt a string', () => k.rsa?.decrypt('ct' as never), 'ERR_INVALID_REQUEST'],
  // --- deriveBits
  ['deriveBits without a peer', () => k.ecdh?.deriveBits(undefined as never), 'ERR_INVALID_REQUEST'],
  [
    'deriveBits with a JWK as the peer',
    () => k.ecdh?.deriveBits(ecPub().export({ format: 'jwk' }) as never),
    'ERR_INVALID_REQUEST',
  ],
  ['deriveBits with an ECDSA key', () => k.ec?.deriveBits(k.ecdh?.publicKey as PublicKey), 'ERR_UNSUPPORTED_OPERATION'],
  ['deriveBits with an RSA key', () => k.rsa?.deriveBitsSync(rsaPub()), 'ERR_UNSUPPORTED_OPERATION'],
  ['deriveBits with a P-384 peer', () => k.ecdh?.deriveBits(k.ecdh384?.publicKey as PublicKey), 'ERR_INVALID_KEY'],
  [
    'deriveBits with an Ed25519 peer for X25519',
    () => k.x25519?.deriveBits(k.ed25519?.publicKey as PublicKey),
    'ERR_INVALID_KEY',
  ],
  ['deriveBits with a small-order X25519 peer', () => k.x25519?.deriveBits(small), 'ERR_INVALID_KEY'],
  ['deriveBitsSync with a small-order X25519 peer', () => k.x25519?.deriveBitsSync(small), 'ERR_INVALID_KEY'],
  ['deriveBits with a destroyed peer key pair', () => k.ecdh?.deriveBits(k.gonePeer as KeyPair), 'ERR_KEY_DESTROYED'],
  ['deriveBits by a destroyed key', () => k.gonePeer?.deriveBits(k.ecdh?.publicKey as PublicKey), 'ERR_KEY_DESTROYED'],
  // --- encapsulate / decapsulate
  ['encapsulate with an RSA public key', () => rsaPub().encapsulate(), 'ERR_UNSUPPORTED_OPERATION'],
  ['encapsulateSync with an EC public key', () => ecPub().encapsulateSync(), 'ERR_UNSUPPORTED_OPERATION'],
  ['decapsulate with an RSA key', () => k.rsa?.decapsulate(data), 'ERR_UNSUPPORTED_OPERATION'],
  ['decapsulateSync with an X25519 key', () => k.x25519?.decapsulateSync(data), 'ERR_UNSUPPORTED_OPERATION'],
  // --- importKey
  ['importKey(undefined)', () => importKey(undefined as never), 'ERR_INVALID_REQUEST'],
  ['importKey(42)', () => importKey(42 as never), 'ERR_INVALID_REQUEST'],
  [
    'importKey an unknown option',
    () => importKey(ecPub().export({ format: 'jwk' }), { kind: 'x' } as never),
    'ERR_INVALID_REQUEST',
  ],
  ['importKey format xml', () => importKey(data, { format: 'xml' as never }), 'ERR_INVALID_REQUEST'],
  [
    'importKey extractable "no"',
    () => importKey(ecPub().export({ format: 'jwk' }), { extractable: 'no' as never }),
    'ERR_INVALID_REQUEST',
  ],
  ['importKey options a string', () => importKey(data, 'der' as never), 'ERR_INVALID_REQUEST'],
  ['importKey a string that is no PEM', () => importKey('hello'), 'ERR_INVALID_REQUEST'],
  [
    'importKey a PEM with garbage inside',
    () => importKey('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----'),
    'ERR_INVALID_REQUEST',
  ],
  [
    'importKey an encrypted PEM',
    () => importKey('-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----'),
    'ERR_INVALID_REQUEST',
  ],
  ['importKey DER garbage', () => importKey(Buffer.from([0x30, 0x03, 0x02, 0x01, 0x00])), 'ERR_INVALID_REQUEST'],
  ['importKey a blob of unknown magic', () => importKey(Buffer.from('XXXX0000', 'latin1')), 'ERR_INVALID_BLOB'],
  [
    'importKey a truncated blob',
    () => importKey(ecPub().export({ format: 'blob' }).subarray(0, 20)),
    'ERR_INVALID_BLOB',
  ],
  [
    'importKey raw bytes without a curve',
    () => importKey(new Uint8Array(32), { format: 'raw' }),
    'ERR_INVALID_REQUEST',
  ],
  [
    'importKey raw bytes on P-256',
    () => importKey(new Uint8Array(65), { format: 'raw', curve: 'P-256' }),
    'ERR_INVALID_REQUEST',
  ],
  [
    'importKey raw Ed25519 of 31 bytes',
    () => importKey(new Uint8Array(31), { format: 'raw', curve: 'Ed25519' }),
    'ERR_INVALID_REQUEST',
  ],
  [
    'importKey a JWK read as pem',
    () => importKey(ecPub().export({ format: 'jwk' }), { format: 'pem' }),
    'ERR_INVALID_REQUEST',
  ],
  ['importKey an oct JWK', () => importKey({ kty: 'oct', k: 'AAAA' }), 'ERR_INVALID_REQUEST'],
  [
    'importKey an EC JWK with a point off the curve',
    () => importKey({ ...ecPub().export({ format: 'jwk' }), y: Buffer.alloc(32, 1).toString('base64url') }),
    'ERR_INVALID_KEY',
  ],
  [
    'importKey EC material as RSA',
    () => importKey(ecPub().export({ format: 'jwk' }), { algorithm: 'RSA' }),
    'ERR_INVALID_REQUEST',
  ],
  [
    'importKey Ed25519 material as ECDH',
    () => importKey(k.ed25519?.publicKey.export({ format: 'jwk' }) as never, { algorithm: 'ECDH' }),
    'ERR_INVALID_REQUEST',
  ],
  [
    'importKey an EC SPKI with explicit curve parameters',
    () => importKey(explicitSpki, { algorithm: 'ECDH' }),
    'ERR_INVALID_KEY',
  ],
  ['importKey a secret KeyObject', () => importKey(crypto.createSecretKey(Buffer.alloc(16))), 'ERR_UNSUPPORTED_FORMAT'],
  ['importKeySync(null)', () => importKeySync(null as never), 'ERR_INVALID_REQUEST'],
  ['importKey an RSA-1000 key (not in the key-length table)', () => importKey(rsaJwk(1000)), 'ERR_KEY_LENGTH'],
  // only where the provider has no ML-DSA (Node.js 20): with it, this key imports
  ...(PQ
    ? []
    : ([
        ['importKey ML-DSA where the provider has none', () => importKey(mlDsaJwk()), 'ERR_NOT_SUPPORTED_ON_PLATFORM'],
      ] as Row[])),
  // --- the raw native binding (what TypeScript stops first)
  ['native sign params a number', () => raw.signSync(5 as never, data), 'ERR_INVALID_REQUEST'],
  ['native sign hash MD5', () => raw.signSync({ hash: 'MD5' as never }, data), 'ERR_INVALID_REQUEST'],
  ['native sign without a hash', () => raw.sign({}, data), 'ERR_INVALID_REQUEST'],
  [
    'native sign data a Uint16Array',
    () => raw.sign({ hash: 'SHA-256' }, new Uint16Array(2) as never),
    'ERR_INVALID_REQUEST',
  ],
  ['native sign saltLength 1e9', () => raw.signSync({ saltLength: 1e9 }, data), 'ERR_INVALID_REQUEST'],
  [
    'native sign context of 256 bytes',
    () => raw.signSync({ context: new Uint8Array(256) }, data),
    'ERR_INVALID_REQUEST',
  ],
  [
    'native sign allowPkcs1Decrypt 1',
    () => raw.signSync({ allowPkcs1Decrypt: 1 as never }, data),
    'ERR_INVALID_REQUEST',
  ],
  ['native sign SHA-1', () => raw.signSync({ hash: 'SHA-1' }, data), 'ERR_INVALID_REQUEST'],
  [
    'native verify a 1 MiB + 1 signature',
    () => raw.verifySync({ hash: 'SHA-256' }, data, new Uint8Array(2 ** 20 + 1)),
    'ERR_INVALID_REQUEST',
  ],
  ['native derive with an ECDSA key', () => raw.deriveSync(rawPeer), 'ERR_UNSUPPORTED_OPERATION'],
  ['native derive with a plain object as the peer', () => rawPeer.derive({} as never), 'ERR_INVALID_REQUEST'],
  ['native derive with itself as peer after destroy', () => rawDestroyed().deriveSync(rawPeer), 'ERR_KEY_DESTROYED'],
  ['native encrypt with an EC key', () => raw.encryptSync({ hash: 'SHA-256' }, data), 'ERR_UNSUPPORTED_OPERATION'],
  ['native decapsulate with an EC key', () => raw.decapsulateSync(data), 'ERR_UNSUPPORTED_OPERATION'],
  ['native encapsulate with an EC key', () => raw.encapsulate(), 'ERR_UNSUPPORTED_OPERATION'],
  ['native sign on a non-key', () => Object.getPrototypeOf(raw).sign.call({}, {}, data), 'ERR_KEY_DESTROYED'],
  ['native importKey kind "secret"', () => rawImport('RSA', 'secret' as never, data), 'ERR_INVALID_REQUEST'],
  ['native importKey blob a string', () => rawImport('RSA', 'public', 'x' as never), 'ERR_INVALID_REQUEST'],
  [
    'native importKey a seed in the spec',
    () =>
      native().importKey({ algorithm: 'RSA', length: 0, extractable: true, seed: new Uint8Array(32) }, 'public', data),
    'ERR_INVALID_REQUEST',
  ],
  [
    'native importKey an RSA public blob of 4 bytes',
    () =>
      native().importKey({ algorithm: 'RSA', length: 0, extractable: true }, 'public', Buffer.from('RSA1', 'latin1')),
    'ERR_INVALID_BLOB',
  ],
  [
    'native importKey an EC blob as RSA',
    () => rawImport('RSA', 'public', ecPub().export({ format: 'blob' })),
    'ERR_INVALID_BLOB',
  ],
  [
    'native importKey a public blob as private',
    () => rawImport('ECDSA_P256', 'private', ecPub().export({ format: 'blob' })),
    'ERR_INVALID_BLOB',
  ],
  ['native importKey a seed for ECDSA', () => rawImport('ECDSA_P256', 'seed', data), 'ERR_INVALID_REQUEST'],
  ['native importKey an unknown algorithm', () => rawImport('NOPE', 'public', data), 'ERR_UNSUPPORTED_ALGORITHM'],
  [
    'native exportBlob private of a public key',
    () => rawImport('ECDSA_P256', 'public', ecPub().export({ format: 'blob' })).exportBlob('private'),
    'ERR_INVALID_REQUEST',
  ],
  [
    'native sign with an imported public key',
    () => rawImport('ECDSA_P256', 'public', ecPub().export({ format: 'blob' })).signSync({ hash: 'SHA-256' }, data),
    'ERR_UNSUPPORTED_OPERATION',
  ],
]

function rsaJwk(bits: number): crypto.JsonWebKey {
  return crypto.generateKeyPairSync('rsa', { modulusLength: bits }).publicKey.export({ format: 'jwk' })
}

function mlDsaJwk(): Record<string, unknown> {
  // a well-formed ML-DSA-44 public JWK (all zeros: OpenSSL 3.5 accepts it, as Wycheproof's ZeroPublicKey cases)
  return { kty: 'AKP', alg: 'ML-DSA-44', pub: Buffer.alloc(1312).toString('base64url') }
}

/** The raw binding's importKeySync, for a spec of this algorithm (ECDSA_P256 is 256 bits; the others 0 here). */
function rawImport(algorithm: string, kind: 'public' | 'private' | 'seed', blob: Uint8Array): NativeKey {
  const length = algorithm === 'ECDSA_P256' ? 256 : 0
  return native().importKeySync({ algorithm, length, extractable: true }, kind, blob)
}

function rawDestroyed(): NativeKey {
  const h = native().generateSync({ algorithm: 'ECDH_P256', length: 256, extractable: true })
  h.destroy()
  return h
}

describe('bad inputs to the key operations and importKey', () => {
  it(`the table has ${rows.length} rows`, () => {
    expect(rows.length).toBeGreaterThanOrEqual(100)
  })

  it.each(rows.map(([what, call, code]) => ({ what, call, code })))('$what → $code', async ({ call, code }) => {
    const caught = await expectCode(call, code)
    expect(caught.name).not.toBe('TypeError') // a typed error, never a crash in our code
  })

  it.runIf(PQ)('ML-KEM: a ciphertext of the wrong length, or not bytes (Node.js 24+)', async () => {
    const kem = k.kem as KeyPair
    for (const [ct, code] of [
      [new Uint8Array(767), 'ERR_INVALID_REQUEST'],
      ['ct', 'ERR_INVALID_REQUEST'],
    ] as const) {
      await expect(kem.decapsulate(ct as never)).rejects.toMatchObject({ code })
    }
    await expect(kem.sign(data)).rejects.toMatchObject({ code: 'ERR_UNSUPPORTED_OPERATION' })
  })

  it('a public key from importKey is a PublicKey, not a KeyPair: it has no private operations', async () => {
    const pub = await importKey(ecPub().export({ format: 'jwk' }))
    expect(pub).toBeInstanceOf(PublicKey)
    expect((pub as unknown as { sign?: unknown }).sign).toBeUndefined()
  })
})
