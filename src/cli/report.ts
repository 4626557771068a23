/**
 * How the CLI reports failure. It adds no error classes of its own: errors
 * are the package's typed errors (src/errors.ts), Node's parseArgs errors
 * (ERR_PARSE_ARGS_*) and Node's system errors (EEXIST, ENOENT, EACCES...).
 * What the CLI adds is the exit code and a one-line fix:
 *
 *   2  usage: the command line alone is wrong (unknown option, bad value,
 *      a length the key-length table refuses) — found before any work;
 *   1  runtime: the work failed (the provider, the file system, the input
 *      file, an algorithm this runtime lacks);
 *   130 / 143 / 129 / 131: interrupted by SIGINT / SIGTERM / SIGHUP / SIGQUIT (only complete files remain).
 */

export const EXIT_OK = 0
export const EXIT_RUNTIME = 1
export const EXIT_USAGE = 2

const usageErrors = new WeakSet<object>()
const fixes = new WeakMap<object, string>()

/** Marks an error as a usage error (exit code 2). */
export function asUsage<E>(err: E): E {
  if (typeof err === 'object' && err !== null) usageErrors.add(err)
  return err
}

/** Attaches the one-line fix that the CLI prints under the error. */
export function withFix<E>(err: E, fix: string): E {
  if (typeof err === 'object' && err !== null) fixes.set(err, fix)
  return err
}

export function isUsage(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false
  if (usageErrors.has(err)) return true
  const code = (err as { code?: unknown }).code
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')
}

export function errorCode(err: unknown): string {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined
  return typeof code === 'string' && code !== '' ? code : 'ERR_UNEXPECTED'
}

/** The default fix for each code; `command` names the subcommand for --help hints. */
function defaultFix(code: string, command: string | undefined): string {
  const help = command ? `platform-keygen ${command} --help` : 'platform-keygen --help'
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
    case 'ERR_INVALID_REQUEST':
      return `see \`${help}\` for the options and examples`
    case 'ERR_KEY_LENGTH':
      return 'choose a length the key-length table allows: `platform-keygen info` prints it'
    case 'ERR_UNSUPPORTED_ALGORITHM':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return `\`${help}\` lists the algorithms, curves and parameter sets`
    case 'ERR_NOT_SUPPORTED_ON_PLATFORM':
      return '`platform-keygen info` shows what this runtime has (ML-DSA and ML-KEM need OpenSSL 3.5: Node.js 24 or later, or a Node.js 22 built with it)'
    case 'ERR_UNSUPPORTED_FORMAT':
      return 'choose another format: DSA and DH keys are pem or der only; OpenSSH holds RSA, ECDSA P-256/384/521 and Ed25519'
    case 'ERR_PROVIDER':
      return 'the platform crypto provider failed: retry, and report it with the output of `platform-keygen info`'
    case 'ERR_STORE_CORRUPT':
      return 'the store file was left untouched: restore it from a backup, or point --store at another file'
    case 'ERR_STORE_LOCKED':
      return 'another process holds the store lock (FILE.lock): retry when it is done'
    case 'ERR_STORE_NOT_FOUND':
      return 'check the path, or pass --create to start an empty store there'
    case 'ERR_STORE_PASSPHRASE':
      return "give the store's passphrase with --passphrase-file FILE"
    case 'ERR_KEY_NOT_FOUND':
      return '`platform-keygen key list` shows the keys the store has'
    case 'ERR_KEY_EXISTS':
      return 'pass --force to replace it (the old key is lost), or choose another --name'
    case 'ERR_STORE_UNAVAILABLE':
      return 'the message says what to install or set; `platform-keygen key list` retries'
    case 'ERR_BAD_PASSPHRASE':
      return "give the key's passphrase with --passphrase-file FILE or --passphrase-env VAR"
    case 'EEXIST':
      return 'pass --force to replace it, or choose another file name'
    case 'ENOENT':
      return 'check the path'
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return 'write somewhere you have permission to, or fix the permissions'
    case 'EISDIR':
      return 'name a file, not a directory'
    case 'ENOSPC':
      return 'free some disk space and run it again (no partial file was left)'
    default:
      return 'this looks like a bug in platform-keygen: please report it with the command you ran'
  }
}

/** Formats an error as the two stderr lines the CLI prints. */
export function describeError(err: unknown, command: string | undefined): string {
  const code = errorCode(err)
  let message = (err instanceof Error ? err.message : String(err)).split('\n')[0] as string
  // Node's system errors start with their code ("ENOENT: no such file..."), and parseArgs adds a
  // long note about '--' after the first sentence: keep the line short.
  if (message.startsWith(`${code}: `)) message = message.slice(code.length + 2)
  if (code.startsWith('ERR_PARSE_ARGS_')) message = message.replace(/\. To specify a positional argument.*$/, '')
  const fix = (typeof err === 'object' && err !== null ? fixes.get(err) : undefined) ?? defaultFix(code, command)
  let out = `platform-keygen: error ${code}: ${message}\n  fix: ${fix}\n`
  if (code === 'ERR_UNEXPECTED' && err instanceof Error && err.stack && process.env.PLATFORM_KEYGEN_DEBUG) {
    out += `${err.stack}\n`
  }
  return out
}

export function exitCodeFor(err: unknown): number {
  return isUsage(err) ? EXIT_USAGE : EXIT_RUNTIME
}
