/**
 * JwkStore: a set of named JWKs kept in one JSON file.
 *
 * - add (names unique, Apinizer's message; kids unique too, RFC 7517 §4.5),
 *   get, has, list, remove, and publicJwks() — `{ keys: [...] }` with every
 *   private member stripped, ready to serve as jwks.json (OCT keys, having
 *   no public half, are left out).
 * - Writes are atomic (temp file in the same directory, fsync, rename, fsync
 *   of the directory) and the file is 0600. Writers take a cross-process
 *   lock (see lock.ts) around read-modify-write, so concurrent writers from
 *   several processes lose nothing. Reads need no lock: a rename is atomic.
 * - A file that is not a valid store is reported (ERR_STORE_CORRUPT) and
 *   never overwritten: every write starts by reading and validating it.
 * - With a passphrase, private JWKs are stored as JWEs (encryption.ts);
 *   names, metadata and public JWKs stay readable without it. A store is
 *   created encrypted or not by its first write and stays so; a check JWE in
 *   the file makes a wrong passphrase fail at once (ERR_STORE_PASSPHRASE)
 *   instead of adding keys under two passphrases.
 *
 * File layout (version 1):
 *   { "format": "platform-keygen/jwk-store", "version": 1,
 *     "protection": "none" | "jwe", "passphraseCheck"?: "<JWE>",
 *     "entries": [ { "name", "metadata", "publicJwk": {…} | null,
 *                    "privateJwk": {…} | "privateJwe": "<JWE>" } ] }
 */
import { readFile } from 'node:fs/promises'
import { alreadyExists, NAME_EMPTY, notFound } from '../apinizer/messages.js'
import { InvalidRequestError, StoreCorruptError, StorePassphraseError } from '../errors.js'
import { wipe } from '../formats/bytes.js'
import { type Jwk, publicJwk } from '../formats/jwk.js'
import { writeFileAtomic } from './atomic.js'
import { DEFAULT_P2C, decryptJson, encryptJson, MAX_P2C, MIN_P2C, passphraseBytes } from './encryption.js'
import { withLock } from './lock.js'

export const STORE_FORMAT = 'platform-keygen/jwk-store'
const CHECK_PLAINTEXT = 'platform-keygen jwk store passphrase check'

export interface JwkStoreOptions {
  /** Encrypt private JWKs at rest (a new store), or the passphrase of an encrypted one. */
  passphrase?: string | Uint8Array
  /** PBES2 iteration count for new JWEs: ≥ 600,000 (the default), ≤ 10,000,000. */
  iterations?: number
  /** How long a writer waits for the lock before ERR_STORE_LOCKED; default 30 s. */
  lockTimeoutMs?: number
  /** A lock left by another host counts as stale after this long; default 60 s. */
  staleLockMs?: number
}

/** What add() takes: generateJwk's result fits as it is. */
export interface JwkStoreInput {
  privateJwk: Jwk
  publicJwk: Jwk | null
  /** At least the name; everything else in it is kept as it is (JSON). */
  metadata: { name: string }
}

/** A stored JWK without its private half (what list() gives). */
export interface JwkStoreEntry {
  name: string
  kid?: string
  metadata: Record<string, unknown>
  publicJwk: Jwk | null
  /** Whether the private JWK is encrypted at rest. */
  encrypted: boolean
}

/** A stored JWK with its private half (what get() gives). */
export interface JwkStoreRecord extends JwkStoreEntry {
  privateJwk: Jwk
}

interface StoredEntry {
  name: string
  metadata: Record<string, unknown>
  publicJwk: Jwk | null
  privateJwk?: Jwk
  privateJwe?: string
}

interface StoreFile {
  format: typeof STORE_FORMAT
  version: 1
  protection: 'none' | 'jwe'
  passphraseCheck?: string
  entries: StoredEntry[]
}

const OPTION_KEYS = ['passphrase', 'iterations', 'lockTimeoutMs', 'staleLockMs']

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

function positiveInteger(v: unknown, what: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
    throw new InvalidRequestError(`${what} must be an integer from ${min} to ${max}`)
  }
  return v
}

function checkJwk(v: unknown, what: string): Jwk {
  if (!isObject(v) || typeof v.kty !== 'string' || v.kty === '') {
    throw new InvalidRequestError(`${what} must be a JWK object with a "kty"`)
  }
  return v as Jwk
}

