/**
 * Where the CLI gets a passphrase: never from an argument (it would show in
 * `ps` and the shell history), but from
 *
 *   --passphrase-file FILE   the file's first line (- is stdin)
 *   --passphrase-env VAR     the environment variable VAR
 *   a prompt on the terminal (no echo; twice, to confirm, for a new one)
 *
 * and how a private key is protected with it (`--encrypt`; `--kdf` for PEM /
 * DER, `--rounds` for OpenSSH).
 */
import { readFileSync } from 'node:fs'
import { InvalidRequestError } from '../errors.js'
import { DEFAULT_ROUNDS, MAX_ROUNDS } from '../formats/openssh-encrypt.js'
import type { OutputPlan } from './batch.js'
import { choiceOption, intOption, type OptionDef, stringOption, type Values } from './command.js'
import { flags } from './flags.js'
import type { RenderOptions } from './output.js'
import { asUsage } from './report.js'

export const PASSPHRASE_SOURCE_OPTIONS: Record<string, OptionDef> = flags({
  'passphrase-file': 'read the passphrase from the first line of FILE (- for stdin)',
  'passphrase-env': 'read the passphrase from the environment variable VAR',
})

/** The options of the commands that write private keys. */
export const PROTECT_OPTIONS: Record<string, OptionDef> = {
  ...flags({
    encrypt:
      'protect the private key with a passphrase (asked twice on the terminal unless --passphrase-file / --passphrase-env give it): pem/der as encrypted PKCS#8, openssh as ssh-keygen -N, jwk as a PBES2 JWE',
  }),
  ...PASSPHRASE_SOURCE_OPTIONS,
  ...flags({
    kdf: 'pem/der with --encrypt: pbkdf2 (PBKDF2-HMAC-SHA256, default) or scrypt',
    rounds: `openssh with --encrypt: bcrypt_pbkdf rounds, as ssh-keygen -a (default ${DEFAULT_ROUNDS})`,
  }),
}

const usage = (message: string): never => {
  throw asUsage(new InvalidRequestError(message))
}

/** The one refusal of --encrypt with --public (every command that writes private keys). */
export function checkEncryptable(encrypt: boolean, publicOnly: boolean): void {
  if (encrypt && publicOnly) usage('--encrypt protects a private key: drop it, or drop --public')
}

/** The first line of a --passphrase-file (- is stdin); an empty one is a usage error. */
function passphraseFile(file: string): string {
  const first = (file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8')).split(/\r?\n/)[0] ?? ''
  if (first === '') usage(`the passphrase file ${file} is empty`)
  return first
}

/** Whether a passphrase source is on the command line. */
export function hasPassphraseSource(values: Values): boolean {
  return values['passphrase-file'] !== undefined || values['passphrase-env'] !== undefined
}

/** Whether there is a terminal to ask on. */
export function canPrompt(): boolean {
  return process.stdin.isTTY === true && process.stderr.isTTY === true
}

/** Reads a line from the terminal without echo. */
function promptLine(question: string): Promise<string> {
  const stdin = process.stdin
  return new Promise((resolve, reject) => {
    let line = ''
    // no echo from the moment the question shows
    stdin.setRawMode(true)
    process.stderr.write(question)
    stdin.resume()
    stdin.setEncoding('utf8')
    const done = (err: Error | undefined): void => {
      stdin.off('data', onData)
      stdin.setRawMode(false)
      stdin.pause()
      process.stderr.write('\n')
      if (err) reject(err)
      else resolve(line)
    }
    const onData = (chunk: string): void => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') {
          done(undefined)
          return
        }
        if (ch === '\u0003') {
          // Ctrl-C: as SIGINT would
          process.stderr.write('\n')
          process.exit(130)
        }
        if (ch === '\u0004') {
          done(asUsage(new InvalidRequestError('no passphrase was entered')))
          return
        }
        if (ch === '\u007f' || ch === '\b') line = line.slice(0, -1)
        else line += ch
      }
    }
    stdin.on('data', onData)
  })
}

