/**
 * Atomic file replacement: write a temp file in the same directory (created
 * 0600, exclusive), fsync it, rename it over the target, then fsync the
 * directory so the rename itself is durable. Readers see the old file or the
 * new one, never a torn write.
 */
import { randomBytes } from 'node:crypto'
import { lstatSync, readdirSync, unlinkSync } from 'node:fs'
import { open, rename, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

/** Errors a directory fsync may give where the platform or file system cannot do it. */
const DIR_SYNC_UNSUPPORTED = new Set(['EINVAL', 'ENOTSUP', 'EPERM', 'EISDIR', 'EBADF', 'EACCES'])

export async function fsyncDirectory(dir: string): Promise<void> {
  // Windows cannot open a directory as a file; NTFS journals the rename itself.
  if (process.platform === 'win32') return
  const handle = await open(dir, 'r')
  try {
    await handle.sync()
  } catch (err) {
    if (!DIR_SYNC_UNSUPPORTED.has((err as NodeJS.ErrnoException).code ?? '')) throw err
  } finally {
    await handle.close()
  }
}

/** Whether a process with this pid exists on this host (EPERM: it exists, another user's). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/**
 * Removes the temp files that dead writers left next to `path` (a SIGKILL or
 * a crash between creating a temp file and renaming it): the names
 * tempPathFor(path, suffix) makes, `.<name>.<pid>.<12 hex>.<suffix>`, whose
 * pid is not a live process on this host, that are regular files owned by
 * this user. Temps of live processes (this one included) are left alone.
 * Best effort: an error is ignored (the next writer tries again).
 */
export function removeDeadTemps(path: string, suffixes: readonly string[]): void {
  const dir = dirname(path)
  const pattern = new RegExp(
    `^\\.${escapeRegExp(basename(path))}\\.(\\d+)\\.[0-9a-f]{12}\\.(?:${suffixes.map(escapeRegExp).join('|')})$`,
  )
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return
  }
  const uid = process.getuid?.()
  for (const name of names) {
    const pid = Number(pattern.exec(name)?.[1])
    if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid || processAlive(pid)) continue
    const file = join(dir, name)
    try {
      const st = lstatSync(file)
      if (!st.isFile() || (uid !== undefined && st.uid !== uid)) continue
      unlinkSync(file)
    } catch {
      // gone already, or not ours to remove
    }
  }
}

/** A name for a temp file next to `path`, unique to this process and call. */
export function tempPathFor(path: string, suffix: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.${suffix}`)
}

/** Writes `data` to a new 0600 file at `path` (exclusive create), fsynced. */
export async function writeNewFile(path: string, data: string | Uint8Array): Promise<void> {
  const handle = await open(path, 'wx', 0o600)
  try {
    // The mode given to open() is filtered by the umask; make it exactly 0600.
    await handle.chmod(0o600)
    await handle.writeFile(data)
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/**
 * rename(), retried a few times on Windows, where a virus scanner or an
 * indexer briefly holding the target makes MoveFileEx fail with EPERM,
 * EACCES or EBUSY.
 */
async function renameOver(from: string, to: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await rename(from, to)
      return
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? ''
      if (process.platform !== 'win32' || attempt >= 10 || !['EPERM', 'EACCES', 'EBUSY'].includes(code)) throw err
      await sleep(10 * (attempt + 1))
    }
  }
}

/** Replaces `path` with `data` atomically; the file ends up 0600. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const temp = tempPathFor(path, 'tmp')
  try {
    await writeNewFile(temp, data)
    await renameOver(temp, path)
  } catch (err) {
    await unlink(temp).catch(() => undefined)
    throw err
  }
  await fsyncDirectory(dirname(path))
}
