/**
 * Which way the scheduler (scheduler.ts) sends a resolved spec, from the
 * registry's cost class (costOf in src/registry.ts):
 *
 * Keys that take microseconds (EC, EdDSA, X25519/X448, ML-DSA, ML-KEM; cost
 * `batched` or `inline`) are asked of native code in batches: the requests
 * made in one turn of the event loop share a few threadpool work items and
 * promises instead of one each, which is most of the per-key cost for them.
 * RSA, DSA and DH keys are slow (cost `slow`; see the README's measured
 * timings: RSA-4096 about a second, RSA-16384 about a minute, a DH group
 * outside the well-known sizes minutes) and go one work item each, through
 * the slow-work queue (scheduler.ts).
 *
 * The keys whose generation costs less than a threadpool round trip costs the
 * JS thread (queueing the work, waking a pool thread, the completion callback:
 * some 20 µs) have cost `inline`: P-256 (about 15 µs with OpenSSL), X25519 and
 * Ed25519 (35–40 µs), ML-KEM-512/768 (30–50 µs). A request for one of them
 * that is alone in its turn of the event loop (`await generateKey()` in a
 * loop) is generated on the JS thread in a setImmediate callback — the loop
 * still yields to I/O between keys — instead of going to the threadpool;
 * requests made together still go to the threadpool in batches, and so does a
 * lone request while every batch slot is taken (it joins the parallel work
 * instead of holding up the JS thread); with fewer in flight (two callers
 * awaiting in turn) it is cheaper made here.
 *
 * A seeded spec makes one key and is never batched nor made inline.
 */

import { costOf } from '../registry.js'
import type { ResolvedSpec } from './spec.js'

export function laneOf(r: ResolvedSpec): { batched: boolean; inline: boolean } {
  if (r.native.seed) return { batched: false, inline: false }
  const cost = costOf(r.algorithm, r.curve, r.parameterSet)
  return { batched: cost !== 'slow', inline: cost === 'inline' }
}
