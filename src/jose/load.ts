/**
 * jose is loaded lazily (a dynamic import, on first need) so that importing
 * platform-keygen never loads it: the drop-in only needs it to throw jose's
 * own error classes, and the key store only for its JWE encryption. In the
 * CommonJS build the import becomes require('jose'), which works on every
 * Node.js that can require an ES module (20.19+, 22.12+, 24).
 */
export type Jose = typeof import('jose')

let jose: Promise<Jose> | undefined

export function loadJose(): Promise<Jose> {
  jose ??= import('jose')
  return jose
}

/** jose's own `errors.JOSENotSupported` (code ERR_JOSE_NOT_SUPPORTED), so `instanceof` works as with jose. */
export async function joseNotSupported(message: string, cause?: unknown): Promise<Error> {
  const { errors } = await loadJose()
  return cause === undefined ? new errors.JOSENotSupported(message) : new errors.JOSENotSupported(message, { cause })
}
