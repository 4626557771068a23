/**
 * Generating one key or a --count batch and writing it out: to stdout, or to
 * files written atomically (see files.ts). Shared by the low-level commands
 * (rsa, ec, ...) and the JWA command.
 *
 * Ctrl-C (SIGINT), SIGTERM, SIGHUP (the terminal went away) or SIGQUIT
 * during a run: the handler runs between two synchronous file writes, never
 * inside one, so it exits (128 + the signal's number: 130, 143, 129, 131)
 * leaving only complete keys and no temp file; it says how many were
 * written. Keys printed to stdout are written with backpressure (each write
 * awaited), and after a signal the run waits for stdout to drain before it
 * exits, so "N printed" is what the reader gets; a second signal exits at
 * once.
 */
import { availableParallelism, constants } from 'node:os'
import { extname } from 'node:path'
import { InvalidRequestError } from '../errors.js'
import type { Values } from './command.js'
import { choiceOption, intOption, type OptionDef, stringOption } from './command.js'
import { checkTargets, type OutputFile, writeFilesAtomic } from './files.js'
import { flags } from './flags.js'
import {
  checkRender,
  FORMATS,
  type Format,
  fingerprintOf,
  jsonLine,
  jsonText,
  jwkOf,
  type KeySource,
  type KeyType,
  type OutputShape,
  type RenderOptions,
  renderKey,
  renderOptionsOf,
  renderPublic,
  TYPES,
  thumbprintOf,
} from './output.js'
import { startProgress } from './progress.js'
import { asUsage, EXIT_OK } from './report.js'

export const MAX_COUNT = 10_000

/** Signals that stop a batch between two keys (their default action would kill it mid-write). */
const HANDLED_SIGNALS: readonly NodeJS.Signals[] =
  process.platform === 'win32' ? ['SIGINT', 'SIGTERM', 'SIGHUP'] : ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT']

/** The output options every generating command takes. */
export const OUTPUT_OPTIONS: Record<string, OptionDef> = flags({
  format:
    'pem (default), der, jwk, jwks or openssh (the OpenSSH private key file and authorized_keys line, as ssh-keygen writes them; with --out FILE the public line goes to FILE.pub)',
  type: 'PEM/DER structure: pkcs8 (default), pkcs1 (RSA), sec1 (EC); spki or pkcs1 with --public',
  out: 'write the private key (with --public: the public key) to FILE (mode 0600, atomically) instead of stdout; - is stdout',
  pub: 'also write the public key to FILE',
  public: 'output only the public key (on stdout, or to --out)',
  force: 'replace existing files (they are refused otherwise)',
  count: `generate N keys (1…${MAX_COUNT}); FILE may hold {n}, else -1, -2, ... goes before its extension`,
  comment: 'comment of the OpenSSH key',
  kid: 'JWK "kid"',
  use: 'JWK "use": sig or enc',
  alg: 'JWK "alg"',
})

export interface OutputPlan {
  render: RenderOptions
  publicOnly: boolean
  count: number
  out?: string
  pub?: string
  force: boolean
}

