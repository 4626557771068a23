/**
 * The HTTP plumbing of the Generate-JWK service: JSON replies in Apinizer's
 * error shape (`{ "error", "error_description" }`), and a request body
 * reader that refuses a wrong content type (415), more than 64 KiB (413) and
 * malformed JSON (400) before any handler sees the request.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'

/** The largest request body accepted, in bytes. */
export const MAX_BODY_BYTES = 64 * 1024

/** What a handler answers: a status, a JSON body (or none, for 304) and extra headers. */
export interface Reply {
  status: number
  body?: unknown
  /** A body sent as it is (already serialised JSON). */
  raw?: string
  headers?: Record<string, string>
}

/** An error reply in Apinizer's shape. */
export function problem(status: number, error: string, description: string, headers?: Record<string, string>): Reply {
  const reply: Reply = { status, body: { error, error_description: description } }
  if (headers) reply.headers = headers
  return reply
}

export const badRequest = (description: string): Reply => problem(400, 'bad_request', description)
export const notFound = (description: string): Reply => problem(404, 'not_found', description)

export function isReply(v: unknown): v is Reply {
  return typeof v === 'object' && v !== null && typeof (v as Reply).status === 'number' && !(v instanceof Error)
}

/** Writes a reply; JSON bodies get `Content-Type: application/json` and `Cache-Control: no-store` unless set. */
export function send(res: ServerResponse, reply: Reply): void {
  const headers: Record<string, string> = { 'cache-control': 'no-store', ...reply.headers }
  let text: string | undefined = reply.raw
  if (text === undefined && reply.body !== undefined) text = JSON.stringify(reply.body)
  if (text !== undefined) {
    headers['content-type'] ??= 'application/json; charset=utf-8'
    headers['content-length'] = String(Buffer.byteLength(text))
  }
  res.writeHead(reply.status, headers)
  res.end(text)
}

/** Whether the request says its body is JSON (`application/json`, any parameters such as charset=utf-8). */
function isJsonContentType(header: string | undefined): boolean {
  if (!header) return false
  const [type, ...params] = header.split(';').map((s) => s.trim().toLowerCase())
  if (type !== 'application/json') return false
  const charset = params.find((p) => p.startsWith('charset='))
  return charset === undefined || charset === 'charset=utf-8' || charset === 'charset="utf-8"'
}

/**
 * The request's JSON body, or the reply refusing it: 415 for another content
 * type, 413 past MAX_BODY_BYTES (checked on Content-Length first, then while
 * reading, which stops at the limit), 400 for bytes that are not UTF-8 JSON.
 */
export async function readJson(req: IncomingMessage): Promise<unknown | Reply> {
  if (!isJsonContentType(req.headers['content-type'])) {
    return problem(
      415,
      'unsupported_media_type',
      `the request body must be application/json (got ${req.headers['content-type'] ? JSON.stringify(req.headers['content-type']) : 'no Content-Type'})`,
    )
  }
  const tooLarge = problem(413, 'payload_too_large', `the request body is larger than ${MAX_BODY_BYTES} bytes`, {
    connection: 'close',
  })
  const declared = req.headers['content-length']
  if (declared !== undefined && Number(declared) > MAX_BODY_BYTES) {
    req.resume()
    return tooLarge
  }
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > MAX_BODY_BYTES) {
      req.resume()
      return tooLarge
    }
    chunks.push(chunk)
  }
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks))
  } catch {
    return badRequest('the request body is not valid UTF-8')
  }
  try {
    return JSON.parse(text)
  } catch (err) {
    return badRequest(`the request body is not valid JSON: ${(err as Error).message}`)
  }
}
