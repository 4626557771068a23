#!/usr/bin/env node
// AddressSanitizer + LeakSanitizer run of the native addon (npm run test:asan).
//
// 1. Builds a debug copy of the addon with clang from the same sources and
//    defines as binding.gyp (read from it: native/addon.cc + the OpenSSL backend,
//    node's headers, node-addon-api; -shared, no libcrypto: the EVP symbols
//    resolve to the OpenSSL inside node), with -fsanitize=address, into
//    .cache/sanitizers/asan/. Also builds test/sanitizers/canary.cc the same way.
// 2. Runs test/sanitizers/driver.mjs under each node of $PK_SANITIZER_NODES
//    (paths separated by ":"), or by default the one running this script and
//    Node 24 (.cache/nodes/linux-x64/bin/node or $PK_NODE24), with
//    LD_PRELOAD of clang's ASan runtime, the instrumented addon named by
//    PLATFORM_KEYGEN_NATIVE, and test/sanitizers/lsan.supp (OpenSSL / node
//    internals only; the workers mode adds lsan-workers.supp). Modes: full (every algorithm × every export, error
//    paths, 2,000 concurrent, 5,000 to the GC), workers (worker teardown,
//    terminated mid RSA-4096), exit (process.exit with live handles and
//    pending generations).
// 3. Reads every report ASan/LSan wrote (log_path): any report fails the run.
//    The canary must be caught (a leaked EVP_PKEY, a leaked buffer, a heap
//    overflow), or the set-up would be hiding our bugs.
//
// Prints `asan: N passed, N failed`; exits 1 if anything failed.
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const out = join(root, '.cache', 'sanitizers')
const asanDir = join(out, 'asan')
const supp = join(root, 'test', 'sanitizers', 'lsan.supp')
const driver = join(root, 'test', 'sanitizers', 'driver.mjs')
const cxx = process.env.CXX_ASAN ?? 'clang++'

function sh(cmd, args, opts = {}) {
  return (execFileSync(cmd, args, { encoding: 'utf8', cwd: root, ...opts }) ?? '').trim()
}

// --- build -------------------------------------------------------------------

const nodeInclude = ['/usr/include/node', join(root, '.cache', 'nodes', 'linux-x64', 'include', 'node')].find((d) =>
  existsSync(join(d, 'node_api.h')),
)
if (!nodeInclude) throw new Error('no node headers (/usr/include/node or .cache/nodes/linux-x64/include/node)')
const addonApi = dirname(createRequire(join(root, 'package.json')).resolve('node-addon-api/package.json'))
const runtime = sh(cxx, ['-print-file-name=libclang_rt.asan-x86_64.so'])
if (!existsSync(runtime)) throw new Error(`no ASan runtime at ${runtime}: apt-get install clang libclang-rt-14-dev`)

/** The target's "defines" in binding.gyp (the first list: the platform-neutral ones). */
function gypDefines() {
  const gyp = readFileSync(join(root, 'binding.gyp'), 'utf8')
  const list = /"defines":\s*\[([^\]]*)\]/.exec(gyp)
  if (!list) throw new Error('binding.gyp has no "defines"')
  return [...list[1].matchAll(/"([^"]+)"/g)].map((m) => m[1])
}

/** Every "sources" list of binding.gyp but the Windows (CNG) one: what node-gyp compiles on Linux. */
function gypSources() {
  const gyp = readFileSync(join(root, 'binding.gyp'), 'utf8')
  const files = [...gyp.matchAll(/"sources":\s*\[([^\]]*)\]/g)].flatMap((m) =>
    [...m[1].matchAll(/"([^"]+)"/g)].map((f) => f[1]),
  )
  return files.filter((f) => !f.includes('/cng/'))
}

