/**
 * Generation options (issue 16 item 5): RSA publicExponent, DH named groups,
 * DSA divisorLength. Judged by node:crypto (the exported key's
 * asymmetricKeyDetails, node's own groups, sign/verify and DH derive with
 * node's keys) and the openssl CLI (`pkey -check`, the group it recognises
 * in `pkey -text`); every bad value gets its typed error, from the
 * TypeScript layer and again from the native layer's re-check.
 */
import { execFileSync } from 'node:child_process'
import {
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  getDiffieHellman,
  type KeyObject,
  verify,
} from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { parseBlob } from '../src/formats/index.js'
import { keptSpecCount } from '../src/generate/spec-cache.js'
import {
  DH_GROUPS,
  generateKey,
  generateKeySync,
  generateKeys,
  importKey,
  type KeyPair,
  type KeySpec,
} from '../src/index.js'
import { native } from '../src/native.js'
import { expectCode, opensslCheck } from './helpers.js'

const data = new TextEncoder().encode('generation options')

const bigOf = (b: Uint8Array): bigint => BigInt(`0x${Buffer.from(b).toString('hex') || '0'}`)

function publicKeyOf(k: { publicKey: { export(o: { format: 'pem' }): string } }): KeyObject {
  return createPublicKey(k.publicKey.export({ format: 'pem' }))
}

/** The lines of `openssl pkey -text -noout` that are not hex dumps. */
function opensslText(pem: string, pub: boolean): string[] {
  const args = ['pkey', ...(pub ? ['-pubin'] : []), '-text', '-noout']
  const out = execFileSync('openssl', args, { input: pem, encoding: 'utf8' })
  return out.split('\n').filter((l) => l !== '' && !/^\s*[0-9a-f:]+$/.test(l))
}

describe('RSA publicExponent', () => {
  it.each([
    [3, 1024],
    [17, 1024],
    [65537, 2048],
    [0xffff_ffff, 1024],
  ])(
    'e = %i (RSA-%i): node reads the exponent, openssl checks the key, node verifies its signature',
    async (e, bits) => {
      const k = await generateKey({ algorithm: 'RSA', length: bits, publicExponent: e, validate: true })
      const pub = publicKeyOf(k)
      expect(pub.asymmetricKeyDetails).toEqual({ modulusLength: bits, publicExponent: BigInt(e) })
      const priv = createPrivateKey(k.export({ format: 'pem' }))
      expect(priv.asymmetricKeyDetails?.publicExponent).toBe(BigInt(e))
      expect(bigOf(Buffer.from(k.publicKey.export({ format: 'jwk' }).e as string, 'base64url'))).toBe(BigInt(e))
      expect(opensslCheck(k.export({ format: 'pem' }), 'private')).toMatch(/valid/)
      const sig = await k.sign(data, { hash: 'SHA-256' })
      expect(verify('sha256', data, pub, sig)).toBe(true)
    },
  )

  it('no publicExponent is 65537, and the sync path takes the option too', () => {
    const plain = generateKeySync({ algorithm: 'RSA', length: 1024 })
    expect(publicKeyOf(plain).asymmetricKeyDetails?.publicExponent).toBe(65537n)
    const three = generateKeySync({ algorithm: 'RSA', length: 1024, publicExponent: 3 })
    expect(publicKeyOf(three).asymmetricKeyDetails?.publicExponent).toBe(3n)
    plain.destroy()
    three.destroy()
  })

  it('generateKeys with an exponent: every key has it, and the spec is not kept', async () => {
    const before = keptSpecCount()
    const keys = await generateKeys({ algorithm: 'RSA', length: 1024, publicExponent: 17 }, 3)
    expect(keys.map((k) => publicKeyOf(k).asymmetricKeyDetails?.publicExponent)).toEqual([17n, 17n, 17n])
    expect(keptSpecCount()).toBe(before)
    for (const k of keys) k.destroy()
  })

  it('keys with different exponents asked together keep their own exponent', async () => {
    const keys = await Promise.all(
      [3, 65537, 17, 3].map((e) => generateKey({ algorithm: 'RSA', length: 1024, publicExponent: e })),
    )
    expect(keys.map((k) => publicKeyOf(k).asymmetricKeyDetails?.publicExponent)).toEqual([3n, 65537n, 17n, 3n])
  })
})

