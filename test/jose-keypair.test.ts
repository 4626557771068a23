/** generateKeyPair: the jose v6 drop-in, checked against jose itself. */
import { createPrivateKey, generateKeyPairSync, KeyObject, sign, verify, type webcrypto } from 'node:crypto'
import * as jose from 'jose'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { generateKeyPair } from '../src/jose/index.js'
import { KeyPair, PublicKey } from '../src/keypair.js'
import { expectCode, hasPostQuantum, nodeCryptoHasPostQuantum } from './helpers.js'
import { nobleMlDsaWorks } from './pq-oracle.js'

type CryptoKey = webcrypto.CryptoKey

const SIGNING = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519']
const RSA_ENCRYPTION = ['RSA-OAEP', 'RSA-OAEP-256', 'RSA-OAEP-384', 'RSA-OAEP-512']
const ECDH = ['ECDH-ES', 'ECDH-ES+A128KW', 'ECDH-ES+A192KW', 'ECDH-ES+A256KW']
const ECDH_CURVES = ['P-256', 'P-384', 'P-521', 'X25519']
const ML_DSA = ['ML-DSA-44', 'ML-DSA-65', 'ML-DSA-87']

const sorted = (u: readonly string[]) => [...u].sort()

/** Same type, algorithm object, usages and extractable as jose's own key. */
function expectSameShape(ours: CryptoKey, theirs: CryptoKey): void {
  expect(ours.type).toBe(theirs.type)
  expect(ours.algorithm).toEqual(theirs.algorithm)
  expect(sorted(ours.usages)).toEqual(sorted(theirs.usages))
  expect(ours.extractable).toBe(theirs.extractable)
}

async function signAndVerify(
  alg: string,
  privateKey: jose.CryptoKey | KeyObject,
  publicKey: jose.CryptoKey | KeyObject,
) {
  const jwt = await new jose.SignJWT({ sub: 'platform-keygen' })
    .setProtectedHeader({ alg })
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(privateKey)
  const { payload, protectedHeader } = await jose.jwtVerify(jwt, publicKey, { algorithms: [alg] })
  expect(protectedHeader.alg).toBe(alg)
  expect(payload.sub).toBe('platform-keygen')
}

