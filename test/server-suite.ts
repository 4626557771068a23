/**
 * The Generate-JWK service suite, run against a store (files, PostgreSQL) with TWO
 * `platform-keygen serve` processes sharing it, over real HTTP on 127.0.0.1.
 */
import { spawnSync } from 'node:child_process'
import { generateKeyPairSync } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { type ClientRequest, request } from 'node:http'
import { join } from 'node:path'
import * as jose from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openServiceStore, type ServiceStore } from '../src/server/index.js'
import {
  apinizerError,
  type Backend,
  BIN,
  bearer,
  call,
  PASSPHRASE,
  ROOT,
  type RunningServer,
  startServer,
} from './server-helpers.js'

const FIXTURES = join(ROOT, 'test', 'fixtures', 'apinizer')
const P = 'MyProject'
const CURL = spawnSync('curl', ['--version']).status === 0

const NAME_EMPTY = 'JWK name can not be empty!'
const TYPE_EMPTY = 'JWK type can not be empty!'
const exists = (n: string) => `JWK (name: ${n}) is already exist! Try update operation if want to change its value.`

const deployedTo = (environments: string[]) => ({
  success: true,
  deploymentResult: {
    success: true,
    message: 'Deployment completed successfully',
    environmentResults: environments.map((environmentName) => ({
      environmentName,
      success: true,
      message: 'Deployed successfully',
    })),
  },
})

const DEPLOYED = deployedTo(['production'])

/** The answer for a key the one environment (production) does not serve, and why. */
const notDeployed = (message: string) => ({
  success: true,
  deploymentResult: {
    success: false,
    message: 'Deployment failed for 1 of 1 environment',
    environmentResults: [{ environmentName: 'production', success: false, message }],
  },
})

/** The seven cURL commands of the documentation, with the body each sends. */
function curlExamples(): { title: string; command: string; body: unknown }[] {
  const text = readFileSync(join(FIXTURES, 'curl-examples.txt'), 'utf8')
  return text
    .split(/^### /m)
    .slice(1)
    .map((block) => {
      const [title, ...rest] = block.split('\n')
      const command = rest.join('\n').trim()
      const body = JSON.parse(/-d '([\s\S]*)'$/.exec(command)?.[1] ?? 'null')
      return { title: title as string, command, body }
    })
}

/**
 * A POST with node:http: a raw path (fetch would normalise `..`), and the body sent by `send`
 * (all at once, or in parts).
 */
function rawPost(
  base: string,
  path: string,
  headers: Record<string, string>,
  send: (req: ClientRequest) => void,
): Promise<{ status: number; body: unknown }> {
  const u = new URL(base)
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method: 'POST', headers }, (res) => {
      let data = ''
      res.setEncoding('utf8')
      res.on('data', (c) => {
        data += c
      })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(data) }))
    })
    req.on('error', reject)
    send(req)
  })
}

/** How many distinct keys the concurrency test generates at once (the suite stores about 40 keys in all). */
export const CONCURRENT = 24

const ec = (name: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ name, type: 'EC', ec: { curveType: 'P256', keyIdType: 'SHA256', ...extra } })

