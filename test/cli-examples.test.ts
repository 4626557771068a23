/**
 * Every command has --help with examples, and every example runs: each
 * command's examples are run in order (later ones may use earlier files) in
 * a fresh directory, through a `platform-keygen` on PATH. ML-DSA / ML-KEM
 * examples must fail with ERR_NOT_SUPPORTED_ON_PLATFORM where the runtime has
 * no ML-DSA / ML-KEM (Node 20), and succeed where it has (Node 24).
 */
import { describe, expect, it } from 'vitest'
import { cli, cliOnPath, expectExampleRuns, ok, POSIX, tempDir } from './cli-helpers.js'
import { hasPostQuantum } from './helpers.js'

const PQ = hasPostQuantum()

/** Commands on keys kept by the platform (their examples run in test/cli-tpm.test.ts, against the TPM). */
const PLATFORM_KEY_COMMANDS = ['key', 'jwt', 'cert', 'csr']

/** The command names listed by the top-level help. */
function commandNames(): string[] {
  const help = ok(cli(['--help'])).stdout
  const list = help.split('\n\n')[2] ?? ''
  return list
    .split('\n')
    .map((l) => /^ {2}(\S+)/.exec(l)?.[1])
    .filter((n): n is string => n !== undefined)
}

function examplesOf(help: string): string[] {
  const section = help.split('\nExamples:\n')[1] ?? ''
  return section
    .split('\n')
    .filter((l) => l.startsWith('  platform-keygen '))
    .map((l) => l.trim())
}

describe('--help and its examples', () => {
  const names = commandNames()

  it('the top-level help lists every command (and <JWA alg>)', () => {
    expect(names).toEqual([
      '<JWA',
      'rsa',
      'dsa',
      'dh',
      'ec',
      'okp',
      'ml-dsa',
      'ml-kem',
      'jwk',
      'jwks',
      'convert',
      'info',
      'serve',
      'key',
      'jwt',
      'cert',
      'csr',
    ])
    expect(ok(cli(['help'])).stdout).toBe(ok(cli(['--help'])).stdout)
    expect(ok(cli(['-h'])).stdout).toBe(ok(cli(['--help'])).stdout)
  })

  const bin = POSIX ? cliOnPath() : ''
  for (const name of names) {
    // the platform-key commands need a TPM: test/cli-tpm.test.ts runs their examples
    if (PLATFORM_KEY_COMMANDS.includes(name)) continue
    const args = name === '<JWA' ? ['ES256', '--help'] : [name, '--help']
    // the examples are shell lines (quotes, {n}): run with sh, so not on Windows
    it.skipIf(!POSIX)(`platform-keygen ${args.join(' ')}: usage, options, examples that run`, () => {
      const help = ok(cli(args)).stdout
      expect(help).toMatch(/^Usage: platform-keygen \S/)
      expect(help).toContain('\nOptions:\n')
      expect(help).toContain('  -h, --help')
      if (name !== '<JWA') expect(ok(cli(['help', name])).stdout).toBe(help)
      const examples = examplesOf(help)
      expect(examples.length).toBeGreaterThan(0)
      const dir = tempDir()
      for (const example of examples) expectExampleRuns(example, dir, bin, PQ)
    })
  }
})