// RFC 3526's groups as node has them; RFC 7919's (ffdhe) as OpenSSL has them.
const MODP: Record<string, string> = { modp14: 'modp_2048', modp15: 'modp_3072', modp16: 'modp_4096' }
const FFDHE = ['ffdhe2048', 'ffdhe3072', 'ffdhe4096']

/** A DH key pair of the named group made by the outside tool: node for modp, `openssl genpkey` for ffdhe. */
function outsideKey(group: string): { privateKey: KeyObject; publicKey: KeyObject } {
  if (group.startsWith('modp')) {
    // node's own RFC 3526 group (@types/node has no 'dh' overload of generateKeyPairSync)
    const make = generateKeyPairSync as unknown as (type: 'dh', o: { group: string }) => ReturnType<typeof outsideKey>
    return make('dh', { group })
  }
  const pem = execFileSync('openssl', ['genpkey', '-algorithm', 'DH', '-pkeyopt', `group:${group}`], {
    encoding: 'utf8',
  })
  const privateKey = createPrivateKey(pem)
  return { privateKey, publicKey: createPublicKey(privateKey) }
}

describe('DH named groups', () => {
  it.each([...FFDHE, ...Object.keys(MODP)])(
    '%s: the group openssl recognises, the length it fixes, and a shared secret with the outside tool’s key',
    async (group) => {
      const bits = DH_GROUPS[group as keyof typeof DH_GROUPS]
      const k = await generateKey({ algorithm: 'DH', group, validate: true })
      expect(k.length).toBe(bits)
      const m = parseBlob(k.publicKey.export({ format: 'blob' })).material
      if (m.type !== 'DH') throw new Error(`not DH: ${m.type}`)
      expect(m.p.length * 8).toBe(bits)
      expect(bigOf(m.g)).toBe(2n)
      if (group.startsWith('modp')) expect(Buffer.from(m.p).equals(getDiffieHellman(group).getPrime())).toBe(true)
      const opensslName = MODP[group] ?? group
      expect(opensslText(k.publicKey.export({ format: 'pem' }), true)).toContain(`GROUP: ${opensslName}`)
      expect(opensslCheck(k.export({ format: 'pem' }), 'private')).toMatch(/valid/)
      const peer = outsideKey(group)
      const ours = diffieHellman({
        privateKey: createPrivateKey(k.export({ format: 'pem' })),
        publicKey: peer.publicKey,
      })
      const theirs = diffieHellman({ privateKey: peer.privateKey, publicKey: publicKeyOf(k) })
      expect(ours.length).toBe(bits / 8)
      expect(ours.equals(theirs)).toBe(true)
      const derived = await k.deriveBits(await importKey(peer.publicKey))
      expect(Buffer.from(derived).equals(ours)).toBe(true)
    },
  )

  it('a length that agrees with the group is accepted; by size 2048 is still ffdhe2048 and modp14 differs from it', async () => {
    const named = await generateKey({ algorithm: 'DH', group: 'modp14', length: 2048 })
    const bySize = await generateKey({ algorithm: 'DH', length: 2048 })
    const p = (k: KeyPair): Buffer => {
      const m = parseBlob(k.publicKey.export({ format: 'blob' })).material
      if (m.type !== 'DH') throw new Error('not DH')
      return Buffer.from(m.p)
    }
    expect(opensslText(bySize.publicKey.export({ format: 'pem' }), true)).toContain('GROUP: ffdhe2048')
    expect(p(named).equals(getDiffieHellman('modp14').getPrime())).toBe(true)
    expect(p(named).equals(p(bySize))).toBe(false)
  })

  it('a ffdhe2048 key by name and one by size are of one group: they derive the same secret both ways', async () => {
    const named = await generateKey({ algorithm: 'DH', group: 'ffdhe2048' })
    const bySize = await generateKey({ algorithm: 'DH', length: 2048 })
    const a = await named.deriveBits(bySize.publicKey)
    const b = await bySize.deriveBits(named.publicKey)
    expect(a.length).toBe(256)
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true)
    await expectCode(
      named.deriveBits((await generateKey({ algorithm: 'DH', group: 'modp14' })).publicKey),
      'ERR_INVALID_KEY',
    )
  })
})

