/**
 * What a key costs to make, and so which way the scheduler (scheduler.ts)
 * sends it: in per-turn batches, on the JS thread when alone, or one slow
 * work item each.
 */

import type { Algorithm } from '../table.js'

// Keys that take microseconds (EC, EdDSA, X25519/X448, ML-DSA, ML-KEM) are
// asked of native code in batches: the requests made in one turn of the event
// loop share a few threadpool work items and promises instead of one each,
// which is most of the per-key cost for them. RSA, DSA and DH keys are slow
// (see the README's measured timings: RSA-4096 about a second, RSA-16384 about
// a minute, a DH group outside the well-known sizes minutes) and go one work
// item each, through the slow-work queue (scheduler.ts).
export const BATCHED: ReadonlySet<Algorithm> = new Set<Algorithm>([
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
export const INLINE: ReadonlySet<string> = new Set([
  'ECDSA_P256|P-256',
  'ECDH_P256|P-256',
  'ECDH|X25519',
  'EdDSA|Ed25519',
  'ML-KEM|512',
  'ML-KEM|768',
])
