/**
 * The bad-input table: one row per wrong call of a public function or CLI
 * command, with the exact error code (or exit code) it must give. Read it
 * top to bottom as the package's contract for mistakes.
 *
 * Library rows: [what is called, the call, the expected `code`]. A row whose
 * code is 'TypeError' expects jose's documented TypeError (the jose drop-in
 * throws what jose throws). CLI rows: [argv, exit code, error code], run with
 * the built binary in a scratch directory; the stderr format
 * (`platform-keygen: error CODE: …` then `  fix: …`) is checked for each.
 *
 * Rows marked "found by fuzzing" pin the bugs test/fuzz.test.ts found (a
 * TypeError instead of a typed error): fixed in 875c2bd, and JwkStore.add()
 * with metadata or a JWK that is not JSON (a DataCloneError) in 4cb2c70.
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  generatePrimeSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { jwkToMaterial, parseBlob, privateKeyDer, toPem, writeBlob } from '../src/formats/index.js'
import {
  checkKeyLength,
  generateJwk,
  generateKey,
  generateKeyPair,
  generateSecret,
  JwkStore,
  jwkThumbprint,
  type KeyPair,
  randomBytes,
} from '../src/index.js'
import { cli, fails, tempDir } from './cli-helpers.js'

// Keys the export rows use; made once.
const k: Record<string, KeyPair> = {}
let dir = ''
const P256 = {
  kty: 'EC',
  crv: 'P-256',
  x: 'bZzl5OmEedmTo1Qvf0SX6DFnAAilGT6-spX2vmsRtYg',
  y: 'j4BJSsGzzQJC8ynYn6V9DgeYOdCwfcn3MOBw8F80BMg',
}

beforeAll(async () => {
  k.rsa = await generateKey({ algorithm: 'RSA', length: 1024 })
  k.ec = await generateKey({ algorithm: 'ECDSA_P256' })
  k.k1 = await generateKey({ algorithm: 'ECDSA', curve: 'secp256k1' })
  k.x25519 = await generateKey({ algorithm: 'ECDH', curve: 'X25519' })
  k.dsa = await generateKey({ algorithm: 'DSA', length: 1024 })
  k.dh = await generateKey({ algorithm: 'DH', length: 768 })
  k.locked = await generateKey({ algorithm: 'ECDSA_P256', extractable: false })
  k.gone = await generateKey({ algorithm: 'ECDSA_P256' })
  k.gone.destroy()
  dir = tempDir()
  writeFileSync(join(dir, 'corrupt.json'), '{ not json')
  writeFileSync(join(dir, 'foreign.json'), '{"format":"something-else","version":1,"entries":[]}')
  writeFileSync(join(dir, 'exists.pem'), 'x')
  writeFileSync(join(dir, 'not-a-key.pem'), 'hello\n')
  writeFileSync(join(dir, 'null-key.jwks'), '{"keys":[null]}')
  writeFileSync(join(dir, 'array-key.jwks'), '{"keys":[[1]]}')
  mkdirSync(join(dir, 'adir'))
  writeInvalidKeys(dir)
  const sealed = new JwkStore(join(dir, 'sealed.json'), { passphrase: 'right' })
  await sealed.add({ privateJwk: { kty: 'oct', k: 'AAAA' }, publicJwk: null, metadata: { name: 'a' } })
  const plain = new JwkStore(join(dir, 'plain.json'))
  await generateJwk({ name: 'taken', type: 'OCT', oct: { keySize: 128 } }, { store: plain })
})
afterAll(() => {
  for (const key of Object.values(k)) key.destroy()
})

/**
 * Key files that parse but are not valid keys (issue 12, item 3): `convert`
 * must refuse each with ERR_INVALID_KEY instead of re-encoding it.
 */
function writeInvalidKeys(dir: string): void {
  const jwkOf = (k: KeyObject) => k.export({ format: 'jwk' }) as Record<string, string>
  const put = (name: string, v: unknown) => writeFileSync(join(dir, name), JSON.stringify(v))
  const ec = jwkOf(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey)
  const ec2 = jwkOf(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey)
  const rsa = jwkOf(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey)
  const rsa2 = jwkOf(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey)
  const ed = jwkOf(generateKeyPairSync('ed25519').privateKey)
  const ed2 = jwkOf(generateKeyPairSync('ed25519').privateKey)
  const b64 = (b: Buffer) => b.toString('base64url')
  // P-256's order n; d = n is out of range.
  const n256 = 'FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551'
  put('ec-off-curve.jwk', { kty: 'EC', crv: 'P-256', x: ec.x, y: ec.x })
  put('ec-off-curve-private.jwk', { ...ec, y: ec.x })
  put('ec-d-zero.jwk', { ...ec, d: b64(Buffer.alloc(32)) })
  put('ec-d-order.jwk', { ...ec, d: b64(Buffer.from(n256, 'hex')) })
  put('ec-other-d.jwk', { ...ec, d: ec2.d })
  put('rsa-n-not-pq.jwk', { ...rsa, n: rsa2.n })
  put('rsa-e-one.jwk', { kty: 'RSA', n: rsa.n, e: 'AQ' })
  // 16,448 bits: one step above the key-length table's RSA maximum.
  put('rsa-too-big.jwk', { kty: 'RSA', n: b64(Buffer.alloc(2056, 0xff)), e: 'AQAB' })
  put('ed25519-other-x.jwk', { ...ed, x: ed2.x })
  // PEM too, encoded by our own structural writer (node:crypto on OpenSSL 3.5
  // refuses to build these mismatched keys at all; on 3.0 it builds them unchecked).
  const pem = (jwk: object) => toPem(privateKeyDer(jwkToMaterial(jwk as never)), 'PRIVATE KEY')
  writeFileSync(join(dir, 'ec-other-d.pem'), pem({ ...ec, d: ec2.d }))
  writeFileSync(join(dir, 'rsa-n-not-pq.pem'), pem({ ...rsa, n: rsa2.n }))
}

/** A little-endian u32 header word. */
const u32 = (v: number): Buffer => {
  const b = Buffer.alloc(4)
  b.writeUInt32LE(v >>> 0)
  return b
}
const blob = (magic: string, ...parts: (number | Buffer)[]): Buffer =>
  Buffer.concat([Buffer.from(magic, 'latin1'), ...parts.map((p) => (typeof p === 'number' ? u32(p) : p))])
const store = (name: string, options?: object): JwkStore => new JwkStore(join(dir, name), options as never)

