/** generateJwk: Apinizer "generate JWK" request bodies in, JWKs that jose (or node:crypto) really uses out. */
import { createHash, createPrivateKey, createPublicKey, sign, verify } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as jose from 'jose'
import { afterAll, describe, expect, it } from 'vitest'
import { type GenerateJwkRequest, type GenerateJwkResult, generateJwk } from '../src/apinizer/index.js'
import type { Jwk } from '../src/formats/jwk.js'
import { JwkStore } from '../src/store/index.js'
import { expectCode } from './helpers.js'

const FIXTURES = fileURLToPath(new URL('./fixtures/apinizer/', import.meta.url))
const NOW = new Date('2026-03-04T05:06:07.089Z')
const NOW_S = Math.floor(NOW.getTime() / 1000)
const ONE_YEAR_LATER_S = Math.floor(Date.parse('2027-03-04T05:06:07.089Z') / 1000)
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'priv']

const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

function fixture(file: string): GenerateJwkRequest {
  return JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as GenerateJwkRequest
}

const req = (type: string, params: Record<string, unknown>, extra: Record<string, unknown> = {}): GenerateJwkRequest =>
  ({ name: 'k', type, [type.toLowerCase()]: params, ...extra }) as unknown as GenerateJwkRequest

async function sigRoundTrip(alg: string, priv: Jwk, pub: Jwk | null): Promise<void> {
  const privateKey = await jose.importJWK(priv as jose.JWK, alg)
  const publicKey = await jose.importJWK((pub ?? priv) as jose.JWK, alg)
  const jwt = await new jose.SignJWT({ ok: true }).setProtectedHeader({ alg, kid: priv.kid as string }).sign(privateKey)
  const { payload } = await jose.jwtVerify(jwt, publicKey, { algorithms: [alg] })
  expect(payload.ok).toBe(true)
}

async function encRoundTrip(
  alg: string,
  enc: string,
  priv: Jwk,
  pub: Jwk | null,
  params: jose.JWEKeyManagementHeaderParameters = {},
): Promise<string> {
  const publicKey = await jose.importJWK((pub ?? priv) as jose.JWK, alg)
  const privateKey = await jose.importJWK(priv as jose.JWK, alg)
  const jwe = await new jose.CompactEncrypt(new TextEncoder().encode('apinizer'))
    .setProtectedHeader({ alg, enc })
    .setKeyManagementParameters(params)
    .encrypt(publicKey)
  const { plaintext } = await jose.compactDecrypt(jwe, privateKey, {
    keyManagementAlgorithms: [alg],
    contentEncryptionAlgorithms: [enc],
    maxPBES2Count: 1_000_000,
  })
  expect(new TextDecoder().decode(plaintext)).toBe('apinizer')
  return jwe
}

/** The checks every generated JWK must pass. */
async function expectValid(r: GenerateJwkResult): Promise<void> {
  const { privateJwk, publicJwk, metadata } = r
  expect(privateJwk.nbf).toBe(metadata.nbf)
  expect(privateJwk.exp).toBe(metadata.exp)
  expect(metadata.exp).toBeGreaterThan(metadata.nbf)
  expect(privateJwk.use).toBe(metadata.use)
  expect(privateJwk.kid).toBe(metadata.kid)
  expect(privateJwk.alg).toBe(metadata.alg)
  if (privateJwk.kty === 'oct') {
    expect(publicJwk).toBeNull()
    expect(Buffer.from(privateJwk.k as string, 'base64url').length * 8).toBe(metadata.keySize)
    expect(metadata.thumbprint).toBe(await jose.calculateJwkThumbprint(privateJwk as jose.JWK))
    return
  }
  expect(publicJwk).not.toBeNull()
  const pub = publicJwk as Jwk
  for (const m of PRIVATE_MEMBERS) expect(pub[m], `public JWK member ${m}`).toBeUndefined()
  for (const m of ['kty', 'kid', 'use', 'alg', 'nbf', 'exp', 'crv', 'n', 'e', 'x', 'y']) {
    expect(pub[m], `public member ${m} equals the private one`).toEqual(privateJwk[m])
  }
  expect(metadata.thumbprint).toBe(await jose.calculateJwkThumbprint(pub as jose.JWK))
  expect(await jose.calculateJwkThumbprint(privateJwk as jose.JWK)).toBe(metadata.thumbprint)
  // node:crypto takes the pair and agrees they match.
  const priv = createPrivateKey({ key: privateJwk as never, format: 'jwk' })
  const fromPub = createPublicKey({ key: pub as never, format: 'jwk' })
  expect(createPublicKey(priv).export({ format: 'jwk' })).toEqual(fromPub.export({ format: 'jwk' }))
  if (privateJwk.kty === 'RSA') {
    expect(Buffer.from(privateJwk.n as string, 'base64url').length * 8).toBe(metadata.keySize)
  }
}

