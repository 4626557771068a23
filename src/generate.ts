/** generateKey(spec), capabilities() and randomBytes(): the typed front of the native layer. */

import { availableParallelism } from 'node:os'
import {
  describeValue,
  fromNative,
  InvalidRequestError,
  NotSupportedOnPlatformError,
  UnsupportedAlgorithmError,
} from './errors.js'
import {
  GENERATION_OPTION_KEYS,
  type GenerationOptions,
  hasGenerationOptions,
  resolveGenerationOptions,
} from './generation-options.js'
import { type KeyInfo, KeyPair, type Provider } from './keypair.js'
import {
  call,
  type NativeAlgorithmCapability,
  type NativeCapabilities,
  type NativeKey,
  type NativeSpec,
  native,
} from './native.js'
import { type Algorithm, type Curve, isAlgorithm, keyLengthTable, NATIVE_CURVE, resolveCurve } from './table.js'

/** A key spec; RSA, DH and DSA take generation options (src/generation-options.ts). */
export interface KeySpec extends GenerationOptions {
  /** A CNG algorithm id (RSA, DSA, DH, ECDSA_P256, …, ECDSA, ECDH, EdDSA, ML-DSA, ML-KEM). */
  algorithm: Algorithm | string
  /** Bits; may be omitted where the algorithm or curve fixes it. */
  length?: number
  /** ECDSA / ECDH / EdDSA: P-256, P-384, P-521, secp256k1, X25519, X448, Ed25519, Ed448 (CNG spellings too). */
  curve?: Curve | string
  /** ML-DSA: 44, 65, 87; ML-KEM: 512, 768, 1024 (or 'ML-KEM-768'). */
  parameterSet?: string | number
  /** Deterministic generation: 32 bytes (ML-DSA ξ) or 64 bytes (ML-KEM d‖z). */
  seed?: Uint8Array
  /** ML-KEM only: BCRYPT_NO_KEY_VALIDATION on CNG (no effect with OpenSSL). */
  noKeyValidation?: boolean
  /** false: private material never leaves the native layer. Default true. */
  extractable?: boolean
  /**
   * Run the provider's pairwise consistency check on the new key before it is
   * returned (OpenSSL: EVP_PKEY_pairwise_check; CNG: sign/verify, agreement
   * with a peer, or encapsulate/decapsulate). A failure rejects with ERR_PROVIDER.
   */
  validate?: boolean
}

const SPEC_KEYS = [
  'algorithm',
  'length',
  'curve',
  'parameterSet',
  'seed',
  'noKeyValidation',
  'extractable',
  'validate',
  ...GENERATION_OPTION_KEYS,
]

export interface ResolvedSpec extends Omit<KeyInfo, 'provider'> {
  readonly native: NativeSpec
  readonly extractable: boolean
}

