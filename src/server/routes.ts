/**
 * The routes of the Generate-JWK service (a tiny router: five paths).
 *
 *   POST   /apiops/projects/{p}/jwks/generate   generateJwk(body) into the project, deployed   (both roles)
 *   POST   /apiops/projects/{p}/jwks            a JWK from an existing JWK or PEM, deployed     (both roles)
 *   GET    /apiops/projects/{p}/jwks            the list, public parts only                     (ROLE_API_SECURITY)
 *   GET    /apiops/projects/{p}/jwks/{name}     one JWK, public parts only                      (ROLE_API_SECURITY)
 *   DELETE /apiops/projects/{p}/jwks/{name}     remove it, undeployed                           (both roles)
 *   GET    /{p}/{environment}/.well-known/jwks.json   the deployed JWKS, no authentication
 *
 * Roles: Apinizer's Generate JWK "requires ROLE_API_SECURITY, and
 * ROLE_DEPLOY_UNDEPLOY_PROXIES for deployment". Every change here deploys
 * (or undeploys) at once, so changes need both; reading needs the first.
 *
 * "Deployed" means served at the environment's jwks.json: a project's
 * environments serve its public keys that are valid now (nbf ≤ now < exp).
 * The deploymentResult reports, per environment, what that endpoint serves
 * after the change — read back, not assumed.
 */
import { createHash } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { generateJwk } from '../apinizer/generate-jwk.js'
import { InvalidRequestError, PlatformKeygenError } from '../errors.js'
import type { JwkStoreEntry } from '../store/index.js'
import { notFound as jwkNotFound, NAME_EMPTY } from '../store/messages.js'
import { badRequest, isReply, notFound, problem, type Reply, readJson } from './http.js'
import { importJwk } from './import-jwk.js'
import { nameProblem, type ProjectKeys, type Role, type ServiceStore, type TokenRecord } from './model.js'

/** A JWKS response stays cacheable for at most this long (seconds). */
export const JWKS_MAX_AGE = 300

const READ: Role[] = ['ROLE_API_SECURITY']
const WRITE: Role[] = ['ROLE_API_SECURITY', 'ROLE_DEPLOY_UNDEPLOY_PROXIES']

const projectMissing = (p: string): Reply =>
  notFound(`Project(${p}) was not found or user does not have privilege to access it!`)

/** The path's segments, percent-decoded; undefined when a segment cannot be decoded. */
function segments(url: string): string[] | undefined {
  const path = url.split('?')[0] ?? ''
  try {
    return path.split('/').slice(1).map(decodeURIComponent)
  } catch {
    return undefined
  }
}

function unauthorized(description: string, invalid: boolean): Reply {
  const challenge = invalid
    ? 'Bearer realm="platform-keygen", error="invalid_token", error_description="the access token is not valid"'
    : 'Bearer realm="platform-keygen"'
  return problem(401, 'unauthorized_client', description, { 'www-authenticate': challenge })
}

/** The token of the request, or the 401 / 403 refusing it. */
async function authorize(
  req: IncomingMessage,
  store: ServiceStore,
  project: string,
  roles: Role[],
): Promise<TokenRecord | Reply> {
  const header = req.headers.authorization
  if (!header) return unauthorized('an Authorization: Bearer token is required', false)
  const m = /^Bearer[ ]+([A-Za-z0-9._~+/-]+=*)$/i.exec(header)
  if (!m) return unauthorized('Invalid token', true)
  const record = await store.findToken(m[1] as string)
  if (!record) return unauthorized('Invalid token', true)
  if (record.project !== project) {
    return problem(403, 'access_denied', `this token is not for project ${project}`)
  }
  const missing = roles.filter((r) => !record.roles.includes(r))
  if (missing.length > 0) return problem(403, 'access_denied', `this token lacks ${missing.join(' and ')}`)
  return record
}

/** The keys an environment serves now: public halves whose nbf ≤ now < exp (members absent: unbounded). */
export function servedKeys(keys: Record<string, unknown>[], nowS: number): Record<string, unknown>[] {
  return keys.filter(
    (k) => !(typeof k.nbf === 'number' && k.nbf > nowS) && !(typeof k.exp === 'number' && k.exp <= nowS),
  )
}

/** Seconds until the served set next changes (a key's nbf or exp), capped at JWKS_MAX_AGE. */
function maxAge(keys: Record<string, unknown>[], nowS: number): number {
  let age = JWKS_MAX_AGE
  for (const k of keys) {
    for (const t of [k.nbf, k.exp]) if (typeof t === 'number' && t > nowS) age = Math.min(age, t - nowS)
  }
  return age
}

interface EnvironmentResult {
  environmentName: string
  success: boolean
  message: string
}

