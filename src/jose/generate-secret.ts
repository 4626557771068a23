/**
 * generateSecret(alg, options): jose v6's generateSecret with the bytes from
 * the platform RNG (randomBytes: BCryptGenRandom / RAND_priv_bytes), imported
 * into WebCrypto as jose would have generated them. HS256/384/512 → an HMAC
 * CryptoKey of 256/384/512 bits; A128/192/256KW → AES-KW; A128/192/256GCMKW
 * and A128/192/256GCM → AES-GCM; A128CBC-HS256 / A192CBC-HS384 /
 * A256CBC-HS512 → a Uint8Array of 32/48/64 bytes (no CryptoKey form).
 */
import type { webcrypto } from 'node:crypto'
import { wipe } from '../formats/bytes.js'
import { randomBytes } from '../random.js'
import { SECRET_ALGORITHMS } from './algorithms.js'
import { joseNotSupported } from './load.js'

type CryptoKey = webcrypto.CryptoKey

export type GenerateSecretAlgorithm =
  | 'HS256'
  | 'HS384'
  | 'HS512'
  | 'A128CBC-HS256'
  | 'A192CBC-HS384'
  | 'A256CBC-HS512'
  | 'A128KW'
  | 'A192KW'
  | 'A256KW'
  | 'A128GCMKW'
  | 'A192GCMKW'
  | 'A256GCMKW'
  | 'A128GCM'
  | 'A192GCM'
  | 'A256GCM'
  | (string & {})

/** As jose: Uint8Array for the CBC-HS algorithms, CryptoKey for the others, their union when unknown. */
export type GeneratedSecret<Alg extends string> = Alg extends 'A128CBC-HS256' | 'A192CBC-HS384' | 'A256CBC-HS512'
  ? Uint8Array
  : string extends Alg
    ? CryptoKey | Uint8Array
    : CryptoKey

export interface GenerateSecretOptions {
  /** The CryptoKey's `extractable` (default false); no effect on the CBC-HS byte secrets. */
  extractable?: boolean
}

/** Generates a symmetric secret for a JWA algorithm from the platform RNG (a drop-in for jose v6's). */
export function generateSecret<Alg extends GenerateSecretAlgorithm>(
  alg: Alg,
  options?: GenerateSecretOptions,
): Promise<GeneratedSecret<Alg>>
export async function generateSecret(alg: string, options?: GenerateSecretOptions): Promise<CryptoKey | Uint8Array> {
  const extractable = options?.extractable
  if (extractable !== undefined && typeof extractable !== 'boolean') {
    throw new TypeError('"extractable" option must be a boolean')
  }
  const entry = typeof alg === 'string' && Object.hasOwn(SECRET_ALGORITHMS, alg) ? SECRET_ALGORITHMS[alg] : undefined
  if (!entry) throw await joseNotSupported('Invalid or unsupported "alg" (Algorithm) value')

  const bytes = randomBytes(entry.bytes)
  try {
    if (!entry.subtle) return Uint8Array.from(bytes)
    return await globalThis.crypto.subtle.importKey('raw', bytes, entry.subtle, extractable ?? false, [...entry.usages])
  } finally {
    wipe(bytes)
  }
}
