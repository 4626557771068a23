/**
 * generateKeySync (one key on the calling thread) and the kept specs behind
 * both entry points: a spec is resolved against the table once, then reused,
 * and a cached resolution must never make a bad spec pass.
 */
import { sign, verify } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { keptSpecCount } from '../src/generate/index.js'
import { capabilities, generateKey, generateKeySync, KeyPair } from '../src/index.js'
import { native } from '../src/native.js'
import { expectCode, hasPostQuantum, nodeCryptoHasPostQuantum, opensslCheck, readWycheproof } from './helpers.js'

const PQ = hasPostQuantum()
const NODE_PQ = nodeCryptoHasPostQuantum()
const OKP = capabilities().provider === 'openssl'

describe('generateKeySync', () => {
  it.each([
    [{ algorithm: 'ECDSA', curve: 'P-256' }, 'P-256', 256, 'sha256'],
    [{ algorithm: 'ECDSA_P384' }, 'P-384', 384, 'sha384'],
    [{ algorithm: 'ECDSA', curve: 'secp256k1' }, 'secp256k1', 256, 'sha256'],
    [{ algorithm: 'EdDSA', curve: 'Ed25519' }, 'Ed25519', 255, null],
    [{ algorithm: 'EdDSA', curve: 'Ed448' }, 'Ed448', 448, null],
  ] as const)('%o gives a working signing key', (spec, curve, length, hash) => {
    const kp = generateKeySync({ ...spec })
    expect(kp).toBeInstanceOf(KeyPair)
    expect(kp.curve).toBe(curve)
    expect(kp.length).toBe(length)
    const msg = Buffer.from('platform-keygen sync')
    const sig = sign(hash, msg, kp.toKeyObject())
    expect(verify(hash, msg, kp.publicKey.toKeyObject(), sig)).toBe(true)
    const jwk = kp.export({ format: 'jwk' })
    expect(jwk.crv).toBe(curve)
    expect(opensslCheck(kp.export({ format: 'pem' }), 'private')).toMatch(/valid/i)
    kp.destroy()
    expect(kp.destroyed).toBe(true)
  })

  it('RSA-2048 with validate: true, e = 65537, n of exactly 2048 bits', () => {
    const kp = generateKeySync({ algorithm: 'RSA', length: 2048, validate: true })
    const jwk = kp.export({ format: 'jwk' })
    expect(jwk.e).toBe('AQAB')
    expect(Buffer.from(jwk.n as string, 'base64url').length).toBe(256)
    expect(Buffer.from(jwk.n as string, 'base64url')[0]).toBeGreaterThanOrEqual(0x80)
    kp.destroy()
  })

  it.runIf(OKP)('X25519 and X448 keys agree with node:crypto peers', async () => {
    const { diffieHellman, generateKeyPairSync } = await import('node:crypto')
    for (const [curve, type] of [
      ['X25519', 'x25519'],
      ['X448', 'x448'],
    ] as const) {
      const ours = generateKeySync({ algorithm: 'ECDH', curve })
      const peer = generateKeyPairSync(type as 'x25519')
      const a = diffieHellman({ privateKey: ours.toKeyObject(), publicKey: peer.publicKey })
      const b = diffieHellman({ privateKey: peer.privateKey, publicKey: ours.publicKey.toKeyObject() })
      expect(a.equals(b)).toBe(true)
      ours.destroy()
    }
  })

  it('each call is a new key', () => {
    const seen = new Set<string>()
    for (let i = 0; i < 50; i++) {
      const kp = generateKeySync({ algorithm: 'EdDSA', curve: 'Ed25519' })
      seen.add(kp.export({ format: 'jwk' }).d as string)
      kp.destroy()
    }
    expect(seen.size).toBe(50)
  })

  it.each([
    [{ algorithm: 'RSA', length: 1000 }, 'ERR_KEY_LENGTH'],
    [{ algorithm: 'ECDSA', curve: 'P-257' }, 'ERR_UNSUPPORTED_ALGORITHM'],
    [{ algorithm: 'NOPE' }, 'ERR_UNSUPPORTED_ALGORITHM'],
    [{ algorithm: 'ECDSA' }, 'ERR_INVALID_REQUEST'],
    [{ algorithm: 'ECDSA', curve: 'P-256', extra: 1 }, 'ERR_INVALID_REQUEST'],
    [{ algorithm: 'ECDSA', curve: 'P-256', extractable: 'yes' }, 'ERR_INVALID_REQUEST'],
    [{ algorithm: 'EdDSA', curve: 'Ed25519', seed: new Uint8Array(32) }, 'ERR_INVALID_REQUEST'],
    [null, 'ERR_INVALID_REQUEST'],
  ])('%o throws %s synchronously', async (spec, code) => {
    let threw: unknown
    try {
      generateKeySync(spec as never)
    } catch (err) {
      threw = err
    }
    expect((threw as { code?: string })?.code).toBe(code)
    await expectCode(() => generateKeySync(spec as never), code)
  })

  it.runIf(!PQ)('ML-KEM without OpenSSL 3.5 throws ERR_NOT_SUPPORTED_ON_PLATFORM', async () => {
    await expectCode(
      () => generateKeySync({ algorithm: 'ML-KEM', parameterSet: '768' }),
      'ERR_NOT_SUPPORTED_ON_PLATFORM',
    )
  })

  it.runIf(PQ)('ML-KEM-768 from a Wycheproof seed gives exactly the vector’s keys', () => {
    const file = readWycheproof<{
      testGroups: { tests: { seed: string; ek: string }[] }[]
    }>('mlkem_768_keygen_seed_test.json')
    const t = file.testGroups[0]?.tests[0]
    if (!t) throw new Error('the vector file has no tests')
    const kp = generateKeySync({ algorithm: 'ML-KEM', parameterSet: '768', seed: Buffer.from(t.seed, 'hex') })
    const blob = kp.publicKey.export({ format: 'blob' })
    expect(blob.subarray(blob.length - t.ek.length / 2).toString('hex')).toBe(t.ek)
    kp.destroy()
  })

  it.runIf(NODE_PQ)(
    'ML-DSA-65 signs and verifies in node:crypto (node:crypto has ML-DSA/ML-KEM from Node 24; on Node 22 pq-noble.test.ts checks the keys)',
    () => {
      const kp = generateKeySync({ algorithm: 'ML-DSA', parameterSet: '65' })
      const msg = Buffer.from('sync ml-dsa')
      expect(verify(null, msg, kp.publicKey.toKeyObject(), sign(null, msg, kp.toKeyObject()))).toBe(true)
      kp.destroy()
    },
  )

  it('extractable: false keeps the private key in native code', async () => {
    const kp = generateKeySync({ algorithm: 'ECDSA', curve: 'P-256', extractable: false })
    expect(kp.extractable).toBe(false)
    await expectCode(() => kp.export({ format: 'jwk' }), 'ERR_NOT_EXTRACTABLE')
    expect(kp.publicKey.export({ format: 'jwk' }).crv).toBe('P-256')
    kp.destroy()
  })
})

