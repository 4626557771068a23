/** Names of platform keys (checked before anything touches a store or a file), and option objects. */
import { describeValue, InvalidRequestError } from '../errors.js'

/** The longest key name (the blob file is NAME.json; NCrypt names are limited too). */
export const MAX_NAME_LENGTH = 128

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/
/** A TPM persistent handle (tpm2_evictcontrol): 0x81000000 … 0x81FFFFFF. */
const HANDLE = /^handle:0x81[0-9a-fA-F]{6}$/

export function isHandleName(name: string): boolean {
  return HANDLE.test(name)
}

/**
 * A key name: letters, digits, '.', '_' and '-', starting with a letter or a
 * digit, at most 128 characters, no '..' (it names a file); or, for the TPM,
 * `handle:0x81xxxxxx`.
 */
export function checkName(name: unknown, options: { allowHandle?: boolean } = {}): string {
  if (typeof name !== 'string') throw new InvalidRequestError(`a key name must be a string, not ${describeValue(name)}`)
  if (options.allowHandle && name.startsWith('handle:')) {
    if (!isHandleName(name)) {
      throw new InvalidRequestError(
        `a TPM persistent handle is handle:0x81 and 6 hex digits, not ${describeValue(name)}`,
      )
    }
    return name
  }
  if (name.length === 0 || name.length > MAX_NAME_LENGTH) {
    throw new InvalidRequestError(`a key name is 1 to ${MAX_NAME_LENGTH} characters long`)
  }
  if (!NAME.test(name) || name.includes('..')) {
    throw new InvalidRequestError(
      `key name ${describeValue(name)}: use letters, digits, '.', '_' and '-', starting with a letter or digit, without '..' or path separators`,
    )
  }
  return name
}

/** An options object with only the allowed keys, or ERR_INVALID_REQUEST. */
export function checkOptions(o: unknown, allowed: readonly string[], what: string): Record<string, unknown> {
  if (typeof o !== 'object' || o === null) throw new InvalidRequestError(`${what} options must be an object`)
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) throw new InvalidRequestError(`unknown ${what} option "${k}"`)
  }
  return o as Record<string, unknown>
}
