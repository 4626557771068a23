// One measurement, in its own process (bench/run.mjs spawns one per cell).
//
//   node bench/child.mjs '<cell JSON>'      → prints  @@RESULT {"ok":true,"runs":[{keys,seconds},…]}
//   node bench/child.mjs info               → versions, capabilities and the DH group for node:crypto
//   node --expose-gc bench/child.mjs memory '<JSON>'  → the RSS measurement (see memory())
//
// A cell is { alg, impl, mode, par, runs, runSec, warmSec, minKeys }: `impl` is
// ours | ours-sync | ours-bulk | ours-jose | node-sync | node-async | jose | noble |
// noble-pq | forge | c; `mode` gen | jwk | pem; `par` the number of calls in flight
// (async), or of threads (c). ours-bulk makes 64 keys per call (generateKeys).
// Each run is a time budget: the loop starts new calls until runSec has passed
// (and at least minKeys keys were started), then waits for those in flight; its
// figure is keys / elapsed. Nothing here asserts a time.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { BY_ID } from './algorithms.mjs'
import { BULK_PER_CALL } from './plan.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..')
const require = createRequire(import.meta.url)
const now = () => performance.now()

// the package under test: the repository, or the snapshot run.mjs made of it (bench/.pkg)
let pkgRoot = root
const ours = () => import(pathToFileURL(join(pkgRoot, 'dist/esm/index.js')).href)
export const C_ADDON = join(here, 'native/build/Release/keygen_loop.node')

class Unsupported extends Error {}

function emit(obj) {
  process.stdout.write(`@@RESULT ${JSON.stringify(obj)}\n`)
}

// --- what one key costs, per implementation ------------------------------------

function nodeOptions(alg, mode, cell) {
  const [type, base] = alg.node
  const opts = { ...base }
  if (opts.sameGroupAsOurs) {
    delete opts.sameGroupAsOurs
    if (!cell.dhPrime) throw new Unsupported('no DH group was handed over')
    opts.prime = Buffer.from(cell.dhPrime, 'hex')
    opts.generator = cell.dhGenerator ?? 2
  }
  if (mode === 'jwk') opts.privateKeyEncoding = { format: 'jwk' }
  if (mode === 'pem') opts.privateKeyEncoding = { type: 'pkcs8', format: 'pem' }
  return [type, opts]
}

function checkOutput(mode, out) {
  if (mode === 'jwk') {
    const ok = out && typeof out === 'object' && (typeof out.d === 'string' || typeof out.priv === 'string')
    if (!ok) throw new Error(`expected a private JWK, got ${JSON.stringify(out)?.slice(0, 80)}`)
  } else if (mode === 'pem') {
    if (typeof out !== 'string' || !out.startsWith('-----BEGIN PRIVATE KEY-----')) {
      throw new Error(`expected a PKCS#8 PEM, got ${String(out).slice(0, 40)}`)
    }
  }
}

/**
 * Returns { kind: 'sync' | 'async' | 'batch', fn, perCall? } for the cell. fn returns the export
 * (for one check); perCall is how many keys one fn call makes (default 1).
 */
