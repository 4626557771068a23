/**
 * Property tests (fast-check) over the public API. Every call either gives a
 * result that works — a key that signs and verifies, agrees or encapsulates
 * through node:crypto; bytes and JWKs that read back — or throws one of our
 * typed errors with a known code (jose's JOSENotSupported and its documented
 * TypeError for the jose drop-in). Never a TypeError or RangeError from deep
 * inside, never a crash, never a hang (every run has a time limit).
 *
 * CI runs a few thousand cases (the counts in RUNS). `npm run fuzz`
 * (scripts/fuzz.mjs) sets PK_FUZZ_TOTAL=1000000 and a seed, and the same
 * properties share a million cases (capped where each case makes real keys).
 * PK_FUZZ_SEED replays a run; a failure prints its seed and path.
 */

import { spawn } from 'node:child_process'
import * as nodeCrypto from 'node:crypto'
import {
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  type KeyObject,
  sign as nodeSign,
  verify as nodeVerify,
} from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  jwkToMaterial,
  materialToJwk,
  parseBlob,
  privateKeyDer,
  publicKeyDer,
  writeBlob,
} from '../src/formats/index.js'
import {
  checkKeyLength,
  generateJwk,
  generateKey,
  generateKeyPair,
  generateSecret,
  JwkStore,
  jwkThumbprint,
  type KeyPair,
  PlatformKeygenError,
  randomBytes,
} from '../src/index.js'
import { CLI, tempDir } from './cli-helpers.js'
import { hasPostQuantum, nodeCryptoHasPostQuantum } from './helpers.js'
import { nobleMlDsaBothWorks, nobleMlDsaWorks, nobleMlKemWorks } from './pq-oracle.js'

// --- run counts ----------------------------------------------------------------

/** CI's counts; `npm run fuzz` scales them up to PK_FUZZ_TOTAL (capped where a case makes keys). */
const RUNS = {
  blobRandom: 600,
  blobMutated: 1200,
  jwk: 600,
  thumbprint: 300,
  checkKeyLength: 500,
  generateKey: 500,
  exportOptions: 400,
  randomBytes: 200,
  generateKeyPair: 150,
  generateSecret: 150,
  generateJwk: 150,
  jwkStore: 60,
  cli: 25,
} as const
type Property = keyof typeof RUNS
/** The most cases `npm run fuzz` gives a property whose every case generates keys or spawns a process. */
const CAPS: Partial<Record<Property, number>> = {
  generateKey: 60_000,
  exportOptions: 60_000,
  generateKeyPair: 6_000,
  generateJwk: 6_000,
  jwkStore: 3_000,
  cli: 600,
}

const TOTAL = Number(process.env.PK_FUZZ_TOTAL ?? 0)
const SEED = process.env.PK_FUZZ_SEED === undefined ? undefined : Number(process.env.PK_FUZZ_SEED)

function runsFor(name: Property): number {
  if (!TOTAL) return RUNS[name]
  const names = Object.keys(RUNS) as Property[]
  const capped = names.filter((n) => CAPS[n] !== undefined)
  const cappedTotal = capped.reduce((s, n) => s + (CAPS[n] as number), 0)
  const free = names.filter((n) => CAPS[n] === undefined)
  const freeBase = free.reduce((s, n) => s + RUNS[n], 0)
  if (CAPS[name] !== undefined) return CAPS[name] as number
  return Math.round(((TOTAL - cappedTotal) * RUNS[name]) / freeBase)
}

/** Cases run per property, for scripts/fuzz.mjs's report. */
const ran: Record<string, number> = {}

function params<T>(name: Property, extra: fc.Parameters<T> = {}): fc.Parameters<T> {
  const numRuns = runsFor(name)
  ran[name] = numRuns
  return { numRuns, ...(SEED === undefined ? {} : { seed: SEED }), ...extra }
}

afterAll(() => {
  if (TOTAL) console.log(`fuzz cases: ${JSON.stringify(ran)} total ${Object.values(ran).reduce((a, b) => a + b, 0)}`)
})

/** Per-case time limit of the async properties: a hang fails the property. */
const TIMEOUT = 60_000

// --- what counts as a typed error --------------------------------------------------

const OUR_CODES = new Set([
  'ERR_KEY_LENGTH',
  'ERR_UNSUPPORTED_ALGORITHM',
  'ERR_NOT_SUPPORTED_ON_PLATFORM',
  'ERR_PROVIDER',
  'ERR_KEY_DESTROYED',
  'ERR_NOT_EXTRACTABLE',
  'ERR_INVALID_BLOB',
  'ERR_INVALID_KEY',
  'ERR_INVALID_REQUEST',
  'ERR_UNSUPPORTED_FORMAT',
  'ERR_STORE_CORRUPT',
  'ERR_STORE_LOCKED',
  'ERR_STORE_PASSPHRASE',
])

/** Throws unless err is one of our typed errors with one of `codes`. */
function typed(err: unknown, codes: readonly string[], where: string): void {
  const e = err as { code?: unknown; name?: unknown; message?: unknown }
  const ok = err instanceof PlatformKeygenError && OUR_CODES.has(e.code as string) && codes.includes(e.code as string)
  if (!ok) {
    throw new Error(
      `${where}: expected a PlatformKeygenError with ${codes.join('|')}, got ${String(e?.name)} ${String(e?.code)}: ${String(e?.message)}`,
      { cause: err },
    )
  }
}

/** Runs fn; returns its value, or undefined after checking that what it threw is typed. */
async function settle<T>(fn: () => T | Promise<T>, codes: readonly string[], where: string): Promise<T | undefined> {
  try {
    return await fn()
  } catch (err) {
    typed(err, codes, where)
    return undefined
  }
}

function settleSync<T>(fn: () => T, codes: readonly string[], where: string): T | undefined {
  try {
    return fn()
  } catch (err) {
    typed(err, codes, where)
    return undefined
  }
}

// --- keys that work ------------------------------------------------------------

