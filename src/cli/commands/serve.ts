/**
 * `serve`: the Generate-JWK service (src/server/), and its two admin verbs.
 *
 *   platform-keygen serve --data DIR [--host 127.0.0.1] [--port 8080] [--cert FILE --key FILE]
 *   platform-keygen serve token create --project P --role ROLE_API_SECURITY [--role ...] --data DIR
 *   platform-keygen serve environment add --project P --name staging --data DIR
 *
 * The server passphrase (private JWKs encrypted at rest) comes from
 * --passphrase-file FILE or the environment variable
 * PLATFORM_KEYGEN_SERVER_PASSPHRASE. SIGTERM or SIGINT stop it gracefully:
 * requests in flight finish, then it exits 0.
 */
import { readFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { InvalidRequestError } from '../../errors.js'
import { checkName as checkServerName, checkRoles as checkServerRoles } from '../../server/model.js'
import { createServer, openServiceStore } from '../../server/server.js'
import { type CommandDef, intOption, stringOption, type Values } from '../command.js'
import { flags } from '../flags.js'
import { jsonLine, print } from '../output.js'
import { passphraseOf } from '../passphrase.js'
import { asUsage, EXIT_OK } from '../report.js'

export const PASSPHRASE_ENV = 'PLATFORM_KEYGEN_SERVER_PASSPHRASE'

const usage = (message: string): never => {
  throw asUsage(new InvalidRequestError(message))
}

/** A bad name or role on the command line is a usage error (exit 2). */
function usageIfBad<T>(check: () => T): T {
  try {
    return check()
  } catch (err) {
    throw asUsage(err)
  }
}
const checkName = (v: string, what: 'project' | 'environment') => usageIfBad(() => checkServerName(v, what))
const checkRoles = (v: unknown) => usageIfBad(() => checkServerRoles(v))

function storeOf(values: Values): { dataDir?: string; database?: string } {
  const dataDir = stringOption(values, 'data')
  const database = stringOption(values, 'database')
  if ((dataDir === undefined) === (database === undefined)) usage('give --data DIR or --database postgres://...')
  return dataDir !== undefined ? { dataDir } : { database: database as string }
}

function only(values: Values, allowed: string[], what: string): void {
  for (const [k, v] of Object.entries(values)) {
    if (v !== undefined && !allowed.includes(k)) usage(`--${k} is not an option of ${what}`)
  }
}

async function run(values: Values): Promise<number> {
  only(values, ['data', 'database', 'host', 'port', 'cert', 'key', 'passphrase-file'], 'serve')
  const store = storeOf(values)
  const passphrase = passphraseOf(values) ?? process.env[PASSPHRASE_ENV]
  if (passphrase === undefined || passphrase === '') {
    usage(`the server passphrase is needed: --passphrase-file FILE or the environment variable ${PASSPHRASE_ENV}`)
  }
  const host = stringOption(values, 'host') ?? '127.0.0.1'
  const port = intOption(values, 'port', 8080, 0, 65535)
  const certFile = stringOption(values, 'cert')
  const keyFile = stringOption(values, 'key')
  if ((certFile === undefined) !== (keyFile === undefined)) usage('--cert and --key go together')
  const tls =
    certFile !== undefined ? { cert: readFileSync(certFile), key: readFileSync(keyFile as string) } : undefined
  const server = await createServer({ ...store, passphrase: passphrase as string, ...(tls ? { tls } : {}) })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  // The handlers go in before the "listening" line: whoever reads it may signal at once.
  const stopped = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'))
    process.once('SIGINT', () => resolve('SIGINT'))
  })
  const address = server.address() as AddressInfo
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address
  process.stderr.write(
    `platform-keygen serve: listening on ${tls ? 'https' : 'http'}://${shown}:${address.port} (${server.store.kind} store)\n`,
  )
  const signal = await stopped
  process.stderr.write(`platform-keygen serve: ${signal}: finishing the requests in flight\n`)
  await server.shutdown()
  process.stderr.write('platform-keygen serve: stopped\n')
  return EXIT_OK
}

