/**
 * The synonym flags made one (issue 13, item 5) and the one output path (src/cli/output.ts) of
 * the commands that used to write on their own: `jwk --bits` is the key length (`--key-size`, the
 * README's older spelling, an alias for jwk only); `cert` / `csr --format pem|der` (no `--der`);
 * `key create --force` (no `--overwrite`). The JWK, store, certificate and request outputs keep
 * their bytes; files with a private key are 0600, the others the public mode.
 */
import { createPublicKey, X509Certificate } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { describeError } from '../src/cli/report.js'
import { KeyExistsError } from '../src/errors.js'
import { decryptJwe } from '../src/formats/jwe-pbes2.js'
import { cli, expectMode, fails, ok, publicMode, tempDir } from './cli-helpers.js'

const json = (v: unknown): string => `${JSON.stringify(v, null, 2)}\n`

describe('jwk --bits (also --key-size, the documented spelling)', () => {
  it('both spellings make the RSA key of that size; giving both is a usage error; other commands know no --key-size', () => {
    for (const flag of ['--bits', '-b', '--key-size']) {
      const r = JSON.parse(ok(cli(['jwk', '--name', 'r', '--kty', 'RSA', flag, '3072'])).stdout)
      const key = createPublicKey({ key: r.publicJwk, format: 'jwk' })
      expect(key.asymmetricKeyDetails?.modulusLength, flag).toBe(3072)
      expect(r.metadata.keySize, flag).toBe(3072)
    }
    const oct = JSON.parse(ok(cli(['jwk', '--name', 'h', '--kty', 'OCT', '--bits', '384'])).stdout)
    expect(Buffer.from(oct.privateJwk.k, 'base64url')).toHaveLength(48)
    const both = fails(
      cli(['jwk', '--name', 'x', '--kty', 'RSA', '--bits', '2048', '--key-size', '2048']),
      2,
      'ERR_INVALID_REQUEST',
    )
    expect(both).toBe(
      'platform-keygen: error ERR_INVALID_REQUEST: --key-size is another spelling of --bits: give one of them',
    )
    fails(cli(['rsa', '--key-size', '2048']), 2, 'ERR_PARSE_ARGS_UNKNOWN_OPTION')
    const bad = fails(cli(['jwk', '--name', 'x', '--kty', 'RSA', '--key-size', 'many']), 2, 'ERR_INVALID_REQUEST')
    expect(bad).toBe('platform-keygen: error ERR_INVALID_REQUEST: --bits must be a whole number, got "many"')
  })
})

describe('jwk and the store commands write through the one output path', () => {
  it('jwk --out (0600) / --pub (public mode): the JWKs as indented JSON, the summary as one line', () => {
    const dir = tempDir()
    const r = ok(
      cli(['jwk', '--name', 'k', '--kty', 'EC', '--curve', 'P256', '--out', 'k.jwk', '--pub', 'k.pub.jwk'], {
        cwd: dir,
      }),
    )
    const priv = readFileSync(join(dir, 'k.jwk'), 'utf8')
    const pub = readFileSync(join(dir, 'k.pub.jwk'), 'utf8')
    expect(priv).toBe(json(JSON.parse(priv)))
    expect(pub).toBe(json(JSON.parse(pub)))
    expect(JSON.parse(priv)).toMatchObject({ kty: 'EC', crv: 'P-256', d: expect.any(String) })
    expect(JSON.parse(pub).d).toBeUndefined()
    expectMode(join(dir, 'k.jwk'), 0o600)
    expectMode(join(dir, 'k.pub.jwk'), publicMode())
    expect(r.stdout.split('\n')).toHaveLength(2)
    expect(JSON.parse(r.stdout)).toMatchObject({ private: 'k.jwk', public: 'k.pub.jwk', metadata: { name: 'k' } })
  })

  it('jwk get: the pair as indented JSON on stdout; --out the private JWK (0600), --encrypt a JWE under the passphrase', () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'pass.txt'), 'correct horse\n')
    // an encrypted store: its passphrase is also the one of the --encrypt JWE
    const pass = ['--passphrase-file', 'pass.txt']
    ok(cli(['jwk', '--name', 'w', '--kty', 'OKP', '--curve', 'Ed25519', '--store', 's.json', ...pass], { cwd: dir }))
    const shown = ok(cli(['jwk', 'get', 'w', '--store', 's.json', ...pass], { cwd: dir })).stdout
    const pair = JSON.parse(shown)
    expect(shown).toBe(json(pair))
    expect(Object.keys(pair)).toEqual(['privateJwk', 'publicJwk', 'metadata'])

    const line = ok(cli(['jwk', 'get', 'w', '--store', 's.json', ...pass, '--out', 'w.jwk'], { cwd: dir })).stdout
    expect(JSON.parse(line)).toEqual({ private: 'w.jwk', store: 's.json', metadata: pair.metadata })
    expect(readFileSync(join(dir, 'w.jwk'), 'utf8')).toBe(json(pair.privateJwk))
    expectMode(join(dir, 'w.jwk'), 0o600)

    ok(
      cli(['jwk', 'get', 'w', '--store', 's.json', '--out', 'w.jwe', '--encrypt', ...pass], {
        cwd: dir,
      }),
    )
    const jwe = readFileSync(join(dir, 'w.jwe'), 'utf8')
    expect(jwe.endsWith('\n')).toBe(true)
    expect(jwe.trim().split('.')).toHaveLength(5)
    expect(decryptJwe(jwe.trim(), new TextEncoder().encode('correct horse'))).toEqual(pair.privateJwk)
    expectMode(join(dir, 'w.jwe'), 0o600)

    // without the store's passphrase --encrypt has nothing to encrypt under: refused, nothing written
    const refused = fails(
      cli(['jwk', 'get', 'w', '--store', 's.json', '--out', 'plain.jwk', '--encrypt'], { cwd: dir }),
      2,
      'ERR_INVALID_REQUEST',
    )
    expect(refused).toBe(
      "platform-keygen: error ERR_INVALID_REQUEST: --encrypt writes the JWE under the store's passphrase: give --passphrase-file FILE or --passphrase-env VAR",
    )
    expect(existsSync(join(dir, 'plain.jwk'))).toBe(false)
    // nor from a store kept without one (that used to write the private JWK unencrypted)
    ok(cli(['jwk', '--name', 'p', '--kty', 'EC', '--curve', 'P256', '--store', 'plain.json'], { cwd: dir }))
    fails(
      cli(['jwk', 'get', 'p', '--store', 'plain.json', '--out', 'p.jwk', '--encrypt'], { cwd: dir }),
      2,
      'ERR_INVALID_REQUEST',
    )
    expect(existsSync(join(dir, 'p.jwk'))).toBe(false)

    ok(cli(['jwk', 'get', 'w', '--store', 's.json', '--public', '--out', 'w.pub.jwk'], { cwd: dir }))
    expect(readFileSync(join(dir, 'w.pub.jwk'), 'utf8')).toBe(json(pair.publicJwk))
    expectMode(join(dir, 'w.pub.jwk'), publicMode())
  })

  it('jwks --out: the public set as indented JSON, in the public mode', () => {
    const dir = tempDir()
    ok(cli(['jwk', '--name', 'a', '--kty', 'EC', '--curve', 'P256', '--store', 's.json'], { cwd: dir }))
    const printed = ok(cli(['jwks', '--store', 's.json'], { cwd: dir })).stdout
    ok(cli(['jwks', '--store', 's.json', '--out', 'jwks.json'], { cwd: dir }))
    expect(readFileSync(join(dir, 'jwks.json'), 'utf8')).toBe(printed)
    expect(printed).toBe(json(JSON.parse(printed)))
    expectMode(join(dir, 'jwks.json'), publicMode())
  })
})