/** What each environment of the project serves for this key after a change, read back from the JWKS. */
async function deploymentResult(
  store: ServiceStore,
  project: string,
  entry: JwkStoreEntry | undefined,
  removed: boolean,
): Promise<{ success: boolean; message: string; environmentResults: EnvironmentResult[] }> {
  const record = await store.getProject(project)
  const environments = record?.environments ?? []
  const keys = store.keys(project)
  const results: EnvironmentResult[] = []
  for (const environmentName of environments) {
    const nowS = Math.floor(Date.now() / 1000)
    let success: boolean
    let message: string
    try {
      const served = servedKeys((await keys.publicJwks()).keys, nowS)
      const kid = entry?.kid
      const isServed = kid !== undefined && served.some((k) => k.kid === kid)
      if (removed) {
        success = !isServed
        message = success ? 'Undeployed successfully' : 'the key is still served'
      } else if (!entry?.publicJwk) {
        success = false
        message =
          'Not deployed: an OCT key is a secret, never published in a JWKS (the library reads it from the store)'
      } else if (isServed) {
        success = true
        message = 'Deployed successfully'
      } else {
        const nbf = entry.publicJwk.nbf
        const exp = entry.publicJwk.exp
        if (typeof exp === 'number' && exp <= nowS) {
          success = false
          message = `Not deployed: the key expired at ${new Date(exp * 1000).toISOString()}`
        } else if (typeof nbf === 'number' && nbf > nowS) {
          success = true
          message = `Deployed: served from ${new Date(nbf * 1000).toISOString()} (its notBeforeTime)`
        } else {
          success = false
          message = 'Not deployed: the key is missing from the JWKS'
        }
      }
    } catch (err) {
      success = false
      message = `Deployment failed: ${(err as Error).message}`
    }
    results.push({ environmentName, success, message })
  }
  const failed = results.filter((r) => !r.success).length
  const verb = removed ? 'Undeployment' : 'Deployment'
  return {
    success: failed === 0,
    message:
      failed === 0
        ? `${verb} completed successfully`
        : `${verb} failed for ${failed} of ${results.length} environment${results.length === 1 ? '' : 's'}`,
    environmentResults: results,
  }
}

/** A JWK without its private half, as the list and get answer it. */
function describe(project: string, e: JwkStoreEntry): Record<string, unknown> {
  const m = e.metadata
  return {
    name: e.name,
    description: m.description ?? null,
    projectId: project,
    sourceType: m.sourceType ?? 'GENERATE',
    type: m.type ?? null,
    kid: e.kid ?? null,
    use: m.use ?? e.publicJwk?.use ?? null,
    alg: m.alg ?? e.publicJwk?.alg ?? null,
    notBefore: m.notBefore ?? null,
    expiration: m.expiration ?? null,
    createdAt: m.createdAt ?? null,
    thumbprint: m.thumbprint ?? null,
    encryptedAtRest: e.encrypted,
    publicJwk: e.publicJwk,
  }
}

/** JWK names are path segments of the API: no "/" and no control characters. */
function checkJwkName(body: unknown): Reply | undefined {
  const name = (body as { name?: unknown } | null)?.name
  if (typeof name !== 'string' || name.trim() === '') return undefined
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses
  if (name.includes('/') || /[\u0000-\u001f\u007f]/.test(name) || name.length > 200) {
    return badRequest('JWK name must be at most 200 characters, without "/" or control characters')
  }
  return undefined
}

async function find(keys: ProjectKeys, name: string): Promise<JwkStoreEntry | undefined> {
  return (await keys.list()).find((e) => e.name === name)
}

/**
 * Runs at most `max` tasks at once, the rest in arrival order. The server
 * runs its changes through one (two at a time): each seals a private JWK with PBKDF2 (600,000 rounds) on the
 * libuv threadpool, and fifty at once would queue the store's own file
 * writes behind them until the store lock timed out.
 */
export class Limiter {
  #running = 0
  readonly #waiting: (() => void)[] = []
  constructor(readonly max: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#running >= this.max) await new Promise<void>((resolve) => this.#waiting.push(resolve))
    else this.#running++
    try {
      return await task()
    } finally {
      const next = this.#waiting.shift()
      if (next) next()
      else this.#running--
    }
  }
}

