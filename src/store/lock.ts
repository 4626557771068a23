/**
 * A cross-process lock with no native code: the lock is a file
 * (`<store>.lock`) created atomically by the one file writer (src/fs/atomic.ts)
 * — its content written to a temp file first, then hard-linked into place,
 * which fails with EEXIST while another holder has it (an O_EXCL create is
 * the fallback where hard links are not possible). The content names the holder: pid, host name, creation time and
 * a random token.
 *
 * Stale locks: a lock whose holder is gone on this host is broken at once; a
 * lock from another host (a shared file system) is broken once it is older
 * than `staleMs`; a lock held by a live process on this host is never
 * broken. "Gone" is any of:
 *   - no process has the pid (kill(pid, 0) says ESRCH);
 *   - the pid is this process's own but the token is not one it holds (the
 *     container case: a writer running as PID 1 killed mid-write restarts as
 *     PID 1 with the same host name);
 *   - Linux: the lock names another boot (/proc/sys/kernel/random/boot_id), or
 *     the process that has the pid now started at another time than the
 *     holder (field 22 of /proc/<pid>/stat, clock ticks since boot): the pid
 *     was reused.
 * Why not a kernel lock (flock/fcntl) that dies with its holder: Node.js's fs
 * has none, the addon's native code is not this module's to change, and a
 * flock is unreliable on the network file systems a store may live on; the
 * pid, start time and boot id recorded in the lock give the same answer on
 * one Linux host without native code. Breaking is itself serialised by a short-lived
 * `<store>.lock.break` file (exclusive create), and the lock is re-read under
 * it so that two waiters cannot both break it and both take it. Release
 * removes the lock only if it still carries our token.
 */
import { randomBytes } from 'node:crypto'
import { constants, readFileSync } from 'node:fs'
import { type FileHandle, lstat, open, unlink } from 'node:fs/promises'
import { hostname } from 'node:os'
import { setTimeout as sleep } from 'node:timers/promises'
import { StoreLockedError } from '../errors.js'
import { processAlive, writeFileAtomic } from '../fs/atomic.js'

export interface LockOptions {
  /** Give up (ERR_STORE_LOCKED) after this long. */
  timeoutMs: number
  /** A lock from another host older than this is stale. */
  staleMs: number
}

interface LockInfo {
  pid: number
  hostname: string
  createdAt: number
  token: string
  /** Linux: the kernel's boot id when the lock was taken. */
  bootId?: string
  /** Linux: the holder's start time, clock ticks since boot (/proc/<pid>/stat field 22). */
  startTime?: string
}

/** Tokens of the locks this process holds (or is taking) right now. */
const heldTokens = new Set<string>()

function readProc(path: string): string | undefined {
  if (process.platform !== 'linux') return undefined
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return undefined
  }
}

/** The kernel's boot id (Linux), or undefined. */
function bootId(): string | undefined {
  return readProc('/proc/sys/kernel/random/boot_id')?.trim() || undefined
}

/** When the process `pid` started, in clock ticks since boot (Linux), or undefined. */
export function processStartTime(pid: number): string | undefined {
  const stat = readProc(`/proc/${pid}/stat`)
  if (!stat) return undefined
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses; the fields after it are plain.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const start = fields[19]
  return start && /^\d+$/.test(start) ? start : undefined
}

/** A `.break` guard is held for a few file operations; older than this, its holder died. */
const BREAK_GUARD_STALE_MS = 10_000

function parseLock(text: string): LockInfo | undefined {
  try {
    const v = JSON.parse(text) as Partial<LockInfo>
    if (
      typeof v.pid === 'number' &&
      typeof v.hostname === 'string' &&
      typeof v.createdAt === 'number' &&
      typeof v.token === 'string' &&
      (v.bootId === undefined || typeof v.bootId === 'string') &&
      (v.startTime === undefined || typeof v.startTime === 'string')
    ) {
      return v as LockInfo
    }
  } catch {
    // fall through: unreadable content
  }
  return undefined
}

/** A lock file holds one short JSON line; more than this is not ours. */
const MAX_LOCK_BYTES = 4096
/**
 * Opened without following a symlink and without blocking (a FIFO would
 * block open() and read() forever, a symlink to /dev/zero would never end),
 * and required to be a regular file. (Windows has neither flag; there a
 * FIFO cannot be made at that path and a symlink needs privileges.)
 */
const LOCK_OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0)

function notRegular(path: string, what: string): StoreLockedError {
  return new StoreLockedError(
    `the JWK store lock ${path} is ${what}, not a lock file: no writer can take it; remove it by hand`,
  )
}

