// Paired A/B runs for the "within 5% of node:crypto" targets (RSA and ML-*, where the
// two sides share the same OpenSSL and the honest answer is "the same").
//
//   node bench/paired.mjs [--rounds 8] [--only ML-KEM,RSA-2048] [--pairs sync,x16] [--scale 1] [--write]
//
// The main run measures each cell's runs back to back, minutes apart from the cell it is
// compared with; on a shared 2-core VM the machine's speed drifts by more than 5% over that
// time, so a ratio of two such medians cannot decide a 5% target. Here every round measures
// ours and node:crypto one after the other (each in its own process, after a warm-up), in
// alternating order (AB, BA, AB, …), and the figure is the median of the per-round ratios:
// drift that is slow next to one round cancels out. Nothing here asserts a time.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { BY_ID } from './algorithms.mjs'
import { runChild } from './proc.mjs'
import { fmtRate } from './report.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..')
const CHILD = join(here, 'child.mjs')
const BENCHMARKS = join(root, 'BENCHMARKS.md')
const START = '<!-- bench:paired:start -->'
const END = '<!-- bench:paired:end -->'

// [algorithm, seconds per run for each side]
const ALGS = [
  ['RSA-2048', 6],
  ['RSA-3072', 8],
  ['ML-DSA-44', 0.5],
  ['ML-DSA-65', 0.5],
  ['ML-DSA-87', 0.5],
  ['ML-KEM-512', 0.5],
  ['ML-KEM-768', 0.5],
  ['ML-KEM-1024', 0.5],
]
// [label, ours cell, node cell]
const PAIRS = [
  ['sync', { impl: 'ours-sync', mode: 'gen', par: 1 }, { impl: 'node-sync', mode: 'gen', par: 1 }],
  ['×16', { impl: 'ours', mode: 'gen', par: 16 }, { impl: 'node-async', mode: 'gen', par: 16 }],
]

function parseArgs(argv) {
  const o = { rounds: 8, only: null, scale: 1, write: false, pairs: null }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--rounds') o.rounds = Number(argv[++i])
    else if (a === '--only') o.only = argv[++i].split(',')
    else if (a === '--scale') o.scale = Number(argv[++i])
    else if (a === '--write') o.write = true
    else if (a === '--pairs') o.pairs = argv[++i].split(',')
    else throw new Error(`unknown option ${a}`)
  }
  if (!Number.isInteger(o.rounds) || o.rounds < 2) throw new Error('--rounds takes an integer ≥ 2')
  if (!(o.scale > 0)) throw new Error('--scale takes a positive number')
  return o
}

function node24() {
  for (const c of [process.env.BENCH_NODE24, join(root, '.cache/nodes/linux-x64/bin/node')].filter(Boolean)) {
    if (!existsSync(c)) continue
    const r = spawnSync(c, ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' })
    if (r.status === 0 && Number(r.stdout) >= 24) return c
  }
  return null
}

function child(bin, cell) {
  return runChild(bin, [CHILD, JSON.stringify(cell)], cell.runSec * 6 + 60)
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}
const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b)
  const i = (s.length - 1) * q
  const lo = Math.floor(i)
  return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (i - lo)
}