describe('every Apinizer example body from its documentation', () => {
  const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.json'))

  it('the fixtures are the 4 parameter examples and the 7 cURL examples', () => {
    expect(files).toHaveLength(11)
  })

  for (const file of files) {
    it(`${file} → a valid JWK that jose uses`, async () => {
      const body = fixture(file)
      const r = await generateJwk(body, { now: NOW })
      await expectValid(r)
      const params = (body as unknown as Record<string, Record<string, unknown>>)[body.type.toLowerCase()] ?? {}
      expect(r.privateJwk.kid).toBe(body.kid)
      expect(r.metadata).toMatchObject({ name: body.name, description: body.description, type: body.type })
      expect(r.metadata.kidSource).toBe('explicit')
      if (params.notBeforeTime) {
        expect(r.privateJwk.nbf).toBe(1704067200)
        expect(r.privateJwk.exp).toBe(1735689600)
      } else {
        expect(r.privateJwk.nbf).toBe(NOW_S)
        expect(r.privateJwk.exp).toBe(ONE_YEAR_LATER_S)
      }
      switch (body.type) {
        case 'RSA':
          expect(r.privateJwk.kty).toBe('RSA')
          expect(r.metadata.keySize).toBe(params.keySize)
          await sigRoundTrip('RS256', r.privateJwk, r.publicJwk)
          break
        case 'EC': {
          const crv = params.curveType === 'P256' ? 'P-256' : 'P-384'
          expect(r.privateJwk).toMatchObject({ kty: 'EC', crv, use: 'sig' })
          await sigRoundTrip(crv === 'P-256' ? 'ES256' : 'ES384', r.privateJwk, r.publicJwk)
          break
        }
        case 'OCT':
          expect(r.privateJwk).toMatchObject({ kty: 'oct', use: 'sig' })
          await sigRoundTrip('HS256', r.privateJwk, null)
          break
        case 'OKP':
          if (params.curveType === 'ED25519') {
            expect(r.privateJwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519', use: 'sig' })
            await sigRoundTrip('EdDSA', r.privateJwk, r.publicJwk)
          } else {
            // X25519 only agrees keys: keyUseType defaults to ENCRYPTION for it.
            expect(r.privateJwk).toMatchObject({ kty: 'OKP', crv: 'X25519', use: 'enc' })
            await encRoundTrip('ECDH-ES', 'A256GCM', r.privateJwk, r.publicJwk)
          }
          break
      }
      if (params.algorithm) {
        const jwa = { RSA256: 'RS256', ES256: 'ES256', HS256: 'HS256', EdDSA: 'EdDSA' }[params.algorithm as string]
        expect(r.privateJwk.alg).toBe(jwa)
        expect(r.metadata.algorithm).toBe(params.algorithm)
      } else {
        expect(r.privateJwk.alg).toBeUndefined()
      }
    })
  }
})

describe('every enum value', () => {
  it('RSA: every algorithm (Apinizer spelling → JWA) on keySize 2048, and keySize 3072', async () => {
    const sig = { RSA256: 'RS256', RSA384: 'RS384', RSA512: 'RS512', PS256: 'PS256', PS384: 'PS384', PS512: 'PS512' }
    for (const [algorithm, alg] of Object.entries(sig)) {
      const r = await generateJwk(req('RSA', { keySize: 2048, algorithm }))
      await expectValid(r)
      expect(r.privateJwk).toMatchObject({ alg, use: 'sig' })
      await sigRoundTrip(alg, r.privateJwk, r.publicJwk)
    }
    const enc = {
      RSA_OAEP: 'RSA-OAEP',
      RSA_OAEP_256: 'RSA-OAEP-256',
      RSA_OAEP_384: 'RSA-OAEP-384',
      RSA_OAEP_512: 'RSA-OAEP-512',
    }
    for (const [algorithm, alg] of Object.entries(enc)) {
      const r = await generateJwk(req('RSA', { keySize: 2048, algorithm, keyUseType: 'ENCRYPTION' }))
      await expectValid(r)
      expect(r.privateJwk).toMatchObject({ alg, use: 'enc' })
      await encRoundTrip(alg, 'A128GCM', r.privateJwk, r.publicJwk)
    }
    const oaep = await generateJwk(req('RSA', { keySize: 2048, algorithm: 'RSA_OAEP' }))
    expect(oaep.metadata.warnings[0]).toMatch(/SHA-1/)
    // RSA1_5: jose v6 dropped it; the JWK is still well-formed and flagged deprecated.
    const v15 = await generateJwk(req('RSA', { keySize: 2048, algorithm: 'RSA1_5' }))
    await expectValid(v15)
    expect(v15.privateJwk).toMatchObject({ alg: 'RSA1_5', use: 'enc' })
    expect(v15.metadata.warnings[0]).toMatch(/deprecated/)
    const r3072 = await generateJwk(req('RSA', { keySize: 3072 }))
    await expectValid(r3072)
    expect(r3072.metadata.keySize).toBe(3072)
  })

  it('EC: ES256/P256, ES384/P384, ES512/P521 sign through jose; ES256K/SECP256K1 through node:crypto', async () => {
    for (const [curveType, algorithm, crv] of [
      ['P256', 'ES256', 'P-256'],
      ['P384', 'ES384', 'P-384'],
      ['P521', 'ES512', 'P-521'],
    ] as const) {
      const r = await generateJwk(req('EC', { curveType, algorithm }))
      await expectValid(r)
      expect(r.privateJwk).toMatchObject({ kty: 'EC', crv, alg: algorithm, use: 'sig' })
      await sigRoundTrip(algorithm, r.privateJwk, r.publicJwk)
    }
    const k1 = await generateJwk(req('EC', { curveType: 'SECP256K1', algorithm: 'ES256K' }))
    await expectValid(k1)
    expect(k1.privateJwk).toMatchObject({ crv: 'secp256k1', alg: 'ES256K', use: 'sig' })
    const data = Buffer.from('secp256k1')
    const s = sign('sha256', data, {
      key: createPrivateKey({ key: k1.privateJwk as never, format: 'jwk' }),
      dsaEncoding: 'ieee-p1363',
    })
    const pub = createPublicKey({ key: k1.publicJwk as never, format: 'jwk' })
    expect(verify('sha256', data, { key: pub, dsaEncoding: 'ieee-p1363' }, s)).toBe(true)
    const noAlg = await generateJwk(req('EC', { curveType: 'SECP256K1' }))
    expect(noAlg.privateJwk.use).toBe('sig')
  })

  it('EC and OKP: every ECDH_ES algorithm on P256, P384, P521 and X25519 encrypts and decrypts through jose', async () => {
    const map = {
      ECDH_ES: 'ECDH-ES',
      ECDH_ES_A128KW: 'ECDH-ES+A128KW',
      ECDH_ES_A192KW: 'ECDH-ES+A192KW',
      ECDH_ES_A256KW: 'ECDH-ES+A256KW',
    }
    for (const [algorithm, alg] of Object.entries(map)) {
      for (const [type, curveType] of [
        ['EC', 'P256'],
        ['EC', 'P384'],
        ['EC', 'P521'],
        ['OKP', 'X25519'],
      ] as const) {
        const r = await generateJwk(req(type, { curveType, algorithm, keyUseType: 'ENCRYPTION' }))
        await expectValid(r)
        expect(r.privateJwk).toMatchObject({ alg, use: 'enc' })
        await encRoundTrip(alg, 'A256GCM', r.privateJwk, r.publicJwk)
      }
    }
  })

  it('EC and OKP: every ECDH_1PU algorithm maps to its JWA name (jose has no ECDH-1PU; node:crypto takes the keys)', async () => {
    const map = {
      ECDH_1PU: 'ECDH-1PU',
      ECDH_1PU_A128KW: 'ECDH-1PU+A128KW',
      ECDH_1PU_A192KW: 'ECDH-1PU+A192KW',
      ECDH_1PU_A256KW: 'ECDH-1PU+A256KW',
    }
    for (const [algorithm, alg] of Object.entries(map)) {
      for (const [type, curveType] of [
        ['EC', 'P256'],
        ['EC', 'P521'],
        ['OKP', 'X25519'],
      ] as const) {
        const r = await generateJwk(req(type, { curveType, algorithm }))
        await expectValid(r)
        expect(r.privateJwk).toMatchObject({ alg, use: 'enc' })
      }
    }
  })

  it('OKP: ED25519 with EdDSA; X25519 without an algorithm', async () => {
    const ed = await generateJwk(req('OKP', { curveType: 'ED25519', algorithm: 'EdDSA' }))
    await expectValid(ed)
    await sigRoundTrip('EdDSA', ed.privateJwk, ed.publicJwk)
    const x = await generateJwk(req('OKP', { curveType: 'X25519', keyUseType: 'ENCRYPTION' }))
    await expectValid(x)
    expect(x.privateJwk.alg).toBeUndefined()
  })

  it('OCT: every keySize; HS256/384/512 on big-enough keys sign through jose', async () => {
    for (const keySize of [128, 192, 256, 384, 512]) {
      const r = await generateJwk(req('OCT', { keySize }))
      await expectValid(r)
      expect(r.privateJwk.use).toBe('sig')
    }
    for (const [algorithm, sizes] of [
      ['HS256', [256, 384, 512]],
      ['HS384', [384, 512]],
      ['HS512', [512]],
    ] as const) {
      for (const keySize of sizes) {
        const r = await generateJwk(req('OCT', { keySize, algorithm }))
        await expectValid(r)
        await sigRoundTrip(algorithm, r.privateJwk, null)
      }
    }
  })

  it('OCT: A128/192/256KW and A128/192/256GCMKW wrap keys through jose', async () => {
    for (const bits of [128, 192, 256]) {
      for (const algorithm of [`A${bits}KW`, `A${bits}GCMKW`]) {
        const r = await generateJwk(req('OCT', { keySize: bits, algorithm, keyUseType: 'ENCRYPTION' }))
        await expectValid(r)
        expect(r.privateJwk).toMatchObject({ alg: algorithm, use: 'enc' })
        await encRoundTrip(algorithm, 'A256GCM', r.privateJwk, null)
      }
    }
  })

  it('OCT: DIR → alg "dir", a direct content key of each size', async () => {
    const encFor: Record<number, string> = {
      128: 'A128GCM',
      192: 'A192GCM',
      256: 'A128CBC-HS256',
      384: 'A192CBC-HS384',
      512: 'A256CBC-HS512',
    }
    for (const [keySize, enc] of Object.entries(encFor)) {
      const r = await generateJwk(req('OCT', { keySize: Number(keySize), algorithm: 'DIR' }))
      await expectValid(r)
      expect(r.privateJwk).toMatchObject({ alg: 'dir', use: 'enc' })
      await encRoundTrip('dir', enc, r.privateJwk, null)
    }
  })

  it('OCT: PBES2_* → PBES2-HS*+A*KW; salt length and iteration count (defaults 8 and 1000) recorded and usable', async () => {
    for (const [algorithm, alg] of [
      ['PBES2_HS256_A128KW', 'PBES2-HS256+A128KW'],
      ['PBES2_HS384_A192KW', 'PBES2-HS384+A192KW'],
      ['PBES2_HS512_A256KW', 'PBES2-HS512+A256KW'],
    ] as const) {
      const def = await generateJwk(req('OCT', { keySize: 256, algorithm }))
      await expectValid(def)
      expect(def.privateJwk).toMatchObject({ alg, use: 'enc' })
      expect(def.metadata.pbes2).toEqual({ saltLength: 8, iterationCount: 1000 })
      const custom = await generateJwk(
        req('OCT', { keySize: 128, algorithm, passwordSaltLength: 16, passwordIterationCount: 2000 }),
      )
      expect(custom.metadata.pbes2).toEqual({ saltLength: 16, iterationCount: 2000 })
      const { saltLength, iterationCount } = custom.metadata.pbes2 as { saltLength: number; iterationCount: number }
      const jwe = await encRoundTrip(alg, 'A128GCM', custom.privateJwk, null, {
        p2c: iterationCount,
        p2s: new Uint8Array(saltLength).fill(7),
      })
      expect(jose.decodeProtectedHeader(jwe).p2c).toBe(2000)
    }
    // For a non-PBES2 algorithm they are validated but have no meaning (the doc's own HS256 example carries them).
    const hs = await generateJwk(req('OCT', { keySize: 256, algorithm: 'HS256', passwordSaltLength: 8 }))
    expect(hs.metadata.pbes2).toBeUndefined()
  })

  it('the JWA spellings are accepted too', async () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ['RSA', { keySize: 2048, algorithm: 'RS256' }, 'RS256'],
      ['RSA', { keySize: 2048, algorithm: 'RSA-OAEP-256' }, 'RSA-OAEP-256'],
      ['EC', { curveType: 'P256', algorithm: 'ECDH-ES+A128KW' }, 'ECDH-ES+A128KW'],
      ['OKP', { curveType: 'X25519', algorithm: 'ECDH-1PU+A256KW' }, 'ECDH-1PU+A256KW'],
      ['OCT', { keySize: 128, algorithm: 'PBES2-HS256+A128KW' }, 'PBES2-HS256+A128KW'],
      ['OCT', { keySize: 256, algorithm: 'dir' }, 'dir'],
    ]
    for (const [type, params, alg] of cases) {
      const r = await generateJwk(req(type, params))
      expect(r.privateJwk.alg).toBe(alg)
    }
  })

  it("keyUseType: SIGNATURE and ENCRYPTION → use sig / enc; default SIGNATURE, or the algorithm's use", async () => {
    expect((await generateJwk(req('EC', { curveType: 'P256', keyUseType: 'SIGNATURE' }))).privateJwk.use).toBe('sig')
    expect((await generateJwk(req('EC', { curveType: 'P256', keyUseType: 'ENCRYPTION' }))).privateJwk.use).toBe('enc')
    expect((await generateJwk(req('EC', { curveType: 'P256' }))).privateJwk.use).toBe('sig')
    expect((await generateJwk(req('EC', { curveType: 'P256', algorithm: 'ECDH_ES' }))).privateJwk.use).toBe('enc')
    expect((await generateJwk(req('OCT', { keySize: 128, algorithm: 'A128KW' }))).privateJwk.use).toBe('enc')
  })
})

