/**
 * Store management from the CLI: jwk get / remove / rotate NAME, jwks --list,
 * and jwks publishing only keys valid now (--all for every one). jose is the
 * judge of the published set: tokens signed with the old and the new key of a
 * rotation both verify against it.
 */
import { createPrivateKey, createPublicKey } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createLocalJWKSet, importJWK, jwtVerify, SignJWT } from 'jose'
import { describe, expect, it } from 'vitest'
import { JwkStore } from '../src/store/index.js'
import { cli, fails, jsonLines, ok, tempDir } from './cli-helpers.js'

const add = (dir: string, name: string, extra: string[] = []) =>
  ok(
    cli(['jwk', '--name', name, '--type', 'EC', '--curve', 'P256', '--alg', 'ES256', '--store', 's.json', ...extra], {
      cwd: dir,
    }),
  )

async function token(privateJwk: Record<string, unknown>): Promise<string> {
  return new SignJWT({ sub: 'x' })
    .setProtectedHeader({ alg: 'ES256', kid: privateJwk.kid as string })
    .sign(await importJWK(privateJwk as never, 'ES256'))
}

describe('jwk get / remove', () => {
  it('get prints the pair (an encrypted store with its passphrase), --public the public JWK; remove removes it', () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'pass'), 'store pass\n')
    add(dir, 'web', ['--passphrase-file', 'pass'])
    const got = JSON.parse(
      ok(cli(['jwk', 'get', 'web', '--store', 's.json', '--passphrase-file', 'pass'], { cwd: dir })).stdout,
    )
    expect(got.metadata.name).toBe('web')
    const pub = createPublicKey(createPrivateKey({ key: got.privateJwk, format: 'jwk' })).export({ format: 'jwk' })
    expect(pub).toEqual({ kty: 'EC', crv: 'P-256', x: got.publicJwk.x, y: got.publicJwk.y })
    fails(cli(['jwk', 'get', 'web', '--store', 's.json'], { cwd: dir }), 1, 'ERR_STORE_PASSPHRASE')
    const only = JSON.parse(ok(cli(['jwk', 'get', 'web', '--store', 's.json', '--public'], { cwd: dir })).stdout)
    expect(only).toEqual(got.publicJwk)
    expect(only).not.toHaveProperty('d')
    expect(
      jsonLines(
        ok(cli(['jwk', 'remove', 'web', '--store', 's.json', '--passphrase-file', 'pass'], { cwd: dir })).stdout,
      ),
    ).toEqual([{ removed: 'web', store: 's.json' }])
    const line = fails(
      cli(['jwk', 'get', 'web', '--store', 's.json', '--public'], { cwd: dir }),
      1,
      'ERR_INVALID_REQUEST',
    )
    expect(line).toContain('is not found!')
  })

  it('usage errors: an unknown subcommand, no name, no --store, generation flags with a subcommand → exit 2', () => {
    const dir = tempDir()
    fails(cli(['jwk', 'list', 'web', '--store', 's.json'], { cwd: dir }), 2, 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL')
    for (const args of [
      ['jwk', 'get', '--store', 's.json'],
      ['jwk', 'get', 'web'],
      ['jwk', 'rotate', 'web', '--store', 's.json', '--type', 'EC'],
      ['jwk', 'remove', 'web', '--store', 's.json', '--out', 'x'],
    ]) {
      fails(cli(args, { cwd: dir }), 2, 'ERR_INVALID_REQUEST')
    }
  })
})

