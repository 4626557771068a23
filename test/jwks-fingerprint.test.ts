/**
 * JWK sets that work with jose (kid = RFC 7638 thumbprint by default, so
 * jwtVerify with a JWKS picks the key), RFC 9278 thumbprint URIs equal to
 * jose's, --alg checked against the key, and OpenSSH fingerprints equal to
 * what `ssh-keygen -l -E sha256 / md5` prints.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  calculateJwkThumbprint,
  calculateJwkThumbprintUri,
  createLocalJWKSet,
  importJWK,
  jwtVerify,
  SignJWT,
} from 'jose'
import { afterAll, describe, expect, it } from 'vitest'
import { generateKey, type KeySpec } from '../src/index.js'
import { cli, fails, jsonLines, ok, tempDir } from './cli-helpers.js'
import { expectCode } from './helpers.js'

const dir = mkdtempSync(join(tmpdir(), 'pk-fp-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** `ssh-keygen -l -E digest -f` on a public line: its fingerprint field. */
function sshKeygenL(line: string, digest: 'sha256' | 'md5'): string {
  const f = join(dir, 'k.pub')
  writeFileSync(f, `${line}\n`)
  return execFileSync('ssh-keygen', ['-l', '-E', digest, '-f', f], { encoding: 'utf8' }).split(' ')[1] as string
}

describe('publicKey.fingerprint()', () => {
  const specs: [string, KeySpec][] = [
    ['RSA 2048', { algorithm: 'RSA', length: 2048 }],
    ['ECDSA P-256', { algorithm: 'ECDSA', curve: 'P-256' }],
    ['ECDSA P-521', { algorithm: 'ECDSA', curve: 'P-521' }],
    ['Ed25519', { algorithm: 'EdDSA', curve: 'Ed25519' }],
  ]
  for (const [name, spec] of specs) {
    it(`${name}: SHA256:… and MD5:… equal ssh-keygen -l -E sha256 / md5`, async () => {
      using pair = await generateKey(spec)
      const line = pair.publicKey.export({ format: 'openssh' })
      const sha = pair.publicKey.fingerprint()
      expect(sha).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/)
      expect(sha).toBe(sshKeygenL(line, 'sha256'))
      const md5 = pair.publicKey.fingerprint('md5')
      expect(md5).toMatch(/^MD5:([0-9a-f]{2}:){15}[0-9a-f]{2}$/)
      expect(md5).toBe(sshKeygenL(line, 'md5'))
    })
  }

  it('keys OpenSSH has no form for → ERR_UNSUPPORTED_FORMAT; another digest → ERR_INVALID_REQUEST', async () => {
    using ecdh = await generateKey({ algorithm: 'ECDH', curve: 'P-256' })
    using x = await generateKey({ algorithm: 'ECDH', curve: 'X25519' })
    using ed = await generateKey({ algorithm: 'EdDSA', curve: 'Ed25519' })
    await expectCode(() => ecdh.publicKey.fingerprint(), 'ERR_UNSUPPORTED_FORMAT')
    await expectCode(() => x.publicKey.fingerprint(), 'ERR_UNSUPPORTED_FORMAT')
    await expectCode(() => ed.publicKey.fingerprint('sha1' as never), 'ERR_INVALID_REQUEST')
  })
})

describe("thumbprint('uri') (RFC 9278)", () => {
  it("equals jose's calculateJwkThumbprintUri for EC, RSA and OKP", async () => {
    for (const spec of [
      { algorithm: 'ECDSA', curve: 'P-384' },
      { algorithm: 'RSA', length: 2048 },
      { algorithm: 'EdDSA', curve: 'Ed448' },
    ] as KeySpec[]) {
      using pair = await generateKey(spec)
      const jwk = pair.publicKey.export({ format: 'jwk' })
      const uri = pair.publicKey.thumbprint('uri')
      expect(uri).toBe(await calculateJwkThumbprintUri(jwk as never))
      expect(uri).toBe(`urn:ietf:params:oauth:jwk-thumbprint:sha-256:${pair.publicKey.thumbprint()}`)
    }
  })
})

