/**
 * Handles: destroy(), double destroy, use after destroy, extractable: false,
 * a handle dropped to the GC, process exit with live handles and pending
 * generations, and a worker thread's env teardown — each native key is
 * released exactly once (counted by the addon's liveHandles diagnostics).
 */
import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { generateKey, type KeyPair } from '../src/index.js'
import { native } from '../src/native.js'
import { expectCode, runSnippet as runChild } from './helpers.js'

describe('destroy()', () => {
  it('releases the native key at once; later use throws ERR_KEY_DESTROYED; destroying again is harmless', async () => {
    const before = native().liveHandles().process
    const k = await generateKey({ algorithm: 'ECDSA_P256' })
    expect(native().liveHandles().process).toBe(before + 1)
    k.destroy()
    expect(native().liveHandles().process).toBe(before)
    expect(k.destroyed).toBe(true)
    k.destroy()
    k.destroy()
    expect(native().liveHandles().process).toBe(before)
    await expectCode(() => k.export({ format: 'jwk' }), 'ERR_KEY_DESTROYED')
    await expectCode(() => k.export({ format: 'blob' }), 'ERR_KEY_DESTROYED')
    await expectCode(() => k.toKeyObject(), 'ERR_KEY_DESTROYED')
    await expectCode(() => k.publicKey, 'ERR_KEY_DESTROYED')
  })

  it('keeps a public key taken before destroy() usable (it is plain bytes)', async () => {
    const k = await generateKey({ algorithm: 'EdDSA', curve: 'Ed25519' })
    const pub = k.publicKey
    k.destroy()
    expect(pub.export({ format: 'jwk' })).toMatchObject({ kty: 'OKP', crv: 'Ed25519' })
  })

  it('`using` destroys the key at the end of the scope', async () => {
    const before = native().liveHandles().process
    let escaped: KeyPair | undefined
    {
      using k = await generateKey({ algorithm: 'ECDH', curve: 'X25519' })
      escaped = k
      expect(native().liveHandles().process).toBe(before + 1)
    }
    expect(escaped.destroyed).toBe(true)
    expect(native().liveHandles().process).toBe(before)
  })
})

describe('extractable: false', () => {
  it('refuses every private export in native code, but exports the public key', async () => {
    const k = await generateKey({ algorithm: 'RSA', length: 2048, extractable: false })
    expect(k.extractable).toBe(false)
    for (const o of [
      { format: 'jwk' },
      { format: 'pem' },
      { format: 'der', type: 'pkcs1' },
      { format: 'blob' },
    ] as const) {
      await expectCode(() => k.export(o as never), 'ERR_NOT_EXTRACTABLE')
    }
    await expectCode(() => k.toKeyObject(), 'ERR_NOT_EXTRACTABLE')
    expect(k.publicKey.export({ format: 'jwk' })).toMatchObject({ kty: 'RSA', e: 'AQAB' })
  })

  it('is enforced below the TypeScript layer: the raw handle refuses too', async () => {
    const handle = await native().generate({ algorithm: 'ECDSA_P256', length: 256, extractable: false })
    expect(() => handle.exportBlob('private')).toThrow(expect.objectContaining({ code: 'ERR_NOT_EXTRACTABLE' }))
    expect(handle.exportBlob('public').subarray(0, 4).toString('latin1')).toBe('ECS1')
    handle.destroy()
  })
})

describe('destroy() on the raw handle frees it at once', () => {
  it('the handle answers after destroy: destroyed is true, exportBlob throws ERR_KEY_DESTROYED, destroy is idempotent', async () => {
    const b = native()
    const before = b.liveHandles()
    const handle = await b.generate({ algorithm: 'ECDSA_P256', length: 256, extractable: true })
    expect(b.liveHandles()).toEqual({ process: before.process + 1, env: before.env + 1 })
    handle.destroy()
    // freed now, not when the GC finds the JS object
    expect(b.liveHandles()).toEqual(before)
    expect(handle.destroyed).toBe(true)
    expect(() => handle.exportBlob('public')).toThrow(expect.objectContaining({ code: 'ERR_KEY_DESTROYED' }))
    handle.destroy()
    expect(handle.destroyed).toBe(true)
  })

  it('a synchronous loop of generateKeySync + destroy leaves no native object behind, before it yields', async () => {
    const { generateKeySync } = await import('../src/index.js')
    const b = native()
    const before = b.liveHandles()
    for (let i = 0; i < 20_000; i++) {
      const k = generateKeySync({ algorithm: 'EdDSA', curve: 'Ed25519' })
      k.export({ format: 'jwk' })
      k.destroy()
    }
    expect(b.liveHandles()).toEqual(before)
  })

  it('its methods called on other objects (plain, or a destroyed key) do not reach native memory', async () => {
    const b = native()
    const handle = await b.generate({ algorithm: 'EdDSA', curve: 'Ed25519', length: 255, extractable: true })
    const proto = Object.getPrototypeOf(handle) as {
      exportBlob(this: unknown, kind: string): Buffer
      destroy(this: unknown): void
    }
    const destroyedGetter = Object.getOwnPropertyDescriptor(proto, 'destroyed')?.get as (this: unknown) => boolean
    for (const other of [{}, Object.create(proto), []]) {
      expect(() => proto.exportBlob.call(other, 'public')).toThrow(
        expect.objectContaining({ code: 'ERR_KEY_DESTROYED' }),
      )
      expect(() => proto.destroy.call(other)).not.toThrow()
      expect(destroyedGetter.call(other)).toBe(true)
    }
    expect(handle.destroyed).toBe(false)
    expect(handle.exportBlob('public').length).toBeGreaterThan(0)
    handle.destroy()
  })
})

