import { afterEach, describe, expect, it, vi } from 'vitest'
import { checkKeyLength, generateKey, keyLengthTable } from '../src/index.js'
import { native } from '../src/native.js'
import { expectCode } from './helpers.js'

const RANGES = [
  { algorithm: 'DH', min: 512, max: 4096 },
  { algorithm: 'DSA', min: 512, max: 3072 },
  { algorithm: 'RSA', min: 512, max: 16384 },
] as const

const FIXED = [
  { algorithm: 'ECDH_P256', length: 256 },
  { algorithm: 'ECDH_P384', length: 384 },
  { algorithm: 'ECDH_P521', length: 521 },
  { algorithm: 'ECDSA_P256', length: 256 },
  { algorithm: 'ECDSA_P384', length: 384 },
  { algorithm: 'ECDSA_P521', length: 521 },
  { algorithm: 'ML-DSA', length: 0 },
  { algorithm: 'ML-KEM', length: 0 },
] as const

const NAMED = [
  { algorithm: 'ECDSA', curve: 'secp256k1', length: 256 },
  { algorithm: 'ECDH', curve: 'secp256k1', length: 256 },
  { algorithm: 'ECDH', curve: 'X25519', length: 255 },
  { algorithm: 'ECDH', curve: 'X448', length: 448 },
  { algorithm: 'EdDSA', curve: 'Ed25519', length: 255 },
  { algorithm: 'EdDSA', curve: 'Ed448', length: 448 },
] as const

describe('the key-length table as data', () => {
  it('has exactly the documented rows and rules', () => {
    expect(Object.keys(keyLengthTable).sort()).toEqual(
      [
        'DH',
        'DSA',
        'ECDH',
        'ECDH_P256',
        'ECDH_P384',
        'ECDH_P521',
        'ECDSA',
        'ECDSA_P256',
        'ECDSA_P384',
        'ECDSA_P521',
        'EdDSA',
        'ML-DSA',
        'ML-KEM',
        'RSA',
      ].sort(),
    )
    expect(keyLengthTable.RSA.rule).toEqual({ kind: 'range', min: 512, max: 16384, multipleOf: 64 })
    expect(keyLengthTable.DSA.rule).toEqual({ kind: 'range', min: 512, max: 3072, multipleOf: 64 })
    expect(keyLengthTable.DH.rule).toEqual({ kind: 'range', min: 512, max: 4096, multipleOf: 64 })
    expect(keyLengthTable.ECDSA_P521.rule).toEqual({ kind: 'fixed', length: 521 })
    expect(keyLengthTable['ML-KEM'].parameterSets).toEqual(['512', '768', '1024'])
    expect(keyLengthTable['ML-DSA'].parameterSets).toEqual(['44', '65', '87'])
    expect(keyLengthTable['ML-KEM'].noKeyValidation).toBe(true)
    expect(Object.values(keyLengthTable).filter((r) => r.noKeyValidation)).toHaveLength(1)
    expect(Object.isFrozen(keyLengthTable)).toBe(true)
    expect(Object.isFrozen(keyLengthTable.RSA)).toBe(true)
  })
})

describe.each(RANGES)('checkKeyLength: $algorithm ($min…$max, multiple of 64)', ({ algorithm, min, max }) => {
  const middle = Math.round((min + max) / 2 / 64) * 64
  it.each([min, max, middle])('accepts %i', (n) => {
    expect(checkKeyLength(algorithm, n)).toBe(n)
  })
  it.each([
    ['min − 64', min - 64],
    ['max + 64', max + 64],
    ['a non-multiple of 64', min + 32],
    ['min + 1', min + 1],
    ['0', 0],
    ['a negative length', -min],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['2.5', 2.5],
    ["the string '2048'", '2048'],
    ['null', null],
    ['a missing length', undefined],
  ])('rejects %s with ERR_KEY_LENGTH', async (_label, n) => {
    await expectCode(() => checkKeyLength(algorithm, n), 'ERR_KEY_LENGTH')
  })
})

describe.each(FIXED)('checkKeyLength: $algorithm (exactly $length)', ({ algorithm, length }) => {
  it('accepts its fixed length, and fills it in when omitted', () => {
    expect(checkKeyLength(algorithm, length)).toBe(length)
    expect(checkKeyLength(algorithm)).toBe(length)
  })
  it.each([
    ['the wrong fixed size', length === 256 ? 384 : 256],
    ['fixed − 1', length - 1],
    ['fixed + 64', length + 64],
    ['NaN', Number.NaN],
    ['2.5', 2.5],
    ['a string', String(length)],
  ])('rejects %s with ERR_KEY_LENGTH', async (_label, n) => {
    await expectCode(() => checkKeyLength(algorithm, n), 'ERR_KEY_LENGTH')
  })
})

describe.each(NAMED)('checkKeyLength: $algorithm on $curve', ({ algorithm, curve, length }) => {
  it(`is ${length} bits, filled in when omitted`, () => {
    expect(checkKeyLength(algorithm, length, { curve })).toBe(length)
    expect(checkKeyLength(algorithm, undefined, { curve })).toBe(length)
  })
  it('rejects another length with ERR_KEY_LENGTH', async () => {
    await expectCode(() => checkKeyLength(algorithm, length + 1, { curve }), 'ERR_KEY_LENGTH')
    await expectCode(() => checkKeyLength(algorithm, 0, { curve }), 'ERR_KEY_LENGTH')
  })
})