describe('jwk rotate', () => {
  it('a new key under the name, the old one kept as NAME@time: tokens of both verify against jwks (jose)', async () => {
    const dir = tempDir()
    add(dir, 'web')
    const before = new JwkStore(join(dir, 's.json'))
    const old = await before.get('web')
    const r = jsonLines(ok(cli(['jwk', 'rotate', 'web', '--store', 's.json'], { cwd: dir })).stdout)[0] as Record<
      string,
      string
    >
    expect(r.rotated).toBe('web')
    expect(r.retired).toMatch(/^web@\d{4}-\d\d-\d\dT/)
    const store = new JwkStore(join(dir, 's.json'))
    const fresh = await store.get('web')
    const retired = await store.get(r.retired as string)
    expect(fresh.kid).not.toBe(old.kid)
    expect(retired.privateJwk).toEqual(old.privateJwk)
    expect(retired.metadata.retiredAt).toEqual(expect.any(String))
    // the same kind of key, for as long as the old one was valid
    expect(fresh.metadata).toMatchObject({ type: 'EC', curveType: 'P256', alg: 'ES256' })
    expect((fresh.metadata.exp as number) - (fresh.metadata.nbf as number)).toBe(
      (old.metadata.exp as number) - (old.metadata.nbf as number),
    )
    const jwks = JSON.parse(ok(cli(['jwks', '--store', 's.json'], { cwd: dir })).stdout)
    expect(jwks.keys.map((k: { kid: string }) => k.kid).sort()).toEqual([old.kid, fresh.kid].sort())
    for (const k of [old.privateJwk, fresh.privateJwk]) {
      const { payload } = await jwtVerify(await token(k), createLocalJWKSet(jwks))
      expect(payload.sub).toBe('x')
    }
    const list = jsonLines(ok(cli(['jwks', '--list', '--store', 's.json'], { cwd: dir })).stdout)
    expect(list.map((l) => [l.name, l.status])).toEqual([
      [r.retired, 'valid'],
      ['web', 'valid'],
    ])
  })

  it('an encrypted store rotates with its passphrase; without it → ERR_STORE_PASSPHRASE and nothing changes', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'pass'), 'pw\n')
    add(dir, 'api', ['--passphrase-file', 'pass'])
    fails(cli(['jwk', 'rotate', 'api', '--store', 's.json'], { cwd: dir }), 1, 'ERR_STORE_PASSPHRASE')
    expect((await new JwkStore(join(dir, 's.json')).list()).map((e) => e.name)).toEqual(['api'])
    ok(cli(['jwk', 'rotate', 'api', '--store', 's.json', '--passphrase-file', 'pass'], { cwd: dir }))
    const store = new JwkStore(join(dir, 's.json'), { passphrase: 'pw' })
    const names = (await store.list()).map((e) => e.name)
    expect(names).toHaveLength(2)
    for (const n of names) expect((await store.get(n)).privateJwk.d).toEqual(expect.any(String))
  })

  it('the "already exists" hint names jwk rotate, and that command works', () => {
    const dir = tempDir()
    add(dir, 'web')
    const r = cli(['jwk', '--name', 'web', '--type', 'EC', '--curve', 'P256', '--store', 's.json'], { cwd: dir })
    fails(r, 1, 'ERR_INVALID_REQUEST')
    const hint = /`platform-keygen (jwk rotate web --store s\.json)`/.exec(r.stderr)
    expect(hint, r.stderr).not.toBeNull()
    ok(cli(String(hint?.[1] ?? '').split(' '), { cwd: dir }))
  })
})

describe('jwks: only keys valid now, unless --all', () => {
  it('an expired and a not-yet-valid key are left out of jwks and publicJwks(); --all / includeExpired keep them', async () => {
    const dir = tempDir()
    add(dir, 'old', ['--nbf', '2020-01-01', '--exp', '2021-01-01'])
    add(dir, 'future', ['--nbf', '2999-01-01', '--exp', '3000-01-01'])
    add(dir, 'now')
    const store = new JwkStore(join(dir, 's.json'))
    const entries = Object.fromEntries((await store.list()).map((e) => [e.name, e.kid]))
    const kids = (set: { keys: { kid?: unknown }[] }) => set.keys.map((k) => k.kid)
    expect(kids(JSON.parse(ok(cli(['jwks', '--store', 's.json'], { cwd: dir })).stdout))).toEqual([entries.now])
    expect(kids(JSON.parse(ok(cli(['jwks', '--store', 's.json', '--all'], { cwd: dir })).stdout))).toEqual([
      entries.old,
      entries.future,
      entries.now,
    ])
    expect(kids(await store.publicJwks())).toEqual([entries.now])
    expect(kids(await store.publicJwks({ includeExpired: true }))).toHaveLength(3)
    expect(kids(await store.publicJwks({ now: new Date('2020-06-01T00:00:00Z') }))).toEqual([entries.old])
    const status = jsonLines(ok(cli(['jwks', '--list', '--store', 's.json'], { cwd: dir })).stdout).map((l) => l.status)
    expect(status).toEqual(['expired', 'not-yet-valid', 'valid'])
  })
})
