/**
 * Regression tests of issue 12 (a security review of the layers around the
 * native code) that need processes, signals or the file system: temp files
 * left behind, symlinked stores, lock files that are not regular files,
 * output lost in pipes, secrets left on the heap, threadpool starvation.
 * No timing: signals are sent when the child reports its first key.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { createPrivateKey } from 'node:crypto'
import {
  closeSync,
  existsSync,
  lstatSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { readFile } from 'node:fs/promises'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { jwkThumbprint } from '../src/formats/thumbprint.js'
import { generateKey, generateKeys, slowWork } from '../src/generate/index.js'
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

/** Every readable mapping of a (stopped or idle) process, searched for `needle` through /proc/<pid>/mem. */
function processMemoryContains(pid: number, needle: Buffer): string[] {
  const found: string[] = []
  const fd = openSync(`/proc/${pid}/mem`, 'r')
  const chunk = Buffer.allocUnsafeSlow(1 << 20)
  try {
    for (const line of readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n')) {
      const m = /^([0-9a-f]+)-([0-9a-f]+) r/.exec(line)
      if (!m || line.endsWith('[vvar]') || line.endsWith('[vsyscall]')) continue
      const end = BigInt(`0x${m[2]}`)
      // Overlap chunks by needle.length - 1 so that a match across a boundary is found.
      for (let at = BigInt(`0x${m[1]}`); at < end; at += BigInt(chunk.length - needle.length + 1)) {
        const want = Number(end - at < BigInt(chunk.length) ? end - at : BigInt(chunk.length))
        let n: number
        try {
          n = readSync(fd, chunk, 0, want, at)
        } catch {
          break // a mapping the kernel will not read (device memory, guard pages)
        }
        if (chunk.subarray(0, n).indexOf(needle) >= 0) found.push(line)
        if (n < want) break
      }
    }
  } finally {
    closeSync(fd)
  }
  return found
}

describe.runIf(process.platform === 'linux')(
  'issue 12, item 6 (Linux: reads the child’s memory through /proc/<pid>/mem)',
  () => {
    for (const curve of ['Ed25519', 'X25519'] as const) {
      it(`${curve}: after export (DER, PEM, JWK) + wipe + destroy, the raw private key is nowhere in the process`, async () => {
        const dist = new URL('../dist/esm/index.js', import.meta.url).href
        const algorithm = curve === 'Ed25519' ? 'EdDSA' : 'ECDH'
        // The child learns d only as hex text (never as raw bytes), wipes what it exported, and waits.
        const code = `
        const { generateKey } = await import(${JSON.stringify(dist)})
        const key = await generateKey({ algorithm: '${algorithm}', curve: '${curve}' })
        const der = key.export({ format: 'der' })
        const hex = der.subarray(der.length - 32).toString('hex')
        key.export({ format: 'pem' })
        key.export({ format: 'jwk' })
        key.export({ format: 'der', type: 'pkcs8' }).fill(0)
        der.fill(0)
        key.destroy()
        for (let i = 0; i < 4; i++) globalThis.gc()
        process.stdout.write(hex + '\\n')
        process.stdin.once('data', () => process.exit(0))
      `
        const child = spawn(process.execPath, ['--expose-gc', '--input-type=module', '-e', code], {
          stdio: ['pipe', 'pipe', 'inherit'],
        })
        const hex = await new Promise<string>((resolve, reject) => {
          let out = ''
          child.stdout.setEncoding('utf8').on('data', (d: string) => {
            out += d
            if (out.endsWith('\n')) resolve(out.trim())
          })
          child.on('error', reject)
          child.on('exit', (c) => reject(new Error(`the child exited early (${c})`)))
        })
        try {
          expect(hex).toMatch(/^[0-9a-f]{64}$/)
          const d = Buffer.from(hex, 'hex')
          // The scan works: the child's memory does hold the hex text of d (a string it printed).
          expect(processMemoryContains(child.pid as number, Buffer.from(hex, 'latin1')).length).toBeGreaterThan(0)
          expect(processMemoryContains(child.pid as number, d)).toEqual([])
        } finally {
          child.stdin.end('done')
          child.kill()
        }
      })
    }
  },
)

