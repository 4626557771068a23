#!/usr/bin/env node
// npm run fuzz [-- --total N --seed S]
//
// Runs the property tests of test/fuzz.test.ts with a million cases shared
// among them (PK_FUZZ_TOTAL; properties that make real keys or spawn the CLI
// are capped, the blob and JWK parsers get the rest) and one seed for all
// (printed, so a failure can be replayed with --seed). Prints the cases per
// property and the time taken.
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const args = process.argv.slice(2)
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`)
  return i === -1 ? fallback : args[i + 1]
}
const total = Number(option('total', 1_000_000))
const seed = Number(option('seed', Math.floor(Math.random() * 2 ** 31)))
const vitest = join(dirname(createRequire(join(root, 'package.json')).resolve('vitest/package.json')), 'vitest.mjs')

console.log(`fuzz: ${total} cases, seed ${seed} (node ${process.version})`)
const started = Date.now()
const r = spawnSync(
  process.execPath,
  [vitest, 'run', 'test/fuzz.test.ts', '--testTimeout=0', '--hookTimeout=0', '--reporter=default'],
  {
    cwd: root,
    stdio: 'inherit',
    env: {
      ...process.env,
      PK_FUZZ_TOTAL: String(total),
      PK_FUZZ_SEED: String(seed),
    },
  },
)
const minutes = ((Date.now() - started) / 60_000).toFixed(1)
console.log(`fuzz: ${r.status === 0 ? 'clean' : 'FAILED'} after ${minutes} min (seed ${seed})`)
process.exit(r.status ?? 1)