describe('keyIdType formulas', () => {
  const ec = (keyIdType?: string, extra: Record<string, unknown> = {}) =>
    generateJwk(req('EC', { curveType: 'P256', ...(keyIdType ? { keyIdType } : {}) }, extra), { now: NOW })

  it('TIMESTAMP (the default): <use>-<Unix time in milliseconds>', async () => {
    expect((await ec('TIMESTAMP')).privateJwk.kid).toBe(`sig-${NOW.getTime()}`)
    expect((await ec()).privateJwk.kid).toBe('sig-1772600767089')
    const enc = await generateJwk(req('OKP', { curveType: 'X25519' }), { now: NOW })
    expect(enc.privateJwk.kid).toBe('enc-1772600767089')
    expect(enc.metadata.keyIdType).toBe('TIMESTAMP')
  })

  it('ISO_DATE: <use>-<ISO 8601 UTC with milliseconds>', async () => {
    expect((await ec('ISO_DATE')).privateJwk.kid).toBe('sig-2026-03-04T05:06:07.089Z')
  })

  it("SHA256: the RFC 7638 thumbprint, equal to jose's calculateJwkThumbprint (EC, RSA, OKP, OCT)", async () => {
    const rs = [
      await ec('SHA256'),
      await generateJwk(req('RSA', { keySize: 2048, keyIdType: 'SHA256' })),
      await generateJwk(req('OKP', { curveType: 'ED25519', keyIdType: 'SHA256' })),
      await generateJwk(req('OCT', { keySize: 256, keyIdType: 'SHA256' })),
    ]
    for (const r of rs) {
      const expected = await jose.calculateJwkThumbprint((r.publicJwk ?? r.privateJwk) as jose.JWK, 'sha256')
      expect(r.privateJwk.kid).toBe(expected)
      expect(r.metadata.thumbprint).toBe(expected)
    }
  })

  it('SHA1: the RFC 7638 method (required members, sorted, no whitespace) with SHA-1, base64url', async () => {
    const r = await ec('SHA1')
    const { crv, kty, x, y } = r.publicJwk as Jwk
    const expected = createHash('sha1').update(JSON.stringify({ crv, kty, x, y })).digest('base64url')
    expect(r.privateJwk.kid).toBe(expected)
    expect(expected).toHaveLength(27)
  })

  it('NONE: no kid member at all', async () => {
    const r = await ec('NONE')
    expect('kid' in r.privateJwk).toBe(false)
    expect('kid' in (r.publicJwk as Jwk)).toBe(false)
    expect(r.metadata.kidSource).toBe('none')
  })

  it('an explicit kid wins over every keyIdType; an empty kid counts as not given', async () => {
    for (const keyIdType of ['TIMESTAMP', 'SHA256', 'SHA1', 'ISO_DATE', 'NONE']) {
      const r = await ec(keyIdType, { kid: 'chosen' })
      expect(r.privateJwk.kid).toBe('chosen')
      expect(r.publicJwk?.kid).toBe('chosen')
      expect(r.metadata.kidSource).toBe('explicit')
    }
    expect((await ec('ISO_DATE', { kid: '' })).privateJwk.kid).toBe('sig-2026-03-04T05:06:07.089Z')
  })
})