async function tokenCreate(values: Values): Promise<number> {
  only(values, ['data', 'database', 'project', 'role'], 'serve token create')
  const project = checkName(stringOption(values, 'project') ?? usage('serve token create needs --project P'), 'project')
  const roles = checkRoles(values.role)
  const store = await openServiceStore(storeOf(values))
  try {
    // Only the token, on stdout (for `TOKEN=$(...)`): shown once, only its SHA-256 is kept.
    const { token } = await store.createToken(project, roles)
    print(`${token}\n`)
  } finally {
    await store.close()
  }
  return EXIT_OK
}

async function environmentAdd(values: Values): Promise<number> {
  only(values, ['data', 'database', 'project', 'name'], 'serve environment add')
  const project = checkName(
    stringOption(values, 'project') ?? usage('serve environment add needs --project P'),
    'project',
  )
  const name = checkName(stringOption(values, 'name') ?? usage('serve environment add needs --name ENV'), 'environment')
  const store = await openServiceStore(storeOf(values))
  try {
    const record = await store.addEnvironment(project, name)
    print(jsonLine(record))
  } finally {
    await store.close()
  }
  return EXIT_OK
}

export const SERVE_COMMAND: CommandDef = {
  name: 'serve',
  summary:
    'Run the Apinizer-style Generate-JWK HTTP service; `serve token create` and `serve environment add` manage it.',
  usage:
    'serve (--data DIR | --database URL) [--host H] [--port N] [--cert FILE --key FILE] [--passphrase-file FILE]\n' +
    '       platform-keygen serve token create --project P --role ROLE [--role ROLE] (--data DIR | --database URL)\n' +
    '       platform-keygen serve environment add --project P --name ENV (--data DIR | --database URL)',
  description: `POST /apiops/projects/{p}/jwks/generate (Apinizer's request bodies), GET/POST /apiops/projects/{p}/jwks, GET/DELETE /apiops/projects/{p}/jwks/{name}, with personal API access tokens (Authorization: Bearer); GET /{p}/{environment}/.well-known/jwks.json serves the public keys valid now, unauthenticated. Private JWKs are encrypted at rest with the server passphrase (--passphrase-file FILE or ${PASSPHRASE_ENV}). Roles: ROLE_API_SECURITY reads; changes (they deploy) also need ROLE_DEPLOY_UNDEPLOY_PROXIES. The token is printed once to stdout; only its SHA-256 is stored. SIGTERM stops the server after the requests in flight.`,
  options: flags({
    data: 'the file store: tokens, projects and encrypted JWK sets',
    database: 'postgres://... : keep everything in PostgreSQL instead',
    host: 'address to listen on (default 127.0.0.1, loopback)',
    port: 'port to listen on (default 8080; 0 picks a free one)',
    cert: 'serve HTTPS with this PEM certificate (with --key)',
    key: 'the PEM private key FILE of --cert',
    'passphrase-file': `a file whose first line is the server passphrase (else ${PASSPHRASE_ENV})`,
    project: 'token create / environment add: the project',
    role: 'token create: ROLE_API_SECURITY and/or ROLE_DEPLOY_UNDEPLOY_PROXIES (repeat for both)',
    name: 'environment add: the environment name',
  }),
  positionals: { min: 0, max: 2, name: 'token create | environment add' },
  examples: [
    'platform-keygen serve token create --project MyProject --role ROLE_API_SECURITY --role ROLE_DEPLOY_UNDEPLOY_PROXIES --data keygen-data',
    'platform-keygen serve environment add --project MyProject --name staging --data keygen-data',
  ],
  async run(values, positionals) {
    const verb = positionals.join(' ')
    if (verb === '') return run(values)
    if (verb === 'token create') return tokenCreate(values)
    if (verb === 'environment add') return environmentAdd(values)
    return usage(`unknown serve verb ${JSON.stringify(verb)}: serve, serve token create, serve environment add`)
  },
}
