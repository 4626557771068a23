/**
 * Secrets. (1) Private blobs that the native layer hands to JavaScript are
 * wiped once converted: the addon's exportBlob is observed through a wrapper
 * around the binding's generate(), so every Buffer it returns is recorded and
 * checked after the conversion. (2) No private material in error messages
 * (fixed cases and fast-check mutations of private blobs and JWKs, store and
 * CLI errors), nor in util.inspect, JSON or String() of keys, for every
 * algorithm. A secret counts as leaked when any 16-character window of its
 * hex, base64 or base64url form appears in the text.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { inspect } from 'node:util'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { jwkToMaterial, parseBlob, privateKeyDer, writeBlob } from '../src/formats/index.js'
import {
  generateJwk,
  generateKey,
  generateKeyPair,
  JwkStore,
  type KeyMaterial,
  type KeyPair,
  type PrivateExportOptions,
} from '../src/index.js'
import { type BlobKind, type NativeKey, native } from '../src/native.js'
import { cli, tempDir } from './cli-helpers.js'
import { hasPostQuantum } from './helpers.js'

// --- observing the blobs the addon hands out ----------------------------------------------------------

interface Seen {
  kind: string
  /** The very Buffer the addon returned (what the TypeScript layer must wipe). */
  buf: Buffer
  /** A copy taken at once, to know where the private components were. */
  copy: Buffer
}
const seen: Seen[] = []
const binding = native()
const real = { generate: binding.generate, generateSync: binding.generateSync, generateBatch: binding.generateBatch }

/** The handle, with every blob it hands out recorded (the operations are not observed: this test exports only). */
function observed(handle: NativeKey): NativeKey {
  return {
    exportBlob(kind: BlobKind) {
      const buf = handle.exportBlob(kind)
      seen.push({ kind, buf, copy: Buffer.from(buf) })
      return buf
    },
    destroy() {
      handle.destroy()
    },
    get destroyed() {
      return handle.destroyed
    },
  } as unknown as NativeKey
}

// every way the TypeScript layer gets a key: one on the threadpool, one on the
// JS thread (a lone small key), a batch
beforeAll(() => {
  binding.generate = async (spec) => observed(await real.generate.call(binding, spec))
  binding.generateSync = (spec) => observed(real.generateSync.call(binding, spec))
  binding.generateBatch = async (spec, n) =>
    (await real.generateBatch.call(binding, spec, n)).map((k) => (k instanceof Error ? k : observed(k)))
})
afterAll(() => {
  Object.assign(binding, real)
  for (const s of seen) s.copy.fill(0)
})

/** The secret components of each material type (a DSA seed is the public FIPS 186 domain-parameter seed). */
const PRIVATE_MEMBERS: Record<KeyMaterial['type'], readonly string[]> = {
  RSA: ['d', 'p', 'q', 'dp', 'dq', 'qi'],
  EC: ['d'],
  OKP: ['d'],
  DSA: ['x'],
  DH: ['x'],
  'ML-DSA': ['priv', 'seed'],
  'ML-KEM': ['priv', 'seed'],
}

/** The private components of material parsed from `blob`, as [offset, length] within it. */
function privateRegions(blob: Buffer, curve?: string): [number, number][] {
  const m = parseBlob(blob, curve ? { curve } : {}).material as unknown as Record<string, unknown>
  const names = PRIVATE_MEMBERS[m.type as KeyMaterial['type']]
  const out: [number, number][] = []
  for (const n of names) {
    const v = m[n]
    if (v instanceof Uint8Array && v.length > 0 && v.buffer === blob.buffer)
      out.push([v.byteOffset - blob.byteOffset, v.length])
  }
  return out
}

const isZero = (b: Uint8Array): boolean => b.every((v) => v === 0)

/** Runs fn, then checks every private/seed blob the addon returned meanwhile: its private bytes are now zero. */
function expectWiped(k: KeyPair, fn: () => unknown): number {
  const from = seen.length
  fn()
  const blobs = seen.slice(from).filter((s) => s.kind !== 'public')
  expect(blobs.length, 'the export read private blobs from the addon').toBeGreaterThan(0)
  for (const s of blobs) {
    const regions = privateRegions(s.copy, k.curve)
    expect(regions.length).toBeGreaterThan(0)
    expect(
      regions.some(([o, n]) => !isZero(s.copy.subarray(o, o + n))),
      'the copy held key material',
    ).toBe(true)
    for (const [o, n] of regions)
      expect(isZero(s.buf.subarray(o, o + n)), `${k.algorithm} ${s.kind} blob bytes ${o}…${o + n}`).toBe(true)
  }
  return blobs.length
}

