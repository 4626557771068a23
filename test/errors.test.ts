import { describe, expect, it } from 'vitest'
import { fromNative } from '../src/errors.js'
import {
  checkKeyLength,
  InvalidRequestError,
  KeyLengthError,
  PlatformKeygenError,
  ProviderError,
  UnsupportedAlgorithmError,
} from '../src/index.js'

function thrown(fn: () => unknown): unknown {
  try {
    fn()
  } catch (err) {
    return err
  }
  throw new Error('did not throw')
}

describe('KeyLengthError', () => {
  it('is a RangeError and a PlatformKeygenError with code ERR_KEY_LENGTH', () => {
    const err = thrown(() => checkKeyLength('RSA', 2047))
    expect(err).toBeInstanceOf(KeyLengthError)
    expect(err).toBeInstanceOf(RangeError)
    expect(err).toBeInstanceOf(PlatformKeygenError)
    expect(err).toBeInstanceOf(Error)
    expect(err).toMatchObject({ name: 'KeyLengthError', code: 'ERR_KEY_LENGTH' })
    expect((err as Error).message).toBe('RSA length must be 512…16384, a multiple of 64; got 2047')
    expect(KeyLengthError.code).toBe('ERR_KEY_LENGTH')
  })

  it('keeps its cause, and fromNative gives one for the native code', () => {
    const cause = new Error('inner')
    expect(new KeyLengthError('too short', { cause }).cause).toBe(cause)
    const native = { code: 'ERR_KEY_LENGTH', message: 'RSA length must be a multiple of 64' }
    const err = fromNative(native)
    expect(err).toBeInstanceOf(KeyLengthError)
    expect(err).toBeInstanceOf(RangeError)
    expect(err).toMatchObject({ code: 'ERR_KEY_LENGTH', message: native.message })
    expect(err.cause).toBe(native)
    // already typed: passed through as it is
    expect(fromNative(err)).toBe(err)
  })

  it('the other classes are not RangeErrors, and a KeyLengthError is none of them', () => {
    const length = new KeyLengthError('x')
    for (const Other of [ProviderError, InvalidRequestError, UnsupportedAlgorithmError]) {
      expect(length).not.toBeInstanceOf(Other)
    }
    const other = new InvalidRequestError('y')
    expect(other).toBeInstanceOf(PlatformKeygenError)
    expect(other).not.toBeInstanceOf(RangeError)
    expect(other).not.toBeInstanceOf(KeyLengthError)
    expect(new RangeError('z')).not.toBeInstanceOf(PlatformKeygenError)
    expect(null).not.toBeInstanceOf(PlatformKeygenError)
  })
})