describe('notBeforeTime and expirationTime', () => {
  const at = (notBeforeTime?: string, expirationTime?: string) =>
    generateJwk(req('OCT', { keySize: 128, notBeforeTime, expirationTime }), { now: NOW })

  it('default: nbf = now, exp = one calendar year later, in whole seconds', async () => {
    const r = await at()
    expect(r.privateJwk.nbf).toBe(NOW_S)
    expect(r.privateJwk.exp).toBe(ONE_YEAR_LATER_S)
    expect(r.metadata.notBefore).toBe('2026-03-04T05:06:07.000Z')
  })

  it('exp defaults to one year after the given notBeforeTime; 29 February + 1 year = 1 March', async () => {
    const r = await at('2024-02-29T12:00:00Z')
    expect(r.metadata.expiration).toBe('2025-03-01T12:00:00.000Z')
  })

  it('ISO 8601 forms: date only (UTC midnight), offsets, fractions', async () => {
    expect((await at('2024-01-01')).privateJwk.nbf).toBe(1704067200)
    expect((await at('2024-01-01T03:00:00+03:00')).privateJwk.nbf).toBe(1704067200)
    expect((await at('2024-01-01T00:00:00.999Z')).privateJwk.nbf).toBe(1704067200)
    expect((await at('2024-01-01T00:00Z')).privateJwk.nbf).toBe(1704067200)
    const r = await at('2024-01-01T00:00:00Z', '2024-01-01T00:00:01Z')
    expect(r.privateJwk.exp).toBe(1704067201)
  })

  it('bad times → ERR_INVALID_REQUEST', async () => {
    for (const bad of [
      'yesterday',
      '2024-13-01T00:00:00Z',
      '2024-02-30',
      '2023-02-29T00:00:00Z',
      '2024-01-01T00:00:00',
      '2024-01-01T24:00:00Z',
      '2024-01-01T00:00:00+15:00',
      '',
    ]) {
      await expectCode(() => at(bad), 'ERR_INVALID_REQUEST')
    }
    await expectCode(() => generateJwk(req('OCT', { keySize: 128, notBeforeTime: 1704067200 })), 'ERR_INVALID_REQUEST')
  })

  it('expirationTime not after notBeforeTime → ERR_INVALID_REQUEST', async () => {
    const e = await expectCode(() => at('2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z'), 'ERR_INVALID_REQUEST')
    expect(e.message).toMatch(/expirationTime must be after notBeforeTime/)
    await expectCode(() => at('2024-01-02T00:00:00Z', '2024-01-01T00:00:00Z'), 'ERR_INVALID_REQUEST')
    await expectCode(() => at(undefined, '2020-01-01T00:00:00Z'), 'ERR_INVALID_REQUEST')
  })
})