describe('the native boundary re-checks what it is given', () => {
  it.each([
    [{ algorithm: 'RSA', length: 2047, extractable: true }, 'ERR_KEY_LENGTH'],
    [{ algorithm: 'RSA', length: 1e9, extractable: true }, 'ERR_KEY_LENGTH'],
    [{ algorithm: 'NOPE', length: 0, extractable: true }, 'ERR_UNSUPPORTED_ALGORITHM'],
    [{ algorithm: 'ECDSA', curve: 'nistP999', length: 0, extractable: true }, 'ERR_UNSUPPORTED_ALGORITHM'],
    [{ algorithm: 'RSA', length: 2048, seed: new Uint8Array(32), extractable: true }, 'ERR_INVALID_REQUEST'],
    [{ algorithm: 'RSA', length: 2048, seed: new Uint16Array(4), extractable: true }, 'ERR_INVALID_REQUEST'],
    [{ algorithm: 'x'.repeat(100), length: 0, extractable: true }, 'ERR_INVALID_REQUEST'],
    [{ algorithm: 'RSA', length: 2048, extractable: 1 }, 'ERR_INVALID_REQUEST'],
  ])('raw generate(%o) → %s', async (spec, code) => {
    const run = async () => native().generate(spec as never)
    await expectCode(run, code)
  })

  it('NativeKey cannot be constructed from JavaScript', async () => {
    const handle = await native().generate({ algorithm: 'ECDSA_P256', length: 256, extractable: true })
    const Ctor = handle.constructor as new (...args: unknown[]) => unknown
    expect(() => new Ctor()).toThrow(expect.objectContaining({ code: 'ERR_INVALID_REQUEST' }))
    expect(() => new Ctor({})).toThrow(expect.objectContaining({ code: 'ERR_INVALID_REQUEST' }))
    expect(() => handle.exportBlob('secret' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_REQUEST' }))
    handle.destroy()
  })
})

describe('no private material leaks into inspect or JSON', () => {
  it('shows metadata only', async () => {
    const k = await generateKey({ algorithm: 'ECDSA_P256' })
    const d = k.export({ format: 'jwk' }).d as string
    const shown = `${inspect(k)} ${JSON.stringify(k)} ${inspect(k.publicKey)} ${JSON.stringify(k.publicKey)} ${String(k)}`
    expect(shown).not.toContain(d)
    expect(shown).toContain('ECDSA_P256')
    expect(JSON.parse(JSON.stringify(k))).toEqual({
      type: 'keypair',
      algorithm: 'ECDSA_P256',
      length: 256,
      curve: 'P-256',
      provider: 'openssl',
      extractable: true,
      destroyed: false,
    })
  })
})

describe('in child processes', () => {
  it('a handle dropped to the GC is released by its finalizer', () => {
    const r = runChild(
      `
      const { generateKey } = await import(process.env.PK_DIST)
      const { native } = await import(new URL('./native.js', process.env.PK_DIST).href)
      const base = native().liveHandles().process
      for (let i = 0; i < 200; i++) await generateKey({ algorithm: 'ECDSA_P256' })
      const peak = native().liveHandles().process
      for (let i = 0; i < 50 && native().liveHandles().process > base; i++) {
        globalThis.gc()
        await new Promise((r) => setImmediate(r))
      }
      console.log(JSON.stringify({ base, peak, after: native().liveHandles().process }))
      `,
      ['--expose-gc'],
    )
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    const { base, peak, after } = JSON.parse(r.stdout)
    expect(peak - base).toBeGreaterThan(0)
    expect(after).toBe(base)
  })

  it('exits cleanly with live handles and generations still pending', () => {
    const r = runChild(`
      const { generateKey } = await import(process.env.PK_DIST)
      globalThis.keep = []
      for (let i = 0; i < 20; i++) globalThis.keep.push(await generateKey({ algorithm: 'ECDH_P384' }))
      for (let i = 0; i < 4; i++) generateKey({ algorithm: 'RSA', length: 4096 }).then((k) => globalThis.keep.push(k))
      console.log('live', globalThis.keep.length)
      process.exit(0)
    `)
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    expect(r.stdout.trim()).toBe('live 20')
  })

  it('a worker thread’s keys are released when the worker exits (env cleanup hook)', () => {
    const r = runChild(`
      const { Worker } = await import('node:worker_threads')
      const { native } = await import(new URL('./native.js', process.env.PK_DIST).href)
      const base = native().liveHandles().process
      const code = \`(async () => {
        const { generateKey } = await import(process.env.PK_DIST)
        const { parentPort } = await import('node:worker_threads')
        globalThis.keep = []
        for (let i = 0; i < 25; i++) globalThis.keep.push(await generateKey({ algorithm: 'EdDSA', curve: 'Ed25519' }))
        parentPort.postMessage(globalThis.keep.length)
        setInterval(() => {}, 1000)
      })()\`
      const w = new Worker(code, { eval: true })
      const held = await new Promise((r) => w.once('message', r))
      const during = native().liveHandles().process
      await w.terminate()
      console.log(JSON.stringify({ base, held, during, after: native().liveHandles().process }))
    `)
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    const { base, held, during, after } = JSON.parse(r.stdout)
    expect(held).toBe(25)
    expect(during - base).toBe(25)
    expect(after).toBe(base)
  })
})
