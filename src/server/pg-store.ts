/**
 * The PostgreSQL store (`--database postgres://...`, the `pg` package): the
 * same model as the file store, so several server processes behind a load
 * balancer serve one truth.
 *
 *   pk_meta          key → value: the passphrase check (a JWE of a known text)
 *   pk_projects      name, created_at
 *   pk_environments  (project, name), seq: the order they were added
 *   pk_tokens        id, sha256 (UNIQUE), project, roles, created_at — never the token
 *   pk_jwks          (project, name) PRIMARY KEY, UNIQUE (project, kid), metadata, public_jwk,
 *                    private_jwe: the private JWK sealed like JwkStore's (PBES2-HS512+A256KW, A256GCM)
 *
 * Name uniqueness is the primary key: of two concurrent inserts of one name,
 * from any processes, PostgreSQL lets exactly one commit; the other gets
 * unique_violation, answered with Apinizer's "is already exist!" message.
 * The schema is created on open under a transaction-scoped advisory lock,
 * so processes starting together do not race on CREATE TABLE.
 * A wrong passphrase is refused at open (ERR_STORE_PASSPHRASE), before any
 * request, by decrypting the stored check.
 */
import type { Pool, PoolClient } from 'pg'
import { InvalidRequestError, StoreCorruptError, StorePassphraseError } from '../errors.js'
import { wipe } from '../formats/bytes.js'
import { type Jwk, publicJwk } from '../formats/jwk.js'
import { DEFAULT_P2C, decryptJson, encryptJson, passphraseBytes } from '../store/encryption.js'
import type { JwkStoreEntry, JwkStoreInput, JwkStoreRecord } from '../store/index.js'
import { alreadyExists, NAME_EMPTY, notFound } from '../store/messages.js'
import {
  checkName,
  DEFAULT_ENVIRONMENT,
  hashToken,
  matchToken,
  newToken,
  type ProjectKeys,
  type ProjectRecord,
  type Role,
  type ServiceStore,
  type TokenRecord,
} from './model.js'

const CHECK_PLAINTEXT = 'platform-keygen serve passphrase check'
/** An arbitrary constant naming the schema-migration advisory lock. */
const SCHEMA_LOCK = 0x706b6731

const SCHEMA = `
CREATE TABLE IF NOT EXISTS pk_meta (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE IF NOT EXISTS pk_projects (name text PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE IF NOT EXISTS pk_environments (
  project text NOT NULL REFERENCES pk_projects(name) ON DELETE CASCADE,
  name text NOT NULL,
  seq bigserial,
  PRIMARY KEY (project, name)
);
CREATE TABLE IF NOT EXISTS pk_tokens (
  id text PRIMARY KEY,
  sha256 text NOT NULL UNIQUE,
  project text NOT NULL REFERENCES pk_projects(name) ON DELETE CASCADE,
  roles text[] NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS pk_jwks (
  project text NOT NULL REFERENCES pk_projects(name) ON DELETE CASCADE,
  name text NOT NULL,
  kid text,
  metadata jsonb NOT NULL,
  public_jwk jsonb,
  private_jwe text NOT NULL,
  seq bigserial,
  CONSTRAINT pk_jwks_name UNIQUE (project, name),
  CONSTRAINT pk_jwks_kid UNIQUE (project, kid)
);
`

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** A plain-JSON copy (what jsonb keeps); refuses what JSON cannot hold. */
function json<T>(v: T, what: string): T {
  try {
    return JSON.parse(JSON.stringify(v)) as T
  } catch (err) {
    throw new InvalidRequestError(`${what} must be JSON`, { cause: err })
  }
}

function uniqueViolation(err: unknown): string | undefined {
  const e = err as { code?: unknown; constraint?: unknown }
  return e?.code === '23505' && typeof e.constraint === 'string' ? e.constraint : undefined
}

async function inTransaction<T>(pool: Pool, fn: (c: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect()
  try {
    await client.query('BEGIN')
    const out = await fn(client)
    await client.query('COMMIT')
    return out
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined)
    throw err
  } finally {
    client.release()
  }
}

interface JwkRow {
  name: string
  kid: string | null
  metadata: Record<string, unknown>
  public_jwk: Jwk | null
}

function toEntry(r: JwkRow): JwkStoreEntry {
  const out: JwkStoreEntry = { name: r.name, metadata: r.metadata, publicJwk: r.public_jwk, encrypted: true }
  if (r.kid !== null) out.kid = r.kid
  return out
}

class PgProjectKeys implements ProjectKeys {
  constructor(
    readonly pool: Pool,
    readonly project: string,
    readonly passphrase: () => Uint8Array,
  ) {}