const kem = nodeCrypto as unknown as {
  encapsulate?: (key: KeyObject) => { sharedKey: Buffer; ciphertext: Buffer }
  decapsulate?: (key: KeyObject, ciphertext: Buffer) => Buffer
}
const MESSAGE = Buffer.from('platform-keygen property test')
const NODE_PQ = nodeCryptoHasPostQuantum()

/** Proves a private/public KeyObject pair is one working key: a signature verifies, an agreement agrees, a KEM round-trips. */
function works(priv: KeyObject, pub: KeyObject, usage: 'sign' | 'agree' | 'kem'): void {
  if (usage === 'sign') {
    const kind = priv.asymmetricKeyType as string
    const hash = kind === 'ed25519' || kind === 'ed448' || kind.startsWith('ml-dsa') ? null : 'sha256'
    const sig = nodeSign(hash, MESSAGE, priv)
    expect(nodeVerify(hash, MESSAGE, pub, sig)).toBe(true)
    expect(nodeVerify(hash, Buffer.from('another message'), pub, sig)).toBe(false)
  } else if (usage === 'agree') {
    const a = diffieHellman({ privateKey: priv, publicKey: pub })
    expect(a.length).toBeGreaterThan(0)
  } else if (kem.encapsulate && kem.decapsulate) {
    const { sharedKey, ciphertext } = kem.encapsulate(pub)
    expect(kem.decapsulate(priv, ciphertext).equals(sharedKey)).toBe(true)
  }
}

function usageOf(algorithm: string): 'sign' | 'agree' | 'kem' {
  if (algorithm === 'ML-KEM') return 'kem'
  if (algorithm === 'DH' || algorithm.startsWith('ECDH')) return 'agree'
  return 'sign'
}

/** A KeyPair works: its private KeyObject, its PKCS#8 PEM and its JWK (where it has one) are the same working key. */
function keyPairWorks(k: KeyPair): void {
  const pub = k.publicKey.toKeyObject()
  if (!k.extractable) {
    expect(() => k.toKeyObject()).toThrow(expect.objectContaining({ code: 'ERR_NOT_EXTRACTABLE' }))
    return
  }
  if (k.algorithm.startsWith('ML-') && !NODE_PQ) {
    // Node 22: OpenSSL 3.5 makes the key, node:crypto cannot use it; noble checks it instead
    const pkcs8 = k.export({ format: 'der' })
    const spki = k.publicKey.export({ format: 'der' })
    if (k.algorithm === 'ML-DSA') nobleMlDsaWorks(k.parameterSet as '44' | '65' | '87', pkcs8, spki)
    else nobleMlKemWorks(k.parameterSet as '512' | '768' | '1024', pkcs8, spki)
    return
  }
  const priv = k.toKeyObject()
  works(priv, pub, usageOf(k.algorithm))
  expect(createPrivateKey(k.export({ format: 'pem' })).equals(priv)).toBe(true)
  expect(createPublicKey(k.publicKey.export({ format: 'pem' })).equals(pub)).toBe(true)
  expect(parseBlob(k.export({ format: 'blob' }), k.curve ? { curve: k.curve } : {}).kind).toBe('private')
}

// --- arbitraries -------------------------------------------------------------------

/** Anything JSON-ish or JS-ish that a caller might pass by mistake. */
const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(undefined, null, true, false, 0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, '', '0'),
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 12 }),
  fc.constantFrom('constructor', '__proto__', 'toString', 'valueOf', 'hasOwnProperty'),
  fc.constantFrom(Symbol('x'), 10n, -1n, [], {}, () => 1, new Date(0), new Uint8Array(3), Buffer.alloc(2)),
)

const ALGORITHMS = [
  'RSA',
  'DSA',
  'DH',
  'ECDSA_P256',
  'ECDSA_P384',
  'ECDSA_P521',
  'ECDH_P256',
  'ECDH_P384',
  'ECDH_P521',
  'ECDSA',
  'ECDH',
  'EdDSA',
  'ML-DSA',
  'ML-KEM',
]
const CURVES = [
  'P-256',
  'P-384',
  'P-521',
  'secp256k1',
  'secP256k1',
  'nistP256',
  'prime256v1',
  'X25519',
  'curve25519',
  'X448',
  'curve448',
  'Ed25519',
  'Ed448',
]

/** Lengths: cheap valid ones, the edges, and every kind of wrong. */
const length = fc.oneof(
  fc.constantFrom(0, 255, 256, 384, 448, 521, 512, 576, 640, 768, 1024),
  fc.constantFrom(511, 513, 1023, 1025, 2047, 3073, 16385, 16448, 2 ** 31, -64, 1024.5, Number.NaN),
  fc.integer({ min: -100_000, max: 100_000 }),
  junk,
)

const spec = fc.record(
  {
    algorithm: fc.oneof(fc.constantFrom(...ALGORITHMS), fc.constantFrom('rsa', 'RSA ', 'X25519', 'HMAC'), junk),
    length,
    curve: fc.oneof(fc.constantFrom(...CURVES), fc.constantFrom('P-192', 'brainpoolP256r1', 'ed25519'), junk),
    parameterSet: fc.oneof(
      fc.constantFrom('44', '65', '87', '512', '768', '1024', 'ML-KEM-768', 'ML-DSA-44', 44, 768, '96', 'ML-KEM-44'),
      junk,
    ),
    seed: fc.oneof(
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.uint8Array({ minLength: 64, maxLength: 64 }),
      fc.uint8Array({ maxLength: 70 }),
      junk,
    ),
    noKeyValidation: fc.oneof(fc.boolean(), junk),
    extractable: fc.oneof(fc.boolean(), junk),
    validate: fc.oneof(fc.boolean(), junk),
    unknownOption: junk,
  },
  { requiredKeys: [] },
)

