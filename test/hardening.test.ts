/**
 * Regression tests of issue 12 (a security review of the layers around the
 * native code) that need processes, signals or the file system: temp files
 * left behind, symlinked stores, lock files that are not regular files,
 * output lost in pipes, secrets left on the heap, threadpool starvation.
 * No timing: signals are sent when the child reports its first key.
 */
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, lstatSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { JwkStore } from '../src/store/index.js'
import { CLI, cli, jsonLines, leftoverTemps, ok, POSIX, tempDir } from './cli-helpers.js'
import { expectCode } from './helpers.js'

interface Exit {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** Runs the CLI; `onLine` sees stdout as it grows and may signal the child. */
function spawnCli(args: string[], cwd: string, onData: (stdout: string, kill: (s: NodeJS.Signals) => void) => void) {
  return new Promise<Exit>((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d
      onData(stdout, (s) => child.kill(s))
    })
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d
    })
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }))
  })
}

/** The pid of a process that has exited (so no live process has it, barring reuse within the test). */
function deadPid(): number {
  return Number(
    execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }),
  )
}

describe.skipIf(!POSIX)('issue 12, item 4: no temp file holding a private key is left behind', () => {
  const args = ['ec', '--curve', 'P-256', '--count', '10000', '--out', 'k-{n}.pem', '--pub', 'k-{n}.pub']
  for (const [signal, exit] of [
    ['SIGHUP', 129],
    ['SIGQUIT', 131],
  ] as const) {
    it(`${signal} during a --count batch: exit ${exit}, only complete keys, no temp file, the count reported`, async () => {
      const dir = tempDir()
      let sent = false
      const r = await spawnCli(args, dir, (out, kill) => {
        if (!sent && out.includes('\n')) {
          sent = true
          kill(signal)
        }
      })
      expect({ code: r.code, signal: r.signal }).toEqual({ code: exit, signal: null })
      const m = new RegExp(`^platform-keygen: interrupted \\(${signal}\\): (\\d+) of 10000 written, each complete\\n$`)
      const n = Number(m.exec(r.stderr)?.[1])
      expect(n, r.stderr).toBeGreaterThanOrEqual(1)
      expect(leftoverTemps(dir)).toEqual([])
      expect(readdirSync(dir)).toHaveLength(2 * n)
      expect(jsonLines(r.stdout)).toHaveLength(n)
    })
  }

  it('a run removes the temp files a dead run left for its target names, and no one else’s', () => {
    const dir = tempDir()
    const dead = deadPid()
    const stale = `.k.pem.${dead}.0123456789ab.tmp`
    const live = `.k.pem.${process.pid}.0123456789ab.tmp`
    const other = `.other.pem.${dead}.0123456789ab.tmp`
    for (const name of [stale, live, other]) writeFileSync(join(dir, name), 'PRIVATE KEY', { mode: 0o600 })
    ok(cli(['ec', '--curve', 'P-256', '--out', 'k.pem'], { cwd: dir }))
    expect(readdirSync(dir).sort()).toEqual([other, live, 'k.pem'].sort())
  })

  it('a store write removes the copies of the store that a SIGKILLed writer left (temp and lock temps)', async () => {
    const dir = tempDir()
    const path = join(dir, 'jwks.json')
    await new JwkStore(path).add({ privateJwk: { kty: 'oct', k: 'AAAA' }, publicJwk: null, metadata: { name: 'a' } })
    const dead = deadPid()
    const left = [`.jwks.json.${dead}.0123456789ab.tmp`, `.jwks.json.lock.${dead}.0123456789ab.new`]
    const live = `.jwks.json.${process.pid}.ba9876543210.tmp`
    for (const name of [...left, live]) writeFileSync(join(dir, name), '{}', { mode: 0o600 })
    await new JwkStore(path).add({ privateJwk: { kty: 'oct', k: 'AQAB' }, publicJwk: null, metadata: { name: 'b' } })
    for (const name of left) expect(existsSync(join(dir, name)), name).toBe(false)
    expect(readdirSync(dir).sort()).toEqual([live, 'jwks.json'].sort())
  })
})

describe.skipIf(!POSIX)('issue 12, item 5: a symlinked store path', () => {
  it('stays a symlink: the file it points to is the store, and both paths share one lock', async () => {
    const dir = tempDir()
    const real = join(dir, 'real.json')
    const link = join(dir, 'link.json')
    const oct = (name: string, k: string) => ({
      privateJwk: { kty: 'oct' as const, k },
      publicJwk: null,
      metadata: { name },
    })
    await new JwkStore(real).add(oct('a', 'AAAA'))
    symlinkSync('real.json', link)
    const viaLink = new JwkStore(link)
    await viaLink.add(oct('b', 'AQAB'))
    await viaLink.remove('a')
    expect(lstatSync(link).isSymbolicLink()).toBe(true)
    expect((await new JwkStore(real).list()).map((e) => e.name)).toEqual(['b'])
    // The lock is the real file's: a live holder of real.json.lock blocks a writer using the link.
    writeFileSync(
      `${real}.lock`,
      JSON.stringify({ pid: process.ppid, hostname: hostname(), createdAt: Date.now(), token: 'held' }),
    )
    await expectCode(() => new JwkStore(link, { lockTimeoutMs: 20 }).add(oct('c', 'AQAA')), 'ERR_STORE_LOCKED')
    expect(existsSync(`${link}.lock`)).toBe(false)
    expect(readdirSync(dir).sort()).toEqual(['link.json', 'real.json', 'real.json.lock'])
  })

  it('a dangling symlink is refused, never replaced', async () => {
    const dir = tempDir()
    const link = join(dir, 'link.json')
    symlinkSync('missing.json', link)
    const store = new JwkStore(link)
    await expectCode(
      () => store.add({ privateJwk: { kty: 'oct', k: 'AAAA' }, publicJwk: null, metadata: { name: 'a' } }),
      'ERR_INVALID_REQUEST',
    )
    expect(lstatSync(link).isSymbolicLink()).toBe(true)
    expect(readdirSync(dir)).toEqual(['link.json'])
  })
})