async function encryptAndDecrypt(alg: string, privateKey: jose.CryptoKey, publicKey: jose.CryptoKey) {
  const plaintext = new TextEncoder().encode(`secret for ${alg}`)
  const jwe = await new jose.CompactEncrypt(plaintext).setProtectedHeader({ alg, enc: 'A256GCM' }).encrypt(publicKey)
  const { plaintext: out, protectedHeader } = await jose.compactDecrypt(jwe, privateKey, {
    keyManagementAlgorithms: [alg],
  })
  expect(protectedHeader.alg).toBe(alg)
  expect(new TextDecoder().decode(out)).toBe(`secret for ${alg}`)
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe('generateKeyPair: jose algorithms round-trip through jose', () => {
  for (const alg of SIGNING) {
    it(`${alg}: SignJWT with our private key, jwtVerify with our public key; keys shaped as jose's`, async () => {
      const ours = await generateKeyPair(alg)
      const theirs = await jose.generateKeyPair(alg)
      expectSameShape(ours.privateKey, theirs.privateKey)
      expectSameShape(ours.publicKey, theirs.publicKey)
      expect(ours.privateKey.extractable).toBe(false)
      expect(ours.publicKey.extractable).toBe(true)
      await signAndVerify(alg, ours.privateKey, ours.publicKey)
    })
  }

  for (const alg of RSA_ENCRYPTION) {
    it(`${alg}: CompactEncrypt to our public key, compactDecrypt with our private key`, async () => {
      const ours = await generateKeyPair(alg)
      const theirs = await jose.generateKeyPair(alg)
      expectSameShape(ours.privateKey, theirs.privateKey)
      expectSameShape(ours.publicKey, theirs.publicKey)
      await encryptAndDecrypt(alg, ours.privateKey, ours.publicKey)
    })
  }

  for (const alg of ECDH) {
    for (const crv of ECDH_CURVES) {
      it(`${alg} on ${crv}: encrypt / decrypt through jose; keys shaped as jose's`, async () => {
        const ours = await generateKeyPair(alg, { crv })
        const theirs = await jose.generateKeyPair(alg, { crv })
        expectSameShape(ours.privateKey, theirs.privateKey)
        expectSameShape(ours.publicKey, theirs.publicKey)
        await encryptAndDecrypt(alg, ours.privateKey, ours.publicKey)
      })
    }
  }

  it('ECDH-ES defaults to P-256, as jose', async () => {
    const { privateKey } = await generateKeyPair('ECDH-ES')
    expect(privateKey.algorithm).toEqual({ name: 'ECDH', namedCurve: 'P-256' })
  })

  it('modulusLength sets the RSA size (3072, 4096); default 2048', async () => {
    const def = await generateKeyPair('PS256')
    expect((def.privateKey.algorithm as { modulusLength?: number }).modulusLength).toBe(2048)
    for (const modulusLength of [3072, 4096]) {
      const { privateKey, publicKey } = await generateKeyPair('RS256', { modulusLength })
      expect((privateKey.algorithm as { modulusLength?: number }).modulusLength).toBe(modulusLength)
      await signAndVerify('RS256', privateKey, publicKey)
    }
  })

  it('extractable: true gives an exportable private key whose public half matches', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true })
    expect(privateKey.extractable).toBe(true)
    const priv = await jose.exportJWK(privateKey)
    const pub = await jose.exportJWK(publicKey)
    expect(priv.d).toBeTypeOf('string')
    expect({ kty: priv.kty, crv: priv.crv, x: priv.x, y: priv.y }).toEqual({
      kty: pub.kty,
      crv: pub.crv,
      x: pub.x,
      y: pub.y,
    })
  })

  it('extractable: false (the default) refuses export, as jose', async () => {
    const { privateKey } = await generateKeyPair('ES384')
    await expect(jose.exportJWK(privateKey)).rejects.toThrow()
  })

  it('the key material comes from the platform backend, never from WebCrypto generateKey, and the handle is destroyed', async () => {
    const subtleGenerate = vi.spyOn(globalThis.crypto.subtle, 'generateKey')
    const destroy = vi.spyOn(KeyPair.prototype, 'destroy')
    for (const alg of ['RS256', 'ES256', 'EdDSA', 'ECDH-ES']) await generateKeyPair(alg)
    expect(subtleGenerate).not.toHaveBeenCalled()
    expect(destroy).toHaveBeenCalledTimes(4)
  })

  // KeyObject.toCryptoKey came with Node.js 22.10; before, every key goes through WebCrypto's importKey.
  const sample = generateKeyPairSync('x25519').privateKey
  let owner: object | null = sample
  while (owner && !Object.hasOwn(owner, 'toCryptoKey')) owner = Object.getPrototypeOf(owner)
  it.runIf(owner !== null)(
    'EC and OKP CryptoKeys come from KeyObject.toCryptoKey, not importKey (Node.js >= 22.10); RSA still through importKey; both halves one key',
    async () => {
      const importKey = vi.spyOn(globalThis.crypto.subtle, 'importKey')
      const toCryptoKey = vi.spyOn(owner as { toCryptoKey: KeyObject['toCryptoKey'] }, 'toCryptoKey')
      const cases = [
        ['ES256'],
        ['ES384'],
        ['ES512'],
        ['EdDSA'],
        ['ECDH-ES', 'P-521'],
        ['ECDH-ES', 'X25519'],
        ['ECDH-ES', 'X448'],
      ]
      for (const [alg, crv] of cases) {
        const { privateKey, publicKey } = await generateKeyPair(alg as string, { crv, extractable: true })
        const priv = await jose.exportJWK(privateKey)
        const pub = await jose.exportJWK(publicKey)
        expect(priv.d).toBeTypeOf('string')
        expect([priv.kty, priv.crv, priv.x, priv.y]).toEqual([pub.kty, pub.crv, pub.x, pub.y])
      }
      expect(importKey).not.toHaveBeenCalled()
      expect(toCryptoKey).toHaveBeenCalledTimes(2 * cases.length)
      await generateKeyPair('RS256')
      expect(importKey).toHaveBeenCalledTimes(2)
    },
  )
})

