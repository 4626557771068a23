/**
 * The one atomic file writer (docs/design.md, "Files on disk"): the CLI's key files, the JwkStore,
 * its lock, the service's file store and the TPM key records all write through here, so they share
 * one fsync policy and one list of fallbacks.
 *
 * A file is written to a temp file in the same directory, `.<name>.<pid>.<12 hex>.<suffix>`,
 * created O_CREAT|O_EXCL (never through an existing file or symlink) with its final mode — 0600
 * exactly for secrets (the umask cannot widen or narrow it), 0644 less the umask otherwise —,
 * written whole and fsynced, then given its final name in one step:
 *  - `replace: true`: rename(2) over the target (on Windows retried while a scanner holds it);
 *  - `replace: false`: link(2), which fails with EEXIST when the name exists. Where a file system
 *    has no hard links (NO_LINK): check, then rename (readers never see a partial file; a window
 *    a concurrent writer could use), or, for a lock (`noLink: 'create-in-place'`), an O_EXCL create
 *    of the name itself (an atomic claim; a reader may see the content half written).
 * Then the directory is fsynced so that the new name survives a crash (DIR_SYNC_UNSUPPORTED: where
 * a platform or file system cannot, it is skipped; Windows journals the rename itself). The temp
 * file is removed on every failure. Both a synchronous form (the CLI: a signal handler runs only
 * between two writes, never inside one) and an asynchronous one (the stores) follow these steps.
 *
 * A SIGKILL between create and rename can leave a temp file; removeDeadTemps removes those whose
 * process is gone before the next write of that name.
 */