describe('--format jwks: kid = thumbprint, so jose jwtVerify with the set picks the key', () => {
  it('ES256 --count 3: every kid is the RFC 7638 thumbprint; a JWT signed with key 2 verifies against the public set', async () => {
    const d = tempDir()
    ok(cli(['ES256', '--format', 'jwks', '--count', '3', '--out', 'priv.json', '--pub', 'pub.json'], { cwd: d }))
    const priv = JSON.parse(readFileSync(join(d, 'priv.json'), 'utf8')).keys
    const pub = JSON.parse(readFileSync(join(d, 'pub.json'), 'utf8'))
    expect(pub.keys).toHaveLength(3)
    for (const [i, k] of pub.keys.entries()) {
      expect(k.kid).toBe(await calculateJwkThumbprint(k))
      expect(priv[i].kid).toBe(k.kid)
    }
    expect(new Set(pub.keys.map((k: { kid: string }) => k.kid)).size).toBe(3)
    const signer = priv[1]
    const jwt = await new SignJWT({ sub: 'me' })
      .setProtectedHeader({ alg: 'ES256', kid: signer.kid })
      .sign(await importJWK(signer, 'ES256'))
    const { payload, protectedHeader } = await jwtVerify(jwt, createLocalJWKSet(pub))
    expect(payload.sub).toBe('me')
    expect(protectedHeader.kid).toBe(pub.keys[1].kid)
  })

  it('--kid given keeps it; convert --to jwks adds the thumbprint kid', async () => {
    const d = tempDir()
    const set = JSON.parse(ok(cli(['ec', '--format', 'jwks', '--public', '--kid', 'mine'], { cwd: d })).stdout)
    expect(set.keys[0].kid).toBe('mine')
    ok(cli(['ec', '--out', 'k.pem'], { cwd: d }))
    const conv = JSON.parse(ok(cli(['convert', 'k.pem', '--to', 'jwks', '--public'], { cwd: d })).stdout)
    expect(conv.keys[0].kid).toBe(await calculateJwkThumbprint(conv.keys[0]))
  })
})

describe('--alg is checked against the key (exit 2)', () => {
  it('ec --alg RS256, okp --alg ES256, rsa --alg EdDSA → ERR_INVALID_REQUEST; matching algs pass', () => {
    const d = tempDir()
    for (const args of [
      ['ec', '--format', 'jwk', '--alg', 'RS256'],
      ['ec', '--curve', 'P-384', '--format', 'jwk', '--alg', 'ES256'],
      ['okp', '--format', 'jwk', '--alg', 'ES256'],
      ['rsa', '--bits', '2048', '--format', 'jwk', '--alg', 'EdDSA'],
    ]) {
      fails(cli(args, { cwd: d }), 2, 'ERR_INVALID_REQUEST')
    }
    expect(
      JSON.parse(ok(cli(['ec', '--curve', 'P-384', '--format', 'jwk', '--alg', 'ES384'], { cwd: d })).stdout).alg,
    ).toBe('ES384')
    expect(JSON.parse(ok(cli(['ec', '--format', 'jwk', '--alg', 'ECDH-ES'], { cwd: d })).stdout).alg).toBe('ECDH-ES')
  })

  it('convert <Ed25519> --alg ES256 → exit 2; --alg EdDSA passes', () => {
    const d = tempDir()
    ok(cli(['okp', '--out', 'ed.pem'], { cwd: d }))
    fails(cli(['convert', 'ed.pem', '--to', 'jwk', '--alg', 'ES256'], { cwd: d }), 2, 'ERR_INVALID_REQUEST')
    expect(JSON.parse(ok(cli(['convert', 'ed.pem', '--to', 'jwk', '--alg', 'EdDSA'], { cwd: d })).stdout).alg).toBe(
      'EdDSA',
    )
  })
})

describe('the CLI shows the fingerprint beside the thumbprint', () => {
  it('okp --format openssh --out: the summary line fingerprint is ssh-keygen -l of the .pub it wrote', () => {
    const d = tempDir()
    const [line] = jsonLines(ok(cli(['okp', '--format', 'openssh', '--out', 'id'], { cwd: d })).stdout)
    const pub = readFileSync(join(d, 'id.pub'), 'utf8').trim()
    expect(line?.fingerprint).toBe(sshKeygenL(pub, 'sha256'))
    expect(line?.thumbprint).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const [conv] = jsonLines(ok(cli(['convert', 'id', '--to', 'pem', '--out', 'k.pem'], { cwd: d })).stdout)
    expect(conv?.fingerprint).toBe(line?.fingerprint)
    // no OpenSSH form, no fingerprint
    const [x] = jsonLines(ok(cli(['okp', '--curve', 'X25519', '--out', 'x.pem'], { cwd: d })).stdout)
    expect(x).not.toHaveProperty('fingerprint')
  })
})
