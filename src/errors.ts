/**
 * The one error module. Every error the package throws on purpose is a
 * PlatformKeygenError with a stable string `code`; subclasses by kind
 * (jose style). Native errors arrive as plain objects with a `code` and are
 * turned into these by {@link fromNative}.
 */

export type ErrorCode =
  | 'ERR_KEY_LENGTH'
  | 'ERR_UNSUPPORTED_ALGORITHM'
  | 'ERR_NOT_SUPPORTED_ON_PLATFORM'
  | 'ERR_PROVIDER'
  | 'ERR_KEY_DESTROYED'
  | 'ERR_NOT_EXTRACTABLE'
  | 'ERR_INVALID_BLOB'
  | 'ERR_INVALID_KEY'
  | 'ERR_INVALID_REQUEST'
  | 'ERR_UNSUPPORTED_FORMAT'
  | 'ERR_STORE_CORRUPT'
  | 'ERR_KEY_NOT_FOUND'
  | 'ERR_KEY_EXISTS'
  | 'ERR_STORE_UNAVAILABLE'
  | 'ERR_STORE_LOCKED'
  | 'ERR_STORE_PASSPHRASE'
  | 'ERR_STORE_NOT_FOUND'
  | 'ERR_BAD_PASSPHRASE'
  | 'ERR_UNSUPPORTED_OPERATION'
  | 'ERR_DECRYPTION_FAILED'

export class PlatformKeygenError extends Error {
  /** The code of this class of error. */
  static code: ErrorCode | 'ERR_PLATFORM_KEYGEN' = 'ERR_PLATFORM_KEYGEN'
  /** A stable string to branch on. */
  readonly code: string

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
    this.code = (new.target as typeof PlatformKeygenError).code
  }
}

/**
 * A length the key-length table refuses: a RangeError (`instanceof
 * RangeError`) and still a PlatformKeygenError (`instanceof
 * PlatformKeygenError`, code ERR_KEY_LENGTH), like every error here.
 */
export class KeyLengthError extends RangeError {
  static code = 'ERR_KEY_LENGTH' as const
  /** A stable string to branch on: ERR_KEY_LENGTH. */
  readonly code: string

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
    this.code = (new.target as typeof KeyLengthError).code
  }
}

/**
 * Every error of this module is a PlatformKeygenError, KeyLengthError too: it
 * extends RangeError (one base class only), so `instanceof
 * PlatformKeygenError` counts it. The subclasses (which inherit this) keep
 * the plain prototype check.
 */
Object.defineProperty(PlatformKeygenError, Symbol.hasInstance, {
  value: function hasInstance(this: unknown, value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true
    return this === PlatformKeygenError && value instanceof KeyLengthError
  },
})

/** An algorithm, curve or parameter set this package does not know. */
export class UnsupportedAlgorithmError extends PlatformKeygenError {
  static override code = 'ERR_UNSUPPORTED_ALGORITHM' as const
}

/** Provider error numbers, where the provider gave one. */
export interface ProviderDetails {
  /** NTSTATUS (Windows CNG). */
  status?: number
  /** ERR_get_error() value (OpenSSL). */
  opensslCode?: number
  /** The provider's reason text, where it has one. */
  reason?: string
}

function assignDetails(target: ProviderDetails, details: ProviderDetails): void {
  if (details.status !== undefined) target.status = details.status
  if (details.opensslCode !== undefined) target.opensslCode = details.opensslCode
  if (details.reason !== undefined) target.reason = details.reason
}

/**
 * Known, but this runtime's provider cannot do it (the message says what
 * would). Keeps the provider's status when the refusal came from it.
 */
export class NotSupportedOnPlatformError extends PlatformKeygenError {
  static override code = 'ERR_NOT_SUPPORTED_ON_PLATFORM' as const
  declare readonly status?: number
  declare readonly opensslCode?: number
  declare readonly reason?: string

  constructor(message: string, options?: { cause?: unknown }, details: ProviderDetails = {}) {
    super(message, options)
    assignDetails(this, details)
  }
}

/** The platform provider failed; keeps its own error number. */
export class ProviderError extends PlatformKeygenError {
  static override code = 'ERR_PROVIDER' as const
  declare readonly status?: number
  declare readonly opensslCode?: number
  declare readonly reason?: string

  constructor(message: string, details: ProviderDetails = {}, options?: { cause?: unknown }) {
    super(message, options)
    assignDetails(this, details)
  }
}

/** The key was destroyed; its handle is gone. */
export class KeyDestroyedError extends PlatformKeygenError {
  static override code = 'ERR_KEY_DESTROYED' as const
}

/** Private material was asked of a key generated with `extractable: false`. */
export class NotExtractableError extends PlatformKeygenError {
  static override code = 'ERR_NOT_EXTRACTABLE' as const
}

/** Bytes that are not a well-formed blob of a known layout. */
export class InvalidBlobError extends PlatformKeygenError {
  static override code = 'ERR_INVALID_BLOB' as const
}

/**
 * Key material that is well formed but not a valid key: an EC point off its
 * curve, a private scalar out of range, RSA factors that do not multiply to
 * n, a public part that is not the private part's, a size above the
 * key-length table's maximum, a peer of another curve or of small order
 * (the provider's own checks say the same).
 */
export class InvalidKeyError extends PlatformKeygenError {
  static override code = 'ERR_INVALID_KEY' as const
}

/** A malformed request: wrong types, unknown options, bad combinations. */
export class InvalidRequestError extends PlatformKeygenError {
  static override code = 'ERR_INVALID_REQUEST' as const
}

/** A format the key type has no representation in (JWK for DSA, SEC1 for RSA, ...). */
export class UnsupportedFormatError extends PlatformKeygenError {
  static override code = 'ERR_UNSUPPORTED_FORMAT' as const
}

