/**
 * The blob converter against malformed input (only ERR_INVALID_BLOB, never
 * another error), the documented layouts byte by byte, and the export
 * options' typed errors.
 */
import { describe, expect, it } from 'vitest'
import { parseBlob, writeBlob } from '../src/formats/index.js'
import { generateKey, type KeyPair } from '../src/index.js'
import { expectCode } from './helpers.js'

const u32 = (v: number): Buffer => {
  const b = Buffer.alloc(4)
  b.writeUInt32LE(v >>> 0)
  return b
}
const magic = (s: string): Buffer => Buffer.from(s, 'latin1')

const samples: { name: string; blob: Buffer; curve?: string }[] = []

async function sampleBlobs(): Promise<typeof samples> {
  if (samples.length) return samples
  const specs = [
    { algorithm: 'RSA', length: 1024 },
    { algorithm: 'ECDSA_P384' },
    { algorithm: 'ECDH_P521' },
    { algorithm: 'ECDSA', curve: 'secp256k1' },
    { algorithm: 'ECDH', curve: 'X25519' },
    { algorithm: 'EdDSA', curve: 'Ed448' },
    { algorithm: 'DSA', length: 1024 },
    { algorithm: 'DSA', length: 2048 },
    { algorithm: 'DH', length: 768 },
  ]
  for (const spec of specs) {
    const k: KeyPair = await generateKey(spec)
    const curve = k.curve
    samples.push({ name: `${spec.algorithm} private`, blob: k.export({ format: 'blob' }), ...(curve ? { curve } : {}) })
    samples.push({
      name: `${spec.algorithm} public`,
      blob: k.publicKey.export({ format: 'blob' }),
      ...(curve ? { curve } : {}),
    })
    k.destroy()
  }
  return samples
}

describe('documented layouts', () => {
  it('RSA full private blob: header {RSA3, BitLength, cbPublicExp, cbModulus, cbPrime1, cbPrime2}; e n p q dp dq qi d', async () => {
    const k = await generateKey({ algorithm: 'RSA', length: 2048 })
    const b = k.export({ format: 'blob' })
    expect(b.subarray(0, 4).toString('latin1')).toBe('RSA3')
    expect([b.readUInt32LE(4), b.readUInt32LE(8), b.readUInt32LE(12), b.readUInt32LE(16), b.readUInt32LE(20)]).toEqual([
      2048, 3, 256, 128, 128,
    ])
    expect(b.length).toBe(24 + 3 + 256 + 5 * 128 + 256)
    expect(b.subarray(24, 27).toString('hex')).toBe('010001')
    const jwk = k.export({ format: 'jwk' })
    expect(b.subarray(27, 27 + 256).toString('base64url')).toBe(jwk.n)
    // d: the blob pads it to cbModulus; the JWK has it without leading zero bytes
    const d = b.subarray(b.length - 256)
    let z = 0
    while (d[z] === 0) z++
    expect(Buffer.from(d.subarray(z)).equals(Buffer.from(jwk.d as string, 'base64url'))).toBe(true)
    const pub = k.publicKey.export({ format: 'blob' })
    expect(pub.subarray(0, 4).toString('latin1')).toBe('RSA1')
    expect(pub.readUInt32LE(16)).toBe(0)
    expect(pub.length).toBe(24 + 3 + 256)
  })

  it('ECC blob: {ECS2, cbKey}; X Y d, each cbKey bytes (P-521: 66)', async () => {
    const k = await generateKey({ algorithm: 'ECDSA_P521' })
    const b = k.export({ format: 'blob' })
    expect(b.subarray(0, 4).toString('latin1')).toBe('ECS6')
    expect(b.readUInt32LE(4)).toBe(66)
    expect(b.length).toBe(8 + 3 * 66)
    const jwk = k.export({ format: 'jwk' })
    expect(b.subarray(8, 74).toString('base64url')).toBe(jwk.x)
    expect(b.subarray(74, 140).toString('base64url')).toBe(jwk.y)
    expect(b.subarray(140).toString('base64url')).toBe(jwk.d)
  })

  it('OKP keys: the ECC layout with Y left out (Ed25519: ECDV, 32; X448: ECKV, 56)', async () => {
    const ed = await generateKey({ algorithm: 'EdDSA', curve: 'Ed25519' })
    const b = ed.export({ format: 'blob' })
    expect([b.subarray(0, 4).toString('latin1'), b.readUInt32LE(4), b.length]).toEqual(['ECDV', 32, 8 + 64])
    const x = await generateKey({ algorithm: 'ECDH', curve: 'X448' })
    const p = x.publicKey.export({ format: 'blob' })
    expect([p.subarray(0, 4).toString('latin1'), p.readUInt32LE(4), p.length]).toEqual(['ECKP', 56, 8 + 56])
    // with a (CNG-style) Y field present, the parser still reads it
    const withY = Buffer.concat([p.subarray(0, 8 + 56), Buffer.alloc(56)])
    expect(parseBlob(withY, { curve: 'X448' }).material).toEqual(parseBlob(p, { curve: 'X448' }).material)
  })

  it('DSA v2 blob: {DPV2, cbKey, hash SHA-256, FIPS 186-3, cbSeedLength, cbGroupSize, Count}; seed q P G Y X', async () => {
    const k = await generateKey({ algorithm: 'DSA', length: 2048 })
    const b = k.export({ format: 'blob' })
    expect(b.subarray(0, 4).toString('latin1')).toBe('DPV2')
    expect([b.readUInt32LE(4), b.readUInt32LE(8), b.readUInt32LE(12), b.readUInt32LE(16), b.readUInt32LE(20)]).toEqual([
      256, 1, 1, 32, 32,
    ])
    expect(b.length).toBe(28 + 32 + 32 + 3 * 256 + 32)
  })

  it('ML-KEM / ML-DSA blobs: {magic, cbParameterSet, cbKey}; UTF-16 name with NUL; key', () => {
    const blob = writeBlob({ type: 'ML-KEM', parameterSet: '768', pub: new Uint8Array(1184).fill(7) }, 'public')
    const b = Buffer.from(blob)
    expect(b.subarray(0, 4).toString('latin1')).toBe('MLKP')
    expect([b.readUInt32LE(4), b.readUInt32LE(8)]).toEqual([8, 1184])
    expect(b.subarray(12, 20).toString('hex')).toBe('3700360038000000')
    const seed = writeBlob({ type: 'ML-DSA', parameterSet: '44', seed: new Uint8Array(32) }, 'seed')
    expect(Buffer.from(seed).subarray(0, 4).toString('latin1')).toBe('DSSS')
    expect(parseBlob(seed).material).toEqual({ type: 'ML-DSA', parameterSet: '44', seed: new Uint8Array(32) })
  })

  it('an RSA2 (private without CRT values) blob is completed to the full key', async () => {
    const k = await generateKey({ algorithm: 'RSA', length: 1024 })
    const full = k.export({ format: 'blob' })
    const cbE = full.readUInt32LE(8)
    const cbN = full.readUInt32LE(12)
    const cbP = full.readUInt32LE(16)
    const rsa2 = Buffer.concat([magic('RSA2'), full.subarray(4, 24 + cbE + cbN + 2 * cbP)])
    const done = parseBlob(rsa2).material
    const orig = parseBlob(full).material
    if (done.type !== 'RSA' || orig.type !== 'RSA') throw new Error('not RSA')
    // dp, dq and qi are unique; d may differ by a multiple of λ(n), so check e·d ≡ 1 (mod λ(n))
    for (const c of ['dp', 'dq', 'qi'] as const)
      expect(Buffer.from(done[c] as Uint8Array)).toEqual(Buffer.from(orig[c] as Uint8Array))
    const big = (b?: Uint8Array) => BigInt(`0x${Buffer.from(b as Uint8Array).toString('hex')}`)
    const [p, q, e, d] = [big(done.p), big(done.q), big(done.e), big(done.d)]
    const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? a : gcd(b, a % b))
    const lambda = ((p - 1n) * (q - 1n)) / gcd(p - 1n, q - 1n)
    expect((e * d) % lambda).toBe(1n)
    expect(p * q).toBe(big(done.n))
  })
})

