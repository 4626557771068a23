// Where one small key's time goes, measured one step at a time on one core:
//
//   node bench/costs.mjs
//
// For Ed25519 and P-256: OpenSSL's keygen alone (the bench/native C loop, context prepared
// once), the addon's generateSync + destroy (keygen + the native handle), reading the private
// and public blobs out of OpenSSL (EVP_PKEY_get_params), and KeyPair.export({ format: 'jwk' })
// from blobs already read. Each figure is the median of 5 runs, in µs per key. Nothing here
// asserts a time; BENCHMARKS.md quotes these figures where it explains the limits.
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath, pathToFileURL } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..')
const require = createRequire(import.meta.url)
const { native } = await import(pathToFileURL(join(root, 'dist/esm/native.js')).href)
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

const N = 10000
const median = (f) => {
  const r = []
  for (let i = 0; i < 5; i++) r.push(f())
  r.sort((a, b) => a - b)
  return r[2]
}
const perKey = (n, f) => {
  const t = performance.now()
  f()
  return ((performance.now() - t) * 1000) / n
}

const CASES = [
  ['Ed25519', { algorithm: 'EdDSA', curve: 'Ed25519' }, { keytype: 'ED25519', family: 'OKP' }],
  ['P-256', { algorithm: 'ECDSA_P256' }, { keytype: 'EC', family: 'EC', group: 'prime256v1' }],
]
console.log(`${process.version} (OpenSSL ${process.versions.openssl}), µs per key, median of 5 runs`)
console.log(
  '| key | OpenSSL keygen (C loop) | generateSync + destroy | read private + public blob | JWK from read blobs |',
)
console.log('|---|---:|---:|---:|---:|')
for (const [name, spec, cspec] of CASES) {
  const nativeSpec = name === 'P-256' ? { ...spec, length: 256 } : { ...spec, length: 255 }
  const id = binding.prepare({ ...nativeSpec, extractable: true })
  const keygen = median(() => {
    const r = loop.run({ ...cspec, export: 'none', threads: 1, seconds: 0.4, minKeys: 1 })
    return (r.seconds * 1e6) / r.keys
  })
  const handle = median(() =>
    perKey(N, () => {
      for (let i = 0; i < N; i++) binding.generateSync(id).destroy()
    }),
  )
  const keys = Array.from({ length: N }, () => binding.generateSync(id))
  const read = median(() =>
    perKey(N, () => {
      for (const k of keys) {
        k.exportBlob('private')
        k.exportBlob('public')
      }
    }),
  )
  for (const k of keys) k.destroy()
  const pairs = await pk.generateKeys(spec, N)
  const jwk = median(() =>
    perKey(N, () => {
      for (const k of pairs) k.export({ format: 'jwk' })
    }),
  )
  for (const k of pairs) k.destroy()
  console.log(`| ${name} | ${keygen.toFixed(1)} | ${handle.toFixed(1)} | ${read.toFixed(1)} | ${jwk.toFixed(1)} |`)
}
