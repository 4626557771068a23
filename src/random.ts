/** The platform RNG (BCryptGenRandom / RAND_priv_bytes): a base module any layer may use. */

import { InvalidRequestError } from './errors.js'
import { call, native } from './native.js'

/** n bytes from the platform RNG (BCryptGenRandom / RAND_priv_bytes); n ≤ 1 MiB. */
export function randomBytes(n: number): Buffer {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 1 << 20) {
    throw new InvalidRequestError('randomBytes takes an integer from 0 to 1048576')
  }
  const binding = native()
  return call(() => binding.randomBytes(n))
}