/** Specs the table accepts (cheap sizes), with random extractable / validate / seeds: most of these make keys. */
const validSpec = fc
  .oneof(
    fc.record({ algorithm: fc.constant('RSA'), length: fc.constantFrom(512, 576, 640, 768, 1024) }),
    fc.record({ algorithm: fc.constant('DSA'), length: fc.constant(1024) }),
    fc.record({ algorithm: fc.constant('DH'), length: fc.constantFrom(768, 1024) }),
    fc.record({
      algorithm: fc.constantFrom('ECDSA_P256', 'ECDSA_P384', 'ECDSA_P521', 'ECDH_P256', 'ECDH_P384', 'ECDH_P521'),
    }),
    fc.record({
      algorithm: fc.constant('ECDSA'),
      curve: fc.constantFrom('P-256', 'secp256k1', 'secP256k1', 'nistP384'),
    }),
    fc.record({
      algorithm: fc.constant('ECDH'),
      curve: fc.constantFrom('X25519', 'curve25519', 'X448', 'secp256k1', 'P-521'),
    }),
    fc.record({ algorithm: fc.constant('EdDSA'), curve: fc.constantFrom('Ed25519', 'Ed448') }),
    fc.record({
      algorithm: fc.constant('ML-DSA'),
      parameterSet: fc.constantFrom('44', '65', '87', 'ML-DSA-65', 44),
      seed: fc.option(fc.uint8Array({ minLength: 32, maxLength: 32 }), { nil: undefined }),
    }),
    fc.record({
      algorithm: fc.constant('ML-KEM'),
      parameterSet: fc.constantFrom('512', '768', '1024', 'ML-KEM-1024', 768),
      seed: fc.option(fc.uint8Array({ minLength: 64, maxLength: 64 }), { nil: undefined }),
      noKeyValidation: fc.option(fc.boolean(), { nil: undefined }),
    }),
  )
  .chain((s) =>
    fc
      .record({ extractable: fc.boolean(), validate: fc.boolean() }, { requiredKeys: [] })
      .map((o) => Object.fromEntries(Object.entries({ ...s, ...o }).filter(([, v]) => v !== undefined))),
  )

/** Whether a spec the table accepts would be slow to generate (RSA/DSA over 1024 bits, DH safe primes). */
function expensive(s: Record<string, unknown>): boolean {
  const n = s.length
  if (typeof n !== 'number') return false
  if (s.algorithm === 'RSA' || s.algorithm === 'DSA') return n > 1024
  if (s.algorithm === 'DH') return ![768, 1024, 1536, 2048].includes(n) // well-known groups are cheap
  return false
}

// --- properties ------------------------------------------------------------------

const CODES_GENERATE = [
  'ERR_KEY_LENGTH',
  'ERR_UNSUPPORTED_ALGORITHM',
  'ERR_NOT_SUPPORTED_ON_PLATFORM',
  'ERR_INVALID_REQUEST',
]

describe('generateKey(spec) and checkKeyLength()', () => {
  it('any spec: a key that works, or ERR_KEY_LENGTH / UNSUPPORTED_ALGORITHM / NOT_SUPPORTED_ON_PLATFORM / INVALID_REQUEST', async () => {
    let made = 0
    await fc.assert(
      fc.asyncProperty(fc.oneof(validSpec, spec), async (s) => {
        const rec = s as Record<string, unknown>
        if (expensive(rec)) {
          // Too slow to generate a million times; the table's verdict on it must still be typed.
          settleSync(() => checkKeyLength(rec.algorithm as string, rec.length), CODES_GENERATE, 'checkKeyLength')
          return
        }
        const k = await settle(() => generateKey(s as never), CODES_GENERATE, `generateKey(${fc.stringify(s)})`)
        if (!k) return
        made++
        try {
          keyPairWorks(k)
        } finally {
          k.destroy()
        }
      }),
      params('generateKey', { timeout: TIMEOUT }),
    )
    expect(made).toBeGreaterThan(0)
  })

  it('checkKeyLength(algorithm, length, { curve }): the normalised length, or a typed error; the same verdict twice', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.constantFrom(...ALGORITHMS), junk),
        length,
        fc.oneof(fc.constant(undefined), fc.constantFrom(...CURVES), junk),
        (a, n, curve) => {
          const call = () => checkKeyLength(a as string, n, curve === undefined ? {} : { curve })
          const first = settleSync(call, ['ERR_KEY_LENGTH', 'ERR_UNSUPPORTED_ALGORITHM', 'ERR_INVALID_REQUEST'], 'ckl')
          if (first !== undefined) {
            expect(Number.isInteger(first) && first >= 0 && first <= 16384).toBe(true)
            expect(call()).toBe(first)
            if (typeof n === 'number') expect(first).toBe(n)
          }
        },
      ),
      params('checkKeyLength'),
    )
  })

  it('randomBytes(n): n bytes for 0 ≤ n ≤ 1 MiB, else ERR_INVALID_REQUEST', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: 0, max: 4096 }), fc.integer({ min: -10, max: 2 ** 21 }), junk), (n) => {
        const b = settleSync(() => randomBytes(n as number), ['ERR_INVALID_REQUEST'], 'randomBytes')
        if (b !== undefined) expect(b.length === n).toBe(true) // n may be -0
      }),
      params('randomBytes'),
    )
  })
})

// --- export options over one key of every algorithm -----------------------------------

const keys: KeyPair[] = []
beforeAll(async () => {
  const specs: Record<string, unknown>[] = [
    { algorithm: 'RSA', length: 1024 },
    { algorithm: 'DSA', length: 1024 },
    { algorithm: 'DH', length: 768 },
    { algorithm: 'ECDSA_P256' },
    { algorithm: 'ECDH_P384' },
    { algorithm: 'ECDSA_P521' },
    { algorithm: 'ECDSA', curve: 'secp256k1' },
    { algorithm: 'ECDH', curve: 'X25519' },
    { algorithm: 'ECDH', curve: 'X448' },
    { algorithm: 'EdDSA', curve: 'Ed25519' },
    { algorithm: 'EdDSA', curve: 'Ed448' },
    { algorithm: 'ECDSA_P256', extractable: false },
  ]
  if (hasPostQuantum())
    specs.push({ algorithm: 'ML-DSA', parameterSet: '44' }, { algorithm: 'ML-KEM', parameterSet: '512' })
  for (const s of specs) keys.push(await generateKey(s as never))
})
afterAll(() => {
  for (const k of keys) k.destroy()
})