const flags = [
  '-std=c++17',
  '-g',
  '-O1',
  '-fsanitize=address',
  '-fno-omit-frame-pointer',
  '-fno-optimize-sibling-calls',
  '-shared-libasan',
  '-fPIC',
  '-shared',
  '-fvisibility=hidden',
  '-Wall',
  '-Wextra',
  '-Wno-unused-private-field',
  // binding.gyp's defines (the build of record), plus what its node_addon_api_except dependency adds.
  ...gypDefines().map((d) => `-D${d}`),
  '-DNAPI_CPP_EXCEPTIONS',
  `-I${nodeInclude}`,
  `-I${addonApi}`,
]
mkdirSync(asanDir, { recursive: true })
const addon = join(asanDir, 'platform_keygen.node')
const canary = join(asanDir, 'canary.node')
let t = Date.now()
const sources = gypSources()
sh(cxx, [...flags, ...sources, '-o', addon], { stdio: 'inherit' })
sh(cxx, [...flags, '-DNODE_GYP_MODULE_NAME=canary', 'test/sanitizers/canary.cc', '-o', canary], { stdio: 'inherit' })
console.log(
  `asan: built ${addon} from ${sources.join(' ')} (${gypDefines().join(' ')}) and the canary with ` +
    `${sh(cxx, ['--version']).split('\n')[0]} (${Date.now() - t} ms)`,
)
if (!existsSync(join(root, 'dist', 'esm', 'index.js'))) sh('npm', ['run', 'build:ts'], { stdio: 'inherit' })

// --- run ---------------------------------------------------------------------

// $PK_SANITIZER_NODES (paths separated by ":") names the nodes to run under (CI: Node 24 and 22);
// without it, the node running this script and Node 24 if found.
const nodes = process.env.PK_SANITIZER_NODES ? process.env.PK_SANITIZER_NODES.split(':').filter(Boolean) : []
if (nodes.length === 0) {
  nodes.push(process.execPath)
  const node24 = process.env.PK_NODE24 ?? join(root, '.cache', 'nodes', 'linux-x64', 'bin', 'node')
  if (existsSync(node24)) nodes.push(node24)
}
for (const node of nodes) {
  if (!existsSync(node)) {
    console.error(`asan: no node at ${node} (PK_SANITIZER_NODES)`)
    process.exit(1)
  }
}

/** The reports ASan/LSan wrote: "ERROR: ..." headlines, and the suppressions used. */
function readLogs(dir) {
  const errors = []
  const suppressed = {}
  for (const f of existsSync(dir) ? readdirSync(dir) : []) {
    const text = readFileSync(join(dir, f), 'utf8')
    for (const m of text.matchAll(/^==\d+==ERROR: (.*)$/gm)) errors.push({ file: join(dir, f), headline: m[1], text })
    const used = /Suppressions used:\n\s+count\s+bytes template\n([\s\S]*?)\n-{5,}/.exec(text)
    for (const line of used?.[1].split('\n') ?? []) {
      const [count, , name] = line.trim().split(/\s+/)
      if (name) suppressed[name] = (suppressed[name] ?? 0) + Number(count)
    }
  }
  return { errors, suppressed }
}

