/** Helpers for the CLI tests: they run the real binary (dist/esm/cli/main.js) as a child process. */
import { type SpawnSyncOptions, spawnSync } from 'node:child_process'
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, expect } from 'vitest'

export const ROOT = fileURLToPath(new URL('..', import.meta.url))

const sleep = (ms: number): void => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

/**
 * The binary under test: bin/platform-keygen.js (→ dist/esm/cli/main.js), run
 * from a private copy of the built package (bin/, dist/, package.json, the
 * addon node-gyp-build picks, and a link to node_modules). The copy is byte for byte what `npm run build` made;
 * it only keeps these tests steady while someone rebuilds dist/ or build/ in
 * the same work tree.
 */
function snapshot(): string {
  if (!existsSync(join(ROOT, 'dist', 'esm', 'cli', 'main.js'))) {
    throw new Error('dist/esm/cli/main.js is missing: run `npm run build:ts` first (`npm test` does)')
  }
  const require = createRequire(import.meta.url)
  const nodeGypBuild = require('node-gyp-build') as { path(dir: string): string }
  for (let attempt = 1; ; attempt++) {
    const dir = mkdtempSync(join(tmpdir(), 'pk-cli-pkg-'))
    try {
      cpSync(join(ROOT, 'dist'), join(dir, 'dist'), { recursive: true })
      cpSync(join(ROOT, 'bin'), join(dir, 'bin'), { recursive: true })
      copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'))
      const addon = nodeGypBuild.path(ROOT)
      mkdirSync(join(dir, 'build', 'Release'), { recursive: true })
      copyFileSync(addon, join(dir, 'build', 'Release', basename(addon)))
      symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'junction')
      if (
        !existsSync(join(dir, 'dist', 'esm', 'cli', 'main.js')) ||
        !existsSync(join(dir, 'dist', 'esm', 'index.js'))
      ) {
        throw new Error('dist/ was being rebuilt')
      }
      return dir
    } catch (err) {
      rmSync(dir, { recursive: true, force: true })
      if (attempt >= 30) throw err
      sleep(1000)
    }
  }
}

const PACKAGE = snapshot()
/** The package's bin (bin/platform-keygen.js, which loads dist/esm/cli/main.js). */
export const CLI = join(PACKAGE, 'bin', 'platform-keygen.js')

export interface Run {
  status: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  stdoutBytes: Buffer
}

/** Runs `platform-keygen ARGS` with the node running the tests (so Node 20 and Node 24 both get tested). */
export function cli(
  args: readonly string[],
  options: { cwd?: string; input?: string | Buffer; env?: Record<string, string> } = {},
): Run {
  const spawnOptions: SpawnSyncOptions = {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, PLATFORM_KEYGEN_DEBUG: '', ...options.env },
    maxBuffer: 64 << 20,
  }
  if (options.input !== undefined) spawnOptions.input = options.input
  const r = spawnSync(process.execPath, [CLI, ...args], spawnOptions)
  if (r.error) throw r.error
  const stdoutBytes = r.stdout as Buffer
  return {
    status: r.status,
    signal: r.signal,
    stdout: stdoutBytes.toString('utf8'),
    stderr: (r.stderr as Buffer).toString('utf8'),
    stdoutBytes,
  }
}

/** Asserts success (exit 0, nothing on stderr) and returns the run. */
export function ok(r: Run): Run {
  expect(r.stderr, `stderr of a successful run`).toBe('')
  expect(r.status).toBe(0)
  return r
}

/**
 * Asserts a failure: the exact exit code, nothing on stdout, and stderr as
 * `platform-keygen: error CODE: message` then `  fix: ...`.
 */
export function fails(r: Run, exitCode: number, code: string): string {
  expect({ status: r.status, stdout: r.stdout }).toEqual({ status: exitCode, stdout: '' })
  const lines = r.stderr.split('\n')
  expect(lines[0]).toMatch(new RegExp(`^platform-keygen: error ${code}: \\S`))
  expect(lines[1]).toMatch(/^ {2}fix: \S/)
  expect(lines.slice(2)).toEqual([''])
  return lines[0] as string
}

const dirs: string[] = [PACKAGE]
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

/** A fresh temporary directory, removed after the file's tests. */
export function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'pk-cli-'))
  dirs.push(d)
  return d
}

/** Unix file modes, signals and sh: the tests that need them skip on Windows. */
export const POSIX = process.platform !== 'win32'

/** The file mode bits (0o777). */
export function mode(path: string): number {
  return statSync(path).mode & 0o777
}

/** Asserts a file's mode bits (Windows has no Unix modes: there it only asserts the file exists). */
export function expectMode(path: string, expected: number): void {
  if (POSIX) expect(mode(path).toString(8)).toBe(expected.toString(8))
  else expect(statSync(path).isFile()).toBe(true)
}

/** The mode a public file gets: 0644 less this process's umask (the child inherits it). */
export function publicMode(): number {
  const mask = process.umask()
  return 0o644 & ~mask
}

/** Names in a directory that look like our temporary files. */
export function leftoverTemps(dir: string): string[] {
  return readdirSync(dir).filter((n) => n.endsWith('.tmp'))
}

/** Whether a program is on PATH. */
export function have(program: string): boolean {
  if (!POSIX) return spawnSync('where', [program], { stdio: 'ignore' }).status === 0
  return spawnSync('sh', ['-c', `command -v ${program}`], { stdio: 'ignore' }).status === 0
}

/** One JSON document per line (the summary lines the CLI prints when it writes files). */
export function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>)
}

/** A directory holding a `platform-keygen` that runs the CLI under test, to put on PATH for shell lines. */
export function cliOnPath(): string {
  const bin = tempDir()
  const file = join(bin, 'platform-keygen')
  writeFileSync(file, `#!/bin/sh\nexec '${process.execPath}' '${CLI}' "$@"\n`)
  chmodSync(file, 0o755)
  return bin
}

/**
 * Runs an example shell line in `cwd` with cliOnPath()'s `bin` first on PATH: it must succeed
 * with nothing on stderr, except that an ML-DSA / ML-KEM line must fail with exit 1 and
 * ERR_NOT_SUPPORTED_ON_PLATFORM where the runtime lacks them (`postQuantum` false).
 */
export function expectExampleRuns(line: string, cwd: string, bin: string, postQuantum: boolean): void {
  const r = spawnSync('sh', ['-c', line], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
  })
  if (/\bML-(DSA|KEM)|\bml-(dsa|kem)\b/.test(line) && !postQuantum) {
    expect({ line, status: r.status }).toEqual({ line, status: 1 })
    expect(r.stderr).toMatch(/^platform-keygen: error ERR_NOT_SUPPORTED_ON_PLATFORM: /)
  } else {
    expect({ line, status: r.status, stderr: r.stderr }).toEqual({ line, status: 0, stderr: '' })
  }
}