describe('checkKeyLength: names', () => {
  it('rejects unknown algorithms with ERR_UNSUPPORTED_ALGORITHM', async () => {
    for (const a of ['rsa', 'RSA2048', 'ECDSA_P224', 'Ed25519', '', 'ML-KEM-768']) {
      await expectCode(() => checkKeyLength(a, 2048), 'ERR_UNSUPPORTED_ALGORITHM')
    }
  })
  it('rejects unknown curves and curves of the wrong algorithm', async () => {
    await expectCode(() => checkKeyLength('ECDSA', 256, { curve: 'brainpoolP256r1' }), 'ERR_UNSUPPORTED_ALGORITHM')
    await expectCode(() => checkKeyLength('ECDSA', 255, { curve: 'X25519' }), 'ERR_UNSUPPORTED_ALGORITHM')
    await expectCode(() => checkKeyLength('EdDSA', 256, { curve: 'P-256' }), 'ERR_UNSUPPORTED_ALGORITHM')
    await expectCode(() => checkKeyLength('ECDSA_P256', 256, { curve: 'P-384' }), 'ERR_INVALID_REQUEST')
  })
  it('resolves ECDSA/ECDH on a NIST curve to the fixed-curve rule, in every spelling', () => {
    for (const c of ['P-256', 'nistP256', 'secp256r1', 'prime256v1'])
      expect(checkKeyLength('ECDSA', undefined, { curve: c })).toBe(256)
    expect(checkKeyLength('ECDH', 521, { curve: 'P-521' })).toBe(521)
    expect(checkKeyLength('ECDH', undefined, { curve: 'curve25519' })).toBe(255)
  })
})

describe('generateKey refuses what the table refuses, before native code', () => {
  afterEach(() => vi.restoreAllMocks())

  it.each([
    [{ algorithm: 'RSA', length: 2047 }, 'ERR_KEY_LENGTH'],
    [{ algorithm: 'RSA', length: 16448 }, 'ERR_KEY_LENGTH'],
    [{ algorithm: 'RSA' }, 'ERR_KEY_LENGTH'],
    [{ algorithm: 'DSA', length: 3136 }, 'ERR_KEY_LENGTH'],
    [{ algorithm: 'DH', length: 448 }, 'ERR_KEY_LENGTH'],
    [{ algorithm: 'ECDSA_P256', length: 255 }, 'ERR_KEY_LENGTH'],
    [{ algorithm: 'ML-KEM', parameterSet: '768', length: 768 }, 'ERR_KEY_LENGTH'],
    [{ algorithm: 'ML-KEM', parameterSet: '2048' }, 'ERR_UNSUPPORTED_ALGORITHM'],
    [{ algorithm: 'ML-KEM' }, 'ERR_INVALID_REQUEST'],
    [{ algorithm: 'ML-DSA', parameterSet: '768' }, 'ERR_UNSUPPORTED_ALGORITHM'],
    [{ algorithm: 'RSA', length: 2048, parameterSet: '44' }, 'ERR_INVALID_REQUEST'],
    [{ algorithm: 'RSA', length: 2048, noKeyValidation: true }, 'ERR_INVALID_REQUEST'],
    [{ algorithm: 'ML-DSA', parameterSet: '44', noKeyValidation: true }, 'ERR_INVALID_REQUEST'],
    [{ algorithm: 'ML-KEM', parameterSet: '512', noKeyValidation: 'yes' }, 'ERR_INVALID_REQUEST'],
    [{ algorithm: 'RSA', length: 2048, seed: new Uint8Array(32) }, 'ERR_INVALID_REQUEST'],
    [{ algorithm: 'ML-DSA', parameterSet: '44', seed: new Uint8Array(31) }, 'ERR_INVALID_REQUEST'],
    [{ algorithm: 'ML-DSA', parameterSet: '44', seed: new Uint8Array(33) }, 'ERR_INVALID_REQUEST'],
    [{ algorithm: 'ML-KEM', parameterSet: '512', seed: new Uint8Array(32) }, 'ERR_INVALID_REQUEST'],
    [{ algorithm: 'ML-KEM', parameterSet: '512', seed: 'a'.repeat(64) }, 'ERR_INVALID_REQUEST'],
    [{ algorithm: 'RSA', length: 2048, extractable: 'no' }, 'ERR_INVALID_REQUEST'],
    [{ algorithm: 'RSA', length: 2048, validate: 1 }, 'ERR_INVALID_REQUEST'],
    [{ algorithm: 'RSA', lenght: 2048 }, 'ERR_INVALID_REQUEST'],
    [{ algorithm: 'ECDSA' }, 'ERR_INVALID_REQUEST'],
    [{ algorithm: 'EdDSA', curve: 'Ed25518' }, 'ERR_UNSUPPORTED_ALGORITHM'],
    [{ algorithm: 'Ed25519' }, 'ERR_UNSUPPORTED_ALGORITHM'],
    [{ algorithm: 42 }, 'ERR_UNSUPPORTED_ALGORITHM'],
  ])('%o → %s', async (spec, code) => {
    const binding = native()
    const spy = vi.spyOn(binding, 'generate')
    await expectCode(generateKey(spec as never), code)
    expect(spy).not.toHaveBeenCalled()
  })

  it('rejects a non-object spec with ERR_INVALID_REQUEST', async () => {
    await expectCode(generateKey(null as never), 'ERR_INVALID_REQUEST')
    await expectCode(generateKey('RSA' as never), 'ERR_INVALID_REQUEST')
  })
})
