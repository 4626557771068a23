/**
 * createServer(options): the Generate-JWK service as a node:http (or, with
 * `tls`, node:https) server, not yet listening. Its `shutdown()` stops
 * accepting connections, lets the requests in flight finish, then closes the
 * store (the JwkStores wipe the passphrase; their locks are only held inside
 * a request, so none is left behind).
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { InvalidRequestError } from '../errors.js'
import { passphraseBytes } from '../store/encryption.js'
import { FileServiceStore } from './file-store.js'
import { send } from './http.js'
import type { ServiceStore } from './model.js'
import { internalError, Limiter, route } from './routes.js'

export interface ServerOptions {
  /** The file store's directory (the embedded default). */
  dataDir?: string
  /** A postgres:// URL: keep everything in PostgreSQL instead of files. */
  database?: string
  /** The server passphrase: private JWKs are encrypted at rest with it (PBES2-HS512+A256KW, A256GCM). */
  passphrase: string | Uint8Array
  /** Serve HTTPS with this certificate and key (PEM). */
  tls?: { cert: string | Uint8Array; key: string | Uint8Array }
  /** Where to write one line per failed request (default: stderr). */
  log?: (line: string) => void
}

export interface KeygenServer extends Server {
  /** The store the server uses. */
  readonly store: ServiceStore
  /** Stops accepting, waits for the requests in flight, closes the store. Idempotent. */
  shutdown(): Promise<void>
}

const OPTION_KEYS = ['dataDir', 'database', 'passphrase', 'tls', 'log']

/** Opens the store the options name (for the server, and for `serve token create`). */
export async function openServiceStore(options: {
  dataDir?: string
  database?: string
  passphrase?: string | Uint8Array
}): Promise<ServiceStore> {
  if ((options.dataDir === undefined) === (options.database === undefined)) {
    throw new InvalidRequestError('give exactly one of dataDir (--data DIR) and database (--database postgres://...)')
  }
  if (options.database !== undefined) {
    const { openPostgresStore } = await import('./pg-store.js')
    return openPostgresStore({ url: options.database, passphrase: options.passphrase })
  }
  if (typeof options.dataDir !== 'string' || options.dataDir === '') {
    throw new InvalidRequestError('dataDir must be a non-empty path')
  }
  const fileOptions: ConstructorParameters<typeof FileServiceStore>[0] = { dataDir: options.dataDir }
  if (options.passphrase !== undefined) fileOptions.passphrase = options.passphrase
  return new FileServiceStore(fileOptions).open()
}

export async function createServer(options: ServerOptions): Promise<KeygenServer> {
  if (typeof options !== 'object' || options === null)
    throw new InvalidRequestError('createServer takes an options object')
  for (const k of Object.keys(options)) {
    if (!OPTION_KEYS.includes(k)) throw new InvalidRequestError(`unknown createServer option "${k}"`)
  }
  // Refuses a missing or empty passphrase: private keys are never kept in the clear here.
  const passphrase = passphraseBytes(options.passphrase)
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`))
  const store = await openServiceStore({ ...pick(options), passphrase })
  passphrase.fill(0)

  const writes = new Limiter(2)
  let closing: Promise<void> | undefined
  let server: Server
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    if (closing) res.setHeader('connection', 'close')
    res.on('finish', () => {
      if (closing) server.closeIdleConnections()
    })
    route(req, store, writes).then(
      (reply) => send(res, reply),
      (err: unknown) => {
        const code = (err as { code?: unknown } | undefined)?.code
        const what = err instanceof Error ? (err.stack ?? err.message) : String(err)
        log(`platform-keygen serve: ${req.method} ${req.url}: ${typeof code === 'string' ? `${code} ` : ''}${what}`)
        if (res.headersSent) res.destroy()
        else send(res, internalError(err))
      },
    )
  }
  server = options.tls
    ? createHttpsServer({ cert: Buffer.from(options.tls.cert), key: Buffer.from(options.tls.key) }, handler)
    : createHttpServer(handler)
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n')
    else socket.destroy()
  })
  return Object.assign(server, {
    store,
    shutdown(): Promise<void> {
      closing ??= new Promise<void>((resolve) => {
        if (!server.listening) return resolve()
        server.close(() => resolve())
        server.closeIdleConnections()
      }).then(() => store.close())
      return closing
    },
  })
}

function pick(o: ServerOptions): { dataDir?: string; database?: string } {
  const out: { dataDir?: string; database?: string } = {}
  if (o.dataDir !== undefined) out.dataDir = o.dataDir
  if (o.database !== undefined) out.database = o.database
  return out
}
