/**
 * `key create --alg`: the names it takes (the platform stores' CNG ids and the registry's JWA
 * names of those keys, src/cli/key-ref.ts algorithmOf), each to the algorithm createKey makes, and
 * the usage error with its fix for every other name.
 */
import { describe, expect, it } from 'vitest'
import { algorithmOf } from '../src/cli/key-ref.js'
import { describeError, EXIT_USAGE, exitCodeFor } from '../src/cli/report.js'

/** Each algorithm createKey makes, and every name that makes it. */
const ACCEPTED: Record<string, readonly string[]> = {
  ECDSA_P256: ['ES256', 'ECDSA_P256'],
  ECDSA_P384: ['ES384', 'ECDSA_P384'],
  ECDSA_P521: ['ES512', 'ECDSA_P521'],
  ECDH_P256: ['ECDH-ES', 'ECDH-P256', 'ECDH_P256'],
  ECDH_P384: ['ECDH-P384', 'ECDH_P384'],
  ECDH_P521: ['ECDH-P521', 'ECDH_P521'],
  RSA: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'RSA-OAEP', 'RSA'],
}

const REFUSED = [
  ...['ES256K', 'EdDSA', 'Ed25519', 'Ed448', 'ML-DSA-65', 'ML-KEM-768', 'HS256'], // no platform-store key
  ...['RSA1_5', 'RSA-OAEP-256', 'RSA-OAEP-512', 'ECDH-ES+A128KW', 'ECDH-ES+A256KW'], // variants, RSA1_5
  ...['ECDSA-P256', 'ECDSA', 'ECDH', 'DSA', 'DH', 'es256', 'rsa', '', 'constructor', 'toString'],
]

describe('key create --alg: algorithmOf', () => {
  it('takes exactly the platform-key names, each to the key createKey makes', () => {
    for (const [algorithm, names] of Object.entries(ACCEPTED)) {
      const expected = algorithm === 'RSA' ? { algorithm, length: 2048 } : { algorithm }
      for (const alg of names) expect(algorithmOf(alg, undefined), alg).toEqual(expected)
    }
    expect(Object.values(ACCEPTED).flat()).toHaveLength(21)
  })

  it('gives RSA the --bits length, and ignores --bits for EC keys', () => {
    expect(algorithmOf('PS256', 3072)).toEqual({ algorithm: 'RSA', length: 3072 })
    expect(algorithmOf('RSA', 4096)).toEqual({ algorithm: 'RSA', length: 4096 })
    expect(algorithmOf('ES384', 3072)).toEqual({ algorithm: 'ECDSA_P384' })
  })

  it('refuses every other name as a usage error with its fix', () => {
    for (const alg of REFUSED) {
      let err: unknown
      try {
        algorithmOf(alg, undefined)
      } catch (e) {
        err = e
      }
      expect(err, alg).toMatchObject({ code: 'ERR_INVALID_REQUEST' })
      expect(exitCodeFor(err)).toBe(EXIT_USAGE)
      expect(describeError(err, 'key')).toBe(
        `platform-keygen: error ERR_INVALID_REQUEST: --alg ${JSON.stringify(alg)} is not a platform-key algorithm\n` +
          '  fix: use ES256, ES384, ES512, RS256 (with --bits 2048 or 3072), ECDH-ES (P-256), ECDH-P384 or a CNG id (ECDSA_P256 …)\n',
      )
    }
  })
})
