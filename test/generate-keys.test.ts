/**
 * generateKeys(spec, count): many keys of one spec in one call. Every key is
 * its own, working key; bad counts and specs fail with exact codes; and the
 * call is all or nothing — when one key fails, the ones made are destroyed.
 */
import { sign, verify } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { generateKeys, KeyPair, MAX_KEYS_PER_CALL, ProviderError } from '../src/index.js'
import { native } from '../src/native.js'
import { expectCode, hasPostQuantum, opensslCheck, readWycheproof } from './helpers.js'

const PQ = hasPostQuantum()
const live = (): number => native().liveHandles().process

describe('generateKeys', () => {
  it('100 P-256 keys: distinct, each a working signing key, each released by destroy()', async () => {
    const before = live()
    const keys = await generateKeys({ algorithm: 'ECDSA', curve: 'P-256' }, 100)
    expect(keys).toHaveLength(100)
    expect(live()).toBe(before + 100)
    const ds = new Set<string>()
    for (const kp of keys) {
      expect(kp).toBeInstanceOf(KeyPair)
      expect(kp.algorithm).toBe('ECDSA_P256')
      ds.add(kp.export({ format: 'jwk' }).d as string)
    }
    expect(ds.size).toBe(100)
    const msg = Buffer.from('bulk')
    for (const kp of [keys[0], keys[57], keys[99]] as KeyPair[]) {
      expect(verify('sha256', msg, kp.publicKey.toKeyObject(), sign('sha256', msg, kp.toKeyObject()))).toBe(true)
    }
    for (const kp of keys) kp.destroy()
    expect(live()).toBe(before)
  })

  it('1,000 Ed25519 keys (several native work items) are all different', async () => {
    const keys = await generateKeys({ algorithm: 'EdDSA', curve: 'Ed25519' }, 1000)
    const xs = new Set(keys.map((k) => k.publicKey.export({ format: 'jwk' }).x as string))
    expect(xs.size).toBe(1000)
    for (const k of keys) k.destroy()
  })

  it('RSA keys go one work item each: 3 × RSA-1024 with validate: true pass openssl pkey -check', async () => {
    const keys = await generateKeys({ algorithm: 'RSA', length: 1024, validate: true }, 3)
    expect(new Set(keys.map((k) => k.publicKey.export({ format: 'jwk' }).n)).size).toBe(3)
    for (const k of keys) {
      expect(k.length).toBe(1024)
      expect(opensslCheck(k.export({ format: 'pem' }), 'private')).toMatch(/valid/i)
      k.destroy()
    }
  })

  it('count 1 is one key; MAX_KEYS_PER_CALL is 65536', async () => {
    const [one, ...rest] = await generateKeys({ algorithm: 'ECDH', curve: 'X25519' }, 1)
    expect(rest).toHaveLength(0)
    expect(one?.curve).toBe('X25519')
    one?.destroy()
    expect(MAX_KEYS_PER_CALL).toBe(65536)
  })

  it.each([0, -1, 1.5, 65537, Number.NaN, Number.POSITIVE_INFINITY, '3', undefined, null, 2n])(
    'count %s rejects with ERR_INVALID_REQUEST',
    async (count) => {
      const err = await expectCode(
        generateKeys({ algorithm: 'ECDSA', curve: 'P-256' }, count as number),
        'ERR_INVALID_REQUEST',
      )
      expect(err.message).toMatch(/count must be an integer from 1 to 65536/)
    },
  )

  it.each([
    [{ algorithm: 'RSA', length: 1000 }, 'ERR_KEY_LENGTH'],
    [{ algorithm: 'ECDSA', curve: 'P-999' }, 'ERR_UNSUPPORTED_ALGORITHM'],
    [{ algorithm: 'ECDSA', curve: 'P-256', bogus: true }, 'ERR_INVALID_REQUEST'],
  ])('spec %o rejects with %s and makes no key', async (spec, code) => {
    const before = live()
    await expectCode(generateKeys(spec as never, 5), code)
    expect(live()).toBe(before)
  })

  it('a seed makes one key: count > 1 with a seed is ERR_INVALID_REQUEST', async () => {
    await expectCode(
      generateKeys({ algorithm: 'ML-KEM', parameterSet: '768', seed: new Uint8Array(64) }, 2),
      PQ ? 'ERR_INVALID_REQUEST' : 'ERR_NOT_SUPPORTED_ON_PLATFORM',
    )
  })

  it.runIf(PQ)('a seeded ML-KEM-512 key with count 1 is the Wycheproof vector’s', async () => {
    const file = readWycheproof<{
      testGroups: { tests: { seed: string; ek: string }[] }[]
    }>('mlkem_512_keygen_seed_test.json')
    const t = file.testGroups[0]?.tests[0]
    if (!t) throw new Error('the vector file has no tests')
    const [kp] = await generateKeys({ algorithm: 'ML-KEM', parameterSet: '512', seed: Buffer.from(t.seed, 'hex') }, 1)
    const blob = kp?.publicKey.export({ format: 'blob' }) as Buffer
    expect(blob.subarray(blob.length - t.ek.length / 2).toString('hex')).toBe(t.ek)
    kp?.destroy()
  })
})

describe('generateKeys is all or nothing', () => {
  const b = native() as unknown as Record<string, unknown>
  const original = b.generateBatch
  afterEach(() => {
    b.generateBatch = original
  })

  it('when one key of a batch fails, the call rejects with its error and the others are destroyed', async () => {
    const taken: { destroy(): void }[] = []
    const real = original as (spec: unknown, n: number) => Promise<unknown[]>
    // the provider fails on the 3rd key of the first work item (a stand-in for a real provider failure)
    let first = true
    b.generateBatch = async (spec: unknown, n: number) => {
      const out = await real.call(b, spec, n)
      if (first) {
        first = false
        taken.push(out[2] as { destroy(): void })
        out[2] = Object.assign(new Error('simulated provider failure'), { code: 'ERR_PROVIDER' })
      }
      return out
    }
    const before = live()
    const err = await expectCode(generateKeys({ algorithm: 'ECDSA', curve: 'P-384' }, 40), 'ERR_PROVIDER')
    expect(err).toBeInstanceOf(ProviderError)
    expect(err.message).toContain('simulated provider failure')
    for (const k of taken) k.destroy()
    expect(live()).toBe(before)
  })

  it('when a whole work item fails, the keys of the others are destroyed', async () => {
    let calls = 0
    const real = original as (spec: unknown, n: number) => Promise<unknown[]>
    b.generateBatch = (spec: unknown, n: number) => {
      calls++
      if (calls === 2) return Promise.reject(Object.assign(new Error('work item lost'), { code: 'ERR_PROVIDER' }))
      return real.call(b, spec, n)
    }
    const before = live()
    await expectCode(generateKeys({ algorithm: 'EdDSA', curve: 'Ed25519' }, 600), 'ERR_PROVIDER')
    expect(calls).toBeGreaterThanOrEqual(3)
    expect(live()).toBe(before)
  })
})