const exportOptions = fc.oneof(
  fc.record(
    {
      format: fc.oneof(fc.constantFrom('jwk', 'pem', 'der', 'blob', 'openssh'), junk),
      type: fc.oneof(fc.constantFrom('pkcs8', 'pkcs1', 'sec1', 'spki', 'private', 'seed'), junk),
      comment: fc.oneof(fc.string({ maxLength: 20 }), junk),
      passphrase: junk,
    },
    { requiredKeys: [] },
  ),
  junk,
)

describe('export options', () => {
  it('any options to KeyPair.export / PublicKey.export: bytes or text that node:crypto reads, or a typed error', () => {
    fc.assert(
      fc.property(fc.nat(), exportOptions, fc.boolean(), (i, o, pub) => {
        const k = keys[i % keys.length] as KeyPair
        const codes = ['ERR_INVALID_REQUEST', 'ERR_UNSUPPORTED_FORMAT', 'ERR_NOT_EXTRACTABLE']
        const target = pub ? k.publicKey : k
        const out: unknown = settleSync(() => target.export(o as never), codes, `export(${fc.stringify(o)})`)
        if (out === undefined) return
        const opts = o as { format: string; type?: string; passphrase?: unknown }
        // an accepted passphrase made an EncryptedPrivateKeyInfo: node opens it with the same one
        const pass = !pub && opts.passphrase !== undefined ? { passphrase: opts.passphrase as string } : {}
        // node:crypto reads ML-DSA / ML-KEM keys from Node.js 24 on (the noble checks above cover 22)
        if (k.algorithm.startsWith('ML-') && !NODE_PQ && opts.format !== 'blob') return
        if (opts.format === 'pem') {
          const ko = pub ? createPublicKey(out as string) : createPrivateKey({ key: out as string, ...pass })
          expect(ko.asymmetricKeyType).toBeTruthy()
        } else if (opts.format === 'der' && (opts.type ?? (pub ? 'spki' : 'pkcs8')) === (pub ? 'spki' : 'pkcs8')) {
          const ko = pub
            ? createPublicKey({ key: out as Buffer, format: 'der', type: 'spki' })
            : createPrivateKey({ key: out as Buffer, format: 'der', type: 'pkcs8', ...pass })
          expect(ko.asymmetricKeyType).toBeTruthy()
        } else if (opts.format === 'jwk' && (out as { kty?: string }).kty !== 'AKP') {
          expect(createPublicKey({ key: out as never, format: 'jwk' }).asymmetricKeyType).toBeTruthy()
        } else if (opts.format === 'blob') {
          expect(parseBlob(out as Buffer, k.curve ? { curve: k.curve } : {}).kind).toBeTruthy()
        }
      }),
      params('exportOptions'),
    )
  })
})

// --- blobs ---------------------------------------------------------------------------

const MAGICS = [
  'RSA1',
  'RSA2',
  'RSA3',
  'ECS1',
  'ECS2',
  'ECS3',
  'ECS4',
  'ECS5',
  'ECS6',
  'ECK1',
  'ECK2',
  'ECK3',
  'ECK4',
  'ECK5',
  'ECK6',
  'ECDP',
  'ECDV',
  'ECKP',
  'ECKV',
  'DSPB',
  'DSPV',
  'DPB2',
  'DPV2',
  'DHPB',
  'DHPV',
  'DSPK',
  'DSSK',
  'DSSS',
  'MLKP',
  'MLKR',
  'MLKS',
]
const hint = fc.oneof(
  fc.constant({}),
  fc.record({ curve: fc.oneof(fc.constantFrom(...CURVES), fc.string({ maxLength: 8 })) }),
  fc.record({ curve: junk }),
)

/** Whatever parseBlob accepted must convert onward without an untyped error. */
function convertOnward(parsed: ReturnType<typeof parseBlob>): void {
  const m = parsed.material
  const codes = ['ERR_INVALID_BLOB', 'ERR_INVALID_REQUEST', 'ERR_UNSUPPORTED_FORMAT']
  settleSync(() => writeBlob(m, parsed.kind), codes, 'writeBlob')
  settleSync(() => materialToJwk(m, parsed.kind !== 'public'), codes, 'materialToJwk')
  settleSync(() => publicKeyDer(m), codes, 'publicKeyDer')
  if (parsed.kind !== 'public') settleSync(() => privateKeyDer(m), codes, 'privateKeyDer')
}

function parses(blob: Uint8Array, h: unknown): void {
  const parsed = settleSync(() => parseBlob(blob, h as never), ['ERR_INVALID_BLOB'], 'parseBlob')
  if (parsed) convertOnward(parsed)
}

