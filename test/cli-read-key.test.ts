/**
 * `convert` reads the files the CLI writes and the ones ssh-keygen and
 * openssl write: passphrase-protected OpenSSH keys, OpenSSH public lines,
 * encrypted PKCS#8, certificates, JWK sets with --kid; judged by ssh-keygen,
 * openssl and node.
 */
import { execFileSync } from 'node:child_process'
import { createPrivateKey } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cli, expectMode, fails, ok, tempDir } from './cli-helpers.js'

const sh = (cwd: string, cmd: string, args: string[]): string =>
  execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })

describe('convert reads passphrase-protected and OpenSSH keys', () => {
  it('the OpenSSH file `okp --encrypt` writes converts to PEM with --passphrase-file; ssh-keygen agrees on the key', () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'pass'), 'pw 1\n')
    ok(cli(['okp', '--format', 'openssh', '--passphrase-file', 'pass', '--out', 'id'], { cwd: dir }))
    const pem = ok(cli(['convert', 'id', '--to', 'pem', '--passphrase-file', 'pass'], { cwd: dir })).stdout
    expect(pem.startsWith('-----BEGIN PRIVATE KEY-----\n')).toBe(true)
    // back to OpenSSH (plain): ssh-keygen -y gives the original public line
    writeFileSync(join(dir, 'k.pem'), pem, { mode: 0o600 })
    ok(cli(['convert', 'k.pem', '--to', 'openssh', '--out', 'plain'], { cwd: dir }))
    expect(sh(dir, 'ssh-keygen', ['-y', '-f', 'plain']).trim()).toBe(readFileSync(join(dir, 'id.pub'), 'utf8').trim())
    fails(cli(['convert', 'id', '--to', 'pem'], { cwd: dir }), 1, 'ERR_BAD_PASSPHRASE')
    writeFileSync(join(dir, 'wrong'), 'pw 2\n')
    fails(cli(['convert', 'id', '--to', 'pem', '--passphrase-file', 'wrong'], { cwd: dir }), 1, 'ERR_BAD_PASSPHRASE')
  })

  it('ssh-keygen -N keys and public lines convert; --encrypt re-protects with the same passphrase (openssl opens it)', () => {
    const dir = tempDir()
    sh(dir, 'ssh-keygen', ['-t', 'ecdsa', '-b', '256', '-q', '-N', 'sekrit', '-f', 'id'])
    const spki = ok(cli(['convert', 'id.pub', '--to', 'pem'], { cwd: dir })).stdout
    expect(spki).toBe(sh(dir, 'ssh-keygen', ['-e', '-m', 'PKCS8', '-f', 'id.pub']))
    ok(
      cli(['convert', 'id', '--to', 'pem', '--passphrase-env', 'PK_PASS', '--encrypt', '--out', 'k.pem'], {
        cwd: dir,
        env: { PK_PASS: 'sekrit' },
      }),
    )
    expectMode(join(dir, 'k.pem'), 0o600)
    expect(readFileSync(join(dir, 'k.pem'), 'utf8')).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----\n/)
    expect(sh(dir, 'openssl', ['pkey', '-in', 'k.pem', '-passin', 'pass:sekrit', '-pubout'])).toBe(spki)
  })

  it('an openssl encrypted PKCS#8 and a certificate convert; --kid picks a key of a JWK set', () => {
    const dir = tempDir()
    sh(dir, 'openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-keyout',
      'k.pem',
      '-passout',
      'pass:pw',
      '-out',
      'c.pem',
      '-subj',
      '/CN=x',
      '-days',
      '1',
    ])
    writeFileSync(join(dir, 'pass'), 'pw\n')
    const jwk = JSON.parse(
      ok(cli(['convert', 'k.pem', '--to', 'jwk', '--passphrase-file', 'pass'], { cwd: dir })).stdout,
    )
    expect(createPrivateKey({ key: jwk, format: 'jwk' }).asymmetricKeyType).toBe('ec')
    const certPub = ok(cli(['convert', 'c.pem', '--to', 'pem'], { cwd: dir })).stdout
    expect(certPub).toBe(sh(dir, 'openssl', ['x509', '-in', 'c.pem', '-pubkey', '-noout']))
    ok(cli(['ES256', '--format', 'jwks', '--count', '3', '--public', '--out', 'set.json'], { cwd: dir }))
    const set = JSON.parse(readFileSync(join(dir, 'set.json'), 'utf8'))
    const chosen = set.keys[1]
    const kid = 'second'
    chosen.kid = kid
    writeFileSync(join(dir, 'set.json'), JSON.stringify(set))
    const out = JSON.parse(ok(cli(['convert', 'set.json', '--to', 'jwk', '--kid', kid], { cwd: dir })).stdout)
    expect(out).toEqual({ kty: 'EC', crv: 'P-256', x: chosen.x, y: chosen.y, kid })
    fails(cli(['convert', 'set.json', '--to', 'pem', '--kid', 'none'], { cwd: dir }), 1, 'ERR_INVALID_REQUEST')
  })
})
