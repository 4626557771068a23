/** JwkStore: a JWK set in a file — atomic, locked, corrupt-safe, optionally encrypted at rest. */
import { execFileSync, spawn } from 'node:child_process'
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as jose from 'jose'
import { afterAll, describe, expect, it } from 'vitest'
import { type GenerateJwkResult, generateJwk } from '../src/apinizer/index.js'
import { StoreCorruptError } from '../src/errors.js'
import { JwkStore } from '../src/store/index.js'
import { processStartTime } from '../src/store/lock.js'
import { expectCode } from './helpers.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'pk-store-'))
  dirs.push(d)
  return d
}

const ec = (name: string, extra: Record<string, unknown> = {}) =>
  generateJwk({ name, type: 'EC', ec: { curveType: 'P256', algorithm: 'ES256', keyIdType: 'SHA256', ...extra } })
const oct = (name: string) =>
  generateJwk({ name, type: 'OCT', oct: { keySize: 256, algorithm: 'HS256', keyIdType: 'SHA256' } })

const PRIVATE = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'priv']

describe('JwkStore: add, get, has, list, remove, publicJwks', () => {
  it('keeps what was added, in order; get gives the private JWK back; list and publicJwks never do', async () => {
    const dir = tempDir()
    const store = new JwkStore(join(dir, 'jwks.json'))
    expect(await store.list()).toEqual([])
    expect(await store.publicJwks()).toEqual({ keys: [] })
    const a = await ec('a')
    const b = await generateJwk({
      name: 'b',
      type: 'RSA',
      rsa: { keySize: 2048, algorithm: 'PS256', keyIdType: 'SHA256' },
    })
    const c = await oct('c')
    const d = await generateJwk({ name: 'd', type: 'OKP', okp: { curveType: 'X25519', keyIdType: 'SHA1' } })
    for (const r of [a, b, c, d]) await store.add(r)
    expect(await store.has('a')).toBe(true)
    expect(await store.has('zzz')).toBe(false)
    const list = await store.list()
    expect(list.map((e) => e.name)).toEqual(['a', 'b', 'c', 'd'])
    expect(list.map((e) => e.kid)).toEqual([a, b, c, d].map((r) => r.privateJwk.kid))
    expect(list[2]?.publicJwk).toBeNull()
    for (const e of list) {
      expect(e.encrypted).toBe(false)
      for (const m of PRIVATE) expect(e.publicJwk?.[m]).toBeUndefined()
      expect(e).not.toHaveProperty('privateJwk')
    }
    expect((await store.get('b')).privateJwk).toEqual(b.privateJwk)
    expect((await store.get('c')).privateJwk).toEqual(c.privateJwk)
    expect((await store.get('a')).metadata).toEqual(a.metadata)

    const jwks = await store.publicJwks()
    expect(jwks.keys).toEqual([a.publicJwk, b.publicJwk, d.publicJwk])
    for (const k of jwks.keys) for (const m of PRIVATE) expect(k[m]).toBeUndefined()

    await store.remove('b')
    expect((await store.list()).map((e) => e.name)).toEqual(['a', 'c', 'd'])
    expect(await new JwkStore(join(dir, 'jwks.json')).has('b')).toBe(false)
  })

  it('publicJwks serves as jwks.json: jose verifies a token signed with the stored private key', async () => {
    const store = new JwkStore(join(tempDir(), 'jwks.json'))
    await store.add(await ec('signer'))
    await store.add(await ec('other'))
    const { privateJwk } = await store.get('signer')
    const key = await jose.importJWK(privateJwk as jose.JWK)
    const jwt = await new jose.SignJWT({ sub: 'x' })
      .setProtectedHeader({ alg: 'ES256', kid: privateJwk.kid as string })
      .sign(key)
    const jwks = jose.createLocalJWKSet((await store.publicJwks()) as jose.JSONWebKeySet)
    const { payload } = await jose.jwtVerify(jwt, jwks)
    expect(payload.sub).toBe('x')
  })

  it('a name already there → Apinizer\'s "is already exist!" message; a kid already there → ERR_INVALID_REQUEST', async () => {
    const store = new JwkStore(join(tempDir(), 'jwks.json'))
    const first = await ec('dup')
    await store.add(first)
    const again = await expectCode(
      () => store.add({ ...first, privateJwk: { ...first.privateJwk, kid: 'new' } }),
      'ERR_INVALID_REQUEST',
    )
    expect(again.message).toBe('JWK (name: dup) is already exist! Try update operation if want to change its value.')
    const sameKid = await expectCode(
      () => store.add({ ...first, metadata: { ...first.metadata, name: 'dup2' } }),
      'ERR_INVALID_REQUEST',
    )
    expect(sameKid.message).toMatch(/is already used by JWK \(name: dup\)/)
    expect((await store.list()).map((e) => e.name)).toEqual(['dup'])
  })

  it('an unknown name → Apinizer\'s "is not found!" message', async () => {
    const store = new JwkStore(join(tempDir(), 'jwks.json'))
    expect((await expectCode(() => store.get('nope'), 'ERR_INVALID_REQUEST')).message).toBe(
      'JWK (name: nope) is not found!',
    )
    expect((await expectCode(() => store.remove('nope'), 'ERR_INVALID_REQUEST')).message).toBe(
      'JWK (name: nope) is not found!',
    )
    await store.add(await oct('one'))
    await expectCode(() => store.remove('nope'), 'ERR_INVALID_REQUEST')
    expect(await store.has('one')).toBe(true)
  })

  it('bad arguments → ERR_INVALID_REQUEST', async () => {
    const dir = tempDir()
    await expectCode(() => new JwkStore(''), 'ERR_INVALID_REQUEST')
    await expectCode(() => new JwkStore(5 as never), 'ERR_INVALID_REQUEST')
    await expectCode(() => new JwkStore(join(dir, 's'), { lockMs: 5 } as never), 'ERR_INVALID_REQUEST')
    await expectCode(() => new JwkStore(join(dir, 's'), { iterations: 599_999 }), 'ERR_INVALID_REQUEST')
    await expectCode(() => new JwkStore(join(dir, 's'), { iterations: 10_000_001 }), 'ERR_INVALID_REQUEST')
    await expectCode(() => new JwkStore(join(dir, 's'), { passphrase: '' }), 'ERR_INVALID_REQUEST')
    await expectCode(() => new JwkStore(join(dir, 's'), { passphrase: 42 as never }), 'ERR_INVALID_REQUEST')
    await expectCode(() => new JwkStore(join(dir, 's'), { lockTimeoutMs: -1 }), 'ERR_INVALID_REQUEST')
    const store = new JwkStore(join(dir, 's'))
    await expectCode(() => store.add(null as never), 'ERR_INVALID_REQUEST')
    await expectCode(() => store.add({ privateJwk: { kty: 'oct' }, publicJwk: null } as never), 'ERR_INVALID_REQUEST')
    const nameless = await expectCode(
      () => store.add({ privateJwk: { kty: 'oct', k: 'AA' }, publicJwk: null, metadata: { name: '' } }),
      'ERR_INVALID_REQUEST',
    )
    expect(nameless.message).toBe('JWK name can not be empty!')
    await expectCode(
      () => store.add({ privateJwk: { k: 'AA' } as never, publicJwk: null, metadata: { name: 'x' } }),
      'ERR_INVALID_REQUEST',
    )
    await expectCode(
      () => store.add({ privateJwk: { kty: 'oct', k: 'AA' }, publicJwk: 'x' as never, metadata: { name: 'x' } }),
      'ERR_INVALID_REQUEST',
    )
    expect(existsSync(join(dir, 's'))).toBe(false)
  })
})