/** Reads and checks the output options for a key of this shape (usage errors, before any work). */
export function outputPlan(values: Values, shape: OutputShape): OutputPlan {
  const format: Format = choiceOption(values, 'format', FORMATS) ?? 'pem'
  const type = choiceOption<KeyType>(values, 'type', TYPES)
  const count = intOption(values, 'count', 1, 1, MAX_COUNT)
  const publicOnly = values.public === true
  const outArg = stringOption(values, 'out')
  const out = outArg === '-' ? undefined : outArg
  let pub = stringOption(values, 'pub')
  const force = values.force === true
  const render = renderOptionsOf(values, format, type)
  const jwk: NonNullable<RenderOptions['jwk']> = render.jwk ?? {}
  if (format === 'jwks' && jwk.kid === undefined) jwk.kidThumbprint = true // one kid per key of the set
  if (Object.keys(jwk).length > 0) render.jwk = jwk

  const usage = (message: string): never => {
    throw asUsage(new InvalidRequestError(message))
  }
  try {
    checkRender(shape, render, publicOnly)
  } catch (err) {
    throw asUsage(err)
  }
  if (shape.kind === 'oct' && pub !== undefined) usage('a symmetric secret has no public half: drop --pub')
  if (publicOnly && pub !== undefined)
    usage('--pub and --public do not go together: --public writes only the public key')
  if (pub === '-') usage('--pub needs a file name (stdout is for --out)')
  if (format === 'openssh' && out !== undefined && !publicOnly && pub === undefined) pub = `${out}.pub`
  if (count > 1 && jwk.kid !== undefined) usage('--kid with --count would give every key the same kid')
  if (out === undefined && format === 'der') {
    if (count > 1) usage('--count with --format der needs --out (DER keys cannot share stdout)')
    if (process.stdout.isTTY) usage('refusing to write binary DER to a terminal: add --out FILE or redirect stdout')
  }
  if (out !== undefined && pub !== undefined && out === pub) usage('--out and --pub name the same file')

  const plan: OutputPlan = { render, publicOnly, count, force }
  if (out !== undefined) plan.out = out
  if (pub !== undefined) plan.pub = pub
  return plan
}

/** The i-th (1-based) name of a batch: {n} is replaced, else -i goes before the extension. */
export function batchName(pattern: string, i: number, count: number): string {
  if (pattern.includes('{n}')) return pattern.replaceAll('{n}', String(i))
  if (count === 1) return pattern
  const ext = extname(pattern)
  return ext ? `${pattern.slice(0, -ext.length)}-${i}${ext}` : `${pattern}-${i}`
}

export interface GeneratedKey {
  source: KeySource
  /** What the summary line says about the key (algorithm, length, ...). */
  info: Record<string, unknown>
  dispose(): void
}

export interface Job {
  /** For the progress line, e.g. "RSA 4096". */
  label: string
  /** Show progress on a TTY even for one key. */
  slow: boolean
  generate(): Promise<GeneratedKey>
}

function summary(plan: OutputPlan, key: GeneratedKey, files: { private?: string; public?: string }): string {
  const line: Record<string, unknown> = { ...files, ...key.info, format: plan.render.format }
  const tp = thumbprintOf(key.source)
  if (tp) line.thumbprint = tp
  const fp = fingerprintOf(key.source)
  if (fp) line.fingerprint = fp
  return jsonLine(line)
}

/**
 * Runs the job plan.count times. Keys go to stdout unless --out / --pub name
 * files; with files, stdout gets one JSON line per key written.
 */
