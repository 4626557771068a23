/**
 * PKCS#8 EncryptedPrivateKeyInfo (RFC 5958 §3) with PBES2 (RFC 8018 §6.2):
 * what `openssl pkcs8 -topk8 -v2 aes-256-cbc` writes and what openssl, node
 * (createPrivateKey with a passphrase) and every PKCS#8 reader open.
 *
 *   EncryptedPrivateKeyInfo ::= SEQUENCE {
 *     encryptionAlgorithm  SEQUENCE { id-PBES2, PBES2-params SEQUENCE {
 *       keyDerivationFunc  SEQUENCE { id-PBKDF2, { salt, iterationCount, prf hmacWithSHA256 } }
 *                       or SEQUENCE { id-scrypt, { salt, N, r, p } }          (RFC 7914 §7)
 *       encryptionScheme   SEQUENCE { aes256-CBC, iv OCTET STRING (16) } } }
 *     encryptedData        OCTET STRING }                    -- the PKCS#8, PKCS#7-padded
 *
 * Work factors: PBKDF2-HMAC-SHA256 with 600,000 iterations (OWASP's Password
 * Storage Cheat Sheet); scrypt N = 2^14, r = 8, p = 1 (16 MiB, the
 * `openssl pkcs8 -scrypt` default: OpenSSL refuses to open scrypt parameters
 * needing more than 32 MiB unless told otherwise). Salt 16 bytes, IV 16 bytes,
 * both from the platform RNG. The derived key and the caller's plaintext are
 * wiped by the caller / here.
 */
import { createCipheriv, pbkdf2Sync, scryptSync } from 'node:crypto'
import { InvalidRequestError } from '../errors.js'
import { randomBytes } from '../random.js'
import { fromBigInt, wipe } from './bytes.js'
import { type DerNode, encode, nullValue, octetString, oid, sequence, unsignedInteger } from './der.js'
import { passphraseCopy } from './passphrase.js'
import { toPem } from './pkcs.js'

export type Pkcs8Kdf = 'pbkdf2' | 'scrypt'
export const PKCS8_KDFS: readonly Pkcs8Kdf[] = ['pbkdf2', 'scrypt']

export const PBKDF2_ITERATIONS = 600_000
export const SCRYPT_PARAMS = { N: 16_384, r: 8, p: 1 } as const

const OID_PBES2 = '1.2.840.113549.1.5.13'
const OID_PBKDF2 = '1.2.840.113549.1.5.12'
const OID_HMAC_SHA256 = '1.2.840.113549.2.9'
const OID_SCRYPT = '1.3.6.1.4.1.11591.4.11'
const OID_AES256_CBC = '2.16.840.1.101.3.4.1.42'

const integer = (n: number): DerNode => unsignedInteger(fromBigInt(BigInt(n)))

/** The key-derivation AlgorithmIdentifier and the 32-byte AES key it derives (the caller wipes the key). */
function deriveKey(kdf: Pkcs8Kdf, passphrase: Uint8Array, salt: Uint8Array): { algorithm: DerNode; key: Buffer } {
  if (kdf === 'scrypt') {
    const { N, r, p } = SCRYPT_PARAMS
    return {
      algorithm: sequence(oid(OID_SCRYPT), sequence(octetString(salt), integer(N), integer(r), integer(p))),
      key: scryptSync(passphrase, salt, 32, { N, r, p, maxmem: 64 * 1024 * 1024 }),
    }
  }
  return {
    algorithm: sequence(
      oid(OID_PBKDF2),
      sequence(octetString(salt), integer(PBKDF2_ITERATIONS), sequence(oid(OID_HMAC_SHA256), nullValue())),
    ),
    key: pbkdf2Sync(passphrase, salt, PBKDF2_ITERATIONS, 32, 'sha256'),
  }
}

/** Encrypts a PKCS#8 PrivateKeyInfo DER into an EncryptedPrivateKeyInfo DER (the caller wipes `pkcs8` and `passphrase`). */
export function encryptPkcs8(pkcs8: Uint8Array, passphrase: Uint8Array, kdf: Pkcs8Kdf = 'pbkdf2'): Uint8Array {
  if (!PKCS8_KDFS.includes(kdf)) throw new InvalidRequestError(`"kdf" must be ${PKCS8_KDFS.join(' or ')}`)
  const salt = randomBytes(16)
  const iv = randomBytes(16)
  const { algorithm, key } = deriveKey(kdf, passphrase, salt)
  let encrypted: Buffer
  try {
    const cipher = createCipheriv('aes-256-cbc', key, iv)
    encrypted = Buffer.concat([cipher.update(pkcs8), cipher.final()])
  } finally {
    wipe(key)
  }
  const pbes2 = sequence(oid(OID_PBES2), sequence(algorithm, sequence(oid(OID_AES256_CBC), octetString(iv))))
  return encode(sequence(pbes2, octetString(encrypted)))
}

/** The PEM label of an EncryptedPrivateKeyInfo. */
export const ENCRYPTED_PKCS8_LABEL = 'ENCRYPTED PRIVATE KEY'

/** The passphrase options of a private PEM / DER export. */
export interface Pkcs8Protection {
  /** Encrypts the PKCS#8 (EncryptedPrivateKeyInfo, PBES2 + AES-256-CBC). */
  passphrase?: string | Uint8Array
  /** 'pbkdf2' (PBKDF2-HMAC-SHA256, default) or 'scrypt'. */
  kdf?: Pkcs8Kdf
}

/** Checks the passphrase options of an export before any work (ERR_INVALID_REQUEST). */
export function checkPkcs8Protection(o: Record<string, unknown>): void {
  if (o.passphrase === undefined) {
    if (o.kdf !== undefined) throw new InvalidRequestError('"kdf" applies with a "passphrase" only')
    return
  }
  if (o.format !== 'pem' && o.format !== 'der') {
    throw new InvalidRequestError(
      `"passphrase" applies to pem and der (encrypted PKCS#8), not ${String(o.format)}; encrypt a JWK with encryptJwk()`,
    )
  }
  if (o.type !== undefined && o.type !== 'pkcs8') {
    throw new InvalidRequestError(
      `a passphrase-protected key is PKCS#8 (EncryptedPrivateKeyInfo), not ${String(o.type)}`,
    )
  }
  wipe(passphraseCopy(o.passphrase, '"passphrase"'))
  if (o.kdf !== undefined && !PKCS8_KDFS.includes(o.kdf as Pkcs8Kdf)) {
    throw new InvalidRequestError(`"kdf" must be ${PKCS8_KDFS.join(' or ')}`)
  }
}

/**
 * The PKCS#8 DER `pkcs8` encrypted for `passphrase`, as PEM or DER; wipes
 * `pkcs8` and the passphrase copy.
 */
export function protectPkcs8(
  pkcs8: Uint8Array,
  format: 'pem' | 'der',
  passphrase: unknown,
  kdf: Pkcs8Kdf = 'pbkdf2',
): string | Buffer {
  const pass = passphraseCopy(passphrase, '"passphrase"')
  try {
    const der = encryptPkcs8(pkcs8, pass, kdf)
    return format === 'der'
      ? Buffer.from(der.buffer, der.byteOffset, der.byteLength)
      : toPem(der, ENCRYPTED_PKCS8_LABEL)
  } finally {
    wipe(pass, pkcs8)
  }
}
