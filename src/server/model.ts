/**
 * What the service keeps, whichever store holds it (files under --data, or
 * PostgreSQL with --database): projects with their environments, API
 * access tokens (only their SHA-256), and per project a set of named JWKs.
 *
 * Names: a project or environment name is a path segment of the API and of
 * the store, so it is 1..64 characters of letters, digits, `.`, `_` and
 * `-`, starting with a letter or digit (no `/`, no `..`, no NUL).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { InvalidRequestError } from '../errors.js'
import type { JwkStoreEntry, JwkStoreInput, JwkStoreRecord } from '../store/index.js'

/** The roles a token can carry (Apinizer's names for the two permissions Generate JWK needs). */
export const ROLES = ['ROLE_API_SECURITY', 'ROLE_DEPLOY_UNDEPLOY_PROXIES'] as const
export type Role = (typeof ROLES)[number]

export const DEFAULT_ENVIRONMENT = 'production'

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

/** Why `name` is not a valid project / environment name, or undefined when it is. */
export function nameProblem(name: string, what: 'project' | 'environment'): string | undefined {
  if (NAME.test(name) && !name.includes('..')) return undefined
  return `the ${what} name ${JSON.stringify(name)} is invalid: 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit, without ".."`
}

export function checkName(name: unknown, what: 'project' | 'environment'): string {
  if (typeof name !== 'string') throw new InvalidRequestError(`the ${what} name must be a string`)
  const why = nameProblem(name, what)
  if (why) throw new InvalidRequestError(why)
  return name
}

export function checkRoles(roles: unknown): Role[] {
  if (!Array.isArray(roles) || roles.length === 0) {
    throw new InvalidRequestError(`a token needs at least one role: ${ROLES.join(', ')}`)
  }
  for (const r of roles) {
    if (!(ROLES as readonly unknown[]).includes(r)) {
      throw new InvalidRequestError(`unknown role ${JSON.stringify(r)}: the roles are ${ROLES.join(', ')}`)
    }
  }
  return [...new Set(roles as Role[])]
}

export interface ProjectRecord {
  name: string
  environments: string[]
  createdAt: string
}

export interface TokenRecord {
  /** A short public id (the first 12 hex digits of the hash), to name a token in listings. */
  id: string
  /** SHA-256 of the token, hex. */
  sha256: string
  project: string
  roles: Role[]
  createdAt: string
}

/** A new token: `pkg_` + 256 random bits, base64url. Shown once; only its hash is kept. */
export function newToken(): { token: string; sha256: string; id: string } {
  const token = `pkg_${randomBytes(32).toString('base64url')}`
  const sha256 = hashToken(token)
  return { token, sha256, id: sha256.slice(0, 12) }
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex')
}

/**
 * The record whose hash equals the presented token's, comparing every
 * record in constant time (timingSafeEqual over equal-length digests), so
 * the time taken says nothing about how close a guess came.
 */
export function matchToken(presented: string, records: readonly TokenRecord[]): TokenRecord | undefined {
  const digest = Buffer.from(hashToken(presented), 'hex')
  let found: TokenRecord | undefined
  for (const r of records) {
    const stored = Buffer.from(r.sha256, 'hex')
    if (stored.length === digest.length && timingSafeEqual(stored, digest) && !found) found = r
  }
  return found
}

/** One project's JWK set: JwkStore's public API (the PostgreSQL store has the same). */
export interface ProjectKeys {
  has(name: string): Promise<boolean>
  add(entry: JwkStoreInput): Promise<unknown>
  list(): Promise<JwkStoreEntry[]>
  /** With the private half, decrypted: for the library (the HTTP API never answers it). */
  get(name: string): Promise<JwkStoreRecord>
  remove(name: string): Promise<void>
  publicJwks(): Promise<{ keys: Record<string, unknown>[] }>
}

/** Where the service keeps its state. */
export interface ServiceStore {
  readonly kind: 'file' | 'postgres'
  /** The token record for a presented bearer token, or undefined. */
  findToken(token: string): Promise<TokenRecord | undefined>
  /** Makes a token for `project` (creating the project, with the production environment, if new). */
  createToken(project: string, roles: Role[]): Promise<{ token: string; record: TokenRecord }>
  getProject(name: string): Promise<ProjectRecord | undefined>
  /** Adds an environment to a project (creating the project if new); returns the project. */
  addEnvironment(project: string, environment: string): Promise<ProjectRecord>
  /** The JWK set of an existing project. */
  keys(project: string): ProjectKeys
  /** Releases connections and wipes the passphrase. */
  close(): Promise<void>
}