async function makeOp(cell, alg) {
  const { impl, mode } = cell
  switch (impl) {
    case 'ours': {
      const { generateKey } = await ours()
      const spec = alg.ours
      const exportOpts = mode === 'jwk' ? { format: 'jwk' } : mode === 'pem' ? { format: 'pem' } : null
      return {
        kind: 'async',
        fn: async () => {
          const kp = await generateKey({ ...spec })
          const out = exportOpts ? kp.export(exportOpts) : undefined
          kp.destroy()
          return out
        },
      }
    }
    case 'ours-sync': {
      const { generateKeySync } = await ours()
      const spec = alg.ours
      const exportOpts = mode === 'jwk' ? { format: 'jwk' } : mode === 'pem' ? { format: 'pem' } : null
      return {
        kind: 'sync',
        fn: () => {
          const kp = generateKeySync({ ...spec })
          const out = exportOpts ? kp.export(exportOpts) : undefined
          kp.destroy()
          return out
        },
      }
    }
    case 'ours-bulk': {
      const { generateKeys } = await ours()
      const spec = alg.ours
      const exportOpts = mode === 'jwk' ? { format: 'jwk' } : mode === 'pem' ? { format: 'pem' } : null
      return {
        kind: 'async',
        perCall: BULK_PER_CALL,
        // → JWK / PEM: the keys come back exported (generateKeys' export options), no handle
        // reaching JS; keygen only: handles, each destroyed.
        fn: exportOpts
          ? async () => (await generateKeys({ ...spec }, BULK_PER_CALL, exportOpts))[0]
          : async () => {
              const kps = await generateKeys({ ...spec }, BULK_PER_CALL)
              for (const kp of kps) kp.destroy()
            },
      }
    }
    case 'ours-jose': {
      if (!alg.oursJose) throw new Unsupported(alg.why?.oursJose ?? 'no JOSE algorithm')
      const { generateKeyPair } = await ours()
      const { exportJWK } = await import('jose')
      const [name, opts] = alg.oursJose
      return {
        kind: 'async',
        fn: async () => {
          const { privateKey } = await generateKeyPair(name, { ...opts, extractable: true })
          return exportJWK(privateKey)
        },
      }
    }
    case 'jose': {
      if (!alg.jose) throw new Unsupported(alg.why?.jose ?? 'no JOSE algorithm')
      const { generateKeyPair, exportJWK } = await import('jose')
      const [name, opts] = alg.jose
      return {
        kind: 'async',
        fn: async () => {
          const { privateKey } = await generateKeyPair(name, { ...opts, extractable: true })
          return exportJWK(privateKey)
        },
      }
    }
    case 'node-sync': {
      const { generateKeyPairSync } = await import('node:crypto')
      const [type, opts] = nodeOptions(alg, mode, cell)
      return { kind: 'sync', fn: () => generateKeyPairSync(type, opts).privateKey }
    }
    case 'node-async': {
      const { generateKeyPair } = await import('node:crypto')
      const [type, opts] = nodeOptions(alg, mode, cell)
      return {
        kind: 'async',
        fn: () =>
          new Promise((resolve, reject) => {
            generateKeyPair(type, opts, (err, _pub, priv) => (err ? reject(err) : resolve(priv)))
          }),
      }
    }
    case 'noble':
    case 'noble-pq': {
      const src = impl === 'noble' ? alg.noble : alg.noblePq
      if (!src) throw new Unsupported(`not in ${impl === 'noble' ? '@noble/curves' : '@noble/post-quantum'}`)
      let mod
      try {
        mod = await import(src[0])
      } catch (err) {
        throw new Unsupported(`${src[0]} is not installed (${err.code ?? err.message})`)
      }
      const curve = mod[src[1]]
      return { kind: 'sync', fn: () => curve.keygen() }
    }
    case 'forge': {
      if (!alg.forge) throw new Unsupported('node-forge is measured for RSA-2048 only')
      let forge
      try {
        forge = require('node-forge')
      } catch (err) {
        throw new Unsupported(`node-forge is not installed (${err.code ?? err.message})`)
      }
      // forge would otherwise hand RSA to node:crypto when it can: measure forge's own prime search
      forge.options.usePureJavaScript = true
      const bits = alg.forge.bits
      return { kind: 'sync', fn: () => forge.pki.rsa.generateKeyPair({ bits, e: 0x10001 }) }
    }
    case 'c': {
      let addon
      try {
        addon = require(C_ADDON)
      } catch (err) {
        throw new Unsupported(`bench/native addon not built (${err.message.split('\n')[0]})`)
      }
      const base = { ...alg.c, export: mode === 'jwk' ? 'jwk' : 'none', threads: cell.par }
      return { kind: 'batch', fn: (seconds, minKeys) => addon.run({ ...base, seconds, minKeys }) }
    }
    default:
      throw new Error(`unknown implementation ${impl}`)
  }
}

// --- loops ----------------------------------------------------------------------

function runSync(fn, seconds, minKeys) {
  const t0 = now()
  const end = t0 + seconds * 1000
  let keys = 0
  do {
    fn()
    keys++
  } while (keys < minKeys || now() < end)
  return { keys, seconds: (now() - t0) / 1000 }
}

