/**
 * The platform-key commands (key, jwt, cert, csr) against a real (software)
 * TPM, and their --help examples. Like test/tpm.test.ts: fails when
 * PLATFORM_KEYGEN_REQUIRE_TPM=1 and no TPM is reachable, skips (saying why) otherwise.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { createPublicKey, verify as nodeVerify, X509Certificate } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as jose from 'jose'
import { afterAll, describe, expect, it } from 'vitest'
import { CLI, cli, fails, ok, tempDir } from './cli-helpers.js'

const DATA = mkdtempSync(join(tmpdir(), 'pk-cli-tpm-'))
process.env.XDG_DATA_HOME = DATA // the CLI children inherit it
afterAll(() => rmSync(DATA, { recursive: true, force: true }))

const { storeCapabilities } = await import('../src/index.js')
const REQUIRE = process.env.PLATFORM_KEYGEN_REQUIRE_TPM === '1'
const caps = await storeCapabilities('tpm').catch((err: Error) => ({ available: false, note: err.message }))
const reason = caps.available ? '' : (caps.note ?? 'no TPM')

describe.runIf(REQUIRE)('TPM required (PLATFORM_KEYGEN_REQUIRE_TPM=1)', () => {
  it('reaches a TPM', () => {
    expect(caps.available, `the TPM is unreachable: ${reason}`).toBe(true)
  })
})

function json(r: ReturnType<typeof cli>): Record<string, unknown> {
  return JSON.parse(ok(r).stdout)
}

describe.skipIf(!caps.available)(
  `platform-key CLI${caps.available ? '' : ` (skipped: no TPM reachable: ${reason})`}`,
  () => {
    it('key create --force replaces a key of the same name (the old one is gone); without it ERR_KEY_EXISTS says --force', () => {
      const first = json(cli(['key', 'create', '--name', 'replaced', '--alg', 'ES256']))
      const r = cli(['key', 'create', '--name', 'replaced', '--alg', 'ES384'])
      fails(r, 1, 'ERR_KEY_EXISTS')
      expect(r.stderr.split('\n')[1]).toBe(
        '  fix: pass --force to replace it (the old key is lost), or choose another --name',
      )
      const second = json(cli(['key', 'create', '--name', 'replaced', '--alg', 'ES384', '--force']))
      expect(second).toMatchObject({ name: 'replaced', algorithm: 'ECDSA_P384', curve: 'P-384' })
      expect(second.thumbprint).not.toBe(first.thumbprint)
      expect(json(cli(['key', 'show', 'replaced']))).toMatchObject({
        algorithm: 'ECDSA_P384',
        thumbprint: second.thumbprint,
      })
      ok(cli(['key', 'delete', 'replaced', '--yes']))
    })

    it('key create / list / show (JWK, PEM, OpenSSH, fingerprint) / delete', () => {
      const made = json(cli(['key', 'create', '--store', 'tpm', '--name', 'api-signing', '--alg', 'ES256']))
      expect(made).toMatchObject({ name: 'api-signing', store: 'tpm', algorithm: 'ECDSA_P256', curve: 'P-256' })
      const jwk = made.jwk as Record<string, string>
      expect(jwk).toMatchObject({ kty: 'EC', crv: 'P-256', kid: made.thumbprint })
      expect(jwk.d).toBeUndefined()
      expect(JSON.parse(ok(cli(['key', 'list'])).stdout)).toEqual([
        { name: 'api-signing', algorithm: 'ECDSA_P256', curve: 'P-256', store: 'tpm', scope: 'user' },
      ])
      const pem = ok(cli(['key', 'show', 'api-signing', '--format', 'pem'])).stdout
      expect(createPublicKey(pem).export({ format: 'jwk' })).toEqual({ kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y })
      const ssh = ok(cli(['key', 'show', 'api-signing', '--format', 'openssh'])).stdout
      expect(ssh).toMatch(/^ecdsa-sha2-nistp256 AAAA\S+ api-signing\n$/)
      expect(ok(cli(['key', 'show', 'api-signing', '--format', 'fingerprint'])).stdout).toBe(`${made.thumbprint}\n`)
      const all = json(cli(['key', 'show', 'api-signing']))
      expect(all).toMatchObject({ thumbprint: made.thumbprint, pem, openssh: ssh.trim() })
      fails(cli(['key', 'create', '--name', 'api-signing']), 1, 'ERR_KEY_EXISTS')
      const rsa = json(cli(['key', 'create', '--name', 'rsa', '--alg', 'RS256', '--bits', '2048']))
      expect(rsa).toMatchObject({ algorithm: 'RSA', length: 2048 })
      // delete asks: without a terminal and without --yes it refuses and keeps the key
      fails(cli(['key', 'delete', 'rsa'], { input: 'y\n' }), 2, 'ERR_INVALID_REQUEST')
      expect(ok(cli(['key', 'list'])).stdout).toContain('"rsa"')
      ok(cli(['key', 'delete', 'rsa', '--yes']))
      fails(cli(['key', 'show', 'rsa']), 1, 'ERR_KEY_NOT_FOUND')
      fails(cli(['key', 'create', '--name', '../x']), 1, 'ERR_INVALID_REQUEST')
      fails(cli(['key', 'create', '--name', 'x', '--alg', 'EdDSA']), 2, 'ERR_INVALID_REQUEST')
      fails(cli(['key', 'frobnicate']), 2, 'ERR_INVALID_REQUEST')
    })

    it('jwt sign --key tpm:NAME: a JWT jose verifies with the public JWK', async () => {
      const jwk = json(cli(['key', 'show', 'api-signing', '--format', 'jwk']))
      const jwt = ok(
        cli(['jwt', 'sign', '--key', 'tpm:api-signing', '--claims', '{"sub":"svc"}', '--exp', '1h']),
      ).stdout.trim()
      const { payload, protectedHeader } = await jose.jwtVerify(jwt, await jose.importJWK(jwk as jose.JWK, 'ES256'))
      expect(protectedHeader).toEqual({ alg: 'ES256', typ: 'JWT', kid: jwk.kid })
      expect(payload.sub).toBe('svc')
      expect((payload.exp as number) - (payload.iat as number)).toBe(3600)
      // key jwks publishes the key: jose finds it by kid and verifies
      const jwks = json(cli(['key', 'jwks'])) as unknown as jose.JSONWebKeySet
      expect(jwks.keys).toEqual([{ ...jwk, alg: 'ES256', use: 'sig' }])
      expect((await jose.jwtVerify(jwt, jose.createLocalJWKSet(jwks))).payload.sub).toBe('svc')
      expect(json(cli(['key', 'jwks', 'api-signing']))).toEqual(jwks)
      fails(cli(['key', 'jwks', 'nope']), 1, 'ERR_KEY_NOT_FOUND')
      fails(cli(['jwt', 'sign', '--key', 'tpm:api-signing', '--claims', '[1]']), 2, 'ERR_INVALID_REQUEST')
      fails(cli(['jwt', 'sign', '--key', 'tpm:nope', '--claims', '{}']), 1, 'ERR_KEY_NOT_FOUND')
    })

    it('cert self-signed and csr: openssl verifies both; node sees the TPM key in the certificate', () => {
      const dir = tempDir()
      ok(
        cli(
          [
            'cert',
            'self-signed',
            '--key',
            'tpm:api-signing',
            '--subject',
            'CN=svc',
            '--days',
            '30',
            '--san',
            'svc.example,IP:10.0.0.1',
            '--out',
            'svc.pem',
          ],
          { cwd: dir },
        ),
      )
      const run = (args: string[]) =>
        execFileSync('openssl', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
      expect(run(['verify', '-CAfile', 'svc.pem', 'svc.pem'])).toBe('svc.pem: OK\n')
      const x = new X509Certificate(readFileSync(join(dir, 'svc.pem')))
      expect(x.subject).toBe('CN=svc')
      expect(x.subjectAltName).toBe('DNS:svc.example, IP Address:10.0.0.1')
      const days = (Date.parse(x.validTo) - Date.parse(x.validFrom)) / 86_400_000
      expect(Math.round(days)).toBe(30)
      const pem = ok(cli(['key', 'show', 'api-signing', '--format', 'pem'])).stdout
      expect(x.publicKey.export({ format: 'pem', type: 'spki' })).toBe(pem)
      const csr = ok(cli(['csr', '--key', 'tpm:api-signing', '--subject', 'CN=svc, O=Acme'])).stdout
      const r = spawnSync('openssl', ['req', '-verify', '-noout', '-subject'], { input: csr, encoding: 'utf8' })
      expect(r.stdout).toBe('subject=CN = svc, O = Acme\n')
      expect(r.stderr).toMatch(/verify OK/)
      fails(cli(['csr', '--key', 'tpm:api-signing']), 2, 'ERR_INVALID_REQUEST')
    })

    it('every --help example of key, jwt, cert and csr runs', () => {
      for (const name of ['key', 'jwt', 'cert', 'csr']) {
        const help = ok(cli([name, '--help'])).stdout
        const examples = (help.split('\nExamples:\n')[1] ?? '')
          .split('\n')
          .filter((l) => l.startsWith('  platform-keygen '))
          .map((l) => l.trim())
        expect(examples.length).toBeGreaterThan(0)
        const dir = tempDir()
        for (const example of examples) {
          const line = `'${process.execPath}' '${CLI}'${example.slice('platform-keygen'.length)}`
          // a store of their own: the examples' names must not meet this file's keys
          const r = spawnSync('sh', ['-c', line], {
            cwd: dir,
            encoding: 'utf8',
            env: { ...process.env, XDG_DATA_HOME: join(dir, 'data') },
          })
          expect({ example, status: r.status, stderr: r.stderr }).toEqual({ example, status: 0, stderr: '' })
        }
        // each command's examples delete the key they made
        expect(readdirSync(join(dir, 'data', 'platform-keygen', 'tpm'))).toEqual([])
      }
    })

    it('a signature made by the CLI-created key in this process verifies', async () => {
      const { openKey } = await import('../src/index.js')
      const key = await openKey('api-signing', { store: 'tpm' })
      const data = new TextEncoder().encode('x')
      const sig = await key.sign(data)
      const pub = createPublicKey(ok(cli(['key', 'show', 'api-signing', '--format', 'pem'])).stdout)
      expect(nodeVerify('sha256', data, { key: pub, dsaEncoding: 'ieee-p1363' }, sig)).toBe(true)
      key.destroy()
      ok(cli(['key', 'delete', 'api-signing', '--yes']))
      expect(JSON.parse(ok(cli(['key', 'list'])).stdout)).toEqual([])
    })
  },
)
