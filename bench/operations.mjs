/**
 * Sign and verify on the handle against node:crypto's sign / verify on the
 * same key and the same OpenSSL (issue 14's bench rows; no target beyond
 * "not slower": the ratio is printed). Not part of `npm run bench` yet.
 *
 *   node bench/operations.mjs [--seconds 2] [--only P-256,Ed25519]
 *
 * Each cell runs the synchronous calls (signSync / verifySync against
 * crypto.sign / crypto.verify) in a tight loop for the time budget, five
 * times alternating ours and node's, and reports the median operations per
 * second and ours / node's.
 *
 * `--json <file>` also saves the rows ({ meta, rows }), which
 * `node bench/run.mjs --report <runs> --operations <file> --write` puts into
 * BENCHMARKS.md (several files, one per Node.js version, side by side).
 */
import crypto from 'node:crypto'
import { writeFileSync } from 'node:fs'
import os from 'node:os'
import { parseArgs } from 'node:util'

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '2' }, only: { type: 'string' }, json: { type: 'string' } },
})
const budget = Number(values.seconds) * 1000
const pk = await import(new URL('../dist/esm/index.js', import.meta.url).href)

const CELLS = [
  ['P-256', { algorithm: 'ECDSA_P256' }, 'sha256', { dsaEncoding: 'ieee-p1363' }],
  ['P-384', { algorithm: 'ECDSA_P384' }, 'sha384', { dsaEncoding: 'ieee-p1363' }],
  ['Ed25519', { algorithm: 'EdDSA', curve: 'Ed25519' }, null, {}],
  ['RSA-2048', { algorithm: 'RSA', length: 2048 }, 'sha256', {}],
].filter(([id]) => !values.only || values.only.split(',').some((o) => id.startsWith(o)))

function rate(fn) {
  let n = 0
  const end = performance.now() + budget
  while (performance.now() < end) {
    for (let i = 0; i < 16; i++) fn()
    n += 16
  }
  return (n * 1000) / budget
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1]
const data = Buffer.from('a message of some length for the signature benchmark')

const saved = []
console.log('| key | op | platform-keygen /s | node:crypto /s | ratio |')
console.log('|---|---|---:|---:|---:|')
for (const [id, spec, hash, nodeOpts] of CELLS) {
  const key = await pk.generateKey(spec)
  const priv = key.toKeyObject()
  const pub = key.publicKey.toKeyObject()
  const sig = key.signSync(data)
  if (!crypto.verify(hash, data, { key: pub, ...nodeOpts }, sig))
    throw new Error(`${id}: our signature does not verify`)
  const rows = {
    sign: [() => key.signSync(data), () => crypto.sign(hash, data, { key: priv, ...nodeOpts })],
    verify: [
      () => key.publicKey.verifySync(data, sig),
      () => crypto.verify(hash, data, { key: pub, ...nodeOpts }, sig),
    ],
  }
  for (const [op, [ours, theirs]] of Object.entries(rows)) {
    const a = []
    const b = []
    for (let round = 0; round < 5; round++) {
      a.push(rate(ours))
      b.push(rate(theirs))
    }
    const ma = median(a)
    const mb = median(b)
    console.log(`| ${id} | ${op} | ${ma.toFixed(0)} | ${mb.toFixed(0)} | ${(ma / mb).toFixed(2)} |`)
    saved.push({ key: id, op, ours: ma, node: mb, oursRuns: a, nodeRuns: b })
  }
  key.destroy()
}
if (values.json) {
  const meta = {
    date: new Date().toISOString(),
    node: process.version,
    openssl: process.versions.openssl,
    seconds: budget / 1000,
    cores: os.cpus().length,
    load: os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' / '),
  }
  writeFileSync(values.json, `${JSON.stringify({ meta, rows: saved }, null, 2)}\n`)
}