describe('DSA divisorLength', () => {
  it.each([
    [1024, 160],
    [2048, 224],
    [2048, 256],
  ])(
    'DSA-%i with q of %i bits: node reads both sizes, openssl checks the key, node verifies its signature',
    async (bits, q) => {
      const k = await generateKey({ algorithm: 'DSA', length: bits, divisorLength: q, validate: true })
      const pub = publicKeyOf(k)
      expect(pub.asymmetricKeyDetails).toEqual({ modulusLength: bits, divisorLength: q })
      expect(opensslCheck(k.export({ format: 'pem' }), 'private')).toMatch(/valid/)
      const sig = await k.sign(data, { hash: 'SHA-256', signatureEncoding: 'der' })
      expect(verify('sha256', data, pub, sig)).toBe(true)
      const rs = await k.sign(data, { hash: 'SHA-256' })
      expect(rs.length).toBe((2 * q) / 8)
      expect(verify('sha256', data, { key: pub, dsaEncoding: 'ieee-p1363' }, rs)).toBe(true)
    },
  )
})

describe('bad generation options: typed errors before native code', () => {
  const cases: [string, KeySpec, string][] = [
    ['an even exponent', { algorithm: 'RSA', length: 2048, publicExponent: 65536 }, 'ERR_INVALID_REQUEST'],
    ['exponent 1', { algorithm: 'RSA', length: 2048, publicExponent: 1 }, 'ERR_INVALID_REQUEST'],
    ['exponent 0', { algorithm: 'RSA', length: 2048, publicExponent: 0 }, 'ERR_INVALID_REQUEST'],
    ['a negative exponent', { algorithm: 'RSA', length: 2048, publicExponent: -3 }, 'ERR_INVALID_REQUEST'],
    [
      'an exponent above 2^32 - 1',
      { algorithm: 'RSA', length: 2048, publicExponent: 2 ** 32 + 1 },
      'ERR_INVALID_REQUEST',
    ],
    ['a fractional exponent', { algorithm: 'RSA', length: 2048, publicExponent: 3.5 }, 'ERR_INVALID_REQUEST'],
    [
      'an exponent as a string',
      { algorithm: 'RSA', length: 2048, publicExponent: '3' as never },
      'ERR_INVALID_REQUEST',
    ],
    ['an exponent as a bigint', { algorithm: 'RSA', length: 2048, publicExponent: 3n as never }, 'ERR_INVALID_REQUEST'],
    ['NaN', { algorithm: 'RSA', length: 2048, publicExponent: Number.NaN }, 'ERR_INVALID_REQUEST'],
    ['an exponent for EC', { algorithm: 'ECDSA_P256', publicExponent: 3 }, 'ERR_INVALID_REQUEST'],
    ['an unknown group', { algorithm: 'DH', group: 'modp13' }, 'ERR_UNSUPPORTED_ALGORITHM'],
    ['a group as a number', { algorithm: 'DH', group: 2048 as never }, 'ERR_UNSUPPORTED_ALGORITHM'],
    ['a group in another case', { algorithm: 'DH', group: 'FFDHE2048' }, 'ERR_UNSUPPORTED_ALGORITHM'],
    ['an inherited name as a group', { algorithm: 'DH', group: 'toString' }, 'ERR_UNSUPPORTED_ALGORITHM'],
    ['group and length disagreeing', { algorithm: 'DH', group: 'ffdhe2048', length: 3072 }, 'ERR_KEY_LENGTH'],
    ['ffdhe6144 (above the table’s 4096)', { algorithm: 'DH', group: 'ffdhe6144' }, 'ERR_KEY_LENGTH'],
    ['ffdhe8192', { algorithm: 'DH', group: 'ffdhe8192' }, 'ERR_KEY_LENGTH'],
    ['modp17', { algorithm: 'DH', group: 'modp17' }, 'ERR_KEY_LENGTH'],
    ['modp18', { algorithm: 'DH', group: 'modp18', length: 8192 }, 'ERR_KEY_LENGTH'],
    ['a group for RSA', { algorithm: 'RSA', length: 2048, group: 'modp14' }, 'ERR_INVALID_REQUEST'],
    ['a group for ECDH', { algorithm: 'ECDH_P256', group: 'ffdhe2048' }, 'ERR_INVALID_REQUEST'],
    ['divisorLength for RSA', { algorithm: 'RSA', length: 2048, divisorLength: 256 }, 'ERR_INVALID_REQUEST'],
    ['divisorLength for DH', { algorithm: 'DH', length: 2048, divisorLength: 256 }, 'ERR_INVALID_REQUEST'],
    ['divisorLength 224 for DSA-3072', { algorithm: 'DSA', length: 3072, divisorLength: 224 }, 'ERR_KEY_LENGTH'],
    ['divisorLength 256 for DSA-1024', { algorithm: 'DSA', length: 1024, divisorLength: 256 }, 'ERR_KEY_LENGTH'],
    ['divisorLength 160 for DSA-2048', { algorithm: 'DSA', length: 2048, divisorLength: 160 }, 'ERR_KEY_LENGTH'],
    ['divisorLength 224 for DSA-1536', { algorithm: 'DSA', length: 1536, divisorLength: 224 }, 'ERR_KEY_LENGTH'],
    ['a fractional divisorLength', { algorithm: 'DSA', length: 2048, divisorLength: 224.5 }, 'ERR_INVALID_REQUEST'],
    [
      'a divisorLength as a string',
      { algorithm: 'DSA', length: 2048, divisorLength: '224' as never },
      'ERR_INVALID_REQUEST',
    ],
    [
      'a DSA length the table refuses, with divisorLength',
      { algorithm: 'DSA', length: 2047, divisorLength: 224 },
      'ERR_KEY_LENGTH',
    ],
  ]
  it.each(cases)('%s', async (_name, spec, code) => {
    const err = await expectCode(generateKey(spec), code)
    expect(err.message.length).toBeGreaterThan(10)
    await expectCode(() => generateKeySync(spec), code)
  })
})

