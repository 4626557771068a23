/**
 * One glossary of flags (issue 13, item 5): every command takes its flags from src/cli/flags.ts
 * with the glossary's type, short letter and placeholder; no letter means two flags; the aliases
 * kept for spellings the README documented work where the glossary says, and nowhere else; and
 * the README's flag table is the glossary.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { commandHelp } from '../src/cli/command.js'
import { FLAGS, type Flag } from '../src/cli/flags.js'
import { ALL_COMMANDS } from '../src/cli/run.js'
import { cli, fails, ok, tempDir } from './cli-helpers.js'

const glossary = FLAGS as Record<string, Flag>
const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8')

describe('the glossary', () => {
  it('every option of every command is a glossary flag, with its type, short letter and placeholder', () => {
    let checked = 0
    for (const c of ALL_COMMANDS) {
      for (const [name, o] of Object.entries(c.options)) {
        const f = glossary[name]
        expect(f, `${c.name} --${name}`).toBeDefined()
        expect({ type: o.type, short: o.short, value: o.value, multiple: o.multiple }, `${c.name} --${name}`).toEqual({
          type: f?.type,
          short: f?.short,
          value: f?.value,
          multiple: f?.multiple,
        })
        checked++
      }
    }
    expect(checked).toBeGreaterThan(150)
  })

  it('no short letter names two flags (nor -h, -V)', () => {
    const shorts = Object.values(glossary).flatMap((f) => (f.short === undefined ? [] : [f.short]))
    expect(new Set(shorts).size).toBe(shorts.length)
    expect(shorts).not.toContain('h')
    expect(shorts).not.toContain('V')
    expect(Object.fromEntries(Object.entries(glossary).flatMap(([n, f]) => (f.short ? [[f.short, n]] : [])))).toEqual({
      b: 'bits',
      c: 'curve',
      r: 'request',
      n: 'count',
      f: 'format',
      t: 'type',
      o: 'out',
      p: 'pub',
      s: 'store',
      y: 'yes',
    })
  })

  it('an alias is accepted only by the commands it names, which do not take the alias as a flag of its own', () => {
    for (const [name, f] of Object.entries(glossary)) {
      for (const [alias, commands] of Object.entries(f.aliases ?? {})) {
        for (const command of commands) {
          const def = ALL_COMMANDS.find((c) => c.name === command)
          expect(def, command).toBeDefined()
          expect(Object.keys(def?.options ?? {})).toContain(name)
          expect(Object.keys(def?.options ?? {})).not.toContain(alias)
          expect(commandHelp(def as (typeof ALL_COMMANDS)[number])).toContain(`(also --${alias})`)
        }
      }
    }
  })

  it("the README's flag table is the glossary: every flag, its letter, meaning and commands", () => {
    const table = README.split('<!-- flags:begin -->\n')[1]?.split('\n<!-- flags:end -->')[0] ?? ''
    const rows = table.split('\n').slice(2)
    expect(rows).toHaveLength(Object.keys(glossary).length)
    for (const [i, [name, f]] of Object.entries(glossary).entries()) {
      const commands = ALL_COMMANDS.filter((c) => Object.hasOwn(c.options, name)).map((c) => `\`${c.name}\``)
      const flag = `${f.short ? `\`-${f.short}\`, ` : ''}\`--${name}${f.type === 'string' ? ` ${f.value}` : ''}\``
      const aliases = Object.entries(f.aliases ?? {})
        .map(([a, cs]) => ` (also \`--${a}\` in ${cs.map((c) => `\`${c}\``).join(', ')})`)
        .join('')
      expect(rows[i]).toBe(`| ${flag} | ${f.meaning}${aliases} | ${commands.join(' ')} |`)
    }
  })
})

describe('the aliases and the one meaning of each flag, from the command line', () => {
  it('<JWA alg> --crv (the documented spelling) is --curve; both at once is a usage error', () => {
    const viaAlias = JSON.parse(ok(cli(['ECDH-ES', '--crv', 'X448'])).stdout)
    const viaFlag = JSON.parse(ok(cli(['ECDH-ES', '-c', 'X448'])).stdout)
    expect([viaAlias.crv, viaFlag.crv]).toEqual(['X448', 'X448'])
    expect(Buffer.from(viaAlias.d, 'base64url')).toHaveLength(56)
    fails(cli(['ECDH-ES', '--crv', 'X448', '--curve', 'X448']), 2, 'ERR_INVALID_REQUEST')
    // the alias belongs to <JWA alg> only
    fails(cli(['ec', '--crv', 'P-256']), 2, 'ERR_PARSE_ARGS_UNKNOWN_OPTION')
  })

  it('jwk --type RSA (the documented spelling) is --kty; -t is the PEM/DER type, which jwk has not', () => {
    const a = JSON.parse(ok(cli(['jwk', '--name', 'a', '--type', 'EC', '--curve', 'P256'])).stdout)
    const b = JSON.parse(ok(cli(['jwk', '--name', 'b', '--kty', 'EC', '--curve', 'P256'])).stdout)
    expect([a.privateJwk.kty, a.privateJwk.crv, b.privateJwk.kty, b.privateJwk.crv]).toEqual([
      'EC',
      'P-256',
      'EC',
      'P-256',
    ])
    fails(cli(['jwk', '--name', 'c', '--type', 'EC', '--kty', 'EC']), 2, 'ERR_INVALID_REQUEST')
    fails(cli(['jwk', '--name', 'd', '-t', 'EC']), 2, 'ERR_PARSE_ARGS_UNKNOWN_OPTION')
    // -t is the PEM/DER structure wherever it exists
    expect(ok(cli(['rsa', '--bits', '2048', '-t', 'pkcs1'])).stdout).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n/)
  })

  it('-s is --store (jwk, jwks, key); --set has no short letter', () => {
    const dir = tempDir()
    ok(cli(['jwk', '--name', 'web', '--kty', 'EC', '--curve', 'P256', '-s', 'store.json'], { cwd: dir }))
    expect(JSON.parse(ok(cli(['jwks', '-s', 'store.json'], { cwd: dir })).stdout).keys).toHaveLength(1)
    fails(cli(['ml-kem', '-s', '768']), 2, 'ERR_PARSE_ARGS_UNKNOWN_OPTION')
  })

  it('--public is "only the public key", on stdout or into --out, for jwk as for the key commands', () => {
    const dir = tempDir()
    ok(
      cli(['jwk', '--name', 'n', '--kty', 'OKP', '--curve', 'Ed25519', '--public', '--out', 'n.pub.jwk'], { cwd: dir }),
    )
    const pub = JSON.parse(readFileSync(`${dir}/n.pub.jwk`, 'utf8'))
    expect(pub).toMatchObject({ kty: 'OKP', crv: 'Ed25519' })
    expect(pub.d).toBeUndefined()
    ok(cli(['okp', '--public', '--out', 'k.pub.pem'], { cwd: dir }))
    expect(readFileSync(`${dir}/k.pub.pem`, 'utf8')).toMatch(/^-----BEGIN PUBLIC KEY-----\n/)
    ok(cli(['jwk', '--name', 'w', '--kty', 'EC', '--curve', 'P256', '--store', 's.json'], { cwd: dir }))
    ok(cli(['jwk', 'get', 'w', '--store', 's.json', '--public', '--out', 'w.pub.jwk'], { cwd: dir }))
    const got = JSON.parse(readFileSync(`${dir}/w.pub.jwk`, 'utf8'))
    expect(got).toMatchObject({ kty: 'EC', crv: 'P-256' })
    expect(got.d).toBeUndefined()
    for (const args of [
      ['jwk', '--name', 'x', '--kty', 'EC', '--public', '--pub', 'x.pub'],
      ['ec', '--public', '--pub', 'x.pub'],
    ]) {
      fails(cli(args, { cwd: dir }), 2, 'ERR_INVALID_REQUEST')
    }
  })
})