describe('the blob parser', () => {
  it('random bytes, with and without a known magic and header: only ERR_INVALID_BLOB', () => {
    const u32 = fc.oneof(
      fc.constantFrom(0, 1, 20, 32, 48, 66, 128, 256, 0x7fffffff, 0x80000000, 0xffffffff),
      fc.integer({ min: 0, max: 0xffffffff }),
    )
    const headed = fc
      .tuple(fc.constantFrom(...MAGICS), fc.array(u32, { maxLength: 7 }), fc.uint8Array({ maxLength: 600 }))
      .map(([m, words, body]) => {
        const head = Buffer.alloc(4 + 4 * words.length)
        head.write(m, 0, 'latin1')
        for (const [i, w] of words.entries()) head.writeUInt32LE(w >>> 0, 4 + 4 * i)
        return new Uint8Array(Buffer.concat([head, body]))
      })
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), headed), hint, parses), params('blobRandom'))
  })

  it('real blobs truncated, extended, bit-flipped, with header fields overflowed and magics swapped: only ERR_INVALID_BLOB', () => {
    const samples: { blob: Buffer; curve?: string }[] = []
    for (const k of keys) {
      const curve = k.curve ? { curve: k.curve } : {}
      samples.push({ blob: k.publicKey.export({ format: 'blob' }), ...curve })
      if (k.extractable) samples.push({ blob: k.export({ format: 'blob' }), ...curve })
      if (k.algorithm === 'ML-DSA' || k.algorithm === 'ML-KEM') {
        samples.push({ blob: k.export({ format: 'blob', type: 'seed' }) })
      }
    }
    // PQ layouts on every runtime (Node 20 has no ML-* keys to export): written by writeBlob.
    samples.push({
      blob: Buffer.from(writeBlob({ type: 'ML-KEM', parameterSet: '768', seed: new Uint8Array(64) }, 'seed')),
    })
    samples.push({
      blob: Buffer.from(writeBlob({ type: 'ML-DSA', parameterSet: '65', pub: new Uint8Array(1952) }, 'public')),
    })
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('extend' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 80 }) }),
      fc.record({
        kind: fc.constant('flip' as const),
        at: fc.array(fc.nat(), { minLength: 1, maxLength: 4 }),
        bit: fc.nat(7),
      }),
      fc.record({
        kind: fc.constant('word' as const),
        word: fc.nat(8),
        value: fc.oneof(
          fc.constantFrom(0, 1, 2, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 0x10000),
          fc.integer({ min: 0, max: 0xffffffff }),
        ),
      }),
      fc.record({ kind: fc.constant('magic' as const), magic: fc.constantFrom(...MAGICS) }),
    )
    fc.assert(
      fc.property(fc.nat(), fc.array(mutation, { minLength: 1, maxLength: 3 }), fc.boolean(), (i, ms, keepHint) => {
        const s = samples[i % samples.length] as (typeof samples)[number]
        let b = Buffer.from(s.blob)
        for (const m of ms) {
          if (m.kind === 'truncate') {
            b = b.subarray(0, m.at % (b.length + 1))
          } else if (m.kind === 'extend') {
            b = Buffer.concat([b, m.bytes])
          } else if (m.kind === 'flip') {
            for (const at of m.at) {
              if (b.length) b[at % b.length] = (b[at % b.length] as number) ^ (1 << m.bit)
            }
          } else if (m.kind === 'word') {
            if (b.length >= 4 * (m.word + 1)) b.writeUInt32LE(m.value >>> 0, 4 * m.word)
          } else if (b.length >= 4) {
            b.write(m.magic, 0, 'latin1')
          }
        }
        parses(b, keepHint && s.curve ? { curve: s.curve } : {})
      }),
      params('blobMutated'),
    )
  })
})

// --- JWKs ------------------------------------------------------------------------------

describe('JWK readers', () => {
  it('jwkToMaterial(anything, usage): material that converts onward, or ERR_INVALID_REQUEST', () => {
    const real = keys
      .filter((k) => k.extractable && !['DSA', 'DH'].includes(k.algorithm))
      .map((k) => k.export({ format: 'jwk' }))
    const b64 = fc.oneof(
      fc.base64String({ maxLength: 200 }),
      fc.uint8Array({ maxLength: 140 }).map((u) => Buffer.from(u).toString('base64url')),
    )
    const mutated = fc
      .tuple(
        fc.nat(),
        fc.constantFrom('n', 'e', 'd', 'p', 'x', 'y', 'crv', 'kty', 'alg', 'pub', 'priv', 'q', 'qi'),
        fc.oneof(b64, junk),
      )
      .map(([i, member, value]) => ({ ...(real[i % real.length] as object), [member]: value }))
    const random = fc.record(
      {
        kty: fc.oneof(fc.constantFrom('RSA', 'EC', 'OKP', 'AKP', 'oct', 'DSA'), junk),
        crv: fc.oneof(fc.constantFrom(...CURVES), junk),
        alg: fc.oneof(fc.constantFrom('ML-DSA-44', 'ML-KEM-768', 'ML-DSA-99', 'ML-KEM-512x'), junk),
        n: b64,
        e: b64,
        d: b64,
        x: b64,
        y: b64,
        pub: b64,
        priv: b64,
      },
      { requiredKeys: [] },
    )
    const usages = fc.oneof(fc.constantFrom('ECDSA', 'ECDH'), junk)
    fc.assert(
      fc.property(fc.oneof(mutated, random, junk), usages, (jwk, usage) => {
        const m = settleSync(() => jwkToMaterial(jwk, usage as never), ['ERR_INVALID_REQUEST'], 'jwkToMaterial')
        if (!m) return
        const codes = ['ERR_INVALID_BLOB', 'ERR_INVALID_REQUEST', 'ERR_UNSUPPORTED_FORMAT']
        settleSync(() => publicKeyDer(m), codes, 'publicKeyDer')
        settleSync(() => privateKeyDer(m), codes, 'privateKeyDer')
        settleSync(() => writeBlob(m, 'public'), codes, 'writeBlob')
        settleSync(() => materialToJwk(m, false), codes, 'materialToJwk')
      }),
      params('jwk'),
    )
  })

  it('jwkThumbprint(anything, digest): a base64url digest, or ERR_INVALID_REQUEST', () => {
    const jwk = fc.record(
      {
        kty: fc.oneof(fc.constantFrom('RSA', 'EC', 'OKP', 'oct', 'AKP'), junk),
        n: fc.oneof(fc.string(), junk),
        e: fc.oneof(fc.string(), junk),
        crv: fc.oneof(fc.string(), junk),
        x: fc.oneof(fc.string(), junk),
        y: fc.oneof(fc.string(), junk),
        k: fc.oneof(fc.string(), junk),
        alg: fc.oneof(fc.string(), junk),
        pub: fc.oneof(fc.string(), junk),
      },
      { requiredKeys: [] },
    )
    fc.assert(
      fc.property(
        fc.oneof(jwk, junk),
        fc.oneof(fc.constantFrom('sha256', 'sha384', 'sha512', 'sha1', undefined), junk),
        (j, d) => {
          const t = settleSync(() => jwkThumbprint(j as never, d as never), ['ERR_INVALID_REQUEST'], 'jwkThumbprint')
          if (t !== undefined) expect(t).toMatch(/^[A-Za-z0-9_-]{27,86}$/)
        },
      ),
      params('thumbprint'),
    )
  })
})

