#!/usr/bin/env node
// The benchmark suite (issue 6): `npm run bench [-- options]`. See bench/README.md.
//
// Every measurement runs in a child process of its own (bench/child.mjs), one after
// the other, so nothing that one implementation leaves behind (threads, GC debt,
// node:crypto KeyGenJob objects — which on Node 20 can deadlock in their destructor
// in a later GC when mixed with other work) touches another's figure.
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ALGORITHMS, selectAlgorithms } from './algorithms.mjs'
import { BULK_PER_CALL, buildPlan, PLANS } from './plan.mjs'
import { runChild } from './proc.mjs'
import { fmtRate, renderDetail, renderMulti, renderOperations, summarize } from './report.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..')
const CHILD = join(here, 'child.mjs')
const C_ADDON = join(here, 'native/build/Release/keygen_loop.node')
const BENCHMARKS = join(root, 'BENCHMARKS.md')
const RESULTS_DIR = join(here, 'results')
const SNAPSHOT = join(here, '.pkg')

const USAGE = `usage: npm run bench -- [options]

  --quick             a smoke test: tiny time budgets and 3 runs per figure (rough figures)
  --only <algs>       comma-separated algorithm ids or prefixes (RSA-2048, P-, ML-KEM, Ed25519, ...)
  --full              every cell for RSA/DSA too (the default leaves out RSA/DSA cells that repeat others)
  --scale <x>         multiply every run's time budget (e.g. --scale 4 for tighter RSA medians)
  --runs <n>          runs per figure (default 5; 3 with --quick)
  --no-memory         skip the RSS measurement; --memory-only: only it
  --memory-keys <n>   keys per memory window, two windows per run (default 200000; 20000 with --quick)
  --package <dir>     measure the platform-keygen built in <dir> (default: this repository)
  --no-snapshot       use the package in place (default: copy its dist/esm, package.json and addon
                      to bench/.pkg first, so a rebuild of dist/ during the run cannot disturb it)
  --node <path>       run the children with this node binary
  --node24 <path>     the Node 24+ binary for ML-DSA/ML-KEM (default: $BENCH_NODE24,
                      .cache/nodes/linux-x64/bin/node, /tmp/nodes/n24/package/bin/node)
  --plan <name>       a named subset of the cells (${Object.keys(PLANS).join(', ')}; see bench/plan.mjs); implies --no-memory
  --write / --no-write  write BENCHMARKS.md (default: only for a complete run, i.e. no --quick/--only/--plan)
  --report <json>[,<json>…]  re-render saved results (bench/results/*.json) without measuring; several
                      files (one per Node.js version, the primary first) render side by side
  --operations <json> with --report: add the sign/verify rows saved by bench/operations.mjs --json
  --list              print the plan and its estimated duration, measure nothing

algorithms: ${ALGORITHMS.map((a) => a.id).join(', ')}`

function parseArgs(argv) {
  const o = {
    snapshot: true,
    quick: false,
    full: false,
    only: [],
    scale: 1,
    runs: undefined,
    memory: true,
    memoryOnly: false,
    write: undefined,
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const val = () => {
      const v = argv[++i]
      if (v === undefined) throw new Error(`${a} needs a value`)
      return v
    }
    if (a === '--quick') o.quick = true
    else if (a === '--full') o.full = true
    else if (a === '--only') o.only.push(...val().split(',').filter(Boolean))
    else if (a.startsWith('--only=')) o.only.push(...a.slice(7).split(',').filter(Boolean))
    else if (a === '--scale') o.scale = Number(val())
    else if (a === '--runs') o.runs = Number(val())
    else if (a === '--no-memory') o.memory = false
    else if (a === '--memory-only') o.memoryOnly = true
    else if (a === '--memory-keys') o.memoryKeys = Number(val())
    else if (a === '--node') o.node = val()
    else if (a === '--package') o.package = val()
    else if (a === '--no-snapshot') o.snapshot = false
    else if (a === '--node24') o.node24 = val()
    else if (a === '--write') o.write = true
    else if (a === '--no-write') o.write = false
    else if (a === '--report') o.report = [...(o.report ?? []), ...val().split(',').filter(Boolean)]
    else if (a === '--operations') o.operations = [...(o.operations ?? []), ...val().split(',').filter(Boolean)]
    else if (a === '--plan') o.plan = val()
    else if (a === '--list') o.list = true
    else if (a === '-h' || a === '--help') o.help = true
    else throw new Error(`unknown option ${a}`)
  }
  if (!(o.scale > 0)) throw new Error('--scale takes a positive number')
  if (o.plan !== undefined) {
    if (!Object.hasOwn(PLANS, o.plan))
      throw new Error(`unknown plan ${o.plan}: one of ${Object.keys(PLANS).join(', ')}`)
    o.memory = false
  }
  o.runs ??= o.quick ? 3 : 5
  if (!Number.isInteger(o.runs) || o.runs < 1) throw new Error('--runs takes a positive integer')
  o.memoryKeys ??= o.quick ? 20000 : 200000
  return o
}

