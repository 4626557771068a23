// Raw smoke driver for the cross-built CNG addon, run by node.exe under Wine:
//   scripts/wine-env.sh node out.txt err.txt test/windows/smoke.mjs <addon.node> <result.json>
// Calls the native boundary directly (no TypeScript layer) and writes what
// happened, case by case, as JSON. A case that fails records its typed error;
// only a crash loses the file.

import { writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { resolve } from 'node:path'

const [addonArg, outPath] = process.argv.slice(2)
const addonPath = resolve(addonArg)
const result = { node: process.version, platform: process.platform, arch: process.arch, cases: [] }
const save = () => writeFileSync(outPath, JSON.stringify(result, null, 2))

const errorOf = (e) => ({ code: e?.code, message: e?.message, status: e?.status, reason: e?.reason })
const hex = (b) => Buffer.from(b).toString('hex')

async function run(name, spec, kinds) {
  const c = { name, spec: { ...spec, seed: spec.seed ? hex(spec.seed) : undefined } }
  result.cases.push(c)
  const t0 = Date.now()
  try {
    const key = await binding.generate(spec)
    c.ok = true
    c.blobs = {}
    for (const kind of kinds) {
      try {
        c.blobs[kind] = hex(key.exportBlob(kind))
      } catch (e) {
        c.blobs[kind] = { error: errorOf(e) }
      }
    }
    key.destroy()
    c.destroyed = key.destroyed
  } catch (e) {
    c.ok = false
    c.error = errorOf(e)
  }
  c.ms = Date.now() - t0
  save()
}

let binding
try {
  binding = createRequire(import.meta.url)(addonPath)
  result.loaded = true
  result.capabilities = binding.capabilities()
  result.random = hex(binding.randomBytes(16))
} catch (e) {
  result.loaded = false
  result.loadError = errorOf(e)
  save()
  process.exit(1)
}
save()

const pub = ['public']
const both = ['public', 'private']
await run('RSA 2048', { algorithm: 'RSA', length: 2048 }, both)
await run('ECDSA_P256', { algorithm: 'ECDSA_P256', length: 256 }, both)
await run('ECDH_P384', { algorithm: 'ECDH_P384', length: 384 }, both)
await run('DSA 1024', { algorithm: 'DSA', length: 1024 }, both)
await run('ECDSA_P521', { algorithm: 'ECDSA_P521', length: 521 }, both)
await run('ECDH_P521', { algorithm: 'ECDH_P521', length: 521 }, both)
await run('DH 2048', { algorithm: 'DH', length: 2048 }, both)
await run('ECDSA secP256k1', { algorithm: 'ECDSA', curve: 'secP256k1' }, both)
await run('ECDH curve25519', { algorithm: 'ECDH', curve: 'curve25519' }, both)
await run('EdDSA Ed25519', { algorithm: 'EdDSA', curve: 'Ed25519' }, both)
await run('ML-DSA 65', { algorithm: 'ML-DSA', parameterSet: '65' }, [...both, 'seed'])
await run('ML-KEM 768', { algorithm: 'ML-KEM', parameterSet: '768' }, [...both, 'seed'])
await run(
  'ML-KEM 768 seed',
  { algorithm: 'ML-KEM', parameterSet: '768', seed: new Uint8Array(64).fill(7), noKeyValidation: true },
  pub,
)
await run('RSA 2047 (native re-check)', { algorithm: 'RSA', length: 2047 }, pub)
result.done = true
save()