describe('malformed blobs → ERR_INVALID_BLOB and nothing else', () => {
  it('every truncation of every sample blob', async () => {
    for (const s of await sampleBlobs()) {
      for (let n = 0; n < s.blob.length; n++) {
        await expectCode(() => parseBlob(s.blob.subarray(0, n), { curve: s.curve }), 'ERR_INVALID_BLOB')
      }
    }
  })

  it('a trailing byte, and every header length field set to 0, 1, 0x7fffffff and 0xffffffff', async () => {
    for (const s of await sampleBlobs()) {
      await expectCode(() => parseBlob(Buffer.concat([s.blob, Buffer.of(0)]), { curve: s.curve }), 'ERR_INVALID_BLOB')
      const headerWords = s.name.startsWith('RSA') ? 5 : s.name.startsWith('DSA') ? 6 : 1
      for (let w = 1; w <= headerWords; w++) {
        for (const v of [0, 1, 0x7fffffff, 0xffffffff]) {
          const bad = Buffer.from(s.blob)
          if (bad.readUInt32LE(w * 4) === v) continue
          bad.writeUInt32LE(v, w * 4)
          let caught: unknown
          try {
            parseBlob(bad, { curve: s.curve })
          } catch (err) {
            caught = err
          }
          // a changed header either stays self-consistent (RSA2 words that are ignored for RSA1) or is refused
          if (caught !== undefined)
            expect((caught as { code?: string }).code, `${s.name} word ${w} = ${v}`).toBe('ERR_INVALID_BLOB')
        }
      }
    }
  })

  it('unknown magics, non-bytes, and named-curve blobs without their curve', async () => {
    await expectCode(() => parseBlob(Buffer.concat([magic('XXXX'), u32(32), Buffer.alloc(64)])), 'ERR_INVALID_BLOB')
    await expectCode(() => parseBlob('RSA1' as never), 'ERR_INVALID_BLOB')
    await expectCode(() => parseBlob(Buffer.alloc(0)), 'ERR_INVALID_BLOB')
    const k = await generateKey({ algorithm: 'ECDSA', curve: 'secp256k1' })
    const b = k.export({ format: 'blob' })
    await expectCode(() => parseBlob(b), 'ERR_INVALID_BLOB')
    await expectCode(() => parseBlob(b, { curve: 'X25519' }), 'ERR_INVALID_BLOB')
    await expectCode(() => parseBlob(b, { curve: 'P-384' }), 'ERR_INVALID_BLOB')
    expect(parseBlob(b, { curve: 'secP256k1' }).material.type).toBe('EC')
  })

  it('PQ blobs with a bad parameter set, size or terminator', async () => {
    const good = Buffer.from(writeBlob({ type: 'ML-KEM', parameterSet: '512', pub: new Uint8Array(800) }, 'public'))
    expect(parseBlob(good).kind).toBe('public')
    const name = (s: string) => Buffer.from(`${s}\0`, 'utf16le')
    const build = (m: string, set: Buffer, key: number) =>
      Buffer.concat([magic(m), u32(set.length), u32(key), set, Buffer.alloc(key)])
    await expectCode(() => parseBlob(build('MLKP', name('513'), 800)), 'ERR_INVALID_BLOB')
    await expectCode(() => parseBlob(build('MLKP', name('512'), 801)), 'ERR_INVALID_BLOB')
    await expectCode(() => parseBlob(build('MLKS', name('512'), 32)), 'ERR_INVALID_BLOB')
    await expectCode(() => parseBlob(build('DSSS', name('44'), 64)), 'ERR_INVALID_BLOB')
    await expectCode(() => parseBlob(build('MLKP', Buffer.from('512\0', 'latin1'), 800)), 'ERR_INVALID_BLOB')
    await expectCode(
      () => parseBlob(build('MLKP', Buffer.of(0x35, 0x01, 0x31, 0, 0x32, 0, 0, 0), 800)),
      'ERR_INVALID_BLOB',
    )
  })

  it('an RSA2 blob whose p·q is not n', async () => {
    const k = await generateKey({ algorithm: 'RSA', length: 1024 })
    const full = k.export({ format: 'blob' })
    const cbN = full.readUInt32LE(12)
    const cbP = full.readUInt32LE(16)
    const rsa2 = Buffer.concat([magic('RSA2'), full.subarray(4, 24 + 3 + cbN + 2 * cbP)])
    rsa2.writeUInt8((rsa2.at(-1) as number) ^ 2, rsa2.length - 1)
    await expectCode(() => parseBlob(rsa2), 'ERR_INVALID_BLOB')
  })
})

