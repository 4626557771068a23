/**
 * generateKeys(spec, count, exportOptions): many keys returned exported, no
 * handle reaching JS. Each export is the key KeyPair.export would give (node,
 * jose and openssl take it and it works), the options are refused with
 * export()'s codes before any key is made, nothing is left live natively, and
 * the buffers the private blobs crossed in are wiped.
 */
import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, sign, verify } from 'node:crypto'
import { ml_dsa44 } from '@noble/post-quantum/ml-dsa.js'
import { ml_kem512 } from '@noble/post-quantum/ml-kem.js'
import { importJWK, jwtVerify, SignJWT } from 'jose'
import { afterEach, describe, expect, it } from 'vitest'
import { scheduleBulkBlobs } from '../src/generate/scheduler.js'
import { specEntry } from '../src/generate/spec-cache.js'
import { generateKeySync, generateKeys, type Jwk } from '../src/index.js'
import { native } from '../src/native.js'
import { expectCode, hasPostQuantum, nodeCryptoHasPostQuantum, opensslCheck, readWycheproof } from './helpers.js'

const PQ = hasPostQuantum()
const live = (): number => native().liveHandles().process
const msg = Buffer.from('bulk export')

describe('generateKeys with export options', () => {
  it('300 P-256 private JWKs: distinct, each signs and verifies through node:crypto, no handle left', async () => {
    const before = live()
    const jwks = await generateKeys({ algorithm: 'ECDSA', curve: 'P-256' }, 300, { format: 'jwk' })
    expect(live()).toBe(before)
    expect(jwks).toHaveLength(300)
    expect(new Set(jwks.map((j) => j.d)).size).toBe(300)
    for (const j of jwks) {
      expect(Object.keys(j).sort()).toEqual(['crv', 'd', 'kty', 'x', 'y'])
      expect(j.crv).toBe('P-256')
      expect(Buffer.from(j.d as string, 'base64url')).toHaveLength(32)
    }
    for (const j of [jwks[0], jwks[150], jwks[299]] as Jwk[]) {
      const priv = createPrivateKey({ key: j as never, format: 'jwk' })
      const { d: _d, ...pub } = j
      const sig = sign('sha256', msg, priv)
      expect(verify('sha256', msg, createPublicKey({ key: pub as never, format: 'jwk' }), sig)).toBe(true)
    }
  })

  it('Ed25519 JWKs sign a JWT with jose; X25519 JWKs agree with a node:crypto peer', async () => {
    const eds = await generateKeys({ algorithm: 'EdDSA', curve: 'Ed25519' }, 40, { format: 'jwk' })
    expect(new Set(eds.map((j) => j.x)).size).toBe(40)
    const key = await importJWK({ ...(eds[7] as Jwk), alg: 'EdDSA' } as never, 'EdDSA')
    const { d: _d, ...pub } = eds[7] as Jwk
    const jwt = await new SignJWT({ n: 7 }).setProtectedHeader({ alg: 'EdDSA' }).sign(key)
    const { payload } = await jwtVerify(jwt, await importJWK({ ...pub, alg: 'EdDSA' } as never, 'EdDSA'))
    expect(payload.n).toBe(7)

    const xs = await generateKeys({ algorithm: 'ECDH', curve: 'X25519' }, 40, { format: 'jwk' })
    const peer = generateKeyPairSync('x25519')
    const mine = createPrivateKey({ key: xs[39] as never, format: 'jwk' })
    const ours = diffieHellman({ privateKey: mine, publicKey: peer.publicKey })
    const theirs = diffieHellman({ privateKey: peer.privateKey, publicKey: createPublicKey(mine) })
    expect(ours.equals(theirs)).toBe(true)
    expect(ours).toHaveLength(32)
  })

  it.each([
    [{ algorithm: 'ECDSA', curve: 'P-384' }, 'ec'],
    [{ algorithm: 'ECDH', curve: 'P-521' }, 'ec'],
    [{ algorithm: 'EdDSA', curve: 'Ed448' }, 'ed448'],
    [{ algorithm: 'ECDH', curve: 'X448' }, 'x448'],
  ])('%o as PKCS#8 PEM: openssl pkey -check passes, node reads a %s key', async (spec, type) => {
    const pems = await generateKeys(spec as never, 3, { format: 'pem' })
    expect(new Set(pems).size).toBe(3)
    for (const pem of pems) {
      expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/)
      expect(createPrivateKey(pem).asymmetricKeyType).toBe(type)
      expect(opensslCheck(pem, 'private')).toMatch(/valid/i)
    }
  })

  it('der (sec1), an encrypted PKCS#8 PEM and blobs are the forms KeyPair.export gives', async () => {
    const spec = { algorithm: 'ECDSA', curve: 'P-256' } as const
    const ders = await generateKeys(spec, 4, { format: 'der', type: 'sec1' })
    for (const der of ders) {
      expect(Buffer.isBuffer(der)).toBe(true)
      expect(createPrivateKey({ key: der, format: 'der', type: 'sec1' }).asymmetricKeyDetails?.namedCurve).toBe(
        'prime256v1',
      )
    }
    const [enc] = await generateKeys(spec, 1, { format: 'pem', passphrase: 'correct horse', kdf: 'pbkdf2' })
    expect(enc).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----\n/)
    expect(createPrivateKey({ key: enc as string, passphrase: 'correct horse' }).asymmetricKeyType).toBe('ec')

    // the blob format: each Buffer the key's own (not wiped with the transfer buffer), as export({format:'blob'}) lays it out
    const blobs = await generateKeys(spec, 5, { format: 'blob' })
    const one = generateKeySync(spec)
    const layout = one.export({ format: 'blob' })
    one.destroy()
    for (const b of blobs) {
      expect(b).toHaveLength(layout.length)
      expect(b.subarray(0, 8).equals(layout.subarray(0, 8))).toBe(true) // magic and cbKey
      expect(b.subarray(8).some((x) => x !== 0)).toBe(true)
    }
    expect(new Set(blobs.map((b) => b.toString('hex'))).size).toBe(5)
    // each its own memory, not a slice of Node's shared pool: wiping one wipes nothing else
    for (const b of blobs) expect(b.byteOffset === 0 && b.buffer.byteLength === b.length).toBe(true)
  })

  it('OpenSSH private keys for Ed25519', async () => {
    const keys = await generateKeys({ algorithm: 'EdDSA', curve: 'Ed25519' }, 2, {
      format: 'openssh',
      comment: 'bulk@test',
    })
    for (const k of keys) expect(k).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----\n/)
    expect(keys[0]).not.toBe(keys[1])
  })

  it('RSA (one work item per key, through handles) gives PEMs that pass openssl pkey -check; no handle left', async () => {
    const before = live()
    const pems = await generateKeys({ algorithm: 'RSA', length: 1024 }, 2, { format: 'pem', type: 'pkcs1' })
    expect(live()).toBe(before)
    for (const pem of pems) {
      expect(pem).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n/)
      expect(createPrivateKey(pem).asymmetricKeyDetails?.modulusLength).toBe(1024)
      expect(opensslCheck(pem, 'private')).toMatch(/valid/i)
    }
  })

  it.runIf(PQ)(
    'ML-DSA-44 and ML-KEM-512 JWKs: seed and public key agree by FIPS 204 / 203 (noble), and the keys work',
    async () => {
      const msg = Buffer.from('bulk ML-DSA')
      for (const j of await generateKeys({ algorithm: 'ML-DSA', parameterSet: '44' }, 3, { format: 'jwk' })) {
        expect(j.kty).toBe('AKP')
        const seed = Buffer.from(j.priv as string, 'base64url')
        const pub = Buffer.from(j.pub as string, 'base64url')
        expect(seed).toHaveLength(32)
        const keys = ml_dsa44.keygen(seed)
        expect(Buffer.from(keys.publicKey).equals(pub)).toBe(true)
        expect(ml_dsa44.verify(ml_dsa44.sign(msg, keys.secretKey), msg, pub)).toBe(true)
      }
      for (const j of await generateKeys({ algorithm: 'ML-KEM', parameterSet: '512' }, 3, { format: 'jwk' })) {
        const seed = Buffer.from(j.priv as string, 'base64url')
        const pub = Buffer.from(j.pub as string, 'base64url')
        expect(seed).toHaveLength(64)
        const keys = ml_kem512.keygen(seed)
        expect(Buffer.from(keys.publicKey).equals(pub)).toBe(true)
        const { cipherText, sharedSecret } = ml_kem512.encapsulate(pub)
        expect(Buffer.from(ml_kem512.decapsulate(cipherText, keys.secretKey)).equals(Buffer.from(sharedSecret))).toBe(
          true,
        )
      }
      const seeds = await generateKeys({ algorithm: 'ML-KEM', parameterSet: '512' }, 3, {
        format: 'blob',
        type: 'seed',
      })
      expect(new Set(seeds.map((s) => s.toString('hex'))).size).toBe(3)
    },
  )

  it.runIf(PQ)(
    'ML-KEM-512 PKCS#8: the seed-only form (node:crypto reads it where it has ML-KEM: Node 24+)',
    async () => {
      const ders = await generateKeys({ algorithm: 'ML-KEM', parameterSet: '512' }, 2, { format: 'der' })
      for (const der of ders) {
        // SEQUENCE { 0, AlgorithmIdentifier { id-alg-ml-kem-512 }, OCTET STRING { [0] seed (64) } }
        expect(der).toHaveLength(86)
        expect(der.subarray(0, 22).toString('hex')).toBe('3054020100300b060960864801650304040104428040')
        if (nodeCryptoHasPostQuantum()) {
          expect(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }).asymmetricKeyType).toBe('ml-kem-512')
        }
      }
    },
  )

  it.runIf(PQ)('a seeded ML-KEM-512 key with count 1 exports as the Wycheproof vector’s key', async () => {
    const file = readWycheproof<{ testGroups: { tests: { seed: string; ek: string }[] }[] }>(
      'mlkem_512_keygen_seed_test.json',
    )
    const t = file.testGroups[0]?.tests[0]
    if (!t) throw new Error('the vector file has no tests')
    const [blob] = await generateKeys(
      { algorithm: 'ML-KEM', parameterSet: '512', seed: Buffer.from(t.seed, 'hex') },
      1,
      {
        format: 'blob',
        type: 'seed',
      },
    )
    const [pem] = await generateKeys(
      { algorithm: 'ML-KEM', parameterSet: '512', seed: Buffer.from(t.seed, 'hex') },
      1,
      {
        format: 'pem',
      },
    )
    const spki = createPublicKey(pem as string).export({ format: 'der', type: 'spki' })
    expect(spki.subarray(spki.length - t.ek.length / 2).toString('hex')).toBe(t.ek)
    expect((blob as Buffer).subarray((blob as Buffer).length - 64).toString('hex')).toBe(t.seed)
  })
})