/** Validates a spec against the key-length table; throws typed errors. */
export function resolveSpec(spec: KeySpec): ResolvedSpec {
  if (typeof spec !== 'object' || spec === null) throw new InvalidRequestError('the key spec must be an object')
  for (const k of Object.keys(spec)) {
    if (!SPEC_KEYS.includes(k)) throw new InvalidRequestError(`unknown key spec option "${k}"`)
  }
  if (!isAlgorithm(spec.algorithm)) {
    throw new UnsupportedAlgorithmError(
      `unknown algorithm ${describeValue(spec.algorithm)}: one of ${Object.keys(keyLengthTable).join(', ')}`,
    )
  }
  const { algorithm, curve } = resolveCurve(spec.algorithm, spec.curve)
  const { length, native: options } = resolveGenerationOptions(algorithm, spec, curve)
  const row = keyLengthTable[algorithm]

  let parameterSet: string | undefined
  if (row.parameterSets) {
    if (spec.parameterSet === undefined) {
      throw new InvalidRequestError(`${algorithm} needs a parameterSet: ${row.parameterSets.join(', ')}`)
    }
    if (typeof spec.parameterSet !== 'string' && typeof spec.parameterSet !== 'number') {
      throw new InvalidRequestError('parameterSet must be a string or a number')
    }
    const set = String(spec.parameterSet).replace(new RegExp(`^${algorithm}-`), '')
    if (!row.parameterSets.includes(set)) {
      throw new UnsupportedAlgorithmError(
        `unknown ${algorithm} parameter set ${describeValue(spec.parameterSet)}: ${row.parameterSets.join(', ')}`,
      )
    }
    parameterSet = set
  } else if (spec.parameterSet !== undefined) {
    throw new InvalidRequestError(`${algorithm} takes no parameterSet`)
  }

  if (spec.extractable !== undefined && typeof spec.extractable !== 'boolean') {
    throw new InvalidRequestError('extractable must be a boolean')
  }
  if (spec.validate !== undefined && typeof spec.validate !== 'boolean') {
    throw new InvalidRequestError('validate must be a boolean')
  }
  if (spec.noKeyValidation !== undefined && typeof spec.noKeyValidation !== 'boolean') {
    throw new InvalidRequestError('noKeyValidation must be a boolean')
  }
  if (spec.noKeyValidation && !row.noKeyValidation) {
    throw new InvalidRequestError('noKeyValidation (BCRYPT_NO_KEY_VALIDATION) is only for ML-KEM')
  }
  let seed: Uint8Array | undefined
  if (spec.seed !== undefined) {
    if (algorithm !== 'ML-DSA' && algorithm !== 'ML-KEM') {
      throw new InvalidRequestError('a seed is only for ML-DSA (32 bytes) and ML-KEM (64 bytes)')
    }
    const want = algorithm === 'ML-DSA' ? 32 : 64
    if (!(spec.seed instanceof Uint8Array) || spec.seed.length !== want) {
      throw new InvalidRequestError(`the ${algorithm} seed must be a Uint8Array of ${want} bytes`)
    }
    seed = spec.seed
  }

  const extractable = spec.extractable ?? true
  const nativeSpec: NativeSpec = { algorithm, length, extractable, ...options }
  if (curve !== undefined && keyLengthTable[algorithm].rule.kind === 'curve') nativeSpec.curve = NATIVE_CURVE[curve]
  if (parameterSet !== undefined) nativeSpec.parameterSet = parameterSet
  if (seed !== undefined) nativeSpec.seed = seed
  if (spec.noKeyValidation) nativeSpec.noKeyValidation = true
  if (spec.validate) nativeSpec.validate = true
  const resolved: ResolvedSpec = { algorithm, length, native: nativeSpec, extractable }
  if (curve !== undefined) Object.assign(resolved, { curve })
  if (parameterSet !== undefined) Object.assign(resolved, { parameterSet })
  return resolved
}

export interface Capabilities {
  provider: Provider
  providerVersion: string
  runtime: { node: string; platform: string; arch: string; openssl?: string }
  algorithms: Record<string, NativeAlgorithmCapability>
}

let cached: NativeCapabilities | undefined

function nativeCapabilities(): NativeCapabilities {
  if (!cached) {
    const binding = native()
    cached = call(() => binding.capabilities())
  }
  return cached
}

/** What this runtime's provider really has (probed at run time, not assumed). */
export function capabilities(): Capabilities {
  const c = nativeCapabilities()
  const runtime: Capabilities['runtime'] = { node: process.version, platform: process.platform, arch: process.arch }
  if (process.versions.openssl) runtime.openssl = process.versions.openssl
  return {
    provider: c.provider,
    providerVersion: c.providerVersion,
    runtime,
    algorithms: structuredClone(c.algorithms),
  }
}

function advice(provider: Provider, algorithm: Algorithm, curve?: Curve): string {
  if (algorithm === 'ML-DSA' || algorithm === 'ML-KEM') {
    return provider === 'openssl'
      ? 'ML-DSA and ML-KEM need OpenSSL 3.5 or later: run on Node.js 24 or later'
      : 'ML-DSA and ML-KEM need a Windows build whose CNG has them (Windows 11 24H2 / Windows Server 2025 or later)'
  }
  if (provider === 'cng' && (curve === 'Ed25519' || curve === 'Ed448' || curve === 'X448')) {
    return `Windows CNG has no ${curve}; the OpenSSL backend (Linux, macOS) has it`
  }
  return 'this provider was built without it'
}

