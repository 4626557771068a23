/**
 * The threadpool scheduler: how generation requests reach native code —
 * small keys in per-turn batches (or on the JS thread when alone), slow keys
 * one work item each and never the whole threadpool, bulk requests split one
 * work item per core.
 */

import { availableParallelism } from 'node:os'
import { fromNative } from '../errors.js'
import { KeyPair } from '../keypair.js'
import { type BlobKind, call, type NativeKey, type NativeSpec, native } from '../native.js'
import { nativeSpecArg, type SpecEntry } from './spec-cache.js'

const MAX_CHUNK = 32
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

interface Group {
  entry: SpecEntry
  jobs: Waiting[]
}

// --- small keys: batches, at most batchSlots() work items in flight ----------
//
// Requests of one turn are grouped by spec (equal specs share one native
// call). At most `batchSlots()` batch work items are in flight; requests made
// while every slot is busy are held here, still grouped by spec, and go out
// together as the next batch when a slot frees. So 16 callers awaiting in a
// loop (the server pattern) keep a few batches of four to eight keys in
// flight, one threadpool round trip and one promise per batch, rather than
// splitting into one work item per key as the batches come back in pieces.
//
// The slots: one per core and two more, never more than the threadpool has
// threads. A slot whose batch has come back stays empty while the JS thread
// settles and exports that batch, and batches of one size come back together:
// with one slot per core the cores then wait for the JS thread, and with one
// more they still do, for the time the JS thread takes over the first batch
// back. Measured on 2 cores (bench/child.mjs cells in alternation, 5 rounds,
// with the machine's idle share beside each run), 16 callers → JWK:
//   - two slots to three: X25519 11% more CPU time used in the same 1.5 s,
//     P-384 13–23% more keys/s;
//   - three slots to four: the machine idle 14% → 7% of the time for Ed25519
//     and X25519 (node:crypto's ×16: 5%), 10% more keys/s for both, P-384 4%
//     and ML-DSA-65 17% more; P-256 unchanged. Five or six slots leave it as
//     idle as four, with smaller batches.

/** Batch work items sent to the threadpool and not yet completed. */
let batchesInFlight = 0
let batchLimit: number | undefined

/** The requests of this turn, grouped by spec. */
let waiting = new Map<string, Group>()
/** Requests waiting for a free slot, grouped by spec, oldest group first. */
const held = new Map<string, Group>()
let heldJobs = 0

/** One batch per core and two more, never more than the threadpool's threads. */
const batchSlots = (): number => {
  batchLimit ??= Math.max(1, Math.min(threadpoolSize(), coreCount() + 2))
  return batchLimit
}

/** @internal For the tests: the batch work items allowed at once, in flight now, and the requests held for a slot. */
export const batchWork = (): { limit: number; inFlight: number; held: number } => ({
  limit: batchSlots(),
  inFlight: batchesInFlight,
  held: heldJobs,
})

function enqueue(entry: SpecEntry): Promise<KeyPair> {
  return new Promise<KeyPair>((resolve, reject) => {
    if (waiting.size === 0) queueMicrotask(flush)
    let group = waiting.get(entry.group)
    if (!group) {
      group = { entry, jobs: [] }
      waiting.set(entry.group, group)
    }
    group.jobs.push({ resolve, reject })
  })
}

/** One key of a resolved spec on this thread (generateKeySync, and lone small keys). */
export function generateHere(p: SpecEntry): KeyPair {
  const binding = native()
  const arg = nativeSpecArg(p)
  const handle = call(() => binding.generateSync(arg))
  return new KeyPair(handle, p.info, p.resolved.extractable)
}

