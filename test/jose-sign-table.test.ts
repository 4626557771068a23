/**
 * The JWS algorithms SignJWT / CompactSign take are the registry's signature rows the jose
 * drop-in uses (src/jose/sign.ts derives them from JOSE_ALGORITHMS): exactly these fifteen, the
 * JwsAlgorithm type naming the same, and for each the key it needs, said in the refusal.
 */
import { describe, expect, it } from 'vitest'
import { CompactSign, generateKey, type JwsAlgorithm, type KeyPair, SignJWT } from '../src/index.js'
import { ECDH_ALGORITHMS, PAIR_ALGORITHMS } from '../src/jose/algorithms.js'
import { JWS_ALGORITHMS } from '../src/jose/sign.js'
import { JOSE_ALGORITHMS } from '../src/registry.js'
import { expectCode } from './helpers.js'

// `satisfies` fails the type check if JwsAlgorithm gains or loses a member this list lacks or has
const EVERY_JWS_ALGORITHM = {
  RS256: true,
  RS384: true,
  RS512: true,
  PS256: true,
  PS384: true,
  PS512: true,
  ES256: true,
  ES384: true,
  ES512: true,
  ES256K: true,
  EdDSA: true,
  Ed25519: true,
  'ML-DSA-44': true,
  'ML-DSA-65': true,
  'ML-DSA-87': true,
} as const satisfies Record<JwsAlgorithm, true>

async function refusal(alg: string, key: KeyPair): Promise<{ code?: string; message: string }> {
  return new SignJWT({})
    .setProtectedHeader({ alg })
    .sign(key)
    .then(
      () => ({ message: 'signed' }),
      (err: { code?: string; message: string }) => ({ code: err.code, message: err.message }),
    )
}

describe('the JWS algorithms of SignJWT / CompactSign (from the registry)', async () => {
  const p256 = await generateKey({ algorithm: 'ECDSA_P256' })
  const k1 = await generateKey({ algorithm: 'ECDSA', curve: 'secp256k1' })
  const ed448 = await generateKey({ algorithm: 'EdDSA', curve: 'Ed448' })
  const rsa = await generateKey({ algorithm: 'RSA', length: 2048 })

  it('are exactly the fifteen JwsAlgorithm names, in the registry order', () => {
    expect(JWS_ALGORITHMS).toEqual(Object.keys(EVERY_JWS_ALGORITHM))
  })

  it('refuse the registry rows the drop-in does not sign with (Ed448, encryption, secrets) as jose does', async () => {
    for (const alg of ['Ed448', 'RSA1_5', 'RSA-OAEP', 'ECDH-ES', 'ML-KEM-768', 'HS256', 'none', 'es256']) {
      const key = alg === 'Ed448' ? ed448 : alg.startsWith('RSA') ? rsa : p256
      expect(await refusal(alg, key)).toEqual({
        code: 'ERR_JOSE_NOT_SUPPORTED',
        message: `Unsupported JWS "alg" "${alg}" for platform keys`,
      })
      await expectCode(
        new CompactSign(new Uint8Array(1)).setProtectedHeader({ alg }).sign(key),
        'ERR_JOSE_NOT_SUPPORTED',
      )
    }
  })

  it('say which key each one needs', async () => {
    const cases: [JwsAlgorithm, KeyPair, string][] = [
      ['RS256', p256, 'RS256 needs an RSA key, not an ECDSA_P256 key'],
      ['PS512', p256, 'PS512 needs an RSA key, not an ECDSA_P256 key'],
      ['ES256', k1, 'ES256 needs an ECDSA_P256 key, not an ECDSA secp256k1 key'],
      ['ES384', p256, 'ES384 needs an ECDSA_P384 key, not an ECDSA_P256 key'],
      ['ES512', rsa, 'ES512 needs an ECDSA_P521 key, not a RSA key'],
      ['ES256K', p256, 'ES256K needs an ECDSA secp256k1 key, not an ECDSA_P256 key'],
      ['EdDSA', p256, 'EdDSA needs an Ed25519 or Ed448 key, not an ECDSA_P256 key'],
      ['Ed25519', ed448, 'Ed25519 needs an Ed25519 key, not an EdDSA Ed448 key'],
      ['ML-DSA-44', p256, 'ML-DSA-44 needs an ML-DSA-44 key, not an ECDSA_P256 key'],
      ['ML-DSA-87', rsa, 'ML-DSA-87 needs an ML-DSA-87 key, not a RSA key'],
    ]
    for (const [alg, key, message] of cases) {
      expect(await refusal(alg, key)).toEqual({ code: 'ERR_INVALID_REQUEST', message })
    }
  })

  it('EdDSA takes both Ed25519 and Ed448 keys; Ed25519 only Ed25519 keys', async () => {
    const ed25519 = await generateKey({ algorithm: 'EdDSA', curve: 'Ed25519' })
    for (const [alg, key] of [
      ['EdDSA', ed25519],
      ['EdDSA', ed448],
      ['Ed25519', ed25519],
    ] as const) {
      const jws = await new CompactSign(new Uint8Array([1, 2, 3])).setProtectedHeader({ alg }).sign(key)
      const [h, p, s] = jws.split('.') as [string, string, string]
      expect(JSON.parse(Buffer.from(h, 'base64url').toString())).toEqual({ alg })
      expect(key.publicKey.toKeyObject().asymmetricKeyType).toBe(key.curve?.toLowerCase())
      const { verify } = await import('node:crypto')
      expect(verify(null, Buffer.from(`${h}.${p}`), key.publicKey.toKeyObject(), Buffer.from(s, 'base64url'))).toBe(
        true,
      )
    }
    ed25519.destroy()
  })
})

describe("the registry's jwkOnly rows: names a JWK may carry that the drop-in has no use for", () => {
  it('are RSA1_5, Ed448 and ML-KEM-*; every other key-pair row is one generateKeyPair makes', () => {
    expect(JOSE_ALGORITHMS.filter((r) => r.jwkOnly).map((r) => r.alg)).toEqual([
      'RSA1_5',
      'Ed448',
      'ML-KEM-512',
      'ML-KEM-768',
      'ML-KEM-1024',
    ])
    const made = [...Object.keys(PAIR_ALGORITHMS), ...ECDH_ALGORITHMS].sort()
    expect(made).toEqual(
      JOSE_ALGORITHMS.filter((r) => !r.jwkOnly)
        .map((r) => r.alg)
        .sort(),
    )
  })
})