export function serverSuite(label: string, makeBackend: () => Promise<Backend>): void {
  describe(`Generate-JWK service, ${label}, two server processes on one store`, () => {
    let backend: Backend
    let admin: ServiceStore
    let a: RunningServer
    let b: RunningServer
    let full: string
    let readOnly: string
    let deployOnly: string
    let other: string
    const gen = (s: RunningServer, project = P) => `${s.url}/apiops/projects/${project}/jwks/generate`
    const list = (s: RunningServer) => `${s.url}/apiops/projects/${P}/jwks`
    const jwksUrl = (s: RunningServer, env = 'production') => `${s.url}/${P}/${env}/.well-known/jwks.json`
    const names = async (): Promise<string[]> => {
      const r = await call(list(a), { headers: bearer(full, false) })
      expect(r.status).toBe(200)
      return (r.body as { resultList: { name: string }[] }).resultList.map((e) => e.name)
    }

    beforeAll(async () => {
      backend = await makeBackend()
      admin = await openServiceStore({ ...backend.options, passphrase: PASSPHRASE })
      full = (await admin.createToken(P, ['ROLE_API_SECURITY', 'ROLE_DEPLOY_UNDEPLOY_PROXIES'])).token
      readOnly = (await admin.createToken(P, ['ROLE_API_SECURITY'])).token
      deployOnly = (await admin.createToken(P, ['ROLE_DEPLOY_UNDEPLOY_PROXIES'])).token
      other = (await admin.createToken('OtherProject', ['ROLE_API_SECURITY', 'ROLE_DEPLOY_UNDEPLOY_PROXIES'])).token
      ;[a, b] = await Promise.all([startServer(backend), startServer(backend)])
    })

    afterAll(async () => {
      await Promise.all([a?.stop(), b?.stop()])
      await admin?.close()
    })

    it.skipIf(!CURL)(
      `the seven cURL examples of the documentation, run verbatim by curl (host and YOUR_TOKEN replaced)${CURL ? '' : ' — skipped: curl is not installed'}`,
      () => {
        const examples = curlExamples()
        expect(examples.map((e) => e.title)).toHaveLength(7)
        const files = [
          'example-1-rsa-2048',
          'example-2-rsa-4096',
          'example-3-ec-p256',
          'example-4-ec-p384',
          'example-5-oct-256',
          'example-6-okp-ed25519',
          'example-7-okp-x25519',
        ]
        for (const [i, ex] of examples.entries()) {
          // The body each command sends is the example body of the fixtures.
          expect(ex.body).toEqual(JSON.parse(readFileSync(join(FIXTURES, `${files[i]}.json`), 'utf8')))
          const command = ex.command
            .replace('https://demo.apinizer.com', (i % 2 ? b : a).url)
            .replace('YOUR_TOKEN', full)
          const r = spawnSync('sh', ['-c', `${command} -sS -w '\\n%{http_code}'`], { encoding: 'utf8' })
          expect(r.stderr).toBe('')
          const lines = r.stdout.trimEnd().split('\n')
          const status = Number(lines.pop())
          const body = JSON.parse(lines.join('\n'))
          if ((ex.body as { type: string }).type === 'OCT') {
            // A secret has no public half: nothing is published, and the result says so.
            expect({ status, body }).toEqual({
              status: 200,
              body: notDeployed(
                'Not deployed: an OCT key is a secret, never published in a JWKS (the library reads it from the store)',
              ),
            })
          } else {
            expect({ title: ex.title, status, body }).toEqual({ title: ex.title, status: 200, body: DEPLOYED })
          }
        }
      },
    )

    it('after the examples, the production JWKS serves the six public keys (the OCT secret never)', async () => {
      if (!CURL) {
        // Without curl the previous test made nothing: make the same keys with fetch.
        for (const f of [
          '1-rsa-2048',
          '2-rsa-4096',
          '3-ec-p256',
          '4-ec-p384',
          '5-oct-256',
          '6-okp-ed25519',
          '7-okp-x25519',
        ]) {
          const body = readFileSync(join(FIXTURES, `example-${f}.json`), 'utf8')
          expect((await call(gen(a), { method: 'POST', headers: bearer(full), body })).status).toBe(200)
        }
      }
      const r = await call(jwksUrl(b))
      expect(r.status).toBe(200)
      const keys = (r.body as { keys: Record<string, unknown>[] }).keys
      const byKid = Object.fromEntries(keys.map((k) => [k.kid, k]))
      expect(Object.keys(byKid).sort()).toEqual(
        [
          'ec-p256-key-1',
          'ec-p384-key-1',
          'okp-ed25519-key-1',
          'okp-x25519-key-1',
          'rsa-2048-key-1',
          'rsa-4096-key-1',
        ].sort(),
      )
      for (const k of keys) for (const m of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) expect(k[m]).toBeUndefined()
      expect(Buffer.from(byKid['rsa-4096-key-1']?.n as string, 'base64url').length).toBe(512)
      expect(byKid['ec-p384-key-1']).toMatchObject({ kty: 'EC', crv: 'P-384', use: 'sig' })
      expect(byKid['okp-x25519-key-1']).toMatchObject({ kty: 'OKP', crv: 'X25519', use: 'enc' })
      // The secret is in the store (encrypted), for the library only.
      const secret = await admin.keys(P).get('generated-oct-jwk')
      expect(Buffer.from(secret.privateJwk.k as string, 'base64url').length).toBe(32)
      expect(secret.encrypted).toBe(true)
    })

    it("every error message: the seed's, the typed ones, and the HTTP ones; nothing is written", async () => {
      expect((await call(gen(a), { method: 'POST', headers: bearer(full), body: ec('dup-1') })).status).toBe(200)
      const before = await names()
      const cases: [string, number, unknown][] = [
        [JSON.stringify({ type: 'RSA', rsa: { keySize: 2048 } }), 400, apinizerError('bad_request', NAME_EMPTY)],
        [JSON.stringify({ name: '  ', type: 'RSA' }), 400, apinizerError('bad_request', NAME_EMPTY)],
        [JSON.stringify({ name: 'x', type: '' }), 400, apinizerError('bad_request', TYPE_EMPTY)],
        [JSON.stringify({ name: 'x' }), 400, apinizerError('bad_request', TYPE_EMPTY)],
        [ec('dup-1'), 400, apinizerError('bad_request', exists('dup-1'))],
        [
          JSON.stringify({ name: 'x', type: 'DSA' }),
          400,
          apinizerError('bad_request', 'JWK type must be one of RSA, EC, OCT, OKP (got "DSA")'),
        ],
        [
          JSON.stringify({ name: 'x', type: 'RSA', rsa: { keySize: 1024 } }),
          400,
          apinizerError('bad_request', 'rsa.keySize must be one of 2048, 3072, 4096 (got 1024)'),
        ],
        [
          JSON.stringify({ name: 'x', type: 'EC', ec: { curveType: 'P256' }, extra: 1 }),
          400,
          apinizerError('bad_request', 'unknown field "extra" in the generate JWK request'),
        ],
        [ec('x', { foo: 1 }), 400, apinizerError('bad_request', 'unknown field "foo" in "ec"')],
        [
          JSON.stringify({ name: 'x', type: 'EC', ec: { curveType: 'P256' }, rsa: { keySize: 2048 } }),
          400,
          apinizerError('bad_request', 'JWK type is EC, so only the "ec" parameters may be given, not "rsa"'),
        ],
        [
          JSON.stringify({ name: 'x', type: 'EC' }),
          400,
          apinizerError('bad_request', 'JWK type EC needs its "ec" parameters'),
        ],
        [ec('x', { algorithm: 'ES384' }), 400, apinizerError('bad_request', 'algorithm ES384 works on P384, not P256')],
        [
          ec('x', { notBeforeTime: '2030-01-01T00:00:00Z', expirationTime: '2029-01-01T00:00:00Z' }),
          400,
          apinizerError('bad_request', 'ec.expirationTime must be after notBeforeTime'),
        ],
        [
          ec('a/b'),
          400,
          apinizerError('bad_request', 'JWK name must be at most 200 characters, without "/" or control characters'),
        ],
        ['[]', 400, apinizerError('bad_request', 'the generate JWK request must be a JSON object')],
      ]
      for (const [body, status, expected] of cases) {
        const r = await call(gen(b), { method: 'POST', headers: bearer(full), body })
        expect({ body, status: r.status, reply: r.body }).toEqual({ body, status, reply: expected })
      }
      const malformed = await call(gen(a), { method: 'POST', headers: bearer(full), body: '{"name":' })
      expect(malformed.status).toBe(400)
      expect(malformed.body).toMatchObject({ error: 'bad_request' })
      expect((malformed.body as { error_description: string }).error_description).toMatch(
        /^the request body is not valid JSON: /,
      )
      const text = await call(gen(a), {
        method: 'POST',
        headers: { authorization: `Bearer ${full}`, 'content-type': 'text/plain' },
        body: ec('x'),
      })
      expect({ status: text.status, body: text.body }).toEqual({
        status: 415,
        body: apinizerError('unsupported_media_type', 'the request body must be application/json (got "text/plain")'),
      })
      const big = await call(gen(a), {
        method: 'POST',
        headers: bearer(full),
        body: JSON.stringify({ name: 'big', type: 'OCT', description: 'x'.repeat(64 * 1024) }),
      })
      expect({ status: big.status, body: big.body }).toEqual({
        status: 413,
        body: apinizerError('payload_too_large', 'the request body is larger than 65536 bytes'),
      })
      for (const [path, shown] of [
        ['/apiops/projects/..%2Fx/jwks/generate', '../x'],
        ['/apiops/projects/../jwks/generate', '..'],
        ['/apiops/projects/%2e%2e/jwks/generate', '..'],
        ['/apiops/projects/a%00b/jwks/generate', 'a\u0000b'],
      ] as const) {
        const body = ec('x')
        const r = await rawPost(a.url, path, bearer(full), (req) => req.end(body))
        expect({ path, ...r }).toEqual({
          path,
          status: 400,
          body: apinizerError(
            'bad_request',
            `the project name ${JSON.stringify(shown)} is invalid: 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit, without ".."`,
          ),
        })
      }
      expect(await names()).toEqual(before)
      expect(await admin.getProject('x')).toBeUndefined()
    })

    it('auth: 401 with WWW-Authenticate: Bearer, 403 for a missing role or another project; nothing written', async () => {
      const before = await names()
      const none = await call(gen(a), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: ec('auth-1'),
      })
      expect(none.status).toBe(401)
      expect(none.headers.get('www-authenticate')).toBe('Bearer realm="platform-keygen"')
      expect(none.body).toEqual(apinizerError('unauthorized_client', 'an Authorization: Bearer token is required'))
      for (const authorization of [`Bearer ${full.slice(0, -1)}x`, 'Bearer pkg_nope', `Basic ${full}`, 'Bearer']) {
        const r = await call(gen(b), {
          method: 'POST',
          headers: { authorization, 'content-type': 'application/json' },
          body: ec('auth-1'),
        })
        expect({ authorization, status: r.status, body: r.body }).toEqual({
          authorization,
          status: 401,
          body: apinizerError('unauthorized_client', 'Invalid token'),
        })
        expect(r.headers.get('www-authenticate')).toMatch(/^Bearer realm="platform-keygen", error="invalid_token"/)
      }
      const denied = [
        [gen(a), 'POST', readOnly, 'this token lacks ROLE_DEPLOY_UNDEPLOY_PROXIES'],
        [`${list(a)}/dup-1`, 'DELETE', readOnly, 'this token lacks ROLE_DEPLOY_UNDEPLOY_PROXIES'],
        [list(b), 'GET', deployOnly, 'this token lacks ROLE_API_SECURITY'],
        [gen(b), 'POST', other, `this token is not for project ${P}`],
        [list(a), 'GET', other, `this token is not for project ${P}`],
      ] as const
      for (const [url, method, token, description] of denied) {
        const init: RequestInit = { method, headers: bearer(token) }
        if (method === 'POST') init.body = ec('auth-1')
        const r = await call(url, init)
        expect({ url, method, status: r.status, body: r.body }).toEqual({
          url,
          method,
          status: 403,
          body: apinizerError('access_denied', description),
        })
      }
      const reads = await call(list(b), { headers: bearer(readOnly, false) })
      expect(reads.status).toBe(200)
      expect(await names()).toEqual(before)
    })

    // 24 (12 a server) keep both processes' writers queued on the store's lock the whole time;
    // each key costs a PBKDF2 at the real 600,000, so more would add time, not contention.
    it(`${CONCURRENT} concurrent generate requests with distinct names, on both servers, all land exactly once`, async () => {
      const wanted = Array.from({ length: CONCURRENT }, (_, i) => `conc-${i}`)
      const answers = await Promise.all(
        wanted.map((n, i) => call(gen(i % 2 ? b : a), { method: 'POST', headers: bearer(full), body: ec(n) })),
      )
      expect(answers.map((r) => r.status)).toEqual(wanted.map(() => 200))
      for (const r of answers) expect(r.body).toEqual(DEPLOYED)
      const all = await names()
      for (const n of wanted) expect(all.filter((x) => x === n)).toEqual([n])
      const keys = ((await call(jwksUrl(a))).body as { keys: { kid: string }[] }).keys
      const listed = (
        (await call(list(b), { headers: bearer(full, false) })).body as {
          resultList: { name: string; kid: string }[]
        }
      ).resultList
      const kids = listed.filter((e) => e.name.startsWith('conc-')).map((e) => e.kid)
      expect(new Set(kids).size).toBe(CONCURRENT)
      for (const kid of kids) expect(keys.some((k) => k.kid === kid)).toBe(true)
    })

    it('10 concurrent requests with one name, on both servers: one 200 and nine 400', async () => {
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          call(gen(i % 2 ? b : a), { method: 'POST', headers: bearer(full), body: ec('same-name') }),
        ),
      )
      const ok = answers.filter((r) => r.status === 200)
      const refused = answers.filter((r) => r.status === 400)
      expect([ok.length, refused.length]).toEqual([1, 9])
      expect(ok[0]?.body).toEqual(DEPLOYED)
      for (const r of refused) expect(r.body).toEqual(apinizerError('bad_request', exists('same-name')))
      expect((await names()).filter((n) => n === 'same-name')).toEqual(['same-name'])
    })

    it("a JWT signed with a generated key (private JWK from the library's store) verifies against the served JWKS", async () => {
      const body = JSON.stringify({ name: 'signer', type: 'EC', ec: { curveType: 'P256', algorithm: 'ES256' } })
      expect((await call(gen(a), { method: 'POST', headers: bearer(full), body })).body).toEqual(DEPLOYED)
      // The API never answers private members.
      const one = await call(`${list(b)}/signer`, { headers: bearer(full, false) })
      expect(one.status).toBe(200)
      expect(one.text).not.toMatch(/"d":/)
      const record = await admin.keys(P).get('signer')
      expect(typeof record.privateJwk.d).toBe('string')
      const key = await jose.importJWK(record.privateJwk as jose.JWK, 'ES256')
      const jwt = await new jose.SignJWT({ sub: 'alice' })
        .setProtectedHeader({ alg: 'ES256', kid: record.kid as string })
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(key)
      const { payload, protectedHeader } = await jose.jwtVerify(jwt, jose.createRemoteJWKSet(new URL(jwksUrl(b))))
      expect(payload.sub).toBe('alice')
      expect(protectedHeader.kid).toBe(record.kid)
      // A key of another project's JWKS does not verify it.
      await expect(
        jose.jwtVerify(jwt, jose.createRemoteJWKSet(new URL(`${a.url}/OtherProject/production/.well-known/jwks.json`))),
      ).rejects.toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY' })
    })

    it('the JWKS: only keys valid now, Cache-Control, ETag and 304; per environment; truthful deploymentResult', async () => {
      const first = await call(jwksUrl(a))
      const etag = first.headers.get('etag') as string
      expect(etag).toMatch(/^"[A-Za-z0-9_-]{43}"$/)
      expect(first.headers.get('cache-control')).toMatch(/^public, max-age=\d+$/)
      expect(first.headers.get('content-type')).toBe('application/jwk-set+json')
      const again = await call(jwksUrl(b), { headers: { 'if-none-match': etag } })
      expect([again.status, again.text, again.headers.get('etag')]).toEqual([304, '', etag])

      // Expired (the documentation's parameter example: 2024 to 2025) and not yet valid keys are not served.
      const expired = await call(gen(a), {
        method: 'POST',
        headers: bearer(full),
        body: readFileSync(join(FIXTURES, 'doc-ec-parameters.json'), 'utf8').replace('generated-ec-jwk', 'expired-ec'),
      })
      expect(expired.body).toEqual(notDeployed('Not deployed: the key expired at 2025-01-01T00:00:00.000Z'))
      const future = await call(gen(b), {
        method: 'POST',
        headers: bearer(full),
        body: ec('future', { notBeforeTime: '2099-01-01T00:00:00Z', expirationTime: '2100-01-01T00:00:00Z' }),
      })
      expect((future.body as typeof DEPLOYED).deploymentResult.environmentResults).toEqual([
        {
          environmentName: 'production',
          success: true,
          message: 'Deployed: served from 2099-01-01T00:00:00.000Z (its notBeforeTime)',
        },
      ])
      const served = ((await call(jwksUrl(a))).body as { keys: { kid: string }[] }).keys.map((k) => k.kid)
      expect(served).not.toContain('ec-key-1')
      const futureKid = (await admin.keys(P).list()).find((e) => e.name === 'future')?.kid
      expect(futureKid).toBeDefined()
      expect(served).not.toContain(futureKid)
      const nowS = Math.floor(Date.now() / 1000)
      for (const k of ((await call(jwksUrl(a))).body as { keys: { nbf: number; exp: number }[] }).keys) {
        expect(k.nbf <= nowS + 1 && nowS < k.exp).toBe(true)
      }
      // The set changes with a key valid now: a new ETag, and the old one gets the new body.
      expect((await call(gen(a), { method: 'POST', headers: bearer(full), body: ec('etag-change') })).status).toBe(200)
      const changed = await call(jwksUrl(a), { headers: { 'if-none-match': etag } })
      expect(changed.status).toBe(200)
      expect(changed.headers.get('etag')).not.toBe(etag)

      // A second environment: deployed to both, served by both.
      const added = spawnSync(
        process.execPath,
        [BIN, 'serve', 'environment', 'add', '--project', P, '--name', 'staging', ...backend.args],
        { encoding: 'utf8' },
      )
      expect({ status: added.status, stderr: added.stderr }).toEqual({ status: 0, stderr: '' })
      expect(JSON.parse(added.stdout).environments).toEqual(['production', 'staging'])
      const both = await call(gen(b), { method: 'POST', headers: bearer(full), body: ec('two-envs') })
      expect(both.body).toEqual(deployedTo(['production', 'staging']))
      const kid = (await admin.keys(P).list()).find((e) => e.name === 'two-envs')?.kid
      const staging = (await call(jwksUrl(a, 'staging'))).body as { keys: { kid: string }[] }
      expect(staging.keys.map((k) => k.kid)).toContain(kid)
      const missing = await call(jwksUrl(a, 'qa'))
      expect({ status: missing.status, body: missing.body }).toEqual({
        status: 404,
        body: apinizerError('not_found', `no environment qa in project ${P}`),
      })
    })

    it('get one, create from an existing JWK and from a PEM, delete (undeployed)', async () => {
      const pair = await jose.generateKeyPair('ES384', { extractable: true })
      const pub = await jose.exportJWK(pair.publicKey)
      const created = await call(list(a), {
        method: 'POST',
        headers: bearer(full),
        body: JSON.stringify({
          name: 'pasted',
          sourceType: 'COPY_PASTE',
          jwkStr: JSON.stringify({ keys: [{ ...pub, kid: 'pasted-1' }] }),
          kid: 'pasted-1',
        }),
      })
      expect((created.body as typeof DEPLOYED).deploymentResult.environmentResults.map((r) => r.message)).toEqual([
        'Deployed successfully',
        'Deployed successfully',
      ])
      const got = await call(`${list(b)}/pasted`, { headers: bearer(readOnly, false) })
      expect(got.status).toBe(200)
      expect((got.body as { result: Record<string, unknown> }).result).toMatchObject({
        name: 'pasted',
        projectId: P,
        sourceType: 'COPY_PASTE',
        type: 'EC',
        kid: 'pasted-1',
        publicJwk: { ...pub, kid: 'pasted-1' },
      })

      const { privateKey } = generateKeyPairSync('ed25519')
      const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }) as string
      const fromPem = await call(list(b), {
        method: 'POST',
        headers: bearer(full),
        body: JSON.stringify({ name: 'from-pem', sourceType: 'PEM', pem, use: 'sig', alg: 'EdDSA' }),
      })
      expect(fromPem.status).toBe(200)
      const stored = await admin.keys(P).get('from-pem')
      expect(stored.privateJwk.d).toBe(privateKey.export({ format: 'jwk' }).d)
      expect(stored.kid).toBe(await jose.calculateJwkThumbprint(privateKey.export({ format: 'jwk' }) as jose.JWK))
      const badPem = await call(list(b), {
        method: 'POST',
        headers: bearer(full),
        body: JSON.stringify({
          name: 'bad-pem',
          sourceType: 'PEM',
          pem: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----',
        }),
      })
      expect(badPem.status).toBe(400)
      expect((badPem.body as { error_description: string }).error_description).toMatch(
        /^pem is not a PEM key node:crypto can read: /,
      )
      const unknownSource = await call(list(b), {
        method: 'POST',
        headers: bearer(full),
        body: JSON.stringify({ name: 'u', sourceType: 'URL', url: 'https://example.com' }),
      })
      expect(unknownSource.body).toEqual(
        apinizerError('bad_request', 'sourceType must be one of COPY_PASTE, PEM (got "URL")'),
      )

      const del = await call(`${list(a)}/pasted`, { method: 'DELETE', headers: bearer(full, false) })
      expect(del.body).toEqual({
        success: true,
        deploymentResult: {
          success: true,
          message: 'Undeployment completed successfully',
          environmentResults: [
            { environmentName: 'production', success: true, message: 'Undeployed successfully' },
            { environmentName: 'staging', success: true, message: 'Undeployed successfully' },
          ],
        },
      })
      const kids = ((await call(jwksUrl(b))).body as { keys: { kid: string }[] }).keys.map((k) => k.kid)
      expect(kids).not.toContain('pasted-1')
      for (const method of ['GET', 'DELETE']) {
        const r = await call(`${list(b)}/pasted`, { method, headers: bearer(full, false) })
        expect({ method, status: r.status, body: r.body }).toEqual({
          method,
          status: 404,
          body: apinizerError('not_found', 'JWK (name: pasted) is not found!'),
        })
      }
    })

    it('a restart keeps everything: tokens, keys, environments, the same JWKS', async () => {
      const before = await names()
      const jwks = await call(jwksUrl(a))
      expect(await a.stop()).toEqual({ code: 0, signal: null })
      expect(await b.stop()).toEqual({ code: 0, signal: null })
      ;[a, b] = await Promise.all([startServer(backend), startServer(backend)])
      expect(await names()).toEqual(before)
      const after = await call(jwksUrl(b, 'staging'))
      expect([after.status, after.headers.get('etag'), after.text]).toEqual([200, jwks.headers.get('etag'), jwks.text])
      const r = await call(gen(b), { method: 'POST', headers: bearer(full), body: ec('after-restart') })
      expect(r.status).toBe(200)
      expect((await admin.keys(P).get('after-restart')).privateJwk.d).toBeTypeOf('string')
    })

    it('SIGTERM: the request in flight finishes (200), then the server exits 0', async () => {
      const body = ec('in-flight')
      const headers = { ...bearer(full), 'content-length': String(Buffer.byteLength(body)) }
      const answer = rawPost(a.url, `/apiops/projects/${P}/jwks/generate`, headers, (req) => {
        // Half the body now; the rest once the server has begun its shutdown.
        req.write(body.slice(0, 10))
        req.on('socket', (socket) => {
          socket.once('connect', () => {
            setTimeout(() => {
              a.child.kill('SIGTERM')
              const wait = setInterval(() => {
                if (a.stderr().includes('SIGTERM: finishing the requests in flight')) {
                  clearInterval(wait)
                  req.end(body.slice(10))
                }
              }, 20)
            }, 300)
          })
        })
      })
      expect(await answer).toEqual({ status: 200, body: deployedTo(['production', 'staging']) })
      expect(await a.exited).toEqual({ code: 0, signal: null })
      expect(a.stderr()).toMatch(/platform-keygen serve: stopped\n$/)
      // It is stored, and b (still up) serves it.
      const kid = (await admin.keys(P).list()).find((e) => e.name === 'in-flight')?.kid
      expect(((await call(jwksUrl(b))).body as { keys: { kid: string }[] }).keys.map((k) => k.kid)).toContain(kid)
      a = await startServer(backend)
    })
  })
}
