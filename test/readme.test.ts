/**
 * The README's JavaScript examples run as written (against the built
 * package, imported by its name), and every `console.log(…)  // output`
 * line prints that output.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { hasPostQuantum, NODE_MAJOR } from './helpers.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
const blocks = [...readme.matchAll(/```js\n([\s\S]*?)```/g)]
  .map((m) => m[1] as string)
  .filter((code) => code.includes("from 'platform-keygen'"))

describe('README examples', () => {
  it('has examples to run', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(10)
  })

  it.each(blocks.map((code, i) => [i + 1, code] as const))('example %i runs and prints what it says', (_i, code) => {
    if (/^\s*using /m.test(code) && NODE_MAJOR < 24) {
      // Node 20 has no `using` syntax (the README says Node.js 24+); CI runs this example under Node 24
      expect(() => run(code)).toThrow(/SyntaxError/)
      return
    }
    if (code.includes("'ML-KEM'") && !hasPostQuantum()) {
      // this runtime has no ML-KEM: the example must fail with the documented typed error instead
      expect(() => run(code)).toThrow(/ERR_NOT_SUPPORTED_ON_PLATFORM/)
      return
    }
    // every `console.log(…) // text` line must print text (… matches anything), in order;
    // a console.log in a loop may print more lines than it has comments
    const expected = [...code.matchAll(/console\.log\(.*\)\s*\/\/ (.*)$/gm)].map((m) => (m[1] as string).trim())
    const out = run(code).trim().split('\n').filter(Boolean)
    let at = 0
    for (const want of expected) {
      const pattern = new RegExp(`^${want.split('…').map(escapeRegExp).join('.*')}$`)
      while (at < out.length && !pattern.test(out[at] as string)) at++
      expect(at < out.length, `no output line matches "${want}" in:\n${out.join('\n')}`).toBe(true)
      at++
    }
  })
})

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

function run(code: string): string {
  return execFileSync(process.execPath, ['--input-type=module', '-e', code], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  })
}

describe("the README's first command", () => {
  it('generates a JWK and a PEM (after its `npm install`, which the test setup has done)', () => {
    const sh = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? ''
    const first = sh.split('\n').find((l) => l.trim() && !l.trim().startsWith('#')) ?? ''
    expect(first.startsWith('npm install && ')).toBe(true)
    const out = execFileSync('sh', ['-c', first.replace(/^npm install && /, '')], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const jwk = JSON.parse(out.slice(0, out.indexOf('}') + 1))
    expect(jwk).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256' })
    expect(typeof jwk.d).toBe('string')
    expect(out).toContain('-----BEGIN PRIVATE KEY-----')
    const second = sh.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'))[1]
    expect(second).toBe('npm test')
  })
})