describe('generateKeyPair: errors exactly as jose', () => {
  /** Both ours and jose's reject with the same code and class. */
  async function bothReject(alg: unknown, options: unknown, code: string): Promise<void> {
    const ours = await expectCode(() => generateKeyPair(alg as string, options as never), code)
    const theirs = await expectCode(() => jose.generateKeyPair(alg as string, options as never), code)
    expect(ours.constructor).toBe(theirs.constructor)
    expect(ours.message).toBe(theirs.message)
  }

  it('unknown alg → ERR_JOSE_NOT_SUPPORTED (jose.errors.JOSENotSupported)', async () => {
    for (const alg of ['FOO', 'rs256', '', 'ES256K1', 'RSA1_5', 'none']) {
      await bothReject(alg, undefined, 'ERR_JOSE_NOT_SUPPORTED')
    }
    const err = await expectCode(() => generateKeyPair('FOO'), 'ERR_JOSE_NOT_SUPPORTED')
    expect(err).toBeInstanceOf(jose.errors.JOSENotSupported)
    expect(err.message).toBe('Invalid or unsupported "alg" (Algorithm) value')
  })

  it('a non-string alg → ERR_JOSE_NOT_SUPPORTED', async () => {
    for (const alg of [undefined, null, 256, {}]) await bothReject(alg, undefined, 'ERR_JOSE_NOT_SUPPORTED')
  })

  it('a secret alg → ERR_JOSE_NOT_SUPPORTED', async () => {
    for (const alg of [
      'HS256',
      'HS512',
      'A128KW',
      'A256GCMKW',
      'dir',
      'PBES2-HS256+A128KW',
      'A128GCM',
      'A128CBC-HS256',
    ]) {
      await bothReject(alg, undefined, 'ERR_JOSE_NOT_SUPPORTED')
    }
  })

  it('a bad crv → ERR_JOSE_NOT_SUPPORTED', async () => {
    for (const crv of ['secp256k1', 'Ed25519', 'P-192', 'p-256', 42]) {
      await expectCode(() => generateKeyPair('ECDH-ES', { crv: crv as string }), 'ERR_JOSE_NOT_SUPPORTED')
      await expectCode(() => jose.generateKeyPair('ECDH-ES', { crv: crv as string }), 'ERR_JOSE_NOT_SUPPORTED')
    }
    await bothReject('ES256', { crv: 'P-384' }, 'ERR_JOSE_NOT_SUPPORTED')
    await bothReject('ES512', { crv: 'P-256' }, 'ERR_JOSE_NOT_SUPPORTED')
    await bothReject('EdDSA', { crv: 'Ed448' }, 'ERR_JOSE_NOT_SUPPORTED')
    await bothReject('Ed25519', { crv: 'X25519' }, 'ERR_JOSE_NOT_SUPPORTED')
  })

  it('the matching crv is accepted; RSA and ML-DSA ignore crv, as jose', async () => {
    const { privateKey } = await generateKeyPair('ES384', { crv: 'P-384' })
    expect(privateKey.algorithm).toEqual({ name: 'ECDSA', namedCurve: 'P-384' })
    const rsa = await generateKeyPair('RS256', { crv: 'P-256' })
    expect(rsa.privateKey.algorithm.name).toBe('RSASSA-PKCS1-v1_5')
  })

  it('a short or malformed modulusLength → ERR_JOSE_NOT_SUPPORTED', async () => {
    for (const modulusLength of [1024, 2047, 512, 0, -2048, 2048.5, Number.NaN, '2048']) {
      await bothReject('RS256', { modulusLength }, 'ERR_JOSE_NOT_SUPPORTED')
    }
  })

  it('a modulusLength jose accepts but the platform table refuses → ERR_JOSE_NOT_SUPPORTED with the ERR_KEY_LENGTH cause', async () => {
    for (const modulusLength of [2050, 2049, 16448]) {
      const err = await expectCode(() => generateKeyPair('PS256', { modulusLength }), 'ERR_JOSE_NOT_SUPPORTED')
      expect(err).toBeInstanceOf(jose.errors.JOSENotSupported)
      expect((err.cause as { code?: string }).code).toBe('ERR_KEY_LENGTH')
    }
  })

  it('a non-boolean extractable → TypeError, checked before the alg (as jose)', async () => {
    for (const extractable of ['yes', 1, null, {}]) {
      for (const alg of ['ES256', 'FOO']) {
        const ours = await generateKeyPair(alg, { extractable: extractable as boolean }).catch((e: unknown) => e)
        const theirs = await jose.generateKeyPair(alg, { extractable: extractable as boolean }).catch((e: unknown) => e)
        expect(ours).toBeInstanceOf(TypeError)
        expect(theirs).toBeInstanceOf(TypeError)
        expect((ours as Error).message).toBe((theirs as Error).message)
      }
    }
  })
})

