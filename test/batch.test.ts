/**
 * Batched generation: the fast algorithms' requests of one event-loop turn
 * share native work items (generateBatch). Every caller still gets its own
 * distinct, working key of the algorithm it asked for, and one failing
 * request fails only itself.
 */
import { createPublicKey, sign, verify } from 'node:crypto'
import { availableParallelism } from 'node:os'
import { afterEach, describe, expect, it } from 'vitest'
import { batchWork } from '../src/generate/scheduler.js'
import { generateKey } from '../src/index.js'
import { native } from '../src/native.js'
import { expectCode } from './helpers.js'

describe('batched generateKey', () => {
  it('1000 concurrent P-256 requests give 1000 distinct keys, each working', async () => {
    const keys = await Promise.all(Array.from({ length: 1000 }, () => generateKey({ algorithm: 'ECDSA_P256' })))
    const ds = new Set(keys.map((k) => k.export({ format: 'jwk' }).d))
    expect(ds.size).toBe(1000)
    for (const k of keys.filter((_, i) => i % 97 === 0)) {
      const sig = sign('sha256', Buffer.from('m'), k.toKeyObject())
      expect(verify('sha256', Buffer.from('m'), createPublicKey(k.publicKey.export({ format: 'pem' })), sig)).toBe(true)
    }
    for (const k of keys) k.destroy()
  })

  it('interleaved requests of different specs each get the key they asked for', async () => {
    const specs = [
      { algorithm: 'ECDSA_P256' },
      { algorithm: 'EdDSA', curve: 'Ed25519' },
      { algorithm: 'ECDH', curve: 'X25519' },
      { algorithm: 'ECDSA_P384', extractable: false },
      { algorithm: 'ECDH_P521', validate: true },
    ]
    const asked = Array.from({ length: 100 }, (_, i) => specs[i % specs.length] as (typeof specs)[number])
    const keys = await Promise.all(asked.map((s) => generateKey(s)))
    keys.forEach((k, i) => {
      const s = asked[i] as (typeof specs)[number]
      expect(k.algorithm).toBe(s.algorithm)
      expect(k.extractable).toBe(s.extractable ?? true)
      const jwk = k.publicKey.export({ format: 'jwk' })
      expect(jwk.crv).toBe(k.curve)
    })
    await expectCode(() => keys[3]?.export({ format: 'jwk' }), 'ERR_NOT_EXTRACTABLE')
  })

  it('a request refused by the table fails alone; its neighbours in the same turn succeed', async () => {
    const results = await Promise.allSettled([
      generateKey({ algorithm: 'ECDSA_P256' }),
      generateKey({ algorithm: 'ECDSA_P256', length: 384 }),
      generateKey({ algorithm: 'ECDSA_P256' }),
    ])
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
    expect((results[1] as PromiseRejectedResult).reason.code).toBe('ERR_KEY_LENGTH')
  })
})

describe('native generateBatch', () => {
  it('returns count keys, or per-element typed errors', async () => {
    const b = native()
    const keys = await b.generateBatch({ algorithm: 'EdDSA', curve: 'Ed25519', length: 255, extractable: true }, 5)
    expect(keys).toHaveLength(5)
    for (const k of keys) {
      expect(k).not.toBeInstanceOf(Error)
      if (!(k instanceof Error)) expect(k.exportBlob('public').subarray(0, 4).toString('latin1')).toBe('ECDP')
    }
    const bad = await b.generateBatch({ algorithm: 'NOPE', length: 0, extractable: true }, 3)
    expect(bad).toHaveLength(3)
    for (const e of bad) expect(e).toMatchObject({ code: 'ERR_UNSUPPORTED_ALGORITHM' })
  })

  it.each([
    [0, 'a batch of none'],
    [4097, 'a batch over 4096'],
    [1.5, 'a fractional count'],
    ['3', 'a string count'],
  ] as [unknown, string][])('refuses %s (%s) with ERR_INVALID_REQUEST', async (count) => {
    const spec = { algorithm: 'ECDSA_P256', length: 256, extractable: true }
    await expectCode(() => native().generateBatch(spec, count as number), 'ERR_INVALID_REQUEST')
  })

  it('refuses seeded specs (deterministic keys are made one at a time)', async () => {
    const spec = { algorithm: 'ML-KEM', parameterSet: '768', length: 0, extractable: true, seed: new Uint8Array(64) }
    await expectCode(() => native().generateBatch(spec, 2), 'ERR_INVALID_REQUEST')
  })
})

