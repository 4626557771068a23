// Turns a run's results (bench/run.mjs) into the markdown that goes to stdout and BENCHMARKS.md.

import { ALGORITHMS } from './algorithms.mjs'

// --- statistics ----------------------------------------------------------------

function quantile(sorted, q) {
  if (sorted.length === 0) return Number.NaN
  const pos = (sorted.length - 1) * q
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo)
}

/** Median, spread and pooled rate of a cell's runs (keys/s). */
export function summarize(runs) {
  const rates = runs.map((r) => r.keys / r.seconds).sort((a, b) => a - b)
  const keys = runs.reduce((s, r) => s + r.keys, 0)
  const seconds = runs.reduce((s, r) => s + r.seconds, 0)
  return {
    median: quantile(rates, 0.5),
    min: rates[0],
    max: rates[rates.length - 1],
    q1: quantile(rates, 0.25),
    q3: quantile(rates, 0.75),
    runs: rates.length,
    keys,
    seconds,
    pooled: keys / seconds,
  }
}

// --- formatting -----------------------------------------------------------------

export function fmtRate(x) {
  if (!Number.isFinite(x)) return '—'
  if (x >= 100) return Math.round(x).toLocaleString('en-US')
  if (x >= 10) return x.toFixed(1)
  return x.toFixed(2)
}

const fmtRatio = (r) => (Number.isFinite(r) ? `${r >= 10 ? r.toFixed(0) : r.toFixed(2)}×` : '—')

/** ± half the min–max range, relative to the median. */
function fmtSpread(s) {
  if (!s || !(s.median > 0)) return ''
  const pct = ((s.max - s.min) / 2 / s.median) * 100
  return `±${pct < 10 ? pct.toFixed(1) : pct.toFixed(0)}%`
}