function requireCapability(r: ResolvedSpec): void {
  const c = nativeCapabilities()
  const a = c.algorithms[r.algorithm]
  const what = r.parameterSet ? `${r.algorithm}-${r.parameterSet}` : r.curve ? `${r.algorithm} ${r.curve}` : r.algorithm
  const missing =
    !a?.supported ||
    (r.parameterSet !== undefined && !a.parameterSets?.includes(r.parameterSet)) ||
    (r.native.curve !== undefined && !a.curves?.includes(r.native.curve))
  if (missing) {
    const runtime = `Node.js ${process.version} with ${c.provider === 'openssl' ? 'OpenSSL' : 'CNG'} ${c.providerVersion}`
    throw new NotSupportedOnPlatformError(
      `${what} is not available in this runtime (${runtime})${a?.note ? `: ${a.note}` : ''}. ${advice(c.provider, r.algorithm, r.curve)}.`,
    )
  }
}

// --- resolved specs, kept -------------------------------------------------------
//
// A program asks for the same few specs again and again. Each seedless spec is
// resolved against the table and the provider's capabilities once; the
// result (and, after its first use, an id for the spec kept in native code)
// is reused, so a call costs one Map lookup instead of a table walk and a
// native read of the spec object. Only successful resolutions are kept;
// a spec whose fields have types the table does not take is resolved (and
// rejected) every time.

interface Prepared {
  readonly resolved: ResolvedSpec
  readonly info: KeyInfo
  /** Small keys go through the per-turn batches (see enqueue). */
  readonly batched: boolean
  /** A lone request is generated on the JS thread (see INLINE). */
  readonly inline: boolean
  /** Equal native specs share a batch. */
  readonly group: string
  /** Kept in the Map: may be prepared natively. */
  readonly kept: boolean
  /** The id from binding.prepare(), once asked for. */
  nativeId: number | undefined
}

const KEPT_MAX = 256
const kept = new Map<string, Prepared>()
const SPEC_KEY_SET: ReadonlySet<string> = new Set(SPEC_KEYS)

const tag = (v: unknown): string =>
  v === undefined ? 'u' : typeof v === 'number' ? `n${v}` : typeof v === 'string' ? `s${v}` : `b${v}`

function lookup(spec: KeySpec): Prepared {
  if (typeof spec !== 'object' || spec === null || spec.seed !== undefined || hasGenerationOptions(spec)) {
    return prepare(spec, undefined)
  }
  for (const k in spec) if (!SPEC_KEY_SET.has(k)) return prepare(spec, undefined)
  // each field read once: the key and the resolution see the same values
  const { algorithm, length, curve, parameterSet, extractable, validate, noKeyValidation } = spec
  if (
    typeof algorithm !== 'string' ||
    (curve !== undefined && typeof curve !== 'string') ||
    (length !== undefined && typeof length !== 'number') ||
    (parameterSet !== undefined && typeof parameterSet !== 'string' && typeof parameterSet !== 'number') ||
    (extractable !== undefined && typeof extractable !== 'boolean') ||
    (validate !== undefined && typeof validate !== 'boolean') ||
    (noKeyValidation !== undefined && typeof noKeyValidation !== 'boolean')
  ) {
    return prepare(spec, undefined)
  }
  const key = `${algorithm}\0${tag(curve)}\0${tag(length)}\0${tag(parameterSet)}\0${tag(extractable)}${tag(validate)}${tag(noKeyValidation)}`
  const hit = kept.get(key)
  if (hit) return hit
  const snapshot: KeySpec = { algorithm }
  if (length !== undefined) snapshot.length = length
  if (curve !== undefined) snapshot.curve = curve
  if (parameterSet !== undefined) snapshot.parameterSet = parameterSet
  if (extractable !== undefined) snapshot.extractable = extractable
  if (validate !== undefined) snapshot.validate = validate
  if (noKeyValidation !== undefined) snapshot.noKeyValidation = noKeyValidation
  return prepare(snapshot, key)
}