describe('JwkStore: the file', () => {
  it.skipIf(process.platform === 'win32')(
    'is created 0600, even with a umask of 0, and stays 0600 after rewrites',
    async () => {
      const dir = tempDir()
      const path = join(dir, 'jwks.json')
      const old = process.umask(0)
      try {
        const store = new JwkStore(path)
        await store.add(await oct('a'))
        expect(statSync(path).mode & 0o777).toBe(0o600)
        chmodSync(path, 0o644)
        await store.add(await oct('b'))
        expect(statSync(path).mode & 0o777).toBe(0o600)
        await store.remove('a')
        expect(statSync(path).mode & 0o777).toBe(0o600)
      } finally {
        process.umask(old)
      }
    },
  )

  it('leaves no temp or lock files behind, and is pretty JSON in the documented layout', async () => {
    const dir = tempDir()
    const store = new JwkStore(join(dir, 'jwks.json'))
    await store.add(await oct('a'))
    await store.add(await ec('b'))
    await store.remove('a')
    expect(readdirSync(dir)).toEqual(['jwks.json'])
    const file = JSON.parse(readFileSync(join(dir, 'jwks.json'), 'utf8'))
    expect(file).toMatchObject({ format: 'platform-keygen/jwk-store', version: 1, protection: 'none' })
    expect(file.entries).toHaveLength(1)
    expect(Object.keys(file.entries[0]).sort()).toEqual(['metadata', 'name', 'privateJwk', 'publicJwk'])
  })

  const CORRUPT: Record<string, string> = {
    'not JSON': 'this is not json',
    'an empty file': '',
    'truncated JSON': '{"format":"platform-keygen/jwk-store","version":1,"protection":"none","entries":[{"name":"a"',
    'a JSON array': '[]',
    'another format': JSON.stringify({ keys: [] }),
    'an unknown version': JSON.stringify({
      format: 'platform-keygen/jwk-store',
      version: 3,
      protection: 'none',
      entries: [],
    }),
    'entries not an array': JSON.stringify({
      format: 'platform-keygen/jwk-store',
      version: 1,
      protection: 'none',
      entries: {},
    }),
    'a duplicate name': JSON.stringify({
      format: 'platform-keygen/jwk-store',
      version: 1,
      protection: 'none',
      entries: [
        { name: 'a', metadata: {}, publicJwk: null, privateJwk: { kty: 'oct', k: 'AA' } },
        { name: 'a', metadata: {}, publicJwk: null, privateJwk: { kty: 'oct', k: 'AQ' } },
      ],
    }),
    'a private JWK missing': JSON.stringify({
      format: 'platform-keygen/jwk-store',
      version: 1,
      protection: 'none',
      entries: [{ name: 'a', metadata: {}, publicJwk: null }],
    }),
    'an encrypted store without its check': JSON.stringify({
      format: 'platform-keygen/jwk-store',
      version: 1,
      protection: 'jwe',
      entries: [],
    }),
  }

  for (const [what, content] of Object.entries(CORRUPT)) {
    it(`${what}: every operation → ERR_STORE_CORRUPT, and the file is left byte for byte`, async () => {
      const dir = tempDir()
      const path = join(dir, 'jwks.json')
      writeFileSync(path, content, { mode: 0o600 })
      const store = new JwkStore(path)
      const r = await oct('new')
      const err = await expectCode(() => store.add(r), 'ERR_STORE_CORRUPT')
      expect(err).toBeInstanceOf(StoreCorruptError)
      expect((err as StoreCorruptError).path).toBe(path)
      expect(err.message).toMatch(/was left as it is/)
      await expectCode(() => store.remove('a'), 'ERR_STORE_CORRUPT')
      await expectCode(() => store.get('a'), 'ERR_STORE_CORRUPT')
      await expectCode(() => store.list(), 'ERR_STORE_CORRUPT')
      await expectCode(() => store.has('a'), 'ERR_STORE_CORRUPT')
      await expectCode(() => store.publicJwks(), 'ERR_STORE_CORRUPT')
      await expectCode(
        () => generateJwk({ name: 'g', type: 'OCT', oct: { keySize: 128 } }, { store }),
        'ERR_STORE_CORRUPT',
      )
      expect(readFileSync(path, 'utf8')).toBe(content)
      expect(readdirSync(dir)).toEqual(['jwks.json'])
    })
  }
})

