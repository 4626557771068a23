/** The Generate-JWK service with the file store (--data DIR): the shared suite, plus what only files show. */
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { request } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createServer, openServiceStore } from '../src/server/index.js'
import { BIN, bearer, PASSPHRASE, startServer } from './server-helpers.js'
import { serverSuite } from './server-suite.js'

const dirs: string[] = []
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'pk-serve-'))
  dirs.push(d)
  return d
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

/** Every file under dir, relative. */
function walk(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`],
  )
}

let suiteDir = ''
serverSuite('file store', async () => {
  suiteDir = tempDir()
  return { kind: 'file', args: ['--data', suiteDir], options: { dataDir: suiteDir } }
})

describe('Generate-JWK service, file store specifics', () => {
  it('after the suite: no lock left, every file 0600, no token and no private key in the clear', () => {
    const files = walk(suiteDir)
    expect(files.filter((f) => f.includes('.lock') || f.includes('.tmp'))).toEqual([])
    expect(files.sort()).toEqual([
      'projects/MyProject/jwks.json',
      'projects/MyProject/project.json',
      'projects/OtherProject/project.json',
      'tokens.json',
    ])
    for (const f of files) expect((statSync(join(suiteDir, f)).mode & 0o777).toString(8)).toBe('600')
    const store = JSON.parse(readFileSync(join(suiteDir, 'projects/MyProject/jwks.json'), 'utf8'))
    expect(store.protection).toBe('jwe')
    for (const e of store.entries) {
      expect(e.privateJwk).toBeUndefined()
      expect(e.privateJwe.split('.')).toHaveLength(5)
    }
    const tokens = JSON.parse(readFileSync(join(suiteDir, 'tokens.json'), 'utf8')).tokens
    expect(tokens).toHaveLength(4)
    for (const t of tokens) expect(Object.keys(t).sort()).toEqual(['createdAt', 'id', 'project', 'roles', 'sha256'])
  })

  it('serve token create prints the token once; only its SHA-256 is stored, and it works', async () => {
    const dir = tempDir()
    const r = spawnSync(
      process.execPath,
      [BIN, 'serve', 'token', 'create', '--project', 'P1', '--role', 'ROLE_API_SECURITY', '--data', dir],
      { encoding: 'utf8' },
    )
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' })
    const token = r.stdout.trim()
    expect(token).toMatch(/^pkg_[A-Za-z0-9_-]{43}$/)
    const file = readFileSync(join(dir, 'tokens.json'), 'utf8')
    expect(file).not.toContain(token)
    const { createHash } = await import('node:crypto')
    expect(JSON.parse(file).tokens[0]).toMatchObject({
      project: 'P1',
      roles: ['ROLE_API_SECURITY'],
      sha256: createHash('sha256').update(token).digest('hex'),
    })
    const store = await openServiceStore({ dataDir: dir })
    expect((await store.findToken(token))?.project).toBe('P1')
    expect(await store.findToken(`${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`)).toBeUndefined()
    await store.close()
  })

  it('CLI refusals: no passphrase, a bad role, a bad project name, --cert without --key (exit 2, nothing written)', () => {
    const dir = tempDir()
    const run = (args: string[], env: Record<string, string> = {}) =>
      spawnSync(process.execPath, [BIN, 'serve', ...args], {
        encoding: 'utf8',
        env: { ...process.env, PLATFORM_KEYGEN_SERVER_PASSPHRASE: '', ...env },
      })
    const cases: [string[], Record<string, string>, string][] = [
      [
        ['--data', dir],
        {},
        'the server passphrase is needed: --passphrase-file FILE or the environment variable PLATFORM_KEYGEN_SERVER_PASSPHRASE',
      ],
      [['--data', dir, '--cert', 'c.pem'], { PLATFORM_KEYGEN_SERVER_PASSPHRASE: 'x' }, '--cert and --key go together'],
      [['--port', '1'], { PLATFORM_KEYGEN_SERVER_PASSPHRASE: 'x' }, 'give --data DIR or --database postgres://...'],
      [
        ['token', 'create', '--project', 'P', '--role', 'ROLE_ADMIN', '--data', dir],
        {},
        'unknown role "ROLE_ADMIN": the roles are ROLE_API_SECURITY, ROLE_DEPLOY_UNDEPLOY_PROXIES',
      ],
      [
        ['token', 'create', '--project', '../etc', '--role', 'ROLE_API_SECURITY', '--data', dir],
        {},
        'the project name "../etc" is invalid: 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit, without ".."',
      ],
      [
        ['token', 'delete', '--data', dir],
        {},
        'unknown serve verb "token delete": serve, serve token create, serve environment add',
      ],
    ]
    for (const [args, env, message] of cases) {
      const r = run(args, env)
      expect({ args, status: r.status, first: r.stderr.split('\n')[0] }).toEqual({
        args,
        status: 2,
        first: `platform-keygen: error ERR_INVALID_REQUEST: ${message}`,
      })
    }
    expect(readdirSync(dir)).toEqual([])
  })

  it('loopback by default; --passphrase-file; a wrong passphrase is refused at start, the store untouched', async () => {
    const dir = tempDir()
    const pf = join(dir, '..', `${dir.split('/').pop()}-pass`)
    writeFileSync(pf, `${PASSPHRASE}\n`)
    dirs.push(pf)
    const admin = await openServiceStore({ dataDir: dir })
    const { token } = await admin.createToken('P', ['ROLE_API_SECURITY', 'ROLE_DEPLOY_UNDEPLOY_PROXIES'])
    await admin.close()
    const backend = { kind: 'file' as const, args: ['--data', dir], options: { dataDir: dir } }
    const s = await startServer(backend, ['--passphrase-file', pf], {})
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const body = JSON.stringify({ name: 'k', type: 'OKP', okp: { curveType: 'ED25519' } })
    const ok = await fetch(`${s.url}/apiops/projects/P/jwks/generate`, { method: 'POST', headers: bearer(token), body })
    expect(ok.status).toBe(200)
    expect(await s.stop()).toEqual({ code: 0, signal: null })
    const before = readFileSync(join(dir, 'projects/P/jwks.json'))
    await expect(startServer(backend, [], { PLATFORM_KEYGEN_SERVER_PASSPHRASE: 'not the passphrase' })).rejects.toThrow(
      /platform-keygen: error ERR_STORE_PASSPHRASE: wrong passphrase for the JWK store /,
    )
    expect(readFileSync(join(dir, 'projects/P/jwks.json'))).toEqual(before)
  })

  it('a chunked body past 64 KiB (no Content-Length) is cut off at the limit: 413, nothing written', async () => {
    const dir = tempDir()
    const admin = await openServiceStore({ dataDir: dir })
    const { token } = await admin.createToken('P', ['ROLE_API_SECURITY', 'ROLE_DEPLOY_UNDEPLOY_PROXIES'])
    await admin.close()
    const server = await createServer({ dataDir: dir, passphrase: PASSPHRASE })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as { port: number }).port
    const answer = await new Promise<{ status: number; body: unknown }>((resolve, reject) => {
      const req = httpRequest(
        { host: '127.0.0.1', port, method: 'POST', path: '/apiops/projects/P/jwks/generate', headers: bearer(token) },
        (res) => {
          let data = ''
          res.setEncoding('utf8')
          res.on('data', (c) => {
            data += c
          })
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(data) }))
        },
      )
      // The server may close the connection before the last chunks: that is its answer, not an error.
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code !== 'EPIPE' && err.code !== 'ECONNRESET') reject(err)
      })
      req.write(`{"name":"big","type":"OCT","description":"`)
      for (let i = 0; i < 17; i++) req.write('x'.repeat(4096))
      req.end('"}')
    })
    expect(answer).toEqual({
      status: 413,
      body: { error: 'payload_too_large', error_description: 'the request body is larger than 65536 bytes' },
    })
    await server.shutdown()
    expect(walk(dir).sort()).toEqual(['projects/P/project.json', 'tokens.json'])
  })

  it('TLS with --cert/--key (createServer with tls): HTTPS answers, checked against the certificate', async () => {
    const dir = tempDir()
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    )
    const cert = readFileSync(join(dir, 'cert.pem'))
    const server = await createServer({
      dataDir: join(dir, 'data'),
      passphrase: PASSPHRASE,
      tls: { cert, key: readFileSync(join(dir, 'key.pem')) },
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as { port: number }).port
    const status = await new Promise<number>((resolve, reject) => {
      request({ host: '127.0.0.1', port, path: '/apiops/projects/P/jwks', ca: cert }, (res) => {
        res.resume()
        resolve(res.statusCode ?? 0)
      })
        .on('error', reject)
        .end()
    })
    expect(status).toBe(401)
    await server.shutdown()
    expect(server.listening).toBe(false)
    // And the CLI takes the same files.
    const s = await startServer({ kind: 'file', args: ['--data', join(dir, 'data')], options: { dataDir: dir } }, [
      '--cert',
      join(dir, 'cert.pem'),
      '--key',
      join(dir, 'key.pem'),
    ])
    expect(s.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
    expect(await s.stop()).toEqual({ code: 0, signal: null })
  })
})