/** A big-endian field of `width` bytes. */
const be = (v: bigint, width: number): Buffer => Buffer.from(v.toString(16).padStart(width * 2, '0'), 'hex')
const bitsOf = (v: bigint): number => v.toString(2).length
/** An RSA2 blob (p and q only) for n = p·q; the fields as wide as the values. */
function rsa2(p: bigint, q: bigint, e = 65537n): Buffer {
  const n = p * q
  const [cbN, cbP, cbQ] = [Math.ceil(bitsOf(n) / 8), Math.ceil(bitsOf(p) / 8), Math.ceil(bitsOf(q) / 8)]
  return blob('RSA2', bitsOf(n), 3, cbN, cbP, cbQ, be(e, 3), be(n, cbN), be(p, cbP), be(q, cbQ))
}
/**
 * Issue 12, item 10: p − 1 and q − 1 consecutive Fibonacci numbers (F(24000), about 16,600 bits)
 * make Euclid's gcd take 24,000 steps: deeper than the stack for a recursive gcd.
 */
function fibonacciRsa2(): Buffer {
  let [a, b] = [1n, 1n]
  for (let i = 0; i < 24_000; i++) [a, b] = [b, a + b]
  return rsa2(b + 1n, a + 1n)
}
/** The ECS1 (P-256 public) blob of a point, and the RSA3 blob of a key whose n is another's. */
const ecs1 = (x: Buffer, y: Buffer): Buffer => blob('ECS1', 32, x, y)
function rsa3WithForeignN(): Buffer {
  const jwk = (k: KeyObject) => k.export({ format: 'jwk' }) as Record<string, string>
  const a = jwk(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey)
  const other = jwk(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey)
  const f = (m: string, width: number) => {
    const v = Buffer.from(m === 'n' ? (other.n as string) : (a[m] as string), 'base64url')
    return Buffer.concat([Buffer.alloc(width - v.length), v])
  }
  return blob(
    'RSA3',
    1024,
    3,
    128,
    64,
    64,
    f('e', 3),
    f('n', 128),
    f('p', 64),
    f('q', 64),
    f('dp', 64),
    f('dq', 64),
    f('qi', 64),
    f('d', 128),
  )
}

type Row = [what: string, call: () => unknown, code: string]