// --- the jose drop-in and the Apinizer request ------------------------------------------

const JWA = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'RSA-OAEP',
  'RSA-OAEP-256',
  'RSA-OAEP-384',
  'RSA-OAEP-512',
  'ES256',
  'ES384',
  'ES512',
  'ES256K',
  'Ed25519',
  'EdDSA',
  'ML-DSA-44',
  'ML-DSA-65',
  'ML-DSA-87',
  'ECDH-ES',
  'ECDH-ES+A128KW',
  'ECDH-ES+A192KW',
  'ECDH-ES+A256KW',
]
const SECRETS = [
  'HS256',
  'HS384',
  'HS512',
  'A128CBC-HS256',
  'A192CBC-HS384',
  'A256CBC-HS512',
  'A128KW',
  'A192KW',
  'A256KW',
  'A128GCMKW',
  'A192GCMKW',
  'A256GCMKW',
  'A128GCM',
  'A192GCM',
  'A256GCM',
]

/** jose's own refusals: JOSENotSupported, and its TypeError for a non-boolean extractable. */
function joseTyped(err: unknown, where: string): void {
  const e = err as { code?: unknown; name?: unknown; message?: unknown }
  if (e?.code === 'ERR_JOSE_NOT_SUPPORTED') return
  if (err instanceof TypeError && e.message === '"extractable" option must be a boolean') return
  typed(err, ['ERR_INVALID_REQUEST', 'ERR_NOT_SUPPORTED_ON_PLATFORM'], where)
}

describe('the jose drop-in', () => {
  it('generateKeyPair(any alg, any options): a working pair, or what jose throws, or ERR_INVALID_REQUEST', async () => {
    const options = fc.oneof(
      fc.record(
        {
          crv: fc.oneof(
            fc.constantFrom('P-256', 'P-384', 'P-521', 'X25519', 'X448', 'Ed25519', 'secp256k1', 'P-192'),
            junk,
          ),
          modulusLength: fc.oneof(fc.constantFrom(2048, 2047, 2049, 1024, 2112), junk),
          extractable: fc.oneof(fc.boolean(), junk),
          as: fc.oneof(fc.constantFrom('cryptokey', 'keyobject', 'jwk', 'keypair', 'pem'), junk),
        },
        { requiredKeys: [] },
      ),
      junk,
    )
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.constantFrom(...JWA, ...SECRETS, 'none', 'RS1', 'es256'), junk),
        options,
        async (alg, o) => {
          let r: unknown
          try {
            r = await generateKeyPair(alg as never, o as never)
          } catch (err) {
            joseTyped(err, `generateKeyPair(${fc.stringify(alg)}, ${fc.stringify(o)})`)
            return
          }
          const { privateKey, publicKey } = r as { privateKey: unknown; publicKey: unknown }
          const as = (o as { as?: string } | undefined)?.as
          if (as === 'keypair') {
            keyPairWorks(privateKey as KeyPair)
            ;(privateKey as KeyPair).destroy()
          } else if (as === 'jwk') {
            expect((privateKey as { kty: string }).kty).toBe((publicKey as { kty: string }).kty)
          } else if (as === 'keyobject' || alg === 'ES256K') {
            if (String(alg).startsWith('ML-DSA') && !NODE_PQ) {
              // Node 22: node:crypto holds the KeyObjects (no asymmetricKeyType) but cannot use
              // them; noble checks the same key
              const pkcs8 = (privateKey as KeyObject).export({ format: 'der', type: 'pkcs8' })
              const spki = (publicKey as KeyObject).export({ format: 'der', type: 'spki' })
              nobleMlDsaBothWorks(String(alg).slice(-2) as '44' | '65' | '87', pkcs8, spki)
              return
            }
            const usage = String(alg).startsWith('ECDH') ? 'agree' : String(alg).startsWith('RSA-OAEP') ? 'kem' : 'sign'
            if (usage !== 'kem') works(privateKey as KeyObject, publicKey as KeyObject, usage)
          } else {
            expect((privateKey as { type: string }).type).toBe('private')
            expect((publicKey as { type: string }).type).toBe('public')
          }
        },
      ),
      params('generateKeyPair', { timeout: TIMEOUT }),
    )
  })

  it('generateSecret(any alg, any options): a CryptoKey or bytes of the right size, or what jose throws', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.constantFrom(...SECRETS, ...JWA), junk),
        fc.oneof(fc.record({ extractable: fc.oneof(fc.boolean(), junk) }, { requiredKeys: [] }), junk),
        async (alg, o) => {
          let r: unknown
          try {
            r = await generateSecret(alg as never, o as never)
          } catch (err) {
            joseTyped(err, `generateSecret(${fc.stringify(alg)})`)
            return
          }
          if (r instanceof Uint8Array) expect([32, 48, 64]).toContain(r.length)
          else expect((r as { type: string }).type).toBe('secret')
        },
      ),
      params('generateSecret', { timeout: TIMEOUT }),
    )
  })
})