/**
 * The passphrase from --passphrase-file / --passphrase-env, or asked on the
 * terminal (`confirm`: twice). Undefined when none is given and `ask` is false.
 */
export async function readPassphrase(
  values: Values,
  o: { ask: boolean; confirm: boolean; what: string },
): Promise<string | undefined> {
  const file = stringOption(values, 'passphrase-file')
  const env = stringOption(values, 'passphrase-env')
  if (file !== undefined && env !== undefined) usage('give --passphrase-file or --passphrase-env, not both')
  if (file !== undefined) return passphraseFile(file)
  if (env !== undefined) {
    const v = process.env[env]
    if (v === undefined || v === '') usage(`the environment variable ${env} is not set (or empty)`)
    return v
  }
  if (!o.ask) return undefined
  if (!canPrompt()) {
    usage(`${o.what} needs a passphrase: give --passphrase-file FILE or --passphrase-env VAR (no terminal to ask on)`)
  }
  const first = await promptLine(`Enter passphrase for ${o.what}: `)
  if (first === '') usage('the passphrase must not be empty')
  if (o.confirm) {
    const again = await promptLine('Enter the same passphrase again: ')
    if (again !== first) usage('the passphrases do not match')
  }
  return first
}

/**
 * Checks --encrypt / --kdf / --rounds against the output and returns the
 * protection to render with (asks for the passphrase if need be).
 */
export async function protectionOf(
  values: Values,
  render: RenderOptions,
  publicOnly: boolean,
  o: { sourceImplies?: boolean; passphrase?: string | undefined } = {},
): Promise<RenderOptions['protection']> {
  const encrypt = values.encrypt === true || (o.sourceImplies !== false && hasPassphraseSource(values))
  const kdf = choiceOption(values, 'kdf', ['pbkdf2', 'scrypt'] as const)
  const rounds = values.rounds === undefined ? undefined : intOption(values, 'rounds', DEFAULT_ROUNDS, 1, MAX_ROUNDS)
  if (!encrypt) {
    if (kdf !== undefined || rounds !== undefined) usage('--kdf and --rounds go with --encrypt')
    return undefined
  }
  checkEncryptable(true, publicOnly)
  const f = render.format
  if (f === 'jwks') usage('--encrypt writes one private key: use --format jwk (a JWE), pem, der or openssh')
  if ((f === 'pem' || f === 'der') && render.type !== undefined && render.type !== 'pkcs8') {
    usage(`--encrypt writes encrypted PKCS#8: drop --type ${render.type}`)
  }
  if (kdf !== undefined && f !== 'pem' && f !== 'der') usage('--kdf is for --format pem or der')
  if (rounds !== undefined && f !== 'openssh') usage('--rounds is for --format openssh')
  const passphrase =
    o.passphrase ??
    ((await readPassphrase(o.sourceImplies === false ? {} : values, {
      ask: true,
      confirm: true,
      what: 'the new private key',
    })) as string)
  const protection: NonNullable<RenderOptions['protection']> = { passphrase }
  if (kdf !== undefined) protection.kdf = kdf
  if (rounds !== undefined) protection.rounds = rounds
  return protection
}

/** Sets plan.render.protection from --encrypt and the passphrase options (usage errors before any work). */
export async function protectPlan(values: Values, plan: OutputPlan): Promise<void> {
  const protection = await protectionOf(values, plan.render, plan.publicOnly)
  if (protection === undefined) return
  if (plan.count > 1 && plan.out === undefined && plan.render.format === 'jwk') {
    usage('--encrypt with --count and --format jwk needs --out (one JWE per file)')
  }
  plan.render.protection = protection
}

/** The first line of --passphrase-file (a JwkStore's, the service's), or undefined. */
export function passphraseOf(values: Values): string | undefined {
  const file = stringOption(values, 'passphrase-file')
  return file === undefined ? undefined : passphraseFile(file)
}