async function readLock(path: string): Promise<{ info: LockInfo | undefined; mtimeMs: number } | undefined> {
  let handle: FileHandle
  try {
    handle = await open(path, LOCK_OPEN_FLAGS)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return undefined
    if (code === 'ELOOP' || code === 'EMLINK') throw notRegular(path, 'a symbolic link')
    throw err
  }
  try {
    const st = await handle.stat()
    if (!st.isFile()) throw notRegular(path, st.isFIFO() ? 'a FIFO' : 'not a regular file')
    const buf = Buffer.alloc(MAX_LOCK_BYTES + 1)
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0)
    const text = bytesRead > MAX_LOCK_BYTES ? '' : buf.toString('utf8', 0, bytesRead)
    return { info: parseLock(text), mtimeMs: st.mtimeMs }
  } finally {
    await handle.close()
  }
}

function isStale(lock: { info: LockInfo | undefined; mtimeMs: number }, staleMs: number): boolean {
  const { info } = lock
  // Content that is not ours cannot name a holder: judge it by age alone.
  if (!info) return Date.now() - lock.mtimeMs > staleMs
  if (info.hostname === hostname()) return holderGone(info)
  return Date.now() - info.createdAt > staleMs
}

/** Whether the holder of a lock taken on this host is gone (see the module comment). */
function holderGone(info: LockInfo): boolean {
  if (info.pid === process.pid) return !heldTokens.has(info.token)
  const boot = bootId()
  if (info.bootId !== undefined && boot !== undefined && info.bootId !== boot) return true
  if (!processAlive(info.pid)) return true
  if (info.startTime !== undefined) {
    const now = processStartTime(info.pid)
    if (now !== undefined && now !== info.startTime) return true
  }
  return false
}

/**
 * Takes the file at `path` exclusively with `content`; false if it exists. Where hard links are not
 * possible, an O_EXCL create of the name itself (src/fs/atomic.ts): a half-written lock reads as an
 * unknown holder, judged by its age, so it is never broken early.
 */
function createExclusive(path: string, content: string): Promise<boolean> {
  return writeFileAtomic(path, content, { replace: false, noLink: 'create-in-place' })
}

/** Removes a stale lock, serialised by the `.break` guard. True if the caller should retry at once. */
async function breakIfStale(lockPath: string, staleMs: number): Promise<boolean> {
  const seen = await readLock(lockPath)
  if (!seen) return true
  if (!isStale(seen, staleMs)) return false
  const guard = `${lockPath}.break`
  if (!(await createExclusive(guard, String(process.pid)))) {
    const g = await lstat(guard).catch(() => undefined)
    if (g && Date.now() - g.mtimeMs > BREAK_GUARD_STALE_MS) await unlink(guard).catch(() => undefined)
    return false
  }
  try {
    const again = await readLock(lockPath)
    if (again && again.info?.token === seen.info?.token && again.mtimeMs === seen.mtimeMs && isStale(again, staleMs)) {
      await unlink(lockPath).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err
      })
    }
  } finally {
    await unlink(guard).catch(() => undefined)
  }
  return true
}

function describeHolder(lock: { info: LockInfo | undefined } | undefined): string {
  const info = lock?.info
  if (!info) return 'an unknown holder'
  return `pid ${info.pid} on ${info.hostname} since ${new Date(info.createdAt).toISOString()}`
}

/** Runs `fn` holding the lock at `lockPath`. */
export async function withLock<T>(lockPath: string, options: LockOptions, fn: () => Promise<T>): Promise<T> {
  const token = randomBytes(16).toString('hex')
  const boot = bootId()
  const startTime = processStartTime(process.pid)
  const content = () => {
    const info: LockInfo = { pid: process.pid, hostname: hostname(), createdAt: Date.now(), token }
    if (boot !== undefined) info.bootId = boot
    if (startTime !== undefined) info.startTime = startTime
    return JSON.stringify(info)
  }
  const deadline = Date.now() + options.timeoutMs
  let delay = 2
  // Known before the lock file exists, so that no other waiter in this process takes it for a dead PID 1's.
  heldTokens.add(token)
  try {
    for (;;) {
      if (await createExclusive(lockPath, content())) break
      if (await breakIfStale(lockPath, options.staleMs)) continue
      if (Date.now() >= deadline) {
        throw new StoreLockedError(
          `the JWK store lock ${lockPath} is held by ${describeHolder(await readLock(lockPath))}; ` +
            `gave up after ${options.timeoutMs} ms`,
        )
      }
      await sleep(delay + Math.floor(Math.random() * delay))
      delay = Math.min(delay * 2, 100)
    }
    try {
      return await fn()
    } finally {
      const held = await readLock(lockPath)
      if (held?.info?.token === token) await unlink(lockPath).catch(() => undefined)
    }
  } finally {
    heldTokens.delete(token)
  }
}
