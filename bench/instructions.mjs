// Instructions per key, counted by valgrind (callgrind), for the sync entry points: ours
// (generateKeySync + export + destroy) against node:crypto's generateKeyPairSync with the same
// private key encoding. A count does not depend on what else runs on the machine, so it
// compares the work of the two sides where wall-clock figures on a shared machine scatter by
// 10–25%. It is not a time: cache misses and the memory allocator weigh differently.
//
//   node bench/instructions.mjs [--node <node binary>] [--json file]
//
// Each figure: (instructions of a run that makes n keys − a run that makes none, after the same
// warm-up, long enough for V8 to have compiled both paths) ÷ n. Needs valgrind (apt-get install
// valgrind); about 8 minutes.
import { execFileSync, spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..')
const argv = process.argv.slice(2)
const opt = (name, dflt) => {
  const i = argv.indexOf(name)
  return i >= 0 ? argv[i + 1] : dflt
}
const NODE = opt('--node', process.execPath)
const JSON_OUT = opt('--json', undefined)

const CASES = [
  { alg: 'P-256', n: 2000, warm: 500 },
  { alg: 'P-384', n: 60, warm: 30 },
  { alg: 'Ed25519', n: 1500, warm: 500 },
  { alg: 'X25519', n: 1500, warm: 500 },
]
const MODES = ['jwk', 'pem']

// the measured program: `child <who> <alg> <mode> <n>`
const CHILD = `
import { generateKeyPairSync } from 'node:crypto'
import { pathToFileURL } from 'node:url'
const [who, alg, mode, n0] = process.argv.slice(1)
const n = Number(n0)
const pk = await import(pathToFileURL(${JSON.stringify(join(root, 'dist/esm/index.js'))}).href)
const spec = { 'P-256': { algorithm: 'ECDSA_P256' }, 'P-384': { algorithm: 'ECDSA_P384' },
  Ed25519: { algorithm: 'EdDSA', curve: 'Ed25519' }, X25519: { algorithm: 'ECDH', curve: 'X25519' } }[alg]
const [type, base] = { 'P-256': ['ec', { namedCurve: 'P-256' }], 'P-384': ['ec', { namedCurve: 'P-384' }],
  Ed25519: ['ed25519', {}], X25519: ['x25519', {}] }[alg]
const exportOpts = { format: mode }
const nodeOpts = { ...base, privateKeyEncoding: mode === 'jwk' ? { format: 'jwk' } : { type: 'pkcs8', format: 'pem' } }
const ours = () => { const k = pk.generateKeySync(spec); k.export(exportOpts); k.destroy() }
const node = () => generateKeyPairSync(type, nodeOpts)
// warm-up long enough for V8 to have optimised both paths, so the counts hold no compiling
for (let i = 0; i < Number(process.env.WARM ?? 400); i++) { ours(); node() }
const f = who === 'ours' ? ours : who === 'node' ? node : null
if (f) for (let i = 0; i < n; i++) f()
`

function count(args, warm) {
  // valgrind reports on stderr
  const r = spawnSync(
    'valgrind',
    ['--tool=callgrind', '--callgrind-out-file=/dev/null', NODE, '--input-type=module', '-e', CHILD, ...args],
    { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20, env: { ...process.env, WARM: String(warm) } },
  )
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`
  if (r.status !== 0) throw new Error(`valgrind failed (${r.status}): ${out.slice(-600)}`)
  return out
}

function collected(args, warm) {
  const out = count(args, warm)
  const m = /Collected : (\d+)/.exec(out)
  if (!m) throw new Error(`no instruction count in valgrind's output: ${out.slice(-400)}`)
  return Number(m[1])
}

try {
  execFileSync('valgrind', ['--version'], { stdio: 'ignore' })
} catch {
  console.error('bench/instructions: valgrind is not installed (apt-get install valgrind)')
  process.exit(1)
}

const version = execFileSync(NODE, ['-p', 'process.version + " (OpenSSL " + process.versions.openssl + ")"'])
  .toString()
  .trim()
const results = { node: version, cases: [] }
console.log(`${version}: instructions per key (valgrind callgrind), sync entry points`)
console.log(
  '| key | export | ours (generateKeySync + export + destroy) | node:crypto generateKeyPairSync | node ÷ ours (> 1×: ours does less) |',
)
console.log('|---|---|---:|---:|---:|')
for (const { alg, n, warm } of CASES) {
  for (const mode of MODES) {
    const none = collected(['none', alg, mode, '0'], warm)
    const ours = (collected(['ours', alg, mode, String(n)], warm) - none) / n
    const node = (collected(['node', alg, mode, String(n)], warm) - none) / n
    results.cases.push({ alg, mode, n, ours, node })
    const k = (x) => `${Math.round(x / 1000).toLocaleString('en-US')}k`
    console.log(`| ${alg} | ${mode} | ${k(ours)} | ${k(node)} | ${(node / ours).toFixed(2)}× |`)
  }
}
if (JSON_OUT) writeFileSync(JSON_OUT, `${JSON.stringify(results, null, 2)}\n`)