describe('a lone request for a microsecond key is generated on the JS thread', () => {
  const b = native() as unknown as Record<string, (...args: unknown[]) => unknown>
  const real = { generateSync: b.generateSync, generateBatch: b.generateBatch, generate: b.generate }
  const calls = { generateSync: 0, generateBatch: 0, generate: 0 }
  const spy = (): void => {
    for (const name of ['generateSync', 'generateBatch', 'generate'] as const) {
      calls[name] = 0
      const fn = real[name] as (...args: unknown[]) => unknown
      b[name] = (...args: unknown[]) => {
        calls[name]++
        return fn.apply(b, args)
      }
    }
  }
  afterEach(() => Object.assign(b, real))

  it.each([
    [{ algorithm: 'ECDSA_P256' }, true],
    [{ algorithm: 'ECDH', curve: 'X25519' }, true],
    [{ algorithm: 'EdDSA', curve: 'Ed25519' }, true],
    [{ algorithm: 'ECDSA_P384' }, false],
    [{ algorithm: 'EdDSA', curve: 'Ed448' }, false],
  ])('%o one at a time: on the JS thread: %s', async (spec, inline) => {
    spy()
    const ds = new Set<unknown>()
    for (let i = 0; i < 20; i++) {
      const k = await generateKey(spec)
      ds.add(k.export({ format: 'jwk' }).d)
      k.destroy()
    }
    expect(ds.size).toBe(20)
    expect(calls.generateSync).toBe(inline ? 20 : 0)
    expect(calls.generate + calls.generateBatch).toBe(inline ? 0 : 20)
  })

  it('requests made together go to the threadpool, and so does a lone one while every batch slot is taken', async () => {
    spy()
    const first = Array.from({ length: 8 }, () => generateKey({ algorithm: 'ECDSA_P256' }))
    // the next turn: one request while the batch above is (most likely) still on the threadpool
    await new Promise((r) => setImmediate(r))
    const pendingBatches = calls.generateBatch + calls.generate
    const lone = generateKey({ algorithm: 'ECDSA_P256' })
    const keys = await Promise.all([...first, lone])
    expect(calls.generateBatch).toBeGreaterThanOrEqual(1)
    expect(pendingBatches).toBeGreaterThanOrEqual(1)
    // 8 together never run on the JS thread; the lone one may have (if the batch had finished)
    expect(calls.generateSync).toBeLessThanOrEqual(1)
    expect(new Set(keys.map((k) => k.export({ format: 'jwk' }).d)).size).toBe(9)
    for (const k of keys) k.destroy()
  })

  it('the event loop still turns between keys made one at a time (setImmediate, not a microtask loop)', async () => {
    let turns = 0
    let stop = false
    const tick = (): void => {
      turns++
      if (!stop) setImmediate(tick)
    }
    setImmediate(tick)
    for (let i = 0; i < 50; i++) (await generateKey({ algorithm: 'EdDSA', curve: 'Ed25519' })).destroy()
    const during = turns
    stop = true
    expect(during).toBeGreaterThanOrEqual(25)
  })

  it('a provider failure on the JS thread rejects that request with a typed error', async () => {
    b.generateSync = () => {
      throw Object.assign(new Error('simulated provider failure'), { code: 'ERR_PROVIDER', opensslCode: 7 })
    }
    const err = await expectCode(generateKey({ algorithm: 'ECDH', curve: 'X25519' }), 'ERR_PROVIDER')
    expect(err.message).toContain('simulated provider failure')
    expect((err as unknown as { opensslCode: number }).opensslCode).toBe(7)
  })
})

/**
 * Replaces the binding's generateBatch with one that records each batch's size and settles it only
 * when the test calls its gate (in call order): the test decides when a slot frees.
 */
function gateBatches(
  b: Record<string, (...args: unknown[]) => unknown>,
  realBatch: ((...args: unknown[]) => unknown) | undefined,
): { gates: (() => void)[]; sizes: number[] } {
  const gates: (() => void)[] = []
  const sizes: number[] = []
  b.generateBatch = (spec: unknown, n: unknown) => {
    sizes.push(n as number)
    const p = (realBatch as (...a: unknown[]) => Promise<unknown>).call(b, spec, n)
    return new Promise((resolve) => gates.push(() => resolve(p)))
  }
  return { gates, sizes }
}

