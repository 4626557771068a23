/** Shared test helpers. */
import { execFileSync, spawnSync } from 'node:child_process'
import { generateKeyPairSync } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gunzipSync } from 'node:zlib'
import { expect } from 'vitest'
import { capabilities } from '../src/index.js'

export const NODE_MAJOR = Number(process.versions.node.split('.')[0])

/** Whether this runtime's provider has ML-DSA / ML-KEM (OpenSSL 3.5: Node 22.x with it, 24, 26). */
export function hasPostQuantum(): boolean {
  const a = capabilities().algorithms
  return Boolean(a['ML-DSA']?.supported && a['ML-KEM']?.supported)
}

/**
 * Whether node:crypto itself has ML-DSA and ML-KEM keys (Node 24+).
 * (Node 22's OpenSSL 3.5 has them, so hasPostQuantum() is true there, but its node:crypto cannot
 * use such keys: the cross-checks there use @noble/post-quantum, test/pq-oracle.ts.)
 */
export function nodeCryptoHasPostQuantum(): boolean {
  try {
    generateKeyPairSync('ml-dsa-44' as never)
    generateKeyPairSync('ml-kem-512' as never)
    return true
  } catch {
    return false
  }
}

/** Asserts that fn throws (or the promise rejects) with the given error code. */
export async function expectCode(fn: (() => unknown) | Promise<unknown>, code: string): Promise<Error> {
  let caught: unknown
  try {
    if (typeof fn === 'function') await fn()
    else await fn
  } catch (err) {
    caught = err
  }
  expect(caught, `expected an error with code ${code}`).toBeInstanceOf(Error)
  expect((caught as { code?: unknown }).code).toBe(code)
  return caught as Error
}

/** `openssl pkey -check` (private) or `-pubcheck` (public) with the system OpenSSL; returns its output. */
export function opensslCheck(pem: string, kind: 'private' | 'public'): string {
  const dir = mkdtempSync(join(tmpdir(), 'pk-openssl-'))
  try {
    const file = join(dir, 'key.pem')
    writeFileSync(file, pem, { mode: 0o600 })
    const args =
      kind === 'private'
        ? ['pkey', '-in', file, '-check', '-noout']
        : ['pkey', '-pubin', '-in', file, '-pubcheck', '-noout']
    return execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const VECTORS = fileURLToPath(new URL('./vectors/wycheproof/', import.meta.url))

/**
 * A Wycheproof vector file (`NAME.json`) from test/vectors/wycheproof/, parsed. The files are
 * kept there gzipped (`NAME.json.gz`, see its SOURCE); a plain `NAME.json` is read as well.
 */
export function readWycheproof<T = unknown>(name: string): T {
  const plain = join(VECTORS, name)
  const text = existsSync(plain)
    ? readFileSync(plain, 'utf8')
    : gunzipSync(readFileSync(`${plain}.gz`)).toString('utf8')
  return JSON.parse(text) as T
}

/** `ssh-keygen -l -f` on an OpenSSH public key line; returns its one-line fingerprint. */
export function sshKeygenFingerprint(line: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'pk-ssh-'))
  try {
    const file = join(dir, 'key.pub')
    writeFileSync(file, `${line}\n`)
    return execFileSync('ssh-keygen', ['-l', '-f', file], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim()
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** What a child node process did. */
export interface ChildRun {
  stdout: string
  stderr: string
  status: number | null
  signal: NodeJS.Signals | null
}

/**
 * Runs an ES module snippet in a fresh node (the one running the tests) against the built
 * package, whose dist/esm/index.js URL it finds in process.env.PK_DIST; never throws.
 */
export function runSnippet(code: string, flags: string[] = []): ChildRun {
  const dist = new URL('../dist/esm/index.js', import.meta.url).href
  const r = spawnSync(process.execPath, [...flags, '--input-type=module', '-e', code], {
    encoding: 'utf8',
    env: { ...process.env, PK_DIST: dist },
    timeout: 300_000,
  })
  return { stdout: r.stdout, stderr: r.stderr, status: r.status, signal: r.signal }
}
