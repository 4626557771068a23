/**
 * The Generate-JWK service with the PostgreSQL store (--database): the shared suite, two server
 * processes on one database. It needs a server: PLATFORM_KEYGEN_TEST_PG_URL (CI starts one with
 * scripts/pg-test-cluster.sh); each run makes its own database and drops it after.
 */
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { openServiceStore } from '../src/server/index.js'
import { PASSPHRASE, startServer } from './server-helpers.js'
import { CONCURRENT, serverSuite } from './server-suite.js'

const URL_ENV = 'PLATFORM_KEYGEN_TEST_PG_URL'
const base = process.env[URL_ENV]

function withDatabase(url: string, db: string): string {
  const u = new URL(url)
  u.pathname = `/${db}`
  return u.toString()
}

if (!base) {
  describe.skip(`Generate-JWK service, PostgreSQL store — skipped: ${URL_ENV} is not set (scripts/pg-test-cluster.sh start prints one)`, () => {
    it('needs a PostgreSQL server', () => undefined)
  })
} else {
  const db = `pk_test_${randomBytes(6).toString('hex')}`
  const url = withDatabase(base, db)
  const admin = async <T>(fn: (c: pg.Client) => Promise<T>): Promise<T> => {
    const c = new pg.Client({ connectionString: base })
    await c.connect()
    try {
      return await fn(c)
    } finally {
      await c.end()
    }
  }
  afterAll(async () => {
    await admin((c) => c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`))
  })

  serverSuite('PostgreSQL store', async () => {
    await admin((c) => c.query(`CREATE DATABASE ${db}`))
    return { kind: 'postgres', args: ['--database', url], options: { database: url } }
  })

  describe('Generate-JWK service, PostgreSQL specifics', () => {
    it('the database holds only hashes and sealed private JWKs; names are unique by constraint', async () => {
      const c = new pg.Client({ connectionString: url })
      await c.connect()
      try {
        const jwks = await c.query('SELECT private_jwe, public_jwk FROM pk_jwks')
        expect(jwks.rowCount).toBeGreaterThan(CONCURRENT + 10)
        for (const r of jwks.rows) {
          expect(r.private_jwe.split('.')).toHaveLength(5)
          expect(r.public_jwk?.d).toBeUndefined()
        }
        const tokens = await c.query('SELECT sha256 FROM pk_tokens')
        for (const r of tokens.rows) expect(r.sha256).toMatch(/^[0-9a-f]{64}$/)
        const constraints = await c.query(
          "SELECT conname FROM pg_constraint WHERE conrelid = 'pk_jwks'::regclass AND contype = 'u' ORDER BY conname",
        )
        expect(constraints.rows.map((r) => r.conname)).toEqual(['pk_jwks_kid', 'pk_jwks_name'])
      } finally {
        await c.end()
      }
    })

    it('a server with another passphrase refuses to start (ERR_STORE_PASSPHRASE), nothing changed', async () => {
      const backend = { kind: 'postgres' as const, args: ['--database', url], options: { database: url } }
      await expect(startServer(backend, [], { PLATFORM_KEYGEN_SERVER_PASSPHRASE: 'another one' })).rejects.toThrow(
        /platform-keygen: error ERR_STORE_PASSPHRASE: wrong passphrase/,
      )
      const store = await openServiceStore({ database: url, passphrase: PASSPHRASE })
      expect((await store.keys('MyProject').list()).length).toBeGreaterThan(CONCURRENT + 10)
      await store.close()
    })
  })
}