describe('the Apinizer request', () => {
  const TYPES = ['RSA', 'EC', 'OCT', 'OKP']
  const ALGS = [
    'RSA256',
    'RS256',
    'PS384',
    'RSA_OAEP_256',
    'RSA-OAEP',
    'RSA1_5',
    'ES256',
    'ES256K',
    'ECDH_ES',
    'ECDH_ES_A128KW',
    'ECDH-ES+A256KW',
    'EdDSA',
    'HS256',
    'HS512',
    'A128KW',
    'A256GCMKW',
    'DIR',
    'dir',
    'PBES2_HS256_A128KW',
    'PBES2-HS512+A256KW',
    'NOPE',
  ]
  const params_ = fc.record(
    {
      keySize: fc.oneof(fc.constantFrom(2048, 128, 192, 256, 384, 512, 1024, 3000), junk),
      curveType: fc.oneof(fc.constantFrom('P256', 'P384', 'P521', 'SECP256K1', 'ED25519', 'X25519', 'P-256'), junk),
      keyUseType: fc.oneof(fc.constantFrom('SIGNATURE', 'ENCRYPTION', 'sig', null), junk),
      algorithm: fc.oneof(fc.constantFrom(...ALGS, null), junk),
      keyIdType: fc.oneof(fc.constantFrom('TIMESTAMP', 'SHA256', 'SHA1', 'ISO_DATE', 'NONE', 'UUID', null), junk),
      notBeforeTime: fc.oneof(
        fc.constantFrom('2024-01-01', '2024-01-01T00:00:00Z', '2024-13-01', 'yesterday', null),
        junk,
      ),
      expirationTime: fc.oneof(fc.constantFrom('2030-01-01', '2020-01-01', '2025-06-01T12:00:00+02:00', null), junk),
      passwordSaltLength: fc.oneof(fc.constantFrom(8, 16, 7, null), junk),
      passwordIterationCount: fc.oneof(fc.constantFrom(1000, 999, 310000, null), junk),
      extra: junk,
    },
    { requiredKeys: [] },
  )
  const request = fc.record(
    {
      name: fc.oneof(fc.string({ maxLength: 10 }), junk),
      description: fc.oneof(fc.string({ maxLength: 10 }), junk),
      type: fc.oneof(fc.constantFrom(...TYPES), junk),
      kid: fc.oneof(fc.string({ maxLength: 10 }), junk),
      rsa: fc.oneof(params_, junk),
      ec: fc.oneof(params_, junk),
      oct: fc.oneof(params_, junk),
      okp: fc.oneof(params_, junk),
    },
    { requiredKeys: [] },
  )

  const common = {
    keyIdType: fc.constantFrom('TIMESTAMP', 'SHA256', 'SHA1', 'ISO_DATE', 'NONE'),
    notBeforeTime: fc.constantFrom('2024-01-01', '2024-01-01T00:00:00Z', '2025-06-01T12:00:00.5+02:00'),
    expirationTime: fc.constantFrom('2031-01-01', '2040-12-31T23:59:59Z'),
  }
  /** Requests Apinizer would accept (most of these make keys), with random optional fields. */
  const validRequest = fc
    .oneof(
      fc.record({
        type: fc.constant('RSA'),
        rsa: fc.record(
          {
            keySize: fc.constant(2048),
            algorithm: fc.constantFrom('RSA256', 'PS512', 'RSA_OAEP_256', 'RS384'),
            ...common,
          },
          { requiredKeys: ['keySize'] },
        ),
      }),
      fc.record({
        type: fc.constant('EC'),
        ec: fc.record(
          {
            curveType: fc.constantFrom('P256', 'P384', 'P521', 'SECP256K1'),
            algorithm: fc.constantFrom('ES256', 'ES384', 'ES512', 'ES256K', 'ECDH_ES', 'ECDH_ES_A128KW'),
            ...common,
          },
          { requiredKeys: ['curveType'] },
        ),
      }),
      fc.record({
        type: fc.constant('OKP'),
        okp: fc.record(
          {
            curveType: fc.constantFrom('ED25519', 'X25519'),
            algorithm: fc.constantFrom('EdDSA', 'ECDH_ES'),
            ...common,
          },
          { requiredKeys: ['curveType'] },
        ),
      }),
      fc.record({
        type: fc.constant('OCT'),
        oct: fc.record(
          {
            keySize: fc.constantFrom(128, 192, 256, 384, 512),
            algorithm: fc.constantFrom('HS256', 'A128KW', 'A256GCMKW', 'DIR', 'PBES2_HS256_A128KW'),
            passwordSaltLength: fc.integer({ min: 8, max: 64 }),
            passwordIterationCount: fc.integer({ min: 1000, max: 100_000 }),
            ...common,
          },
          { requiredKeys: ['keySize'] },
        ),
      }),
    )
    .chain((r) =>
      fc
        .record(
          {
            name: fc.string({ minLength: 1, maxLength: 10 }),
            kid: fc.string({ maxLength: 8 }),
            description: fc.string(),
          },
          { requiredKeys: ['name'] },
        )
        .map((head) => ({ ...head, ...r })),
    )

  it('generateJwk(any request): a private and public JWK that node:crypto reads, or ERR_INVALID_REQUEST', async () => {
    let made = 0
    await fc.assert(
      fc.asyncProperty(fc.oneof(validRequest, request, junk), async (req) => {
        const r = await settle(
          () => generateJwk(req as never),
          ['ERR_INVALID_REQUEST', 'ERR_NOT_SUPPORTED_ON_PLATFORM'],
          `generateJwk(${fc.stringify(req)})`,
        )
        if (!r) return
        made++
        if (r.publicJwk) {
          const priv = createPrivateKey({ key: r.privateJwk as never, format: 'jwk' })
          const pub = createPublicKey({ key: r.publicJwk as never, format: 'jwk' })
          if (r.metadata.crv !== 'X25519' && r.metadata.use === 'sig') works(priv, pub, 'sign')
          else if (r.privateJwk.kty !== 'RSA') works(priv, pub, 'agree')
        } else {
          expect(typeof r.privateJwk.k).toBe('string')
        }
      }),
      params('generateJwk', { timeout: TIMEOUT }),
    )
    expect(made).toBeGreaterThan(0)
  })
})