/** A markdown table; the first `left` columns are left-aligned, the rest (figures) right-aligned. */
function table(header, rows, left = 1) {
  const lines = [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i < left ? '---' : '---:')).join('|')}|`]
  for (const r of rows) lines.push(`| ${r.join(' | ')} |`)
  return lines.join('\n')
}

const IMPL_LABEL = {
  ours: 'platform-keygen',
  'ours-jose': 'platform-keygen jose drop-in',
  'node-sync': 'node:crypto sync',
  'node-async': 'node:crypto async',
  jose: 'jose',
  noble: '@noble/curves',
  'noble-pq': '@noble/post-quantum',
  forge: 'node-forge (pure JS)',
  c: 'C loop (EVP, ctx prepared once)',
}
const MODE_LABEL = { gen: 'generate', jwk: '+ private JWK', pem: '+ PKCS#8 PEM' }

// --- lookups ---------------------------------------------------------------------

export function indexResults(results) {
  const map = new Map()
  for (const c of results.cells) map.set(`${c.alg}|${c.impl}|${c.mode}|${c.par}`, c)
  const get = (alg, impl, mode, par) => map.get(`${alg}|${impl}|${mode}|${par}`)
  const med = (alg, impl, mode, par) => {
    const c = get(alg, impl, mode, par)
    return c?.ok ? c.stats.median : Number.NaN
  }
  return { get, med }
}

// --- the summary tables ------------------------------------------------------------

/**
 * One column of a summary table: which cell, and what "ours" it is compared with.
 * `vs` gives the ours figure for the ratio (ours ÷ this); none for ours' own columns.
 */
function columnsFor(mode) {
  const cols = [
    { head: 'ours ×1', impl: 'ours', par: 1 },
    { head: 'ours ×2', impl: 'ours', par: 2 },
    { head: 'ours ×16', impl: 'ours', par: 16 },
  ]
  if (mode === 'jwk') cols.push({ head: 'ours jose API ×1 (÷ jose)', impl: 'ours-jose', par: 1, vsOf: 'jose' })
  cols.push(
    { head: 'node sync', impl: 'node-sync', par: 1, vs: 1 },
    { head: 'node ×1', impl: 'node-async', par: 1, vs: 1 },
    { head: 'node ×2', impl: 'node-async', par: 2, vs: 2 },
    { head: 'node ×16', impl: 'node-async', par: 16, vs: 16 },
  )
  if (mode === 'jwk') cols.push({ head: 'jose ×1', impl: 'jose', par: 1, vs: 1 })
  if (mode === 'gen') {
    cols.push({ head: 'noble ×1', impl: ['noble', 'noble-pq'], par: 1, vs: 1 })
    cols.push({ head: 'forge ×1', impl: 'forge', par: 1, vs: 1 })
  }
  if (mode !== 'pem') {
    cols.push({ head: 'C 1 thread', impl: 'c', par: 1, vs: 1 })
    cols.push({ head: 'C 2 threads', impl: 'c', par: 2, vs: 'both' })
  }
  return cols
}

function cellText(idx, alg, mode, col) {
  const impls = Array.isArray(col.impl) ? col.impl : [col.impl]
  const cellMode = col.impl === 'ours-jose' || col.impl === 'jose' ? 'jwk' : mode
  const c = impls.map((i) => idx.get(alg.id, i, cellMode, col.par)).find(Boolean)
  if (!c) return '·'
  if (!c.ok) return c.unsupported ? 'n/a' : 'error'
  let text = `${fmtRate(c.stats.median)} ${fmtSpread(c.stats)}`.trim()
  let ours = Number.NaN
  if (col.vs === 'both') {
    ours = Math.max(idx.med(alg.id, 'ours', mode, 2), idx.med(alg.id, 'ours', mode, 16))
    if (!Number.isFinite(ours)) ours = idx.med(alg.id, 'ours', mode, 16) || idx.med(alg.id, 'ours', mode, 2)
  } else if (typeof col.vs === 'number') {
    ours = idx.med(alg.id, 'ours', mode, col.vs)
  } else if (col.vsOf === 'jose') {
    // the drop-in against the original: ours-jose ÷ jose
    const j = idx.med(alg.id, 'jose', 'jwk', 1)
    if (Number.isFinite(j)) text += ` (${fmtRatio(c.stats.median / j)})`
    return text
  }
  if (Number.isFinite(ours)) text += ` (${fmtRatio(ours / c.stats.median)})`
  return text
}

function summaryTable(results, mode) {
  const idx = indexResults(results)
  const algs = ALGORITHMS.filter((a) => results.cells.some((c) => c.alg === a.id))
  const rows = []
  const cols = columnsFor(mode)
  for (const alg of algs) {
    if (mode === 'jwk' && alg.noJwk) continue
    rows.push([alg.id, ...cols.map((col) => cellText(idx, alg, mode, col))])
  }
  // drop columns nothing was measured in
  const keep = cols.map((_, i) => rows.some((r) => r[i + 1] !== '·'))
  const header = ['algorithm', ...cols.map((c) => c.head)].filter((_, i) => i === 0 || keep[i - 1])
  return table(
    header,
    rows.map((r) => r.filter((_, i) => i === 0 || keep[i - 1])),
  )
}

// --- all cells ---------------------------------------------------------------------

function detailTable(results) {
  const rows = []
  for (const c of results.cells) {
    const par = c.impl === 'c' ? `${c.par} thr` : c.impl === 'node-sync' ? 'sync' : `×${c.par}`
    const what = c.impl === 'c' && c.mode === 'jwk' ? '+ JWK components (read, not encoded)' : MODE_LABEL[c.mode]
    const base = [c.alg, IMPL_LABEL[c.impl], what, par]
    if (!c.ok) {
      rows.push([...base, c.unsupported ? 'n/a' : 'error', c.error ?? '', '', '', '', ''])
      continue
    }
    const s = c.stats
    rows.push([
      ...base,
      fmtRate(s.median),
      `${fmtRate(s.min)}–${fmtRate(s.max)}`,
      `${fmtRate(s.q1)}–${fmtRate(s.q3)}`,
      String(s.runs),
      String(s.keys),
      fmtRate(s.pooled),
    ])
  }
  return table(
    [
      'algorithm',
      'implementation',
      'what',
      'in flight',
      'median keys/s',
      'min–max',
      'IQR',
      'runs',
      'keys',
      'all runs pooled',
    ],
    rows,
    4,
  )
}

// --- targets -------------------------------------------------------------------------

function bestOf(idx, alg, impl, mode, pars) {
  let best = { v: Number.NaN, cell: undefined }
  for (const p of pars) {
    const c = idx.get(alg, impl, mode, p)
    if (c?.ok && !(c.stats.median <= best.v)) best = { v: c.stats.median, cell: c }
  }
  return best
}

/** Ratio a/b with the range the spreads allow (IQR against IQR). */
function ratioRange(a, b) {
  return { r: a.stats.median / b.stats.median, lo: a.stats.q1 / b.stats.q3, hi: a.stats.q3 / b.stats.q1 }
}

const parLabel = (c) => (c.impl === 'node-sync' ? 'sync' : c.impl === 'c' ? `${c.par} thr` : `×${c.par}`)

function verdict(r, goal) {
  if (!Number.isFinite(r.r)) return 'not measured'
  const pass = r.r >= goal
  const noisy = r.lo < goal && r.hi >= goal
  return `${pass ? '**pass**' : '**fail**'}${noisy ? ' (within noise)' : ''}`
}

export function targetRows(results) {
  const idx = indexResults(results)
  const rows = []
  const push = (target, measured, goal, r) => rows.push([target, measured, `≥ ${fmtRatio(goal)}`, verdict(r, goal)])
  const nan = { r: Number.NaN }

  // 1. generate → JWK / PEM vs node:crypto's best of sync and 16 in flight
  for (const [alg, mode, goal] of [
    ['P-256', 'jwk', 2],
    ['Ed25519', 'jwk', 1.3],
    ['X25519', 'jwk', 1.3],
    ['P-256', 'pem', 3],
    ['Ed25519', 'pem', 2],
    ['X25519', 'pem', 2],
  ]) {
    const o = bestOf(idx, alg, 'ours', mode, [1, 16])
    const n1 = bestOf(idx, alg, 'node-sync', mode, [1])
    const n16 = bestOf(idx, alg, 'node-async', mode, [16])
    const n = n1.v >= n16.v || !Number.isFinite(n16.v) ? n1 : n16
    const r = o.cell && n.cell ? ratioRange(o.cell, n.cell) : nan
    push(
      `${alg} generate ${MODE_LABEL[mode]} vs node:crypto's best (sync, ×16)`,
      o.cell && n.cell
        ? `${fmtRate(o.v)} (ours ${parLabel(o.cell)}) ÷ ${fmtRate(n.v)} (node ${parLabel(n.cell)}) = ${fmtRatio(r.r)}`
        : 'not measured',
      goal,
      r,
    )
  }

  // 2. both cores busy: ours ×16 vs 2 × the raw C loop (generate only, 1 thread)
  for (const [alg, mode] of [
    ['P-256', 'jwk'],
    ['Ed25519', 'jwk'],
    ['X25519', 'jwk'],
    ['P-256', 'pem'],
    ['Ed25519', 'pem'],
    ['X25519', 'pem'],
  ]) {
    const o = idx.get(alg, 'ours', mode, 16)
    const c1 = idx.get(alg, 'c', 'gen', 1)
    const c2 = idx.get(alg, 'c', 'gen', 2)
    let r = nan
    let measured = 'not measured'
    if (o?.ok && c1?.ok) {
      const limit = 2 * c1.stats.median
      r = { r: o.stats.median / limit, lo: o.stats.q1 / (2 * c1.stats.q3), hi: o.stats.q3 / (2 * c1.stats.q1) }
      measured =
        `${fmtRate(o.stats.median)} (ours ×16) ÷ ${fmtRate(limit)} (2 × C 1 thread) = ${fmtRatio(r.r)}` +
        (c2?.ok ? `; the C loop on 2 threads makes ${fmtRate(c2.stats.median)}` : '')
    }
    push(`${alg} generate ${MODE_LABEL[mode]}, both cores: share of the two-core limit`, measured, 0.5, r)
  }

  // 3. RSA and ML-*: within 5% of node:crypto (same OpenSSL), generate, one at a time
  for (const alg of [
    'RSA-2048',
    'RSA-3072',
    'ML-DSA-44',
    'ML-DSA-65',
    'ML-DSA-87',
    'ML-KEM-512',
    'ML-KEM-768',
    'ML-KEM-1024',
  ]) {
    const o = idx.get(alg, 'ours', 'gen', 1)
    const n = idx.get(alg, 'node-sync', 'gen', 1)
    const r = o?.ok && n?.ok ? ratioRange(o, n) : nan
    push(
      `${alg} generate ×1 vs node:crypto sync (within 5%)`,
      o?.ok && n?.ok ? `${fmtRate(o.stats.median)} ÷ ${fmtRate(n.stats.median)} = ${fmtRatio(r.r)}` : 'not measured',
      0.95,
      r,
    )
  }

  // 4. async batch on 2 cores vs one at a time
  for (const alg of ['RSA-2048', 'P-384']) {
    const o16 = idx.get(alg, 'ours', 'gen', 16)
    const o1 = idx.get(alg, 'ours', 'gen', 1)
    const r = o16?.ok && o1?.ok ? ratioRange(o16, o1) : nan
    push(
      `${alg} generate ×16 (2 cores) vs ×1`,
      o16?.ok && o1?.ok
        ? `${fmtRate(o16.stats.median)} ÷ ${fmtRate(o1.stats.median)} = ${fmtRatio(r.r)}`
        : 'not measured',
      1.7,
      r,
    )
  }

  // 5. ML-KEM-768 / ML-DSA-65 vs @noble/post-quantum
  for (const alg of ['ML-KEM-768', 'ML-DSA-65']) {
    const o = idx.get(alg, 'ours', 'gen', 1)
    const n = idx.get(alg, 'noble-pq', 'gen', 1)
    const r = o?.ok && n?.ok ? ratioRange(o, n) : nan
    push(
      `${alg} generate ×1 vs @noble/post-quantum`,
      o?.ok && n?.ok ? `${fmtRate(o.stats.median)} ÷ ${fmtRate(n.stats.median)} = ${fmtRatio(r.r)}` : 'not measured',
      5,
      r,
    )
  }

  // 6. memory
  for (const m of results.memory ?? []) {
    const what = `RSS growth over ${m.keys.toLocaleString('en-US')} P-256 keys, ${m.destroy ? 'destroy()' : 'left to the GC'}`
    if (!m.ok) {
      rows.push([what, m.error ?? 'error', '< 10 MB', 'not measured'])
      continue
    }
    const mb = m.growthMb
    const limit = (10 * m.keys) / 200000
    rows.push([
      what,
      `${mb.toFixed(1)} MB (${m.growthBytesPerKey.toFixed(1)} bytes/key)`,
      `< ${limit.toFixed(limit < 10 ? 1 : 0)} MB`,
      mb < limit ? '**pass**' : '**fail**',
    ])
  }
  return rows
}