/** Handles one request; never throws for bad input (typed errors become 400). */
export async function route(req: IncomingMessage, store: ServiceStore, writes: Limiter): Promise<Reply> {
  const segs = segments(req.url ?? '/')
  if (!segs) return badRequest('the request path is not valid percent-encoding')
  const method = req.method ?? 'GET'

  // GET /{project}/{environment}/.well-known/jwks.json
  if (segs.length === 4 && segs[2] === '.well-known' && segs[3] === 'jwks.json') {
    const [project, environment] = segs as [string, string]
    if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed('GET, HEAD')
    const why = nameProblem(project, 'project') ?? nameProblem(environment, 'environment')
    if (why) return badRequest(why)
    return jwks(req, store, project, environment)
  }

  if (segs[0] !== 'apiops' || segs[1] !== 'projects' || segs[3] !== 'jwks' || segs.length < 4) {
    return notFound(`no such endpoint: ${method} ${(req.url ?? '/').split('?')[0]}`)
  }
  const project = segs[2] as string
  // Trailing slash as Apinizer writes it: /jwks/ is /jwks.
  const rest = segs.slice(4).filter((s, i, all) => !(s === '' && i === all.length - 1))
  if (rest.length > 1) return notFound(`no such endpoint: ${method} ${(req.url ?? '/').split('?')[0]}`)
  const why = nameProblem(project, 'project')
  if (why) return badRequest(why)

  const sub = rest[0]
  let allowed: string
  let roles: Role[]
  if (sub === undefined) {
    allowed = 'GET, POST'
    roles = method === 'GET' ? READ : WRITE
  } else if (sub === 'generate' && method === 'POST') {
    allowed = 'POST'
    roles = WRITE
  } else {
    allowed = 'GET, DELETE'
    roles = method === 'GET' ? READ : WRITE
  }
  if (!allowed.split(', ').includes(method)) return methodNotAllowed(allowed)
  if (sub === '') return badRequest(NAME_EMPTY)

  const auth = await authorize(req, store, project, roles)
  if (isReply(auth)) return auth
  if (!(await store.getProject(project))) return projectMissing(project)
  const keys = store.keys(project)

  try {
    if (method === 'POST') {
      const body = await readJson(req)
      if (isReply(body)) return body
      const bad = checkJwkName(body)
      if (bad) return bad
      const name = await writes.run(async () => {
        if (sub === 'generate') return (await generateJwk(body as never, { store: keys })).metadata.name
        const entry = importJwk(body, new Date())
        await keys.add(entry)
        return entry.metadata.name
      })
      const entry = await find(keys, name)
      return {
        status: 200,
        body: { success: true, deploymentResult: await deploymentResult(store, project, entry, false) },
      }
    }
    if (sub === undefined) {
      return { status: 200, body: { success: true, resultList: (await keys.list()).map((e) => describe(project, e)) } }
    }
    const entry = await find(keys, sub)
    if (!entry) return notFound(jwkNotFound(sub))
    if (method === 'GET') return { status: 200, body: { success: true, result: describe(project, entry) } }
    await writes.run(() => keys.remove(sub))
    return {
      status: 200,
      body: { success: true, deploymentResult: await deploymentResult(store, project, entry, true) },
    }
  } catch (err) {
    if (err instanceof InvalidRequestError) {
      // A name removed by a concurrent DELETE between find and remove.
      if (method === 'DELETE' && sub !== undefined && err.message === jwkNotFound(sub)) return notFound(err.message)
      return badRequest(err.message)
    }
    throw err
  }
}

function methodNotAllowed(allow: string): Reply {
  return problem(405, 'method_not_allowed', `this endpoint takes ${allow}`, { allow })
}

async function jwks(req: IncomingMessage, store: ServiceStore, project: string, environment: string): Promise<Reply> {
  const record = await store.getProject(project)
  if (!record?.environments.includes(environment)) {
    return notFound(`no environment ${environment} in project ${project}`)
  }
  const nowS = Math.floor(Date.now() / 1000)
  const keys = servedKeys((await store.keys(project).publicJwks()).keys, nowS)
  const raw = JSON.stringify({ keys })
  const etag = `"${createHash('sha256').update(raw).digest('base64url')}"`
  const headers = {
    'cache-control': `public, max-age=${maxAge(keys, nowS)}`,
    etag,
    'content-type': 'application/jwk-set+json',
  }
  const inm = req.headers['if-none-match']
  if (inm !== undefined && (inm.trim() === '*' || inm.split(',').some((t) => t.trim().replace(/^W\//, '') === etag))) {
    return { status: 304, headers }
  }
  // node:http sends no body for HEAD by itself.
  return { status: 200, raw, headers }
}

/** The reply for an error a handler did not expect: the store failing, or a bug. */
export function internalError(err: unknown): Reply {
  if (err instanceof PlatformKeygenError && err.code === 'ERR_STORE_LOCKED') {
    return problem(503, 'temporarily_unavailable', 'the JWK store is busy; retry', { 'retry-after': '1' })
  }
  return problem(500, 'server_error', 'the server failed to handle the request; see its log')
}
