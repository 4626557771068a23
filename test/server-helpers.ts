/** Helpers for the Generate-JWK service tests: real `platform-keygen serve` processes on 127.0.0.1. */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('..', import.meta.url))
export const BIN = join(ROOT, 'bin', 'platform-keygen.js')
export const PASSPHRASE = 'correct horse battery staple (test server)'

/** Where a server keeps its state: the CLI arguments and the library options for the same store. */
export interface Backend {
  kind: 'file' | 'postgres'
  args: string[]
  options: { dataDir: string } | { database: string }
}

export interface RunningServer {
  url: string
  child: ChildProcess
  stderr(): string
  /** Resolves with how the process ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  /** Sends the signal and resolves with how the process ended. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** Starts `platform-keygen serve ... --port 0` and resolves once it says where it listens. */
export function startServer(
  backend: Backend,
  extra: string[] = [],
  env: Record<string, string> = { PLATFORM_KEYGEN_SERVER_PASSPHRASE: PASSPHRASE },
): Promise<RunningServer> {
  if (!existsSync(join(ROOT, 'dist', 'esm', 'cli', 'main.js'))) {
    throw new Error('dist/ is not built: run `npm run build:ts` (npm test does)')
  }
  const child = spawn(process.execPath, [BIN, 'serve', ...backend.args, '--port', '0', ...extra], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let err = ''
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }))
  })
  child.stderr?.setEncoding('utf8')
  return new Promise((resolve, reject) => {
    const onData = (chunk: string) => {
      err += chunk
      const m = /listening on (https?:\/\/\S+) /.exec(err)
      if (m) {
        resolve({
          url: m[1] as string,
          child,
          stderr: () => err,
          exited,
          stop: (signal = 'SIGTERM') => {
            if (child.exitCode === null && child.signalCode === null) child.kill(signal)
            return exited
          },
        })
      }
    }
    child.stderr?.on('data', onData)
    child.stdout?.resume()
    exited.then(({ code, signal }) => reject(new Error(`serve exited (${code ?? signal}) before listening:\n${err}`)))
  })
}

/** The parsed reply of a request. */
export interface Answer {
  status: number
  headers: Headers
  body: unknown
  text: string
}

export async function call(url: string, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(url, init)
  const text = await res.text()
  let body: unknown
  try {
    body = text === '' ? undefined : JSON.parse(text)
  } catch {
    body = undefined
  }
  return { status: res.status, headers: res.headers, body, text }
}

export function bearer(token: string, json = true): Record<string, string> {
  return json
    ? { authorization: `Bearer ${token}`, 'content-type': 'application/json' }
    : { authorization: `Bearer ${token}` }
}

/** The Apinizer error body. */
export const apinizerError = (error: string, description: string) => ({ error, error_description: description })
