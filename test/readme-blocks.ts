/**
 * The README's code blocks, and how its JavaScript examples are judged: each runs as written
 * in a fresh node, and every `console.log(…)  // output` line must print that output (… matches
 * anything), in order. Used by readme.test.ts (in the checkout) and package.test.ts (in a project
 * that installed the packed tarball).
 */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { expect } from 'vitest'

export const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8')

/** The ```js blocks that import the package. */
export function jsExamples(): string[] {
  return [...README.matchAll(/```js\n([\s\S]*?)```/g)]
    .map((m) => m[1] as string)
    .filter((code) => code.includes("from 'platform-keygen'"))
}

/** Every ```sh block, in order. */
export function shBlocks(): string[] {
  return [...README.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] as string)
}

/** A shell block's command lines (comments, trailing ` # comments` and blank lines dropped). */
export function commandLines(block: string): string[] {
  return block
    .split('\n')
    .map((l) => l.replace(/\s+#\s.*$/, '').trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/**
 * Runs one JS example with `node` (the one running the tests unless given) in `cwd`, and checks
 * what it prints. `nodeMajor` and `postQuantum` describe that runtime: `using` needs Node 24
 * (older ones must fail with a SyntaxError), ML-KEM needs OpenSSL 3.5 (without it the example
 * must fail with ERR_NOT_SUPPORTED_ON_PLATFORM).
 */
export async function checkJsExample(
  code: string,
  options: { cwd: string; node?: string; env?: NodeJS.ProcessEnv; nodeMajor: number; postQuantum: boolean },
): Promise<void> {
  // asynchronously, so the test worker's event loop keeps answering the runner meanwhile
  const r = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(options.node ?? process.execPath, ['--input-type=module', '-e', code], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d
    })
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d
    })
    child.on('error', reject)
    child.on('close', (status) => resolve({ status, stdout, stderr }))
  })
  if (/^\s*using /m.test(code) && options.nodeMajor < 24) {
    // no `using` syntax before Node 24 (the README says Node.js 24+)
    expect(r.status).not.toBe(0)
    expect(r.stderr).toMatch(/SyntaxError/)
    return
  }
  if (code.includes("'ML-KEM'") && !options.postQuantum) {
    expect(r.status).not.toBe(0)
    expect(r.stderr).toMatch(/ERR_NOT_SUPPORTED_ON_PLATFORM/)
    return
  }
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' })
  // a console.log in a loop may print more lines than it has comments
  const expected = [...code.matchAll(/console\.log\(.*\)\s*\/\/ (.*)$/gm)].map((m) => (m[1] as string).trim())
  const out = r.stdout.trim().split('\n').filter(Boolean)
  let at = 0
  for (const want of expected) {
    const pattern = new RegExp(`^${want.split('…').map(escapeRegExp).join('.*')}$`)
    while (at < out.length && !pattern.test(out[at] as string)) at++
    expect(at < out.length, `no output line matches "${want}" in:\n${out.join('\n')}`).toBe(true)
    at++
  }
}