describe('JwkStore: private keys encrypted at rest', () => {
  it('stores PBES2-HS512+A256KW / A256GCM JWEs with p2c 600,000 that jose decrypts; public keys stay listable without the passphrase', async () => {
    const dir = tempDir()
    const path = join(dir, 'jwks.json')
    const store = new JwkStore(path, { passphrase: 'correct horse battery staple' })
    const a = await ec('a')
    const b = await oct('b')
    await store.add(a)
    await store.add(b)

    const raw = readFileSync(path, 'utf8')
    const file = JSON.parse(raw)
    expect(file.protection).toBe('jwe')
    for (const e of file.entries) {
      expect(e.privateJwk).toBeUndefined()
      expect(typeof e.privateJwe).toBe('string')
      const header = jose.decodeProtectedHeader(e.privateJwe)
      expect(header).toMatchObject({ alg: 'PBES2-HS512+A256KW', enc: 'A256GCM', p2c: 600_000, cty: 'jwk+json' })
      expect(Buffer.from(header.p2s as string, 'base64url')).toHaveLength(16)
    }
    expect(raw).not.toContain(a.privateJwk.d as string)
    expect(raw).not.toContain(b.privateJwk.k as string)

    // jose itself opens the JWE with the passphrase, given the options the README names (issue 16,
    // item 7) — and refuses it by default: PBES2 is opt-in, and p2c 600,000 is over its 10,000.
    const jwe = file.entries[0].privateJwe
    const passphrase = new TextEncoder().encode('correct horse battery staple')
    const readmeOptions = {
      keyManagementAlgorithms: ['PBES2-HS512+A256KW'],
      contentEncryptionAlgorithms: ['A256GCM'],
      maxPBES2Count: 600_000,
    }
    const { plaintext, protectedHeader } = await jose.compactDecrypt(jwe, passphrase, readmeOptions)
    expect(JSON.parse(new TextDecoder().decode(plaintext))).toEqual(a.privateJwk)
    expect(protectedHeader['pkg-entry']).toBe('a')
    await expect(jose.compactDecrypt(jwe, passphrase)).rejects.toMatchObject({ code: 'ERR_JOSE_ALG_NOT_ALLOWED' })
    const { maxPBES2Count: _, ...withoutCount } = readmeOptions
    await expect(jose.compactDecrypt(jwe, passphrase, withoutCount)).rejects.toMatchObject({
      code: 'ERR_JWE_INVALID',
      message: 'JOSE Header "p2c" (PBES2 Count) out is of acceptable bounds',
    })
    await expect(
      jose.compactDecrypt(jwe, passphrase, { ...readmeOptions, maxPBES2Count: 599_999 }),
    ).rejects.toMatchObject({ code: 'ERR_JWE_INVALID' })

    const locked = new JwkStore(path)
    expect((await locked.list()).map((e) => [e.name, e.encrypted])).toEqual([
      ['a', true],
      ['b', true],
    ])
    expect(await locked.publicJwks()).toEqual({ keys: [a.publicJwk] })
    await expectCode(() => locked.get('a'), 'ERR_STORE_PASSPHRASE')
    await expectCode(async () => locked.add(await oct('c')), 'ERR_STORE_PASSPHRASE')
    expect((await store.get('a')).privateJwk).toEqual(a.privateJwk)
    expect((await store.get('b')).privateJwk).toEqual(b.privateJwk)
    const again = new JwkStore(path, { passphrase: new TextEncoder().encode('correct horse battery staple') })
    expect((await again.get('b')).privateJwk).toEqual(b.privateJwk)
  })

  it('a wrong passphrase → ERR_STORE_PASSPHRASE for get and add, and the file is untouched', async () => {
    const path = join(tempDir(), 'jwks.json')
    await new JwkStore(path, { passphrase: 'right' }).add(await oct('a'))
    const before = readFileSync(path)
    const wrong = new JwkStore(path, { passphrase: 'wrong' })
    await expectCode(() => wrong.get('a'), 'ERR_STORE_PASSPHRASE')
    await expectCode(async () => wrong.add(await oct('b')), 'ERR_STORE_PASSPHRASE')
    await expectCode(() => wrong.remove('a'), 'ERR_STORE_PASSPHRASE')
    // With a passphrase every read is authenticated, so a wrong one fails even for has().
    await expectCode(() => wrong.has('a'), 'ERR_STORE_PASSPHRASE')
    expect(readFileSync(path).equals(before)).toBe(true)
    expect(await new JwkStore(path).has('a')).toBe(true)
  })

  it('a plaintext store opened with a passphrase refuses to mix in encrypted keys', async () => {
    const path = join(tempDir(), 'jwks.json')
    await new JwkStore(path).add(await oct('a'))
    await expectCode(async () => new JwkStore(path, { passphrase: 'p' }).add(await oct('b')), 'ERR_STORE_PASSPHRASE')
  })

  it('a JWE with a weakened work factor (p2c below 600,000) is refused as corrupt', async () => {
    const path = join(tempDir(), 'jwks.json')
    const store = new JwkStore(path, { passphrase: 'p' })
    await store.add(await oct('a'))
    const file = JSON.parse(readFileSync(path, 'utf8'))
    file.entries[0].privateJwe = await new jose.CompactEncrypt(new TextEncoder().encode('{"kty":"oct","k":"AA"}'))
      .setProtectedHeader({ alg: 'PBES2-HS512+A256KW', enc: 'A256GCM' })
      .setKeyManagementParameters({ p2c: 1000 })
      .encrypt(new TextEncoder().encode('p'))
    writeFileSync(path, JSON.stringify(file))
    const err = await expectCode(() => new JwkStore(path, { passphrase: 'p' }).get('a'), 'ERR_STORE_CORRUPT')
    expect(err.message).toMatch(/p2c from 600000/)
  })

  it('close() forgets the passphrase', async () => {
    const path = join(tempDir(), 'jwks.json')
    const store = new JwkStore(path, { passphrase: 'p' })
    await store.add(await oct('a'))
    store.close()
    await expectCode(() => store.get('a'), 'ERR_STORE_PASSPHRASE')
  })
})