describe('KeyPair.export through the shared plan', () => {
  it.runIf(PQ)(
    'an ML-KEM export whose seed blob fails wipes the private blob it already had, and throws the error',
    () => {
      const key = generateKeySync({ algorithm: 'ML-KEM', parameterSet: '512' })
      const probe = native().generateSync({ algorithm: 'ECDSA_P256', length: 256, extractable: true })
      const proto = Object.getPrototypeOf(probe) as { exportBlob(kind: string): Buffer }
      probe.destroy()
      const real = proto.exportBlob
      const handed: Buffer[] = []
      proto.exportBlob = function (this: unknown, kind: string): Buffer {
        if (kind === 'seed') throw Object.assign(new Error('seed export failed'), { code: 'ERR_PROVIDER' })
        const b = real.call(this, kind)
        handed.push(b)
        return b
      }
      try {
        expect(() => key.export({ format: 'jwk' })).toThrow('seed export failed')
      } finally {
        proto.exportBlob = real
        key.destroy()
      }
      expect(handed).toHaveLength(1)
      expect(handed[0]?.length).toBeGreaterThan(8)
      expect(handed[0]?.every((x) => x === 0)).toBe(true)
    },
  )
})

describe('generateKeys with export options refuses before any key is made', () => {
  const b = native() as unknown as Record<string, unknown>
  const original = b.generateBlobs
  afterEach(() => {
    b.generateBlobs = original
  })
  const counted = (): { calls: number } => {
    const c = { calls: 0 }
    const real = original as (...a: unknown[]) => Promise<Buffer>
    b.generateBlobs = (...a: unknown[]) => {
      c.calls++
      return real.apply(b, a)
    }
    return c
  }

  it.each([
    [{ algorithm: 'ECDSA', curve: 'P-256' }, { format: 'xml' }, 'ERR_INVALID_REQUEST'],
    [{ algorithm: 'ECDSA', curve: 'P-256' }, { format: 'jwk', bogus: 1 }, 'ERR_INVALID_REQUEST'],
    [{ algorithm: 'ECDSA', curve: 'P-256' }, null, 'ERR_INVALID_REQUEST'],
    [{ algorithm: 'ECDSA', curve: 'P-256' }, { format: 'pem', type: 'pkcs1' }, 'ERR_UNSUPPORTED_FORMAT'],
    [{ algorithm: 'ECDH', curve: 'X25519' }, { format: 'openssh' }, 'ERR_UNSUPPORTED_FORMAT'],
    [{ algorithm: 'ECDSA', curve: 'P-256' }, { format: 'blob', type: 'seed' }, 'ERR_UNSUPPORTED_FORMAT'],
    [{ algorithm: 'ECDSA', curve: 'P-256' }, { format: 'blob', passphrase: 'x' }, 'ERR_INVALID_REQUEST'],
    [{ algorithm: 'ECDSA', curve: 'P-256', extractable: false }, { format: 'jwk' }, 'ERR_NOT_EXTRACTABLE'],
    [{ algorithm: 'RSA', length: 1024, extractable: false }, { format: 'pem' }, 'ERR_NOT_EXTRACTABLE'],
    [{ algorithm: 'ECDSA', curve: 'P-256' }, { format: 'pem', passphrase: '' }, 'ERR_INVALID_REQUEST'],
  ])('%o with %o: %s, and no key made', async (spec, options, code) => {
    const c = counted()
    const before = live()
    await expectCode(generateKeys(spec as never, 3, options as never), code)
    expect(c.calls).toBe(0)
    expect(live()).toBe(before)
  })

  it('the count is checked as without options', async () => {
    await expectCode(generateKeys({ algorithm: 'ECDSA', curve: 'P-256' }, 0, { format: 'jwk' }), 'ERR_INVALID_REQUEST')
  })
})

