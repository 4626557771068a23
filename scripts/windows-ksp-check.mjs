#!/usr/bin/env node
// Keys kept by Windows' Software Key Storage Provider, for real: the release
// workflow's Windows job runs this before anything is published
// (.github/workflows/release.yml, job windows-ksp). It uses the built package
// through its public API (dist/esm) and, for each of RSA 2048, ECDSA P-256 and
// ECDH P-256:
//
//   1. a child process creates the key (createKey, non-extractable) and writes
//      its public key;
//   2. a second child process opens it by name (openKey) and uses it: signs
//      (RSA PKCS#1 and an RS256 / ES256 JWT, ECDSA r‖s), decrypts an RSA-OAEP
//      ciphertext node:crypto made, derives ECDH with a peer node:crypto made;
//   3. this process checks every result with node:crypto and jose against the
//      public key of step 1, that listKeys shows the key, that a second
//      createKey of the name is ERR_KEY_EXISTS, and that the private part is
//      not exportable; then deleteKey, after which openKey is ERR_KEY_NOT_FOUND.
//
//   node scripts/windows-ksp-check.mjs [--scope user|machine] [--prefix P]
//   node scripts/windows-ksp-check.mjs create NAME ALG OUT.json [--scope S]
//   node scripts/windows-ksp-check.mjs use NAME IN.json OUT.json [--scope S]
//
// Exit status: 0 every check held; 1 a check failed (stderr says which, with
// the error's code); 2 bad arguments. The phases write JSON, never to stdout
// alone, so that a failing phase still leaves what it saw. Under Wine (whose
// ncrypt stubs NCryptOpenKey) the create phase works for RSA and the use
// phase fails typed: test/windows/wine.test.ts runs both.
import { spawnSync } from 'node:child_process'
import {
  constants,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  publicEncrypt,
  randomBytes,
  verify,
} from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'

const here = fileURLToPath(import.meta.url)
const root = resolve(dirname(here), '..')
const ALGS = {
  RSA: { algorithm: 'RSA', length: 2048 },
  ECDSA_P256: { algorithm: 'ECDSA_P256' },
  ECDH_P256: { algorithm: 'ECDH_P256' },
}
const USAGE = `usage:
  node scripts/windows-ksp-check.mjs [--scope user|machine] [--prefix P]
  node scripts/windows-ksp-check.mjs create NAME ${Object.keys(ALGS).join('|')} OUT.json [--scope S]
  node scripts/windows-ksp-check.mjs use NAME IN.json OUT.json [--scope S]`

class UsageError extends Error {}

function args(argv) {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        scope: { type: 'string', default: 'user' },
        prefix: { type: 'string', default: 'pk-ksp-check' },
        help: { type: 'boolean', short: 'h' },
      },
    })
  } catch (e) {
    throw new UsageError(e.message)
  }
  const { values, positionals } = parsed
  if (values.scope !== 'user' && values.scope !== 'machine') throw new UsageError(`--scope user|machine`)
  const [phase, ...rest] = positionals
  if (phase !== undefined && phase !== 'create' && phase !== 'use') {
    throw new UsageError(`unknown phase ${JSON.stringify(phase)}`)
  }
  if (rest.length !== (phase === undefined ? 0 : 3)) throw new UsageError(`${phase}: wrong number of arguments`)
  if (phase === 'create' && !(rest[1] in ALGS)) throw new UsageError(`unknown algorithm ${JSON.stringify(rest[1])}`)
  return { phase, rest, scope: values.scope, prefix: values.prefix, help: values.help === true }
}

const errorOf = (e) => ({ name: e?.name, code: e?.code, message: e?.message, status: e?.status })

async function api() {
  return import(pathToFileURL(join(root, 'dist', 'esm', 'index.js')).href)
}

