/**
 * Key references of the platform-key commands: `tpm:NAME`, `software:NAME`
 * (Windows), `tpm:handle:0x81000010`, or a private key file (PEM / JWK,
 * imported non-extractable).
 */
import { readFileSync } from 'node:fs'
import { InvalidRequestError } from '../errors.js'
import { importKey } from '../import.js'
import { KeyPair } from '../keypair.js'
import { type KeyStoreName, openKey } from '../platform-keys/index.js'
import { asUsage, withFix } from './report.js'

/** JWA names (and the CNG ids) to what createKey makes. */
export function algorithmOf(alg: string, bits: number | undefined): { algorithm: string; length?: number } {
  const ec: Record<string, string> = {
    ES256: 'ECDSA_P256',
    ES384: 'ECDSA_P384',
    ES512: 'ECDSA_P521',
    'ECDH-ES': 'ECDH_P256',
    'ECDH-P256': 'ECDH_P256',
    'ECDH-P384': 'ECDH_P384',
    'ECDH-P521': 'ECDH_P521',
  }
  if (ec[alg]) return { algorithm: ec[alg] as string }
  if (/^(RS|PS)(256|384|512)$/.test(alg) || alg === 'RSA' || alg === 'RSA-OAEP') {
    return { algorithm: 'RSA', length: bits ?? 2048 }
  }
  if (/^(ECDSA|ECDH)_P(256|384|521)$/.test(alg)) return { algorithm: alg }
  throw asUsage(
    withFix(
      new InvalidRequestError(`--alg ${JSON.stringify(alg)} is not a platform-key algorithm`),
      'use ES256, ES384, ES512, RS256 (with --bits 2048 or 3072), ECDH-ES (P-256), ECDH-P384 or a CNG id (ECDSA_P256 …)',
    ),
  )
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
