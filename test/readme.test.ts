/**
 * The README runs as written. Its JavaScript examples run against the built package,
 * imported by its name, and print what their `// output` comments say (package.test.ts runs
 * them again from a project that installed the packed tarball). Its shell blocks are, in order:
 * the first screen (set up + generate, run the tests), the tarball install (run by
 * package.test.ts), the not-yet-published registry lines, and the CLI block, which runs here
 * line by line in one empty directory with the built `platform-keygen` on PATH.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { ALL_COMMANDS } from '../src/cli/run.js'
import { cliOnPath, expectExampleRuns } from './cli-helpers.js'
import { hasPostQuantum, NODE_MAJOR } from './helpers.js'
import { checkJsExample, commandLines, jsExamples, shBlocks } from './readme-blocks.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const blocks = jsExamples()
const sh = shBlocks()
const work = mkdtempSync(join(tmpdir(), 'pk-readme-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

describe('README examples', () => {
  it('has examples to run', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(10)
  })

  it.each(blocks.map((code, i) => [i + 1, code] as const))(
    'example %i runs and prints what it says',
    async (_i, code) => {
      await checkJsExample(code, { cwd: root, nodeMajor: NODE_MAJOR, postQuantum: hasPostQuantum() })
    },
  )
})

describe("the README's shell blocks", () => {
  it('are the first screen, the tarball install, the registry install and the CLI block, in that order', () => {
    expect(sh.map((b) => commandLines(b)[0])).toEqual([
      'npm install && node bin/platform-keygen.js ES256 && node bin/platform-keygen.js rsa --bits 3072 --format pem',
      'npm pack',
      'npm install ./platform-keygen-0.1.0.tgz',
      'npm install platform-keygen',
      'platform-keygen ES256',
    ])
    expect(commandLines(sh[0] as string)).toEqual([
      'npm install && node bin/platform-keygen.js ES256 && node bin/platform-keygen.js rsa --bits 3072 --format pem',
      'npm test',
    ])
    // the registry lines say they are not true yet
    expect(sh[3]).toMatch(/^# not yet: for the published package\n/)
  })

  it('the first command generates a JWK and a PEM (after its `npm install`, which the test setup has done)', () => {
    const first = commandLines(sh[0] as string)[0] as string
    const r = spawnSync('sh', ['-c', first.replace(/^npm install && /, '')], { cwd: root, encoding: 'utf8' })
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' })
    const jwk = JSON.parse(r.stdout.slice(0, r.stdout.indexOf('}') + 1))
    expect(jwk).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256' })
    expect(typeof jwk.d).toBe('string')
    expect(r.stdout).toContain('-----BEGIN PRIVATE KEY-----')
  })

  const cliLines = commandLines(sh[4] ?? '')

  it("every line of the CLI block is one of a command's --help examples", () => {
    const examples = new Set(ALL_COMMANDS.flatMap((c) => c.examples))
    expect(cliLines.length).toBeGreaterThanOrEqual(30)
    expect(cliLines.filter((l) => !examples.has(l))).toEqual([])
  })

  it('the CLI block runs as written, in order, in one empty directory (platform-keygen on PATH)', () => {
    const bin = cliOnPath()
    const dir = join(work, 'cli')
    mkdirSync(dir)
    for (const line of cliLines) expectExampleRuns(line, dir, bin, hasPostQuantum())
    // what the block says it writes is there
    const files = readdirSync(dir)
    for (const f of [
      'rs256.jwk',
      'ssh_host_ed25519_key',
      'id_ed25519',
      'jwks-store.json',
      'jwks.json',
      'new-store.json',
      'key.jwk',
      'key.pub.pem',
    ])
      expect(files).toContain(f)
  })
})