function generateInline(entry: SpecEntry, job: Waiting): void {
  let key: KeyPair
  try {
    key = generateHere(entry)
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

/**
 * This turn's requests: a lone microsecond key while a slot is free and
 * nothing of its spec is held goes to the JS thread (see cost.ts INLINE);
 * everything else joins the held groups, which go out as slots allow.
 */
function flush(): void {
  const groups = waiting
  waiting = new Map()
  for (const [key, group] of groups) {
    const h = held.get(key)
    if (!h && group.jobs.length === 1 && group.entry.inline && batchesInFlight < batchSlots()) {
      setImmediate(generateInline, group.entry, group.jobs[0] as Waiting)
      continue
    }
    if (h) {
      for (const job of group.jobs) h.jobs.push(job)
    } else {
      held.set(key, group)
    }
    heldJobs += group.jobs.length
  }
  dispatch()
}

/**
 * Sends held requests as batches of at most MAX_CHUNK keys, one per free slot. Specs take turns:
 * a spec with requests left after its batch goes to the back, so a busy spec cannot hold up another.
 */
function dispatch(): void {
  while (heldJobs > 0 && batchesInFlight < batchSlots()) {
    const next = held.entries().next()
    if (next.done) return
    const [key, group] = next.value
    held.delete(key)
    const { entry, jobs } = group
    let binding: ReturnType<typeof native>
    let spec: NativeSpec | number
    try {
      binding = native()
      spec = nativeSpecArg(entry)
    } catch (err) {
      heldJobs -= jobs.length
      for (const job of jobs) job.reject(fromNative(err))
      continue
    }
    const chunk = jobs.splice(0, Math.min(MAX_CHUNK, Math.ceil(jobs.length / (batchSlots() - batchesInFlight))))
    heldJobs -= chunk.length
    if (jobs.length > 0) held.set(key, group)
    send(binding, spec, entry, chunk)
  }
}

/** One batch work item; its completion settles each caller and sends what is held. */
function send(binding: ReturnType<typeof native>, spec: NativeSpec | number, entry: SpecEntry, chunk: Waiting[]): void {
  let sent: Promise<(NativeKey | Error)[]>
  try {
    sent = binding.generateBatch(spec, chunk.length)
  } catch (err) {
    for (const job of chunk) job.reject(fromNative(err))
    return
  }
  batchesInFlight++
  const { info } = entry
  const { extractable } = entry.resolved
  sent.then(
    (results) => {
      batchesInFlight--
      for (let k = 0; k < chunk.length; k++) {
        const job = chunk[k] as Waiting
        const r = results[k]
        if (r instanceof Error) job.reject(fromNative(r))
        else job.resolve(new KeyPair(r as NativeKey, info, extractable))
      }
      if (heldJobs > 0) dispatch()
    },
    (err) => {
      batchesInFlight--
      for (const job of chunk) job.reject(fromNative(err))
      if (heldJobs > 0) dispatch()
    },
  )
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

/** One key of a resolved spec on the threadpool: small keys batched per turn, slow keys through the slow-work queue. */
export function schedule(p: SpecEntry): Promise<KeyPair> {
  if (p.batched) return enqueue(p)
  let binding: ReturnType<typeof native>
  let arg: NativeSpec | number
  try {
    binding = native()
    arg = nativeSpecArg(p)
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

const BULK_CHUNK = 256

/**
 * `count` keys of one resolved spec: small keys as one work item per core (at
 * most BULK_CHUNK keys each), slow keys one work item each through the
 * slow-work queue. All or nothing: if any key fails, the others are destroyed
 * and the promise rejects with the first error.
 */
export async function scheduleBulk(p: SpecEntry, count: number): Promise<KeyPair[]> {
  const binding = native()
  const arg = nativeSpecArg(p)
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

const KIND_LETTER: Record<BlobKind, string> = { private: 'p', seed: 's', public: 'u' }

/**
 * `count` small keys of one resolved spec made, exported and released on the
 * threadpool, for generateKeys with export options: the JS thread gets each
 * key's blobs (`kinds`, in order) and no handle, and `encode` turns them into
 * the export. Each work item's keys are encoded as soon as it completes, while
 * the threadpool makes the others, and its buffer is wiped right after. All or
 * nothing: once every work item has settled, the first failure (in item order)
 * rejects, typed as generateKey's.
 */
export async function scheduleBulkBlobs<T>(
  p: SpecEntry,
  count: number,
  kinds: readonly BlobKind[],
  encode: (blobs: Buffer[]) => T,
): Promise<T[]> {
  const binding = native()
  const arg = nativeSpecArg(p)
  const letters = kinds.map((k) => KIND_LETTER[k]).join('')
  const parts: T[][] = []
  const errors: unknown[] = []
  let failed = false
  const take = (index: number, buf: Buffer): void => {
    try {
      if (failed) return
      const out: T[] = []
      let at = 0
      while (at < buf.length) {
        const blobs: Buffer[] = []
        for (let k = 0; k < kinds.length; k++) {
          const n = buf.readUInt32LE(at)
          blobs.push(buf.subarray(at + 4, at + 4 + n))
          at += 4 + n
        }
        out.push(encode(blobs))
      }
      parts[index] = out
    } catch (err) {
      failed = true
      errors[index] = err
    } finally {
      buf.fill(0)
    }
  }
  const sends: Promise<void>[] = []
  try {
    const size = chunkSize(count, BULK_CHUNK)
    for (let i = 0, index = 0; i < count; i += size, index++) {
      sends.push(
        binding.generateBlobs(arg, Math.min(size, count - i), letters).then(
          (buf) => take(index, buf),
          (err) => {
            failed = true
            errors[index] = err
          },
        ),
      )
    }
  } catch (err) {
    failed = true
    errors[sends.length] = err
  }
  await Promise.all(sends)
  if (failed) throw fromNative(errors.find((e) => e !== undefined))
  return parts.flat()
}
