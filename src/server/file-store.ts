/**
 * The embedded store: everything under one data directory (0700).
 *
 *   DIR/tokens.json                 { format, version, tokens: [TokenRecord] }   (hashes only)
 *   DIR/projects/<p>/project.json   { name, environments, createdAt }
 *   DIR/projects/<p>/jwks.json      a JwkStore, private JWKs encrypted with the server passphrase
 *
 * tokens.json and project.json are replaced atomically under a cross-process
 * lock (the JwkStore's own helpers), so `serve token create` may run while a
 * server reads them; the JWK sets are JwkStores, used through their public
 * API only, one instance per project (the passphrase check is verified once).
 */
import { mkdir, readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { StoreCorruptError } from '../errors.js'
import { wipe } from '../formats/bytes.js'
import { writeFileAtomic } from '../store/atomic.js'
import { JwkStore } from '../store/index.js'
import { withLock } from '../store/lock.js'
import {
  checkName,
  DEFAULT_ENVIRONMENT,
  matchToken,
  nameProblem,
  newToken,
  type ProjectKeys,
  type ProjectRecord,
  type Role,
  type ServiceStore,
  type TokenRecord,
} from './model.js'

const TOKENS_FORMAT = 'platform-keygen/serve-tokens'
const LOCK = { timeoutMs: 30_000, staleMs: 60_000 }

async function readJsonFile(path: string): Promise<unknown | undefined> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
  try {
    return JSON.parse(text)
  } catch (err) {
    throw new StoreCorruptError(`${path} is not valid JSON; it was left as it is`, path, { cause: err })
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

function validProject(v: unknown, path: string): ProjectRecord {
  if (!isObject(v) || typeof v.name !== 'string' || !Array.isArray(v.environments) || typeof v.createdAt !== 'string') {
    throw new StoreCorruptError(`${path} is not a project file; it was left as it is`, path)
  }
  return v as unknown as ProjectRecord
}

function validTokens(v: unknown, path: string): TokenRecord[] {
  if (v === undefined) return []
  if (!isObject(v) || v.format !== TOKENS_FORMAT || v.version !== 1 || !Array.isArray(v.tokens)) {
    throw new StoreCorruptError(`${path} is not a token file; it was left as it is`, path)
  }
  return v.tokens as TokenRecord[]
}

export interface FileStoreOptions {
  dataDir: string
  /** The server passphrase that encrypts private JWKs at rest (not needed to manage tokens). */
  passphrase?: string | Uint8Array
  /** PBES2 iterations of the JwkStores (default JwkStore's 600,000). */
  iterations?: number
}

export class FileServiceStore implements ServiceStore {
  readonly kind = 'file'
  readonly #dir: string
  #passphrase: Uint8Array | undefined
  readonly #iterations: number | undefined
  readonly #stores = new Map<string, JwkStore>()

  constructor(options: FileStoreOptions) {
    this.#dir = options.dataDir
    this.#iterations = options.iterations
    if (options.passphrase !== undefined) {
      this.#passphrase =
        typeof options.passphrase === 'string'
          ? new TextEncoder().encode(options.passphrase)
          : Uint8Array.from(options.passphrase)
    }
  }

  /**
   * Creates the data directory (0700) if needed. With a passphrase, opens one
   * private JWK of every project that has one, so that a wrong passphrase is
   * refused now (ERR_STORE_PASSPHRASE), not at the first request.
   */
  async open(): Promise<this> {
    const projects = join(this.#dir, 'projects')
    await mkdir(projects, { recursive: true, mode: 0o700 })
    if (this.#passphrase) {
      for (const name of await readdir(projects)) {
        if (nameProblem(name, 'project') !== undefined) continue
        const keys = this.keys(name)
        const [first] = await keys.list()
        if (first) await keys.get(first.name)
      }
    }
    return this
  }

  get #tokensPath(): string {
    return join(this.#dir, 'tokens.json')
  }

  #projectDir(name: string): string {
    return join(this.#dir, 'projects', checkName(name, 'project'))
  }

  async findToken(token: string): Promise<TokenRecord | undefined> {
    return matchToken(token, validTokens(await readJsonFile(this.#tokensPath), this.#tokensPath))
  }

  async createToken(project: string, roles: Role[]): Promise<{ token: string; record: TokenRecord }> {
    await this.#ensureProject(project)
    const { token, sha256, id } = newToken()
    const record: TokenRecord = { id, sha256, project, roles, createdAt: new Date().toISOString() }
    const path = this.#tokensPath
    await withLock(`${path}.lock`, LOCK, async () => {
      const tokens = validTokens(await readJsonFile(path), path)
      const next = { format: TOKENS_FORMAT, version: 1, tokens: [...tokens, record] }
      await writeFileAtomic(path, `${JSON.stringify(next, null, 2)}\n`)
    })
    return { token, record }
  }

  async getProject(name: string): Promise<ProjectRecord | undefined> {
    const path = join(this.#projectDir(name), 'project.json')
    const v = await readJsonFile(path)
    return v === undefined ? undefined : validProject(v, path)
  }

  async #ensureProject(name: string, environment?: string): Promise<ProjectRecord> {
    const dir = this.#projectDir(name)
    await mkdir(dir, { recursive: true, mode: 0o700 })
    const path = join(dir, 'project.json')
    return withLock(`${path}.lock`, LOCK, async () => {
      const v = await readJsonFile(path)
      const current: ProjectRecord =
        v === undefined
          ? { name, environments: [DEFAULT_ENVIRONMENT], createdAt: new Date().toISOString() }
          : validProject(v, path)
      const next =
        environment === undefined || current.environments.includes(environment)
          ? current
          : { ...current, environments: [...current.environments, environment] }
      if (v === undefined || next !== current) await writeFileAtomic(path, `${JSON.stringify(next, null, 2)}\n`)
      return next
    })
  }

  async addEnvironment(project: string, environment: string): Promise<ProjectRecord> {
    return this.#ensureProject(project, checkName(environment, 'environment'))
  }

  keys(project: string): ProjectKeys {
    let store = this.#stores.get(project)
    if (!store) {
      // Two server processes may share the directory; a writer waits its turn rather than fail.
      const options: ConstructorParameters<typeof JwkStore>[1] = { lockTimeoutMs: 120_000 }
      if (this.#passphrase) options.passphrase = this.#passphrase
      if (this.#iterations !== undefined) options.iterations = this.#iterations
      store = new JwkStore(join(this.#projectDir(project), 'jwks.json'), options)
      this.#stores.set(project, store)
    }
    return store
  }

  async close(): Promise<void> {
    for (const s of this.#stores.values()) s.close()
    this.#stores.clear()
    wipe(this.#passphrase)
    this.#passphrase = undefined
  }
}
