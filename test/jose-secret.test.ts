/** generateSecret: the jose v6 drop-in, checked against jose itself. */
import type { webcrypto } from 'node:crypto'
import * as jose from 'jose'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { generateSecret } from '../src/jose/index.js'
import { expectCode } from './helpers.js'

type CryptoKey = webcrypto.CryptoKey

const KEYS: Record<string, { bits: number; use: (key: CryptoKey) => Promise<void> }> = {}

async function macRoundTrip(alg: string, key: CryptoKey | Uint8Array): Promise<void> {
  const jwt = await new jose.SignJWT({ n: 1 }).setProtectedHeader({ alg }).sign(key)
  const { payload } = await jose.jwtVerify(jwt, key, { algorithms: [alg] })
  expect(payload.n).toBe(1)
}

async function jweRoundTrip(alg: string, enc: string, key: CryptoKey | Uint8Array): Promise<void> {
  const jwe = await new jose.CompactEncrypt(new TextEncoder().encode(`${alg}/${enc}`))
    .setProtectedHeader({ alg, enc })
    .encrypt(key)
  const { plaintext } = await jose.compactDecrypt(jwe, key, {
    keyManagementAlgorithms: [alg],
    contentEncryptionAlgorithms: [enc],
  })
  expect(new TextDecoder().decode(plaintext)).toBe(`${alg}/${enc}`)
}

for (const bits of [256, 384, 512]) {
  KEYS[`HS${bits}`] = { bits, use: (k) => macRoundTrip(`HS${bits}`, k) }
}
for (const bits of [128, 192, 256]) {
  KEYS[`A${bits}KW`] = { bits, use: (k) => jweRoundTrip(`A${bits}KW`, 'A256GCM', k) }
  KEYS[`A${bits}GCMKW`] = { bits, use: (k) => jweRoundTrip(`A${bits}GCMKW`, 'A128GCM', k) }
  KEYS[`A${bits}GCM`] = { bits, use: (k) => jweRoundTrip('dir', `A${bits}GCM`, k) }
}
const CBC: Record<string, number> = { 'A128CBC-HS256': 32, 'A192CBC-HS384': 48, 'A256CBC-HS512': 64 }

afterEach(() => {
  vi.restoreAllMocks()
})

describe('generateSecret: every jose algorithm, used by jose', () => {
  for (const [alg, { bits, use }] of Object.entries(KEYS)) {
    it(`${alg}: a ${bits}-bit CryptoKey shaped as jose's, used by jose`, async () => {
      const ours = (await generateSecret(alg)) as CryptoKey
      const theirs = (await jose.generateSecret(alg)) as CryptoKey
      expect(ours.type).toBe('secret')
      expect(ours.algorithm).toEqual(theirs.algorithm)
      expect([...ours.usages].sort()).toEqual([...theirs.usages].sort())
      expect(ours.extractable).toBe(false)
      expect((ours.algorithm as { length?: number }).length).toBe(bits)
      await use(ours)
      const extractable = (await generateSecret(alg, { extractable: true })) as CryptoKey
      const jwk = await jose.exportJWK(extractable)
      expect(Buffer.from(jwk.k as string, 'base64url').length).toBe(bits / 8)
    })
  }

  for (const [alg, bytes] of Object.entries(CBC)) {
    it(`${alg}: a plain Uint8Array of ${bytes} bytes (no CryptoKey form), used by jose for dir`, async () => {
      const ours = (await generateSecret(alg)) as Uint8Array
      const theirs = await jose.generateSecret(alg)
      expect(Object.getPrototypeOf(ours)).toBe(Object.getPrototypeOf(theirs))
      expect(ours).toBeInstanceOf(Uint8Array)
      expect(Buffer.isBuffer(ours)).toBe(false)
      expect(ours.length).toBe(bytes)
      await jweRoundTrip('dir', alg, ours)
    })
  }

  it('two secrets differ; the bytes come from the platform RNG, not WebCrypto', async () => {
    const generate = vi.spyOn(globalThis.crypto.subtle, 'generateKey')
    const random = vi.spyOn(globalThis.crypto, 'getRandomValues')
    const a = await generateSecret('A256CBC-HS512')
    const b = await generateSecret('A256CBC-HS512')
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false)
    for (const alg of Object.keys(KEYS)) await generateSecret(alg)
    expect(generate).not.toHaveBeenCalled()
    expect(random).not.toHaveBeenCalled()
  })
})

describe('generateSecret: errors exactly as jose', () => {
  it('an unknown or asymmetric alg → ERR_JOSE_NOT_SUPPORTED (jose.errors.JOSENotSupported)', async () => {
    for (const alg of ['FOO', 'RS256', 'ES256', 'ECDH-ES', 'dir', 'PBES2-HS256+A128KW', 'hs256', '', 'HS1024']) {
      const ours = await expectCode(() => generateSecret(alg), 'ERR_JOSE_NOT_SUPPORTED')
      const theirs = await expectCode(() => jose.generateSecret(alg), 'ERR_JOSE_NOT_SUPPORTED')
      expect(ours).toBeInstanceOf(jose.errors.JOSENotSupported)
      expect(ours.message).toBe(theirs.message)
    }
  })

  it('a non-boolean extractable → TypeError with jose message', async () => {
    for (const extractable of ['true', 0, null]) {
      const ours = await generateSecret('HS256', { extractable: extractable as unknown as boolean }).catch(
        (e: unknown) => e,
      )
      const theirs = await jose
        .generateSecret('HS256', { extractable: extractable as unknown as boolean })
        .catch((e: unknown) => e)
      expect(ours).toBeInstanceOf(TypeError)
      expect((ours as Error).message).toBe((theirs as Error).message)
    }
  })
})