describe('issue 12, item 7: slow keys never take the whole threadpool', () => {
  it('generateKeys(RSA, 8): at most (threadpool size − 1) work items in flight, the rest queued in JS', async () => {
    const { limit } = slowWork()
    const size = Number.parseInt(process.env.UV_THREADPOOL_SIZE ?? '', 10) || 4
    expect(limit).toBe(Math.max(1, size - 1))
    const batch = generateKeys({ algorithm: 'RSA', length: 1024 }, 8)
    // Synchronously after the call: nothing has completed yet.
    expect(slowWork()).toEqual({ limit, inFlight: Math.min(8, limit), queued: 8 - Math.min(8, limit) })
    const keys = await batch
    expect(new Set(keys.map((k) => k.publicKey.export({ format: 'jwk' }).n)).size).toBe(8)
    for (const k of keys) k.destroy()
    expect(slowWork()).toEqual({ limit, inFlight: 0, queued: 0 })
  })

  it('an fs.readFile started after six RSA-3072 generateKey calls completes before the first key', async () => {
    const events: string[] = []
    const keys = Array.from({ length: 6 }, (_, i) =>
      generateKey({ algorithm: 'RSA', length: 3072 }).then((k) => {
        events.push(`key ${i}`)
        return k
      }),
    )
    const file = readFile(fileURLToPath(import.meta.url)).then(() => events.push('readFile'))
    await Promise.all([file, ...keys])
    expect(events[0]).toBe('readFile')
    expect(events).toHaveLength(7)
    for (const k of await Promise.all(keys)) k.destroy()
  })
})

describe.skipIf(!POSIX)('issue 12, item 8: a lock path that is not a regular file', () => {
  const entry = { privateJwk: { kty: 'oct' as const, k: 'AAAA' }, publicJwk: null, metadata: { name: 'a' } }
  it('a FIFO at <store>.lock → ERR_STORE_LOCKED at once (never a hang), the FIFO left as it is', async () => {
    const path = join(tempDir(), 'jwks.json')
    execFileSync('mkfifo', [`${path}.lock`])
    const err = await expectCode(() => new JwkStore(path, { lockTimeoutMs: 3_600_000 }).add(entry), 'ERR_STORE_LOCKED')
    expect(err.message).toMatch(/is a FIFO, not a lock file/)
    expect(lstatSync(`${path}.lock`).isFIFO()).toBe(true)
    expect(existsSync(path)).toBe(false)
  }, 20_000)

  it('a symlink to /dev/zero at <store>.lock → ERR_STORE_LOCKED at once, the link left as it is', async () => {
    const path = join(tempDir(), 'jwks.json')
    symlinkSync('/dev/zero', `${path}.lock`)
    const err = await expectCode(() => new JwkStore(path, { lockTimeoutMs: 3_600_000 }).add(entry), 'ERR_STORE_LOCKED')
    expect(err.message).toMatch(/is a symbolic link, not a lock file/)
    expect(lstatSync(`${path}.lock`).isSymbolicLink()).toBe(true)
  }, 20_000)

  it('a regular lock file of more than 4 KiB is unreadable content, judged by its age', async () => {
    const path = join(tempDir(), 'jwks.json')
    // It names a dead holder, but past the 4 KiB cap its content is not read: a fresh file is a live lock.
    const big = JSON.stringify({ pid: deadPid(), hostname: hostname(), createdAt: 0, token: 'x'.repeat(5000) })
    writeFileSync(`${path}.lock`, big)
    await expectCode(
      () => new JwkStore(path, { lockTimeoutMs: 20, staleLockMs: 3_600_000 }).add(entry),
      'ERR_STORE_LOCKED',
    )
  })
})