describe('kept specs', () => {
  it('a cached spec never lets a variant with a bad field through', async () => {
    generateKeySync({ algorithm: 'ECDSA_P256' }).destroy()
    generateKeySync({ algorithm: 'ECDSA', curve: 'P-256', length: 256 }).destroy()
    // the same values with other types, or one field more, are checked again
    await expectCode(() => generateKeySync({ algorithm: 'ECDSA_P256', curve: '' }), 'ERR_UNSUPPORTED_ALGORITHM')
    await expectCode(
      () => generateKeySync({ algorithm: 'ECDSA', curve: 'P-256', length: '256' as never }),
      'ERR_KEY_LENGTH',
    )
    await expectCode(() => generateKeySync({ algorithm: 'ECDSA_P256', validate: 1 as never }), 'ERR_INVALID_REQUEST')
    await expectCode(() => generateKeySync({ algorithm: 'ECDSA_P256', other: true } as never), 'ERR_INVALID_REQUEST')
    await expectCode(generateKey({ algorithm: 'ECDSA', curve: 'P-256', length: 384 }), 'ERR_KEY_LENGTH')
  })

  it('reads each field of the spec once (a getter cannot change the spec after it is checked)', () => {
    let reads = 0
    const spec = {
      get algorithm() {
        reads++
        return reads === 1 ? 'ECDSA' : 'RSA'
      },
      curve: 'P-384',
    }
    const kp = generateKeySync(spec as never)
    expect(kp.algorithm).toBe('ECDSA_P384')
    expect(reads).toBe(1)
    kp.destroy()
  })

  it('keeps at most 256 resolved specs; later specs still work, resolved each time', () => {
    const aliases = ['P-256', 'P256', 'nistP256', 'secp256r1', 'prime256v1']
    const flags = [undefined, true, false]
    let made = 0
    for (const algorithm of ['ECDSA', 'ECDH']) {
      for (const curve of aliases) {
        for (const length of [undefined, 256]) {
          for (const extractable of flags) {
            for (const validate of flags) {
              const kp = generateKeySync({ algorithm, curve, length, extractable, validate })
              expect(kp.algorithm).toBe(algorithm === 'ECDSA' ? 'ECDSA_P256' : 'ECDH_P256')
              expect(kp.extractable).toBe(extractable ?? true)
              kp.destroy()
              made++
            }
          }
        }
      }
    }
    expect(made).toBe(180)
    const before = keptSpecCount()
    for (const curve of aliases) {
      for (const length of [undefined, 256]) {
        for (const extractable of flags) {
          for (const validate of flags) {
            generateKeySync({
              algorithm: 'ECDSA',
              curve,
              length,
              extractable,
              validate,
              noKeyValidation: false,
            }).destroy()
          }
        }
      }
    }
    expect(keptSpecCount()).toBe(256)
    expect(before).toBeLessThanOrEqual(256)
  })

  it('native prepare(): ids work in every entry point; seeds, bad specs and unknown ids are refused', async () => {
    const b = native()
    const id = b.prepare({ algorithm: 'EdDSA', curve: 'Ed25519', length: 255, extractable: true })
    expect(Number.isInteger(id)).toBe(true)
    const one = b.generateSync(id)
    const two = await b.generate(id)
    const batch = await b.generateBatch(id, 3)
    for (const k of [one, two, ...batch]) {
      if (k instanceof Error) throw k
      expect(k.exportBlob('private').length).toBeGreaterThan(0)
      k.destroy()
    }
    await expectCode(() => b.generateSync(1e9), 'ERR_INVALID_REQUEST')
    await expectCode(() => b.generateSync(-1), 'ERR_INVALID_REQUEST')
    await expectCode(() => b.generateSync(0.5), 'ERR_INVALID_REQUEST')
    await expectCode(() => b.generate(1e9), 'ERR_INVALID_REQUEST')
    await expectCode(
      () =>
        b.prepare({
          algorithm: 'ML-KEM',
          parameterSet: '768',
          length: 768,
          extractable: true,
          seed: new Uint8Array(64),
        }),
      'ERR_INVALID_REQUEST',
    )
    await expectCode(() => b.prepare(null as never), 'ERR_INVALID_REQUEST')
    // a prepared spec the provider refuses fails when used, with the provider's code
    const bad = b.prepare({ algorithm: 'NOPE', length: 0, extractable: true })
    await expectCode(() => b.generateSync(bad), 'ERR_UNSUPPORTED_ALGORITHM')
  })
})
