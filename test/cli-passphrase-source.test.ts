/**
 * The passphrase refusals written once (src/cli/passphrase.ts): --encrypt with --public says the
 * same in every command that writes private keys, and --passphrase-file means one thing
 * everywhere (its first line; - is stdin; an empty one is a usage error), the store's and the
 * service's included.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cli, fails, ok, tempDir } from './cli-helpers.js'

describe('passphrase refusals, one wording', () => {
  it('--encrypt with --public: the same usage error from ec, <JWA alg>, jwk and jwk get', () => {
    const dir = tempDir()
    ok(cli(['jwk', '--name', 'w', '--kty', 'EC', '--curve', 'P256', '--store', 's.json'], { cwd: dir }))
    for (const args of [
      ['ec', '--encrypt', '--public'],
      ['ES256', '--encrypt', '--public'],
      ['jwk', '--name', 'x', '--kty', 'EC', '--curve', 'P256', '--encrypt', '--public', '--out', 'x.jwk'],
      ['jwk', 'get', 'w', '--store', 's.json', '--encrypt', '--public', '--out', 'w.jwk'],
    ]) {
      expect(fails(cli(args, { cwd: dir }), 2, 'ERR_INVALID_REQUEST'), args.join(' ')).toBe(
        'platform-keygen: error ERR_INVALID_REQUEST: --encrypt protects a private key: drop it, or drop --public',
      )
    }
  })

  it('an empty --passphrase-file is the same usage error for a key, a store and the service', () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'empty.txt'), '\n')
    for (const args of [
      ['ec', '--passphrase-file', 'empty.txt'],
      ['jwks', '--store', 'n.json', '--create', '--passphrase-file', 'empty.txt'],
      ['serve', '--data', 'svc', '--passphrase-file', 'empty.txt'],
    ]) {
      expect(fails(cli(args, { cwd: dir }), 2, 'ERR_INVALID_REQUEST'), args.join(' ')).toBe(
        'platform-keygen: error ERR_INVALID_REQUEST: the passphrase file empty.txt is empty',
      )
    }
  })

  it('jwks --create --passphrase-file - reads the new store passphrase from stdin, as every other command does', () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'pass.txt'), 'store secret\n')
    writeFileSync(join(dir, 'wrong.txt'), 'not it\n')
    ok(cli(['jwks', '--store', 'n.json', '--create', '--passphrase-file', '-'], { cwd: dir, input: 'store secret\n' }))
    // the store is encrypted under that line: the right passphrase adds a key, a wrong one is refused
    ok(
      cli(
        ['jwk', '--name', 'a', '--kty', 'EC', '--curve', 'P256', '--store', 'n.json', '--passphrase-file', 'pass.txt'],
        {
          cwd: dir,
        },
      ),
    )
    fails(
      cli(['jwk', 'get', 'a', '--store', 'n.json', '--passphrase-file', 'wrong.txt'], { cwd: dir }),
      1,
      'ERR_STORE_PASSPHRASE',
    )
    const got = JSON.parse(
      ok(cli(['jwk', 'get', 'a', '--store', 'n.json', '--passphrase-file', 'pass.txt'], { cwd: dir })).stdout,
    )
    expect(got.privateJwk).toMatchObject({ kty: 'EC', crv: 'P-256', d: expect.any(String) })
  })
})