// Phase 1 (its own process): make the key, write its public key.
async function create(name, alg, out, scope) {
  const pk = await api()
  const key = await pk.createKey({ name, store: 'software', scope, ...ALGS[alg] })
  try {
    const record = {
      name: key.name,
      store: key.store,
      scope: key.scope,
      algorithm: key.algorithm,
      length: key.length,
      provider: key.provider,
      extractable: key.extractable,
      publicPem: key.publicKey.export({ format: 'pem' }),
    }
    try {
      key.export({ format: 'pem' })
      record.privateExport = { threw: false }
    } catch (e) {
      record.privateExport = { threw: true, ...errorOf(e) }
    }
    writeFileSync(out, JSON.stringify(record, null, 2))
  } finally {
    key.destroy()
  }
}

// Phase 2 (another process): open by name and use it.
async function use(name, inFile, out, scope) {
  const pk = await api()
  const input = JSON.parse(readFileSync(inFile, 'utf8'))
  const key = await pk.openKey(name, { store: 'software', scope })
  try {
    const message = Buffer.from(input.message, 'hex')
    const record = { algorithm: key.algorithm, publicPem: key.publicKey.export({ format: 'pem' }) }
    if (key.algorithm === 'RSA' || key.algorithm === 'ECDSA_P256') {
      record.signature = Buffer.from(await key.sign(message)).toString('hex')
      record.jwt = await pk.signJwt(key, { sub: 'windows-ksp-check' }, { expiresIn: '5m' })
    }
    if (key.algorithm === 'RSA') {
      record.plaintext = Buffer.from(await key.decrypt(Buffer.from(input.oaep, 'hex'))).toString('hex')
    }
    if (key.algorithm === 'ECDH_P256') {
      const peer = await pk.importKey(input.peerJwk, { algorithm: 'ECDH' })
      record.secret = Buffer.from(await key.deriveBits(peer)).toString('hex')
    }
    writeFileSync(out, JSON.stringify(record, null, 2))
  } finally {
    key.destroy()
  }
}

function child(argv, out) {
  const r = spawnSync(process.execPath, [here, ...argv], { encoding: 'utf8' })
  let record
  try {
    record = JSON.parse(readFileSync(out, 'utf8'))
  } catch {
    record = undefined
  }
  if (r.status !== 0) {
    const why = record?.error ? `${record.error.code}: ${record.error.message}` : r.stderr || r.error?.message
    throw new Error(`${argv[0]} ${argv[1]} (a child process) failed: ${why}`)
  }
  return record
}

function check(ok, what) {
  if (!ok) throw new Error(`check failed: ${what}`)
  console.log(`ok - ${what}`)
}

async function expectCode(promise, code, what) {
  try {
    await promise
  } catch (e) {
    check(e?.code === code, `${what}: ${code} (got ${e?.code}: ${e?.message})`)
    return
  }
  check(false, `${what}: ${code} (it did not fail)`)
}