describe('issue 12, item 9: convert reads a file of repeated armour lines in linear time', () => {
  /** The CLI, killed after 30 s: a guard against the quadratic PEM scan (60+ s here), not a timing assertion. */
  const run = (args: string[], cwd: string, input?: Buffer) => {
    const r = spawnSync(process.execPath, [CLI, ...args], { cwd, input, timeout: 30_000, encoding: 'utf8' })
    return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr.split('\n')[0] }
  }
  const lines = (n: number) => Buffer.from('-----BEGIN A-----\n'.repeat(n))

  it('1.15 MB of `-----BEGIN A-----` lines: refused as larger than 1 MiB (file and stdin), exit 1', () => {
    const dir = tempDir()
    const big = lines(64_000)
    expect(big.length).toBe(1_152_000)
    writeFileSync(join(dir, 'big.pem'), big)
    const message = 'is larger than 1048576 bytes: not a key file'
    expect(run(['convert', 'big.pem', '--to', 'jwk'], dir)).toEqual({
      status: 1,
      signal: null,
      stdout: '',
      stderr: `platform-keygen: error ERR_INVALID_REQUEST: big.pem ${message}`,
    })
    expect(run(['convert', '-', '--to', 'jwk'], dir, big).stderr).toBe(
      `platform-keygen: error ERR_INVALID_REQUEST: standard input ${message}`,
    )
  })

  it('just under 1 MiB of them: "not a key", exit 1, without the quadratic scan', () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'armour.pem'), lines(58_000))
    expect(run(['convert', 'armour.pem', '--to', 'jwk'], dir)).toEqual({
      status: 1,
      signal: null,
      stdout: '',
      stderr:
        'platform-keygen: error ERR_INVALID_REQUEST: armour.pem is not a key in PEM, DER, JWK, JWE, OpenSSH or X.509 certificate form',
    })
  })
})

describe.skipIf(!POSIX)('issue 12, item 11: a --count batch into a slow pipe', () => {
  it('SIGTERM while the reader lags: every key reported printed reaches the reader, complete', async () => {
    const child = spawn(process.execPath, [CLI, 'ec', '--curve', 'P-256', '--count', '10000'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d
    })
    const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
    // Read the first chunk, then stop reading: the pipe fills and the batch runs ahead of the reader.
    await new Promise<void>((resolve) =>
      child.stdout.setEncoding('utf8').once('data', (d: string) => {
        stdout += d
        child.stdout.pause()
        resolve()
      }),
    )
    // Not a timing assertion: only lets the batch get well past the 64 KiB the pipe holds.
    await new Promise((r) => setTimeout(r, 1500))
    child.kill('SIGTERM')
    child.stdout.on('data', (d: string) => {
      stdout += d
    })
    child.stdout.resume()
    expect(await exit).toBe(143)
    const n = Number(/^platform-keygen: interrupted \(SIGTERM\): (\d+) of 10000 printed\n$/.exec(stderr)?.[1])
    expect(n, stderr).toBeGreaterThanOrEqual(1)
    const blocks = stdout.match(/-----BEGIN PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+-----END PRIVATE KEY-----\n/g) ?? []
    expect(blocks).toHaveLength(n)
    expect(blocks.join('')).toBe(stdout)
    for (const pem of blocks) expect(createPrivateKey(pem).asymmetricKeyDetails?.namedCurve).toBe('prime256v1')
  }, 60_000)
})

describe('issue 12, item 13: no thumbprint of a secret in an encrypted store or the CLI’s output', () => {
  it('jwk --type OCT --store (encrypted): neither stdout nor the file holds the secret’s thumbprint', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'pass.txt'), 'a passphrase\n')
    const args = ['jwk', '--name', 'hmac', '--type', 'OCT', '--key-size', '256', '--alg', 'HS256', '--kid', 'k1']
    const r = ok(cli([...args, '--store', 'store.json', '--passphrase-file', 'pass.txt'], { cwd: dir }))
    const { privateJwk } = await new JwkStore(join(dir, 'store.json'), { passphrase: 'a passphrase' }).get('hmac')
    const secretThumbprint = jwkThumbprint(privateJwk)
    expect(jsonLines(r.stdout)[0]?.metadata).toMatchObject({ name: 'hmac', kid: 'k1' })
    expect(jsonLines(r.stdout)[0]?.metadata).not.toHaveProperty('thumbprint')
    expect(r.stdout).not.toContain(secretThumbprint)
    expect(readFileSync(join(dir, 'store.json'), 'utf8')).not.toContain(secretThumbprint)
    const [entry] = await new JwkStore(join(dir, 'store.json')).list()
    expect(entry?.metadata).not.toHaveProperty('thumbprint')
    // A key pair's thumbprint (of its public key) is still there.
    const ec = ok(
      cli(['jwk', '--name', 'web', '--type', 'EC', '--curve', 'P256', '--store', 'plain.json'], { cwd: dir }),
    )
    expect(jsonLines(ec.stdout)[0]?.metadata).toHaveProperty('thumbprint')
  })
})