  async has(name: string): Promise<boolean> {
    const r = await this.pool.query('SELECT 1 FROM pk_jwks WHERE project = $1 AND name = $2', [this.project, name])
    return (r.rowCount ?? 0) > 0
  }

  async add(input: JwkStoreInput): Promise<void> {
    if (!isObject(input) || !isObject(input.metadata)) {
      throw new InvalidRequestError('add() takes { privateJwk, publicJwk, metadata }')
    }
    const name = input.metadata.name
    if (typeof name !== 'string' || name.trim() === '') throw new InvalidRequestError(NAME_EMPTY)
    if (!isObject(input.privateJwk) || typeof input.privateJwk.kty !== 'string') {
      throw new InvalidRequestError('privateJwk must be a JWK object with a "kty"')
    }
    const metadata = json(input.metadata as Record<string, unknown>, 'metadata')
    const kid = typeof input.privateJwk.kid === 'string' ? input.privateJwk.kid : undefined
    if (kid !== undefined && metadata.kid === undefined) metadata.kid = kid
    const pub = input.publicJwk === null ? null : publicJwk(json(input.publicJwk, 'publicJwk'))
    // Refuse a known name before the slow sealing (the constraint still decides races).
    if (await this.has(name)) throw new InvalidRequestError(alreadyExists(name))
    const jwe = await encryptJson(input.privateJwk, this.passphrase(), DEFAULT_P2C, 'jwk+json')
    try {
      await this.pool.query(
        'INSERT INTO pk_jwks (project, name, kid, metadata, public_jwk, private_jwe) VALUES ($1, $2, $3, $4, $5, $6)',
        [this.project, name, kid ?? null, metadata, pub, jwe],
      )
    } catch (err) {
      const constraint = uniqueViolation(err)
      if (constraint === 'pk_jwks_name') throw new InvalidRequestError(alreadyExists(name), { cause: err })
      if (constraint === 'pk_jwks_kid') {
        throw new InvalidRequestError(
          `kid ${JSON.stringify(kid)} is already used by another JWK of the project; kids in a JWK set must differ`,
          { cause: err },
        )
      }
      throw err
    }
  }

  async list(): Promise<JwkStoreEntry[]> {
    const r = await this.pool.query<JwkRow>(
      'SELECT name, kid, metadata, public_jwk FROM pk_jwks WHERE project = $1 ORDER BY seq',
      [this.project],
    )
    return r.rows.map(toEntry)
  }

  async get(name: string): Promise<JwkStoreRecord> {
    const r = await this.pool.query<JwkRow & { private_jwe: string }>(
      'SELECT name, kid, metadata, public_jwk, private_jwe FROM pk_jwks WHERE project = $1 AND name = $2',
      [this.project, name],
    )
    const row = r.rows[0]
    if (!row) throw new InvalidRequestError(notFound(String(name)))
    const value = await decryptJson(row.private_jwe, this.passphrase(), 'pk_jwks', `the private JWK of ${name}`)
    if (!isObject(value) || typeof value.kty !== 'string') {
      throw new StoreCorruptError(`pk_jwks: the private JWK of ${name} is not a JWK`, 'pk_jwks')
    }
    return { ...toEntry(row), privateJwk: value as Jwk }
  }

  async remove(name: string): Promise<void> {
    const r = await this.pool.query('DELETE FROM pk_jwks WHERE project = $1 AND name = $2', [this.project, name])
    if ((r.rowCount ?? 0) === 0) throw new InvalidRequestError(notFound(String(name)))
  }

  async publicJwks(): Promise<{ keys: Jwk[] }> {
    const r = await this.pool.query<{ public_jwk: Jwk }>(
      'SELECT public_jwk FROM pk_jwks WHERE project = $1 AND public_jwk IS NOT NULL ORDER BY seq',
      [this.project],
    )
    return { keys: r.rows.map((x) => publicJwk(x.public_jwk)) }
  }
}

class PostgresServiceStore implements ServiceStore {
  readonly kind = 'postgres'
  #passphrase: Uint8Array | undefined

  constructor(
    readonly pool: Pool,
    passphrase: Uint8Array | undefined,
  ) {
    this.#passphrase = passphrase
  }