function prepare(spec: KeySpec, key: string | undefined): Prepared {
  const resolved = resolveSpec(spec)
  requireCapability(resolved)
  const info: KeyInfo = {
    algorithm: resolved.algorithm,
    length: resolved.length,
    provider: nativeCapabilities().provider,
  }
  if (resolved.curve) Object.assign(info, { curve: resolved.curve })
  if (resolved.parameterSet) Object.assign(info, { parameterSet: resolved.parameterSet })
  const keep = key !== undefined && kept.size < KEPT_MAX
  const p: Prepared = {
    resolved,
    info,
    batched: BATCHED.has(resolved.algorithm) && !resolved.native.seed,
    inline:
      !resolved.native.seed && INLINE.has(`${resolved.algorithm}|${resolved.curve ?? resolved.parameterSet ?? ''}`),
    group: groupKey(resolved.native),
    kept: keep,
    nativeId: undefined,
  }
  if (keep) kept.set(key, p)
  return p
}

/** @internal For the tests: how many resolved specs are kept (at most 256). */
export const keptSpecCount = (): number => kept.size

/** What native code is given: the kept spec's id, or the spec itself. */
function specArg(p: Prepared): NativeSpec | number {
  if (p.nativeId !== undefined) return p.nativeId
  if (!p.kept) return p.resolved.native
  const binding = native()
  p.nativeId = call(() => binding.prepare(p.resolved.native))
  return p.nativeId
}

// Keys that take microseconds (EC, EdDSA, X25519/X448, ML-DSA, ML-KEM) are
// asked of native code in batches: the requests made in one turn of the event
// loop share a few threadpool work items and promises instead of one each,
// which is most of the per-key cost for them. RSA, DSA and DH keys are slow
// (see the README's measured timings: RSA-4096 about a second, RSA-16384 about
// a minute, a DH group outside the well-known sizes minutes) and go one work
// item each, through the slow-work queue below.
const BATCHED: ReadonlySet<Algorithm> = new Set<Algorithm>([
  'ECDSA_P256',
  'ECDSA_P384',
  'ECDSA_P521',
  'ECDH_P256',
  'ECDH_P384',
  'ECDH_P521',
  'ECDSA',
  'ECDH',
  'EdDSA',
  'ML-DSA',
  'ML-KEM',
])
const MAX_CHUNK = 32

// The keys whose generation costs less than a threadpool round trip costs the
// JS thread (queueing the work, waking a pool thread, the completion callback:
// some 20 µs): P-256 (about 15 µs with OpenSSL), X25519 and Ed25519 (35–40 µs),
// ML-KEM-512/768 (30–50 µs). A request for one of them that is alone in its
// turn of the event loop (`await generateKey()` in a loop) is generated on the
// JS thread in a setImmediate callback — the loop still yields to I/O between
// keys — instead of going to the threadpool; requests made together still go
// to the threadpool in batches, one work item per core, and so does a lone
// request while the threadpool has a batch per core already (it joins the
// parallel work instead of holding up the JS thread); with fewer in flight
// (two callers awaiting in turn) it is cheaper made here.
const INLINE: ReadonlySet<string> = new Set([
  'ECDSA_P256|P-256',
  'ECDH_P256|P-256',
  'ECDH|X25519',
  'EdDSA|Ed25519',
  'ML-KEM|512',
  'ML-KEM|768',
])

let cores: number | undefined
/** availableParallelism() is a system call: asked once. */
const coreCount = (): number => {
  cores ??= Math.max(1, availableParallelism())
  return cores
}

interface Waiting {
  resolve: (key: KeyPair) => void
  reject: (err: unknown) => void
}

/** Batches sent to the threadpool and not yet completed. */
let workItems = 0

/** The requests of this turn, grouped by spec (equal specs share one native call). */
let waiting = new Map<string, { prepared: Prepared; jobs: Waiting[] }>()

const groupKey = (s: NativeSpec): string =>
  `${s.algorithm}|${s.length}|${s.curve ?? ''}|${s.parameterSet ?? ''}|${s.extractable}|${s.validate === true}|${s.noKeyValidation === true}`

function enqueue(prepared: Prepared): Promise<KeyPair> {
  return new Promise<KeyPair>((resolve, reject) => {
    if (waiting.size === 0) queueMicrotask(flush)
    let group = waiting.get(prepared.group)
    if (!group) {
      group = { prepared, jobs: [] }
      waiting.set(prepared.group, group)
    }
    group.jobs.push({ resolve, reject })
  })
}

/** One key of a resolved spec on this thread (generateKeySync, and lone small keys). */
function generateHere(p: Prepared): KeyPair {
  const binding = native()
  const arg = specArg(p)
  const handle = call(() => binding.generateSync(arg))
  return new KeyPair(handle, p.info, p.resolved.extractable)
}