const rows: Row[] = [
  // --- generateKey(spec) -------------------------------------------------------------------
  ['generateKey(undefined)', () => generateKey(undefined as never), 'ERR_INVALID_REQUEST'],
  ['generateKey(null)', () => generateKey(null as never), 'ERR_INVALID_REQUEST'],
  ["generateKey('RSA')", () => generateKey('RSA' as never), 'ERR_INVALID_REQUEST'],
  ['generateKey({})', () => generateKey({} as never), 'ERR_UNSUPPORTED_ALGORITHM'],
  [
    "algorithm 'rsa' (case matters)",
    () => generateKey({ algorithm: 'rsa', length: 2048 }),
    'ERR_UNSUPPORTED_ALGORITHM',
  ],
  ["algorithm 'AES'", () => generateKey({ algorithm: 'AES', length: 256 }), 'ERR_UNSUPPORTED_ALGORITHM'],
  ['algorithm a Symbol', () => generateKey({ algorithm: Symbol('RSA') as never }), 'ERR_UNSUPPORTED_ALGORITHM'],
  ['found by fuzzing: algorithm a BigInt', () => generateKey({ algorithm: 10n as never }), 'ERR_UNSUPPORTED_ALGORITHM'],
  ['RSA without a length', () => generateKey({ algorithm: 'RSA' }), 'ERR_KEY_LENGTH'],
  ['RSA 2047', () => generateKey({ algorithm: 'RSA', length: 2047 }), 'ERR_KEY_LENGTH'],
  ['RSA 448 (below 512)', () => generateKey({ algorithm: 'RSA', length: 448 }), 'ERR_KEY_LENGTH'],
  ['RSA 16448 (above 16384)', () => generateKey({ algorithm: 'RSA', length: 16448 }), 'ERR_KEY_LENGTH'],
  ["RSA '2048' (a string)", () => generateKey({ algorithm: 'RSA', length: '2048' as never }), 'ERR_KEY_LENGTH'],
  ['RSA 2048.5', () => generateKey({ algorithm: 'RSA', length: 2048.5 }), 'ERR_KEY_LENGTH'],
  ['RSA NaN', () => generateKey({ algorithm: 'RSA', length: Number.NaN }), 'ERR_KEY_LENGTH'],
  ['RSA Infinity', () => generateKey({ algorithm: 'RSA', length: Number.POSITIVE_INFINITY }), 'ERR_KEY_LENGTH'],
  ['RSA -2048', () => generateKey({ algorithm: 'RSA', length: -2048 }), 'ERR_KEY_LENGTH'],
  ['RSA a Symbol length', () => generateKey({ algorithm: 'RSA', length: Symbol('n') as never }), 'ERR_KEY_LENGTH'],
  [
    'found by fuzzing: RSA a BigInt length',
    () => generateKey({ algorithm: 'RSA', length: 2048n as never }),
    'ERR_KEY_LENGTH',
  ],
  ['DSA 4096 (above 3072)', () => generateKey({ algorithm: 'DSA', length: 4096 }), 'ERR_KEY_LENGTH'],
  ['DSA 1000 (not a multiple of 64)', () => generateKey({ algorithm: 'DSA', length: 1000 }), 'ERR_KEY_LENGTH'],
  ['DSA 512 on OpenSSL 3', () => generateKey({ algorithm: 'DSA', length: 512 }), 'ERR_NOT_SUPPORTED_ON_PLATFORM'],
  ['DH 4160 (above 4096)', () => generateKey({ algorithm: 'DH', length: 4160 }), 'ERR_KEY_LENGTH'],
  ['DH 448 (below 512)', () => generateKey({ algorithm: 'DH', length: 448 }), 'ERR_KEY_LENGTH'],
  ['ECDSA_P256 length 384', () => generateKey({ algorithm: 'ECDSA_P256', length: 384 }), 'ERR_KEY_LENGTH'],
  ['ECDSA_P384 on curve P-256', () => generateKey({ algorithm: 'ECDSA_P384', curve: 'P-256' }), 'ERR_INVALID_REQUEST'],
  ['ECDSA without a curve', () => generateKey({ algorithm: 'ECDSA' }), 'ERR_INVALID_REQUEST'],
  ['ECDSA on X25519', () => generateKey({ algorithm: 'ECDSA', curve: 'X25519' }), 'ERR_UNSUPPORTED_ALGORITHM'],
  ['ECDSA on P-192', () => generateKey({ algorithm: 'ECDSA', curve: 'P-192' }), 'ERR_UNSUPPORTED_ALGORITHM'],
  ['ECDH on Ed25519', () => generateKey({ algorithm: 'ECDH', curve: 'Ed25519' }), 'ERR_UNSUPPORTED_ALGORITHM'],
  ['EdDSA on X25519', () => generateKey({ algorithm: 'EdDSA', curve: 'X25519' }), 'ERR_UNSUPPORTED_ALGORITHM'],
  [
    "EdDSA on 'ed25519' (case)",
    () => generateKey({ algorithm: 'EdDSA', curve: 'ed25519' }),
    'ERR_UNSUPPORTED_ALGORITHM',
  ],
  [
    'EdDSA on a Symbol curve',
    () => generateKey({ algorithm: 'EdDSA', curve: Symbol('c') as never }),
    'ERR_UNSUPPORTED_ALGORITHM',
  ],
  [
    'EdDSA Ed25519 length 256',
    () => generateKey({ algorithm: 'EdDSA', curve: 'Ed25519', length: 256 }),
    'ERR_KEY_LENGTH',
  ],
  ['RSA with a curve', () => generateKey({ algorithm: 'RSA', length: 2048, curve: 'P-256' }), 'ERR_INVALID_REQUEST'],
  ['ML-DSA without a parameterSet', () => generateKey({ algorithm: 'ML-DSA' }), 'ERR_INVALID_REQUEST'],
  [
    "ML-DSA parameterSet '512'",
    () => generateKey({ algorithm: 'ML-DSA', parameterSet: '512' }),
    'ERR_UNSUPPORTED_ALGORITHM',
  ],
  [
    "ML-KEM parameterSet 'ML-DSA-44'",
    () => generateKey({ algorithm: 'ML-KEM', parameterSet: 'ML-DSA-44' }),
    'ERR_UNSUPPORTED_ALGORITHM',
  ],
  [
    'ML-KEM parameterSet {}',
    () => generateKey({ algorithm: 'ML-KEM', parameterSet: {} as never }),
    'ERR_INVALID_REQUEST',
  ],
  ['ML-KEM length 768', () => generateKey({ algorithm: 'ML-KEM', parameterSet: '768', length: 768 }), 'ERR_KEY_LENGTH'],
  [
    "RSA with parameterSet '44'",
    () => generateKey({ algorithm: 'RSA', length: 2048, parameterSet: '44' }),
    'ERR_INVALID_REQUEST',
  ],
  [
    "extractable 'yes'",
    () => generateKey({ algorithm: 'ECDSA_P256', extractable: 'yes' as never }),
    'ERR_INVALID_REQUEST',
  ],
  ['validate 1', () => generateKey({ algorithm: 'ECDSA_P256', validate: 1 as never }), 'ERR_INVALID_REQUEST'],
  [
    'noKeyValidation for RSA',
    () => generateKey({ algorithm: 'RSA', length: 2048, noKeyValidation: true }),
    'ERR_INVALID_REQUEST',
  ],
  [
    "noKeyValidation 'true'",
    () => generateKey({ algorithm: 'ML-KEM', parameterSet: '768', noKeyValidation: 'true' as never }),
    'ERR_INVALID_REQUEST',
  ],
  [
    'a seed for RSA',
    () => generateKey({ algorithm: 'RSA', length: 2048, seed: new Uint8Array(32) }),
    'ERR_INVALID_REQUEST',
  ],
  [
    'ML-DSA seed of 31 bytes',
    () => generateKey({ algorithm: 'ML-DSA', parameterSet: '44', seed: new Uint8Array(31) }),
    'ERR_INVALID_REQUEST',
  ],
  [
    'ML-KEM seed of 32 bytes',
    () => generateKey({ algorithm: 'ML-KEM', parameterSet: '768', seed: new Uint8Array(32) }),
    'ERR_INVALID_REQUEST',
  ],
  [
    'ML-KEM seed an Array',
    () => generateKey({ algorithm: 'ML-KEM', parameterSet: '768', seed: Array(64).fill(0) as never }),
    'ERR_INVALID_REQUEST',
  ],
  [
    'ML-KEM seed a Uint16Array',
    () => generateKey({ algorithm: 'ML-KEM', parameterSet: '768', seed: new Uint16Array(64) as never }),
    'ERR_INVALID_REQUEST',
  ],
  [
    "an unknown option 'bits'",
    () => generateKey({ algorithm: 'RSA', length: 2048, bits: 2048 } as never),
    'ERR_INVALID_REQUEST',
  ],

  // --- checkKeyLength(algorithm, length?, { curve? }) ------------------------------------------
  ["checkKeyLength('RSA', 2047)", () => checkKeyLength('RSA', 2047), 'ERR_KEY_LENGTH'],
  ["checkKeyLength('RSA')", () => checkKeyLength('RSA'), 'ERR_KEY_LENGTH'],
  ["checkKeyLength('NOPE', 2048)", () => checkKeyLength('NOPE', 2048), 'ERR_UNSUPPORTED_ALGORITHM'],
  ["checkKeyLength('ECDSA', 256) without a curve", () => checkKeyLength('ECDSA', 256), 'ERR_INVALID_REQUEST'],
  ["checkKeyLength('ECDSA', 384, P-256)", () => checkKeyLength('ECDSA', 384, { curve: 'P-256' }), 'ERR_KEY_LENGTH'],
  [
    "checkKeyLength('ECDH', -, P-999)",
    () => checkKeyLength('ECDH', undefined, { curve: 'P-999' }),
    'ERR_UNSUPPORTED_ALGORITHM',
  ],
  ["checkKeyLength('RSA', 2048, P-256)", () => checkKeyLength('RSA', 2048, { curve: 'P-256' }), 'ERR_INVALID_REQUEST'],
  ["checkKeyLength('ML-KEM', 1)", () => checkKeyLength('ML-KEM', 1), 'ERR_KEY_LENGTH'],
  ["checkKeyLength('DH', 4097)", () => checkKeyLength('DH', 4097), 'ERR_KEY_LENGTH'],
  [
    'found by fuzzing: checkKeyLength(10n, 2048)',
    () => checkKeyLength(10n as never, 2048),
    'ERR_UNSUPPORTED_ALGORITHM',
  ],

  // --- KeyPair.export(options), toKeyObject(), publicKey ------------------------------------------
  ['RSA export()', () => k.rsa!.export(undefined as never), 'ERR_INVALID_REQUEST'],
  ['RSA export(null)', () => k.rsa!.export(null as never), 'ERR_INVALID_REQUEST'],
  ["RSA export('pem')", () => k.rsa!.export('pem' as never), 'ERR_INVALID_REQUEST'],
  ['RSA export({})', () => k.rsa!.export({} as never), 'ERR_INVALID_REQUEST'],
  ["RSA export format 'xml'", () => k.rsa!.export({ format: 'xml' } as never), 'ERR_INVALID_REQUEST'],
  [
    'RSA private export openssh with a kdf',
    () => k.rsa!.export({ format: 'openssh', passphrase: 'pw', kdf: 'scrypt' } as never),
    'ERR_INVALID_REQUEST',
  ],
  ['RSA private pem spki', () => k.rsa!.export({ format: 'pem', type: 'spki' } as never), 'ERR_INVALID_REQUEST'],
  ['RSA private pem sec1', () => k.rsa!.export({ format: 'pem', type: 'sec1' }), 'ERR_UNSUPPORTED_FORMAT'],
  ['EC private der pkcs1', () => k.ec!.export({ format: 'der', type: 'pkcs1' }), 'ERR_UNSUPPORTED_FORMAT'],
  ['RSA private der type 7', () => k.rsa!.export({ format: 'der', type: 7 } as never), 'ERR_INVALID_REQUEST'],
  ['RSA jwk with a type', () => k.rsa!.export({ format: 'jwk', type: 'pkcs8' } as never), 'ERR_INVALID_REQUEST'],
  ['RSA seed blob', () => k.rsa!.export({ format: 'blob', type: 'seed' }), 'ERR_UNSUPPORTED_FORMAT'],
  ['RSA blob type pkcs8', () => k.rsa!.export({ format: 'blob', type: 'pkcs8' } as never), 'ERR_INVALID_REQUEST'],
  [
    'RSA pem with an empty passphrase',
    () => k.rsa!.export({ format: 'pem', passphrase: '' } as never),
    'ERR_INVALID_REQUEST',
  ],
  ['DSA private jwk', () => k.dsa!.export({ format: 'jwk' }), 'ERR_UNSUPPORTED_FORMAT'],
  ['DH private jwk', () => k.dh!.export({ format: 'jwk' }), 'ERR_UNSUPPORTED_FORMAT'],
  ['destroyed: export', () => k.gone!.export({ format: 'pem' }), 'ERR_KEY_DESTROYED'],
  ['destroyed: publicKey', () => k.gone!.publicKey, 'ERR_KEY_DESTROYED'],
  ['destroyed: toKeyObject', () => k.gone!.toKeyObject(), 'ERR_KEY_DESTROYED'],
  ['extractable:false: jwk', () => k.locked!.export({ format: 'jwk' }), 'ERR_NOT_EXTRACTABLE'],
  ['extractable:false: blob', () => k.locked!.export({ format: 'blob' }), 'ERR_NOT_EXTRACTABLE'],
  ['extractable:false: toKeyObject', () => k.locked!.toKeyObject(), 'ERR_NOT_EXTRACTABLE'],

  // --- PublicKey.export(options), thumbprint(digest) -------------------------------------------
  ['EC public export()', () => k.ec!.publicKey.export(undefined as never), 'ERR_INVALID_REQUEST'],
  [
    'EC public pem pkcs8',
    () => k.ec!.publicKey.export({ format: 'pem', type: 'pkcs8' } as never),
    'ERR_UNSUPPORTED_FORMAT',
  ],
  ['EC public pem pkcs1', () => k.ec!.publicKey.export({ format: 'pem', type: 'pkcs1' }), 'ERR_UNSUPPORTED_FORMAT'],
  [
    'EC public jwk with a type',
    () => k.ec!.publicKey.export({ format: 'jwk', type: 'spki' } as never),
    'ERR_INVALID_REQUEST',
  ],
  [
    'openssh comment with a newline',
    () => k.ec!.publicKey.export({ format: 'openssh', comment: 'a\nb' }),
    'ERR_UNSUPPORTED_FORMAT',
  ],
  ['pem with a comment', () => k.ec!.publicKey.export({ format: 'pem', comment: 'x' } as never), 'ERR_INVALID_REQUEST'],
  [
    'openssh comment 5',
    () => k.ec!.publicKey.export({ format: 'openssh', comment: 5 } as never),
    'ERR_INVALID_REQUEST',
  ],
  ['X25519 openssh', () => k.x25519!.publicKey.export({ format: 'openssh' }), 'ERR_UNSUPPORTED_FORMAT'],
  ['secp256k1 openssh', () => k.k1!.publicKey.export({ format: 'openssh' }), 'ERR_UNSUPPORTED_FORMAT'],
  ['DH public openssh', () => k.dh!.publicKey.export({ format: 'openssh' }), 'ERR_UNSUPPORTED_FORMAT'],
  ['DSA public jwk', () => k.dsa!.publicKey.export({ format: 'jwk' }), 'ERR_UNSUPPORTED_FORMAT'],
  ["thumbprint('md5')", () => k.ec!.publicKey.thumbprint('md5' as never), 'ERR_INVALID_REQUEST'],
  ['DSA thumbprint', () => k.dsa!.publicKey.thumbprint(), 'ERR_UNSUPPORTED_FORMAT'],

  // --- parseBlob(blob, hint) --------------------------------------------------------------------
  ["parseBlob('RSA1')", () => parseBlob('RSA1' as never), 'ERR_INVALID_BLOB'],
  ['parseBlob([1, 2, 3, 4])', () => parseBlob([1, 2, 3, 4] as never), 'ERR_INVALID_BLOB'],
  ['parseBlob(empty)', () => parseBlob(new Uint8Array(0)), 'ERR_INVALID_BLOB'],
  // Issue 12, item 10: what a blob claims is checked, and nothing but ERR_INVALID_BLOB comes out.
  [
    'RSA2 whose p−1, q−1 make a deep gcd (a stack overflow before)',
    () => parseBlob(fibonacciRsa2()),
    'ERR_INVALID_BLOB',
  ],
  ['RSA3 whose n is not p·q', () => parseBlob(rsa3WithForeignN()), 'ERR_INVALID_BLOB'],
  [
    'ECS1 with a point not on P-256',
    () => parseBlob(ecs1(Buffer.from(P256.x, 'base64url'), Buffer.from(P256.x, 'base64url'))),
    'ERR_INVALID_BLOB',
  ],
  [
    'RSA2 with e = 1',
    () => parseBlob(rsa2(generatePrimeSync(512, { bigint: true }), generatePrimeSync(512, { bigint: true }), 1n)),
    'ERR_INVALID_BLOB',
  ],
  ['parseBlob(3 bytes)', () => parseBlob(Buffer.from('RSA')), 'ERR_INVALID_BLOB'],
  ['unknown magic XXXX', () => parseBlob(blob('XXXX', 32, Buffer.alloc(64))), 'ERR_INVALID_BLOB'],
  ['ECS1 with cbKey 33', () => parseBlob(blob('ECS1', 33, Buffer.alloc(66))), 'ERR_INVALID_BLOB'],
  ['ECS2 with a public-size body', () => parseBlob(blob('ECS2', 32, Buffer.alloc(64))), 'ERR_INVALID_BLOB'],
  ['ECDP without the curve hint', () => parseBlob(blob('ECDP', 32, Buffer.alloc(64))), 'ERR_INVALID_BLOB'],
  [
    'ECDP hinted X25519 (an ECDH curve)',
    () => parseBlob(blob('ECDP', 32, Buffer.alloc(32)), { curve: 'X25519' }),
    'ERR_INVALID_BLOB',
  ],
  ['ECKP hinted P-999', () => parseBlob(blob('ECKP', 32, Buffer.alloc(64)), { curve: 'P-999' }), 'ERR_INVALID_BLOB'],
  [
    'RSA1 BitLength 0xffffffff',
    () => parseBlob(blob('RSA1', 0xffffffff, 3, 128, 0, 0, Buffer.alloc(131))),
    'ERR_INVALID_BLOB',
  ],
  [
    'RSA1 cbModulus 0x7fffffff',
    () => parseBlob(blob('RSA1', 1024, 3, 0x7fffffff, 0, 0, Buffer.alloc(131))),
    'ERR_INVALID_BLOB',
  ],
  ['RSA1 cbPublicExp 0', () => parseBlob(blob('RSA1', 1024, 0, 128, 0, 0, Buffer.alloc(128))), 'ERR_INVALID_BLOB'],
  ['RSA3 prime sizes 0', () => parseBlob(blob('RSA3', 1024, 3, 128, 0, 0, Buffer.alloc(131))), 'ERR_INVALID_BLOB'],
  ['DHPB cbKey 0', () => parseBlob(blob('DHPB', 0)), 'ERR_INVALID_BLOB'],
  ['DHPV cbKey 0xffffffff', () => parseBlob(blob('DHPV', 0xffffffff, Buffer.alloc(64))), 'ERR_INVALID_BLOB'],
  [
    'DPB2 cbSeedLength 0xffffffff',
    () => parseBlob(blob('DPB2', 256, 1, 1, 0xffffffff, 32, Buffer.alloc(900))),
    'ERR_INVALID_BLOB',
  ],
  ['DSPB truncated header', () => parseBlob(blob('DSPB', 128, Buffer.alloc(10))), 'ERR_INVALID_BLOB'],
  [
    'MLKP cbParameterSet 3',
    () => parseBlob(blob('MLKP', 3, 800, Buffer.from('512'), Buffer.alloc(800))),
    'ERR_INVALID_BLOB',
  ],
  [
    "MLKP parameter set '999'",
    () => parseBlob(blob('MLKP', 8, 800, Buffer.from('999\0', 'utf16le'), Buffer.alloc(800))),
    'ERR_INVALID_BLOB',
  ],
  [
    'DSSS seed of 64 bytes',
    () => parseBlob(blob('DSSS', 6, 64, Buffer.from('44\0', 'utf16le'), Buffer.alloc(64))),
    'ERR_INVALID_BLOB',
  ],
  [
    'a real RSA3 blob plus a byte',
    () => parseBlob(Buffer.concat([k.rsa!.export({ format: 'blob' }), Buffer.of(0)])),
    'ERR_INVALID_BLOB',
  ],
  ['a real RSA3 blob less a byte', () => parseBlob(k.rsa!.export({ format: 'blob' }).subarray(1)), 'ERR_INVALID_BLOB'],

  // --- writeBlob(material, kind) ----------------------------------------------------------------
  [
    "writeBlob(RSA, 'seed')",
    () => writeBlob({ type: 'RSA', n: Buffer.of(0xc5), e: Buffer.of(3) }, 'seed'),
    'ERR_INVALID_BLOB',
  ],
  [
    'writeBlob(ML-KEM without pub)',
    () => writeBlob({ type: 'ML-KEM', parameterSet: '768' }, 'public'),
    'ERR_INVALID_BLOB',
  ],
  [
    'writeBlob(Ed25519 x of 31 bytes)',
    () => writeBlob({ type: 'OKP', curve: 'Ed25519', x: new Uint8Array(31) }, 'public'),
    'ERR_INVALID_BLOB',
  ],
  [
    'writeBlob(P-256 x of 33 bytes)',
    () =>
      writeBlob(
        { type: 'EC', curve: 'P-256', usage: 'ECDSA', x: new Uint8Array(33).fill(1), y: new Uint8Array(32) },
        'public',
      ),
    'ERR_INVALID_BLOB',
  ],
  [
    'writeBlob(DH private without x)',
    () => writeBlob({ type: 'DH', p: Buffer.alloc(96, 0xff), g: Buffer.of(2), y: Buffer.of(5) }, 'private'),
    'ERR_INVALID_BLOB',
  ],
  ['found by fuzzing: writeBlob(null)', () => writeBlob(null as never, 'public'), 'ERR_INVALID_BLOB'],
  [
    "found by fuzzing: writeBlob(EC on curve 'P-999')",
    () =>
      writeBlob(
        { type: 'EC', curve: 'P-999' as never, usage: 'ECDSA', x: new Uint8Array(32), y: new Uint8Array(32) },
        'public',
      ),
    'ERR_INVALID_BLOB',
  ],
  [
    "found by fuzzing: writeBlob({ type: 'XYZ' }) returns undefined",
    () => writeBlob({ type: 'XYZ' } as never, 'public'),
    'ERR_INVALID_BLOB',
  ],

  // --- jwkToMaterial(jwk, usage) -----------------------------------------------------------------
  ['jwkToMaterial(null)', () => jwkToMaterial(null), 'ERR_INVALID_REQUEST'],
  ['jwkToMaterial([])', () => jwkToMaterial([]), 'ERR_INVALID_REQUEST'],
  ["kty 'oct'", () => jwkToMaterial({ kty: 'oct', k: 'AAAA' }), 'ERR_INVALID_REQUEST'],
  ['RSA without n', () => jwkToMaterial({ kty: 'RSA', e: 'AQAB' }), 'ERR_INVALID_REQUEST'],
  [
    "RSA n with '+' (base64, not base64url)",
    () => jwkToMaterial({ kty: 'RSA', n: 'ab+c', e: 'AQAB' }),
    'ERR_INVALID_REQUEST',
  ],
  ['RSA with d but no p', () => jwkToMaterial({ kty: 'RSA', n: 'AQAB', e: 'AQAB', d: 'AQAB' }), 'ERR_INVALID_REQUEST'],
  ["EC crv 'P-192'", () => jwkToMaterial({ ...P256, crv: 'P-192' }), 'ERR_INVALID_REQUEST'],
  [
    'EC x of 31 bytes',
    () => jwkToMaterial({ ...P256, x: Buffer.alloc(31).toString('base64url') }),
    'ERR_INVALID_REQUEST',
  ],
  ['EC y a number', () => jwkToMaterial({ ...P256, y: 5 }), 'ERR_INVALID_REQUEST'],
  [
    'OKP Ed25519 d of 31 bytes',
    () => jwkToMaterial({ kty: 'OKP', crv: 'Ed25519', x: P256.x, d: Buffer.alloc(31).toString('base64url') }),
    'ERR_INVALID_REQUEST',
  ],
  ["AKP alg 'ML-DSA-99'", () => jwkToMaterial({ kty: 'AKP', alg: 'ML-DSA-99', pub: 'AAAA' }), 'ERR_INVALID_REQUEST'],
  [
    'AKP ML-KEM-768 pub of 3 bytes',
    () => jwkToMaterial({ kty: 'AKP', alg: 'ML-KEM-768', pub: 'AAAA' }),
    'ERR_INVALID_REQUEST',
  ],
  ["found by fuzzing: EC usage 'ECDX'", () => jwkToMaterial(P256, 'ECDX' as never), 'ERR_INVALID_REQUEST'],

  // --- jwkThumbprint(jwk, digest) -----------------------------------------------------------------
  ['jwkThumbprint({})', () => jwkThumbprint({}), 'ERR_INVALID_REQUEST'],
  ['jwkThumbprint(null)', () => jwkThumbprint(null as never), 'ERR_INVALID_REQUEST'],
  ['RSA thumbprint without e', () => jwkThumbprint({ kty: 'RSA', n: 'AQAB' }), 'ERR_INVALID_REQUEST'],
  ['EC thumbprint with y a number', () => jwkThumbprint({ ...P256, y: 5 }), 'ERR_INVALID_REQUEST'],
  ["thumbprint digest 'md5'", () => jwkThumbprint(P256, 'md5' as never), 'ERR_INVALID_REQUEST'],
  [
    "found by fuzzing: kty 'constructor' (an Object.prototype name)",
    () => jwkThumbprint({ kty: 'constructor' }),
    'ERR_INVALID_REQUEST',
  ],

  // --- randomBytes(n) -----------------------------------------------------------------------------
  ['randomBytes(-1)', () => randomBytes(-1), 'ERR_INVALID_REQUEST'],
  ['randomBytes(1.5)', () => randomBytes(1.5), 'ERR_INVALID_REQUEST'],
  ['randomBytes(1 MiB + 1)', () => randomBytes(2 ** 20 + 1), 'ERR_INVALID_REQUEST'],
  ["randomBytes('16')", () => randomBytes('16' as never), 'ERR_INVALID_REQUEST'],
  ['randomBytes(NaN)', () => randomBytes(Number.NaN), 'ERR_INVALID_REQUEST'],
  ['randomBytes()', () => randomBytes(undefined as never), 'ERR_INVALID_REQUEST'],

  // --- generateKeyPair / generateSecret (jose v6 drop-in: jose's errors) ------------------------------
  ["generateKeyPair('HS256')", () => generateKeyPair('HS256'), 'ERR_JOSE_NOT_SUPPORTED'],
  ["generateKeyPair('none')", () => generateKeyPair('none'), 'ERR_JOSE_NOT_SUPPORTED'],
  ['generateKeyPair(123)', () => generateKeyPair(123 as never), 'ERR_JOSE_NOT_SUPPORTED'],
  ['RS256 modulusLength 1024', () => generateKeyPair('RS256', { modulusLength: 1024 }), 'ERR_JOSE_NOT_SUPPORTED'],
  ['RS256 modulusLength 2050', () => generateKeyPair('RS256', { modulusLength: 2050 }), 'ERR_JOSE_NOT_SUPPORTED'],
  ['ES256 crv P-384', () => generateKeyPair('ES256', { crv: 'P-384' }), 'ERR_JOSE_NOT_SUPPORTED'],
  ['ECDH-ES crv secp256k1', () => generateKeyPair('ECDH-ES', { crv: 'secp256k1' }), 'ERR_JOSE_NOT_SUPPORTED'],
  ["ES256 extractable 'yes'", () => generateKeyPair('ES256', { extractable: 'yes' as never }), 'TypeError'],
  ["ES256 as 'pem'", () => generateKeyPair('ES256', { as: 'pem' as never }), 'ERR_INVALID_REQUEST'],
  ["ES256K as 'cryptokey'", () => generateKeyPair('ES256K', { as: 'cryptokey' }), 'ERR_JOSE_NOT_SUPPORTED'],
  [
    "ES256 as 'jwk', extractable false",
    () => generateKeyPair('ES256', { as: 'jwk', extractable: false }),
    'ERR_INVALID_REQUEST',
  ],
  ["generateSecret('RS256')", () => generateSecret('RS256'), 'ERR_JOSE_NOT_SUPPORTED'],
  ['generateSecret(undefined)', () => generateSecret(undefined as never), 'ERR_JOSE_NOT_SUPPORTED'],
  ['HS256 extractable 1', () => generateSecret('HS256', { extractable: 1 as never }), 'TypeError'],

  // --- generateJwk(request, options) (Apinizer) --------------------------------------------------------
  ['generateJwk(undefined)', () => generateJwk(undefined as never), 'ERR_INVALID_REQUEST'],
  ['generateJwk({}) (no name)', () => generateJwk({} as never), 'ERR_INVALID_REQUEST'],
  ['generateJwk without a type', () => generateJwk({ name: 'a' } as never), 'ERR_INVALID_REQUEST'],
  ["type 'DSA'", () => generateJwk({ name: 'a', type: 'DSA' } as never), 'ERR_INVALID_REQUEST'],
  ['found by fuzzing: type a BigInt', () => generateJwk({ name: 'a', type: 10n } as never), 'ERR_INVALID_REQUEST'],
  ['RSA without rsa', () => generateJwk({ name: 'a', type: 'RSA' } as never), 'ERR_INVALID_REQUEST'],
  [
    'RSA keySize 1024',
    () => generateJwk({ name: 'a', type: 'RSA', rsa: { keySize: 1024 as never } }),
    'ERR_INVALID_REQUEST',
  ],
  [
    "EC curveType 'P-256' (JOSE spelling)",
    () => generateJwk({ name: 'a', type: 'EC', ec: { curveType: 'P-256' as never } }),
    'ERR_INVALID_REQUEST',
  ],
  [
    'OKP ED25519 for ENCRYPTION',
    () => generateJwk({ name: 'a', type: 'OKP', okp: { curveType: 'ED25519', keyUseType: 'ENCRYPTION' } }),
    'ERR_INVALID_REQUEST',
  ],
  [
    'OCT keySize 100',
    () => generateJwk({ name: 'a', type: 'OCT', oct: { keySize: 100 as never } }),
    'ERR_INVALID_REQUEST',
  ],
  [
    'OCT A128KW with keySize 256',
    () => generateJwk({ name: 'a', type: 'OCT', oct: { keySize: 256, algorithm: 'A128KW' } }),
    'ERR_INVALID_REQUEST',
  ],
  [
    'OCT passwordIterationCount 999',
    () => generateJwk({ name: 'a', type: 'OCT', oct: { keySize: 128, passwordIterationCount: 999 } }),
    'ERR_INVALID_REQUEST',
  ],
  [
    'expirationTime before notBeforeTime',
    () =>
      generateJwk({
        name: 'a',
        type: 'OCT',
        oct: { keySize: 128, notBeforeTime: '2030-01-01', expirationTime: '2029-01-01' },
      }),
    'ERR_INVALID_REQUEST',
  ],
  [
    "notBeforeTime '2024-13-01'",
    () => generateJwk({ name: 'a', type: 'OCT', oct: { keySize: 128, notBeforeTime: '2024-13-01' } }),
    'ERR_INVALID_REQUEST',
  ],
  [
    "keyIdType 'UUID'",
    () => generateJwk({ name: 'a', type: 'OCT', oct: { keySize: 128, keyIdType: 'UUID' as never } }),
    'ERR_INVALID_REQUEST',
  ],
  [
    "an unknown field 'color'",
    () => generateJwk({ name: 'a', type: 'OCT', oct: { keySize: 128 }, color: 'red' } as never),
    'ERR_INVALID_REQUEST',
  ],
  [
    'RSA parameters for an EC key',
    () => generateJwk({ name: 'a', type: 'EC', rsa: { keySize: 2048 } } as never),
    'ERR_INVALID_REQUEST',
  ],
  [
    "an unknown option 'color'",
    () => generateJwk({ name: 'a', type: 'OCT', oct: { keySize: 128 } }, { color: 1 } as never),
    'ERR_INVALID_REQUEST',
  ],
  [
    'options.now an invalid Date',
    () => generateJwk({ name: 'a', type: 'OCT', oct: { keySize: 128 } }, { now: new Date(Number.NaN) }),
    'ERR_INVALID_REQUEST',
  ],
  [
    'a name the store has',
    () => generateJwk({ name: 'taken', type: 'OCT', oct: { keySize: 128 } }, { store: store('plain.json') }),
    'ERR_INVALID_REQUEST',
  ],

  // --- JwkStore ---------------------------------------------------------------------------------------
  ["new JwkStore('')", () => new JwkStore(''), 'ERR_INVALID_REQUEST'],
  ['new JwkStore(5)', () => new JwkStore(5 as never), 'ERR_INVALID_REQUEST'],
  ['JwkStore options null', () => store('s.json', null as never), 'ERR_INVALID_REQUEST'],
  ["an unknown option 'color'", () => store('s.json', { color: 1 }), 'ERR_INVALID_REQUEST'],
  ['iterations 1000 (below 600,000)', () => store('s.json', { iterations: 1000 }), 'ERR_INVALID_REQUEST'],
  ['an empty passphrase', () => store('s.json', { passphrase: '' }), 'ERR_INVALID_REQUEST'],
  ['a passphrase that is a number', () => store('s.json', { passphrase: 1234 }), 'ERR_INVALID_REQUEST'],
  ['add(null)', () => store('s.json').add(null as never), 'ERR_INVALID_REQUEST'],
  [
    'add() without a name',
    () => store('s.json').add({ privateJwk: { kty: 'oct', k: 'AAAA' }, publicJwk: null, metadata: {} } as never),
    'ERR_INVALID_REQUEST',
  ],
  [
    'add() a privateJwk without kty',
    () => store('s.json').add({ privateJwk: {} as never, publicJwk: null, metadata: { name: 'x' } }),
    'ERR_INVALID_REQUEST',
  ],
  [
    'found by fuzzing: add() metadata holding a Symbol (not JSON)',
    () =>
      store('s.json').add({
        privateJwk: { kty: 'oct', k: 'AAAA' },
        publicJwk: null,
        metadata: { name: 'm1', kid: Symbol('k') } as never,
      }),
    'ERR_INVALID_REQUEST',
  ],
  [
    'found by fuzzing: add() metadata holding a BigInt (not JSON)',
    () =>
      store('s.json').add({
        privateJwk: { kty: 'oct', k: 'AAAA' },
        publicJwk: null,
        metadata: { name: 'm2', n: 1n } as never,
      }),
    'ERR_INVALID_REQUEST',
  ],
  [
    'found by fuzzing: add() a privateJwk with a cycle (not JSON)',
    () => {
      const jwk: Record<string, unknown> = { kty: 'oct', k: 'AAAA' }
      jwk.self = jwk
      return store('s.json').add({ privateJwk: jwk as never, publicJwk: null, metadata: { name: 'm3' } })
    },
    'ERR_INVALID_REQUEST',
  ],
  ["get('missing')", () => store('plain.json').get('missing'), 'ERR_INVALID_REQUEST'],
  ["remove('missing')", () => store('plain.json').remove('missing'), 'ERR_INVALID_REQUEST'],
  ['list() of a file that is not JSON', () => store('corrupt.json').list(), 'ERR_STORE_CORRUPT'],
  ['list() of a foreign JSON file', () => store('foreign.json').list(), 'ERR_STORE_CORRUPT'],
  ['get() of an encrypted store, no passphrase', () => store('sealed.json').get('a'), 'ERR_STORE_PASSPHRASE'],
  [
    'get() of an encrypted store, wrong passphrase',
    () => store('sealed.json', { passphrase: 'wrong' }).get('a'),
    'ERR_STORE_PASSPHRASE',
  ],
  [
    'add() to a plain store with a passphrase',
    () =>
      store('plain.json', { passphrase: 'pw' }).add({
        privateJwk: { kty: 'oct', k: 'AAAA' },
        publicJwk: null,
        metadata: { name: 'n2' },
      }),
    'ERR_STORE_PASSPHRASE',
  ],
]