const log = (...a) => process.stderr.write(`${a.join(' ')}\n`)
const major = (v) => Number(String(v).replace(/^v/, '').split('.')[0])

function nodeVersion(bin) {
  const r = spawnSync(bin, ['-p', 'process.version'], { encoding: 'utf8' })
  return r.status === 0 ? r.stdout.trim() : null
}

function findNode24(explicit) {
  const candidates = [
    explicit,
    process.env.BENCH_NODE24,
    join(root, '.cache/nodes/linux-x64/bin/node'),
    '/tmp/nodes/n24/package/bin/node',
  ].filter(Boolean)
  for (const c of candidates) {
    if (!existsSync(c)) continue
    const v = nodeVersion(c)
    if (v && major(v) >= 24) return c
  }
  return null
}

/** Builds bench/native with node-gyp if it is not built yet. Returns an error string or null. */
function ensureCAddon() {
  if (existsSync(C_ADDON)) return null
  const gyp = join(root, 'node_modules/node-gyp/bin/node-gyp.js')
  if (!existsSync(gyp)) return 'node-gyp is not installed (npm install)'
  const args = [gyp, 'rebuild']
  const nodedir = process.env.npm_config_nodedir ?? readNpmrcNodedir()
  if (nodedir) args.push(`--nodedir=${nodedir}`)
  log(`bench: building the C loop addon (bench/native) with node-gyp${nodedir ? ` --nodedir=${nodedir}` : ''} …`)
  const r = spawnSync(process.execPath, args, { cwd: join(here, 'native'), encoding: 'utf8' })
  if (r.status !== 0 || !existsSync(C_ADDON)) {
    const tail = `${r.stdout}\n${r.stderr}`.trim().split('\n').slice(-6).join('\n')
    log(tail)
    return 'the bench/native addon did not build (see the node-gyp output)'
  }
  return null
}

function readNpmrcNodedir() {
  for (const f of [join(root, '.npmrc'), join(os.homedir(), '.npmrc')]) {
    try {
      const m = /^\s*nodedir\s*=\s*(.+)$/m.exec(readFileSync(f, 'utf8'))
      if (m) return m[1].trim()
    } catch {}
  }
  return undefined
}

/** Runs one child; resolves with its @@RESULT object (or an error object). */
/** Copies what `import('platform-keygen')` loads into bench/.pkg (dependencies still resolve from the repo). */
function snapshot(from) {
  rmSync(SNAPSHOT, { recursive: true, force: true })
  mkdirSync(SNAPSHOT, { recursive: true })
  cpSync(join(from, 'package.json'), join(SNAPSHOT, 'package.json'))
  cpSync(join(from, 'dist/esm'), join(SNAPSHOT, 'dist/esm'), { recursive: true })
  const addon = join(from, 'build/Release/platform_keygen.node')
  if (existsSync(addon)) cpSync(addon, join(SNAPSHOT, 'build/Release/platform_keygen.node'))
  else if (existsSync(join(from, 'prebuilds')))
    cpSync(join(from, 'prebuilds'), join(SNAPSHOT, 'prebuilds'), { recursive: true })
  return SNAPSHOT
}

function describePackage(dir) {
  const git = (args) => spawnSync('git', args, { cwd: dir, encoding: 'utf8' })
  const head = git(['rev-parse', '--short', 'HEAD'])
  if (head.status !== 0) return 'not a git checkout'
  const dirty = git(['status', '--porcelain', '--', 'src', 'native', 'binding.gyp']).stdout.trim()
  return `commit ${head.stdout.trim()}${dirty ? ' + uncommitted changes in src/ or native/' : ''}`
}

