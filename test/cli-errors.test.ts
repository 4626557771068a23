/**
 * Every usage error (exit 2) and runtime error (exit 1) of the CLI, with its
 * exact code; stdout stays empty and stderr has the code and a one-line fix.
 */
import { execFileSync } from 'node:child_process'
import { readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { generateKey } from '../src/index.js'
import { cli, fails, ok, tempDir } from './cli-helpers.js'
import { hasPostQuantum } from './helpers.js'

// [arguments, code]: each must exit 2 before doing any work.
const USAGE: [string[], string][] = [
  [['--bogus'], 'ERR_PARSE_ARGS_UNKNOWN_OPTION'],
  [['-x', 'rsa'], 'ERR_PARSE_ARGS_UNKNOWN_OPTION'],
  [['help', 'nosuchcommand'], 'ERR_PARSE_ARGS_UNKNOWN_OPTION'],
  [['rsa', '--bitz', '2048'], 'ERR_PARSE_ARGS_UNKNOWN_OPTION'],
  [['rsa', '--bits'], 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE'],
  [['rsa', '--force=yes'], 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE'],
  [['rsa', 'extra'], 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL'],
  [['rsa', '--bits', 'abc'], 'ERR_INVALID_REQUEST'],
  [['rsa', '--bits', '-1'], 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE'],
  [['rsa', '--bits', '2047'], 'ERR_KEY_LENGTH'],
  [['rsa', '--bits', '256'], 'ERR_KEY_LENGTH'],
  [['rsa', '--bits', '16448'], 'ERR_KEY_LENGTH'],
  [['dsa', '--bits', '4096'], 'ERR_KEY_LENGTH'],
  [['dsa', '--bits', '1000'], 'ERR_KEY_LENGTH'],
  [['dh', '--bits', '448'], 'ERR_KEY_LENGTH'],
  [['dh', '--bits', '4160'], 'ERR_KEY_LENGTH'],
  [['ec', '--curve', 'P-999'], 'ERR_UNSUPPORTED_ALGORITHM'],
  [['ec', '--curve', 'X25519'], 'ERR_UNSUPPORTED_ALGORITHM'],
  [['okp', '--curve', 'P-256'], 'ERR_UNSUPPORTED_ALGORITHM'],
  [['okp', '--curve', 'curve9'], 'ERR_UNSUPPORTED_ALGORITHM'],
  [['ml-dsa', '--set', '99'], 'ERR_INVALID_REQUEST'],
  [['ml-kem', '--set', '768x'], 'ERR_INVALID_REQUEST'],
  [['rsa', '--format', 'xml'], 'ERR_INVALID_REQUEST'],
  [['rsa', '--type', 'pkcs7'], 'ERR_INVALID_REQUEST'],
  [['rsa', '--type', 'sec1'], 'ERR_UNSUPPORTED_FORMAT'],
  [['ec', '--type', 'pkcs1'], 'ERR_UNSUPPORTED_FORMAT'],
  [['okp', '--type', 'sec1'], 'ERR_UNSUPPORTED_FORMAT'],
  [['rsa', '--type', 'spki'], 'ERR_INVALID_REQUEST'],
  [['rsa', '--public', '--type', 'pkcs8'], 'ERR_INVALID_REQUEST'],
  [['rsa', '--format', 'jwk', '--type', 'pkcs8'], 'ERR_INVALID_REQUEST'],
  [['rsa', '--format', 'openssh', '--type', 'pkcs1'], 'ERR_INVALID_REQUEST'],
  [['dsa', '--format', 'jwk'], 'ERR_UNSUPPORTED_FORMAT'],
  [['dh', '--format', 'jwks'], 'ERR_UNSUPPORTED_FORMAT'],
  [['dh', '--format', 'openssh'], 'ERR_UNSUPPORTED_FORMAT'],
  [['ec', '--curve', 'secp256k1', '--format', 'openssh'], 'ERR_UNSUPPORTED_FORMAT'],
  [['ec', '--curve', 'P-256', '--ecdh', '--format', 'openssh'], 'ERR_UNSUPPORTED_FORMAT'],
  [['ec', '--curve', 'P-384', '--ecdh', '--format', 'openssh', '--public'], 'ERR_UNSUPPORTED_FORMAT'],
  [['okp', '--curve', 'X25519', '--format', 'openssh'], 'ERR_UNSUPPORTED_FORMAT'],
  [['okp', '--curve', 'Ed448', '--format', 'openssh'], 'ERR_UNSUPPORTED_FORMAT'],
  [['ml-dsa', '--format', 'openssh'], 'ERR_UNSUPPORTED_FORMAT'],
  [['rsa', '--count', '0'], 'ERR_INVALID_REQUEST'],
  [['rsa', '--count', '10001'], 'ERR_INVALID_REQUEST'],
  [['rsa', '--count', '2.5'], 'ERR_INVALID_REQUEST'],
  [['ec', '--count', '2', '--format', 'jwk', '--kid', 'same'], 'ERR_INVALID_REQUEST'],
  [['ec', '--count', '2', '--format', 'der'], 'ERR_INVALID_REQUEST'],
  [['ec', '--public', '--pub', 'k.pub'], 'ERR_INVALID_REQUEST'],
  [['ec', '--out', 'k.pem', '--pub', 'k.pem'], 'ERR_INVALID_REQUEST'],
  [['ec', '--pub', '-'], 'ERR_INVALID_REQUEST'],
  [['ec', '--comment', 'x'], 'ERR_INVALID_REQUEST'],
  [['ec', '--kid', 'x'], 'ERR_INVALID_REQUEST'],
  [['ec', '--format', 'jwk', '--use', 'both'], 'ERR_INVALID_REQUEST'],
  [['convert'], 'ERR_INVALID_REQUEST'],
  [['convert', 'a.pem'], 'ERR_INVALID_REQUEST'],
  [['convert', 'a.pem', 'b.pem', '--to', 'jwk'], 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL'],
  [['convert', 'a.pem', '--to', 'yaml'], 'ERR_INVALID_REQUEST'],
  [['convert', 'a.pem', '--to', 'pem', '--comment', 'c'], 'ERR_INVALID_REQUEST'],
  [['convert', 'a.pem', '--to', 'pem', '--use', 'sig'], 'ERR_INVALID_REQUEST'],
  [['convert', 'a.pem', '--to', 'jwk', '--type', 'pkcs8'], 'ERR_INVALID_REQUEST'],
  [['convert', 'a.pem', '--to', 'jwk', '--use', 'x'], 'ERR_INVALID_REQUEST'],
  [['convert', 'a.pem', '--to', 'pem', '--type', 'x'], 'ERR_INVALID_REQUEST'],
  [['info', 'extra'], 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL'],
  [['info', '--json'], 'ERR_PARSE_ARGS_UNKNOWN_OPTION'],
]

describe('usage errors: exit 2, the code, a fix, nothing on stdout, no file', () => {
  for (const [args, code] of USAGE) {
    it(`platform-keygen ${args.join(' ')} → 2 ${code}`, () => {
      const dir = tempDir()
      fails(cli(args, { cwd: dir }), 2, code)
      expect(readdirSync(dir)).toEqual([])
    })
  }

  it('no arguments: the help on stderr, exit 2', () => {
    const r = cli([])
    expect(r.status).toBe(2)
    expect(r.stdout).toBe('')
    expect(r.stderr).toMatch(/^Usage: platform-keygen <JWA alg> \[options\]\n/)
  })

  it('the fix of an option error names the command help', () => {
    const r = cli(['ec', '--curv', 'P-256'])
    expect(r.stderr).toBe(
      "platform-keygen: error ERR_PARSE_ARGS_UNKNOWN_OPTION: Unknown option '--curv'\n" +
        '  fix: see `platform-keygen ec --help` for the options and examples\n',
    )
  })

  it('a key length the table refuses names the table', () => {
    const r = cli(['rsa', '--bits', '2047'])
    expect(r.stderr).toBe(
      'platform-keygen: error ERR_KEY_LENGTH: RSA length must be 512…16384, a multiple of 64; got 2047\n' +
        '  fix: choose a length the key-length table allows: `platform-keygen info` prints it\n',
    )
  })
})

describe('runtime errors: exit 1', () => {
  it('convert: a missing file → ENOENT', () => {
    fails(cli(['convert', 'missing.pem', '--to', 'jwk'], { cwd: tempDir() }), 1, 'ENOENT')
  })

  it('convert: a file that is no key → ERR_INVALID_REQUEST', () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'junk'), 'hello, world\n')
    writeFileSync(join(dir, 'junk.json'), '{ not json')
    writeFileSync(join(dir, 'junk.pem'), '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n')
    for (const f of ['junk', 'junk.json', 'junk.pem']) {
      fails(cli(['convert', f, '--to', 'jwk'], { cwd: dir }), 1, 'ERR_INVALID_REQUEST')
    }
  })

  it('convert: an encrypted PEM without its passphrase → ERR_BAD_PASSPHRASE with the --passphrase-file fix', () => {
    const dir = tempDir()
    execFileSync(
      'openssl',
      [
        'genpkey',
        '-algorithm',
        'EC',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-aes-128-cbc',
        '-pass',
        'pass:secret',
        '-out',
        join(dir, 'enc.pem'),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    const r = cli(['convert', 'enc.pem', '--to', 'jwk'], { cwd: dir })
    fails(r, 1, 'ERR_BAD_PASSPHRASE')
    expect(r.stderr).toContain('--passphrase-file FILE')
  })

  it('convert: a DSA / DH key to JWK or OpenSSH → ERR_UNSUPPORTED_FORMAT, exit 2 (a --to the key has no form of)', () => {
    const dir = tempDir()
    ok(cli(['dsa', '--bits', '1024', '--out', 'dsa.pem'], { cwd: dir }))
    fails(cli(['convert', 'dsa.pem', '--to', 'jwk'], { cwd: dir }), 2, 'ERR_UNSUPPORTED_FORMAT')
    fails(cli(['convert', 'dsa.pem', '--to', 'openssh', '--public'], { cwd: dir }), 2, 'ERR_UNSUPPORTED_FORMAT')
    fails(cli(['convert', 'dsa.pem', '--to', 'pem', '--type', 'sec1'], { cwd: dir }), 2, 'ERR_UNSUPPORTED_FORMAT')
    ok(cli(['okp', '--curve', 'X25519', '--out', 'x.pem'], { cwd: dir }))
    fails(cli(['convert', 'x.pem', '--to', 'openssh'], { cwd: dir }), 2, 'ERR_UNSUPPORTED_FORMAT')
  })

  it('OpenSSH has no ECDH keys: refused by the API, by ec --ecdh / ECDH-ES (exit 2, nothing written) and by convert of an ECDH JWK', async () => {
    const k = await generateKey({ algorithm: 'ECDH_P256' })
    expect(() => k.publicKey.export({ format: 'openssh' })).toThrow(
      expect.objectContaining({ code: 'ERR_UNSUPPORTED_FORMAT', message: expect.stringContaining('ECDH P-256') }),
    )
    k.destroy()
    const dir = tempDir()
    fails(cli(['ec', '--ecdh', '--format', 'openssh', '--out', 'id'], { cwd: dir }), 2, 'ERR_UNSUPPORTED_FORMAT')
    fails(cli(['ECDH-ES', '--format', 'openssh', '--out', 'id2'], { cwd: dir }), 2, 'ERR_UNSUPPORTED_FORMAT')
    expect(readdirSync(dir)).toEqual([])
    for (const [args, file] of [
      [['ECDH-ES', '--out', 'e.jwk'], 'e.jwk'],
      [['ec', '--ecdh', '--format', 'jwk', '--use', 'enc', '--out', 'u.jwk'], 'u.jwk'],
    ] as const) {
      ok(cli([...args], { cwd: dir }))
      fails(cli(['convert', file, '--to', 'openssh'], { cwd: dir }), 2, 'ERR_UNSUPPORTED_FORMAT')
      fails(cli(['convert', file, '--to', 'openssh', '--public'], { cwd: dir }), 2, 'ERR_UNSUPPORTED_FORMAT')
      // the same key as PEM says nothing of its use: it converts as the EC key it is
      expect(ok(cli(['convert', file, '--to', 'pem'], { cwd: dir })).stdout).toMatch(/^-----BEGIN PRIVATE KEY-----\n/)
    }
  })

  it('convert: a symmetric JWK, a JWK set of two (without --kid) → typed errors', () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'oct.jwk'), JSON.stringify({ kty: 'oct', k: 'AAAA' }))
    fails(cli(['convert', 'oct.jwk', '--to', 'pem'], { cwd: dir }), 1, 'ERR_UNSUPPORTED_FORMAT')
    ok(cli(['ec', '--format', 'jwks', '--count', '2', '--out', 'two.json'], { cwd: dir }))
    fails(cli(['convert', 'two.json', '--to', 'pem'], { cwd: dir }), 1, 'ERR_INVALID_REQUEST')
  })

  it('convert: a public key with --type pkcs8 → exit 2 (a private key type), and no output file', () => {
    const dir = tempDir()
    ok(cli(['ec', '--public', '--out', 'pub.pem'], { cwd: dir }))
    fails(
      cli(['convert', 'pub.pem', '--to', 'pem', '--type', 'pkcs8', '--out', 'x.pem'], { cwd: dir }),
      2,
      'ERR_INVALID_REQUEST',
    )
    fails(cli(['convert', 'pub.pem', '--to', 'pem', '--type', 'sec1'], { cwd: dir }), 2, 'ERR_INVALID_REQUEST')
    expect(readdirSync(dir)).toEqual(['pub.pem'])
  })

  it('convert --out to an existing file → EEXIST; --force replaces it', () => {
    const dir = tempDir()
    ok(cli(['ec', '--out', 'k.pem'], { cwd: dir }))
    writeFileSync(join(dir, 'k.jwk'), 'old')
    fails(cli(['convert', 'k.pem', '--to', 'jwk', '--out', 'k.jwk'], { cwd: dir }), 1, 'EEXIST')
    ok(cli(['convert', 'k.pem', '--to', 'jwk', '--out', 'k.jwk', '--force'], { cwd: dir }))
  })

  it.skipIf(hasPostQuantum())('ML-DSA / ML-KEM on a runtime without them → ERR_NOT_SUPPORTED_ON_PLATFORM', () => {
    fails(cli(['ml-kem']), 1, 'ERR_NOT_SUPPORTED_ON_PLATFORM')
    fails(cli(['ml-dsa', '--set', '87']), 1, 'ERR_NOT_SUPPORTED_ON_PLATFORM')
  })
})