// Every phase, for every algorithm.
async function all(scope, prefix) {
  const pk = await api()
  const { importSPKI, jwtVerify } = await import('jose')
  const dir = mkdtempSync(join(tmpdir(), 'pk-ksp-'))
  const names = []
  try {
    for (const alg of Object.keys(ALGS)) {
      const name = `${prefix}-${alg.toLowerCase()}-${process.pid}`
      names.push(name)
      const made = child(
        ['create', name, alg, join(dir, `${alg}-made.json`), '--scope', scope],
        join(dir, `${alg}-made.json`),
      )
      check(made.algorithm === alg && made.store === 'software' && made.scope === scope, `${alg}: created ${name}`)
      check(made.provider === 'cng' && made.extractable === false, `${alg}: a non-extractable CNG key`)
      check(
        made.privateExport?.threw === true,
        `${alg}: its private part does not export (${made.privateExport?.code})`,
      )
      const publicKey = createPublicKey(made.publicPem)
      const message = randomBytes(64)
      const input = { message: message.toString('hex') }
      if (alg === 'RSA') {
        input.oaep = publicEncrypt(
          { key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
          message.subarray(0, 32),
        ).toString('hex')
      }
      let peer
      if (alg === 'ECDH_P256') {
        peer = generateKeyPairSync('ec', { namedCurve: 'P-256' })
        input.peerJwk = peer.publicKey.export({ format: 'jwk' })
      }
      writeFileSync(join(dir, `${alg}-in.json`), JSON.stringify(input))
      const used = child(
        ['use', name, join(dir, `${alg}-in.json`), join(dir, `${alg}-used.json`), '--scope', scope],
        join(dir, `${alg}-used.json`),
      )
      check(used.publicPem === made.publicPem, `${alg}: opened by name in a second process, the same public key`)
      if (alg === 'RSA') {
        check(
          verify('sha256', message, publicKey, Buffer.from(used.signature, 'hex')),
          'RSA: PKCS#1 signature verifies (node:crypto)',
        )
        check(
          used.plaintext === message.subarray(0, 32).toString('hex'),
          'RSA: node’s OAEP ciphertext decrypts in the store',
        )
      }
      if (alg === 'ECDSA_P256') {
        const sig = Buffer.from(used.signature, 'hex')
        check(sig.length === 64, 'ECDSA_P256: an r‖s signature of 64 bytes')
        check(
          verify('sha256', message, { key: publicKey, dsaEncoding: 'ieee-p1363' }, sig),
          'ECDSA_P256: signature verifies (node:crypto)',
        )
      }
      if (used.jwt) {
        const jwsAlg = alg === 'RSA' ? 'RS256' : 'ES256'
        const { payload } = await jwtVerify(used.jwt, await importSPKI(made.publicPem, jwsAlg))
        check(payload.sub === 'windows-ksp-check', `${alg}: the ${jwsAlg} JWT verifies (jose)`)
      }
      if (alg === 'ECDH_P256') {
        const expected = diffieHellman({ privateKey: peer.privateKey, publicKey })
        check(used.secret === expected.toString('hex'), 'ECDH_P256: the shared secret is node’s')
      }
      const listed = await pk.listKeys({ store: 'software', scope })
      check(
        listed.some((k) => k.name === name && k.algorithm === alg),
        `${alg}: listKeys shows ${name}`,
      )
      await expectCode(
        pk.createKey({ name, store: 'software', scope, ...ALGS[alg] }),
        'ERR_KEY_EXISTS',
        `${alg}: a second createKey`,
      )
      await pk.deleteKey(name, { store: 'software', scope })
      await expectCode(
        pk.openKey(name, { store: 'software', scope }),
        'ERR_KEY_NOT_FOUND',
        `${alg}: openKey after deleteKey`,
      )
      names.pop()
    }
    await expectCode(
      pk.deleteKey(`${prefix}-never-made-${process.pid}`, { store: 'software', scope }),
      'ERR_KEY_NOT_FOUND',
      'deleteKey of a name never made',
    )
  } finally {
    for (const name of names) await pk.deleteKey(name, { store: 'software', scope }).catch(() => {})
    rmSync(dir, { recursive: true, force: true })
  }
}

async function main() {
  let a
  try {
    a = args(process.argv.slice(2))
  } catch (e) {
    if (!(e instanceof UsageError)) throw e
    console.error(`windows-ksp-check: ${e.message}\n${USAGE}`)
    return 2
  }
  if (a.help) {
    console.log(USAGE)
    return 0
  }
  const out = a.phase === undefined ? undefined : a.rest[2]
  try {
    if (a.phase === 'create') await create(a.rest[0], a.rest[1], out, a.scope)
    else if (a.phase === 'use') await use(a.rest[0], a.rest[1], out, a.scope)
    else await all(a.scope, a.prefix)
    return 0
  } catch (e) {
    if (out) writeFileSync(out, JSON.stringify({ error: errorOf(e) }, null, 2))
    console.error(`windows-ksp-check: ${e?.code ? `${e.code}: ` : ''}${e?.message ?? e}`)
    return 1
  }
}

process.exitCode = await main()