async function runAsync(fn, inFlight, seconds, minKeys, perCall = 1) {
  const t0 = now()
  const end = t0 + seconds * 1000
  let keys = 0
  let started = 0
  // Each lane keeps one call in flight: `inFlight` lanes, so that many at a time;
  // a call makes `perCall` keys.
  const lane = async () => {
    while (started < minKeys || now() < end) {
      started += perCall
      await fn()
      keys += perCall
    }
  }
  await Promise.all(Array.from({ length: inFlight }, lane))
  return { keys, seconds: (now() - t0) / 1000 }
}

/** The machine's CPU time so far (Linux /proc/stat, in clock ticks): busy, idle, stolen by the host; undefined elsewhere. */
function machineTicks() {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number)
    const [user, nice, system, idle, iowait, irq, softirq, steal] = f
    return { busy: user + nice + system + irq + softirq, idle: idle + iowait, steal }
  } catch {
    return undefined
  }
}

/**
 * One run, with where the CPU time went beside its figure: `cpu`, the seconds of CPU this process
 * used; `idle` and `steal`, the share of the machine's CPU time that was idle and that the host
 * took for others (a VM's steal: a run with much of it was measured on a loaded host).
 */
async function measure(op, cell, seconds, minKeys) {
  const t0 = machineTicks()
  const c0 = process.cpuUsage()
  let r
  if (op.kind === 'sync') r = runSync(op.fn, seconds, minKeys)
  else if (op.kind === 'async') r = await runAsync(op.fn, cell.par, seconds, minKeys, op.perCall ?? 1)
  else r = await op.fn(seconds, minKeys)
  const c = process.cpuUsage(c0)
  const t1 = machineTicks()
  r.cpu = (c.user + c.system) / 1e6
  if (t0 && t1) {
    const busy = t1.busy - t0.busy
    const idle = t1.idle - t0.idle
    const steal = t1.steal - t0.steal
    const all = busy + idle + steal
    if (all > 0) {
      r.idle = idle / all
      r.steal = steal / all
    }
  }
  return r
}

async function cellMain(cell) {
  const alg = BY_ID.get(cell.alg)
  if (!alg) throw new Error(`unknown algorithm ${cell.alg}`)
  if (cell.mode === 'jwk' && alg.noJwk && cell.impl !== 'c') throw new Unsupported(alg.why?.jwk ?? 'no JWK')
  let op
  try {
    op = await makeOp(cell, alg)
    // one key first: proves the path works and what it returns (not timed)
    if (op.kind !== 'batch') checkOutput(cell.mode, await op.fn())
  } catch (err) {
    if (err instanceof Unsupported) throw err
    throw new Unsupported(`${err.code ? `${err.code}: ` : ''}${err.message}`)
  }
  const minKeys = cell.minKeys ?? 1
  if (cell.warmSec > 0) await measure(op, cell, cell.warmSec, 1)
  const runs = []
  for (let i = 0; i < cell.runs; i++) runs.push(await measure(op, cell, cell.runSec, minKeys))
  return runs
}

// --- info: versions, capabilities, the DH group ------------------------------------

async function info() {
  const out = {
    node: process.version,
    openssl: process.versions.openssl,
    execPath: process.execPath,
  }
  try {
    const m = await ours()
    const caps = m.capabilities()
    out.provider = `${caps.provider} ${caps.providerVersion}`
    out.capabilities = caps.algorithms
    // node:crypto's DH gets the group platform-keygen uses (RFC 7919 ffdhe2048)
    const kp = await m.generateKey({ algorithm: 'DH', length: 2048 })
    const { parseBlob } = await import(pathToFileURL(join(pkgRoot, 'dist/esm/formats/index.js')).href)
    const { material } = parseBlob(kp.publicKey.export({ format: 'blob' }))
    out.dhPrime = Buffer.from(material.p).toString('hex')
    out.dhGenerator = Number(BigInt(`0x${Buffer.from(material.g).toString('hex')}`))
    kp.destroy()
  } catch (err) {
    out.oursError = err.message
  }
  try {
    out.cOpenssl = require(C_ADDON).version()
  } catch (err) {
    out.cError = err.message.split('\n')[0]
  }
  for (const pkg of ['jose', 'node-forge', '@noble/curves', '@noble/post-quantum']) {
    // read the manifest directly: ESM-only packages do not export ./package.json
    try {
      out[pkg] = JSON.parse(readFileSync(join(root, 'node_modules', pkg, 'package.json'), 'utf8')).version
    } catch {
      out[pkg] = null
    }
  }
  return out
}

