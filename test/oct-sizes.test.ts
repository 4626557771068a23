/**
 * OCT secrets of any size for HMAC (issue 16, generation options): jwk
 * --type OCT --key-size 1024 makes a 128-byte secret that jose signs and
 * verifies HS256 with; sizes that are not whole bytes, or out of range, are refused.
 */
import { importJWK, jwtVerify, SignJWT } from 'jose'
import { describe, expect, it } from 'vitest'
import { generateJwk } from '../src/apinizer/index.js'
import { cli, fails, ok, tempDir } from './cli-helpers.js'
import { expectCode } from './helpers.js'

describe('OCT secrets of any size', () => {
  it('jwk --type OCT --key-size 1024 --alg HS256: a 128-byte k that jose uses for HS256', async () => {
    const r = JSON.parse(
      ok(cli(['jwk', '--name', 'h', '--type', 'OCT', '--key-size', '1024', '--alg', 'HS256'], { cwd: tempDir() }))
        .stdout,
    )
    expect(Buffer.from(r.privateJwk.k, 'base64url')).toHaveLength(128)
    expect(r.metadata.keySize).toBe(1024)
    const key = await importJWK(r.privateJwk, 'HS256')
    const jwt = await new SignJWT({ sub: 'x' }).setProtectedHeader({ alg: 'HS256' }).sign(key)
    expect((await jwtVerify(jwt, key)).payload.sub).toBe('x')
  })

  it('200 bits, 8192 bits pass; 100, 120, 8200 bits and A128KW with 1024 are ERR_INVALID_REQUEST', async () => {
    for (const keySize of [200, 8192]) {
      const r = await generateJwk({ name: 'a', type: 'OCT', oct: { keySize } })
      expect(Buffer.from(r.privateJwk.k as string, 'base64url')).toHaveLength(keySize / 8)
    }
    for (const keySize of [100, 120, 8200, 1.5]) {
      await expectCode(() => generateJwk({ name: 'a', type: 'OCT', oct: { keySize } }), 'ERR_INVALID_REQUEST')
    }
    await expectCode(
      () => generateJwk({ name: 'a', type: 'OCT', oct: { keySize: 1024, algorithm: 'A128KW' } }),
      'ERR_INVALID_REQUEST',
    )
    fails(
      cli(['jwk', '--name', 'h', '--type', 'OCT', '--key-size', '100'], { cwd: tempDir() }),
      2,
      'ERR_INVALID_REQUEST',
    )
  })
})
