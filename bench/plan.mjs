// Which measurements a run makes, and the time budget of each.
//
// A cell = one child process = one (algorithm, implementation, mode, in-flight) figure:
// a warm-up, then `runs` runs of `runSec` seconds each (at least `minKeys` keys).
//
// Budgets are per tier. RSA and DSA key generation times are heavy-tailed (RSA-2048
// per-key time has a coefficient of variation of about 0.6), so their figures need many
// keys: the cells that decide a target ("T") get the long runs, the rest ("S") shorter
// ones, and the default run leaves out the RSA/DSA cells that only repeat what another
// cell shows (exports cost microseconds next to a prime search); --full measures them all.
// --scale multiplies every runSec (e.g. --scale 4 --only RSA-2048,RSA-3072 for ±3%).
// The fast tier's runs are 0.2 s: at 0.1 s figures scattered by ±20–50% on a 2-core VM.

export const TIERS = {
  //          runSec  target runSec  warmSec
  fast: { runSec: 0.2, targetSec: 0.2, warmSec: 0.1 },
  medium: { runSec: 0.25, targetSec: 0.25, warmSec: 0.15 },
  rsa2048: { runSec: 1.5, targetSec: 5, warmSec: 0 },
  rsa3072: { runSec: 2, targetSec: 5, warmSec: 0 },
  rsa4096: { runSec: 2.5, targetSec: 2.5, warmSec: 0 },
  dsa: { runSec: 1.5, targetSec: 1.5, warmSec: 0 },
}

export const QUICK = {
  fast: { runSec: 0.02, targetSec: 0.02, warmSec: 0.02 },
  medium: { runSec: 0.04, targetSec: 0.04, warmSec: 0.02 },
  rsa2048: { runSec: 0.2, targetSec: 0.3, warmSec: 0 },
  rsa3072: { runSec: 0.3, targetSec: 0.4, warmSec: 0 },
  rsa4096: { runSec: 0.3, targetSec: 0.3, warmSec: 0 },
  dsa: { runSec: 0.3, targetSec: 0.3, warmSec: 0 },
}

/** Rough keys/s per core on a quiet 2-core EPYC with OpenSSL 3.0, only for the time estimate. */
const EST_RATE = { rsa2048: 6, rsa3072: 1.8, rsa4096: 0.6, dsa: 3 }

export const IN_FLIGHT = [1, 2, 16]

/** Keys per generateKeys() call in the ours-bulk cells (their `par` is the calls in flight). */
export const BULK_PER_CALL = 64
export const BULK_IN_FLIGHT = 2

/** Keys one call of the cell's operation makes. */
export const perCallOf = (impl) => (impl === 'ours-bulk' ? BULK_PER_CALL : 1)

const key = (impl, mode, par) => `${impl}:${mode}:${par}`

/** Every cell of the complete matrix for one algorithm. */
function fullMatrix(alg) {
  const modes = alg.noJwk ? ['gen', 'pem'] : ['gen', 'jwk', 'pem']
  const cells = []
  const add = (impl, mode, par) => cells.push({ impl, mode, par })
  for (const m of modes) for (const p of IN_FLIGHT) add('ours', m, p)
  for (const m of modes) add('ours-sync', m, 1)
  for (const m of modes) add('ours-bulk', m, BULK_IN_FLIGHT)
  if (!alg.noJwk) add('ours-jose', 'jwk', 1)
  for (const m of modes) add('node-sync', m, 1)
  for (const m of modes) for (const p of IN_FLIGHT) add('node-async', m, p)
  if (!alg.noJwk) add('jose', 'jwk', 1)
  if (alg.noble) add('noble', 'gen', 1)
  if (alg.noblePq) add('noble-pq', 'gen', 1)
  if (alg.forge) add('forge', 'gen', 1)
  for (const m of alg.noJwk ? ['gen'] : ['gen', 'jwk']) for (const t of [1, 2]) add('c', m, t)
  return cells
}