function memoryTable(results) {
  const rows = (results.memory ?? []).map((m) =>
    m.ok
      ? [
          `${m.keys.toLocaleString('en-US')} × P-256 generate + JWK${m.destroy ? ' + destroy()' : ', left to the GC'}`,
          m.rssBeforeMb.toFixed(1),
          m.rssAfterMb.toFixed(1),
          m.rssAfterGcMb.toFixed(1),
          m.rssPeakMb.toFixed(1),
          m.growthMb.toFixed(1),
          m.growthBytesPerKey.toFixed(1),
          fmtRate(m.keys / m.seconds),
        ]
      : [`${m.keys} × P-256, destroy ${m.destroy}`, m.error ?? 'error', '', '', '', '', '', ''],
  )
  return table(
    ['run', 'RSS before (MB)', 'after (MB)', 'after GC (MB)', 'peak (MB)', 'growth (MB)', 'bytes/key', 'keys/s'],
    rows,
  )
}

// --- the whole report --------------------------------------------------------------

function machineLines(meta) {
  const lines = [
    `- **Date**: ${meta.date}`,
    `- **Command**: \`${meta.command}\`${meta.quick ? ' (**--quick**: tiny budgets, figures are rough)' : ''}`,
    `- **Machine**: ${meta.cpu}, ${meta.cores} cores, ${meta.ramGb} GB RAM, ${meta.os}; load average ${meta.loadStart} at the start, ${meta.loadEnd ?? '?'} at the end`,
  ]
  const load1 = Number.parseFloat(String(meta.loadStart))
  if (load1 >= 0.5) {
    lines.push(
      `- **Warning**: the machine was not idle (load average ${load1.toFixed(2)} at the start on ${meta.cores} cores): expect lower, scattered figures`,
    )
  }
  if (meta.package) lines.push(`- **platform-keygen**: ${meta.package}; libuv threadpool size ${meta.uvThreadpoolSize}`)
  for (const r of meta.runtimes ?? []) {
    lines.push(
      `- **${r.role}**: Node.js ${r.node} (OpenSSL ${r.openssl}; platform-keygen provider ${r.provider ?? '?'}; C loop against ${r.cOpenssl ?? 'not built'})`,
    )
  }
  if (meta.packages) {
    lines.push(
      `- **Packages**: ${Object.entries(meta.packages)
        .map(([k, v]) => `${k} ${v ?? 'not installed'}`)
        .join(', ')}`,
    )
  }
  lines.push(
    `- **Budgets**: every figure is the median of ${meta.runs} runs in a child process of its own after a warm-up; ±x% is half the min–max spread of the runs; ${meta.full ? 'the full matrix' : 'RSA/DSA with the reduced matrix (--full for all cells)'}, --scale ${meta.scale}; ${Math.round(meta.wallSec)} s in all`,
  )
  return lines.join('\n')
}