function generateInline(prepared: Prepared, job: Waiting): void {
  let key: KeyPair
  try {
    key = generateHere(prepared)
  } catch (err) {
    job.reject(fromNative(err))
    return
  }
  job.resolve(key)
}

/** How many keys each work item of an n-key batch gets: one item per core, at most `max` keys each. */
function chunkSize(n: number, max: number): number {
  return Math.ceil(n / Math.max(Math.min(n, coreCount()), Math.ceil(n / max)))
}

/** Sends each group of this turn as one work item per core (at most MAX_CHUNK keys each). */
function flush(): void {
  const groups = waiting
  waiting = new Map()
  for (const { prepared, jobs } of groups.values()) {
    if (jobs.length === 1 && prepared.inline && workItems < coreCount()) {
      setImmediate(generateInline, prepared, jobs[0] as Waiting)
      continue
    }
    let binding: ReturnType<typeof native>
    let spec: NativeSpec | number
    try {
      binding = native()
      spec = specArg(prepared)
    } catch (err) {
      for (const job of jobs) job.reject(fromNative(err))
      continue
    }
    const { info } = prepared
    const { extractable } = prepared.resolved
    const size = chunkSize(jobs.length, MAX_CHUNK)
    for (let i = 0; i < jobs.length; i += size) {
      const chunk = jobs.slice(i, i + size)
      let sent: Promise<(NativeKey | Error)[]>
      try {
        sent = chunk.length === 1 ? binding.generate(spec).then((k) => [k]) : binding.generateBatch(spec, chunk.length)
      } catch (err) {
        for (const job of chunk) job.reject(fromNative(err))
        continue
      }
      workItems++
      sent.then(
        (results) => {
          workItems--
          for (let k = 0; k < chunk.length; k++) {
            const job = chunk[k] as Waiting
            const r = results[k]
            if (r instanceof Error) job.reject(fromNative(r))
            else job.resolve(new KeyPair(r as NativeKey, info, extractable))
          }
        },
        (err) => {
          workItems--
          for (const job of chunk) job.reject(fromNative(err))
        },
      )
    }
  }
}

// --- slow work: never the whole threadpool ------------------------------------
//
// The libuv threadpool (UV_THREADPOOL_SIZE threads, default 4) also serves
// fs, dns.lookup, zlib and node:crypto's async calls of the whole process. A
// slow key holds a thread for seconds to minutes, so at most (pool size − 1)
// slow keys are in flight at once, and the rest wait in this JS queue, in
// order: one thread always stays free for the rest of the process.

const DEFAULT_THREADPOOL_SIZE = 4

/** The threadpool's size as libuv reads it (UV_THREADPOOL_SIZE, 1…1024, default 4). */
function threadpoolSize(): number {
  const v = Number.parseInt(process.env.UV_THREADPOOL_SIZE ?? '', 10)
  return Number.isInteger(v) && v > 0 ? Math.min(v, 1024) : DEFAULT_THREADPOOL_SIZE
}

let slowLimit: number | undefined
let slowInFlight = 0
const slowQueue: (() => void)[] = []

/** @internal For the tests: the slow work items allowed at once, in flight now, and waiting. */
export const slowWork = (): { limit: number; inFlight: number; queued: number } => {
  slowLimit ??= Math.max(1, threadpoolSize() - 1)
  return { limit: slowLimit, inFlight: slowInFlight, queued: slowQueue.length }
}

/** Runs `start` (one threadpool work item) when fewer than the limit are in flight. */
function slow<T>(start: () => Promise<T>): Promise<T> {
  const { limit } = slowWork()
  return new Promise<T>((resolve, reject) => {
    const run = (): void => {
      slowInFlight++
      let sent: Promise<T>
      try {
        sent = start()
      } catch (err) {
        sent = Promise.reject(err)
      }
      sent.then(resolve, reject).finally(() => {
        slowInFlight--
        slowQueue.shift()?.()
      })
    }
    if (slowInFlight < limit) run()
    else slowQueue.push(run)
  })
}

