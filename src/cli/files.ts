/**
 * Writing key files so that no reader ever sees half a key: the one atomic
 * writer (src/fs/atomic.ts), synchronous, with the CLI's messages.
 *
 * Every file is first written to a temporary file in the same directory
 * (created O_CREAT|O_EXCL, mode 0600 for private keys), fsynced and closed;
 * then it takes its final name in one step: without --force by link(2),
 * which fails with EEXIST when the name exists (an existing file or symlink
 * is never replaced or written through); with --force by rename(2). The
 * directory is fsynced afterwards so the new name survives a crash.
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
import { statSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { existsNoFollow, removeDeadTemps, writeFilesAtomicSync } from '../fs/atomic.js'
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
    if (!force && existsNoFollow(abs)) throw refuse(p)
  }
}

function refuse(shown: string): Error {
  return withFix(
    systemError('EEXIST', `${shown} already exists; refusing to replace it`, shown),
    'pass --force to replace it, or choose another file name',
  )
}

/**
 * Writes a group of files (a private key and its public key) atomically, one
 * after the other. If a later file of the group cannot take its name, the
 * files this call created are removed again (never files it replaced).
 */
export function writeFilesAtomic(files: readonly OutputFile[], force: boolean): void {
  writeFilesAtomicSync(files, { replace: force, taken: refuse })
}