async function main() {
  const opts = parseArgs(process.argv.slice(2))
  const n24 = node24()
  const algs = ALGS.filter(([id]) => !opts.only || opts.only.some((p) => id.startsWith(p)))
  const rows = []
  const t0 = Date.now()
  for (const [id, sec] of algs) {
    const alg = BY_ID.get(id)
    const bin = alg.node24 ? n24 : process.execPath
    if (!bin) {
      rows.push({ alg: id, error: 'needs Node.js 24 (bash scripts/fetch-nodes.sh linux)' })
      continue
    }
    for (const [label, a, b] of PAIRS.filter(([l]) => !opts.pairs || opts.pairs.includes(l === '×16' ? 'x16' : l))) {
      const runSec = sec * opts.scale
      const base = { alg: id, runs: 1, runSec, warmSec: Math.min(0.3, runSec), minKeys: 1, pkg: root }
      const ratios = []
      const sums = { a: { keys: 0, seconds: 0 }, b: { keys: 0, seconds: 0 } }
      let error
      for (let r = 0; r < opts.rounds && !error; r++) {
        const order = r % 2 === 0 ? ['a', 'b'] : ['b', 'a']
        const got = {}
        for (const side of order) {
          const res = await child(bin, { ...base, ...(side === 'a' ? a : b) })
          if (!res.ok) {
            error = `${side === 'a' ? 'ours' : 'node'}: ${res.error}`
            break
          }
          got[side] = res.runs[0]
        }
        if (error) break
        for (const side of ['a', 'b']) {
          sums[side].keys += got[side].keys
          sums[side].seconds += got[side].seconds
        }
        ratios.push(got.a.keys / got.a.seconds / (got.b.keys / got.b.seconds))
      }
      const row = { alg: id, pair: label, rounds: ratios.length, runSec, error }
      if (!error) {
        Object.assign(row, {
          ratio: median(ratios),
          q1: quantile(ratios, 0.25),
          q3: quantile(ratios, 0.75),
          pooled: sums.a.keys / sums.a.seconds / (sums.b.keys / sums.b.seconds),
          ours: sums.a.keys / sums.a.seconds,
          node: sums.b.keys / sums.b.seconds,
          keys: [sums.a.keys, sums.b.keys],
        })
      }
      rows.push(row)
      const what = error
        ? `error: ${error}`
        : `${row.ratio.toFixed(3)}× (IQR ${row.q1.toFixed(3)}–${row.q3.toFixed(3)})`
      console.error(`paired: ${id} ${label}: ${what} [${Math.round((Date.now() - t0) / 1000)} s]`)
    }
  }
  const meta = {
    date: new Date().toISOString(),
    rounds: opts.rounds,
    scale: opts.scale,
    cpu: os.cpus()[0]?.model ?? '?',
    cores: os.cpus().length,
    node: process.version,
    openssl: process.versions.openssl,
    node24: n24
      ? spawnSync(n24, ['-p', 'process.version + " (OpenSSL " + process.versions.openssl + ")"'], {
          encoding: 'utf8',
        }).stdout.trim()
      : null,
    loadEnd: os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' / '),
    wallSec: (Date.now() - t0) / 1000,
  }
  const md = render(rows, meta)
  console.log(md)
  mkdirSync(join(here, 'results'), { recursive: true })
  writeFileSync(join(here, 'results', 'paired-latest.json'), `${JSON.stringify({ meta, rows }, null, 2)}\n`)
  if (opts.write) {
    const text = readFileSync(BENCHMARKS, 'utf8')
    const block = `${START}\n${md}\n${END}`
    const next = text.includes(START)
      ? text.replace(new RegExp(`${START}[\\s\\S]*?${END}`), block)
      : `${text.trimEnd()}\n\n${block}\n`
    writeFileSync(BENCHMARKS, next)
    console.error('paired: wrote BENCHMARKS.md')
  }
}

function render(rows, meta) {
  const lines = [
    '## Paired runs: RSA and ML-* against node:crypto on the same OpenSSL',
    '',
    `_Written by \`node bench/paired.mjs --write\` on ${meta.date}: ${meta.rounds} rounds per row, each round one run of ours ` +
      `and one of node:crypto back to back (each in its own process, after a warm-up), in alternating order; ` +
      `${meta.cores} × ${meta.cpu}; ${meta.node} (OpenSSL ${meta.openssl}) for RSA, ${meta.node24 ?? 'no Node 24'} for ML-*; ` +
      `load average ${meta.loadEnd} at the end; ${Math.round(meta.wallSec)} s._`,
    '',
    'The ratio is ours ÷ node:crypto (generate only); the target is ≥ 0.95× ("within 5%"). ' +
      '**median** is the median of the per-round ratios, with their interquartile range; **pooled** divides all keys ' +
      'over all seconds of each side. RSA key generation time is heavy-tailed (a prime search), so its rows rest on few ' +
      'keys and their spread is wide: the keys column says how many.',
    '',
    '| algorithm | pair | ours keys/s | node keys/s | median ratio (IQR) | pooled ratio | keys (ours / node) | verdict |',
    '|---|---|---:|---:|---:|---:|---:|---|',
  ]
  for (const r of rows) {
    if (r.error || r.ratio === undefined) {
      lines.push(`| ${r.alg} | ${r.pair ?? ''} | | | ${r.error ?? 'not measured'} | | | not measured |`)
      continue
    }
    const pass = r.ratio >= 0.95
    const noisy = r.q1 < 0.95 && r.q3 >= 0.95
    lines.push(
      `| ${r.alg} | ${r.pair === 'sync' ? 'sync vs sync' : '×16 vs ×16'} | ${fmtRate(r.ours)} | ${fmtRate(r.node)} | ` +
        `${r.ratio.toFixed(2)}× (${r.q1.toFixed(2)}–${r.q3.toFixed(2)}) | ${r.pooled.toFixed(2)}× | ${r.keys[0]} / ${r.keys[1]} | ` +
        `${pass ? '**pass**' : '**fail**'}${noisy ? ' (within noise)' : ''} |`,
    )
  }
  return lines.join('\n')
}

main().catch((err) => {
  console.error(`paired: ${err.stack ?? err}`)
  process.exit(1)
})
