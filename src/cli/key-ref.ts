/**
 * Key references of the platform-key commands: `tpm:NAME`, `software:NAME`
 * (Windows), `tpm:handle:0x81000010`, or a private key file (PEM / JWK,
 * imported non-extractable).
 */
import { readFileSync } from 'node:fs'
import { InvalidRequestError } from '../errors.js'
import { importKey } from '../import.js'
import { KeyPair } from '../keypair.js'
import { type KeyStoreName, openKey, PLATFORM_KEY_ALGORITHMS } from '../platform-keys/index.js'
import { type Algorithm, JOSE_ALGORITHMS, keyLengthTable, specForCurve } from '../registry.js'
import { asUsage, withFix } from './report.js'

/**
 * What `key create --alg` takes, to the algorithm createKey makes: the platform stores' CNG ids
 * (RSA, ECDSA_P256 …, ECDH_P256 …), the ECDH ones also with a dash (ECDH-P384), and the registry's
 * JWA names of those keys: every signature algorithm (ES256 → ECDSA_P256, RS256 / PS256 → RSA, …)
 * and the first name of each encryption family (ECDH-ES on P-256, RSA-OAEP), not its variants
 * (ECDH-ES+A128KW, RSA-OAEP-256) nor what the drop-in does not do (RSA1_5).
 */
const PLATFORM_KEY_NAMES: ReadonlyMap<string, Algorithm> = (() => {
  const names = new Map<string, Algorithm>()
  for (const a of PLATFORM_KEY_ALGORITHMS) {
    names.set(a, a)
    if (keyLengthTable[a].kind === 'agree') names.set(a.replace('_', '-'), a)
  }
  const family = (alg: string): string | undefined =>
    JOSE_ALGORITHMS.find((r) => r.alg !== alg && alg.startsWith(r.alg))?.alg
  for (const r of JOSE_ALGORITHMS) {
    if (r.jwkOnly || (r.use === 'enc' && family(r.alg) !== undefined)) continue
    const c = r.keyCurves?.[0]
    const algorithm = r.algorithm === 'ECDH' && c !== undefined ? specForCurve(c, 'agree').algorithm : r.algorithm
    if (PLATFORM_KEY_ALGORITHMS.includes(algorithm)) names.set(r.alg, algorithm)
  }
  return names
})()

/** JWA names (and the CNG ids) to what createKey makes. */
export function algorithmOf(alg: string, bits: number | undefined): { algorithm: string; length?: number } {
  const algorithm = PLATFORM_KEY_NAMES.get(alg)
  if (algorithm === 'RSA') return { algorithm, length: bits ?? 2048 }
  if (algorithm !== undefined) return { algorithm }
  throw asUsage(
    withFix(
      new InvalidRequestError(`--alg ${JSON.stringify(alg)} is not a platform-key algorithm`),
      'use ES256, ES384, ES512, RS256 (with --bits 2048 or 3072), ECDH-ES (P-256), ECDH-P384 or a CNG id (ECDSA_P256 …)',
    ),
  )
}

/** Runs `use` with the key a --key value names: opened, and destroyed whatever happens. */
export async function withKeyRef<T>(ref: unknown, use: (key: KeyPair) => Promise<T>): Promise<T> {
  const key = await openKeyRef(ref)
  try {
    return await use(key)
  } finally {
    key.destroy()
  }
}

/** The examples of a command that uses a platform key: make the TPM key `name`, use it, delete it. */
export function platformKeyExamples(name: string, use: string): string[] {
  return [
    `platform-keygen key create --name ${name} --alg ES256 > /dev/null`,
    use,
    `platform-keygen key delete ${name} --yes`,
  ]
}

export function storeOf(value: unknown): KeyStoreName {
  const s = value ?? 'tpm'
  if (s !== 'tpm' && s !== 'software')
    throw asUsage(new InvalidRequestError(`--store must be tpm or software, not ${JSON.stringify(s)}`))
  return s
}

/** Opens the key a --key value names. */
export async function openKeyRef(ref: unknown): Promise<KeyPair> {
  if (typeof ref !== 'string' || ref === '') {
    throw asUsage(
      withFix(new InvalidRequestError('--key is required'), 'give --key tpm:NAME, software:NAME or a key file'),
    )
  }
  const m = /^(tpm|software):(.+)$/.exec(ref)
  if (m) return openKey(m[2] as string, { store: m[1] as KeyStoreName })
  const text = readFileSync(ref)
  const key = await importKey(/^\s*[{-]/.test(text.toString('latin1', 0, 64)) ? text.toString('utf8') : text, {
    extractable: false,
  })
  if (!(key instanceof KeyPair))
    throw new InvalidRequestError(`${ref} holds a public key: signing needs the private key`)
  return key
}