/** Frames of an ASan/LSan report that are ours (the addon's sources, node-addon-api, the canary). */
function ourFrames(text) {
  return text
    .split('\n')
    .filter((l) => /^\s+#\d+ /.test(l) && /\/native\/|node-addon-api|canary\.cc|platform_keygen\.node/.test(l))
}

/** lsan.supp, plus the workers-only entries for the driver's workers mode (one file: LSan takes one). */
function suppressionsFor(mode) {
  if (mode !== 'workers') return supp
  const combined = join(out, 'lsan-workers.supp')
  writeFileSync(
    combined,
    `${readFileSync(supp, 'utf8')}\n${readFileSync(join(root, 'test', 'sanitizers', 'lsan-workers.supp'), 'utf8')}`,
  )
  return combined
}

function runUnderAsan(node, args, { name, leaks = true, env = {}, suppressions = supp }) {
  const logs = join(out, 'logs', name)
  rmSync(logs, { recursive: true, force: true })
  mkdirSync(logs, { recursive: true })
  const started = Date.now()
  const r = spawnSync(node, args, {
    cwd: root,
    encoding: 'utf8',
    timeout: 600_000,
    env: {
      ...process.env,
      ...env,
      LD_PRELOAD: runtime,
      PLATFORM_KEYGEN_NATIVE: addon,
      ASAN_OPTIONS: [`detect_leaks=${leaks ? 1 : 0}`, `log_path=${join(logs, 'asan')}`, 'strict_init_order=1'].join(
        ':',
      ),
      LSAN_OPTIONS: `suppressions=${suppressions}:print_suppressions=1`,
    },
  })
  return { ...r, ms: Date.now() - started, ...readLogs(logs) }
}

let passed = 0
let failed = 0
function result(ok, what, detail = '') {
  if (ok) passed++
  else failed++
  console.log(`asan: ${ok ? 'ok  ' : 'FAIL'} ${what}${detail ? ` — ${detail}` : ''}`)
}

const nodeMajor = (node) => Number(sh(node, ['-p', 'process.versions.node.split(".")[0]']))

for (const node of nodes) {
  const version = sh(node, ['--version'])
  for (const mode of ['full', 'workers', 'exit']) {
    // Node 20's process.exit() skips isolate teardown, so LSan would report
    // V8's whole heap: there the exit mode checks memory errors only.
    const leaks = !(mode === 'exit' && nodeMajor(node) < 22)
    const r = runUnderAsan(node, ['--expose-gc', driver, mode], {
      name: `${version}-${mode}`,
      leaks,
      suppressions: suppressionsFor(mode),
    })
    const summary = (r.stdout ?? '').trim().split('\n').pop() ?? ''
    const problems = []
    if (r.status !== 0)
      problems.push(`exit ${r.status ?? r.signal}: ${(r.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}`)
    for (const e of r.errors) {
      problems.push(`${e.headline} (${e.file}); our frames: ${ourFrames(e.text).slice(0, 4).join(' / ') || 'none'}`)
    }
    const supp = Object.entries(r.suppressed)
      .map(([k, v]) => `${k}×${v}`)
      .join(' ')
    result(
      problems.length === 0,
      `node ${version} ${mode}${leaks ? '' : ' (memory errors only)'} in ${(r.ms / 1000).toFixed(1)} s`,
      `${problems.length ? `${problems.join('; ')}; ` : ''}${summary.slice(0, 240)}; suppressed: ${supp || 'nothing'}`,
    )
  }
}

// The canary: the same set-up must report our own leaks and bad reads.
{
  const load = `const c = require(${JSON.stringify(canary)});`
  const leak = runUnderAsan(process.execPath, ['-e', `${load} c.leakKey(); c.leakBytes()`], { name: 'canary-leak' })
  const leakText = leak.errors.map((e) => e.text).join('\n')
  const leakFrames = ourFrames(leakText)
  result(
    leak.errors.some((e) => e.headline.startsWith('LeakSanitizer')) &&
      /LeakKey/.test(leakFrames.join('\n')) &&
      /LeakBytes/.test(leakFrames.join('\n')),
    'canary: a leaked EVP_PKEY and a leaked buffer in addon code are reported despite the suppressions',
    leakFrames.slice(0, 2).join(' / ').trim(),
  )
  const oob = runUnderAsan(process.execPath, ['-e', `${load} c.overflow()`], { name: 'canary-overflow' })
  const oobText = oob.errors.map((e) => e.text).join('\n')
  result(
    oob.status !== 0 && /heap-buffer-overflow/.test(oobText) && /Overflow/.test(ourFrames(oobText).join('\n')),
    'canary: a heap-buffer-overflow in addon code is reported',
    (oob.errors[0]?.headline ?? '').slice(0, 120),
  )
}

t = Date.now() - t
console.log(`asan: ${passed} passed, ${failed} failed (${(t / 1000).toFixed(0)} s; logs in ${join(out, 'logs')})`)
process.exit(failed === 0 ? 0 : 1)
