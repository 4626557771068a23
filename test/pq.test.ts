/**
 * ML-DSA and ML-KEM. On a runtime whose OpenSSL has them (Node 24: 3.5), the
 * Wycheproof seeds must give exactly the vectors' keys and every exported
 * form must work in node:crypto. On one without (Node 20: 3.0), every call
 * must fail with ERR_NOT_SUPPORTED_ON_PLATFORM naming the OpenSSL found.
 * CI runs this file under both, so neither branch is silently skipped.
 */
import * as nodeCrypto from 'node:crypto'
import { createPrivateKey, createPublicKey, type KeyObject, sign, verify } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { jwkToMaterial, parseBlob, privateKeyDer, writeBlob } from '../src/formats/index.js'
import { capabilities, generateKey } from '../src/index.js'
import { expectCode, hasPostQuantum, nodeCryptoHasPostQuantum, readWycheproof } from './helpers.js'

const PQ = hasPostQuantum()
const NODE_PQ = nodeCryptoHasPostQuantum()

// CI sets this for its Node 24 run, so the post-quantum suites cannot quietly skip there.
it.runIf(process.env.PLATFORM_KEYGEN_REQUIRE_PQ === '1')(
  'this runtime must have ML-DSA and ML-KEM (PLATFORM_KEYGEN_REQUIRE_PQ=1)',
  () => {
    expect(PQ).toBe(true)
  },
)

// ...and for its "old OpenSSL" check (Node 20, OpenSSL 3.0: vitest.old-openssl.config.ts), so the
// ERR_NOT_SUPPORTED_ON_PLATFORM suites below cannot quietly skip there either.
it.runIf(process.env.PLATFORM_KEYGEN_REQUIRE_NO_PQ === '1')(
  'this runtime must lack ML-DSA and ML-KEM (PLATFORM_KEYGEN_REQUIRE_NO_PQ=1, the old OpenSSL check)',
  () => {
    expect({ openssl: process.versions.openssl, postQuantum: PQ }).toMatchObject({ postQuantum: false })
  },
)

interface KemVector {
  tcId: number
  seed: string
  ek: string
  dk: string
}
interface DsaGroup {
  privateSeed: string
  privateKeyPkcs8?: string
  publicKey: string
}

const load = readWycheproof
const hex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'))
/** The key bytes after a PQ blob's header and parameter-set name (read without our parser). */
function keyOf(blob: Uint8Array): Buffer {
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength)
  return Buffer.from(blob.subarray(12 + view.getUint32(4, true)))
}

// Node 24 has crypto.encapsulate / decapsulate; typed loosely so this file type-checks against any @types/node.
const kem = nodeCrypto as unknown as {
  encapsulate(key: KeyObject): { sharedKey: Buffer; ciphertext: Buffer }
  decapsulate(key: KeyObject, ciphertext: Buffer): Buffer
}

describe.runIf(!PQ)(`without ML-DSA/ML-KEM (this runtime: OpenSSL ${process.versions.openssl})`, () => {
  it.each([
    ['ML-DSA', '44'],
    ['ML-DSA', '65'],
    ['ML-DSA', '87'],
    ['ML-KEM', '512'],
    ['ML-KEM', '768'],
    ['ML-KEM', '1024'],
  ])(
    '%s-%s fails with ERR_NOT_SUPPORTED_ON_PLATFORM naming the runtime and what would work',
    async (algorithm, parameterSet) => {
      const err = await expectCode(generateKey({ algorithm, parameterSet }), 'ERR_NOT_SUPPORTED_ON_PLATFORM')
      expect(err.message).toContain(`${algorithm}-${parameterSet}`)
      expect(err.message).toContain(`OpenSSL ${capabilities().providerVersion}`)
      expect(err.message).toContain(process.version)
      expect(err.message).toMatch(/OpenSSL 3\.5 or later/)
    },
  )
  it('capabilities() says so', () => {
    const a = capabilities().algorithms
    expect(a['ML-DSA']).toMatchObject({ supported: false, parameterSets: [] })
    expect(a['ML-KEM']).toMatchObject({ supported: false, parameterSets: [] })
  })
})