describe('coalescing: at most one batch per slot in flight, requests beyond that held and sent together', () => {
  const b = native() as unknown as Record<string, (...args: unknown[]) => unknown>
  const real = { generateBatch: b.generateBatch, generate: b.generate, generateSync: b.generateSync }
  afterEach(() => Object.assign(b, real))
  const P384 = { algorithm: 'ECDSA_P384' } // not made on the JS thread when alone (cost.ts INLINE)

  /** Records each native call: the batch size and how many batches were in flight when it was made. */
  function record(): { sizes: number[]; inFlightAtCall: number[]; single: number } {
    const log = { sizes: [] as number[], inFlightAtCall: [] as number[], single: 0 }
    b.generateBatch = (spec: unknown, n: unknown) => {
      log.sizes.push(n as number)
      log.inFlightAtCall.push(batchWork().inFlight)
      return (real.generateBatch as (...a: unknown[]) => unknown).call(b, spec, n)
    }
    b.generate = (...args: unknown[]) => {
      log.single++
      return (real.generate as (...a: unknown[]) => unknown).apply(b, args)
    }
    return log
  }

  it('the slots: one per core and two more, never more than the threadpool has threads', () => {
    const threads = Number.parseInt(process.env.UV_THREADPOOL_SIZE ?? '', 10) || 4
    const cores = availableParallelism()
    const { limit } = batchWork()
    expect(limit).toBe(Math.min(threads, cores + 2))
    // with libuv's default pool of 4 threads: 3 slots on 1 core, 4 from 2 cores up
    if (process.env.UV_THREADPOOL_SIZE === undefined) expect(limit).toBe(cores === 1 ? 3 : 4)
  })

  it('16 callers awaiting in a loop (the server pattern): batches keep their size, never one work item per key', async () => {
    const log = record()
    const { limit } = batchWork()
    const ds = new Set<unknown>()
    let started = 0
    const lane = async (): Promise<void> => {
      while (started < 320) {
        started++
        const k = await generateKey(P384)
        ds.add(k.export({ format: 'jwk' }).d)
        k.destroy()
      }
    }
    await Promise.all(Array.from({ length: 16 }, lane))
    expect(ds.size).toBe(320) // every key distinct
    expect(log.single).toBe(0)
    // 16 callers over `limit` slots: each batch holds one slot's share of the callers, whole,
    // but for the last ones, sent as the lanes stop at 320 keys
    const share = 16 / Math.min(limit, 16)
    expect(log.sizes.reduce((a, n) => a + n, 0)).toBe(320)
    expect(log.sizes.length).toBeGreaterThan(limit)
    for (const n of log.sizes.slice(0, -limit)) expect([Math.floor(share), Math.ceil(share)]).toContain(n)
    for (const f of log.inFlightAtCall) expect(f).toBeLessThan(limit)
    expect(batchWork()).toEqual({ limit, inFlight: 0, held: 0 })
  })

  it('requests made while every slot is busy are held, then go out as one batch when a slot frees', async () => {
    const { limit } = batchWork()
    const { gates, sizes } = gateBatches(b, real.generateBatch)
    const first = Array.from({ length: 4 * limit }, () => generateKey(P384))
    await new Promise((r) => setImmediate(r))
    expect(sizes).toEqual(Array.from({ length: limit }, () => 4))
    expect(batchWork()).toEqual({ limit, inFlight: limit, held: 0 })
    const later = Array.from({ length: 5 }, () => generateKey(P384))
    const lone = generateKey(P384)
    await new Promise((r) => setImmediate(r))
    expect(batchWork()).toEqual({ limit, inFlight: limit, held: 6 })
    expect(sizes).toHaveLength(limit) // nothing more was sent
    ;(gates.shift() as () => void)()
    await first[0]
    expect(sizes.slice(limit)).toEqual([6]) // the held requests, together
    while (gates.length > 0) (gates.shift() as () => void)()
    const keys = await Promise.all([...first, ...later, lone])
    expect(new Set(keys.map((k) => k.export({ format: 'jwk' }).d)).size).toBe(4 * limit + 6)
    for (const k of keys) k.destroy()
    expect(batchWork()).toEqual({ limit, inFlight: 0, held: 0 })
  })

  it("a failed element of a batch rejects only its own caller, typed; a failed batch only that batch's callers", async () => {
    let call = 0
    b.generateBatch = async (spec: unknown, n: unknown) => {
      const mine = ++call
      if (mine === 2) throw Object.assign(new Error('simulated batch failure'), { code: 'ERR_PROVIDER' })
      const out = (await (real.generateBatch as (...a: unknown[]) => Promise<unknown[]>).call(b, spec, n)) as (
        | { destroy(): void }
        | Error
      )[]
      if (mine === 1) {
        ;(out[1] as { destroy(): void }).destroy()
        out[1] = Object.assign(new Error('simulated element failure'), { code: 'ERR_PROVIDER', opensslCode: 9 })
      }
      return out
    }
    const { limit } = batchWork()
    const results = await Promise.allSettled(Array.from({ length: 32 }, () => generateKey(P384)))
    const size = Math.ceil(32 / limit)
    const rejected = results.flatMap((r, i) => (r.status === 'rejected' ? [i] : []))
    const secondBatch = limit > 1 ? Array.from({ length: size }, (_, i) => size + i) : []
    expect(rejected).toEqual([1, ...secondBatch])
    const element = (results[1] as PromiseRejectedResult).reason
    expect(element).toMatchObject({ code: 'ERR_PROVIDER', opensslCode: 9, message: 'simulated element failure' })
    for (const i of secondBatch) expect((results[i] as PromiseRejectedResult).reason.code).toBe('ERR_PROVIDER')
    const keys = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))
    expect(new Set(keys.map((k) => k.export({ format: 'jwk' }).d)).size).toBe(keys.length)
    for (const k of keys) k.destroy()
    expect(batchWork()).toEqual({ limit, inFlight: 0, held: 0 })
    Object.assign(b, real)
    ;(await generateKey(P384)).destroy() // the scheduler still works
  })

  it('keys of one batch are independent: destroying some leaves the others working; every handle is released', async () => {
    const base = native().liveHandles().process
    const keys = await Promise.all(
      Array.from({ length: 24 }, () => generateKey({ algorithm: 'EdDSA', curve: 'Ed25519' })),
    )
    expect(native().liveHandles().process - base).toBe(24)
    for (const k of keys.filter((_, i) => i % 2 === 0)) k.destroy()
    for (const [i, k] of keys.entries()) {
      if (i % 2 === 0) {
        expect(k.destroyed).toBe(true)
        await expectCode(() => k.export({ format: 'jwk' }), 'ERR_KEY_DESTROYED')
      } else {
        const sig = sign(null, Buffer.from('m'), k.toKeyObject())
        expect(verify(null, Buffer.from('m'), createPublicKey(k.publicKey.export({ format: 'pem' })), sig)).toBe(true)
      }
    }
    expect(native().liveHandles().process - base).toBe(12)
    for (const k of keys) k.destroy()
    expect(native().liveHandles().process).toBe(base)
  })
})