const SPECS: Record<string, unknown>[] = [
  { algorithm: 'RSA', length: 1024 },
  { algorithm: 'DSA', length: 1024 },
  { algorithm: 'DSA', length: 2048 },
  { algorithm: 'DH', length: 768 },
  { algorithm: 'ECDSA_P256' },
  { algorithm: 'ECDH_P521' },
  { algorithm: 'ECDSA', curve: 'secp256k1' },
  { algorithm: 'ECDH', curve: 'X25519' },
  { algorithm: 'ECDH', curve: 'X448' },
  { algorithm: 'EdDSA', curve: 'Ed25519' },
  { algorithm: 'EdDSA', curve: 'Ed448' },
]
if (hasPostQuantum()) {
  SPECS.push({ algorithm: 'ML-DSA', parameterSet: '65' }, { algorithm: 'ML-KEM', parameterSet: '768' })
}
const label = (s: Record<string, unknown>): string =>
  [s.algorithm, s.length, s.curve, s.parameterSet].filter(Boolean).join(' ')

function formatsOf(k: KeyPair): PrivateExportOptions[] {
  const out: PrivateExportOptions[] = [{ format: 'pem' }, { format: 'der' }]
  if (k.algorithm !== 'DSA' && k.algorithm !== 'DH') out.push({ format: 'jwk' })
  if (k.algorithm === 'RSA') out.push({ format: 'pem', type: 'pkcs1' }, { format: 'der', type: 'pkcs1' })
  if (k.algorithm.startsWith('ECDSA_') || k.algorithm.startsWith('ECDH_') || k.curve === 'secp256k1') {
    out.push({ format: 'pem', type: 'sec1' })
  }
  return out
}

describe('private blobs handed to JavaScript are wiped once converted', () => {
  it.each(SPECS.map((s) => ({ name: label(s), spec: s })))(
    '$name: every export format and toKeyObject()',
    async ({ spec }) => {
      const k = await generateKey(spec as never)
      try {
        let checked = 0
        for (const o of formatsOf(k)) checked += expectWiped(k, () => k.export(o))
        checked += expectWiped(k, () => k.toKeyObject())
        expect(checked).toBeGreaterThanOrEqual(formatsOf(k).length + 1)
      } finally {
        k.destroy()
      }
    },
  )

  it('the check observes for real: a blob export is the caller’s, and is not wiped', async () => {
    const k = await generateKey({ algorithm: 'ECDSA_P256' })
    const from = seen.length
    const blob = k.export({ format: 'blob' })
    const s = seen[from] as Seen
    expect(s.buf).toBe(blob)
    const [[o, n]] = privateRegions(s.copy) as [[number, number]]
    expect(isZero(blob.subarray(o, o + n))).toBe(false)
    k.destroy()
  })

  it('the jose drop-in wipes too (KeyObject, CryptoKey and JWK results)', async () => {
    for (const as of ['keyobject', 'cryptokey', 'jwk'] as const) {
      const from = seen.length
      await generateKeyPair('ES256', as === 'cryptokey' ? { as, extractable: false } : { as })
      const blobs = seen.slice(from).filter((s) => s.kind !== 'public')
      expect(blobs.length).toBeGreaterThan(0)
      for (const s of blobs)
        for (const [o, n] of privateRegions(s.copy)) expect(isZero(s.buf.subarray(o, o + n))).toBe(true)
    }
  })

  it('generateJwk wipes too', async () => {
    const from = seen.length
    await generateJwk({ name: 'w', type: 'EC', ec: { curveType: 'P256' } })
    const blobs = seen.slice(from).filter((s) => s.kind !== 'public')
    expect(blobs.length).toBeGreaterThan(0)
    for (const s of blobs)
      for (const [o, n] of privateRegions(s.copy)) expect(isZero(s.buf.subarray(o, o + n))).toBe(true)
  })
})

// --- no private material in what is shown ---------------------------------------------------------------

/** 16-character windows of every encoding of every secret component. */
function fingerprints(secrets: Uint8Array[]): string[] {
  const out: string[] = []
  for (const s of secrets) {
    if (s.length < 8) continue
    for (const enc of ['hex', 'base64', 'base64url'] as const) {
      const text = Buffer.from(s).toString(enc).replace(/=+$/, '')
      for (let i = 0; i + 16 <= text.length; i += 8) out.push(text.slice(i, i + 16))
    }
  }
  return out
}

