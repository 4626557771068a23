/**
 * Batches and signals: Ctrl-C (SIGINT) during a --count batch leaves only
 * complete files; the progress line appears on a terminal and nowhere else.
 * No timing: signals are sent when the child reports its first key.
 */
import { type ChildProcessByStdio, spawn, spawnSync } from 'node:child_process'
import { createPrivateKey, createPublicKey } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { CLI, cli, have, jsonLines, leftoverTemps, ok, POSIX, tempDir } from './cli-helpers.js'

const COUNT = 10_000

interface Interrupted {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** Starts a long batch, sends `signal` once the first key's JSON line arrives, and waits for the exit. */
function interruptAfterFirstKey(args: string[], cwd: string, signal: NodeJS.Signals): Promise<Interrupted> {
  return new Promise((resolve, reject) => {
    const child: ChildProcessByStdio<null, Readable, Readable> = spawn(process.execPath, [CLI, ...args], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    let sent = false
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d
      if (!sent && stdout.includes('\n')) {
        sent = true
        child.kill(signal)
      }
    })
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d
    })
    child.on('error', reject)
    child.on('close', (code, sig) => resolve({ code, signal: sig, stdout, stderr }))
  })
}

/** The batch's numbered private keys in a directory. */
function numbered(dir: string): number[] {
  return readdirSync(dir)
    .map((n) => /^k-(\d+)\.pem$/.exec(n)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number)
    .sort((a, b) => a - b)
}

/** Every private key file parses, and its .pub file is its public half. */
function expectCompletePairs(dir: string, numbers: number[]): void {
  for (const n of numbers) {
    const key = createPrivateKey(readFileSync(join(dir, `k-${n}.pem`)))
    expect(key.asymmetricKeyType).toBe('rsa')
    expect(createPublicKey(key).export({ format: 'pem', type: 'spki' })).toBe(
      readFileSync(join(dir, `k-${n}.pub`), 'utf8'),
    )
  }
}

// Windows has no SIGINT / SIGTERM to send to a child: kill() there ends it at once.
describe.skipIf(!POSIX)('interrupting a --count batch', () => {
  const args = ['rsa', '--bits', '2048', '--count', String(COUNT), '--out', 'k-{n}.pem', '--pub', 'k-{n}.pub']

  it('SIGINT (Ctrl-C): exit 130, only complete key pairs, numbered 1..n, no temporary file, n reported', async () => {
    const dir = tempDir()
    const r = await interruptAfterFirstKey(args, dir, 'SIGINT')
    expect({ code: r.code, signal: r.signal }).toEqual({ code: 130, signal: null })
    const m = /^platform-keygen: interrupted \(SIGINT\): (\d+) of 10000 written, each complete\n$/.exec(r.stderr)
    expect(m, r.stderr).not.toBeNull()
    const n = Number(m?.[1])
    expect(n).toBeGreaterThanOrEqual(1)
    expect(n).toBeLessThan(COUNT)
    expect(numbered(dir)).toEqual(Array.from({ length: n }, (_, i) => i + 1))
    expect(readdirSync(dir)).toHaveLength(2 * n)
    expect(leftoverTemps(dir)).toEqual([])
    expectCompletePairs(dir, numbered(dir))
    // one JSON line per key written, each naming files that exist
    expect(jsonLines(r.stdout).map((l) => l.private)).toEqual(numbered(dir).map((i) => `k-${i}.pem`))
  })

  it('SIGTERM: exit 143, the same guarantees', async () => {
    const dir = tempDir()
    const r = await interruptAfterFirstKey(args, dir, 'SIGTERM')
    expect(r.code).toBe(143)
    expect(r.stderr).toMatch(/^platform-keygen: interrupted \(SIGTERM\): \d+ of 10000 written, each complete\n$/)
    expect(leftoverTemps(dir)).toEqual([])
    expectCompletePairs(dir, numbered(dir))
  })

  it('SIGKILL (no handler runs): every file under its final name is still complete (atomic rename)', async () => {
    const dir = tempDir()
    const r = await interruptAfterFirstKey(args, dir, 'SIGKILL')
    expect(r.signal).toBe('SIGKILL')
    const keys = numbered(dir)
    expect(keys.length).toBeGreaterThanOrEqual(1)
    // a kill between a private file and its public file can leave the private one alone: check what is there
    for (const n of keys) {
      expect(createPrivateKey(readFileSync(join(dir, `k-${n}.pem`))).asymmetricKeyType).toBe('rsa')
    }
    for (const name of readdirSync(dir).filter((f) => /^k-\d+\.pub$/.test(f))) {
      expect(createPublicKey(readFileSync(join(dir, name))).asymmetricKeyType).toBe('rsa')
    }
    // only temporary files (dot-named, never a key name) may be left behind by a SIGKILL
    for (const name of leftoverTemps(dir)) expect(name).toMatch(/^\.k-\d+\.(pem|pub)\.\d+\.[0-9a-f]{12}\.tmp$/)
  })
})

