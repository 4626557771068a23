/**
 * `key create --alg`: the names it takes (the platform stores' CNG ids and the registry's JWA
 * names of those keys, src/cli/key-ref.ts algorithmOf), each to the algorithm createKey makes, and
 * the usage error with its fix for every other name.
 */
import { describe, expect, it } from 'vitest'
import { algorithmOf } from '../src/cli/key-ref.js'
import { describeError, EXIT_USAGE, exitCodeFor } from '../src/cli/report.js'

const ACCEPTED: [string, { algorithm: string; length?: number }][] = [
  ['ES256', { algorithm: 'ECDSA_P256' }],
  ['ES384', { algorithm: 'ECDSA_P384' }],
  ['ES512', { algorithm: 'ECDSA_P521' }],
  ['ECDH-ES', { algorithm: 'ECDH_P256' }],
  ['ECDH-P256', { algorithm: 'ECDH_P256' }],
  ['ECDH-P384', { algorithm: 'ECDH_P384' }],
  ['ECDH-P521', { algorithm: 'ECDH_P521' }],
  ['RS256', { algorithm: 'RSA', length: 2048 }],
  ['RS384', { algorithm: 'RSA', length: 2048 }],
  ['RS512', { algorithm: 'RSA', length: 2048 }],
  ['PS256', { algorithm: 'RSA', length: 2048 }],
  ['PS384', { algorithm: 'RSA', length: 2048 }],
  ['PS512', { algorithm: 'RSA', length: 2048 }],
  ['RSA-OAEP', { algorithm: 'RSA', length: 2048 }],
  ['RSA', { algorithm: 'RSA', length: 2048 }],
  ['ECDSA_P256', { algorithm: 'ECDSA_P256' }],
  ['ECDSA_P384', { algorithm: 'ECDSA_P384' }],
  ['ECDSA_P521', { algorithm: 'ECDSA_P521' }],
  ['ECDH_P256', { algorithm: 'ECDH_P256' }],
  ['ECDH_P384', { algorithm: 'ECDH_P384' }],
  ['ECDH_P521', { algorithm: 'ECDH_P521' }],
]

const REFUSED = [
  'ES256K',
  'EdDSA',
  'Ed25519',
  'Ed448',
  'ML-DSA-65',
  'ML-KEM-768',
  'RSA1_5',
  'RSA-OAEP-256',
  'RSA-OAEP-512',
  'ECDH-ES+A128KW',
  'ECDH-ES+A256KW',
  'ECDSA-P256',
  'ECDSA',
  'ECDH',
  'EdDSA',
  'DSA',
  'DH',
  'HS256',
  'es256',
  'rsa',
  '',
  'constructor',
]

describe('key create --alg: algorithmOf', () => {
  it('takes exactly the platform-key names, each to the key createKey makes', () => {
    for (const [alg, expected] of ACCEPTED) expect(algorithmOf(alg, undefined), alg).toEqual(expected)
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
