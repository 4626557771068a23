/**
 * JOSE with platform keys: tokens signed by SignJWT / CompactSign on a
 * non-extractable handle verify with jose itself, and tokens jose encrypts to
 * our public key decrypt with compactDecrypt / jwtDecrypt on the handle.
 */
import { type KeyObject, verify } from 'node:crypto'
import * as jose from 'jose'
import { describe, expect, it } from 'vitest'
import {
  CompactSign,
  compactDecrypt,
  generateKey,
  type JwsAlgorithm,
  jwtDecrypt,
  type KeySpec,
  SignJWT,
} from '../src/index.js'
import { expectCode, hasPostQuantum, nodeCryptoHasPostQuantum } from './helpers.js'

const PQ = hasPostQuantum()
// jose verifies ML-DSA through WebCrypto, which has it from Node.js 24 on; on Node.js 22
// node:crypto's verify judges those tokens instead
const WEBCRYPTO_PQ = nodeCryptoHasPostQuantum()

const SIGNERS: [JwsAlgorithm, KeySpec][] = [
  ['RS256', { algorithm: 'RSA', length: 2048 }],
  ['RS384', { algorithm: 'RSA', length: 2048 }],
  ['RS512', { algorithm: 'RSA', length: 2048 }],
  ['PS256', { algorithm: 'RSA', length: 2048 }],
  ['PS384', { algorithm: 'RSA', length: 2048 }],
  ['PS512', { algorithm: 'RSA', length: 2048 }],
  ['ES256', { algorithm: 'ECDSA_P256' }],
  ['ES384', { algorithm: 'ECDSA_P384' }],
  ['ES512', { algorithm: 'ECDSA_P521' }],
  ['ES256K', { algorithm: 'ECDSA', curve: 'secp256k1' }],
  ['EdDSA', { algorithm: 'EdDSA', curve: 'Ed25519' }],
  ['EdDSA', { algorithm: 'EdDSA', curve: 'Ed448' }],
  ['Ed25519', { algorithm: 'EdDSA', curve: 'Ed25519' }],
]
const PQ_SIGNERS: [JwsAlgorithm, KeySpec][] = [
  ['ML-DSA-44', { algorithm: 'ML-DSA', parameterSet: '44' }],
  ['ML-DSA-65', { algorithm: 'ML-DSA', parameterSet: '65' }],
  ['ML-DSA-87', { algorithm: 'ML-DSA', parameterSet: '87' }],
]