/**
 * Generates a key pair with the platform's crypto on the libuv threadpool.
 * Rejects with typed errors (ERR_KEY_LENGTH, ERR_UNSUPPORTED_ALGORITHM,
 * ERR_NOT_SUPPORTED_ON_PLATFORM, ERR_INVALID_REQUEST, ERR_PROVIDER).
 */
export function generateKey(spec: KeySpec): Promise<KeyPair> {
  let p: Prepared
  try {
    p = lookup(spec) // throws the typed errors of the table (or a spec getter's own error)
  } catch (err) {
    return Promise.reject(err)
  }
  if (p.batched) return enqueue(p)
  let binding: ReturnType<typeof native>
  let arg: NativeSpec | number
  try {
    binding = native()
    arg = specArg(p)
  } catch (err) {
    return Promise.reject(fromNative(err))
  }
  const sent = slow(() => binding.generate(arg))
  const { info } = p
  const { extractable } = p.resolved
  return sent.then(
    (handle) => new KeyPair(handle, info, extractable),
    (err) => {
      throw fromNative(err)
    },
  )
}

/**
 * Generates a key pair on the calling thread and returns it: no threadpool
 * hop and no promise, the fastest way to one small key (EC, EdDSA, X25519,
 * ML-DSA, ML-KEM take microseconds). It blocks the event loop for as long as
 * the provider takes: milliseconds to seconds for RSA, DSA and DH, as
 * node:crypto's generateKeyPairSync does. Throws the same typed errors as
 * generateKey.
 */
export function generateKeySync(spec: KeySpec): KeyPair {
  return generateHere(lookup(spec))
}

/** The most keys one generateKeys() call makes. */
export const MAX_KEYS_PER_CALL = 65536
const BULK_CHUNK = 256

/**
 * Generates `count` key pairs of one spec: the fastest way to many keys.
 * Small keys (EC, EdDSA, X25519/X448, ML-DSA, ML-KEM) go to native code as
 * one threadpool work item per core (at most 256 keys each) with one promise
 * for all; RSA, DSA and DH keys go one work item each, at most (threadpool
 * size − 1) at a time, the rest queued in JS. All or nothing: if any key fails, the others are destroyed and
 * the call rejects with the first error (typed as generateKey's).
 */
export async function generateKeys(spec: KeySpec, count: number): Promise<KeyPair[]> {
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > MAX_KEYS_PER_CALL) {
    throw new InvalidRequestError(
      `count must be an integer from 1 to ${MAX_KEYS_PER_CALL}, got ${describeValue(count)}`,
    )
  }
  const p = lookup(spec)
  if (p.resolved.native.seed && count > 1) {
    throw new InvalidRequestError('a seed makes exactly one key: generate seeded keys with count 1')
  }
  const binding = native()
  const arg = specArg(p)
  const sends: Promise<(NativeKey | Error)[]>[] = []
  try {
    if (p.batched) {
      const size = chunkSize(count, BULK_CHUNK)
      for (let i = 0; i < count; i += size) sends.push(binding.generateBatch(arg, Math.min(size, count - i)))
    } else {
      for (let i = 0; i < count; i++) sends.push(slow(() => binding.generate(arg)).then((k) => [k]))
    }
  } catch (err) {
    // nothing was queued after the throw; what was queued is settled below
    sends.push(Promise.reject(err))
  }
  const settled = await Promise.allSettled(sends)
  const handles: NativeKey[] = []
  let failure: unknown
  let failed = false
  for (const s of settled) {
    if (s.status === 'rejected') {
      if (!failed) failure = s.reason
      failed = true
      continue
    }
    for (const r of s.value) {
      if (r instanceof Error) {
        if (!failed) failure = r
        failed = true
      } else {
        handles.push(r)
      }
    }
  }
  if (failed) {
    for (const h of handles) h.destroy()
    throw fromNative(failure)
  }
  return handles.map((h) => new KeyPair(h, p.info, p.resolved.extractable))
}

/** n bytes from the platform RNG (BCryptGenRandom / RAND_priv_bytes); n ≤ 1 MiB. */
export function randomBytes(n: number): Buffer {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 1 << 20) {
    throw new InvalidRequestError('randomBytes takes an integer from 0 to 1048576')
  }
  const binding = native()
  return call(() => binding.randomBytes(n))
}
