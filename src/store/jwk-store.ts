/**
 * JwkStore: a set of named JWKs kept in one JSON file.
 *
 * - add (names unique, Apinizer's message; kids unique too, RFC 7517 §4.5),
 *   get, has, list, remove, and publicJwks() — `{ keys: [...] }` with every
 *   private member stripped, ready to serve as jwks.json (OCT keys, having
 *   no public half, are left out). add() refuses a private JWK that is not a
 *   valid key or whose public part is not the given public JWK.
 * - Writes are atomic (temp file in the same directory, fsync, rename, fsync
 *   of the directory) and the file is 0600. Writers take a cross-process
 *   lock (see lock.ts) around read-modify-write, so concurrent writers from
 *   several processes lose nothing. Reads need no lock: a rename is atomic.
 *   A symlinked store path is resolved once (realpath): the temp files and
 *   the lock are next to the real file, which stays the store.
 * - A file that is not a valid store is reported (ERR_STORE_CORRUPT) and
 *   never overwritten: every write starts by reading and validating it.
 * - With a passphrase, private JWKs are stored as JWEs (encryption.ts);
 *   names, metadata and public JWKs stay readable without it. A store is
 *   created encrypted or not by its first write and stays so; a check JWE in
 *   the file makes a wrong passphrase fail at once (ERR_STORE_PASSPHRASE)
 *   instead of adding keys under two passphrases.
 * - Integrity of an encrypted store (version 2): someone who can write the
 *   file but has no passphrase can change nothing undetected by a reader
 *   that has the passphrase —
 *   * the check JWE's plaintext holds a random 256-bit MAC key, so the MAC
 *     key is reachable only through the passphrase (no second PBKDF2 run);
 *   * "mac" is HMAC-SHA-256 under that key over the canonical JSON (keys
 *     sorted, no spaces) of every other member of the file: names,
 *     metadata, public JWKs and the JWEs. Every operation of a store opened
 *     with the passphrase verifies it (ERR_STORE_CORRUPT when it fails);
 *   * each private JWE's protected header (AES-GCM's additional data) names
 *     its entry ("pkg-entry") and the RFC 7638 SHA-256 thumbprint of the
 *     entry's public JWK ("pkg-jkt", absent for OCT), checked on decrypt;
 *   * the decrypted private JWK must be a valid key whose public part is the
 *     entry's publicJwk;
 *   * a store opened with a passphrase refuses unencrypted content.
 *   Without the passphrase nothing can be verified: list() and publicJwks()
 *   of an encrypted store opened without one are unauthenticated.
 *   An encrypted store of version 1 (before the MAC) is refused with
 *   ERR_STORE_CORRUPT naming the version: re-create it.
 *
 * File layout:
 *   { "format": "platform-keygen/jwk-store",
 *     "version": 1, "protection": "none",
 *     "entries": [ { "name", "metadata", "publicJwk": {…} | null, "privateJwk": {…} } ] }
 *   { "format": "platform-keygen/jwk-store",
 *     "version": 2, "protection": "jwe",
 *     "passphraseCheck": "<JWE, cty application/json: {check, macKey}>",
 *     "entries": [ { "name", "metadata", "publicJwk": {…} | null, "privateJwe": "<JWE>" } ],
 *     "mac": "<base64url HMAC-SHA-256>" }
 *   Every JWE is compact, PBES2-HS512+A256KW / A256GCM with p2c (600,000 to
 *   10,000,000) and a 16-byte p2s in its protected header (see encryption.ts);
 *   a private JWE's cty is "jwk+json" and it carries "pkg-entry" / "pkg-jkt".
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import { lstat, readFile, realpath } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { InvalidKeyError, InvalidRequestError, StoreCorruptError, StorePassphraseError } from '../errors.js'
import { b64url, fromB64url, wipe } from '../formats/bytes.js'
import { type Jwk, jwkToMaterial, publicJwk } from '../formats/jwk.js'
import { jwkThumbprint } from '../formats/thumbprint.js'
import { samePublicKey, validateMaterial } from '../formats/validate.js'
import { removeDeadTemps, writeFileAtomic } from '../fs/atomic.js'
import { randomBytes } from '../random.js'
import {
  checkJweHeader,
  DEFAULT_P2C,
  decryptJson,
  encryptJson,
  type JweBinding,
  MAX_P2C,
  MIN_P2C,
  passphraseBytes,
} from './encryption.js'
import { withLock } from './lock.js'
import { alreadyExists, NAME_EMPTY, notFound } from './messages.js'

export const STORE_FORMAT = 'platform-keygen/jwk-store'
const CHECK_PLAINTEXT = 'platform-keygen jwk store passphrase check'
const MAC_KEY_BYTES = 32

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
  version: 1 | 2
  protection: 'none' | 'jwe'
  passphraseCheck?: string
  entries: StoredEntry[]
  mac?: string
}

/** JSON with object keys sorted and no whitespace: the bytes the MAC covers. */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`
  if (isObject(v)) {
    const keys = Object.keys(v)
      .filter((k) => v[k] !== undefined)
      .sort()
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`).join(',')}}`
  }
  return JSON.stringify(v)
}

/** HMAC-SHA-256 of everything in the file but the MAC itself. */
function fileMac(file: StoreFile, macKey: Uint8Array): string {
  const { mac: _mac, ...covered } = file
  return createHmac('sha256', macKey).update(canonicalJson(covered)).digest('base64url')
}

/** Where an entry's private JWE belongs: its name and its public key's thumbprint. */
function bindingOf(e: { name: string; publicJwk: Jwk | null }): JweBinding {
  const binding: JweBinding = { entry: e.name }
  if (e.publicJwk) binding.jkt = jwkThumbprint(e.publicJwk)
  return binding
}

/**
 * Why a private JWK is not fit for the store next to `pub`, or undefined: it
 * must be a valid key and the private half of `pub` (null for OCT keys).
 * `malformed` marks a JWK that does not even read (ERR_INVALID_REQUEST from
 * jwkToMaterial) rather than an invalid key.
 */
function pairProblem(priv: Jwk, pub: Jwk | null): { why: string; cause?: unknown; malformed?: true } | undefined {
  if (priv.kty === 'oct')
    return pub === null ? undefined : { why: 'an OCT key has no public JWK (publicJwk must be null)' }
  try {
    validateMaterial(jwkToMaterial(priv))
  } catch (cause) {
    const problem = { why: `the private JWK is not a valid key (${(cause as Error).message})`, cause }
    return cause instanceof InvalidRequestError ? { ...problem, malformed: true } : problem
  }
  if (pub !== null && !samePublicKey(priv, pub))
    return { why: 'the public JWK is not the public half of the private JWK' }
  return undefined
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
async function validateFile(v: unknown, path: string): Promise<StoreFile> {
  const corrupt = (why: string): never => {
    throw new StoreCorruptError(`the JWK store ${path} is corrupt: ${why}; it was left as it is`, path)
  }
  if (!isObject(v)) return corrupt('not a JSON object')
  if (v.format !== STORE_FORMAT) corrupt(`"format" is not "${STORE_FORMAT}"`)
  if (v.version !== 1 && v.version !== 2) corrupt(`unknown version ${JSON.stringify(v.version)}`)
  if (v.protection !== 'none' && v.protection !== 'jwe') corrupt('"protection" must be "none" or "jwe"')
  if (v.protection === 'jwe' && typeof v.passphraseCheck !== 'string')
    corrupt('an encrypted store needs its "passphraseCheck"')
  if (v.protection === 'jwe' && v.version === 1) {
    corrupt(
      'it is an encrypted store of format version 1, which has no integrity protection; ' +
        're-create it (get each key with the version that made it, add it to a new store)',
    )
  }
  if (v.protection === 'jwe' ? typeof v.mac !== 'string' : v.mac !== undefined || v.version !== 1) {
    corrupt('an encrypted store is version 2 with a "mac"; an unencrypted one is version 1 without one')
  }
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
  // The JWEs' headers (work factor, binding) are checked before any PBKDF2 work.
  const file = v as unknown as StoreFile
  if (file.protection === 'jwe') {
    await checkJweHeader(file.passphraseCheck as string, path, 'the passphrase check', {})
    for (const e of file.entries) {
      let binding: JweBinding
      try {
        binding = bindingOf(e)
      } catch (err) {
        throw new StoreCorruptError(
          `the JWK store ${path} is corrupt: entry ${JSON.stringify(e.name)}'s public JWK has no thumbprint`,
          path,
          { cause: err },
        )
      }
      await checkJweHeader(e.privateJwe as string, path, `the private JWK of ${e.name}`, binding)
    }
  }
  return file
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
  readonly #iterations: number
  readonly #lockTimeoutMs: number
  readonly #staleLockMs: number
  #passphrase: Uint8Array | undefined
  /** The real path of the store file (symlinks resolved), found on first use. */
  #realPath: string | undefined
  /** The passphraseCheck JWE already verified with #passphrase, and the MAC key it holds. */
  #verifiedCheck: string | undefined
  #macKey: Uint8Array | undefined

  constructor(path: string, options: JwkStoreOptions = {}) {
    if (typeof path !== 'string' || path === '')
      throw new InvalidRequestError('the JWK store path must be a non-empty string')
    if (!isObject(options)) throw new InvalidRequestError('JwkStore options must be an object')
    for (const k of Object.keys(options)) {
      if (!OPTION_KEYS.includes(k)) throw new InvalidRequestError(`unknown JwkStore option "${k}"`)
    }
    this.path = path
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

  /**
   * The store's real path, resolved once: a symlinked store path stays a
   * symlink, the file it points to is the store, and the temp files and the
   * lock are next to that file, so writers using either path share one lock.
   * A dangling symlink is refused (writing would replace it).
   */
  async #file(): Promise<string> {
    if (this.#realPath !== undefined) return this.#realPath
    let real: string
    try {
      real = await realpath(this.path)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
      const link = await lstat(this.path).catch(() => undefined)
      if (link?.isSymbolicLink()) {
        throw new InvalidRequestError(`the JWK store path ${this.path} is a symlink to a missing file`)
      }
      // A new store: the directory's real path, and the name (a missing directory: nothing to resolve yet).
      const dir = await realpath(dirname(this.path)).catch(() => undefined)
      if (dir === undefined) return this.path
      real = join(dir, basename(this.path))
    }
    this.#realPath = real
    return real
  }

  /** The file's content, validated (and, with a passphrase, authenticated); undefined if it does not exist yet. */
  async #read(): Promise<StoreFile | undefined> {
    let text: string
    try {
      text = await readFile(await this.#file(), 'utf8')
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
    const file = await validateFile(parsed, this.path)
    if (this.#passphrase) await this.#authenticate(file)
    return file
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

  /** With a passphrase: the file must be encrypted, its check must open, its MAC must match. */
  async #authenticate(file: StoreFile): Promise<void> {
    if (file.protection === 'none') {
      throw new StorePassphraseError(
        `the JWK store ${this.path} keeps private keys unencrypted; open it without a passphrase ` +
          '(if it was made encrypted, someone replaced it)',
      )
    }
    const macKey = await this.#verify(file.passphraseCheck as string)
    const expected = Buffer.from(fileMac(file, macKey), 'base64url')
    const given = fromB64url(file.mac as string)
    if (!given || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new StoreCorruptError(
        `the JWK store ${this.path} was tampered with: its MAC does not match its content; it was left as it is`,
        this.path,
      )
    }
  }

  /** Verifies the passphrase against the file's check JWE (once per check value); gives the MAC key it holds. */
  async #verify(check: string): Promise<Uint8Array> {
    if (this.#verifiedCheck === check && this.#macKey) return this.#macKey
    const value = await decryptJson(check, this.#requirePassphrase(), this.path, 'the passphrase check')
    const macKey = isObject(value) && value.check === CHECK_PLAINTEXT ? fromB64url(value.macKey as string) : undefined
    if (!macKey || macKey.length !== MAC_KEY_BYTES) {
      throw new StoreCorruptError(`the JWK store ${this.path} is corrupt: a foreign passphrase check`, this.path)
    }
    wipe(this.#macKey)
    this.#macKey = macKey
    this.#verifiedCheck = check
    return macKey
  }

  /** A new check JWE holding a new MAC key (for a new encrypted store). */
  async #newCheck(passphrase: Uint8Array): Promise<{ check: string; macKey: Uint8Array }> {
    const macKey = randomBytes(MAC_KEY_BYTES)
    const value = { check: CHECK_PLAINTEXT, macKey: b64url(macKey) }
    const check = await encryptJson(value, passphrase, this.#iterations, 'application/json')
    return { check, macKey }
  }

  /** Read-modify-write under the lock; `change` returns the new file (or throws, leaving it untouched). */
  async #update(change: (file: StoreFile) => StoreFile | Promise<StoreFile>): Promise<void> {
    // Slow PBKDF2 work happens before the lock when it can (#read verifies the check once).
    const before = await this.#read()
    let fresh: { check: string; macKey: Uint8Array } | undefined
    if (this.#passphrase && !before) fresh = await this.#newCheck(this.#passphrase)
    const path = await this.#file()
    await withLock(`${path}.lock`, { timeoutMs: this.#lockTimeoutMs, staleMs: this.#staleLockMs }, async () => {
      // A writer killed mid-write (SIGKILL) left a full copy of the store in a temp file: remove it.
      removeDeadTemps(path, ['tmp'])
      removeDeadTemps(`${path}.lock`, ['new'])
      removeDeadTemps(`${path}.lock.break`, ['new'])
      let file = await this.#read()
      if (!file) {
        if (this.#passphrase) {
          fresh ??= await this.#newCheck(this.#passphrase)
          file = { format: STORE_FORMAT, version: 2, protection: 'jwe', passphraseCheck: fresh.check, entries: [] }
          wipe(this.#macKey)
          this.#verifiedCheck = fresh.check
          this.#macKey = fresh.macKey
        } else {
          file = { format: STORE_FORMAT, version: 1, protection: 'none', entries: [] }
        }
      }
      if (file.protection === 'jwe') this.#requirePassphrase()
      const next = await change(file)
      if (next.protection === 'jwe') {
        const { mac: _mac, ...rest } = next
        const macKey = await this.#verify(next.passphraseCheck as string)
        await writeFileAtomic(path, `${JSON.stringify({ ...rest, mac: fileMac(rest, macKey) }, null, 2)}\n`)
      } else {
        await writeFileAtomic(path, `${JSON.stringify(next, null, 2)}\n`)
      }
    })
  }

  /**
   * Adds a JWK (generateJwk's result fits). Refuses a name the store has
   * (Apinizer's "is already exist!" message), a kid another key has, and a
   * private JWK that is not a valid key or not the private half of publicJwk
   * (ERR_INVALID_KEY).
   */
  async add(input: JwkStoreInput): Promise<void> {
    const { entry, name, kid } = await this.#prepare(input, true)
    await this.#update((file) => {
      if (file.entries.some((e) => e.name === name)) throw new InvalidRequestError(alreadyExists(name))
      checkKidFree(file, kid)
      return { ...file, entries: [...file.entries, entry] }
    })
  }

  /**
   * Rotation in one atomic write: the key `name` becomes `next` (under the
   * same name), and the old key stays as `retiredName` (its metadata gains
   * `retiredAt`), so publicJwks() keeps serving it until its exp. Needs the
   * passphrase of an encrypted store (the old key is sealed anew under its
   * new name).
   */
  async rotate(name: string, next: JwkStoreInput, retiredName: string): Promise<void> {
    const old = await this.get(name)
    if (next?.metadata?.name !== name) throw new InvalidRequestError('rotate(): the new key must have the same name')
    const retired = await this.#prepare(
      {
        privateJwk: old.privateJwk,
        publicJwk: old.publicJwk,
        metadata: { ...old.metadata, name: retiredName, retiredAt: new Date().toISOString() } as { name: string },
      },
      true,
    )
    const fresh = await this.#prepare(next, false)
    await this.#update((file) => {
      const current = file.entries.find((e) => e.name === name)
      if (!current || entryKid(current) !== old.kid) {
        throw new InvalidRequestError(`${name} changed while it was being rotated: run the rotation again`)
      }
      if (file.entries.some((e) => e.name === retiredName)) throw new InvalidRequestError(alreadyExists(retiredName))
      const others = file.entries.filter((e) => e.name !== name)
      checkKidFree({ ...file, entries: others }, fresh.kid)
      return { ...file, entries: [...others, retired.entry, fresh.entry] }
    })
  }

  /** Checks and copies an input into a stored entry (its private half sealed when the store is encrypted). */
  async #prepare(
    input: JwkStoreInput,
    refuseTakenName: boolean,
  ): Promise<{ entry: StoredEntry; name: string; kid: string | undefined }> {
    if (!isObject(input)) throw new InvalidRequestError('add() takes { privateJwk, publicJwk, metadata }')
    const metadata = input.metadata
    if (!isObject(metadata)) throw new InvalidRequestError('add() needs the metadata object, with the name')
    const name = metadata.name
    if (typeof name !== 'string' || name.trim() === '') throw new InvalidRequestError(NAME_EMPTY)
    const privateJwk = jsonCopy(checkJwk(input.privateJwk, 'privateJwk'), 'privateJwk') as Jwk
    const publicJwkIn = input.publicJwk === null ? null : checkJwk(input.publicJwk, 'publicJwk')
    const kid = typeof privateJwk.kid === 'string' ? privateJwk.kid : undefined
    const entry: StoredEntry = {
      name,
      metadata: jsonCopy(metadata, 'metadata') as Record<string, unknown>,
      publicJwk: publicJwkIn ? publicJwk(jsonCopy(publicJwkIn, 'publicJwk') as Jwk) : null,
    }
    const problem = pairProblem(privateJwk, entry.publicJwk)
    if (problem?.malformed) throw problem.cause
    if (problem) throw new InvalidKeyError(`add(): ${problem.why}`, { cause: problem.cause })
    // A secret's thumbprint is a hash of the secret: never kept in the plaintext metadata (the
    // CLI's rule for printing thumbprints, applied to the file).
    if (privateJwk.kty === 'oct') delete entry.metadata.thumbprint
    // The kid stays visible (for uniqueness and list()) even when the private JWK is sealed.
    if (kid !== undefined && entry.metadata.kid === undefined) entry.metadata.kid = kid
    // The private half: a JWE made before taking the lock (PBKDF2 is slow on purpose).
    if (this.#passphrase) {
      const read = await this.#read()
      if (refuseTakenName && read?.entries.some((e) => e.name === name)) {
        throw new InvalidRequestError(alreadyExists(name))
      }
      entry.privateJwe = await encryptJson(privateJwk, this.#passphrase, this.#iterations, 'jwk+json', bindingOf(entry))
    } else {
      entry.privateJwk = privateJwk
    }
    return { entry, name, kid }
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

  /** Every JWK without its private half (authenticated when opened with the passphrase). */
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
      const what = `the private JWK of ${name}`
      const value = await decryptJson(e.privateJwe, this.#requirePassphrase(), this.path, what, bindingOf(e))
      privateJwk = checkJwk(value, 'the decrypted private JWK')
      const problem = pairProblem(privateJwk, e.publicJwk)
      if (problem) {
        const message = `the JWK store ${this.path} was tampered with: ${name}: ${problem.why}`
        throw new StoreCorruptError(message, this.path, { cause: problem.cause })
      }
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

  /**
   * The public JWK set, `{ keys }`, private members stripped; OCT keys have
   * no public half and are left out. Authenticated (the file's MAC) only when
   * the store was opened with its passphrase.
   */
  async publicJwks(options: { includeExpired?: boolean; now?: Date } = {}): Promise<{ keys: Jwk[] }> {
    if (!isObject(options)) throw new InvalidRequestError('publicJwks() options must be an object')
    const now = options.now ?? new Date()
    if (!(now instanceof Date) || Number.isNaN(now.getTime()))
      throw new InvalidRequestError('"now" must be a valid Date')
    const keys: Jwk[] = []
    for (const e of await this.#entries()) {
      if (!e.publicJwk) continue
      if (options.includeExpired !== true && validity(e, now) !== 'valid') continue
      keys.push(publicJwk(e.publicJwk))
    }
    return { keys }
  }

  /** Wipes this instance's copy of the passphrase and MAC key; later private access needs a new JwkStore. */
  close(): void {
    wipe(this.#passphrase, this.#macKey)
    this.#passphrase = undefined
    this.#macKey = undefined
    this.#verifiedCheck = undefined
  }

  [Symbol.dispose](): void {
    this.close()
  }
}

function checkKidFree(file: StoreFile, kid: string | undefined): void {
  if (kid === undefined) return
  const other = file.entries.find((e) => entryKid(e) === kid)
  if (other) {
    throw new InvalidRequestError(
      `kid ${JSON.stringify(kid)} is already used by JWK (name: ${other.name}); kids in a JWK set must differ`,
    )
  }
}

/** Whether a key is in its validity window: its JWK's (or metadata's) nbf ≤ now < exp, in seconds. */
export function validity(
  e: { publicJwk: Jwk | null; metadata: Record<string, unknown> },
  now: Date,
): 'valid' | 'expired' | 'not-yet-valid' {
  const seconds = (k: 'nbf' | 'exp'): number | undefined => {
    const v = e.publicJwk?.[k] ?? e.metadata[k]
    return typeof v === 'number' && Number.isFinite(v) ? v : undefined
  }
  const t = now.getTime() / 1000
  const nbf = seconds('nbf')
  const exp = seconds('exp')
  if (exp !== undefined && t >= exp) return 'expired'
  if (nbf !== undefined && t < nbf) return 'not-yet-valid'
  return 'valid'
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