describe('the blobs path wipes what it was given, and is all or nothing', () => {
  const b = native() as unknown as Record<string, unknown>
  const original = b.generateBlobs
  afterEach(() => {
    b.generateBlobs = original
  })

  it('every blob handed to the encoder is zero once scheduleBulkBlobs returns; the results come back in order', async () => {
    const seen: Buffer[] = []
    const out = await scheduleBulkBlobs(specEntry({ algorithm: 'ECDSA', curve: 'P-256' }), 20, ['private'], (blobs) => {
      expect(blobs[0]?.some((x) => x !== 0)).toBe(true)
      seen.push(blobs[0] as Buffer)
      return seen.length
    })
    expect(out).toHaveLength(20)
    expect(new Set(out).size).toBe(20)
    expect(seen).toHaveLength(20)
    for (const s of seen) expect(s.every((x) => x === 0)).toBe(true)
  })

  it('an encoder that throws rejects the call, and every buffer is still wiped', async () => {
    const seen: Buffer[] = []
    let n = 0
    await expect(
      scheduleBulkBlobs(specEntry({ algorithm: 'EdDSA', curve: 'Ed25519' }), 300, ['private'], (blobs) => {
        seen.push(blobs[0] as Buffer)
        if (++n === 5) throw new Error('encoder failed')
        return n
      }),
    ).rejects.toThrow('encoder failed')
    expect(seen.length).toBeGreaterThanOrEqual(5)
    for (const s of seen) expect(s.every((x) => x === 0)).toBe(true)
  })

  it('when one work item fails, the call rejects with its error and the buffers of the others are wiped', async () => {
    const made: Buffer[] = []
    let calls = 0
    const real = original as (...a: unknown[]) => Promise<Buffer>
    b.generateBlobs = async (...a: unknown[]) => {
      calls++
      if (calls === 2) throw Object.assign(new Error('work item lost'), { code: 'ERR_PROVIDER' })
      const buf = await real.apply(b, a)
      made.push(buf)
      return buf
    }
    const err = await expectCode(
      generateKeys({ algorithm: 'EdDSA', curve: 'Ed25519' }, 600, { format: 'jwk' }),
      'ERR_PROVIDER',
    )
    expect(err.message).toContain('work item lost')
    expect(calls).toBeGreaterThanOrEqual(2)
    expect(made.length).toBeGreaterThanOrEqual(1)
    for (const buf of made) expect(buf.every((x) => x === 0)).toBe(true)
  })

  it('native generateBlobs: bad counts and kinds are ERR_INVALID_REQUEST, a non-extractable spec ERR_NOT_EXTRACTABLE', async () => {
    const n = native() as unknown as {
      generateBlobs(spec: unknown, count: unknown, kinds: unknown): Promise<Buffer>
    }
    const spec = { algorithm: 'ECDSA_P256', length: 256, extractable: true }
    for (const [count, kinds] of [
      [0, 'p'],
      [4097, 'p'],
      [1.5, 'p'],
      [2, ''],
      [2, 'x'],
      [2, 'pppp'],
      [2, undefined],
    ]) {
      await expectCode(() => n.generateBlobs(spec, count, kinds), 'ERR_INVALID_REQUEST')
    }
    await expectCode(() => n.generateBlobs({ ...spec, extractable: false }, 2, 'p'), 'ERR_NOT_EXTRACTABLE')
    // public blobs of a non-extractable spec are allowed: they hold no secret
    const pub = await n.generateBlobs({ ...spec, extractable: false }, 2, 'u')
    expect(pub.readUInt32LE(0)).toBe(72) // BCRYPT_ECCKEY_BLOB header (8) + X (32) + Y (32)
    expect(pub).toHaveLength(2 * (4 + 72))
  })
})