describe('the native layer re-checks the options itself', () => {
  const raw = (spec: Record<string, unknown>) => native().generate({ extractable: true, ...spec } as never)
  it.each([
    ['an even exponent', { algorithm: 'RSA', length: 1024, publicExponent: 4 }, 'ERR_INVALID_REQUEST'],
    ['an exponent below 3', { algorithm: 'RSA', length: 1024, publicExponent: 1 }, 'ERR_INVALID_REQUEST'],
    ['an exponent above 2^32 - 1', { algorithm: 'RSA', length: 1024, publicExponent: 2 ** 32 }, 'ERR_INVALID_REQUEST'],
    ['an exponent for DSA', { algorithm: 'DSA', length: 2048, publicExponent: 3 }, 'ERR_INVALID_REQUEST'],
    ['an unknown group', { algorithm: 'DH', length: 2048, group: 'ffdhe2047' }, 'ERR_INVALID_REQUEST'],
    ['a group of another size', { algorithm: 'DH', length: 3072, group: 'modp14' }, 'ERR_KEY_LENGTH'],
    ['a group for RSA', { algorithm: 'RSA', length: 2048, group: 'modp14' }, 'ERR_INVALID_REQUEST'],
    ['a q size the length has not', { algorithm: 'DSA', length: 3072, divisorLength: 224 }, 'ERR_KEY_LENGTH'],
    ['divisorLength for EC', { algorithm: 'ECDSA_P256', length: 256, divisorLength: 224 }, 'ERR_INVALID_REQUEST'],
  ])('%s', async (_name, spec, code) => {
    await expectCode(() => raw(spec), code)
  })
})
