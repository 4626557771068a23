/**
 * The entry points: generateKey(spec), generateKeySync, generateKeys,
 * and capabilities() — the typed front of the native layer.
 * Validation is spec.ts, the provider's capabilities capabilities.ts, the
 * spec cache spec-cache.ts, and how requests reach the threadpool scheduler.ts.
 */

import { describeValue, InvalidRequestError, NotExtractableError } from '../errors.js'
import { ownedCopy } from '../formats/bytes.js'
import type { Pkcs8Protection } from '../formats/encrypted-pkcs8.js'
import type { Jwk } from '../formats/jwk.js'
import type { PrivateType } from '../formats/pkcs.js'
import { type KeyPair, type PrivateExportOptions, planPrivateExport } from '../keypair.js'
import { generateHere, schedule, scheduleBulk, scheduleBulkBlobs } from './scheduler.js'
import type { KeySpec } from './spec.js'
import { type SpecEntry, specEntry } from './spec-cache.js'

export { type Capabilities, capabilities } from './capabilities.js'
export { slowWork } from './scheduler.js'
export { type KeySpec, type ResolvedSpec, resolveSpec } from './spec.js'
export { keptSpecCount } from './spec-cache.js'

/**
 * Generates a key pair with the platform's crypto on the libuv threadpool.
 * Rejects with typed errors (ERR_KEY_LENGTH, ERR_UNSUPPORTED_ALGORITHM,
 * ERR_NOT_SUPPORTED_ON_PLATFORM, ERR_INVALID_REQUEST, ERR_PROVIDER).
 */
export function generateKey(spec: KeySpec): Promise<KeyPair> {
  let p: SpecEntry
  try {
    p = specEntry(spec) // throws the typed errors of the table (or a spec getter's own error)
  } catch (err) {
    return Promise.reject(err)
  }
  return schedule(p)
}

/**
 * Generates a key pair on the calling thread and returns it: no threadpool
 * hop and no promise, the fastest way to one small key (EC, EdDSA, X25519,
 * ML-DSA, ML-KEM take microseconds). It blocks the event loop for as long as
 * the provider takes: milliseconds to seconds for RSA, DSA and DH, as
 * node:crypto's generateKeyPairSync does. Throws the same typed errors as
 * generateKey.
 */
export function generateKeySync(spec: KeySpec): KeyPair {
  return generateHere(specEntry(spec))
}

/** The most keys one generateKeys() call makes. */
export const MAX_KEYS_PER_CALL = 65536

/**
 * Generates `count` key pairs of one spec: the fastest way to many keys.
 * Small keys (EC, EdDSA, X25519/X448, ML-DSA, ML-KEM) go to native code as
 * one threadpool work item per core (at most 256 keys each) with one promise
 * for all; RSA, DSA and DH keys go one work item each, at most (threadpool
 * size − 1) at a time, the rest queued in JS. All or nothing: if any key fails, the others are destroyed and
 * the call rejects with the first error (typed as generateKey's).
 *
 * With export options (those of KeyPair.export), it returns the keys
 * exported instead: `{ format: 'jwk' }` gives private JWKs, 'pem' strings,
 * 'der' and 'blob' Buffers. No handle reaches JS then: small keys are made,
 * exported and released on the threadpool (their private material cleansed
 * there), which is the fastest way to many encoded keys. The options are
 * checked before any key is made; a spec with extractable: false is
 * ERR_NOT_EXTRACTABLE.
 */
export function generateKeys(spec: KeySpec, count: number): Promise<KeyPair[]>
export function generateKeys(spec: KeySpec, count: number, options: { format: 'jwk' }): Promise<Jwk[]>
export function generateKeys(
  spec: KeySpec,
  count: number,
  options:
    | ({ format: 'pem'; type?: PrivateType } & Pkcs8Protection)
    | { format: 'openssh'; comment?: string; passphrase?: string | Uint8Array; rounds?: number },
): Promise<string[]>
export function generateKeys(
  spec: KeySpec,
  count: number,
  options: ({ format: 'der'; type?: PrivateType } & Pkcs8Protection) | { format: 'blob'; type?: 'private' | 'seed' },
): Promise<Buffer[]>
export function generateKeys(
  spec: KeySpec,
  count: number,
  options: PrivateExportOptions,
): Promise<(Jwk | string | Buffer)[]>
export async function generateKeys(
  spec: KeySpec,
  count: number,
  options?: PrivateExportOptions,
): Promise<KeyPair[] | (Jwk | string | Buffer)[]> {
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > MAX_KEYS_PER_CALL) {
    throw new InvalidRequestError(
      `count must be an integer from 1 to ${MAX_KEYS_PER_CALL}, got ${describeValue(count)}`,
    )
  }
  const p = specEntry(spec)
  if (p.resolved.native.seed && count > 1) {
    throw new InvalidRequestError('a seed makes exactly one key: generate seeded keys with count 1')
  }
  if (options === undefined) return scheduleBulk(p, count)
  const plan = planPrivateExport(p.info, options)
  if (!p.resolved.extractable) throw new NotExtractableError('the keys are made with extractable: false')
  if (!p.batched || p.resolved.native.seed) {
    // slow keys (one work item each) and a seeded key: through handles, as KeyPair.export
    const keys = await scheduleBulk(p, count)
    try {
      return keys.map((k) => k.export(options))
    } finally {
      for (const k of keys) k.destroy()
    }
  }
  return scheduleBulkBlobs(p, count, plan.kinds, (blobs) =>
    plan.raw ? ownedCopy(blobs[0] as Buffer) : plan.encode(blobs),
  )
}