describe('bad requests → ERR_INVALID_REQUEST with the right message', () => {
  async function refused(body: unknown, message: string | RegExp): Promise<void> {
    const err = await expectCode(() => generateJwk(body as GenerateJwkRequest), 'ERR_INVALID_REQUEST')
    if (typeof message === 'string') expect(err.message).toBe(message)
    else expect(err.message).toMatch(message)
  }

  it('Apinizer\'s own: "JWK name can not be empty!" and "JWK type can not be empty!"', async () => {
    for (const name of [undefined, null, '', '   ']) {
      await refused({ name, type: 'OCT', oct: { keySize: 128 } }, 'JWK name can not be empty!')
    }
    for (const type of [undefined, null, '']) {
      await refused({ name: 'n', type, oct: { keySize: 128 } }, 'JWK type can not be empty!')
    }
    // name is checked first, as Apinizer does.
    await refused({}, 'JWK name can not be empty!')
  })

  it('malformed requests', async () => {
    await refused(null, /JSON object/)
    await refused([], /JSON object/)
    await refused('RSA', /JSON object/)
    await refused({ name: 42, type: 'RSA' }, /name must be a string/)
    await refused({ name: 'n', type: 'DSA' }, /JWK type must be one of RSA, EC, OCT, OKP/)
    await refused({ name: 'n', type: 'rsa', rsa: { keySize: 2048 } }, /JWK type must be one of/)
    await refused(
      { name: 'n', type: 'OCT', oct: { keySize: 128 }, sourceType: 'GENERATE' },
      /unknown field "sourceType"/,
    )
    await refused(
      { name: 'n', type: 'OCT', oct: { keySize: 128, curveType: 'P256' } },
      /unknown field "curveType" in "oct"/,
    )
    await refused(
      { name: 'n', type: 'RSA', rsa: { keySize: 2048, passwordSaltLength: 8 } },
      /unknown field "passwordSaltLength"/,
    )
    await refused({ name: 'n', type: 'RSA' }, /needs its "rsa" parameters/)
    await refused({ name: 'n', type: 'RSA', rsa: null }, /needs its "rsa" parameters/)
    await refused({ name: 'n', type: 'RSA', rsa: 2048 }, /"rsa" must be an object/)
    await refused(
      { name: 'n', type: 'RSA', rsa: { keySize: 2048 }, ec: { curveType: 'P256' } },
      /only the "rsa" parameters/,
    )
    await refused({ name: 'n', type: 'OCT', oct: { keySize: 128 }, description: 5 }, /description must be a string/)
    await refused({ name: 'n', type: 'OCT', oct: { keySize: 128 }, kid: 5 }, /kid must be a string/)
  })

  it('bad sizes and curves', async () => {
    for (const keySize of [undefined, 1024, 2047, 8192, '2048', 2048.5]) {
      await refused(req('RSA', { keySize }), /rsa\.keySize/)
    }
    for (const keySize of [undefined, 64, 100, 1020, 8200, '256']) {
      await refused(req('OCT', { keySize }), /oct\.keySize/)
    }
    for (const curveType of [undefined, 'P-256', 'p256', 'ED25519', 'X25519']) {
      await refused(req('EC', { curveType }), /ec\.curveType/)
    }
    for (const curveType of [undefined, 'Ed25519', 'ED448', 'X448', 'P256']) {
      await refused(req('OKP', { curveType }), /okp\.curveType/)
    }
  })

  it('unknown enum values', async () => {
    await refused(
      req('EC', { curveType: 'P256', keyUseType: 'SIGN' }),
      /keyUseType must be one of SIGNATURE, ENCRYPTION/,
    )
    await refused(
      req('EC', { curveType: 'P256', keyIdType: 'UUID' }),
      /keyIdType must be one of TIMESTAMP, SHA256, SHA1, ISO_DATE, NONE/,
    )
    await refused(req('RSA', { keySize: 2048, algorithm: 'RS999' }), /algorithm "RS999" is unknown/)
    await refused(req('RSA', { keySize: 2048, algorithm: 256 }), /algorithm must be a string/)
    await refused(req('RSA', { keySize: 2048, algorithm: 'rsa256' }), /unknown/)
  })

  it('an algorithm of another type', async () => {
    await refused(req('RSA', { keySize: 2048, algorithm: 'ES256' }), /ES256 is not for RSA keys/)
    await refused(req('EC', { curveType: 'P256', algorithm: 'RSA256' }), /RSA256 is not for EC keys/)
    await refused(req('RSA', { keySize: 2048, algorithm: 'HS256' }), /HS256 is not for RSA keys/)
    await refused(req('OCT', { keySize: 256, algorithm: 'EdDSA' }), /EdDSA is not for OCT keys/)
    await refused(req('OKP', { curveType: 'ED25519', algorithm: 'ES256' }), /ES256 is not for OKP keys/)
    await refused(req('EC', { curveType: 'P256', algorithm: 'EdDSA' }), /EdDSA is not for EC keys/)
  })

  it('an algorithm of the other use', async () => {
    await refused(
      req('RSA', { keySize: 2048, algorithm: 'RSA256', keyUseType: 'ENCRYPTION' }),
      /RSA256 is for SIGNATURE, but keyUseType is ENCRYPTION/,
    )
    await refused(
      req('RSA', { keySize: 2048, algorithm: 'RSA_OAEP_256', keyUseType: 'SIGNATURE' }),
      /is for ENCRYPTION, but keyUseType is SIGNATURE/,
    )
    await refused(
      req('EC', { curveType: 'P256', algorithm: 'ECDH_ES', keyUseType: 'SIGNATURE' }),
      /ECDH_ES is for ENCRYPTION/,
    )
    await refused(req('OCT', { keySize: 256, algorithm: 'HS256', keyUseType: 'ENCRYPTION' }), /HS256 is for SIGNATURE/)
    await refused(req('OCT', { keySize: 128, algorithm: 'DIR', keyUseType: 'SIGNATURE' }), /DIR is for ENCRYPTION/)
  })

  it('an algorithm on the wrong curve, a curve on the wrong use', async () => {
    await refused(req('EC', { curveType: 'P256', algorithm: 'ES384' }), /ES384 works on P384, not P256/)
    await refused(req('EC', { curveType: 'P521', algorithm: 'ES256K' }), /ES256K works on SECP256K1, not P521/)
    await refused(req('EC', { curveType: 'SECP256K1', algorithm: 'ES256' }), /ES256 works on P256/)
    await refused(
      req('EC', { curveType: 'SECP256K1', algorithm: 'ECDH_ES' }),
      /works on P256, P384, P521, X25519, not SECP256K1/,
    )
    await refused(req('EC', { curveType: 'SECP256K1', keyUseType: 'ENCRYPTION' }), /SECP256K1 keys only sign/)
    await refused(req('OKP', { curveType: 'ED25519', keyUseType: 'ENCRYPTION' }), /ED25519 keys only sign/)
    await refused(req('OKP', { curveType: 'ED25519', algorithm: 'ECDH_ES' }), /not ED25519/)
    await refused(req('OKP', { curveType: 'X25519', keyUseType: 'SIGNATURE' }), /X25519 keys only agree keys/)
    await refused(req('OKP', { curveType: 'X25519', algorithm: 'EdDSA' }), /EdDSA works on ED25519, not X25519/)
  })

  it('an OCT algorithm on the wrong key size', async () => {
    await refused(req('OCT', { keySize: 256, algorithm: 'A128KW' }), /A128KW needs keySize 128, not 256/)
    await refused(req('OCT', { keySize: 128, algorithm: 'A256GCMKW' }), /A256GCMKW needs keySize 256, not 128/)
    await refused(req('OCT', { keySize: 128, algorithm: 'HS256' }), /HS256 needs keySize 256 or more/)
    await refused(req('OCT', { keySize: 256, algorithm: 'HS384' }), /HS384 needs keySize 384 or more/)
    await refused(req('OCT', { keySize: 384, algorithm: 'HS512' }), /HS512 needs keySize 512 or more/)
  })

  it('bad PBES2 parameters', async () => {
    for (const passwordSaltLength of [7, 0, -8, 8.5, '8', 1025]) {
      await refused(
        req('OCT', { keySize: 128, algorithm: 'PBES2_HS256_A128KW', passwordSaltLength }),
        /passwordSaltLength must be an integer from 8/,
      )
    }
    for (const passwordIterationCount of [999, 0, '1000', 1000.5]) {
      await refused(
        req('OCT', { keySize: 128, algorithm: 'PBES2_HS256_A128KW', passwordIterationCount }),
        /passwordIterationCount must be an integer from 1000/,
      )
    }
  })

  it('bad options', async () => {
    const body = req('OCT', { keySize: 128 })
    await expectCode(() => generateJwk(body, { clock: 1 } as never), 'ERR_INVALID_REQUEST')
    await expectCode(() => generateJwk(body, { now: new Date(Number.NaN) }), 'ERR_INVALID_REQUEST')
    await expectCode(() => generateJwk(body, { now: '2024-01-01' as never }), 'ERR_INVALID_REQUEST')
  })
})

describe('generateJwk with a store', () => {
  it('adds the JWK; the same name again → Apinizer\'s "is already exist!" message, store unchanged', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pk-apinizer-'))
    dirs.push(dir)
    const store = new JwkStore(join(dir, 'jwks.json'))
    const body = fixture('example-3-ec-p256.json')
    const r = await generateJwk(body, { store })
    expect(await store.has('generated-ec-jwk')).toBe(true)
    expect((await store.get('generated-ec-jwk')).privateJwk).toEqual(r.privateJwk)
    const before = readFileSync(join(dir, 'jwks.json'))
    const err = await expectCode(() => generateJwk({ ...body, kid: 'other' }, { store }), 'ERR_INVALID_REQUEST')
    expect(err.message).toBe(
      'JWK (name: generated-ec-jwk) is already exist! Try update operation if want to change its value.',
    )
    expect(readFileSync(join(dir, 'jwks.json')).equals(before)).toBe(true)
    expect(await store.publicJwks()).toEqual({ keys: [r.publicJwk] })
  })
})