describe('export options', () => {
  it.each([
    [undefined, 'ERR_INVALID_REQUEST'],
    ['pem', 'ERR_INVALID_REQUEST'],
    [{}, 'ERR_INVALID_REQUEST'],
    [{ format: 'xml' }, 'ERR_INVALID_REQUEST'],
    [{ format: 'openssh', rounds: 4 }, 'ERR_INVALID_REQUEST'],
    [{ format: 'pem', type: 'spki' }, 'ERR_INVALID_REQUEST'],
    [{ format: 'pem', type: 'sec1' }, 'ERR_UNSUPPORTED_FORMAT'],
    [{ format: 'der', type: 7 }, 'ERR_INVALID_REQUEST'],
    [{ format: 'jwk', type: 'pkcs8' }, 'ERR_INVALID_REQUEST'],
    [{ format: 'blob', type: 'seed' }, 'ERR_UNSUPPORTED_FORMAT'],
    [{ format: 'blob', type: 'pkcs8' }, 'ERR_INVALID_REQUEST'],
    [{ format: 'pem', passphrase: '' }, 'ERR_INVALID_REQUEST'],
    [{ format: 'jwk', passphrase: 'x' }, 'ERR_INVALID_REQUEST'],
  ])('RSA private export(%o) → %s', async (options, code) => {
    const k = await generateKey({ algorithm: 'RSA', length: 1024 })
    await expectCode(() => k.export(options as never), code)
  })

  it.each([
    [{ format: 'pem', type: 'pkcs8' }, 'ERR_UNSUPPORTED_FORMAT'],
    [{ format: 'pem', type: 'pkcs1' }, 'ERR_UNSUPPORTED_FORMAT'],
    [{ format: 'jwk', type: 'spki' }, 'ERR_INVALID_REQUEST'],
    [{ format: 'openssh', comment: 'a\nb' }, 'ERR_UNSUPPORTED_FORMAT'],
    [{ format: 'pem', comment: 'x' }, 'ERR_INVALID_REQUEST'],
    [{ format: 'openssh', comment: 5 }, 'ERR_INVALID_REQUEST'],
  ])('EC public export(%o) → %s', async (options, code) => {
    const k = await generateKey({ algorithm: 'ECDSA_P256' })
    await expectCode(() => k.publicKey.export(options as never), code)
  })
})