// The default (not --full) cells for the slow tiers, and which of them are target cells.
const REDUCED = {
  rsa2048: {
    keep: [
      'ours:gen:1',
      'ours:jwk:1',
      'ours:pem:1',
      'ours:gen:2',
      'ours:gen:16',
      'ours:jwk:16',
      'ours-sync:gen:1',
      'ours-jose:jwk:1',
      'node-sync:gen:1',
      'node-sync:jwk:1',
      'node-sync:pem:1',
      'node-async:gen:2',
      'node-async:gen:16',
      'node-async:jwk:16',
      'jose:jwk:1',
      'forge:gen:1',
      'c:gen:1',
      'c:gen:2',
      'c:jwk:1',
    ],
    target: ['ours:gen:1', 'ours:gen:16', 'ours-sync:gen:1', 'node-sync:gen:1'],
  },
  rsa3072: {
    keep: [
      'ours:gen:1',
      'ours:jwk:1',
      'ours:pem:1',
      'ours:gen:16',
      'ours-sync:gen:1',
      'node-sync:gen:1',
      'node-sync:jwk:1',
      'node-async:gen:16',
      'c:gen:1',
      'c:gen:2',
    ],
    target: ['ours:gen:1', 'ours-sync:gen:1', 'node-sync:gen:1'],
  },
  rsa4096: {
    keep: ['ours:gen:1', 'ours:gen:2', 'node-sync:gen:1', 'node-async:gen:2', 'c:gen:1'],
    target: [],
  },
  dsa: {
    keep: [
      'ours:gen:1',
      'ours:pem:1',
      'ours:gen:16',
      'node-sync:gen:1',
      'node-sync:pem:1',
      'node-async:gen:16',
      'c:gen:1',
      'c:gen:2',
    ],
    target: [],
  },
}

// Named plans (`--plan <name>`): a subset of the default cells for a question, short enough to
// run under several Node.js versions in a row on a quiet machine.
//   issue17: P-256, P-384, Ed25519, X25519 → JWK and PEM at every entry point issue 17 compares
//   (×1, ×16, sync, bulk, the jose drop-in; node sync, ×1, ×16; jose) and the C loop (generate and
//   the JWK components, 1 and 2 threads): 20 cells per algorithm, about 2 minutes per Node.js.
export const PLANS = {
  issue17: {
    algorithms: ['P-256', 'P-384', 'Ed25519', 'X25519'],
    keep: [
      'ours:jwk:1',
      'ours:jwk:16',
      'ours:pem:1',
      'ours:pem:16',
      'ours-sync:jwk:1',
      'ours-sync:pem:1',
      `ours-bulk:jwk:${BULK_IN_FLIGHT}`,
      `ours-bulk:pem:${BULK_IN_FLIGHT}`,
      'ours-jose:jwk:1',
      'node-sync:jwk:1',
      'node-sync:pem:1',
      'node-async:jwk:1',
      'node-async:jwk:16',
      'node-async:pem:1',
      'node-async:pem:16',
      'jose:jwk:1',
      'c:gen:1',
      'c:gen:2',
      'c:jwk:1',
      'c:jwk:2',
    ],
  },
}

/**
 * The cells to run: [{ alg, impl, mode, par, runs, runSec, warmSec, minKeys, estSec }].
 * opts: { algorithms, quick, full, scale, runs, plan } — `plan` a name in PLANS (its cells only)
 */
export function buildPlan(opts) {
  const budgets = opts.quick ? QUICK : TIERS
  const out = []
  for (const alg of opts.algorithms) {
    const tier = budgets[alg.tier]
    const reduced = opts.full ? null : REDUCED[alg.tier]
    const named = opts.plan ? PLANS[opts.plan] : undefined
    for (const c of fullMatrix(alg)) {
      const k = key(c.impl, c.mode, c.par)
      if (named && !named.keep.includes(k)) continue
      if (reduced && !reduced.keep.includes(k)) continue
      const target = reduced ? reduced.target.includes(k) : false
      let runSec = (target ? tier.targetSec : tier.runSec) * opts.scale
      const runs = opts.runs
      let warmSec = tier.warmSec
      let minKeys = 1
      if (c.impl === 'forge') {
        // pure-JS RSA: a few keys, one per run (seconds each)
        runSec = 0
        warmSec = 0
      }
      if (c.impl === 'c' && alg.tier.startsWith('rsa')) minKeys = c.par
      const rate = EST_RATE[alg.tier]
      const perCall = perCallOf(c.impl)
      let estSec = 0.35 + warmSec + runs * runSec
      if (rate) {
        // A run lasts its budget plus the keys still in flight when it ends: about half a
        // key for one at a time (or per C thread), all of them for many in flight (on at
        // most 2 cores); before the runs, the one checked call.
        const inFlight = c.impl === 'c' ? 1 : c.par * perCall
        const cores = Math.min(2, c.impl === 'c' ? c.par : inFlight)
        const tail = inFlight === 1 ? 0.5 / rate : inFlight / (rate * cores)
        estSec = 0.35 + runs * (runSec + tail) + perCall / (rate * Math.min(2, perCall))
        if (c.impl === 'forge') estSec = 0.35 + (runs + 1) * 2
      }
      out.push({
        alg: alg.id,
        tier: alg.tier,
        node24: !!alg.node24,
        ...c,
        runs,
        runSec,
        warmSec,
        minKeys,
        target,
        estSec,
      })
    }
  }
  return out
}