describe('parseBlob, issue 12 item 10', () => {
  it('an RSA2 blob with unequal prime sizes (cbQ > cbP) parses, and its derived d, dp, dq, qi make a working key', () => {
    let p: bigint
    let q: bigint
    do {
      p = generatePrimeSync(480, { bigint: true })
      q = generatePrimeSync(544, { bigint: true })
    } while ((p - 1n) % 65537n === 0n || (q - 1n) % 65537n === 0n)
    const { material } = parseBlob(rsa2(p, q))
    const b64 = (b: unknown) => Buffer.from(b as Uint8Array).toString('base64url')
    const m = material as unknown as Record<string, Uint8Array>
    const jwk = Object.fromEntries(['n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi'].map((k) => [k, b64(m[k])]))
    const key = createPrivateKey({ key: { kty: 'RSA', ...jwk }, format: 'jwk' })
    const data = Buffer.from('unbalanced')
    expect(verify('sha256', data, createPublicKey(key), sign('sha256', data, key))).toBe(true)
    expect(BigInt(`0x${Buffer.from(m.dq as Uint8Array).toString('hex')}`)).toBe(
      BigInt(`0x${Buffer.from(m.d as Uint8Array).toString('hex')}`) % (q - 1n),
    )
  })
})

describe('bad inputs to the library', () => {
  it(`the table has ${rows.length} rows (at least 100)`, () => {
    expect(rows.length).toBeGreaterThanOrEqual(100)
  })

  it.each(rows.map(([what, call, code]) => ({ what, call, code })))('$what → $code', async ({ call, code }) => {
    let caught: unknown
    try {
      await call()
    } catch (err) {
      caught = err
    }
    expect(caught, 'it must throw').toBeInstanceOf(Error)
    if (code === 'TypeError') {
      expect(caught).toBeInstanceOf(TypeError)
      expect((caught as Error).message).toBe('"extractable" option must be a boolean')
    } else {
      expect({ name: (caught as Error).name, code: (caught as { code?: string }).code }).toMatchObject({ code })
      // Our errors are PlatformKeygenErrors (name = class name); jose's are JOSENotSupported.
      expect((caught as Error).name).toMatch(code === 'ERR_JOSE_NOT_SUPPORTED' ? /^JOSENotSupported$/ : /Error$/)
      expect((caught as Error).name).not.toBe('TypeError')
    }
  })
})

