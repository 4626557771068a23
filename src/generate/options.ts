/**
 * The generation options of a key spec (issue 16), validated with typed
 * errors before anything reaches native code:
 *
 * - RSA `publicExponent`: an odd integer from 3 to 2³² − 1, default 65537
 *   (node's generateKeyPair('rsa', { publicExponent }) takes the same range).
 *   OpenSSL takes any; Windows CNG makes 65537 only (BCryptGenerateKeyPair has
 *   no exponent property), so another exponent is ERR_NOT_SUPPORTED_ON_PLATFORM there.
 * - DH `group`: a named group (RFC 7919 ffdhe*, RFC 3526 modp14…modp18) instead of
 *   "by size"; the key's length follows the group and the key-length table
 *   still applies (DH is 512…4096 bits, so the 6144- and 8192-bit groups are
 *   ERR_KEY_LENGTH). A `length` given too must agree with the group.
 * - DSA `divisorLength`: the bits of q, as FIPS 186-4 pairs them with the
 *   length: 160 up to 1024 bits, 224 or 256 for 2048, 256 for the other sizes
 *   above 1024 (the default). CNG makes only the default q (256 bits above
 *   1024): 224 is ERR_NOT_SUPPORTED_ON_PLATFORM there.
 *
 * The native layer re-checks the same rules (native/algorithms.h).
 */
import { describeValue, InvalidRequestError, KeyLengthError, UnsupportedAlgorithmError } from '../errors.js'
import {
  type Algorithm,
  type Curve,
  checkKeyLength,
  DH_GROUPS,
  type DhGroupName,
  divisorLengthsFor,
} from '../registry.js'

export { DH_GROUPS, type DhGroupName } from '../registry.js'

export interface GenerationOptions {
  /** RSA: the public exponent, an odd integer from 3 to 2³² − 1. Default 65537. */
  publicExponent?: number
  /** DH: a named group (ffdhe2048…ffdhe8192, modp14…modp18); `length` may be omitted. */
  group?: DhGroupName | string
  /** DSA: the size of q in bits (160; 224 or 256 for 2048; 256 above 1024). */
  divisorLength?: number
}

/** The spec keys this module reads. */
export const GENERATION_OPTION_KEYS: readonly string[] = Object.freeze(['publicExponent', 'group', 'divisorLength'])

/** What the native spec gets (absent: the default). */
export interface NativeGenerationOptions {
  publicExponent?: number
  group?: string
  divisorLength?: number
}

const MAX_PUBLIC_EXPONENT = 0xffff_ffff

function publicExponent(algorithm: Algorithm, e: unknown): number {
  if (algorithm !== 'RSA') throw new InvalidRequestError(`publicExponent is for RSA keys, not ${algorithm}`)
  if (typeof e !== 'number' || !Number.isInteger(e)) {
    throw new InvalidRequestError(`publicExponent must be an integer, got ${describeValue(e)}`)
  }
  if (e < 3) throw new InvalidRequestError(`publicExponent must be at least 3, got ${e}`)
  if (e > MAX_PUBLIC_EXPONENT) {
    throw new InvalidRequestError(`publicExponent must be at most ${MAX_PUBLIC_EXPONENT} (2^32 - 1), got ${e}`)
  }
  if (e % 2 === 0) throw new InvalidRequestError(`publicExponent must be odd, got ${e}`)
  return e
}

function dhGroup(algorithm: Algorithm, group: unknown): DhGroupName {
  if (algorithm !== 'DH') throw new InvalidRequestError(`group is for DH keys, not ${algorithm}`)
  if (typeof group !== 'string' || !Object.hasOwn(DH_GROUPS, group)) {
    throw new UnsupportedAlgorithmError(
      `unknown DH group ${describeValue(group)}: one of ${Object.keys(DH_GROUPS).join(', ')}`,
    )
  }
  return group as DhGroupName
}

/**
 * Validates the generation options of a spec and its length against the
 * key-length table (the group's length when a group is given and `length` is
 * not). Returns the length and what the native spec gets. Throws
 * ERR_INVALID_REQUEST for a bad or misplaced option, ERR_UNSUPPORTED_ALGORITHM
 * for an unknown group, ERR_KEY_LENGTH for a length the table, the group or
 * the divisor length refuses.
 */
export function resolveGenerationOptions(
  algorithm: Algorithm,
  spec: GenerationOptions & { length?: unknown },
  curve?: Curve,
): { length: number; native: NativeGenerationOptions } {
  const native: NativeGenerationOptions = {}
  const { publicExponent: e, group, divisorLength } = spec
  if (e !== undefined) native.publicExponent = publicExponent(algorithm, e)
  let requested = spec.length
  if (group !== undefined) {
    const name = dhGroup(algorithm, group)
    const bits = DH_GROUPS[name]
    if (requested !== undefined && requested !== bits) {
      throw new KeyLengthError(`the DH group ${name} is ${bits} bits, but length says ${describeValue(requested)}`)
    }
    requested = bits
    native.group = name
  }
  let length: number
  try {
    length = checkKeyLength(algorithm, requested, curve === undefined ? {} : { curve })
  } catch (err) {
    if (native.group === undefined || !(err instanceof KeyLengthError)) throw err
    throw new KeyLengthError(
      `the DH group ${native.group} (${requested} bits) is outside the key-length table: ${err.message}`,
      {
        cause: err,
      },
    )
  }
  if (divisorLength !== undefined) {
    if (algorithm !== 'DSA') throw new InvalidRequestError(`divisorLength is for DSA keys, not ${algorithm}`)
    if (typeof divisorLength !== 'number' || !Number.isInteger(divisorLength)) {
      throw new InvalidRequestError(
        `divisorLength must be an integer number of bits, got ${describeValue(divisorLength)}`,
      )
    }
    const fits = divisorLengthsFor(length)
    if (!fits.includes(divisorLength)) {
      throw new KeyLengthError(
        `a DSA-${length} key has a q of ${fits.join(' or ')} bits (FIPS 186-4), not ${divisorLength}`,
      )
    }
    native.divisorLength = divisorLength
  }
  return { length, native }
}
