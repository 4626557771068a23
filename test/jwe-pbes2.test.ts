/**
 * encryptJwk / decryptJwe (PBES2-HS256+A128KW / A128GCM), judged by jose in
 * both directions: jose opens what encryptJwk writes, and decryptJwe opens
 * what jose's CompactEncrypt writes; a wrong passphrase is ERR_BAD_PASSPHRASE.
 */
import { CompactEncrypt, compactDecrypt } from 'jose'
import { describe, expect, it } from 'vitest'
import { decryptJwe, encryptJwk, generateKey } from '../src/index.js'
import { expectCode } from './helpers.js'

const enc = (s: string): Uint8Array => new TextEncoder().encode(s)

describe('encryptJwk / decryptJwe', () => {
  it('jose opens encryptJwk (with PBES2 allowed and maxPBES2Count 600000) to the very JWK', async () => {
    using pair = await generateKey({ algorithm: 'EdDSA', curve: 'Ed25519' })
    const jwk = pair.export({ format: 'jwk' })
    const jwe = encryptJwk(jwk, 'pw')
    const { plaintext, protectedHeader } = await compactDecrypt(jwe, enc('pw'), {
      keyManagementAlgorithms: ['PBES2-HS256+A128KW'],
      maxPBES2Count: 600_000,
    })
    expect(protectedHeader).toMatchObject({ alg: 'PBES2-HS256+A128KW', enc: 'A128GCM', cty: 'jwk+json', p2c: 600_000 })
    expect(JSON.parse(new TextDecoder().decode(plaintext))).toEqual(jwk)
    expect(decryptJwe(jwe, enc('pw'))).toEqual(jwk)
  })

  it("decryptJwe opens jose's CompactEncrypt (p2c 2048, as step or others may choose)", async () => {
    const value = { kty: 'oct', k: 'AAECAwQFBgcICQoLDA0ODw' }
    const jwe = await new CompactEncrypt(enc(JSON.stringify(value)))
      .setProtectedHeader({ alg: 'PBES2-HS256+A128KW', enc: 'A128GCM', cty: 'jwk+json' })
      .setKeyManagementParameters({ p2c: 2048, p2s: new Uint8Array(16).fill(7) })
      .encrypt(enc('secret'))
    expect(decryptJwe(jwe, enc('secret'))).toEqual(value)
    await expectCode(() => decryptJwe(jwe, enc('Secret')), 'ERR_BAD_PASSPHRASE')
  })

  it('refuses other algorithms, out-of-range p2c, damaged parts (ERR_INVALID_REQUEST)', async () => {
    const jwe = encryptJwk({ kty: 'oct', k: 'AA' }, 'pw')
    const [h, ek, iv, ct, tag] = jwe.split('.') as [string, string, string, string, string]
    const header = (o: Record<string, unknown>): string => Buffer.from(JSON.stringify(o)).toString('base64url')
    const cases = [
      'not a jwe',
      `${header({ alg: 'PBES2-HS512+A256KW', enc: 'A256GCM', p2c: 1000, p2s: 'AAAAAAAAAAA' })}.${ek}.${iv}.${ct}.${tag}`,
      `${header({ alg: 'PBES2-HS256+A128KW', enc: 'A128GCM', p2c: 10_000_000, p2s: 'AAAAAAAAAAA' })}.${ek}.${iv}.${ct}.${tag}`,
      `${header({ alg: 'PBES2-HS256+A128KW', enc: 'A128GCM', p2c: 999, p2s: 'AAAAAAAAAAA' })}.${ek}.${iv}.${ct}.${tag}`,
      `${h}.${ek}.${iv}.${ct}.${tag.slice(0, -2)}`,
    ]
    for (const c of cases) await expectCode(() => decryptJwe(c, enc('pw')), 'ERR_INVALID_REQUEST')
    // a changed ciphertext with the right passphrase: the content does not authenticate
    // (the first character: the last one's low bits may be padding, which decodes to the same bytes)
    const flipped = `${ct.startsWith('A') ? 'B' : 'A'}${ct.slice(1)}`
    await expectCode(() => decryptJwe(`${h}.${ek}.${iv}.${flipped}.${tag}`, enc('pw')), 'ERR_INVALID_REQUEST')
    await expectCode(() => encryptJwk({ kty: 'oct', k: 'AA' }, ''), 'ERR_INVALID_REQUEST')
  })
})
