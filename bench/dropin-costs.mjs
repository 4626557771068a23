// Where the jose drop-in's time goes, one key at a time, next to jose itself:
//
//   node bench/dropin-costs.mjs [--rounds 7] [--n 1500] [--json file]
//
// For ES256, EdDSA (Ed25519) and ECDH-ES (X25519), µs per key (the median of the rounds; each
// round runs every step once, one after another, so the machine's drift hits them alike):
//
//   ours: drop-in        await generateKeyPair(alg, { extractable: true }) + jose's exportJWK of
//                        the private CryptoKey (what the bench's "ours jose API" cell does)
//   jose                 the same with jose's own generateKeyPair (WebCrypto's generateKey)
//   … its CPU            process CPU time per key of the two above (jose's keygen runs on the
//                        threadpool, so its wall time can be more than its CPU time)
//   ours: keygen         generateKeySync + export of the private blob + destroy
//   node: import         createPrivateKey from the raw private scalar (what the drop-in hands
//                        node; node derives the public key and checks the pair there)
//   node: public         createPublicKey of that private KeyObject
//   node: toCryptoKey    both KeyObjects' toCryptoKey
//   jose: exportJWK      exportJWK of the private CryptoKey
//
// The drop-in's keys are made by the platform backend and then handed to node:crypto, because a
// CryptoKey can only be made by node; jose's are made by node:crypto alone. Nothing here asserts a
// time; docs/performance.md reads these figures.
import { createPrivateKey, createPublicKey } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath, pathToFileURL } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..')
const pk = await import(pathToFileURL(join(root, 'dist/esm/index.js')).href)
const jose = await import('jose')

const argv = process.argv.slice(2)
const opt = (name, dflt) => {
  const i = argv.indexOf(name)
  return i >= 0 ? argv[i + 1] : dflt
}
const ROUNDS = Number(opt('--rounds', '7'))
const N = Number(opt('--n', '1500'))
const JSON_OUT = opt('--json', undefined)

const CASES = [
  {
    alg: 'ES256',
    spec: { algorithm: 'ECDSA_P256' },
    raw: { asymmetricKeyType: 'ec', namedCurve: 'P-256' },
    subtle: { name: 'ECDSA', namedCurve: 'P-256' },
    usages: [['sign'], ['verify']],
  },
  {
    alg: 'EdDSA',
    spec: { algorithm: 'EdDSA', curve: 'Ed25519' },
    raw: { asymmetricKeyType: 'ed25519' },
    subtle: { name: 'Ed25519' },
    usages: [['sign'], ['verify']],
  },
  {
    alg: 'ECDH-ES',
    spec: { algorithm: 'ECDH', curve: 'X25519' },
    raw: { asymmetricKeyType: 'x25519' },
    subtle: { name: 'X25519' },
    usages: [['deriveBits'], []],
    options: { crv: 'X25519' },
  },
]

const now = () => performance.now()
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

/** µs of wall time and of process CPU per call of f, over n calls. */
async function per(n, f) {
  const c0 = process.cpuUsage()
  const t0 = now()
  for (let i = 0; i < n; i++) await f()
  const wall = ((now() - t0) * 1000) / n
  const c = process.cpuUsage(c0)
  return { wall, cpu: (c.user + c.system) / n }
}

function stepsOf(c) {
  const options = { ...(c.options ?? {}), extractable: true }
  const kp = pk.generateKeySync({ ...c.spec, extractable: true })
  const blob = kp.export({ format: 'blob' })
  kp.destroy()
  const cb = blob.readUInt32LE(4)
  const d = Buffer.from(blob.subarray(blob.length - cb))
  const priv = createPrivateKey({ key: d, format: 'raw-private', ...c.raw })
  const pub = createPublicKey(priv)
  const privateKey = priv.toCryptoKey(c.subtle, true, c.usages[0])
  return {
    'ours: drop-in': async () => jose.exportJWK((await pk.generateKeyPair(c.alg, options)).privateKey),
    jose: async () => jose.exportJWK((await jose.generateKeyPair(c.alg, options)).privateKey),
    'ours: keygen': () => {
      const k = pk.generateKeySync(c.spec)
      k.export({ format: 'blob' })
      k.destroy()
    },
    'node: import': () => createPrivateKey({ key: d, format: 'raw-private', ...c.raw }),
    'node: public': () => createPublicKey(priv),
    'node: toCryptoKey': () => {
      priv.toCryptoKey(c.subtle, true, c.usages[0])
      pub.toCryptoKey(c.subtle, true, c.usages[1])
    },
    'jose: exportJWK': () => jose.exportJWK(privateKey),
  }
}

const out = {
  node: process.version,
  openssl: process.versions.openssl,
  rounds: ROUNDS,
  n: N,
  date: new Date().toISOString(),
  cases: {},
}
for (const c of CASES) {
  const steps = stepsOf(c)
  const seen = {}
  for (const f of Object.values(steps)) await per(Math.min(N, 300), f) // warm-up
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, f] of Object.entries(steps)) {
      const m = await per(N, f)
      seen[name] ??= { wall: [], cpu: [] }
      seen[name].wall.push(m.wall)
      seen[name].cpu.push(m.cpu)
    }
  }
  const row = {}
  for (const [name, m] of Object.entries(seen)) row[name] = { wall: median(m.wall), cpu: median(m.cpu) }
  out.cases[c.alg] = row
}

const f1 = (x) => x.toFixed(1)
console.log(`${out.node} (OpenSSL ${out.openssl}), ${out.date}, µs per key, median of ${ROUNDS} rounds of ${N}:`)
console.log('')
const names = Object.keys(out.cases.ES256)
console.log(`| step | ${CASES.map((c) => c.alg).join(' | ')} |`)
console.log(`|---|${CASES.map(() => '---:').join('|')}|`)
for (const name of names) {
  console.log(`| ${name} | ${CASES.map((c) => f1(out.cases[c.alg][name].wall)).join(' | ')} |`)
  if (name === 'ours: drop-in' || name === 'jose') {
    console.log(`| … its CPU | ${CASES.map((c) => f1(out.cases[c.alg][name].cpu)).join(' | ')} |`)
  }
}
console.log(
  `| drop-in ÷ jose, as keys/s | ${CASES.map((c) => `${(out.cases[c.alg].jose.wall / out.cases[c.alg]['ours: drop-in'].wall).toFixed(2)}×`).join(' | ')} |`,
)
if (JSON_OUT) writeFileSync(JSON_OUT, `${JSON.stringify(out, null, 2)}\n`)