type CliRow = [argv: string[], exit: 1 | 2, code: string]

const cliRows: CliRow[] = [
  [['--nope'], 2, 'ERR_PARSE_ARGS_UNKNOWN_OPTION'],
  [['-x'], 2, 'ERR_PARSE_ARGS_UNKNOWN_OPTION'],
  [['help', 'nope'], 2, 'ERR_PARSE_ARGS_UNKNOWN_OPTION'],
  [['info', 'extra'], 2, 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL'],
  [['rsa', '--bits', '2047'], 2, 'ERR_KEY_LENGTH'],
  [['rsa', '--bits', '16448'], 2, 'ERR_KEY_LENGTH'],
  [['rsa', '--bits', 'abc'], 2, 'ERR_INVALID_REQUEST'],
  [['rsa', '--bogus'], 2, 'ERR_PARSE_ARGS_UNKNOWN_OPTION'],
  [['rsa', 'extra'], 2, 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL'],
  [['rsa', '--format', 'xml'], 2, 'ERR_INVALID_REQUEST'],
  [['rsa', '--bits', '1024', '--out', 'exists.pem'], 1, 'EEXIST'],
  [['rsa', '--bits', '1024', '--out', 'adir'], 1, 'EEXIST'],
  [['dsa', '--bits', '512'], 1, 'ERR_NOT_SUPPORTED_ON_PLATFORM'],
  [['dh', '--bits', '100'], 2, 'ERR_KEY_LENGTH'],
  [['dh', '--bits', '768', '--format', 'jwk'], 2, 'ERR_UNSUPPORTED_FORMAT'],
  [['ec', '--curve', 'P-999'], 2, 'ERR_UNSUPPORTED_ALGORITHM'],
  [['ec', '--curve', 'P-256', '--type', 'pkcs1', '--format', 'pem'], 2, 'ERR_UNSUPPORTED_FORMAT'],
  [['okp', '--curve', 'P-256'], 2, 'ERR_UNSUPPORTED_ALGORITHM'],
  [['okp', '--curve', 'X25519', '--format', 'openssh'], 2, 'ERR_UNSUPPORTED_FORMAT'],
  [['ml-kem', '--set', '99'], 2, 'ERR_INVALID_REQUEST'],
  [['convert'], 2, 'ERR_INVALID_REQUEST'],
  [['convert', 'exists.pem'], 2, 'ERR_INVALID_REQUEST'],
  [['convert', 'missing.pem', '--to', 'jwk'], 1, 'ENOENT'],
  [['convert', 'not-a-key.pem', '--to', 'jwk'], 1, 'ERR_INVALID_REQUEST'],
  // Issue 12, item 12: a JWK set whose one key is not an object (was ERR_UNEXPECTED, reading 'kty').
  [['convert', 'null-key.jwks', '--to', 'pem'], 1, 'ERR_INVALID_REQUEST'],
  [['convert', 'array-key.jwks', '--to', 'pem'], 1, 'ERR_INVALID_REQUEST'],
  // Issue 12, item 3: keys that parse but are not valid keys.
  [['convert', 'ec-off-curve.jwk', '--to', 'pem'], 1, 'ERR_INVALID_KEY'],
  [['convert', 'ec-off-curve-private.jwk', '--to', 'pem'], 1, 'ERR_INVALID_KEY'],
  [['convert', 'ec-d-zero.jwk', '--to', 'pem'], 1, 'ERR_INVALID_KEY'],
  [['convert', 'ec-d-order.jwk', '--to', 'pem'], 1, 'ERR_INVALID_KEY'],
  [['convert', 'ec-other-d.jwk', '--to', 'pem'], 1, 'ERR_INVALID_KEY'],
  [['convert', 'ec-other-d.pem', '--to', 'jwk'], 1, 'ERR_INVALID_KEY'],
  [['convert', 'rsa-n-not-pq.jwk', '--to', 'pem'], 1, 'ERR_INVALID_KEY'],
  [['convert', 'rsa-n-not-pq.pem', '--to', 'jwk'], 1, 'ERR_INVALID_KEY'],
  [['convert', 'rsa-e-one.jwk', '--to', 'pem'], 1, 'ERR_INVALID_KEY'],
  [['convert', 'rsa-too-big.jwk', '--to', 'pem'], 1, 'ERR_INVALID_KEY'],
  [['convert', 'ed25519-other-x.jwk', '--to', 'openssh'], 1, 'ERR_INVALID_KEY'],
  [['NOPE'], 2, 'ERR_UNSUPPORTED_ALGORITHM'],
  [['RS256', '--bits', '1024'], 2, 'ERR_JOSE_NOT_SUPPORTED'],
  [['ES256', '--crv', 'P-384'], 2, 'ERR_JOSE_NOT_SUPPORTED'],
  [['ES256', '--format', 'xml'], 2, 'ERR_INVALID_REQUEST'],
  [['HS256', '--format', 'pem'], 2, 'ERR_UNSUPPORTED_FORMAT'],
  [['jwk'], 2, 'ERR_INVALID_REQUEST'],
  [['jwk', '--name', 'a'], 2, 'ERR_INVALID_REQUEST'],
  [['jwk', '--name', 'a', '--type', 'DSA'], 2, 'ERR_INVALID_REQUEST'],
  [['jwk', '--name', 'a', '--type', 'RSA', '--key-size', '1024'], 2, 'ERR_INVALID_REQUEST'],
  [['jwk', '--name', 'a', '--type', 'EC', '--curve', 'P-192'], 2, 'ERR_INVALID_REQUEST'],
  [['jwk', '--name', 'a', '--type', 'OKP', '--curve', 'ED25519', '--use', 'ENCRYPTION'], 2, 'ERR_INVALID_REQUEST'],
  [['jwks'], 2, 'ERR_INVALID_REQUEST'],
  [['jwks', '--store', 'corrupt.json'], 1, 'ERR_STORE_CORRUPT'],
]

describe('bad command lines', () => {
  it.each(cliRows)('platform-keygen %j → exit %i, %s', (argv, exit, code) => {
    fails(cli(argv, { cwd: dir }), exit, code)
  })
})