export function renderReport(results) {
  const { meta } = results
  const out = []
  out.push(machineLines(meta))
  out.push('')
  out.push(
    'Keys per second, median of the runs ±half their min–max spread. In parentheses: **ours ÷ that alternative** ' +
      '(> 1× means platform-keygen is faster), against ours at the same concurrency: ×1 columns, node sync, jose, ' +
      'noble, forge and the 1-thread C loop against ours ×1; node ×2 / ×16 against ours ×2 / ×16; the 2-thread C loop ' +
      'against the better of ours ×2 and ×16. `·` not measured in this plan, `n/a` the alternative cannot do it (see below).',
  )
  for (const mode of ['gen', 'jwk', 'pem']) {
    out.push('')
    out.push(
      `#### ${mode === 'gen' ? 'Generate only' : mode === 'jwk' ? 'Generate + private JWK' : 'Generate + PKCS#8 PEM'}`,
    )
    out.push('')
    out.push(summaryTable(results, mode))
  }
  out.push('')
  out.push('#### Targets (issue 6)')
  out.push('')
  out.push(
    '"within noise": the goal lies inside the range the two figures\' interquartile ranges allow; rerun those rows with more time (`--only … --scale 4`).',
  )
  out.push('')
  out.push(table(['target', 'measured', 'goal', 'verdict'], targetRows(results), 2))
  if (results.memory?.length) {
    out.push('')
    out.push('#### Memory')
    out.push('')
    out.push(memoryTable(results))
  }
  const na = results.cells.filter((c) => !c.ok)
  if (na.length) {
    out.push('')
    out.push('#### Not measured')
    out.push('')
    const seen = new Map()
    for (const c of na) {
      const k = `${IMPL_LABEL[c.impl]}: ${c.error}`
      if (!seen.has(k)) seen.set(k, new Set())
      seen.get(k).add(c.alg)
    }
    for (const [k, algs] of seen) out.push(`- ${[...algs].join(', ')} — ${k}`)
  }
  return out.join('\n')
}

export function renderDetail(results) {
  return detailTable(results)
}