describe('generateKeyPair: beyond jose', () => {
  it('ES256K → node:crypto KeyObjects on secp256k1 by default (WebCrypto has no secp256k1); they sign and verify', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256K')
    expect(privateKey).toBeInstanceOf(KeyObject)
    expect(privateKey.asymmetricKeyType).toBe('ec')
    expect(privateKey.asymmetricKeyDetails?.namedCurve).toBe('secp256k1')
    expect(publicKey.type).toBe('public')
    const data = Buffer.from('ES256K message')
    const sig = sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' })
    expect(sig.length).toBe(64)
    expect(verify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, sig)).toBe(true)
  })

  it("ES256K with as: 'cryptokey' → ERR_JOSE_NOT_SUPPORTED naming the missing curve", async () => {
    const err = await expectCode(() => generateKeyPair('ES256K', { as: 'cryptokey' }), 'ERR_JOSE_NOT_SUPPORTED')
    expect(err.message).toMatch(/secp256k1/)
  })

  it("ES256K as: 'jwk' → a secp256k1 JWK with alg ES256K whose thumbprint matches jose's", async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256K', { as: 'jwk' })
    expect(publicKey).toMatchObject({ kty: 'EC', crv: 'secp256k1', alg: 'ES256K' })
    expect(publicKey.d).toBeUndefined()
    expect(privateKey.d).toBeTypeOf('string')
    const ko = createPrivateKey({ key: privateKey as never, format: 'jwk' })
    expect(ko.asymmetricKeyDetails?.namedCurve).toBe('secp256k1')
    expect(await jose.calculateJwkThumbprint(privateKey as jose.JWK)).toBe(
      await jose.calculateJwkThumbprint(publicKey as jose.JWK),
    )
  })

  it('ECDH-ES with crv X448 → X448 CryptoKeys that agree on a shared secret (jose v6 itself cannot use X448)', async () => {
    const a = await generateKeyPair('ECDH-ES+A256KW', { crv: 'X448' })
    const b = await generateKeyPair('ECDH-ES', { crv: 'X448' })
    expect(a.privateKey.algorithm).toEqual({ name: 'X448' })
    expect(a.privateKey.usages).toEqual(['deriveBits'])
    expect(a.publicKey.usages).toEqual([])
    const ab = await globalThis.crypto.subtle.deriveBits({ name: 'X448', public: b.publicKey }, a.privateKey, 448)
    const ba = await globalThis.crypto.subtle.deriveBits({ name: 'X448', public: a.publicKey }, b.privateKey, 448)
    expect(Buffer.from(ab).equals(Buffer.from(ba))).toBe(true)
    expect(ab.byteLength).toBe(56)
  })

  it("as: 'jwk' → JWKs with alg that jose's importJWK takes as they are", async () => {
    for (const alg of ['ES256', 'PS384', 'EdDSA']) {
      const { privateKey, publicKey } = await generateKeyPair(alg, { as: 'jwk' })
      expect(privateKey.alg).toBe(alg)
      expect(publicKey.alg).toBe(alg)
      const priv = await jose.importJWK(privateKey as jose.JWK)
      const pub = await jose.importJWK(publicKey as jose.JWK)
      await signAndVerify(alg, priv as jose.CryptoKey, pub as jose.CryptoKey)
    }
  })

  it("as: 'keyobject' → KeyObjects that jose signs and verifies with", async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { as: 'keyobject' })
    expect(privateKey).toBeInstanceOf(KeyObject)
    expect(privateKey.asymmetricKeyDetails?.modulusLength).toBe(2048)
    await signAndVerify('RS256', privateKey, publicKey)
  })

  it("as: 'keypair' → the platform KeyPair (non-extractable by default, as jose) and its PublicKey", async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { as: 'keypair' })
    try {
      expect(privateKey).toBeInstanceOf(KeyPair)
      expect(publicKey).toBeInstanceOf(PublicKey)
      expect(privateKey.algorithm).toBe('ECDSA_P256')
      expect(privateKey.extractable).toBe(false)
      await expectCode(() => privateKey.export({ format: 'jwk' }), 'ERR_NOT_EXTRACTABLE')
      expect(publicKey.export({ format: 'jwk' })).toMatchObject({ kty: 'EC', crv: 'P-256' })
    } finally {
      privateKey.destroy()
    }
    const extractable = await generateKeyPair('ES256', { as: 'keypair', extractable: true })
    try {
      expect(extractable.privateKey.export({ format: 'jwk' }).d).toBeTypeOf('string')
    } finally {
      extractable.privateKey.destroy()
    }
  })

  it('an unknown as → ERR_INVALID_REQUEST; extractable: false with a JWK or KeyObject result → ERR_INVALID_REQUEST', async () => {
    await expectCode(() => generateKeyPair('ES256', { as: 'pem' as never }), 'ERR_INVALID_REQUEST')
    await expectCode(() => generateKeyPair('ES256', { as: 'jwk', extractable: false }), 'ERR_INVALID_REQUEST')
    await expectCode(() => generateKeyPair('ES256', { as: 'keyobject', extractable: false }), 'ERR_INVALID_REQUEST')
  })
})