// --- memory: RSS over many P-256 keys -----------------------------------------------

const MB = 1048576
const rssMb = () => process.memoryUsage().rss / MB

/** RSS and V8's heapTotal (MB); rss − heapTotal is everything outside the V8 heap (native). */
function sample() {
  const m = process.memoryUsage()
  return { rss: m.rss / MB, heap: m.heapTotal / MB }
}

async function settle() {
  // finalizers of Node-API objects run after the GC, on later turns
  for (let i = 0; i < 4; i++) {
    globalThis.gc?.()
    await new Promise((r) => setImmediate(r))
    await new Promise((r) => setTimeout(r, 20))
  }
}

// Two windows of `keys` keys each, back to back. The first window's RSS growth includes V8's
// young generation growing to its default size under the allocation pressure (heapTotal grows,
// heapUsed does not; it plateaus); the second window starts from that settled heap, so its growth
// is what keeps growing per key.
async function memory({ keys, destroy, inFlight = 16, alg = 'P-256', impl = 'ours' }) {
  if (!Number.isInteger(keys) || keys < 1) throw new Error('memory: keys must be a positive integer')
  let one
  if (impl === 'node') {
    // the reference: node:crypto's fastest way to the same private JWK, the same loop shape
    const { generateKeyPair } = await import('node:crypto')
    const [type, opts] = nodeOptions(BY_ID.get(alg), 'jwk', {})
    one = () =>
      new Promise((resolve, reject) => {
        generateKeyPair(type, opts, (err, _pub, priv) => (err ? reject(err) : resolve(priv)))
      })
  } else {
    const { generateKey } = await ours()
    const spec = BY_ID.get(alg).ours
    one = async () => {
      const kp = await generateKey({ ...spec })
      kp.export({ format: 'jwk' })
      if (destroy) kp.destroy()
    }
  }
  // warm-up: the addon, the JIT and the allocator's first arenas
  await runAsync(one, inFlight, 0, 2000)
  await settle()
  const before = sample()
  let peak = before.rss
  const timer = setInterval(() => {
    peak = Math.max(peak, rssMb())
  }, 50)
  const t0 = now()
  await runAsync(one, inFlight, 0, keys)
  const seconds = (now() - t0) / 1000
  clearInterval(timer)
  const afterRun = rssMb()
  peak = Math.max(peak, afterRun)
  await settle()
  const after = sample()
  // the second window: the same loop and settle, right after
  const t1 = now()
  await runAsync(one, inFlight, 0, keys)
  const seconds2 = (now() - t1) / 1000
  await settle()
  const after2 = sample()
  const growth = after.rss - before.rss
  const second = after2.rss - after.rss
  return {
    keys,
    destroy,
    impl,
    seconds,
    rssBeforeMb: before.rss,
    rssAfterMb: afterRun,
    rssAfterGcMb: after.rss,
    rssPeakMb: peak,
    growthMb: growth,
    growthBytesPerKey: (growth * MB) / keys,
    heapTotalBeforeMb: before.heap,
    heapTotalAfterGcMb: after.heap,
    heapGrowthMb: after.heap - before.heap,
    nativeGrowthMb: after.rss - after.heap - (before.rss - before.heap),
    secondWindowSeconds: seconds2,
    rssAfterSecondWindowMb: after2.rss,
    heapTotalAfterSecondWindowMb: after2.heap,
    secondWindowGrowthMb: second,
    secondWindowBytesPerKey: (second * MB) / keys,
    secondWindowHeapGrowthMb: after2.heap - after.heap,
    gcExposed: typeof globalThis.gc === 'function',
  }
}

// --- entry -------------------------------------------------------------------------

const [what, arg] = process.argv.slice(2)
try {
  const cell = JSON.parse(what === 'info' || what === 'memory' ? (arg ?? '{}') : what)
  if (cell.pkg) pkgRoot = cell.pkg
  if (what === 'info') emit({ ok: true, info: await info() })
  else if (what === 'memory') emit({ ok: true, memory: await memory(cell) })
  else emit({ ok: true, runs: await cellMain(cell) })
} catch (err) {
  emit({ ok: false, unsupported: err instanceof Unsupported, error: err.message })
}
// the process exits on its own when the loop is empty; run.mjs kills it if it hangs