/** jose v6 has neither ES256K nor Ed448: those tokens are checked with node:crypto, part by part. */
function nodeVerifies(token: string, publicKey: KeyObject, alg: JwsAlgorithm): boolean {
  const [h, p, s] = token.split('.') as [string, string, string]
  const hash = alg === 'ES256K' ? 'sha256' : null
  const header = JSON.parse(Buffer.from(h, 'base64url').toString())
  return (
    header.alg === alg &&
    verify(hash, Buffer.from(`${h}.${p}`), { key: publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url'))
  )
}

async function signsForJose(alg: JwsAlgorithm, spec: KeySpec): Promise<void> {
  const key = await generateKey({ ...spec, extractable: false })
  const publicKey = key.publicKey.toKeyObject()
  if (alg === 'ES256K' || spec.curve === 'Ed448' || (alg.startsWith('ML-DSA') && !WEBCRYPTO_PQ)) {
    const jwt = await new SignJWT({ scope: 'read' }).setProtectedHeader({ alg }).setIssuedAt().sign(key)
    expect(nodeVerifies(jwt, publicKey, alg)).toBe(true)
    expect(jose.decodeJwt(jwt).scope).toBe('read')
    const other = await generateKey(spec)
    expect(nodeVerifies(await new SignJWT({}).setProtectedHeader({ alg }).sign(other), publicKey, alg)).toBe(false)
    return
  }
  const jwt = await new SignJWT({ scope: 'read' })
    .setProtectedHeader({ alg, kid: 'k1' })
    .setIssuer('urn:platform-keygen')
    .setAudience('urn:test')
    .setIssuedAt()
    .setExpirationTime('2h')
    .sign(key)
  const { payload, protectedHeader } = await jose.jwtVerify(jwt, publicKey, {
    issuer: 'urn:platform-keygen',
    audience: 'urn:test',
    algorithms: [alg],
  })
  expect(protectedHeader).toEqual({ alg, kid: 'k1' })
  expect(payload.scope).toBe('read')
  expect((payload.exp as number) - (payload.iat as number)).toBe(7200)
  const jws = await new CompactSign(new TextEncoder().encode('payload')).setProtectedHeader({ alg }).sign(key)
  const verified = await jose.compactVerify(jws, publicKey)
  expect(new TextDecoder().decode(verified.payload)).toBe('payload')
  // a token from another key does not verify with this one
  const other = await generateKey(spec)
  const forged = await new SignJWT({}).setProtectedHeader({ alg }).sign(other)
  await expect(jose.jwtVerify(forged, publicKey)).rejects.toMatchObject({
    code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
  })
  key.destroy()
  other.destroy()
}

describe('SignJWT / CompactSign with a platform key: jose verifies (node:crypto for ES256K and Ed448, which jose v6 lacks)', () => {
  for (const [alg, spec] of SIGNERS) {
    it(`${alg} (${spec.algorithm}${spec.curve ? ` ${spec.curve}` : ''})`, () => signsForJose(alg, spec))
  }
  describe.skipIf(!PQ)('ML-DSA (skipped: needs OpenSSL 3.5, Node.js 24+)', () => {
    for (const [alg, spec] of PQ_SIGNERS) it(alg, () => signsForJose(alg, spec))
  })

  it('refuses a key that does not fit the alg, an unknown alg, and a missing header', async () => {
    const ec = await generateKey({ algorithm: 'ECDSA_P256' })
    await expectCode(new SignJWT({}).setProtectedHeader({ alg: 'ES384' }).sign(ec), 'ERR_INVALID_REQUEST')
    await expectCode(new SignJWT({}).setProtectedHeader({ alg: 'RS256' }).sign(ec), 'ERR_INVALID_REQUEST')
    await expectCode(new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).sign(ec), 'ERR_JOSE_NOT_SUPPORTED')
    await expectCode(new SignJWT({}).sign(ec), 'ERR_INVALID_REQUEST')
    await expectCode(
      new CompactSign(new Uint8Array(1)).setProtectedHeader({ alg: 'ES256' }).sign({} as never),
      'ERR_INVALID_REQUEST',
    )
    expect(() => new CompactSign('x' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_REQUEST' }))
  })
})

const ENCS = ['A128GCM', 'A192GCM', 'A256GCM', 'A128CBC-HS256', 'A192CBC-HS384', 'A256CBC-HS512'] as const

describe('compactDecrypt / jwtDecrypt with a platform key: what jose encrypts decrypts', async () => {
  const rsa = await generateKey({ algorithm: 'RSA', length: 2048, extractable: false })
  const ecdh = {
    'P-256': await generateKey({ algorithm: 'ECDH_P256', extractable: false }),
    'P-384': await generateKey({ algorithm: 'ECDH_P384', extractable: false }),
    'P-521': await generateKey({ algorithm: 'ECDH_P521', extractable: false }),
    X25519: await generateKey({ algorithm: 'ECDH', curve: 'X25519', extractable: false }),
  }
  const plaintext = new TextEncoder().encode('a secret for the key that never leaves')

  for (const alg of ['RSA-OAEP', 'RSA-OAEP-256', 'RSA-OAEP-384', 'RSA-OAEP-512']) {
    it(`${alg} with every enc`, async () => {
      for (const enc of ENCS) {
        const jwe = await new jose.CompactEncrypt(plaintext)
          .setProtectedHeader({ alg, enc })
          .encrypt(rsa.publicKey.toKeyObject())
        const out = await compactDecrypt(jwe, rsa)
        expect(Buffer.from(out.plaintext).equals(Buffer.from(plaintext))).toBe(true)
        expect(out.protectedHeader).toEqual({ alg, enc })
      }
    })
  }

  for (const alg of ['ECDH-ES', 'ECDH-ES+A128KW', 'ECDH-ES+A192KW', 'ECDH-ES+A256KW']) {
    for (const [crv, key] of Object.entries(ecdh)) {
      it(`${alg} on ${crv} with every enc (and apu / apv)`, async () => {
        for (const enc of ENCS) {
          const jwe = await new jose.CompactEncrypt(plaintext)
            .setProtectedHeader({ alg, enc })
            .setKeyManagementParameters({
              apu: new TextEncoder().encode('Alice'),
              apv: new TextEncoder().encode('Bob'),
            })
            .encrypt(key.publicKey.toKeyObject())
          const out = await compactDecrypt(jwe, key)
          expect(Buffer.from(out.plaintext).equals(Buffer.from(plaintext))).toBe(true)
        }
      })
    }
  }

  it("jwtDecrypt checks the claims with jose's own rules", async () => {
    const jwt = await new jose.EncryptJWT({ role: 'admin' })
      .setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A256GCM' })
      .setIssuer('urn:issuer')
      .setExpirationTime('1h')
      .encrypt(rsa.publicKey.toKeyObject())
    const { payload } = await jwtDecrypt(jwt, rsa, { issuer: 'urn:issuer' })
    expect(payload.role).toBe('admin')
    await expectCode(jwtDecrypt(jwt, rsa, { issuer: 'urn:other' }), 'ERR_JWT_CLAIM_VALIDATION_FAILED')
    const expired = await new jose.EncryptJWT({})
      .setProtectedHeader({ alg: 'ECDH-ES', enc: 'A128GCM' })
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .encrypt(ecdh['P-256'].publicKey.toKeyObject())
    await expectCode(jwtDecrypt(expired, ecdh['P-256']), 'ERR_JWT_EXPIRED')
  })

  it('a modified token, the wrong key, an unknown alg: jose error codes', async () => {
    const jwe = await new jose.CompactEncrypt(plaintext)
      .setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A128CBC-HS256' })
      .encrypt(rsa.publicKey.toKeyObject())
    const parts = jwe.split('.')
    const tampered = [...parts.slice(0, 3), `${parts[3]?.slice(0, -2)}AA`, parts[4]].join('.')
    await expectCode(compactDecrypt(tampered, rsa), 'ERR_JWE_DECRYPTION_FAILED')
    const other = await generateKey({ algorithm: 'RSA', length: 2048 })
    await expectCode(compactDecrypt(jwe, other), 'ERR_JWE_DECRYPTION_FAILED')
    await expectCode(compactDecrypt('a.b.c', rsa), 'ERR_JWE_INVALID')
    const dir = await new jose.CompactEncrypt(plaintext)
      .setProtectedHeader({ alg: 'dir', enc: 'A128GCM' })
      .encrypt(new Uint8Array(16))
    await expectCode(compactDecrypt(dir, rsa), 'ERR_JOSE_NOT_SUPPORTED')
    // ECDH-ES to a P-256 key, decrypted with the P-384 key: the peer is refused
    const toP256 = await new jose.CompactEncrypt(plaintext)
      .setProtectedHeader({ alg: 'ECDH-ES', enc: 'A128GCM' })
      .encrypt(ecdh['P-256'].publicKey.toKeyObject())
    await expectCode(compactDecrypt(toP256, ecdh['P-384']), 'ERR_INVALID_KEY')
  })
})