import { randomBytes } from 'node:crypto'
import {
  closeSync,
  constants,
  fchmodSync,
  fsyncSync,
  linkSync,
  lstatSync,
  openSync,
  readdirSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs'
import { type FileHandle, link, lstat, open, rename, unlink } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

/** What a file holds: `secret` files (private keys, stores, locks) are 0600, others 0644 less the umask. */
export interface FileMode {
  secret: boolean
}

/** Errors a directory fsync (or opening the directory for it) gives where it cannot be done. */
const DIR_SYNC_UNSUPPORTED = new Set(['EINVAL', 'ENOTSUP', 'EOPNOTSUPP', 'EPERM', 'EISDIR', 'EBADF', 'EACCES'])

/** link(2) is missing on some file systems (FAT, some FUSE and network mounts). */
const NO_LINK = new Set(['EPERM', 'ENOSYS', 'ENOTSUP', 'EOPNOTSUPP', 'EXDEV', 'EMLINK'])

/** A Windows rename over a file that a virus scanner or an indexer briefly holds fails with these. */
const RENAME_BUSY = new Set(['EPERM', 'EACCES', 'EBUSY'])
const RENAME_ATTEMPTS = 10

const code = (err: unknown): string => (err as NodeJS.ErrnoException).code ?? ''

/** Whether a rename failure is worth another attempt (after `attempt` failures). */
function retryRename(err: unknown, attempt: number): boolean {
  return process.platform === 'win32' && attempt < RENAME_ATTEMPTS && RENAME_BUSY.has(code(err))
}

const renameDelayMs = (attempt: number): number => 10 * (attempt + 1)

function modeOf(m: FileMode): number {
  return m.secret ? 0o600 : 0o644
}

/** A name for a temp file next to `path`, unique to this process and call. */
export function tempPathFor(path: string, suffix: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.${suffix}`)
}

/** Whether a process with this pid exists on this host (EPERM: it exists, another user's). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return code(err) === 'EPERM'
  }
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/**
 * Removes the temp files that dead writers left next to `path`: the names tempPathFor(path, suffix)
 * makes whose pid is not a live process on this host, that are regular files owned by this user.
 * Temps of live processes (this one included) are left alone. Best effort: an error is ignored.
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

/** Whether anything (a file, a symlink, dangling or not) has this name. */
export function existsNoFollow(path: string): boolean {
  try {
    lstatSync(path)
    return true
  } catch (err) {
    if (code(err) === 'ENOENT') return false
    throw err
  }
}

// --- synchronous ---------------------------------------------------------------------------------

export function fsyncDirectorySync(dir: string): void {
  if (process.platform === 'win32') return
  let fd: number
  try {
    fd = openSync(dir, constants.O_RDONLY)
  } catch (err) {
    if (DIR_SYNC_UNSUPPORTED.has(code(err))) return
    throw err
  }
  try {
    fsyncSync(fd)
  } catch (err) {
    if (!DIR_SYNC_UNSUPPORTED.has(code(err))) throw err
  } finally {
    closeSync(fd)
  }
}

/** Creates `path` (exclusive) with `data`, fsynced and closed. */
export function writeNewFileSync(path: string, data: string | Uint8Array, mode: FileMode): void {
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, modeOf(mode))
  try {
    if (mode.secret) fchmodSync(fd, 0o600)
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data
    let off = 0
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

function renameSyncRetried(from: string, to: string): void {
  for (let attempt = 0; ; attempt++) {
    try {
      renameSync(from, to)
      return
    } catch (err) {
      if (!retryRename(err, attempt)) throw err
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, renameDelayMs(attempt))
    }
  }
}

/** Gives the finished temp file its name; false (temp left for the caller) when `replace` is off and the name is taken. */
function publishSync(temp: string, path: string, replace: boolean): boolean {
  if (replace) {
    renameSyncRetried(temp, path)
    return true
  }
  try {
    linkSync(temp, path)
  } catch (err) {
    if (code(err) === 'EEXIST') return false
    if (!NO_LINK.has(code(err))) throw err
    if (existsNoFollow(path)) return false
    renameSyncRetried(temp, path)
    return true
  }
  unlinkSync(temp)
  return true
}

function tryUnlinkSync(path: string): void {
  try {
    unlinkSync(path)
  } catch {
    // already gone (renamed into place, or never created)
  }
}

export interface AtomicFile extends FileMode {
  path: string
  data: string | Uint8Array
}

/** The error of a name that is taken (`replace: false`). */
export type Taken = (path: string) => Error

/**
 * Writes a group of files (a private key and its public key) atomically, each complete before it
 * has its name; every file is staged before the first is published. If a later file cannot take
 * its name, the files this call created are removed again (never files it replaced).
 * Without `replace`, a name that is taken is `taken(path)`'s error.
 */
export function writeFilesAtomicSync(files: readonly AtomicFile[], o: { replace: boolean; taken: Taken }): void {
  const temps: string[] = []
  const created: string[] = []
  try {
    const staged: { temp: string; abs: string; shown: string }[] = []
    for (const f of files) {
      const abs = resolve(f.path)
      const temp = tempPathFor(abs, 'tmp')
      temps.push(temp)
      writeNewFileSync(temp, f.data, f)
      staged.push({ temp, abs, shown: f.path })
    }
    for (const s of staged) {
      if (!publishSync(s.temp, s.abs, o.replace)) throw o.taken(s.shown)
      if (!o.replace) created.push(s.abs)
    }
    for (const dir of new Set(staged.map((s) => dirname(s.abs)))) fsyncDirectorySync(dir)
  } catch (err) {
    for (const p of created) tryUnlinkSync(p)
    throw err
  } finally {
    for (const t of temps) tryUnlinkSync(t)
  }
}

// --- asynchronous --------------------------------------------------------------------------------

export async function fsyncDirectory(dir: string): Promise<void> {
  if (process.platform === 'win32') return
  let handle: FileHandle
  try {
    handle = await open(dir, 'r')
  } catch (err) {
    if (DIR_SYNC_UNSUPPORTED.has(code(err))) return
    throw err
  }
  try {
    await handle.sync()
  } catch (err) {
    if (!DIR_SYNC_UNSUPPORTED.has(code(err))) throw err
  } finally {
    await handle.close()
  }
}

/** Creates `path` (exclusive) with `data`, fsynced and closed; 0600 unless `mode` says it is no secret. */
export async function writeNewFile(
  path: string,
  data: string | Uint8Array,
  mode: FileMode = { secret: true },
): Promise<void> {
  const handle = await open(path, 'wx', modeOf(mode))
  try {
    if (mode.secret) await handle.chmod(0o600)
    await handle.writeFile(data)
    await handle.sync()
  } finally {
    await handle.close()
  }
}

async function renameRetried(from: string, to: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await rename(from, to)
      return
    } catch (err) {
      if (!retryRename(err, attempt)) throw err
      await sleep(renameDelayMs(attempt))
    }
  }
}

/** What `replace: false` does where a file system has no hard links (see the module comment). */
export type NoLink = 'check-then-rename' | 'create-in-place'

async function publish(
  temp: string,
  path: string,
  data: string | Uint8Array,
  o: { replace: boolean; noLink: NoLink; mode: FileMode | undefined },
): Promise<boolean> {
  if (o.replace) {
    await renameRetried(temp, path)
    return true
  }
  try {
    await link(temp, path)
    return true
  } catch (err) {
    if (code(err) === 'EEXIST') return false
    if (!NO_LINK.has(code(err))) throw err
  }
  if (o.noLink === 'create-in-place') {
    try {
      await writeNewFile(path, data, o.mode)
      return true
    } catch (err) {
      if (code(err) === 'EEXIST') return false
      throw err
    }
  }
  if (
    await lstat(path).then(
      () => true,
      (err: unknown) => {
        if (code(err) === 'ENOENT') return false
        throw err
      },
    )
  )
    return false
  await renameRetried(temp, path)
  return true
}

/**
 * Writes `path` atomically (0600 unless `mode` says it is no secret). `replace: true` (the default)
 * replaces what is there; `replace: false` leaves an existing name alone and resolves to false.
 * The temp file's suffix is `tmp` (`new` for `replace: false`), for removeDeadTemps.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  o: { replace?: boolean; mode?: FileMode; noLink?: NoLink } = {},
): Promise<boolean> {
  const replace = o.replace !== false
  const temp = tempPathFor(path, replace ? 'tmp' : 'new')
  let published: boolean
  try {
    await writeNewFile(temp, data, o.mode)
    published = await publish(temp, path, data, { replace, noLink: o.noLink ?? 'check-then-rename', mode: o.mode })
  } finally {
    await unlink(temp).catch(() => undefined)
  }
  if (published) await fsyncDirectory(dirname(path))
  return published
}