describe.runIf(PQ)(`ML-KEM known answers (OpenSSL ${process.versions.openssl})`, () => {
  it.each(['512', '768', '1024'])(
    'every Wycheproof ML-KEM-%s keygen vector: the seed gives exactly ek and dk',
    async (set) => {
      const file = load<{ testGroups: { tests: KemVector[] }[] }>(`mlkem_${set}_keygen_seed_test.json`)
      const tests = file.testGroups.flatMap((g) => g.tests)
      expect(tests.length).toBeGreaterThanOrEqual(100)
      for (const t of tests) {
        const k = await generateKey({ algorithm: 'ML-KEM', parameterSet: set, seed: hex(t.seed) })
        expect(keyOf(k.publicKey.export({ format: 'blob' })).toString('hex'), `tcId ${t.tcId} ek`).toBe(t.ek)
        expect(keyOf(k.export({ format: 'blob' })).toString('hex'), `tcId ${t.tcId} dk`).toBe(t.dk)
        expect(keyOf(k.export({ format: 'blob', type: 'seed' })).toString('hex')).toBe(t.seed)
        k.destroy()
      }
    },
  )
})

describe.runIf(PQ)(`ML-DSA known answers (OpenSSL ${process.versions.openssl})`, () => {
  it.each(['44', '65', '87'])(
    'every Wycheproof ML-DSA-%s seed gives exactly its public key and PKCS#8',
    async (set) => {
      const file = load<{ testGroups: DsaGroup[] }>(`mldsa_${set}_sign_seed_test.json`)
      const groups = file.testGroups.filter((g) => g.privateSeed?.length === 64)
      expect(groups.length).toBeGreaterThanOrEqual(20)
      expect(groups.filter((g) => g.privateKeyPkcs8).length).toBeGreaterThanOrEqual(1)
      for (const g of groups) {
        const k = await generateKey({ algorithm: 'ML-DSA', parameterSet: set, seed: hex(g.privateSeed) })
        expect(keyOf(k.publicKey.export({ format: 'blob' })).toString('hex')).toBe(g.publicKey)
        if (g.privateKeyPkcs8) expect(k.export({ format: 'der' }).toString('hex')).toBe(g.privateKeyPkcs8)
        k.destroy()
      }
    },
  )

  it('refuses the vectors’ malformed seeds (empty, 31 and 33 bytes) with ERR_INVALID_REQUEST', async () => {
    for (const n of [0, 31, 33]) {
      await expectCode(
        generateKey({ algorithm: 'ML-DSA', parameterSet: '44', seed: new Uint8Array(n) }),
        'ERR_INVALID_REQUEST',
      )
    }
  })
})