describe('cert / csr --format pem|der (no --der)', () => {
  const dir = tempDir()
  ok(cli(['ec', '--out', 'key.pem'], { cwd: dir }))

  it('PEM by default, DER with --format der, on stdout or in a public file', () => {
    const subject = ['--key', 'key.pem', '--subject', 'CN=svc']
    const pem = ok(cli(['cert', 'self-signed', ...subject], { cwd: dir })).stdout
    expect(pem).toMatch(/^-----BEGIN CERTIFICATE-----\n/)
    const der = ok(cli(['cert', 'self-signed', ...subject, '--format', 'der'], { cwd: dir })).stdoutBytes
    expect(new X509Certificate(der).subject).toBe('CN=svc')
    expect(der[0]).toBe(0x30)
    ok(cli(['cert', 'self-signed', ...subject, '-f', 'der', '--out', 'c.der'], { cwd: dir }))
    expect(new X509Certificate(readFileSync(join(dir, 'c.der'))).subject).toBe('CN=svc')
    expectMode(join(dir, 'c.der'), publicMode())
    ok(cli(['csr', ...subject, '--format', 'pem', '--out', 'c.csr'], { cwd: dir }))
    expect(readFileSync(join(dir, 'c.csr'), 'utf8')).toMatch(/^-----BEGIN CERTIFICATE REQUEST-----\n/)
    const csrDer = ok(cli(['csr', ...subject, '--format', 'der'], { cwd: dir })).stdoutBytes
    expect(csrDer[0]).toBe(0x30)
    expect(csrDer.toString('latin1')).not.toContain('-----BEGIN')
  })

  it('refuses another --format and the old --der as usage errors, before the key is read', () => {
    const line = fails(
      cli(['cert', 'self-signed', '--key', 'missing.pem', '--subject', 'CN=x', '--format', 'jwk'], { cwd: dir }),
      2,
      'ERR_INVALID_REQUEST',
    )
    expect(line).toBe('platform-keygen: error ERR_INVALID_REQUEST: --format must be one of pem, der; got "jwk"')
    fails(
      cli(['csr', '--key', 'key.pem', '--subject', 'CN=x', '--der'], { cwd: dir }),
      2,
      'ERR_PARSE_ARGS_UNKNOWN_OPTION',
    )
  })
})

describe('key create --force (no --overwrite)', () => {
  it('--overwrite is an unknown option; the fix for an existing key names --force', () => {
    fails(cli(['key', 'create', '--name', 'x', '--overwrite']), 2, 'ERR_PARSE_ARGS_UNKNOWN_OPTION')
    expect(describeError(new KeyExistsError("a key named 'x' exists"), 'key')).toBe(
      "platform-keygen: error ERR_KEY_EXISTS: a key named 'x' exists\n" +
        '  fix: pass --force to replace it (the old key is lost), or choose another --name\n',
    )
  })
})