export async function runBatch(job: Job, plan: OutputPlan): Promise<number> {
  const { count, render } = plan
  const sets = render.format === 'jwks'
  const names = (pattern: string | undefined): string[] =>
    pattern === undefined
      ? []
      : sets
        ? [pattern]
        : Array.from({ length: count }, (_, i) => batchName(pattern, i + 1, count))
  const outNames = names(plan.out)
  const pubNames = names(plan.pub)
  checkTargets([...outNames, ...pubNames], plan.force)

  const progress = startProgress(`generating ${job.label}`, job.slow || count > 1)
  // stdout's backpressure is respected: each write is awaited until the kernel has taken it, so
  // a slow reader slows the batch down instead of output piling up in memory, and "printed"
  // counts what the reader can get, never output still queued when a signal ends the run.
  let printed = 0
  let lastWrite: Promise<void> = Promise.resolve()
  const write = (data: string | Uint8Array, isKey: boolean): Promise<void> => {
    progress.clear()
    lastWrite = new Promise<void>((resolve) => {
      process.stdout.write(data, (err) => {
        if (!err && isKey) printed++
        resolve()
      })
    })
    return lastWrite
  }
  let written = 0
  let stopping = false
  const finish = (signal: NodeJS.Signals): never => {
    const what =
      plan.out || plan.pub ? `${written} of ${count} written, each complete` : `${printed} of ${count} printed`
    process.stderr.write(`platform-keygen: interrupted (${signal}): ${what}\n`)
    process.exit(128 + (constants.signals[signal] ?? 15))
  }
  const onSignal = (signal: NodeJS.Signals): void => {
    progress.stop()
    // A second signal ends the run at once (a reader that never reads); the first lets stdout drain.
    if (stopping) finish(signal)
    stopping = true
    void lastWrite.then(() => finish(signal))
  }
  /** After a signal, nothing more is written: the handler exits once stdout has drained. */
  const halted = (): Promise<never> => new Promise<never>(() => {})
  for (const signal of HANDLED_SIGNALS) process.on(signal, onSignal)
  const privateSet: unknown[] = []
  const publicSet: unknown[] = []
  // A batch keeps one generation per core in flight (an RSA batch uses every
  // core) and still writes its keys in order, one at a time; keys made ahead
  // of a failure are disposed of, never written.
  const ahead = Math.min(count, Math.max(1, availableParallelism()))
  const inFlight: Promise<GeneratedKey>[] = []
  let started = 0
  const startMore = (): void => {
    while (started < count && inFlight.length < ahead) {
      const p = job.generate()
      p.catch(() => {}) // awaited below in order; a later one's failure must not go unhandled meanwhile
      inFlight.push(p)
      started++
    }
  }
  try {
    for (let i = 0; i < count; i++) {
      if (count > 1) progress.update(`${i + 1}/${count}`)
      startMore()
      const key = await (inFlight.shift() as Promise<GeneratedKey>)
      if (stopping) {
        key.dispose()
        await halted()
      }
      try {
        if (sets) {
          if (!plan.publicOnly) privateSet.push(jwkOf(key.source, false, render.jwk))
          if (plan.publicOnly || plan.pub !== undefined) publicSet.push(jwkOf(key.source, true, render.jwk))
          written++
          continue
        }
        const files: OutputFile[] = []
        const shown: { private?: string; public?: string } = {}
        const main = renderKey(key.source, render, plan.publicOnly)
        const out = outNames[i]
        if (out !== undefined) {
          files.push({ path: out, data: main, secret: !plan.publicOnly })
          shown[plan.publicOnly ? 'public' : 'private'] = out
        }
        const pub = pubNames[i]
        if (pub !== undefined) {
          files.push({ path: pub, data: renderPublic(key.source, render), secret: false })
          shown.public = pub
        }
        if (files.length > 0) writeFilesAtomic(files, plan.force)
        written++
        if (out === undefined) {
          // a jwk batch on stdout is one compact JSON document per line
          await write(
            render.format === 'jwk' && count > 1 ? jsonLine(jwkOf(key.source, plan.publicOnly, render.jwk)) : main,
            true,
          )
        } else {
          await write(summary(plan, key, shown), false)
        }
      } finally {
        key.dispose()
      }
    }
    progress.stop()
    if (sets) {
      const files: OutputFile[] = []
      const main = jsonText({ keys: plan.publicOnly ? publicSet : privateSet })
      if (plan.out !== undefined) files.push({ path: plan.out, data: main, secret: !plan.publicOnly })
      if (plan.pub !== undefined) {
        files.push({ path: plan.pub, data: jsonText({ keys: publicSet }), secret: false })
      }
      if (files.length > 0) writeFilesAtomic(files, plan.force)
      if (plan.out === undefined) await write(main, false)
      else {
        const line: Record<string, unknown> = { [plan.publicOnly ? 'public' : 'private']: plan.out }
        if (plan.pub !== undefined) line.public = plan.pub
        await write(jsonLine({ ...line, keys: written, format: 'jwks' }), false)
      }
    }
    return EXIT_OK
  } finally {
    for (const p of inFlight.splice(0))
      p.then(
        (k) => k.dispose(),
        () => {},
      )
    progress.stop()
    for (const signal of HANDLED_SIGNALS) process.off(signal, onSignal)
  }
}
