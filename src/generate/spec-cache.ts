/**
 * The spec cache: each seedless spec a program asks for is resolved and
 * checked against the provider's capabilities once, and the entry reused.
 */

import type { KeyInfo } from '../keypair.js'
import { call, type NativeSpec, native } from '../native.js'
import { nativeCapabilities, requireCapability } from './capabilities.js'
import { laneOf } from './cost.js'
import { type KeySpec, type ResolvedSpec, resolveSpec, SPEC_KEYS } from './spec.js'

// A program asks for the same few specs again and again. Each seedless spec is
// resolved against the table and the provider's capabilities once; the
// result (and, after its first use, an id for the spec kept in native code:
// binding.prepare) is reused, so a call costs one Map lookup instead of a
// table walk and a native read of the spec object. Only successful
// resolutions are kept; a spec whose fields have types the table does not
// take is resolved (and rejected) every time.

/** A spec resolved for generation: kept in the cache, or made for one call. */
export interface SpecEntry {
  readonly resolved: ResolvedSpec
  readonly info: KeyInfo
  /** Small keys go through the per-turn batches (see cost.ts). */
  readonly batched: boolean
  /** A lone request is generated on the JS thread (see cost.ts). */
  readonly inline: boolean
  /** Equal native specs share a batch. */
  readonly group: string
  /** Kept in the Map: may be kept natively too (binding.prepare). */
  readonly kept: boolean
  /** The id from binding.prepare(), once asked for. */
  nativeId: number | undefined
}

const KEPT_MAX = 256
const kept = new Map<string, SpecEntry>()
const SPEC_KEY_SET: ReadonlySet<string> = new Set(SPEC_KEYS)

const tag = (v: unknown): string =>
  v === undefined ? 'u' : typeof v === 'number' ? `n${v}` : typeof v === 'string' ? `s${v}` : `b${v}`

/** The cache entry for a spec (made, and kept where it can be, on first use); throws the typed errors of resolveSpec. */
export function specEntry(spec: KeySpec): SpecEntry {
  if (typeof spec !== 'object' || spec === null || spec.seed !== undefined) return newEntry(spec, undefined)
  for (const k in spec) if (!SPEC_KEY_SET.has(k)) return newEntry(spec, undefined)
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
    return newEntry(spec, undefined)
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
  return newEntry(snapshot, key)
}

function newEntry(spec: KeySpec, key: string | undefined): SpecEntry {
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
  const entry: SpecEntry = {
    resolved,
    info,
    ...laneOf(resolved),
    group: groupKey(resolved.native),
    kept: keep,
    nativeId: undefined,
  }
  if (keep) kept.set(key, entry)
  return entry
}

/** @internal For the tests: how many resolved specs are kept (at most 256). */
export const keptSpecCount = (): number => kept.size

/** What native code is given: the spec's native id (kept entries, made on first use), or the spec itself. */
export function nativeSpecArg(entry: SpecEntry): NativeSpec | number {
  if (entry.nativeId !== undefined) return entry.nativeId
  if (!entry.kept) return entry.resolved.native
  const binding = native()
  entry.nativeId = call(() => binding.prepare(entry.resolved.native))
  return entry.nativeId
}

const groupKey = (s: NativeSpec): string =>
  `${s.algorithm}|${s.length}|${s.curve ?? ''}|${s.parameterSet ?? ''}|${s.extractable}|${s.validate === true}|${s.noKeyValidation === true}`