/** The key cannot do this operation (sign with an ECDH key, decrypt with a public key, ...). */
export class UnsupportedOperationError extends PlatformKeygenError {
  static override code = 'ERR_UNSUPPORTED_OPERATION' as const
}

/** A ciphertext that does not decrypt with this key and these options (the provider says no more, on purpose). */
export class DecryptionFailedError extends PlatformKeygenError {
  static override code = 'ERR_DECRYPTION_FAILED' as const
}

/** A JWK store error about one store file, which it names (`path`). */
export abstract class StoreFileError extends PlatformKeygenError {
  /** The store file. */
  readonly path: string

  constructor(message: string, path: string, options?: { cause?: unknown }) {
    super(message, options)
    this.path = path
  }
}

/** A JWK store file that is not a valid store; it is reported, never overwritten. */
export class StoreCorruptError extends StoreFileError {
  static override code = 'ERR_STORE_CORRUPT' as const
}

/** A platform key store (the TPM, Windows' key storage) has no key of this name. */
export class KeyNotFoundError extends PlatformKeygenError {
  static override code = 'ERR_KEY_NOT_FOUND' as const
}

/** A platform key of this name exists already (pass `overwrite: true` to replace it). */
export class KeyExistsError extends PlatformKeygenError {
  static override code = 'ERR_KEY_EXISTS' as const
}

/**
 * The platform key store cannot be reached: no provider module, no TPM, no
 * resource manager, access denied. The message says which and what to install or set.
 */
export class StoreUnavailableError extends PlatformKeygenError {
  static override code = 'ERR_STORE_UNAVAILABLE' as const
}

/** The JWK store's lock stayed held by another live writer for longer than the lock timeout. */
export class StoreLockedError extends PlatformKeygenError {
  static override code = 'ERR_STORE_LOCKED' as const
}

/** A JWK store's private keys need a passphrase, and none or a wrong one was given. */
export class StorePassphraseError extends PlatformKeygenError {
  static override code = 'ERR_STORE_PASSPHRASE' as const
}

/** A JWK store file that does not exist where one was to be read (the CLI's `jwks --store FILE`). */
export class StoreNotFoundError extends StoreFileError {
  static override code = 'ERR_STORE_NOT_FOUND' as const
}

/**
 * A passphrase-protected key file (encrypted PKCS#8 or legacy PEM, an
 * OpenSSH key, a JWE) was given no passphrase or a wrong one. (A JwkStore's
 * passphrase is ERR_STORE_PASSPHRASE.)
 */
export class BadPassphraseError extends PlatformKeygenError {
  static override code = 'ERR_BAD_PASSPHRASE' as const
}

const byCode: Record<string, new (message: string, options?: { cause?: unknown }) => PlatformKeygenError> = {
  ERR_KEY_LENGTH: KeyLengthError,
  ERR_UNSUPPORTED_ALGORITHM: UnsupportedAlgorithmError,
  ERR_NOT_SUPPORTED_ON_PLATFORM: NotSupportedOnPlatformError,
  ERR_KEY_DESTROYED: KeyDestroyedError,
  ERR_NOT_EXTRACTABLE: NotExtractableError,
  ERR_INVALID_BLOB: InvalidBlobError,
  ERR_INVALID_KEY: InvalidKeyError,
  ERR_KEY_NOT_FOUND: KeyNotFoundError,
  ERR_KEY_EXISTS: KeyExistsError,
  ERR_STORE_UNAVAILABLE: StoreUnavailableError,
  ERR_INVALID_REQUEST: InvalidRequestError,
  ERR_UNSUPPORTED_FORMAT: UnsupportedFormatError,
  ERR_UNSUPPORTED_OPERATION: UnsupportedOperationError,
  ERR_DECRYPTION_FAILED: DecryptionFailedError,
}

interface NativeErrorShape {
  code?: unknown
  message?: unknown
  status?: unknown
  opensslCode?: unknown
  reason?: unknown
}

/** Turns an error thrown by the native addon into the matching typed error. */
export function fromNative(err: unknown): PlatformKeygenError {
  if (err instanceof PlatformKeygenError) return err
  const e = (typeof err === 'object' && err !== null ? err : {}) as NativeErrorShape
  const message = typeof e.message === 'string' ? e.message : String(err)
  const code = typeof e.code === 'string' ? e.code : 'ERR_PROVIDER'
  const details: ProviderDetails = {}
  if (typeof e.status === 'number') details.status = e.status
  if (typeof e.opensslCode === 'number') details.opensslCode = e.opensslCode
  if (typeof e.reason === 'string') details.reason = e.reason
  if (code === 'ERR_PROVIDER' || !(code in byCode)) return new ProviderError(message, details, { cause: err })
  if (code === 'ERR_NOT_SUPPORTED_ON_PLATFORM') return new NotSupportedOnPlatformError(message, { cause: err }, details)
  const Ctor = byCode[code] as new (message: string, options?: { cause?: unknown }) => PlatformKeygenError
  return new Ctor(message, { cause: err })
}

/**
 * A short, safe rendering of a caller's value for an error message: never
 * throws (BigInt, cycles, symbols) and never runs long.
 */
export function describeValue(v: unknown): string {
  if (typeof v === 'bigint') return `${v}n`
  if (typeof v === 'symbol' || typeof v === 'function') return typeof v
  let text: string | undefined
  try {
    text = JSON.stringify(v)
  } catch {
    text = undefined
  }
  if (text === undefined) text = Object.prototype.toString.call(v)
  return text.length > 60 ? `${text.slice(0, 57)}...` : text
}
