/**
 * Writing key files so that no reader ever sees half a key.
 *
 * Every file is first written to a temporary file in the same directory
 * (created O_CREAT|O_EXCL, mode 0600 for private keys), fsynced and closed;
 * then it takes its final name in one step:
 *  - without --force by link(2), which fails with EEXIST when the name exists
 *    (an existing file or symlink is never replaced or written through);
 *  - with --force by rename(2), which replaces the old file atomically.
 * The directory is fsynced afterwards so the new name survives a crash.
 *
 * The whole sequence is synchronous: a signal handler (SIGINT, SIGTERM,
 * SIGHUP, SIGQUIT: see batch.ts) runs only between two such writes, never in
 * the middle of one, so an interrupted batch leaves only complete files and
 * no temporary ones. A SIGKILL (or a crash) can leave a temp file
 * `.<name>.<pid>.<12 hex>.tmp`; checkTargets removes those whose process is
 * dead before the next run writes that name. (Linux's O_TMPFILE + linkat,
 * which would leave no named temp at all, is not reachable from Node.js's fs
 * without native code.)
 */
import { randomBytes } from 'node:crypto'
import {
  closeSync,
  constants,
  fsyncSync,
  linkSync,
  lstatSync,
  openSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { removeDeadTemps } from '../store/atomic.js'
import { withFix } from './report.js'

export interface OutputFile {
  path: string
  data: string | Uint8Array
  /** Private key material: mode 0600. Public files get 0644 (less the umask). */
  secret: boolean
}

/** A node-style system error (code EEXIST, ENOENT, ...) with our own message. */
export function systemError(code: string, message: string, path: string): Error {
  return Object.assign(new Error(message), { code, path })
}

function exists(path: string): boolean {
  try {
    lstatSync(path)
    return true
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false
    throw err
  }
}

/**
 * Checks up front (before any slow key generation) that every target can be
 * written: its directory exists and, without --force, the name is free.
 * Removes the temp files of dead runs for each target.
 * The final link(2) still enforces the no-clobber rule; this only fails early.
 */
export function checkTargets(paths: readonly string[], force: boolean): void {
  const seen = new Set<string>()
  for (const p of paths) {
    const abs = resolve(p)
    if (seen.has(abs)) throw withFix(systemError('EEXIST', `${p} is named twice`, p), 'give each output its own name')
    seen.add(abs)
    const dir = dirname(abs)
    let dirStat: ReturnType<typeof statSync>
    try {
      dirStat = statSync(dir)
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'ENOENT'
      throw withFix(systemError(code, `cannot write ${p}: its directory ${dir} is missing`, p), `mkdir -p ${dir}`)
    }
    if (!dirStat.isDirectory()) {
      throw withFix(systemError('ENOTDIR', `cannot write ${p}: ${dir} is not a directory`, p), 'choose another path')
    }
    removeDeadTemps(abs, ['tmp'])
    if (!force && exists(abs)) {
      throw withFix(
        systemError('EEXIST', `${p} already exists; refusing to replace it`, p),
        'pass --force to replace it, or choose another file name',
      )
    }
  }
}

function writeAll(fd: number, data: string | Uint8Array): void {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data
  let off = 0
  while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off)
}

function tryUnlink(path: string): void {
  try {
    unlinkSync(path)
  } catch {
    // already gone (renamed into place, or never created)
  }
}

function fsyncDir(dir: string): void {
  let fd: number | undefined
  try {
    fd = openSync(dir, constants.O_RDONLY)
    fsyncSync(fd)
  } catch {
    // not every platform or file system can fsync a directory (Windows cannot)
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}

/** link(2) is missing on some file systems (FAT, some FUSE mounts): fall back to check-then-rename. */
const NO_LINK = new Set(['EPERM', 'ENOSYS', 'ENOTSUP', 'EOPNOTSUPP', 'EXDEV', 'EMLINK'])

function publish(tmp: string, abs: string, shown: string, force: boolean): void {
  if (force) {
    renameSync(tmp, abs)
    return
  }
  const refuse = (): Error =>
    withFix(
      systemError('EEXIST', `${shown} already exists; refusing to replace it`, shown),
      'pass --force to replace it, or choose another file name',
    )
  try {
    linkSync(tmp, abs)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? ''
    if (code === 'EEXIST') throw refuse()
    if (!NO_LINK.has(code)) throw err
    // no hard links here: check, then rename (a window a concurrent writer could use; link(2) has none)
    if (exists(abs)) throw refuse()
    renameSync(tmp, abs)
    return
  }
  unlinkSync(tmp)
}

/**
 * Writes a group of files (a private key and its public key) atomically, one
 * after the other. If a later file of the group cannot take its name, the
 * files this call created are removed again (never files it replaced).
 */
export function writeFilesAtomic(files: readonly OutputFile[], force: boolean): void {
  const temps: string[] = []
  const created: string[] = []
  try {
    const staged: { tmp: string; abs: string; shown: string }[] = []
    for (const f of files) {
      const abs = resolve(f.path)
      const tmp = join(dirname(abs), `.${basename(abs)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`)
      const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, f.secret ? 0o600 : 0o644)
      temps.push(tmp)
      try {
        writeAll(fd, f.data)
        fsyncSync(fd)
      } finally {
        closeSync(fd)
      }
      staged.push({ tmp, abs, shown: f.path })
    }
    for (const s of staged) {
      publish(s.tmp, s.abs, s.shown, force)
      if (!force) created.push(s.abs)
    }
    for (const dir of new Set(staged.map((s) => dirname(s.abs)))) fsyncDir(dir)
  } catch (err) {
    for (const p of created) tryUnlink(p)
    throw err
  } finally {
    for (const t of temps) tryUnlink(t)
  }
}