describe('coalescing: specs take turns for the free slots', () => {
  const b = native() as unknown as Record<string, (...args: unknown[]) => unknown>
  const real = { generateBatch: b.generateBatch }
  afterEach(() => Object.assign(b, real))

  it('a spec with a long backlog does not hold up a request for another spec', async () => {
    const { limit } = batchWork()
    const { gates, sizes } = gateBatches(b, real.generateBatch)
    const settle = () => new Promise((r) => setTimeout(r, 20))
    const fill = Array.from({ length: limit }, () => generateKey({ algorithm: 'ECDSA_P384' }))
    await settle()
    const backlog = Array.from({ length: 100 }, () => generateKey({ algorithm: 'ECDSA_P384' }))
    const other = generateKey({ algorithm: 'ECDSA_P521' })
    await new Promise((r) => setImmediate(r))
    expect(batchWork()).toEqual({ limit, inFlight: limit, held: 101 })
    expect(sizes).toEqual(Array.from({ length: limit }, () => 1))
    // each completion frees one slot: the backlog goes 32 keys at a time, and the other spec gets
    // the second turn instead of waiting for the whole backlog
    while (gates.length > 0) {
      ;(gates.shift() as () => void)()
      // the released batch completes, frees its slot, and the next held batch goes out (a new gate)
      for (let w = 0; w < 250 && batchWork().held > 0 && gates.length === 0; w++) await settle()
    }
    expect(sizes.slice(limit)).toEqual([32, 1, 32, 32, 4])
    const keys = await Promise.all([...fill, ...backlog])
    const p521 = await other
    expect(p521.algorithm).toBe('ECDSA_P521')
    expect(new Set(keys.map((k) => k.export({ format: 'jwk' }).d)).size).toBe(limit + 100)
    for (const k of [...keys, p521]) k.destroy()
    expect(batchWork()).toEqual({ limit, inFlight: 0, held: 0 })
  })
})
