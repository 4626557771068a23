/**
 * What the sanitizer and valgrind drivers run: every algorithm this runtime
 * has, every export format of each key (private and public), destroy and use
 * after destroy, extractable: false, the native boundary's error paths, the
 * GC finalizer, worker teardown and process exit with work pending.
 *
 * Plain JavaScript against the built package (dist/esm), so it runs under
 * `node` with an instrumented addon preloaded (PLATFORM_KEYGEN_NATIVE) and no
 * test runner in between. Every check throws on failure.
 */
import * as nodeCrypto from 'node:crypto'
import { createPrivateKey, createPublicKey, diffieHellman, sign, verify } from 'node:crypto'
import { pathToFileURL } from 'node:url'

// PK_DIST_DIR: another build of dist/esm (e.g. a snapshot, while dist/ is being rebuilt).
const distDir = process.env.PK_DIST_DIR
  ? pathToFileURL(`${process.env.PK_DIST_DIR.replace(/\/$/, '')}/`)
  : new URL('../../dist/esm/', import.meta.url)
export const DIST = new URL('index.js', distDir).href
export const NATIVE = new URL('native.js', distDir).href

export function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`)
}

/** Runs fn and checks that it throws (or rejects) with `code`. */
export async function expectCode(fn, code, what) {
  try {
    await fn()
  } catch (err) {
    if (err?.code === code) return err
    throw new Error(`${what}: expected ${code}, got ${err?.code ?? err?.name}: ${err?.message}`)
  }
  throw new Error(`${what}: expected ${code}, nothing was thrown`)
}

/**
 * One spec per key shape this runtime can generate. `small` keeps RSA/DSA/DH
 * to the cheap sizes (valgrind runs everything 20-50x slower).
 */
export function specsFor(caps, { small = false } = {}) {
  const a = caps.algorithms
  const out = []
  if (a.RSA?.supported) {
    out.push({ algorithm: 'RSA', length: 1024 })
    if (!small) out.push({ algorithm: 'RSA', length: 2048 }, { algorithm: 'RSA', length: 576 })
  }
  if (a.DSA?.supported) {
    out.push({ algorithm: 'DSA', length: 1024 })
    if (!small) out.push({ algorithm: 'DSA', length: 2048 })
  }
  if (a.DH?.supported) {
    out.push({ algorithm: 'DH', length: 768 }) // a well-known group (RFC 2409)
    if (!small) out.push({ algorithm: 'DH', length: 512 }) // fresh safe-prime parameters
  }
  for (const id of ['ECDSA_P256', 'ECDSA_P384', 'ECDSA_P521', 'ECDH_P256', 'ECDH_P384', 'ECDH_P521']) {
    if (a[id]?.supported) out.push({ algorithm: id })
  }
  const named = { secP256k1: 'secp256k1', curve25519: 'X25519', curve448: 'X448', Ed25519: 'Ed25519', Ed448: 'Ed448' }
  for (const algorithm of ['ECDSA', 'ECDH', 'EdDSA']) {
    for (const c of a[algorithm]?.curves ?? []) out.push({ algorithm, curve: named[c] ?? c })
  }
  for (const algorithm of ['ML-DSA', 'ML-KEM']) {
    for (const set of a[algorithm]?.parameterSets ?? []) {
      out.push({ algorithm, parameterSet: set })
      const seed = new Uint8Array(algorithm === 'ML-DSA' ? 32 : 64).map((_, i) => i * 7 + 1)
      out.push({ algorithm, parameterSet: set, seed })
      if (algorithm === 'ML-KEM') out.push({ algorithm, parameterSet: set, noKeyValidation: true })
    }
  }
  return out
}

const PRIVATE_TYPES = {
  RSA: ['pkcs8', 'pkcs1'],
  ECDSA_P256: ['pkcs8', 'sec1'],
  ECDSA_P384: ['pkcs8', 'sec1'],
  ECDSA_P521: ['pkcs8', 'sec1'],
  ECDH_P256: ['pkcs8', 'sec1'],
  ECDH_P384: ['pkcs8', 'sec1'],
  ECDH_P521: ['pkcs8', 'sec1'],
}

function privateTypes(k) {
  if (PRIVATE_TYPES[k.algorithm]) return PRIVATE_TYPES[k.algorithm]
  if (k.curve === 'secp256k1') return ['pkcs8', 'sec1']
  return ['pkcs8']
}

const NO_JWK = new Set(['DSA', 'DH'])
const OPENSSH = new Set(['RSA', 'ECDSA_P256', 'ECDSA_P384', 'ECDSA_P521'])

/** A sign/verify or agreement round trip through node:crypto, where node has the algorithm. */
function works(k, priv, pub) {
  const msg = Buffer.from('platform-keygen sanitizer run')
  const kind = priv.asymmetricKeyType
  if (['rsa', 'ec', 'ed25519', 'ed448', 'dsa', 'ml-dsa-44', 'ml-dsa-65', 'ml-dsa-87'].includes(kind)) {
    if (kind === 'ec' && k.algorithm.startsWith('ECDH')) return diffieHellman({ privateKey: priv, publicKey: pub })
    const hash = kind === 'ed25519' || kind === 'ed448' || kind.startsWith('ml-dsa') ? null : 'sha256'
    const sig = sign(hash, msg, priv)
    check(verify(hash, msg, pub, sig), `${k.algorithm} signature verifies`)
    return sig
  }
  if (kind === 'x25519' || kind === 'x448' || kind === 'dh') {
    return diffieHellman({ privateKey: priv, publicKey: pub })
  }
  if (kind.startsWith('ml-kem') && typeof nodeCrypto.encapsulate === 'function') {
    const { sharedKey, ciphertext } = nodeCrypto.encapsulate(pub)
    check(nodeCrypto.decapsulate(priv, ciphertext).equals(sharedKey), `${k.algorithm} decapsulates`)
    return sharedKey
  }
  throw new Error(`no round trip for ${kind}`)
}

/**
 * Exports a key in every format it has (and asks for the ones it has not,
 * which must be typed errors); returns how many exports were made.
 */
export async function exportEverything(k) {
  let n = 0
  const pub = k.publicKey
  for (const type of privateTypes(k)) {
    const pem = k.export({ format: 'pem', type })
    const der = k.export({ format: 'der', type })
    check(pem.startsWith('-----BEGIN ') && der.length > 0, `${k.algorithm} private ${type}`)
    n += 2
  }
  k.export({ format: 'blob' })
  n++
  if (k.algorithm === 'ML-DSA' || k.algorithm === 'ML-KEM') {
    k.export({ format: 'blob', type: 'seed' })
    n++
  } else {
    await expectCode(() => k.export({ format: 'blob', type: 'seed' }), 'ERR_UNSUPPORTED_FORMAT', 'seed blob')
  }
  if (NO_JWK.has(k.algorithm)) {
    await expectCode(() => k.export({ format: 'jwk' }), 'ERR_UNSUPPORTED_FORMAT', `${k.algorithm} jwk`)
    await expectCode(() => pub.export({ format: 'jwk' }), 'ERR_UNSUPPORTED_FORMAT', `${k.algorithm} public jwk`)
  } else {
    k.export({ format: 'jwk' })
    pub.export({ format: 'jwk' })
    pub.thumbprint()
    n += 3
  }
  pub.export({ format: 'pem' })
  pub.export({ format: 'der' })
  pub.export({ format: 'blob' })
  n += 3
  if (k.algorithm === 'RSA') {
    pub.export({ format: 'pem', type: 'pkcs1' })
    n++
  }
  if (OPENSSH.has(k.algorithm) || k.curve === 'Ed25519') {
    pub.export({ format: 'openssh', comment: 'sanitizer' })
    n++
  } else {
    await expectCode(() => pub.export({ format: 'openssh' }), 'ERR_UNSUPPORTED_FORMAT', `${k.algorithm} openssh`)
  }
  const priv = k.toKeyObject()
  const pubKo = pub.toKeyObject()
  n += 2
  works(k, priv, pubKo)
  // the PEM forms import into node:crypto as the same key
  const again = createPrivateKey(k.export({ format: 'pem' }))
  check(again.equals(priv), `${k.algorithm} pkcs8 PEM is the same key`)
  check(createPublicKey(pub.export({ format: 'pem' })).equals(pubKo), `${k.algorithm} SPKI PEM is the same key`)
  return n + 2
}

/** Every key shape: generate, export everything, extractable:false, destroy twice, use after destroy. */
export async function everyAlgorithm(pk, { small = false, rounds = 1 } = {}) {
  const specs = specsFor(pk.capabilities(), { small })
  let keys = 0
  let exports = 0
  for (let round = 0; round < rounds; round++) {
    for (const spec of specs) {
      const k = await pk.generateKey(spec)
      keys++
      exports += await exportEverything(k)
      k.destroy()
      k.destroy()
      await expectCode(() => k.export({ format: 'blob' }), 'ERR_KEY_DESTROYED', 'export after destroy')
      if (round === 0) {
        const locked = await pk.generateKey({ ...spec, extractable: false })
        keys++
        locked.publicKey.export({ format: 'blob' })
        for (const o of [{ format: 'jwk' }, { format: 'pem' }, { format: 'der' }, { format: 'blob' }]) {
          if (o.format === 'jwk' && NO_JWK.has(spec.algorithm)) continue
          await expectCode(() => locked.export(o), 'ERR_NOT_EXTRACTABLE', `${spec.algorithm} locked ${o.format}`)
        }
        locked.destroy()
      }
    }
  }
  return { specs: specs.length, keys, exports }
}

/** The native boundary's refusals, called on the raw binding (what TypeScript would have stopped). */
export async function nativeErrorPaths(binding) {
  const bad = [
    [undefined, 'ERR_INVALID_REQUEST'],
    [1e9, 'ERR_INVALID_REQUEST'], // a prepared-spec id that does not exist
    [-1, 'ERR_INVALID_REQUEST'],
    [0.5, 'ERR_INVALID_REQUEST'],
    [{}, 'ERR_INVALID_REQUEST'],
    [{ algorithm: 7, length: 0 }, 'ERR_INVALID_REQUEST'],
    [{ algorithm: 'x'.repeat(65), length: 0 }, 'ERR_INVALID_REQUEST'],
    [{ algorithm: 'RSA', length: -1 }, 'ERR_KEY_LENGTH'],
    [{ algorithm: 'RSA', length: 2047 }, 'ERR_KEY_LENGTH'],
    [{ algorithm: 'RSA', length: 1.5 }, 'ERR_KEY_LENGTH'],
    [{ algorithm: 'RSA', length: 16448 }, 'ERR_KEY_LENGTH'],
    [{ algorithm: 'RSA', length: '2048' }, 'ERR_KEY_LENGTH'],
    [{ algorithm: 'DSA', length: 4096 }, 'ERR_KEY_LENGTH'],
    [{ algorithm: 'DSA', length: 512 }, 'ERR_NOT_SUPPORTED_ON_PLATFORM'],
    [{ algorithm: 'DH', length: 100 }, 'ERR_KEY_LENGTH'],
    [{ algorithm: 'NOPE', length: 0 }, 'ERR_UNSUPPORTED_ALGORITHM'],
    [{ algorithm: 'ECDSA', curve: 'nistP999', length: 0 }, 'ERR_UNSUPPORTED_ALGORITHM'],
    [{ algorithm: 'ECDSA', curve: 5, length: 0 }, 'ERR_INVALID_REQUEST'],
    [{ algorithm: 'ML-KEM', parameterSet: '999', length: 0 }, 'ERR_UNSUPPORTED_ALGORITHM'],
    [{ algorithm: 'RSA', length: 1024, seed: new Uint8Array(32) }, 'ERR_INVALID_REQUEST'],
    [{ algorithm: 'RSA', length: 1024, seed: new Uint16Array(4) }, 'ERR_INVALID_REQUEST'],
    [{ algorithm: 'RSA', length: 1024, seed: new Uint8Array(0) }, 'ERR_INVALID_REQUEST'],
    [{ algorithm: 'RSA', length: 1024, seed: new Uint8Array(65) }, 'ERR_INVALID_REQUEST'],
    [{ algorithm: 'RSA', length: 1024, extractable: 1 }, 'ERR_INVALID_REQUEST'],
    [{ algorithm: 'RSA', length: 1024, noKeyValidation: 'yes' }, 'ERR_INVALID_REQUEST'],
  ]
  for (const [spec, code] of bad) {
    await expectCode(() => binding.generate(spec), code, `native generate(${JSON.stringify(spec)})`)
  }
  const handle = await binding.generate({ algorithm: 'ECDSA_P256', length: 256, extractable: true })
  const Ctor = handle.constructor
  for (const args of [[], [{}], [handle], [Symbol('x')]]) {
    await expectCode(() => new Ctor(...args), 'ERR_INVALID_REQUEST', 'new NativeKey()')
  }
  for (const kind of ['secret', undefined, 5, 'seed']) {
    const code = kind === 'seed' ? 'ERR_INVALID_REQUEST' : 'ERR_INVALID_REQUEST'
    await expectCode(() => handle.exportBlob(kind), code, `exportBlob(${String(kind)})`)
  }
  handle.destroy()
  await expectCode(() => handle.exportBlob('public'), 'ERR_KEY_DESTROYED', 'raw exportBlob after destroy')
  handle.destroy()
  check(handle.destroyed === true, 'destroyed after destroy')
  // the prototype's methods on objects that are not live keys
  const proto = Object.getPrototypeOf(handle)
  for (const other of [{}, [], Object.create(proto), handle]) {
    await expectCode(() => proto.exportBlob.call(other, 'public'), 'ERR_KEY_DESTROYED', 'exportBlob on a non-key')
    proto.destroy.call(other)
  }
  // generateSync and prepared specs: the same checks, on the calling thread
  for (const [spec, code] of bad) {
    await expectCode(() => binding.generateSync(spec), code, `native generateSync(${JSON.stringify(spec)})`)
  }
  await expectCode(
    () => binding.prepare({ algorithm: 'RSA', length: 1024, seed: new Uint8Array(32) }),
    'ERR_INVALID_REQUEST',
    'prepare() with a seed',
  )
  const id = binding.prepare({ algorithm: 'EdDSA', curve: 'Ed25519', length: 255, extractable: true })
  const sync = binding.generateSync(id)
  check(sync.exportBlob('private').length > 0, 'a prepared spec generates')
  sync.destroy()
  for (const k of await binding.generateBatch(id, 3)) k.destroy()
  for (const n of [-1, 1.5, 2 ** 20 + 1, Number.NaN, '8']) {
    await expectCode(() => binding.randomBytes(n), 'ERR_INVALID_REQUEST', `randomBytes(${String(n)})`)
  }
  check(binding.randomBytes(0).length === 0, 'randomBytes(0)')
  check(binding.randomBytes(2 ** 20).length === 2 ** 20, 'randomBytes(1 MiB)')
  binding.capabilities()
  return 2 * bad.length + 4 + 4 + 1 + 4 + 1 + 5
}

/** Generates `count` keys and drops them; collects until the finalizers ran. Returns the live counts. */
export async function dropToGc(pk, binding, count) {
  const base = binding.liveHandles().process
  const batch = 500
  for (let i = 0; i < count; i += batch) {
    const n = Math.min(batch, count - i)
    await Promise.all(Array.from({ length: n }, () => pk.generateKey({ algorithm: 'ECDSA_P256' })))
  }
  for (let i = 0; i < 200 && binding.liveHandles().process > base; i++) {
    globalThis.gc()
    await new Promise((r) => setImmediate(r))
  }
  const after = binding.liveHandles().process
  check(after === base, `GC released every handle (base ${base}, after ${after})`)
  return { base, after }
}

/** A worker that holds keys when it is terminated, and one terminated mid RSA generation. */
export async function workers(binding, { rsaBits = 4096 } = {}) {
  const { Worker } = await import('node:worker_threads')
  const base = binding.liveHandles().process
  const code = `(async () => {
    const pk = await import(${JSON.stringify(DIST)})
    const { parentPort, workerData } = await import('node:worker_threads')
    globalThis.keep = []
    for (let i = 0; i < 10; i++) globalThis.keep.push(await pk.generateKey({ algorithm: 'EdDSA', curve: 'Ed25519' }))
    globalThis.keep[0].export({ format: 'jwk' })
    globalThis.keep[1].destroy()
    parentPort.postMessage('held')
    for (let i = 0; i < 4; i++) pk.generateKey({ algorithm: 'RSA', length: workerData.rsaBits }).then((k) => globalThis.keep.push(k))
    setInterval(() => {}, 1000)
  })()`
  const w = new Worker(code, { eval: true, workerData: { rsaBits } })
  await new Promise((resolve, reject) => {
    w.once('message', resolve)
    w.once('error', reject)
  })
  const during = binding.liveHandles().process
  check(during - base === 9, `worker holds 9 keys (got ${during - base})`)
  await w.terminate()
  // A generation still on the threadpool finishes there and is dropped with its env.
  for (let i = 0; i < 600 && binding.liveHandles().process > base; i++) await new Promise((r) => setTimeout(r, 50))
  const after = binding.liveHandles().process
  check(after === base, `worker teardown released its keys (base ${base}, after ${after})`)
  return { during: during - base, after: after - base }
}
