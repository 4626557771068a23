/**
 * What the CLI says to the common mistakes: a command or algorithm mistyped (exit 2, what was
 * typed and what is near it), and a JWK store that does not exist (ERR_STORE_NOT_FOUND, exit 1,
 * nothing written) unless --create asks for one.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { JwkStore } from '../src/index.js'
import { cli, fails, ok, POSIX, tempDir } from './cli-helpers.js'

describe('a mistyped command or algorithm', () => {
  it.each([
    ['generate', '`platform-keygen ES256`'],
    ['RSA', 'did you mean `rsa`'],
    ['es256', 'did you mean `ES256`'],
    ['ecdh-es', 'did you mean `ECDH-ES`'],
    ['conver', 'did you mean `convert`'],
    ['jwkz', 'did you mean `jwk`, `jwks`'],
  ])('%s → unknown command or algorithm, exit 2, a suggestion (%s)', (typed, suggestion) => {
    const r = cli([typed, '--format', 'pem'])
    const line = fails(r, 2, 'ERR_UNSUPPORTED_ALGORITHM')
    expect(line).toBe(`platform-keygen: error ERR_UNSUPPORTED_ALGORITHM: unknown command or algorithm "${typed}"`)
    expect(r.stderr.split('\n')[1]).toContain(suggestion)
    expect(r.stderr).toContain('`platform-keygen --help` lists the commands and algorithms')
  })

  it.each([
    ['serv', 'serve'],
    ['keys', 'key'],
    ['jwtt', 'jwt'],
    ['certt', 'cert'],
    ['csx', 'csr'],
  ])('%s → the suggestions come from the dispatcher’s commands: `%s` first', (typed, command) => {
    const r = cli([typed])
    fails(r, 2, 'ERR_UNSUPPORTED_ALGORITHM')
    expect(r.stderr.split('\n')[1]).toMatch(new RegExp(`^  fix: did you mean \`${command}\`[, ]`))
  })

  it('a known JWA alg with a bad --crv still gets jose’s own words (exit 2)', () => {
    const line = fails(cli(['ECDH-ES', '--crv', 'P-999']), 2, 'ERR_JOSE_NOT_SUPPORTED')
    expect(line).toContain('crv')
  })
})

describe('jwks --store FILE', () => {
  it('a store that does not exist → ERR_STORE_NOT_FOUND, exit 1, no file written', () => {
    const dir = tempDir()
    const r = cli(['jwks', '--store', 'missing.json', '--out', 'jwks.json'], { cwd: dir })
    const line = fails(r, 1, 'ERR_STORE_NOT_FOUND')
    expect(line).toBe('platform-keygen: error ERR_STORE_NOT_FOUND: the JWK store missing.json does not exist')
    expect(r.stderr).toContain('pass --create')
    expect(existsSync(join(dir, 'missing.json'))).toBe(false)
    expect(existsSync(join(dir, 'jwks.json'))).toBe(false)
  })

  it('--create starts an empty store (0600) that later jwk --store adds to; an existing one is kept', async () => {
    const dir = tempDir()
    expect(JSON.parse(ok(cli(['jwks', '--store', 'new.json', '--create'], { cwd: dir })).stdout)).toEqual({ keys: [] })
    if (POSIX) expect(statSync(join(dir, 'new.json')).mode & 0o777).toBe(0o600)
    expect(await new JwkStore(join(dir, 'new.json')).list()).toEqual([])
    ok(cli(['jwk', '--name', 'web', '--type', 'EC', '--curve', 'P256', '--store', 'new.json'], { cwd: dir }))
    const before = readFileSync(join(dir, 'new.json'), 'utf8')
    const set = JSON.parse(ok(cli(['jwks', '--store', 'new.json', '--create'], { cwd: dir })).stdout)
    expect(set.keys).toHaveLength(1)
    expect(set.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256' })
    expect(set.keys[0].d).toBeUndefined()
    expect(readFileSync(join(dir, 'new.json'), 'utf8')).toBe(before)
  })

  it('--create --passphrase-file makes the new store encrypted; --passphrase-file alone is refused', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'pass'), 'correct horse\n')
    ok(cli(['jwks', '--store', 'enc.json', '--create', '--passphrase-file', 'pass'], { cwd: dir }))
    expect(JSON.parse(readFileSync(join(dir, 'enc.json'), 'utf8'))).toMatchObject({ protection: 'jwe', entries: [] })
    fails(
      cli(['jwk', '--name', 'a', '--type', 'EC', '--curve', 'P256', '--store', 'enc.json'], { cwd: dir }),
      1,
      'ERR_STORE_PASSPHRASE',
    )
    fails(cli(['jwks', '--store', 'enc.json', '--passphrase-file', 'pass'], { cwd: dir }), 2, 'ERR_INVALID_REQUEST')
  })

  it('a corrupt store is still ERR_STORE_CORRUPT (exit 1), with or without --create, and left as it is', () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'bad.json'), 'not json')
    fails(cli(['jwks', '--store', 'bad.json'], { cwd: dir }), 1, 'ERR_STORE_CORRUPT')
    fails(cli(['jwks', '--store', 'bad.json', '--create'], { cwd: dir }), 1, 'ERR_STORE_CORRUPT')
    expect(readFileSync(join(dir, 'bad.json'), 'utf8')).toBe('not json')
  })
})