describe('generateKeyPair: ML-DSA', () => {
  for (const alg of ML_DSA) {
    it.skipIf(!nodeCryptoHasPostQuantum())(
      `${alg} round-trips through jose (skipped where WebCrypto lacks ML-DSA: Node.js < 24)`,
      async () => {
        const ours = await generateKeyPair(alg)
        const theirs = await jose.generateKeyPair(alg)
        expectSameShape(ours.privateKey, theirs.privateKey)
        expectSameShape(ours.publicKey, theirs.publicKey)
        await signAndVerify(alg, ours.privateKey, ours.publicKey)
        const jwk = await generateKeyPair(alg, { as: 'jwk' })
        expect(jwk.publicKey).toMatchObject({ kty: 'AKP', alg })
        expect(await jose.calculateJwkThumbprint(jwk.publicKey as jose.JWK)).toBe(
          await jose.calculateJwkThumbprint(jwk.privateKey as jose.JWK),
        )
      },
    )
  }

  it.runIf(hasPostQuantum() && !nodeCryptoHasPostQuantum())(
    'ML-DSA where OpenSSL has it but WebCrypto does not (Node 22): CryptoKeys → ERR_JOSE_NOT_SUPPORTED naming WebCrypto; as: keypair / jwk work',
    async () => {
      for (const alg of ML_DSA) {
        const err = await expectCode(() => generateKeyPair(alg), 'ERR_JOSE_NOT_SUPPORTED')
        expect(err).toBeInstanceOf(jose.errors.JOSENotSupported)
        expect(err.message).toContain(
          `${alg} is not supported by this runtime's WebCrypto (Node.js ${process.version})`,
        )
        const set = alg.slice('ML-DSA-'.length) as '44' | '65' | '87'
        const pair = await generateKeyPair(alg, { as: 'keypair', extractable: true })
        nobleMlDsaWorks(set, pair.privateKey.export({ format: 'der' }), pair.publicKey.export({ format: 'der' }))
        pair.privateKey.destroy()
        const jwk = await generateKeyPair(alg, { as: 'jwk' })
        expect(jwk.publicKey).toMatchObject({ kty: 'AKP', alg })
      }
    },
  )

  it.skipIf(hasPostQuantum())(
    'ML-DSA on a runtime whose OpenSSL lacks it → ERR_JOSE_NOT_SUPPORTED naming the runtime (skipped where ML-DSA exists)',
    async () => {
      for (const alg of ML_DSA) {
        const err = await expectCode(() => generateKeyPair(alg), 'ERR_JOSE_NOT_SUPPORTED')
        expect(err).toBeInstanceOf(jose.errors.JOSENotSupported)
        expect(err.message).toMatch(/OpenSSL 3\.5/)
        expect((err.cause as { code?: string }).code).toBe('ERR_NOT_SUPPORTED_ON_PLATFORM')
      }
    },
  )
})