describe('JwkStore: integrity of an encrypted store (issue 12, item 1)', () => {
  const PASS = 'integrity'
  const read = (path: string) => JSON.parse(readFileSync(path, 'utf8'))
  const write = (path: string, file: unknown) => writeFileSync(path, JSON.stringify(file))
  // One encrypted store with two keys, made once (three PBKDF2 runs at the real 600,000); each
  // test tampers with its own byte-for-byte copy of that file (0600, in its own directory).
  let made: Promise<{ text: string; a: GenerateJwkResult; b: GenerateJwkResult }> | undefined
  async function twoKeys() {
    made ??= (async () => {
      const path = join(tempDir(), 'jwks.json')
      const store = new JwkStore(path, { passphrase: PASS })
      const a = await ec('a')
      const b = await ec('b')
      await store.add(a)
      await store.add(b)
      store.close()
      return { text: readFileSync(path, 'utf8'), a, b }
    })()
    const { text, a, b } = await made
    const path = join(tempDir(), 'jwks.json')
    writeFileSync(path, text, { mode: 0o600 })
    return { path, a, b }
  }

  it('the file is version 2 with a MAC, and each JWE names its entry and public key in its protected header', async () => {
    const { path, a } = await twoKeys()
    const file = read(path)
    expect(file).toMatchObject({ version: 2, protection: 'jwe' })
    expect(Buffer.from(file.mac, 'base64url')).toHaveLength(32)
    const header = jose.decodeProtectedHeader(file.entries[0].privateJwe)
    expect(header['pkg-entry']).toBe('a')
    expect(header['pkg-jkt']).toBe(await jose.calculateJwkThumbprint(a.publicJwk as jose.JWK, 'sha256'))
    // An OCT entry has no public key, so no thumbprint: its secret's thumbprint is nowhere in the file.
    const store = new JwkStore(path, { passphrase: PASS })
    const s = await oct('s')
    await store.add(s)
    const octHeader = jose.decodeProtectedHeader(read(path).entries[2].privateJwe)
    expect(octHeader['pkg-entry']).toBe('s')
    expect(octHeader['pkg-jkt']).toBeUndefined()
  })

  it('swapping the encrypted private keys of two entries → ERR_STORE_CORRUPT, never the other key', async () => {
    const { path } = await twoKeys()
    const file = read(path)
    const [ea, eb] = file.entries
    ;[ea.privateJwe, eb.privateJwe] = [eb.privateJwe, ea.privateJwe]
    write(path, file)
    const store = new JwkStore(path, { passphrase: PASS })
    const err = await expectCode(() => store.get('a'), 'ERR_STORE_CORRUPT')
    expect(err.message).toMatch(/tampered/)
    await expectCode(() => store.get('b'), 'ERR_STORE_CORRUPT')
  })

  it('a JWE decrypted for another entry or another public key is refused by its bound header', async () => {
    const { path, a } = await twoKeys()
    const { decryptJson } = await import('../src/store/encryption.js')
    const jwe = read(path).entries[0].privateJwe
    const pass = new TextEncoder().encode(PASS)
    const jkt = await jose.calculateJwkThumbprint(a.publicJwk as jose.JWK, 'sha256')
    await expect(decryptJson(jwe, pass, path, 'k', { entry: 'a', jkt })).resolves.toEqual(a.privateJwk)
    await expectCode(() => decryptJson(jwe, pass, path, 'k', { entry: 'b', jkt }), 'ERR_STORE_CORRUPT')
    await expectCode(() => decryptJson(jwe, pass, path, 'k', { entry: 'a', jkt: 'other' }), 'ERR_STORE_CORRUPT')
  })

  it('a replaced public JWK → ERR_STORE_CORRUPT from publicJwks(), list() and get() with the passphrase', async () => {
    const { path, b } = await twoKeys()
    const file = read(path)
    file.entries[0].publicJwk = { ...b.publicJwk, kid: file.entries[0].publicJwk.kid }
    write(path, file)
    const store = new JwkStore(path, { passphrase: PASS })
    await expectCode(() => store.publicJwks(), 'ERR_STORE_CORRUPT')
    await expectCode(() => store.list(), 'ERR_STORE_CORRUPT')
    await expectCode(() => store.get('a'), 'ERR_STORE_CORRUPT')
    await expectCode(async () => store.add(await oct('c')), 'ERR_STORE_CORRUPT')
  })

  it('changed metadata or a removed entry → ERR_STORE_CORRUPT', async () => {
    const { path } = await twoKeys()
    const original = read(path)
    const changed = structuredClone(original)
    changed.entries[1].metadata.alg = 'none'
    write(path, changed)
    await expectCode(() => new JwkStore(path, { passphrase: PASS }).list(), 'ERR_STORE_CORRUPT')
    const shorter = structuredClone(original)
    shorter.entries.pop()
    write(path, shorter)
    await expectCode(() => new JwkStore(path, { passphrase: PASS }).has('a'), 'ERR_STORE_CORRUPT')
  })

  it('a store downgraded to protection "none" with a planted key → ERR_STORE_PASSPHRASE, never the planted key', async () => {
    const { path } = await twoKeys()
    const planted = await ec('a')
    const file = read(path)
    write(path, {
      format: file.format,
      version: 1,
      protection: 'none',
      entries: [{ name: 'a', metadata: {}, publicJwk: planted.publicJwk, privateJwk: planted.privateJwk }],
    })
    const store = new JwkStore(path, { passphrase: PASS })
    await expectCode(() => store.get('a'), 'ERR_STORE_PASSPHRASE')
    await expectCode(() => store.publicJwks(), 'ERR_STORE_PASSPHRASE')
  })

  it('an encrypted store of version 1 (no MAC) → ERR_STORE_CORRUPT naming the version', async () => {
    const { path } = await twoKeys()
    const { mac: _mac, ...file } = read(path)
    write(path, { ...file, version: 1 })
    const err = await expectCode(() => new JwkStore(path, { passphrase: PASS }).get('a'), 'ERR_STORE_CORRUPT')
    expect(err.message).toMatch(/format version 1, which has no integrity protection/)
  })

  it('add() refuses a private JWK whose public half is another key, or that is not a valid key → ERR_INVALID_KEY', async () => {
    const a = await ec('a')
    const b = await ec('b')
    for (const options of [{}, { passphrase: PASS }]) {
      const path = join(tempDir(), 'jwks.json')
      const store = new JwkStore(path, options)
      await expectCode(
        () => store.add({ privateJwk: a.privateJwk, publicJwk: b.publicJwk, metadata: { name: 'x' } }),
        'ERR_INVALID_KEY',
      )
      const offCurve = { ...a.privateJwk, y: a.privateJwk.x }
      await expectCode(
        () => store.add({ privateJwk: offCurve, publicJwk: null, metadata: { name: 'y' } }),
        'ERR_INVALID_KEY',
      )
      const wrongD = { ...a.privateJwk, d: b.privateJwk.d }
      await expectCode(
        () => store.add({ privateJwk: wrongD, publicJwk: a.publicJwk, metadata: { name: 'z' } }),
        'ERR_INVALID_KEY',
      )
      expect(existsSync(path)).toBe(false)
      // The matching pair is taken, and a token signed with get()'s key verifies against publicJwks().
      await store.add(a)
      const got = await store.get('a')
      const jwt = await new jose.SignJWT({})
        .setProtectedHeader({ alg: 'ES256', kid: got.kid as string })
        .sign(await jose.importJWK(got.privateJwk as jose.JWK, 'ES256'))
      await jose.jwtVerify(jwt, jose.createLocalJWKSet(await store.publicJwks()))
    }
  })
})