function cpuModel() {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))
    if (m) return m[1].trim()
  } catch {}
  return os.cpus()[0]?.model ?? 'unknown CPU'
}

const loadavg = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' / ')

function commandLine(argv) {
  const args = argv.map((a) => (/[\s'"]/.test(a) ? JSON.stringify(a) : a)).join(' ')
  if (process.env.npm_lifecycle_event === 'bench') return `npm run bench${args ? ` -- ${args}` : ''}`
  return `node bench/run.mjs${args ? ` ${args}` : ''}`
}

/** Replaces the block between `<!-- bench:<name>:start -->` and its end marker (or appends it). */
function replaceBlock(text, name, body) {
  const START = `<!-- bench:${name}:start -->`
  const END = `<!-- bench:${name}:end -->`
  const block = `${START}\n${body}\n${END}`
  const a = text.indexOf(START)
  const b = text.indexOf(END)
  return a >= 0 && b > a ? text.slice(0, a) + block + text.slice(b + END.length) : `${text.trimEnd()}\n\n${block}\n`
}

/** Writes the latest run(s) (and the operations rows, if given) into BENCHMARKS.md between their markers. */
function writeBenchmarks(list, report, operations) {
  const details = list.map((results, i) =>
    [
      `<details><summary>Every measurement${list.length > 1 ? ` under Node.js ${results.meta?.runtimes?.[0]?.node ?? '?'}${i === 0 ? ' (primary)' : ''}` : ''} (median, min–max, interquartile range, runs, keys, all runs pooled)</summary>`,
      '',
      renderDetail(results),
      '',
      '</details>',
    ].join('\n'),
  )
  const body = [
    '## Latest run',
    '',
    '_Written by `npm run bench` (or `--report … --write` from saved results); everything between the markers is replaced by the next one. The analysis is in [docs/performance.md](docs/performance.md)._',
    '',
    report,
    '',
    ...details.flatMap((d) => [d, '']),
  ]
    .join('\n')
    .trimEnd()
  let text
  try {
    text = readFileSync(BENCHMARKS, 'utf8')
  } catch {
    text = '# Benchmarks\n\nSee bench/README.md for what is measured and how.\n\n'
  }
  text = replaceBlock(text, 'latest', body)
  if (operations?.length) {
    text = replaceBlock(
      text,
      'operations',
      [
        '## Sign and verify on the handle against node:crypto (issue 14)',
        '',
        '_Written by `node bench/run.mjs --report … --operations <json> --write` from `node bench/operations.mjs --json <json>`._',
        '',
        renderOperations(operations),
      ].join('\n'),
    )
  }
  writeFileSync(BENCHMARKS, text)
}

async function main() {
  const argv = process.argv.slice(2)
  let opts
  try {
    opts = parseArgs(argv)
  } catch (err) {
    log(`bench: ${err.message}\n\n${USAGE}`)
    process.exit(2)
  }
  if (opts.help) {
    console.log(USAGE)
    return
  }
  if (opts.report) {
    const list = opts.report.map((f) => JSON.parse(readFileSync(f, 'utf8')))
    const operations = (opts.operations ?? []).map((f) => JSON.parse(readFileSync(f, 'utf8')))
    const report = renderMulti(list)
    console.log(report)
    if (operations.length) console.log(`\n${renderOperations(operations)}`)
    if (opts.write) writeBenchmarks(list, report, operations)
    return
  }

  let pkg = opts.package ? join(process.cwd(), opts.package) : root
  if (!existsSync(join(pkg, 'dist/esm/index.js'))) {
    log(
      `bench: ${join(pkg, 'dist/esm/index.js')} is missing: run \`npm run build:ts\` (and the addon: \`npx node-gyp build\`) first`,
    )
    process.exit(1)
  }
  const pkgVersion = describePackage(pkg)
  if (opts.snapshot && !opts.list) pkg = snapshot(pkg)
  let algorithms
  try {
    algorithms = selectAlgorithms(opts.only.length || !opts.plan ? opts.only : PLANS[opts.plan].algorithms)
  } catch (err) {
    log(`bench: ${err.message}`)
    process.exit(2)
  }

  const mainNode = opts.node ?? process.execPath
  const mainVersion = nodeVersion(mainNode)
  if (!mainVersion) {
    log(`bench: cannot run ${mainNode}`)
    process.exit(1)
  }
  const node24 = major(mainVersion) >= 24 ? mainNode : findNode24(opts.node24)

  const plan = opts.memoryOnly
    ? []
    : buildPlan({
        algorithms,
        quick: opts.quick,
        full: opts.full,
        scale: opts.scale,
        runs: opts.runs,
        plan: opts.plan,
      })
  const memoryRuns = opts.memory
    ? [
        { keys: opts.memoryKeys, destroy: true },
        { keys: opts.memoryKeys, destroy: false },
        // node:crypto in the same loop, for reference (V8's heap grows under it too)
        { keys: opts.memoryKeys, destroy: false, impl: 'node' },
      ]
    : []
  // a memory run measures two windows of memoryKeys keys each
  const estimate = plan.reduce((s, c) => s + c.estSec, 0) + memoryRuns.length * ((2 * opts.memoryKeys) / 15000 + 5)
  log(
    `bench: ${plan.length} measurements over ${algorithms.length} algorithms${memoryRuns.length ? ' + memory' : ''}; ` +
      `about ${estimate < 120 ? `${Math.round(estimate)} s` : `${Math.round(estimate / 60)} min`} on a quiet 2-core machine (more under load)`,
  )
  if (opts.list) {
    for (const c of plan) {
      log(
        `  ${c.alg.padEnd(11)} ${c.impl.padEnd(10)} ${c.mode} ×${c.par}${c.impl === 'ours-bulk' ? ` (${BULK_PER_CALL} keys/call)` : ''}  ${c.runs} × ${c.runSec} s${c.target ? '  (target cell)' : ''}`,
      )
    }
    return
  }

  const cError = plan.some((c) => c.impl === 'c') ? ensureCAddon() : null

  // versions, capabilities and the DH group, once per node binary used
  const runtimes = []
  const infoOf = new Map()
  const wanted = [[mainNode, 'Node.js (everything but ML-*)']]
  if (plan.some((c) => c.node24) && node24 && node24 !== mainNode) wanted.push([node24, 'Node.js 24 (ML-DSA, ML-KEM)'])
  else if (node24 === mainNode) wanted[0][1] = 'Node.js'
  for (const [bin, role] of wanted) {
    const r = await runChild(bin, [CHILD, 'info', JSON.stringify({ pkg })], 120)
    const info = r.ok ? r.info : { node: '?', openssl: '?', error: r.error }
    infoOf.set(bin, info)
    runtimes.push({
      role,
      bin,
      node: info.node,
      openssl: info.openssl,
      provider: info.provider,
      cOpenssl: info.cOpenssl,
    })
    if (info.oursError) log(`bench: platform-keygen under ${bin}: ${info.oursError}`)
  }
  const mainInfo = infoOf.get(mainNode)

  const meta = {
    date: new Date().toISOString(),
    command: commandLine(argv),
    quick: opts.quick,
    full: opts.full,
    plan: opts.plan,
    scale: opts.scale,
    runs: opts.runs,
    cpu: cpuModel(),
    cores: os.cpus().length,
    ramGb: (os.totalmem() / 2 ** 30).toFixed(1),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    loadStart: loadavg(),
    package: pkgVersion,
    uvThreadpoolSize: process.env.UV_THREADPOOL_SIZE ?? '4 (default)',
    runtimes,
    packages: {
      jose: mainInfo?.jose,
      'node-forge': mainInfo?.['node-forge'],
      '@noble/curves': mainInfo?.['@noble/curves'],
      '@noble/post-quantum': mainInfo?.['@noble/post-quantum'],
    },
  }

  const t0 = Date.now()
  const cells = []
  let done = 0
  for (const cell of plan) {
    done++
    const bin = cell.node24 && major(mainVersion) < 24 ? node24 : mainNode
    const label = `${cell.alg} ${cell.impl} ${cell.mode} ${cell.impl === 'c' ? `${cell.par} thr` : `×${cell.par}`}`
    let res
    if (!bin) {
      res = {
        ok: false,
        unsupported: true,
        error: 'needs Node.js 24 (OpenSSL 3.5): run `bash scripts/fetch-nodes.sh linux` or pass --node24 PATH',
      }
    } else if (cell.impl === 'c' && cError) {
      res = { ok: false, unsupported: true, error: cError }
    } else {
      const info = infoOf.get(bin)
      const payload = { ...cell, pkg, dhPrime: info?.dhPrime, dhGenerator: info?.dhGenerator }
      // fast cells: a hung child (node:crypto's KeyGenJob deadlock on Node 20, see bench/README.md)
      // costs 20 s, not a minute
      const timeout = cell.estSec * 4 + (cell.tier === 'fast' || cell.tier === 'medium' ? 20 : 60)
      res = await runChild(bin, [CHILD, JSON.stringify(payload)], timeout)
      if (res.timedOut) {
        log(`bench: ${label} ${res.error}; one retry`)
        res = await runChild(bin, [CHILD, JSON.stringify(payload)], timeout)
      }
    }
    const entry = { ...cell, node: bin, ok: !!res.ok, unsupported: !!res.unsupported, error: res.error, runs: res.runs }
    if (res.ok) entry.stats = summarize(res.runs)
    cells.push(entry)
    const elapsed = (Date.now() - t0) / 1000
    const figure = res.ok
      ? `${fmtRate(entry.stats.median)} keys/s (${fmtRate(entry.stats.min)}–${fmtRate(entry.stats.max)})`
      : `${res.unsupported ? 'n/a' : 'ERROR'}: ${res.error}`
    const left = plan.slice(done).reduce((sum, c) => sum + c.estSec, 0)
    log(`[${done}/${plan.length} ${Math.round(elapsed)}s, ~${Math.ceil(left / 60)} min left] ${label}: ${figure}`)
  }

  const memory = []
  for (const m of memoryRuns) {
    log(
      `bench: memory — ${m.keys} P-256 keys, ${m.impl === 'node' ? 'node:crypto (reference)' : m.destroy ? 'destroy()' : 'left to the GC'} …`,
    )
    const r = await runChild(
      mainNode,
      ['--expose-gc', CHILD, 'memory', JSON.stringify({ ...m, pkg })],
      m.keys / 250 + 120,
    )
    memory.push(r.ok ? { ok: true, ...r.memory } : { ok: false, ...m, error: r.error })
    if (r.ok) {
      const g = r.memory
      log(
        `  growth ${g.growthMb.toFixed(1)} MB (${g.growthBytesPerKey.toFixed(1)} bytes/key; V8 heap ${g.heapGrowthMb.toFixed(1)} MB, ` +
          `native ${g.nativeGrowthMb.toFixed(1)} MB); the next ${m.keys} keys: ${g.secondWindowGrowthMb.toFixed(1)} MB`,
      )
    }
  }

  meta.loadEnd = loadavg()
  meta.wallSec = (Date.now() - t0) / 1000
  const results = { meta, cells, memory }
  mkdirSync(RESULTS_DIR, { recursive: true })
  // named by the Node.js major too, so that runs under several versions can be rendered together
  const tag = `node${major(mainVersion)}${opts.plan ? `-${opts.plan}` : ''}`
  const stamp = meta.date.replace(/[:.]/g, '-')
  const file = join(RESULTS_DIR, `${stamp}-${tag}.json`)
  // formatted as biome formats JSON (bench/** is in its includes)
  const json = `${JSON.stringify(results, null, 2)}\n`
  writeFileSync(file, json)
  writeFileSync(join(RESULTS_DIR, 'latest.json'), json)
  writeFileSync(join(RESULTS_DIR, `latest-${tag}.json`), json)

  const report = renderMulti([results])
  console.log(report)
  const complete = !opts.quick && opts.only.length === 0 && !opts.memoryOnly && opts.memory && !opts.plan
  const write = opts.write ?? complete
  if (write) {
    writeBenchmarks([results], report)
    log(`bench: wrote ${relative(root, BENCHMARKS)} and ${relative(root, file)}`)
  } else {
    log(`bench: saved ${relative(root, file)} (BENCHMARKS.md is written by a complete run, or with --write)`)
  }
}

await main()