describe('JwkStore', () => {
  let dir: string
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pk-fuzz-store-'))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('new JwkStore(any path, any options) and add(any input): stored, or a typed error; the file stays a valid store', async () => {
    const options = fc.oneof(
      { arbitrary: fc.constantFrom({}, { lockTimeoutMs: 5000 }, { staleLockMs: 60_000 }), weight: 6 },
      fc.record(
        {
          passphrase: fc.oneof(fc.string({ maxLength: 6 }), junk),
          iterations: fc.oneof(fc.constantFrom(999, 1000, 600_000, 10_000_001), junk),
          lockTimeoutMs: fc.oneof(fc.constantFrom(0, 1, 2 ** 31), junk),
          staleLockMs: fc.oneof(fc.constantFrom(0, 1, 100), junk),
          color: junk,
        },
        { requiredKeys: [] },
      ),
      junk,
    )
    const input = fc.oneof(
      {
        arbitrary: fc.record({
          privateJwk: fc.constantFrom({ kty: 'oct', k: 'AAAA' }, { kty: 'OKP', crv: 'Ed25519', x: 'AA', d: 'AA' }),
          publicJwk: fc.constant(null),
          metadata: fc.record({ name: fc.string({ minLength: 1, maxLength: 6 }) }),
        }),
        weight: 6,
      },
      fc.record(
        {
          privateJwk: fc.oneof(fc.constant({ kty: 'oct', k: 'AAAA' }), fc.record({ kty: junk }), junk),
          publicJwk: fc.oneof(fc.constant(null), fc.constant({ kty: 'EC' }), junk),
          metadata: fc.oneof(fc.record({ name: fc.oneof(fc.string({ maxLength: 6 }), junk), kid: junk }), junk),
        },
        { requiredKeys: [] },
      ),
      junk,
    )
    let n = 0
    let stored = 0
    // ERR_INVALID_KEY: a well-formed JWK that is not a valid key, or not the private half of publicJwk (issue 12).
    const codes = ['ERR_INVALID_REQUEST', 'ERR_INVALID_KEY', 'ERR_STORE_PASSPHRASE', 'ERR_STORE_CORRUPT']
    /** A path that is a directory or under a file fails with node's own system error (EISDIR, ENOTDIR, ...). */
    const systemError = (err: unknown): boolean => /^E[A-Z]+$/.test(String((err as { code?: unknown })?.code))
    const storeOp = async (fn: () => Promise<unknown>, what: string): Promise<boolean> => {
      try {
        await fn()
        return true
      } catch (err) {
        if (!systemError(err)) typed(err, codes, what)
        return false
      }
    }
    await fc.assert(
      fc.asyncProperty(
        fc.oneof({ arbitrary: fc.constant('file'), weight: 6 }, junk),
        options,
        input,
        async (p, o, entry) => {
          // a junk string path still lands inside the test's folder (never the cwd or /)
          const path =
            p === 'file'
              ? join(dir, `store-${n++}.json`)
              : typeof p === 'string'
                ? join(dir, 'junk', p.replaceAll('..', '_'))
                : p
          const store = settleSync(() => new JwkStore(path as string, o as never), codes, 'new JwkStore')
          if (!store) return
          try {
            // Low iteration counts only: each case may derive a key from the passphrase.
            const opts = o as { iterations?: unknown; passphrase?: unknown }
            if (opts?.passphrase !== undefined && opts.iterations !== 1000) return
            if (await storeOp(() => store.add(entry as never), 'add')) stored++
            await storeOp(() => store.list(), 'list')
          } finally {
            store.close()
          }
        },
      ),
      params('jwkStore', { timeout: TIMEOUT }),
    )
    expect(stored).toBeGreaterThan(0)
  })
})

// --- the CLI ---------------------------------------------------------------------------

describe('the CLI', () => {
  const WORDS = [
    'rsa',
    'dsa',
    'dh',
    'ec',
    'okp',
    'ml-dsa',
    'ml-kem',
    'jwk',
    'jwks',
    'convert',
    'info',
    'help',
    'ES256',
    'HS256',
    'RS256',
    'ECDH-ES',
    'NOPE',
    '--bits',
    '-b',
    '512',
    '1024',
    '2047',
    'abc',
    '--curve',
    'P-256',
    'X25519',
    'Ed448',
    'P-999',
    '--set',
    '44',
    '768',
    '99',
    '--format',
    '-f',
    'pem',
    'der',
    'jwk',
    'openssh',
    'xml',
    '--type',
    'pkcs1',
    'sec1',
    '--to',
    '--out',
    'k.pem',
    '--pub',
    'k.pub',
    '--force',
    '--public',
    '--name',
    'n',
    '--key-size',
    '128',
    '--kid-type',
    'NONE',
    '--store',
    's.json',
    '--crv',
    '--unknown',
    '-z',
    '--help',
    '-V',
    'missing.pem',
    '-',
    '',
    '--',
  ]
  /** The CLI as a child process, asynchronously (so the test worker stays responsive); stdin is /dev/null. */
  function cliAsync(
    args: string[],
    cwd: string,
  ): Promise<{ status: number | null; signal: string | null; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [CLI, ...args], {
        cwd,
        env: { ...process.env, PLATFORM_KEYGEN_DEBUG: '' },
        stdio: ['ignore', 'ignore', 'pipe'],
      })
      let stderr = ''
      child.stderr.setEncoding('utf8').on('data', (d: string) => {
        stderr += d
      })
      child.on('error', reject)
      child.on('close', (status, signal) => resolve({ status, signal, stderr }))
    })
  }

  it('any command line: exit 0, 1 or 2; failures print `error CODE:` and a fix, never ERR_UNEXPECTED or a stack', async () => {
    const cwd = tempDir()
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom(...WORDS), { maxLength: 6 }), async (argv) => {
        const r = await cliAsync(argv, cwd)
        expect(r.signal).toBe(null)
        expect([0, 1, 2]).toContain(r.status)
        if (argv.length === 0) {
          expect([r.status, r.stderr.split('\n')[0]]).toEqual([2, 'Usage: platform-keygen <JWA alg> [options]'])
        } else if (r.status !== 0) {
          expect(r.stderr).toMatch(/^platform-keygen: error [A-Z0-9_]+: /)
          expect(r.stderr).not.toContain('ERR_UNEXPECTED')
          expect(r.stderr).not.toMatch(/\n\s+at /)
        }
      }),
      params('cli', { timeout: TIMEOUT }),
    )
  })
})