describe('JwkStore: the cross-process lock', () => {
  it('concurrent adds in one process lose nothing', async () => {
    const path = join(tempDir(), 'jwks.json')
    const store = new JwkStore(path)
    const keys = await Promise.all(Array.from({ length: 12 }, (_, i) => oct(`k${i}`)))
    await Promise.all(keys.map((k) => store.add(k)))
    expect((await store.list()).map((e) => e.name).sort()).toEqual(keys.map((k) => k.metadata.name).sort())
  })

  it('concurrent writers in 5 child processes end with every key present', async () => {
    const dir = tempDir()
    const path = join(dir, 'jwks.json')
    const child = join(dir, 'writer.ts')
    const storeModule = join(ROOT, 'src', 'index.ts')
    writeFileSync(
      child,
      [
        `import { existsSync, writeFileSync } from 'node:fs'`,
        `import { setTimeout as sleep } from 'node:timers/promises'`,
        `import { generateJwk, JwkStore } from ${JSON.stringify(storeModule)}`,
        'const [storePath, id, count, barrier] = process.argv.slice(2)',
        'const store = new JwkStore(storePath)',
        'writeFileSync(barrier + "/ready-" + id, "")',
        'while (!existsSync(barrier + "/go")) await sleep(5)',
        'for (let i = 0; i < Number(count); i++) {',
        '  const type = i % 2 ? "OKP" : "EC"',
        '  const params = i % 2 ? { okp: { curveType: "ED25519", keyIdType: "SHA256" } } : { ec: { curveType: "P256", keyIdType: "SHA256" } }',
        '  await generateJwk({ name: "p" + id + "-k" + i, type, ...params }, { store })',
        '}',
      ].join('\n'),
    )
    const vite = join(ROOT, 'node_modules', 'vite-node', 'vite-node.mjs')
    const WRITERS = 5
    const EACH = 6
    const exits = Array.from({ length: WRITERS }, (_, id) => {
      const p = spawn(process.execPath, [vite, child, path, String(id), String(EACH), dir], {
        cwd: ROOT,
        stdio: ['ignore', 'ignore', 'pipe'],
      })
      let stderr = ''
      p.stderr.on('data', (d: Buffer) => {
        stderr += d.toString()
      })
      return new Promise<{ code: number | null; stderr: string }>((resolve) =>
        p.on('exit', (code) => resolve({ code, stderr })),
      )
    })
    // A barrier, so the writers really start together.
    while (readdirSync(dir).filter((f) => f.startsWith('ready-')).length < WRITERS) {
      await new Promise((r) => setTimeout(r, 20))
    }
    writeFileSync(join(dir, 'go'), '')
    for (const { code, stderr } of await Promise.all(exits)) {
      expect(stderr.replace(/.*ExperimentalWarning.*\n?|.*--trace-warnings.*\n?/g, '')).toBe('')
      expect(code).toBe(0)
    }
    const names = (await new JwkStore(path).list()).map((e) => e.name).sort()
    const expected = Array.from({ length: WRITERS }, (_, id) => Array.from({ length: EACH }, (_, i) => `p${id}-k${i}`))
      .flat()
      .sort()
    expect(names).toEqual(expected)
    expect((await new JwkStore(path).publicJwks()).keys).toHaveLength(WRITERS * EACH)
    expect(
      readdirSync(dir)
        .filter((f) => f.includes('jwks.json'))
        .sort(),
    ).toEqual(['jwks.json'])
  })

  it('a lock left by a dead process on this host is broken at once', async () => {
    const dir = tempDir()
    const path = join(dir, 'jwks.json')
    const dead = Number(
      execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }),
    )
    writeFileSync(
      `${path}.lock`,
      JSON.stringify({ pid: dead, hostname: hostname(), createdAt: Date.now(), token: 'dead' }),
    )
    const store = new JwkStore(path, { lockTimeoutMs: 0 })
    await store.add(await oct('a'))
    expect(await store.has('a')).toBe(true)
    expect(existsSync(`${path}.lock`)).toBe(false)
  })

  /** A live process on this host that is not this one, for the lock's holder. */
  async function withLiveChild<T>(fn: (pid: number) => Promise<T>): Promise<T> {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' })
    try {
      return await fn(child.pid as number)
    } finally {
      child.kill('SIGKILL')
    }
  }
  const BOOT_ID = process.platform === 'linux' ? readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() : ''

  it('a lock held by a live process on this host is never broken: ERR_STORE_LOCKED naming the holder', async () => {
    await withLiveChild(async (pid) => {
      const dir = tempDir()
      const path = join(dir, 'jwks.json')
      const info: Record<string, unknown> = { pid, hostname: hostname(), createdAt: 0, token: 'live' }
      const startTime = processStartTime(pid)
      if (startTime !== undefined) Object.assign(info, { startTime, bootId: BOOT_ID })
      const lock = JSON.stringify(info)
      writeFileSync(`${path}.lock`, lock)
      const err = await expectCode(
        async () => new JwkStore(path, { lockTimeoutMs: 30, staleLockMs: 1 }).add(await oct('a')),
        'ERR_STORE_LOCKED',
      )
      expect(err.message).toContain(`pid ${pid} on ${hostname()}`)
      expect(readFileSync(`${path}.lock`, 'utf8')).toBe(lock)
      expect(existsSync(path)).toBe(false)
    })
  })

  it('the container case: a lock naming this process’s own pid with a token it does not hold is broken at once', async () => {
    const path = join(tempDir(), 'jwks.json')
    writeFileSync(
      `${path}.lock`,
      JSON.stringify({ pid: process.pid, hostname: hostname(), createdAt: Date.now(), token: 'a previous life' }),
    )
    const store = new JwkStore(path, { lockTimeoutMs: 0 })
    await store.add(await oct('a'))
    expect(await store.has('a')).toBe(true)
    expect(existsSync(`${path}.lock`)).toBe(false)
  })

  it.runIf(process.platform === 'linux')(
    'Linux: a lock whose pid now belongs to a process started later, or taken in another boot, is broken at once',
    async () => {
      await withLiveChild(async (pid) => {
        expect(processStartTime(pid)).toMatch(/^[0-9]+$/)
        for (const [i, stale] of [
          { startTime: '1', bootId: BOOT_ID },
          { startTime: processStartTime(pid), bootId: '00000000-0000-0000-0000-000000000000' },
        ].entries()) {
          const path = join(tempDir(), 'jwks.json')
          const info = { pid, hostname: hostname(), createdAt: Date.now(), token: 'reused', ...stale }
          writeFileSync(`${path}.lock`, JSON.stringify(info))
          await new JwkStore(path, { lockTimeoutMs: 0 }).add(await oct(`k${i}`))
          expect(await new JwkStore(path).has(`k${i}`)).toBe(true)
        }
      })
    },
  )

  it('a lock from another host is broken only once older than staleLockMs', async () => {
    const dir = tempDir()
    const path = join(dir, 'jwks.json')
    const fresh = JSON.stringify({ pid: 1, hostname: 'elsewhere.example', createdAt: Date.now(), token: 'f' })
    writeFileSync(`${path}.lock`, fresh)
    await expectCode(
      async () => new JwkStore(path, { lockTimeoutMs: 20, staleLockMs: 3_600_000 }).add(await oct('a')),
      'ERR_STORE_LOCKED',
    )
    const old = JSON.stringify({ pid: 1, hostname: 'elsewhere.example', createdAt: Date.now() - 7_200_000, token: 'o' })
    writeFileSync(`${path}.lock`, old)
    await new JwkStore(path, { lockTimeoutMs: 0, staleLockMs: 3_600_000 }).add(await oct('a'))
    expect(await new JwkStore(path).has('a')).toBe(true)
  })

  it('a lock file with unreadable content is judged by its age', async () => {
    const dir = tempDir()
    const path = join(dir, 'jwks.json')
    writeFileSync(`${path}.lock`, 'garbage')
    await expectCode(
      async () => new JwkStore(path, { lockTimeoutMs: 20, staleLockMs: 3_600_000 }).add(await oct('a')),
      'ERR_STORE_LOCKED',
    )
    const past = new Date(Date.now() - 7_200_000)
    utimesSync(`${path}.lock`, past, past)
    await new JwkStore(path, { lockTimeoutMs: 0, staleLockMs: 3_600_000 }).add(await oct('a'))
    expect(await new JwkStore(path).has('a')).toBe(true)
  })
})

describe('generateJwk + JwkStore', () => {
  it('generateJwk(request, { store }) adds to an encrypted store', async () => {
    const path = join(tempDir(), 'jwks.json')
    const store = new JwkStore(path, { passphrase: 'p' })
    const r: GenerateJwkResult = await generateJwk(
      { name: 'api-signing', type: 'OKP', okp: { curveType: 'ED25519', keyIdType: 'SHA256' } },
      { store },
    )
    expect((await store.get('api-signing')).privateJwk).toEqual(r.privateJwk)
    expect((await new JwkStore(path).publicJwks()).keys).toEqual([r.publicJwk])
  })
})
