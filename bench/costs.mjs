// Where one small key's time goes, on one core, next to node:crypto's sync path:
//
//   node bench/costs.mjs [--rounds 7] [--json file]
//
// For P-256, P-384, Ed25519 and X25519, µs per key (the median of the rounds; each round runs
// every step once, one after another, so the machine's drift hits them alike):
//
//   keygen          OpenSSL's keygen alone (the bench/native C loop, context prepared once)
//   + read-out      the C loop's keygen plus reading what a JWK or PEM is made of (the EC point
//                   as one encoding and d; an OKP key's two strings): OpenSSL's part of any export
//   ours: handle    the addon's generateSync + destroy (keygen and the native handle, no export)
//   ours: sync JWK  generateKeySync + export({ format: 'jwk' }) + destroy (the whole sync path)
//   node: keygen    generateKeyPairSync without an encoding (node's keygen and its KeyObjects)
//   node: sync JWK  generateKeyPairSync with privateKeyEncoding { format: 'jwk' }
//
// and what they leave for the rest: ours over OpenSSL's floor (ours: sync JWK − + read-out) and
// node's (node: sync JWK − + read-out). Nothing here asserts a time; docs/performance.md reads
// these figures where it explains the limits.
import { generateKeyPairSync } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath, pathToFileURL } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..')
const require = createRequire(import.meta.url)
const { native } = await import(pathToFileURL(join(root, 'dist/esm/native.js')).href)
const { resolveSpec } = await import(pathToFileURL(join(root, 'dist/esm/generate/spec.js')).href)
const pk = await import(pathToFileURL(join(root, 'dist/esm/index.js')).href)
const binding = native()
let loop
try {
  loop = require(join(here, 'native/build/Release/keygen_loop.node'))
} catch {
  console.error(
    'bench/costs: build bench/native first (npm run bench builds it, or npx node-gyp rebuild in bench/native)',
  )
  process.exit(1)
}

const argv = process.argv.slice(2)
const opt = (name, dflt) => {
  const i = argv.indexOf(name)
  return i >= 0 ? argv[i + 1] : dflt
}
const ROUNDS = Number(opt('--rounds', '7'))
const JSON_OUT = opt('--json', undefined)

const CASES = [
  {
    name: 'P-256',
    spec: { algorithm: 'ECDSA_P256' },
    c: { keytype: 'EC', family: 'EC', group: 'prime256v1' },
    node: ['ec', { namedCurve: 'P-256' }],
    n: 4000,
    cSeconds: 0.15,
  },
  {
    name: 'P-384',
    spec: { algorithm: 'ECDSA_P384' },
    c: { keytype: 'EC', family: 'EC', group: 'secp384r1' },
    node: ['ec', { namedCurve: 'P-384' }],
    n: 150,
    cSeconds: 0.3,
  },
  {
    name: 'Ed25519',
    spec: { algorithm: 'EdDSA', curve: 'Ed25519' },
    c: { keytype: 'ED25519', family: 'OKP' },
    node: ['ed25519', {}],
    n: 2000,
    cSeconds: 0.15,
  },
  {
    name: 'X25519',
    spec: { algorithm: 'ECDH', curve: 'X25519' },
    c: { keytype: 'X25519', family: 'OKP' },
    node: ['x25519', {}],
    n: 2000,
    cSeconds: 0.15,
  },
]

const perKey = (n, f) => {
  const t = performance.now()
  for (let i = 0; i < n; i++) f()
  return ((performance.now() - t) * 1000) / n
}
const cLoop = (c, exp, seconds) => {
  const r = loop.run({ ...c.c, export: exp, threads: 1, seconds, minKeys: 1 })
  return (r.seconds * 1e6) / r.keys
}

const STEPS = ['keygen', '+ read-out', 'ours: handle', 'ours: sync JWK', 'node: keygen', 'node: sync JWK']
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]
}

const out = { node: process.version, openssl: process.versions.openssl, rounds: ROUNDS, cases: {} }
console.log(
  `${process.version} (OpenSSL ${process.versions.openssl}), µs per key on one core, median of ${ROUNDS} rounds`,
)
console.log(`| key | ${STEPS.join(' | ')} | ours over the floor | node over the floor |`)
console.log(`|---|${STEPS.map(() => '---:').join('|')}|---:|---:|`)
for (const c of CASES) {
  const id = binding.prepare(resolveSpec(c.spec).native)
  const [type, base] = c.node
  const jwkOpts = { ...base, privateKeyEncoding: { format: 'jwk' } }
  const steps = {
    keygen: () => cLoop(c, 'none', c.cSeconds),
    '+ read-out': () => cLoop(c, 'jwk', c.cSeconds),
    'ours: handle': () => perKey(c.n, () => binding.generateSync(id).destroy()),
    'ours: sync JWK': () =>
      perKey(c.n, () => {
        const k = pk.generateKeySync(c.spec)
        k.export({ format: 'jwk' })
        k.destroy()
      }),
    'node: keygen': () => perKey(c.n, () => generateKeyPairSync(type, base)),
    'node: sync JWK': () => perKey(c.n, () => generateKeyPairSync(type, jwkOpts)),
  }
  for (const f of Object.values(steps)) f() // warm-up
  const runs = Object.fromEntries(STEPS.map((s) => [s, []]))
  for (let r = 0; r < ROUNDS; r++) for (const s of STEPS) runs[s].push(steps[s]())
  const m = Object.fromEntries(STEPS.map((s) => [s, median(runs[s])]))
  const floor = m['+ read-out']
  out.cases[c.name] = { median: m, runs }
  const f = (x) => x.toFixed(1)
  console.log(
    `| ${c.name} | ${STEPS.map((s) => f(m[s])).join(' | ')} | ${f(m['ours: sync JWK'] - floor)} | ${f(m['node: sync JWK'] - floor)} |`,
  )
}
if (JSON_OUT) writeFileSync(JSON_OUT, `${JSON.stringify(out, null, 2)}\n`)