  #requirePassphrase = (): Uint8Array => {
    if (!this.#passphrase) {
      throw new StorePassphraseError('the private JWKs in the database are encrypted: open it with the passphrase')
    }
    return this.#passphrase
  }

  /** Creates the schema (once, under an advisory lock) and checks the passphrase against the database's. */
  async open(): Promise<this> {
    await inTransaction(this.pool, async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK])
      await c.query(SCHEMA)
    })
    if (this.#passphrase) {
      const fresh = await encryptJson(CHECK_PLAINTEXT, this.#passphrase, DEFAULT_P2C, 'text/plain')
      await this.pool.query("INSERT INTO pk_meta (key, value) VALUES ('passphrase_check', $1) ON CONFLICT DO NOTHING", [
        fresh,
      ])
      const r = await this.pool.query<{ value: string }>("SELECT value FROM pk_meta WHERE key = 'passphrase_check'")
      const check = r.rows[0]?.value as string
      if (check !== fresh) {
        const value = await decryptJson(check, this.#passphrase, 'pk_meta', 'the passphrase check')
        if (value !== CHECK_PLAINTEXT) throw new StoreCorruptError('pk_meta: a foreign passphrase check', 'pk_meta')
      }
    }
    return this
  }

  async findToken(token: string): Promise<TokenRecord | undefined> {
    const r = await this.pool.query<{
      id: string
      sha256: string
      project: string
      roles: Role[]
      created_at: Date
    }>('SELECT id, sha256, project, roles, created_at FROM pk_tokens WHERE sha256 = $1', [hashToken(token)])
    // The index finds the row by hash; the comparison itself is constant-time.
    const records = r.rows.map((x) => ({ ...x, createdAt: x.created_at.toISOString() }))
    const found = matchToken(token, records)
    if (!found) return undefined
    return {
      id: found.id,
      sha256: found.sha256,
      project: found.project,
      roles: found.roles,
      createdAt: found.createdAt,
    }
  }

  async #ensureProject(c: PoolClient | Pool, name: string): Promise<void> {
    checkName(name, 'project')
    const created = await c.query('INSERT INTO pk_projects (name) VALUES ($1) ON CONFLICT DO NOTHING RETURNING name', [
      name,
    ])
    if ((created.rowCount ?? 0) > 0) {
      await c.query('INSERT INTO pk_environments (project, name) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
        name,
        DEFAULT_ENVIRONMENT,
      ])
    }
  }

  async createToken(project: string, roles: Role[]): Promise<{ token: string; record: TokenRecord }> {
    const { token, sha256, id } = newToken()
    const createdAt = new Date()
    await inTransaction(this.pool, async (c) => {
      await this.#ensureProject(c, project)
      await c.query('INSERT INTO pk_tokens (id, sha256, project, roles, created_at) VALUES ($1, $2, $3, $4, $5)', [
        id,
        sha256,
        project,
        roles,
        createdAt,
      ])
    })
    return { token, record: { id, sha256, project, roles, createdAt: createdAt.toISOString() } }
  }

  async getProject(name: string): Promise<ProjectRecord | undefined> {
    checkName(name, 'project')
    const p = await this.pool.query<{ created_at: Date }>('SELECT created_at FROM pk_projects WHERE name = $1', [name])
    const row = p.rows[0]
    if (!row) return undefined
    const e = await this.pool.query<{ name: string }>(
      'SELECT name FROM pk_environments WHERE project = $1 ORDER BY seq',
      [name],
    )
    return { name, environments: e.rows.map((x) => x.name), createdAt: row.created_at.toISOString() }
  }

  async addEnvironment(project: string, environment: string): Promise<ProjectRecord> {
    checkName(environment, 'environment')
    await inTransaction(this.pool, async (c) => {
      await this.#ensureProject(c, project)
      await c.query('INSERT INTO pk_environments (project, name) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
        project,
        environment,
      ])
    })
    return (await this.getProject(project)) as ProjectRecord
  }

  keys(project: string): ProjectKeys {
    return new PgProjectKeys(this.pool, checkName(project, 'project'), this.#requirePassphrase)
  }

  async close(): Promise<void> {
    wipe(this.#passphrase)
    this.#passphrase = undefined
    await this.pool.end()
  }
}

export async function openPostgresStore(options: {
  url: string
  passphrase?: string | Uint8Array | undefined
}): Promise<ServiceStore> {
  if (typeof options.url !== 'string' || !/^postgres(ql)?:\/\//.test(options.url)) {
    throw new InvalidRequestError('the database must be a postgres:// or postgresql:// URL')
  }
  const pg = (await import('pg')).default
  const pool = new pg.Pool({ connectionString: options.url, max: 10 })
  // An idle client losing its connection (the database restarting) must not crash the server.
  pool.on('error', () => undefined)
  const passphrase = options.passphrase === undefined ? undefined : passphraseBytes(options.passphrase)
  const store = new PostgresServiceStore(pool, passphrase)
  try {
    return await store.open()
  } catch (err) {
    await store.close().catch(() => undefined)
    throw err
  }
}
