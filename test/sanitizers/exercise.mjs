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
    if (!small) out.push({ algorithm: 'RSA', length: 1024, publicExponent: 3 }) // a generation option
  }
  if (a.DSA?.supported) {
    out.push({ algorithm: 'DSA', length: 1024 })
    if (!small) out.push({ algorithm: 'DSA', length: 2048 }, { algorithm: 'DSA', length: 2048, divisorLength: 224 })
  }
  if (a.DH?.supported) {
    out.push({ algorithm: 'DH', length: 768 }) // a well-known group (RFC 2409)
    if (!small) out.push({ algorithm: 'DH', length: 512 }) // fresh safe-prime parameters
    if (!small) out.push({ algorithm: 'DH', group: 'modp14' }, { algorithm: 'DH', group: 'ffdhe2048' }) // named groups
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
        // the bulk export path: keys made, exported and freed on the threadpool, no handle
        const fast = !['RSA', 'DSA', 'DH'].includes(spec.algorithm) && spec.seed === undefined
        const out = await pk.generateKeys(spec, fast ? 3 : 1, { format: NO_JWK.has(spec.algorithm) ? 'pem' : 'jwk' })
        keys += out.length
        exports += out.length
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
    [{ algorithm: 'RSA', length: 1024, publicExponent: 4 }, 'ERR_INVALID_REQUEST'],
    [{ algorithm: 'RSA', length: 1024, publicExponent: 2 ** 32 }, 'ERR_INVALID_REQUEST'],
    [{ algorithm: 'RSA', length: 1024, publicExponent: '3' }, 'ERR_INVALID_REQUEST'],
    [{ algorithm: 'DH', length: 2048, group: 'x'.repeat(65) }, 'ERR_INVALID_REQUEST'],
    [{ algorithm: 'DH', length: 2048, group: 'ffdhe9999' }, 'ERR_INVALID_REQUEST'],
    [{ algorithm: 'DH', length: 3072, group: 'modp14' }, 'ERR_KEY_LENGTH'],
    [{ algorithm: 'DSA', length: 3072, divisorLength: 224 }, 'ERR_KEY_LENGTH'],
    [{ algorithm: 'ECDSA_P256', length: 256, divisorLength: 256 }, 'ERR_INVALID_REQUEST'],
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
  const blobs = await binding.generateBlobs(id, 3, 'pu')
  check(blobs.readUInt32LE(0) > 0, 'generateBlobs')
  blobs.fill(0)
  for (const [n, kinds] of [
    [0, 'p'],
    [2, 'q'],
    [2, ''],
  ]) {
    await expectCode(
      () => binding.generateBlobs(id, n, kinds),
      'ERR_INVALID_REQUEST',
      `generateBlobs(${n}, '${kinds}')`,
    )
  }
  for (const n of [-1, 1.5, 2 ** 20 + 1, Number.NaN, '8']) {
    await expectCode(() => binding.randomBytes(n), 'ERR_INVALID_REQUEST', `randomBytes(${String(n)})`)
  }
  check(binding.randomBytes(0).length === 0, 'randomBytes(0)')
  check(binding.randomBytes(2 ** 20).length === 2 ** 20, 'randomBytes(1 MiB)')
  binding.capabilities()
  return 2 * bad.length + 4 + 4 + 1 + 4 + 1 + 5 + 4
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

/** The key operations of one key (issue 14): what it can do, both ways, and the refusals of what it cannot. */
async function operateOn(k, peerOf) {
  const msg = Buffer.from('platform-keygen sanitizer operations')
  const pub = k.publicKey
  let n = 0
  const a = k.algorithm
  if (a === 'RSA') {
    for (const o of [
      { hash: 'SHA-256' },
      { hash: 'SHA-256', padding: 'pss' },
      { hash: 'SHA-384', padding: 'pss', saltLength: 0 },
    ]) {
      const sig = await k.sign(msg, o)
      check(await pub.verify(msg, sig, o), `RSA ${JSON.stringify(o)} verifies`)
      sig[0] ^= 1
      check(!pub.verifySync(msg, sig, o), 'RSA flipped signature does not verify')
      n += 3
    }
    for (const o of [{}, { hash: 'SHA-1', label: Buffer.from('l') }, { padding: 'pkcs1' }]) {
      const ct = await pub.encrypt(msg.subarray(0, 4), o)
      if (o.padding === 'pkcs1') {
        await expectCode(() => k.decrypt(ct, o), 'ERR_UNSUPPORTED_OPERATION', 'PKCS#1 decryption refused')
        await k.decrypt(ct, { ...o, allowPkcs1Decrypt: true }).then(
          (pt) => check(Buffer.from(pt).equals(msg.subarray(0, 4)), 'PKCS#1 with implicit rejection decrypts'),
          (err) => check(err.code === 'ERR_NOT_SUPPORTED_ON_PLATFORM', 'no implicit rejection before OpenSSL 3.2'),
        )
      } else {
        check(Buffer.from(k.decryptSync(ct, o)).equals(msg.subarray(0, 4)), 'OAEP round trip')
        ct[5] ^= 1
        await expectCode(() => k.decrypt(ct, o), 'ERR_DECRYPTION_FAILED', 'a modified OAEP ciphertext')
      }
      n += 2
    }
  } else if (a.startsWith('ECDSA') || a === 'DSA' || a === 'EdDSA' || a === 'ML-DSA') {
    const opts = a.startsWith('ECDSA') || a === 'DSA' ? [{}, { signatureEncoding: 'der' }] : [{}]
    if (a === 'ML-DSA') opts.push({ context: Buffer.from('ctx') })
    for (const o of opts) {
      const sig = k.signSync(msg, o)
      check(pub.verifySync(msg, sig, o), `${a} verifies`)
      check(!(await pub.verify(Buffer.from('other'), sig, o)), `${a} does not verify another message`)
      check(!(await pub.verify(msg, sig.subarray(1), o)), `${a} does not verify a truncated signature`)
      n += 3
    }
    await expectCode(() => k.deriveBits(pub), 'ERR_UNSUPPORTED_OPERATION', `${a} cannot derive`)
  } else if (a === 'ML-KEM') {
    const { ciphertext, sharedSecret } = await pub.encapsulate()
    check(Buffer.from(await k.decapsulate(ciphertext)).equals(Buffer.from(sharedSecret)), 'ML-KEM round trip')
    const s = pub.encapsulateSync()
    check(Buffer.from(k.decapsulateSync(s.ciphertext)).equals(Buffer.from(s.sharedSecret)), 'ML-KEM sync round trip')
    await expectCode(() => k.decapsulate(ciphertext.subarray(1)), 'ERR_INVALID_REQUEST', 'short ML-KEM ciphertext')
    n += 3
  } else {
    // DH, ECDH, X25519, X448
    // DH with fresh parameters has no second key of its group: it agrees with itself
    const peer = (await peerOf()) ?? k
    const s1 = await k.deriveBits(peer.publicKey)
    const s2 = peer.deriveBitsSync(pub)
    check(Buffer.from(s1).equals(Buffer.from(s2)), `${a} agreement`)
    if (peer !== k) peer.destroy()
    await expectCode(() => k.sign(msg), 'ERR_UNSUPPORTED_OPERATION', `${a} cannot sign`)
    n += 2
  }
  return n
}

/**
 * Every operation of every key shape, on extractable: false keys and on keys
 * imported from every material form (JWK, DER, blob); operations in flight
 * when the key is destroyed; the operations' native error paths.
 */
export async function everyOperation(pk, binding, { small = false } = {}) {
  const specs = specsFor(pk.capabilities(), { small }).filter((s) => !s.seed && !s.noKeyValidation)
  let ops = 0
  let imports = 0
  for (const spec of specs) {
    const locked = await pk.generateKey({ ...spec, extractable: false })
    const peerOf = async () =>
      spec.algorithm === 'DH' && spec.length === 512 ? undefined : pk.generateKey({ ...spec, extractable: false })
    ops += await operateOn(locked, peerOf)
    // the same key material imported: private (blob / DER / JWK) and public
    const open = await pk.generateKey(spec)
    const forms = [open.export({ format: 'blob' }), open.export({ format: 'der' })]
    if (!NO_JWK.has(spec.algorithm)) forms.push(open.export({ format: 'jwk' }))
    for (const form of forms) {
      const hints = {
        ...(spec.algorithm.startsWith('ECDH') ? { algorithm: 'ECDH' } : {}),
        ...(spec.curve ? { curve: spec.curve } : {}),
      }
      const again = await pk.importKey(form, { extractable: false, ...hints })
      imports++
      ops += await operateOn(again, peerOf)
      again.destroy()
    }
    const pubAgain = pk.importKeySync(
      open.publicKey.export({ format: 'der' }),
      spec.algorithm.startsWith('ECDH') ? { algorithm: 'ECDH' } : {},
    )
    check(pubAgain instanceof pk.PublicKey, 'public material imports as a PublicKey')
    imports++
    open.destroy()
    // destroy() with operations in flight: they finish, then the handle is freed
    if (spec.algorithm === 'ECDSA_P256' || spec.algorithm === 'RSA') {
      const p = Array.from({ length: 8 }, () => locked.sign(Buffer.from('in flight')))
      locked.destroy()
      for (const sig of await Promise.all(p))
        check(locked.publicKey.verifySync(Buffer.from('in flight'), sig), 'in-flight signature')
      ops += 8
    }
    locked.destroy()
    const after =
      spec.algorithm === 'ML-KEM'
        ? () => locked.decapsulate(Buffer.alloc(8))
        : spec.algorithm === 'DH' || spec.algorithm.startsWith('ECDH')
          ? () => locked.deriveBits(locked.publicKey)
          : () => locked.sign(Buffer.from('x'))
    await expectCode(after, 'ERR_KEY_DESTROYED', `${spec.algorithm} operation after destroy`)
  }
  // the native boundary of the operations, called raw
  const h = await binding.generate({ algorithm: 'ECDSA_P256', length: 256, extractable: false })
  const peer = await binding.generate({ algorithm: 'ECDH_P256', length: 256, extractable: false })
  const data = Buffer.from('x')
  const bad = [
    [() => h.signSync(5, data), 'ERR_INVALID_REQUEST'],
    [() => h.signSync({ hash: 'MD5' }, data), 'ERR_INVALID_REQUEST'],
    [() => h.sign({}, data), 'ERR_INVALID_REQUEST'],
    [() => h.sign({ hash: 'SHA-256' }, new Uint16Array(2)), 'ERR_INVALID_REQUEST'],
    [() => h.signSync({ context: new Uint8Array(256) }, data), 'ERR_INVALID_REQUEST'],
    [() => h.verifySync({ hash: 'SHA-256' }, data, new Uint8Array(2 ** 20 + 1)), 'ERR_INVALID_REQUEST'],
    [() => h.deriveSync(peer), 'ERR_UNSUPPORTED_OPERATION'],
    [() => peer.derive({}), 'ERR_INVALID_REQUEST'],
    [() => h.encryptSync({ hash: 'SHA-256' }, data), 'ERR_UNSUPPORTED_OPERATION'],
    [() => h.decapsulate(data), 'ERR_UNSUPPORTED_OPERATION'],
    [() => h.encapsulateSync(), 'ERR_UNSUPPORTED_OPERATION'],
    [() => Object.getPrototypeOf(h).sign.call({}, {}, data), 'ERR_KEY_DESTROYED'],
    [
      () => binding.importKeySync({ algorithm: 'RSA', length: 0, extractable: true }, 'secret', data),
      'ERR_INVALID_REQUEST',
    ],
    [
      () =>
        binding.importKey({ algorithm: 'RSA', length: 0, extractable: true }, 'public', Buffer.from('RSA1', 'latin1')),
      'ERR_INVALID_BLOB',
    ],
    [
      () =>
        binding.importKeySync(
          { algorithm: 'ECDSA_P256', length: 256, extractable: true },
          'private',
          h.exportBlob('public'),
        ),
      'ERR_INVALID_BLOB',
    ],
    [
      () =>
        binding.importKeySync(
          { algorithm: 'ECDSA_P256', length: 256, extractable: true },
          'public',
          Buffer.concat([h.exportBlob('public').subarray(0, 8), Buffer.alloc(64, 1)]),
        ),
      'ERR_INVALID_KEY',
    ],
  ]
  for (const [fn, code] of bad) await expectCode(fn, code, `native operation ${fn}`)
  const pending = h.sign({ hash: 'SHA-256' }, data)
  h.destroy()
  check((await pending).length === 64, 'a raw operation in flight survives destroy()')
  peer.destroy()
  return { specs: specs.length, ops, imports, nativeErrors: bad.length }
}

/**
 * After everyOperation has returned: the public keys' own handles (made for
 * verify / encrypt / peers) are released by the GC only; collects until the
 * live count is back to `base`.
 */
export async function releasedByGc(binding, base) {
  for (let i = 0; i < 200 && binding.liveHandles().process > base; i++) {
    globalThis.gc()
    await new Promise((r) => setImmediate(r))
  }
  const after = binding.liveHandles().process
  check(after === base, `the operations released every handle (base ${base}, after ${after})`)
  return after
}