describe.skipIf(!POSIX)('a reader that goes away', () => {
  it('stdout closed after the first key (| head -1): exit 141, quietly, no stack trace', async () => {
    const r = await new Promise<Interrupted>((resolve, reject) => {
      const child = spawn(process.execPath, [CLI, 'okp', '--format', 'jwk', '--count', String(COUNT)], {
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let stdout = ''
      let stderr = ''
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        stdout += d
        if (stdout.includes('\n')) child.stdout.destroy()
      })
      child.stderr.setEncoding('utf8').on('data', (d: string) => {
        stderr += d
      })
      child.on('error', reject)
      child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }))
    })
    expect({ code: r.code, signal: r.signal, stderr: r.stderr }).toEqual({ code: 141, signal: null, stderr: '' })
    expect(JSON.parse(r.stdout.split('\n')[0] as string)).toMatchObject({ kty: 'OKP', crv: 'Ed25519' })
  })
})

describe('a --count batch generates ahead, one key per core, and writes in order', () => {
  it('rsa --count 6: six complete, distinct pairs, named and reported 1..6 in order, no temporary file', () => {
    const dir = tempDir()
    const r = ok(
      cli(['rsa', '--bits', '1024', '--count', '6', '--out', 'k-{n}.pem', '--pub', 'k-{n}.pub'], { cwd: dir }),
    )
    const lines = jsonLines(r.stdout)
    expect(lines.map((l) => l.private)).toEqual(['k-1.pem', 'k-2.pem', 'k-3.pem', 'k-4.pem', 'k-5.pem', 'k-6.pem'])
    expect(numbered(dir)).toEqual([1, 2, 3, 4, 5, 6])
    expectCompletePairs(dir, [1, 2, 3, 4, 5, 6])
    const moduli = new Set(
      [1, 2, 3, 4, 5, 6].map(
        (n) => createPrivateKey(readFileSync(join(dir, `k-${n}.pem`))).export({ format: 'jwk' }).n,
      ),
    )
    expect(moduli.size).toBe(6)
    expect(leftoverTemps(dir)).toEqual([])
  })
})

// util-linux script(1) (-q -e -c); the BSD one on macOS takes other options
const SCRIPT = process.platform === 'linux' && have('script')

/** Runs the CLI under `script`, so its stdout and stderr are a terminal. */
function onTerminal(args: string[], cwd: string): { status: number | null; output: string } {
  const command = [process.execPath, CLI, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ')
  const r = spawnSync('script', ['-qec', command, '/dev/null'], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  return { status: r.status, output: r.stdout }
}

describe('the progress line', () => {
  it.skipIf(!SCRIPT)('on a terminal: RSA 4096 shows "generating RSA 4096", then clears the line', () => {
    const dir = tempDir()
    const r = onTerminal(['rsa', '--bits', '4096', '--out', 'k.pem'], dir)
    expect(r.status).toBe(0)
    expect(r.output).toContain('generating RSA 4096')
    expect(r.output).toContain('\r\x1b[K')
    expect(r.output).toContain('{"private":"k.pem"')
  })

  it.skipIf(!SCRIPT)('on a terminal: a --count batch counts its keys', () => {
    const dir = tempDir()
    const r = onTerminal(['ec', '--count', '3', '--out', 'k-{n}.pem'], dir)
    expect(r.status).toBe(0)
    for (const step of ['1/3', '2/3', '3/3']) expect(r.output).toContain(`generating ECDSA P-256 ${step}`)
  })

  it.skipIf(!SCRIPT)('on a terminal: a fast single key shows none', () => {
    const r = onTerminal(['ec', '--out', 'k.pem'], tempDir())
    expect(r.status).toBe(0)
    expect(r.output).not.toContain('generating')
  })

  it('in a pipe: never (stderr stays empty for RSA 4096, DSA, DH and batches)', () => {
    const dir = tempDir()
    ok(cli(['rsa', '--bits', '4096', '--out', 'r.pem'], { cwd: dir }))
    ok(cli(['dsa', '--bits', '2048', '--out', 'd.pem'], { cwd: dir }))
    ok(cli(['dh', '--bits', '1024', '--out', 'h.pem'], { cwd: dir }))
    ok(cli(['ec', '--count', '5', '--out', 'e.pem'], { cwd: dir }))
  })
})
