/**
 * A cross-process lock with no native code: the lock is a file
 * (`<store>.lock`) created atomically — its content written to a temp file
 * first, then hard-linked into place, which fails with EEXIST while another
 * holder has it (an O_EXCL create is the fallback where hard links are not
 * possible). The content names the holder: pid, host name, creation time and
 * a random token.
 *
 * Stale locks: a lock whose holder is a dead process on this host is broken
 * at once; a lock from another host (a shared file system) is broken once it
 * is older than `staleMs`; a lock held by a live process on this host is
 * never broken. Breaking is itself serialised by a short-lived
 * `<store>.lock.break` file (exclusive create), and the lock is re-read under
 * it so that two waiters cannot both break it and both take it. Release
 * removes the lock only if it still carries our token.
 */
import { randomBytes } from 'node:crypto'
import { link, readFile, stat, unlink } from 'node:fs/promises'
import { hostname } from 'node:os'
import { setTimeout as sleep } from 'node:timers/promises'
import { StoreLockedError } from '../errors.js'
import { tempPathFor, writeNewFile } from './atomic.js'

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
      typeof v.token === 'string'
    ) {
      return v as LockInfo
    }
  } catch {
    // fall through: unreadable content
  }
  return undefined
}

async function readLock(path: string): Promise<{ info: LockInfo | undefined; mtimeMs: number } | undefined> {
  try {
    const [text, st] = await Promise.all([readFile(path, 'utf8'), stat(path)])
    return { info: parseLock(text), mtimeMs: st.mtimeMs }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
}

/** Whether a process with this pid exists on this host. */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function isStale(lock: { info: LockInfo | undefined; mtimeMs: number }, staleMs: number): boolean {
  const { info } = lock
  // Content that is not ours cannot name a holder: judge it by age alone.
  if (!info) return Date.now() - lock.mtimeMs > staleMs
  if (info.hostname === hostname()) return !processAlive(info.pid)
  return Date.now() - info.createdAt > staleMs
}

/** Takes the file at `path` exclusively with `content`; false if it exists. */
async function createExclusive(path: string, content: string): Promise<boolean> {
  const temp = tempPathFor(path, 'new')
  try {
    await writeNewFile(temp, content)
    try {
      await link(temp, path)
      return true
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code === 'EEXIST') return false
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EXDEV') throw err
    }
    // No hard links here: an O_EXCL create (content written just after).
    try {
      await writeNewFile(path, content)
      return true
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false
      throw err
    }
  } finally {
    await unlink(temp).catch(() => undefined)
  }
}

/** Removes a stale lock, serialised by the `.break` guard. True if the caller should retry at once. */
async function breakIfStale(lockPath: string, staleMs: number): Promise<boolean> {
  const seen = await readLock(lockPath)
  if (!seen) return true
  if (!isStale(seen, staleMs)) return false
  const guard = `${lockPath}.break`
  if (!(await createExclusive(guard, String(process.pid)))) {
    const g = await stat(guard).catch(() => undefined)
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
  const content = () => JSON.stringify({ pid: process.pid, hostname: hostname(), createdAt: Date.now(), token })
  const deadline = Date.now() + options.timeoutMs
  let delay = 2
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
}
