/**
 * Every classical algorithm generates, every exported form imports into
 * node:crypto and describes the same key, the key works (sign/verify or
 * key agreement), `openssl pkey -check` accepts the PEMs, and blob → JWK →
 * blob round-trips exactly.
 */
import {
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  getDiffieHellman,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { shapeOf, shapeOfAlgorithm } from '../src/formats/encode.js'
import { jwkToMaterial, materialToJwk, parseBlob, writeBlob } from '../src/formats/index.js'
import { generateKey, type Jwk, type KeyPair, type KeySpec } from '../src/index.js'
import { expectCode, opensslCheck, sshKeygenFingerprint } from './helpers.js'

type Use = 'sign' | 'agree'

interface Case {
  name: string
  spec: KeySpec
  use: Use
  nodeType: string
  /** Expected blob magic (ASCII) of the private and public blobs. */
  magic: [string, string]
  jwk: boolean
  pkcs1?: boolean
  sec1?: boolean
  openssh?: string
  curve?: string
  hash?: string | null
}

const CASES: Case[] = [
  {
    name: 'RSA 512',
    spec: { algorithm: 'RSA', length: 512 },
    use: 'sign',
    nodeType: 'rsa',
    magic: ['RSA3', 'RSA1'],
    jwk: true,
    pkcs1: true,
    openssh: 'ssh-rsa',
  },
  {
    name: 'RSA 2048',
    spec: { algorithm: 'RSA', length: 2048 },
    use: 'sign',
    nodeType: 'rsa',
    magic: ['RSA3', 'RSA1'],
    jwk: true,
    pkcs1: true,
    openssh: 'ssh-rsa',
  },
  {
    name: 'RSA 1088 (a non-power-of-two multiple of 64)',
    spec: { algorithm: 'RSA', length: 1088 },
    use: 'sign',
    nodeType: 'rsa',
    magic: ['RSA3', 'RSA1'],
    jwk: true,
    pkcs1: true,
    openssh: 'ssh-rsa',
  },
  {
    name: 'RSA 4096',
    spec: { algorithm: 'RSA', length: 4096 },
    use: 'sign',
    nodeType: 'rsa',
    magic: ['RSA3', 'RSA1'],
    jwk: true,
    pkcs1: true,
    openssh: 'ssh-rsa',
  },
  {
    name: 'ECDSA_P256',
    spec: { algorithm: 'ECDSA_P256' },
    use: 'sign',
    nodeType: 'ec',
    magic: ['ECS2', 'ECS1'],
    jwk: true,
    sec1: true,
    openssh: 'ecdsa-sha2-nistp256',
    curve: 'P-256',
  },
  {
    name: 'ECDSA_P384',
    spec: { algorithm: 'ECDSA_P384' },
    use: 'sign',
    nodeType: 'ec',
    magic: ['ECS4', 'ECS3'],
    jwk: true,
    sec1: true,
    openssh: 'ecdsa-sha2-nistp384',
    curve: 'P-384',
    hash: 'sha384',
  },
  {
    name: 'ECDSA_P521',
    spec: { algorithm: 'ECDSA_P521' },
    use: 'sign',
    nodeType: 'ec',
    magic: ['ECS6', 'ECS5'],
    jwk: true,
    sec1: true,
    openssh: 'ecdsa-sha2-nistp521',
    curve: 'P-521',
    hash: 'sha512',
  },
  {
    name: 'ECDSA secp256k1',
    spec: { algorithm: 'ECDSA', curve: 'secP256k1' },
    use: 'sign',
    nodeType: 'ec',
    magic: ['ECDV', 'ECDP'],
    jwk: true,
    sec1: true,
    curve: 'secp256k1',
  },
  {
    name: 'ECDH_P256',
    spec: { algorithm: 'ECDH_P256' },
    use: 'agree',
    nodeType: 'ec',
    magic: ['ECK2', 'ECK1'],
    jwk: true,
    sec1: true,
    curve: 'P-256',
  },
  {
    name: 'ECDH_P384',
    spec: { algorithm: 'ECDH_P384' },
    use: 'agree',
    nodeType: 'ec',
    magic: ['ECK4', 'ECK3'],
    jwk: true,
    sec1: true,
    curve: 'P-384',
  },
  {
    name: 'ECDH_P521',
    spec: { algorithm: 'ECDH_P521' },
    use: 'agree',
    nodeType: 'ec',
    magic: ['ECK6', 'ECK5'],
    jwk: true,
    sec1: true,
    curve: 'P-521',
  },
  {
    name: 'ECDH secp256k1',
    spec: { algorithm: 'ECDH', curve: 'secp256k1' },
    use: 'agree',
    nodeType: 'ec',
    magic: ['ECKV', 'ECKP'],
    jwk: true,
    sec1: true,
    curve: 'secp256k1',
  },
  {
    name: 'ECDH X25519',
    spec: { algorithm: 'ECDH', curve: 'X25519' },
    use: 'agree',
    nodeType: 'x25519',
    magic: ['ECKV', 'ECKP'],
    jwk: true,
    curve: 'X25519',
  },
  {
    name: 'ECDH X448',
    spec: { algorithm: 'ECDH', curve: 'X448' },
    use: 'agree',
    nodeType: 'x448',
    magic: ['ECKV', 'ECKP'],
    jwk: true,
    curve: 'X448',
  },
  {
    name: 'EdDSA Ed25519',
    spec: { algorithm: 'EdDSA', curve: 'Ed25519' },
    use: 'sign',
    nodeType: 'ed25519',
    magic: ['ECDV', 'ECDP'],
    jwk: true,
    openssh: 'ssh-ed25519',
    curve: 'Ed25519',
    hash: null,
  },
  {
    name: 'EdDSA Ed448',
    spec: { algorithm: 'EdDSA', curve: 'Ed448' },
    use: 'sign',
    nodeType: 'ed448',
    magic: ['ECDV', 'ECDP'],
    jwk: true,
    curve: 'Ed448',
    hash: null,
  },
  {
    name: 'DSA 1024 (v1 blob, FIPS 186-2)',
    spec: { algorithm: 'DSA', length: 1024 },
    use: 'sign',
    nodeType: 'dsa',
    magic: ['DSPV', 'DSPB'],
    jwk: false,
    hash: 'sha1',
  },
  {
    name: 'DSA 2048 (v2 blob, FIPS 186-3)',
    spec: { algorithm: 'DSA', length: 2048 },
    use: 'sign',
    nodeType: 'dsa',
    magic: ['DPV2', 'DPB2'],
    jwk: false,
  },
  {
    name: 'DH 512 (generated safe prime)',
    spec: { algorithm: 'DH', length: 512 },
    use: 'agree',
    nodeType: 'dh',
    magic: ['DHPV', 'DHPB'],
    jwk: false,
  },
  {
    name: 'DH 1024 (RFC 2409 group 2)',
    spec: { algorithm: 'DH', length: 1024 },
    use: 'agree',
    nodeType: 'dh',
    magic: ['DHPV', 'DHPB'],
    jwk: false,
  },
  {
    name: 'DH 2048 (RFC 7919 ffdhe2048)',
    spec: { algorithm: 'DH', length: 2048 },
    use: 'agree',
    nodeType: 'dh',
    magic: ['DHPV', 'DHPB'],
    jwk: false,
  },
]

const magicOf = (b: Uint8Array): string => Buffer.from(b.subarray(0, 4)).toString('latin1')
const MESSAGE = Buffer.from('platform-keygen test message')

function signVerify(c: Case, priv: KeyObject, pub: KeyObject): void {
  const hash = c.hash === undefined ? 'sha256' : c.hash
  const sig = sign(hash, MESSAGE, priv)
  expect(verify(hash, MESSAGE, pub, sig)).toBe(true)
  expect(verify(hash, Buffer.from('another message'), pub, sig)).toBe(false)
}

/** A peer key on the same group/curve, made by node:crypto. */
function peerFor(c: Case, k: KeyPair): { privateKey: KeyObject; publicKey: KeyObject } {
  if (c.nodeType === 'dh') {
    const { p, g } = dhGroup(k)
    // @types/node has no 'dh' overload, node:crypto has the key type
    const generateDh = generateKeyPairSync as unknown as (
      type: 'dh',
      o: object,
    ) => { privateKey: KeyObject; publicKey: KeyObject }
    return generateDh('dh', { prime: Buffer.from(p), generator: g })
  }
  if (c.nodeType === 'ec') {
    const named = { 'P-256': 'prime256v1', 'P-384': 'secp384r1', 'P-521': 'secp521r1', secp256k1: 'secp256k1' }
    return generateKeyPairSync('ec', { namedCurve: named[c.curve as keyof typeof named] })
  }
  return generateKeyPairSync(c.nodeType as 'x25519')
}

/** The DH group of a key, from its public blob. */
function dhGroup(k: KeyPair): { p: Uint8Array; g: number } {
  const m = parseBlob(k.publicKey.export({ format: 'blob' })).material
  if (m.type !== 'DH') throw new Error('not a DH key')
  return { p: m.p, g: Number.parseInt(Buffer.from(m.g).toString('hex'), 16) }
}

function agree(c: Case, k: KeyPair, priv: KeyObject, pub: KeyObject): void {
  const peer = peerFor(c, k)
  const ours = diffieHellman({ privateKey: priv, publicKey: peer.publicKey })
  const theirs = diffieHellman({ privateKey: peer.privateKey, publicKey: pub })
  expect(ours.length).toBeGreaterThan(0)
  expect(ours.equals(theirs)).toBe(true)
}

describe.each(CASES)('$name', (c) => {
  let kp: KeyPair
  const get = async (): Promise<KeyPair> => {
    // validate: the provider's pairwise consistency check runs on every key these suites use
    kp ??= await generateKey({ ...c.spec, validate: true })
    return kp
  }

  it('a private export is checked against the shape its own material has', async () => {
    // KeyPair.export decides its refusals from the registry (shapeOfAlgorithm), before any
    // material leaves the handle; it must be the shape the key's exported blob has
    const k = await get()
    const fromBlob = shapeOf(
      parseBlob(k.publicKey.export({ format: 'blob' }), k.curve ? { curve: k.curve } : {}).material,
    )
    expect(shapeOfAlgorithm(k.algorithm, k.curve)).toStrictEqual(fromBlob)
  })

  it('generates with the right metadata and blob layouts', async () => {
    const k = await get()
    expect(k.provider).toBe('openssl')
    expect(k.algorithm).toBe(c.spec.algorithm)
    expect(k.length).toBe(c.spec.length ?? k.length)
    if (c.curve) expect(k.curve).toBe(c.curve)
    expect(k.destroyed).toBe(false)
    const priv = k.export({ format: 'blob' })
    const pub = k.publicKey.export({ format: 'blob' })
    expect(magicOf(priv)).toBe(c.magic[0])
    expect(magicOf(pub)).toBe(c.magic[1])
  })

  it('every private form imports into node:crypto as the same key, and the public forms match it', async () => {
    const k = await get()
    const forms: KeyObject[] = [
      createPrivateKey(k.export({ format: 'pem' })),
      createPrivateKey({ key: k.export({ format: 'der' }), format: 'der', type: 'pkcs8' }),
      k.toKeyObject(),
    ]
    if (c.jwk) forms.push(createPrivateKey({ key: k.export({ format: 'jwk' }) as never, format: 'jwk' }))
    if (c.pkcs1) {
      forms.push(createPrivateKey(k.export({ format: 'pem', type: 'pkcs1' })))
      forms.push(createPrivateKey({ key: k.export({ format: 'der', type: 'pkcs1' }), format: 'der', type: 'pkcs1' }))
    }
    if (c.sec1) {
      forms.push(createPrivateKey(k.export({ format: 'pem', type: 'sec1' })))
      forms.push(createPrivateKey({ key: k.export({ format: 'der', type: 'sec1' }), format: 'der', type: 'sec1' }))
    }
    const pubForms: KeyObject[] = [
      createPublicKey(k.publicKey.export({ format: 'pem' })),
      createPublicKey({ key: k.publicKey.export({ format: 'der' }), format: 'der', type: 'spki' }),
      k.publicKey.toKeyObject(),
    ]
    if (c.jwk) pubForms.push(createPublicKey({ key: k.publicKey.export({ format: 'jwk' }) as never, format: 'jwk' }))
    if (c.pkcs1) pubForms.push(createPublicKey(k.publicKey.export({ format: 'pem', type: 'pkcs1' })))
    const first = forms[0] as KeyObject
    expect(first.asymmetricKeyType).toBe(c.nodeType)
    for (const f of forms) expect(f.equals(first)).toBe(true)
    const derived = createPublicKey(first)
    for (const p of pubForms) {
      expect(p.asymmetricKeyType).toBe(c.nodeType)
      expect(p.equals(derived)).toBe(true)
    }
    // our SPKI encoding is byte-identical to OpenSSL's for the same key
    expect(Buffer.compare(k.publicKey.export({ format: 'der' }), derived.export({ format: 'der', type: 'spki' }))).toBe(
      0,
    )
    if (c.spec.algorithm === 'RSA') {
      expect(first.asymmetricKeyDetails?.modulusLength).toBe(c.spec.length)
      expect(first.asymmetricKeyDetails?.publicExponent).toBe(65537n)
    }
    if (c.spec.algorithm === 'DSA') {
      expect(first.asymmetricKeyDetails?.modulusLength).toBe(c.spec.length)
      expect(first.asymmetricKeyDetails?.divisorLength).toBe((c.spec.length as number) > 1024 ? 256 : 160)
    }
    if (c.spec.algorithm === 'DH') {
      const { p, g } = dhGroup(k)
      expect(p.length * 8).toBe(c.spec.length)
      expect((p[0] as number) & 0x80).toBe(0x80)
      expect(g).toBe(2)
    }
  })

  it(c.use === 'sign' ? 'signs and verifies' : 'derives the same secret as a peer', async () => {
    const k = await get()
    const priv = k.toKeyObject()
    const pub = createPublicKey(k.publicKey.export({ format: 'pem' }))
    if (c.use === 'sign') signVerify(c, priv, pub)
    else agree(c, k, priv, pub)
  })

  it('passes `openssl pkey -check` (private) and `-pubcheck` (public)', async () => {
    const k = await get()
    expect(() => opensslCheck(k.export({ format: 'pem' }), 'private')).not.toThrow()
    expect(() => opensslCheck(k.publicKey.export({ format: 'pem' }), 'public')).not.toThrow()
  })

  it('round-trips blob → JWK → blob exactly (and blob → material → blob)', async () => {
    const k = await get()
    const hint = c.curve ? { curve: c.curve } : {}
    for (const [kind, blob] of [
      ['private', k.export({ format: 'blob' })],
      ['public', k.publicKey.export({ format: 'blob' })],
    ] as const) {
      const parsed = parseBlob(blob, hint)
      expect(parsed.kind).toBe(kind)
      expect(Buffer.compare(Buffer.from(writeBlob(parsed.material, kind)), blob)).toBe(0)
      if (c.jwk) {
        const jwk = materialToJwk(parsed.material, kind === 'private')
        const usage = c.spec.algorithm.startsWith('ECDH') ? 'ECDH' : 'ECDSA'
        const again = writeBlob(jwkToMaterial(jwk, usage), kind)
        expect(Buffer.compare(Buffer.from(again), blob)).toBe(0)
      }
    }
  })

  it('its JWK matches what node:crypto exports for the same key', async () => {
    const k = await get()
    if (!c.jwk) {
      expect(() => k.export({ format: 'jwk' })).toThrow(expect.objectContaining({ code: 'ERR_UNSUPPORTED_FORMAT' }))
      expect(() => k.publicKey.export({ format: 'jwk' })).toThrow(
        expect.objectContaining({ code: 'ERR_UNSUPPORTED_FORMAT' }),
      )
      return
    }
    const ours = k.export({ format: 'jwk' }) as Jwk
    const theirs = k.toKeyObject().export({ format: 'jwk' })
    expect(ours).toEqual(theirs)
    expect(k.publicKey.export({ format: 'jwk' })).toEqual(createPublicKey(k.toKeyObject()).export({ format: 'jwk' }))
  })

  it(
    c.openssh ? `exports an OpenSSH ${c.openssh} public key` : 'refuses OpenSSH with ERR_UNSUPPORTED_FORMAT',
    async () => {
      const k = await get()
      if (!c.openssh) {
        expect(() => k.publicKey.export({ format: 'openssh' })).toThrow(
          expect.objectContaining({ code: 'ERR_UNSUPPORTED_FORMAT' }),
        )
        return
      }
      const line = k.publicKey.export({ format: 'openssh', comment: 'test@host' })
      expect(line.startsWith(`${c.openssh} `)).toBe(true)
      expect(line.endsWith(' test@host')).toBe(true)
      const body = Buffer.from(line.split(' ')[1] as string, 'base64')
      expect(body.readUInt32BE(0)).toBe(c.openssh.length)
      expect(body.subarray(4, 4 + c.openssh.length).toString()).toBe(c.openssh)
      // ssh-keygen reads it and reports the key's size and type (it refuses RSA below 1024 bits)
      if (c.spec.algorithm === 'RSA' && (c.spec.length as number) < 1024) return
      const fingerprint = sshKeygenFingerprint(line)
      const bits = c.spec.algorithm === 'RSA' ? c.spec.length : c.curve === 'Ed25519' ? 256 : Number(c.curve?.slice(2))
      expect(fingerprint).toMatch(new RegExp(`^${bits} SHA256:[A-Za-z0-9+/]{43} test@host \\((RSA|ECDSA|ED25519)\\)$`))
    },
  )
})

describe('what the OpenSSL backend refuses although the table allows it', () => {
  it.each([512, 576, 960])(
    'DSA %i: OpenSSL 3 generates DSA from 1024 bits only → ERR_NOT_SUPPORTED_ON_PLATFORM',
    async (length) => {
      const err = await expectCode(generateKey({ algorithm: 'DSA', length }), 'ERR_NOT_SUPPORTED_ON_PLATFORM')
      expect(err.message).toMatch(/OpenSSL 3\.\d+\.\d+/)
      expect(err.message).toMatch(/CNG-only/)
    },
  )
})

describe('well-known DH groups', () => {
  it.each([
    [768, 'modp1'],
    [1024, 'modp2'],
    [1536, 'modp5'],
  ])('DH %i uses the RFC 2409/3526 group node:crypto knows as %s', async (length, name) => {
    const k = await generateKey({ algorithm: 'DH', length })
    const m = parseBlob(k.publicKey.export({ format: 'blob' })).material
    expect(m.type).toBe('DH')
    if (m.type === 'DH') expect(Buffer.from(m.p).equals(getDiffieHellman(name).getPrime())).toBe(true)
  })
})

describe('RSA keys are arithmetically sound', () => {
  it.each([512, 1024, 2048, 3072])(
    'RSA %i: p·q = n, e·d ≡ 1 (mod λ(n)), dp, dq and qi are right, p and q are the right size',
    async (bits) => {
      const k = await generateKey({ algorithm: 'RSA', length: bits, validate: true })
      const m = parseBlob(k.export({ format: 'blob' })).material
      if (m.type !== 'RSA') throw new Error('not RSA')
      const big = (b?: Uint8Array) => BigInt(`0x${Buffer.from(b as Uint8Array).toString('hex')}`)
      const [n, e, d, p, q, dp, dq, qi] = [
        big(m.n),
        big(m.e),
        big(m.d),
        big(m.p),
        big(m.q),
        big(m.dp),
        big(m.dq),
        big(m.qi),
      ]
      const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? a : gcd(b, a % b))
      const lambda = ((p - 1n) * (q - 1n)) / gcd(p - 1n, q - 1n)
      expect(p * q).toBe(n)
      expect(n.toString(2)).toHaveLength(bits)
      expect(p.toString(2)).toHaveLength(bits / 2)
      expect(q.toString(2)).toHaveLength(bits / 2)
      expect(p).not.toBe(q)
      expect(e).toBe(65537n)
      expect((e * d) % lambda).toBe(1n)
      expect(dp).toBe(d % (p - 1n))
      expect(dq).toBe(d % (q - 1n))
      expect((qi * q) % p).toBe(1n)
    },
  )
})