describe.runIf(NODE_PQ)(
  'ML-DSA keys work in node:crypto (node:crypto has ML-DSA/ML-KEM from Node 24; on Node 22 pq-noble.test.ts checks the keys)',
  () => {
    it.each(['44', '65', '87'])('ML-DSA-%s: PEM, DER, JWK and KeyObject sign/verify, blobs round-trip', async (set) => {
      const k = await generateKey({ algorithm: 'ML-DSA', parameterSet: set, validate: true })
      expect(k).toMatchObject({ algorithm: 'ML-DSA', parameterSet: set, length: 0, provider: 'openssl' })
      const jwk = k.export({ format: 'jwk' })
      expect(jwk).toMatchObject({ kty: 'AKP', alg: `ML-DSA-${set}` })
      expect(Buffer.from(jwk.priv as string, 'base64url')).toHaveLength(32)
      const privs = [
        createPrivateKey(k.export({ format: 'pem' })),
        createPrivateKey({ key: k.export({ format: 'der' }), format: 'der', type: 'pkcs8' }),
        createPrivateKey({ key: jwk as never, format: 'jwk' }),
        k.toKeyObject(),
      ]
      const pub = createPublicKey(k.publicKey.export({ format: 'pem' }))
      expect(pub.asymmetricKeyType).toBe(`ml-dsa-${set}`)
      expect(createPublicKey({ key: k.publicKey.export({ format: 'jwk' }) as never, format: 'jwk' }).equals(pub)).toBe(
        true,
      )
      const msg = Buffer.from('post-quantum hello')
      for (const p of privs) {
        expect(p.equals(privs[0] as KeyObject)).toBe(true)
        const sig = sign(null, msg, p)
        expect(verify(null, msg, pub, sig)).toBe(true)
        expect(verify(null, Buffer.from('other'), pub, sig)).toBe(false)
      }
      // our JWK equals node's for the same key
      expect(jwk).toEqual((privs[0] as KeyObject).export({ format: 'jwk' }))
      // SPKI byte-identical to OpenSSL's
      expect(
        k.publicKey
          .export({ format: 'der' })
          .equals(createPublicKey(privs[0] as KeyObject).export({ format: 'der', type: 'spki' })),
      ).toBe(true)
      for (const kind of ['private', 'seed'] as const) {
        const blob = k.export({ format: 'blob', type: kind })
        expect(Buffer.from(writeBlob(parseBlob(blob).material, kind)).equals(blob)).toBe(true)
      }
      const pubBlob = k.publicKey.export({ format: 'blob' })
      expect(
        Buffer.from(writeBlob(jwkToMaterial(k.publicKey.export({ format: 'jwk' })), 'public')).equals(pubBlob),
      ).toBe(true)
      expect(
        Buffer.from(writeBlob(jwkToMaterial(jwk), 'seed')).equals(k.export({ format: 'blob', type: 'seed' })),
      ).toBe(true)
    })
  },
)

describe.runIf(NODE_PQ)(
  'ML-KEM keys work in node:crypto (node:crypto has ML-DSA/ML-KEM from Node 24; on Node 22 pq-noble.test.ts checks the keys)',
  () => {
    it.each(['512', '768', '1024'])(
      'ML-KEM-%s: encapsulate to every public form, decapsulate with every private form',
      async (set) => {
        const k = await generateKey({ algorithm: 'ML-KEM', parameterSet: set, noKeyValidation: true, validate: true })
        expect(k).toMatchObject({ algorithm: 'ML-KEM', parameterSet: set, length: 0 })
        const jwk = k.export({ format: 'jwk' })
        expect(jwk).toMatchObject({ kty: 'AKP', alg: `ML-KEM-${set}` })
        expect(Buffer.from(jwk.priv as string, 'base64url')).toHaveLength(64)
        const privs = [
          createPrivateKey(k.export({ format: 'pem' })),
          createPrivateKey({ key: k.export({ format: 'der' }), format: 'der', type: 'pkcs8' }),
          k.toKeyObject(),
        ]
        const pubs = [createPublicKey(k.publicKey.export({ format: 'pem' })), k.publicKey.toKeyObject()]
        expect((pubs[0] as KeyObject).asymmetricKeyType).toBe(`ml-kem-${set}`)
        for (const pub of pubs) {
          const { sharedKey, ciphertext } = kem.encapsulate(pub)
          expect(sharedKey).toHaveLength(32)
          for (const priv of privs) expect(kem.decapsulate(priv, ciphertext).equals(sharedKey)).toBe(true)
        }
        // a PKCS#8 written from the expanded key alone (no seed) still decapsulates
        const expanded = parseBlob(k.export({ format: 'blob' })).material
        const fromExpanded = createPrivateKey({
          key: Buffer.from(privateKeyDer(expanded)),
          format: 'der',
          type: 'pkcs8',
        })
        const { sharedKey, ciphertext } = kem.encapsulate(pubs[0] as KeyObject)
        expect(kem.decapsulate(fromExpanded, ciphertext).equals(sharedKey)).toBe(true)
        for (const kind of ['private', 'seed'] as const) {
          const blob = k.export({ format: 'blob', type: kind })
          expect(Buffer.from(writeBlob(parseBlob(blob).material, kind)).equals(blob)).toBe(true)
        }
      },
    )
  },
)