/** Validates the parsed file; anything unexpected is ERR_STORE_CORRUPT. */
function validateFile(v: unknown, path: string): StoreFile {
  const corrupt = (why: string): never => {
    throw new StoreCorruptError(`the JWK store ${path} is corrupt: ${why}; it was left as it is`, path)
  }
  if (!isObject(v)) return corrupt('not a JSON object')
  if (v.format !== STORE_FORMAT) corrupt(`"format" is not "${STORE_FORMAT}"`)
  if (v.version !== 1) corrupt(`unknown version ${JSON.stringify(v.version)}`)
  if (v.protection !== 'none' && v.protection !== 'jwe') corrupt('"protection" must be "none" or "jwe"')
  if (v.protection === 'jwe' && typeof v.passphraseCheck !== 'string')
    corrupt('an encrypted store needs its "passphraseCheck"')
  if (!Array.isArray(v.entries)) return corrupt('"entries" is not an array')
  const names = new Set<string>()
  for (const [i, e] of v.entries.entries()) {
    if (!isObject(e)) return corrupt(`entry ${i} is not an object`)
    if (typeof e.name !== 'string' || e.name === '') corrupt(`entry ${i} has no name`)
    if (names.has(e.name as string)) corrupt(`the name ${JSON.stringify(e.name)} appears twice`)
    names.add(e.name as string)
    if (!isObject(e.metadata)) corrupt(`entry ${JSON.stringify(e.name)} has no metadata object`)
    if (e.publicJwk !== null && !(isObject(e.publicJwk) && typeof e.publicJwk.kty === 'string')) {
      corrupt(`entry ${JSON.stringify(e.name)} has a malformed publicJwk`)
    }
    const plain = isObject(e.privateJwk) && typeof e.privateJwk.kty === 'string'
    const sealed = typeof e.privateJwe === 'string'
    if (v.protection === 'none' ? !plain || e.privateJwe !== undefined : !sealed || e.privateJwk !== undefined) {
      corrupt(`entry ${JSON.stringify(e.name)} does not hold its private JWK as the store's protection says`)
    }
  }
  return v as unknown as StoreFile
}

/**
 * A copy of a caller's value that is plain JSON (what the store file can
 * hold), or ERR_INVALID_REQUEST: no BigInt, Symbol, function, non-finite
 * number or cycle. Properties whose value is undefined are left out, as
 * JSON.stringify does.
 */
function jsonCopy(value: unknown, what: string, seen: unknown[] = []): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new InvalidRequestError(`${what} must be JSON: ${value} is not a JSON number`)
    return value
  }
  if (typeof value !== 'object') throw new InvalidRequestError(`${what} must be JSON: it holds a ${typeof value}`)
  if (seen.includes(value)) throw new InvalidRequestError(`${what} must be JSON: it refers to itself`)
  const path = [...seen, value]
  if (Array.isArray(value)) return value.map((v, i) => jsonCopy(v, `${what}[${i}]`, path))
  const proto = Object.getPrototypeOf(value)
  if (proto !== Object.prototype && proto !== null) {
    throw new InvalidRequestError(`${what} must be JSON: it holds a ${proto?.constructor?.name ?? 'non-plain'} object`)
  }
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) {
    if (v !== undefined) out[k] = jsonCopy(v, `${what}.${k}`, path)
  }
  return out
}

export class JwkStore {
  /** The store file. */
  readonly path: string
  readonly #lockPath: string
  readonly #iterations: number
  readonly #lockTimeoutMs: number
  readonly #staleLockMs: number
  #passphrase: Uint8Array | undefined
  /** The passphraseCheck JWE already verified with #passphrase. */
  #verifiedCheck: string | undefined

  constructor(path: string, options: JwkStoreOptions = {}) {
    if (typeof path !== 'string' || path === '')
      throw new InvalidRequestError('the JWK store path must be a non-empty string')
    if (!isObject(options)) throw new InvalidRequestError('JwkStore options must be an object')
    for (const k of Object.keys(options)) {
      if (!OPTION_KEYS.includes(k)) throw new InvalidRequestError(`unknown JwkStore option "${k}"`)
    }
    this.path = path
    this.#lockPath = `${path}.lock`
    this.#iterations =
      options.iterations === undefined
        ? DEFAULT_P2C
        : positiveInteger(options.iterations, 'iterations', MIN_P2C, MAX_P2C)
    this.#lockTimeoutMs =
      options.lockTimeoutMs === undefined
        ? 30_000
        : positiveInteger(options.lockTimeoutMs, 'lockTimeoutMs', 0, 2 ** 31 - 1)
    this.#staleLockMs =
      options.staleLockMs === undefined ? 60_000 : positiveInteger(options.staleLockMs, 'staleLockMs', 1, 2 ** 31 - 1)
    if (options.passphrase !== undefined) this.#passphrase = passphraseBytes(options.passphrase)
  }