function secretsOf(m: KeyMaterial): Uint8Array[] {
  const r = m as unknown as Record<string, unknown>
  return PRIVATE_MEMBERS[m.type].map((n) => r[n]).filter((v): v is Uint8Array => v instanceof Uint8Array)
}

/** Everything an error shows: message, stack, inspect (with causes), JSON of its own properties. */
function shown(err: unknown): string {
  const parts = [inspect(err, { depth: 6, showHidden: true })]
  for (let e = err as { message?: unknown; stack?: unknown; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    parts.push(String(e.message), String(e.stack))
    try {
      parts.push(JSON.stringify(e))
    } catch {
      // a BigInt or a cycle: inspect above has it
    }
  }
  return parts.join('\n')
}

function expectNoSecret(text: string, prints: string[], what: string): void {
  const hit = prints.find((p) => text.includes(p))
  expect(hit, `${what} shows private material`).toBeUndefined()
}

/** Runs fn; if it throws, the error must not show any of the prints. */
async function errorShowsNoSecret(fn: () => unknown, prints: string[], what: string): Promise<boolean> {
  try {
    await fn()
    return false
  } catch (err) {
    expectNoSecret(shown(err), prints, what)
    return true
  }
}

describe('no private material in error messages', () => {
  const keys: { k: KeyPair; blob: Buffer; jwk?: Record<string, unknown>; prints: string[] }[] = []
  beforeAll(async () => {
    for (const spec of SPECS) {
      const k = await generateKey(spec as never)
      const blob = k.export({ format: 'blob' })
      const prints = fingerprints(secretsOf(parseBlob(Buffer.from(blob), k.curve ? { curve: k.curve } : {}).material))
      const jwk = k.algorithm === 'DSA' || k.algorithm === 'DH' ? undefined : k.export({ format: 'jwk' })
      keys.push({ k, blob, prints, ...(jwk ? { jwk } : {}) })
    }
  })
  afterAll(() => {
    for (const { k } of keys) k.destroy()
  })

  it('errors of export, toKeyObject and use after destroy, for every algorithm', async () => {
    let errors = 0
    for (const { k, prints } of keys) {
      const bad = [
        { format: 'pem', type: 'spki' },
        { format: 'pem', type: 'sec1' },
        { format: 'der', type: 'pkcs1' },
        { format: 'jwk', type: 'x' },
        { format: 'blob', type: 'seed' },
        { format: 'openssh' },
        { format: 'jwk' },
        { format: 'jwk', passphrase: 'x' },
        { format: 'pem', type: 'sec1', passphrase: 'x' },
      ]
      for (const o of bad)
        if (await errorShowsNoSecret(() => k.export(o as never), prints, `${k.algorithm} export`)) errors++
      for (const o of [{ format: 'openssh' }, { format: 'pem', type: 'pkcs1' }, { format: 'jwk' }]) {
        if (await errorShowsNoSecret(() => k.publicKey.export(o as never), prints, 'public export')) errors++
      }
      expectNoSecret(`${inspect(k)} ${JSON.stringify(k)} ${String(k)} ${inspect(k.publicKey)}`, prints, 'inspect')
      expectNoSecret(inspect(k, { showHidden: true, depth: Infinity, getters: true }), prints, 'inspect (showHidden)')
      expectNoSecret(JSON.stringify(Object.entries(k)), prints, 'own properties')
    }
    expect(errors).toBeGreaterThan(keys.length * 5)
  })

  it('wrong-length seeds are not echoed', async () => {
    const seed = new Uint8Array(48).map((_, i) => (i * 37 + 11) & 0xff)
    const prints = fingerprints([seed])
    for (const algorithm of ['ML-DSA', 'ML-KEM', 'RSA']) {
      const spec = { algorithm, parameterSet: algorithm === 'ML-DSA' ? '44' : '768', length: 2048, seed }
      if (algorithm !== 'RSA') delete (spec as { length?: number }).length
      else delete (spec as { parameterSet?: string }).parameterSet
      expect(await errorShowsNoSecret(() => generateKey(spec as never), prints, `${algorithm} seed`)).toBe(true)
    }
  })

  it('fast-check: mutated private blobs → the parser’s errors never show the key', () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), fc.nat(), fc.integer({ min: 0, max: 0xffffffff }), (i, cut, word, value) => {
        const { k, blob, prints } = keys[i % keys.length] as (typeof keys)[number]
        const mutated = [Buffer.from(blob.subarray(0, cut % blob.length)), Buffer.concat([blob, Buffer.of(cut & 0xff)])]
        const w = Buffer.from(blob)
        if (w.length >= 4 * (1 + (word % 7))) w.writeUInt32LE(value, 4 * (1 + (word % 7)))
        mutated.push(w)
        for (const b of mutated) {
          try {
            const parsed = parseBlob(b, k.curve ? { curve: k.curve } : {})
            if (parsed.kind !== 'public') privateKeyDer(parsed.material)
          } catch (err) {
            expectNoSecret(shown(err), prints, 'parseBlob / privateKeyDer error')
          }
          b.fill(0)
        }
      }),
      { numRuns: Number(process.env.PK_FUZZ_TOTAL ? 20_000 : 300) },
    )
  })

  it('fast-check: private JWKs with one member broken → jwkToMaterial / writeBlob errors never show a private member', () => {
    const withJwk = keys.filter((x) => x.jwk)
    fc.assert(
      fc.property(
        fc.nat(),
        fc.constantFrom('d', 'p', 'q', 'dp', 'dq', 'qi', 'x', 'y', 'n', 'priv', 'pub'),
        fc.constantFrom('!', 'A', 'AA', '+/', '=', ' '),
        fc.boolean(),
        (i, member, junk, append) => {
          const { jwk, prints } = withJwk[i % withJwk.length] as (typeof keys)[number]
          const j = { ...(jwk as Record<string, unknown>) }
          const v = j[member]
          if (typeof v !== 'string') return
          j[member] = append ? v + junk : v.slice(0, Math.max(0, v.length - 3)) + junk
          try {
            writeBlob(jwkToMaterial(j), 'private')
          } catch (err) {
            expectNoSecret(shown(err), prints, `jwkToMaterial(${member} broken)`)
          }
        },
      ),
      { numRuns: Number(process.env.PK_FUZZ_TOTAL ? 20_000 : 300) },
    )
  })

  it('JwkStore: a wrong passphrase and a corrupt file are reported without the passphrase or the keys', async () => {
    const dir = tempDir()
    const passphrase = 'correct horse battery staple 0123456789'
    const { jwk, prints } = keys.find((x) => x.k.algorithm === 'ECDSA_P256') as (typeof keys)[number]
    const sealed = new JwkStore(join(dir, 'sealed.json'), { passphrase })
    await sealed.add({ privateJwk: jwk as never, publicJwk: null, metadata: { name: 'a' } })
    const wrong = `${passphrase.slice(0, -1)}X`
    const all = [...prints, passphrase.slice(0, 16), passphrase.slice(16, 32), wrong.slice(0, 16)]
    expect(
      await errorShowsNoSecret(
        () => new JwkStore(join(dir, 'sealed.json'), { passphrase: wrong }).get('a'),
        all,
        'wrong passphrase',
      ),
    ).toBe(true)
    const corrupt = {
      format: 'platform-keygen/jwk-store',
      version: 1,
      protection: 'none',
      entries: [
        { name: 'a', metadata: {}, publicJwk: null, privateJwk: jwk },
        { name: 'a', metadata: {}, publicJwk: null, privateJwk: jwk },
      ],
    }
    writeFileSync(join(dir, 'corrupt.json'), JSON.stringify(corrupt))
    expect(
      await errorShowsNoSecret(() => new JwkStore(join(dir, 'corrupt.json')).list(), prints, 'corrupt store'),
    ).toBe(true)
    writeFileSync(join(dir, 'broken.json'), JSON.stringify(corrupt).slice(0, -40))
    expect(await errorShowsNoSecret(() => new JwkStore(join(dir, 'broken.json')).list(), prints, 'broken store')).toBe(
      true,
    )
  })

  it('CLI: converting a broken private key file prints an error without the key', () => {
    const dir = tempDir()
    for (const { k, jwk, prints } of keys.filter((x) => x.jwk && x.k.algorithm !== 'RSA').slice(0, 4)) {
      const broken = { ...(jwk as Record<string, unknown>), d: `${(jwk as { d?: string }).d ?? ''}!!`, x: 'AA' }
      writeFileSync(join(dir, 'key.jwk'), JSON.stringify(broken), { mode: 0o600 })
      const pem = k.export({ format: 'pem' })
      writeFileSync(join(dir, 'key.pem'), pem.replace(/\n(.{10})/, '\n$1@@'), { mode: 0o600 })
      for (const file of ['key.jwk', 'key.pem']) {
        const r = cli(['convert', file, '--to', 'jwk'], { cwd: dir })
        expect(r.status).toBe(1)
        expectNoSecret(r.stderr + r.stdout, prints, `convert ${file}`)
      }
    }
  })
})