  /** The file's content, validated; an empty store if it does not exist yet. */
  async #read(): Promise<StoreFile | undefined> {
    let text: string
    try {
      text = await readFile(this.path, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw err
    }
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch (err) {
      throw new StoreCorruptError(
        `the JWK store ${this.path} is corrupt: not valid JSON; it was left as it is`,
        this.path,
        { cause: err },
      )
    }
    return validateFile(parsed, this.path)
  }

  async #entries(): Promise<StoredEntry[]> {
    return (await this.#read())?.entries ?? []
  }

  #requirePassphrase(): Uint8Array {
    if (!this.#passphrase) {
      throw new StorePassphraseError(
        `the JWK store ${this.path} encrypts its private keys: open it with the passphrase`,
      )
    }
    return this.#passphrase
  }

  /** Verifies the passphrase against the file's check JWE (once per check value). */
  async #verify(check: string): Promise<void> {
    if (this.#verifiedCheck === check) return
    const value = await decryptJson(check, this.#requirePassphrase(), this.path, 'the passphrase check')
    if (value !== CHECK_PLAINTEXT) {
      throw new StoreCorruptError(`the JWK store ${this.path} is corrupt: a foreign passphrase check`, this.path)
    }
    this.#verifiedCheck = check
  }

  /** Read-modify-write under the lock; `change` returns the new file (or throws, leaving it untouched). */
  async #update(change: (file: StoreFile) => StoreFile | Promise<StoreFile>): Promise<void> {
    // Slow PBKDF2 work happens before the lock when it can.
    const before = await this.#read()
    let freshCheck: string | undefined
    if (this.#passphrase) {
      if (before?.protection === 'none') {
        throw new StorePassphraseError(
          `the JWK store ${this.path} keeps private keys unencrypted; open it without a passphrase`,
        )
      }
      if (before?.passphraseCheck) await this.#verify(before.passphraseCheck)
      else freshCheck = await encryptJson(CHECK_PLAINTEXT, this.#passphrase, this.#iterations, 'text/plain')
    }
    await withLock(this.#lockPath, { timeoutMs: this.#lockTimeoutMs, staleMs: this.#staleLockMs }, async () => {
      let file = await this.#read()
      if (!file) {
        file = { format: STORE_FORMAT, version: 1, protection: this.#passphrase ? 'jwe' : 'none', entries: [] }
        if (this.#passphrase) {
          freshCheck ??= await encryptJson(CHECK_PLAINTEXT, this.#passphrase, this.#iterations, 'text/plain')
          file.passphraseCheck = freshCheck
          this.#verifiedCheck = freshCheck
        }
      } else if (file.protection === 'jwe') {
        await this.#verify(file.passphraseCheck as string)
      } else if (this.#passphrase) {
        throw new StorePassphraseError(
          `the JWK store ${this.path} keeps private keys unencrypted; open it without a passphrase`,
        )
      }
      const next = await change(file)
      await writeFileAtomic(this.path, `${JSON.stringify(next, null, 2)}\n`)
    })
  }

  /**
   * Adds a JWK (generateJwk's result fits). Refuses a name the store has
   * (Apinizer's "is already exist!" message) and a kid another key has.
   */
  async add(input: JwkStoreInput): Promise<void> {
    if (!isObject(input)) throw new InvalidRequestError('add() takes { privateJwk, publicJwk, metadata }')
    const metadata = input.metadata
    if (!isObject(metadata)) throw new InvalidRequestError('add() needs the metadata object, with the name')
    const name = metadata.name
    if (typeof name !== 'string' || name.trim() === '') throw new InvalidRequestError(NAME_EMPTY)
    const privateJwk = checkJwk(input.privateJwk, 'privateJwk')
    const publicJwkIn = input.publicJwk === null ? null : checkJwk(input.publicJwk, 'publicJwk')
    const kid = typeof privateJwk.kid === 'string' ? privateJwk.kid : undefined
    const entry: StoredEntry = {
      name,
      metadata: jsonCopy(metadata, 'metadata') as Record<string, unknown>,
      publicJwk: publicJwkIn ? publicJwk(jsonCopy(publicJwkIn, 'publicJwk') as Jwk) : null,
    }
    // The kid stays visible (for uniqueness and list()) even when the private JWK is sealed.
    if (kid !== undefined && entry.metadata.kid === undefined) entry.metadata.kid = kid
    // The private half: a JWE made before taking the lock (PBKDF2 is slow on purpose).
    if (this.#passphrase) {
      const read = await this.#read()
      if (read?.passphraseCheck) await this.#verify(read.passphraseCheck)
      if (read?.entries.some((e) => e.name === name)) throw new InvalidRequestError(alreadyExists(name))
      entry.privateJwe = await encryptJson(privateJwk, this.#passphrase, this.#iterations, 'jwk+json')
    } else {
      entry.privateJwk = jsonCopy(privateJwk, 'privateJwk') as typeof privateJwk
    }
    await this.#update((file) => {
      if (file.entries.some((e) => e.name === name)) throw new InvalidRequestError(alreadyExists(name))
      if (kid !== undefined) {
        const other = file.entries.find((e) => entryKid(e) === kid)
        if (other) {
          throw new InvalidRequestError(
            `kid ${JSON.stringify(kid)} is already used by JWK (name: ${other.name}); kids in a JWK set must differ`,
          )
        }
      }
      return { ...file, entries: [...file.entries, entry] }
    })
  }

  /**
   * Creates the store file, empty (encrypted if the store was opened with a passphrase), unless
   * it exists; an existing one is validated and left as it is. (add() creates it too.)
   */
  async create(): Promise<void> {
    if (await this.#read()) return
    await this.#update((file) => file)
  }

  /** Whether the store has a JWK of this name. */
  async has(name: string): Promise<boolean> {
    return (await this.#entries()).some((e) => e.name === name)
  }

  /** Every JWK without its private half (no passphrase needed). */
  async list(): Promise<JwkStoreEntry[]> {
    return (await this.#entries()).map(toEntry)
  }

  /** One JWK with its private half (decrypted with the passphrase if the store is encrypted). */
  async get(name: string): Promise<JwkStoreRecord> {
    const file = await this.#read()
    const e = file?.entries.find((x) => x.name === name)
    if (!file || !e) throw new InvalidRequestError(notFound(String(name)))
    let privateJwk: Jwk
    if (e.privateJwe !== undefined) {
      await this.#verify(file.passphraseCheck as string)
      const value = await decryptJson(e.privateJwe, this.#requirePassphrase(), this.path, `the private JWK of ${name}`)
      privateJwk = checkJwk(value, 'the decrypted private JWK')
    } else {
      privateJwk = e.privateJwk as Jwk
    }
    return { ...toEntry(e), privateJwk }
  }

  /** Removes a JWK; an unknown name is Apinizer's "is not found!" error. */
  async remove(name: string): Promise<void> {
    await this.#update((file) => {
      if (!file.entries.some((e) => e.name === name)) throw new InvalidRequestError(notFound(String(name)))
      return { ...file, entries: file.entries.filter((e) => e.name !== name) }
    })
  }

  /** The public JWK set, `{ keys }`, private members stripped; OCT keys have no public half and are left out. */
  async publicJwks(): Promise<{ keys: Jwk[] }> {
    const keys: Jwk[] = []
    for (const e of await this.#entries()) if (e.publicJwk) keys.push(publicJwk(e.publicJwk))
    return { keys }
  }

  /** Wipes this instance's copy of the passphrase; later private access needs a new JwkStore. */
  close(): void {
    wipe(this.#passphrase)
    this.#passphrase = undefined
    this.#verifiedCheck = undefined
  }

  [Symbol.dispose](): void {
    this.close()
  }
}

function entryKid(e: StoredEntry): string | undefined {
  const kid = e.publicJwk?.kid ?? e.metadata.kid ?? e.privateJwk?.kid
  return typeof kid === 'string' ? kid : undefined
}

function toEntry(e: StoredEntry): JwkStoreEntry {
  const out: JwkStoreEntry = {
    name: e.name,
    metadata: structuredClone(e.metadata),
    publicJwk: e.publicJwk ? publicJwk(e.publicJwk) : null,
    encrypted: e.privateJwe !== undefined,
  }
  const kid = entryKid(e)
  if (kid !== undefined) out.kid = kid
  return out
}
