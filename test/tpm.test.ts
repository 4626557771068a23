/**
 * Keys kept by the platform, on Linux: the TPM 2.0 through OpenSSL's tpm2
 * provider, for real (CI: swtpm + tpm2-abrmd, scripts/tpm-env.sh). With
 * PLATFORM_KEYGEN_REQUIRE_TPM=1 an unreachable TPM FAILS the suite; without
 * it the suite is skipped, and its name says why.
 */
import { execFileSync } from 'node:child_process'
import {
  createPublicKey,
  constants as cryptoConstants,
  diffieHellman,
  generateKeyPairSync,
  verify as nodeVerify,
  publicEncrypt,
  X509Certificate,
} from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as jose from 'jose'
import { afterAll, describe, expect, it } from 'vitest'

// Every record this suite writes goes to a temp XDG_DATA_HOME (the children inherit it).
const DATA = mkdtempSync(join(tmpdir(), 'pk-tpm-'))
process.env.XDG_DATA_HOME = DATA
const RECORDS = join(DATA, 'platform-keygen', 'tpm')
afterAll(() => rmSync(DATA, { recursive: true, force: true }))

const pk = await import('../src/index.js')
const { createKey, openKey, listKeys, deleteKey, storeCapabilities, createCertificate, createCsr, signJwt } = pk
const { expectCode, runSnippet } = await import('./helpers.js')

const REQUIRE = process.env.PLATFORM_KEYGEN_REQUIRE_TPM === '1'
const caps = await storeCapabilities('tpm').catch((err: Error) => ({ available: false, note: err.message }))
const reason = caps.available ? '' : (caps.note ?? 'no TPM')

if (process.platform !== 'linux') {
  describe.skip(`TPM suite: Linux only (this is ${process.platform})`, () => {})
}

describe.runIf(REQUIRE)('TPM required (PLATFORM_KEYGEN_REQUIRE_TPM=1)', () => {
  it('reaches a TPM', () => {
    expect(caps.available, `the TPM is unreachable: ${reason}`).toBe(true)
  })
})

const data = new TextEncoder().encode('signed inside the TPM')

/** runSnippet with some environment variables set for the child only. */
function runWithEnv(env: Record<string, string>, code: string): ReturnType<typeof runSnippet> {
  const saved = new Map(Object.keys(env).map((k) => [k, process.env[k]]))
  Object.assign(process.env, env)
  try {
    return runSnippet(code)
  } finally {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
    }
  }
}

function ecPublic(key: InstanceType<typeof pk.KeyPair>) {
  return createPublicKey({ key: key.publicKey.export({ format: 'jwk' }) as never, format: 'jwk' })
}

describe.skipIf(!caps.available)(
  `TPM 2.0 keys${caps.available ? '' : ` (skipped: no TPM reachable: ${reason})`}`,
  () => {
    it('probes what the TPM makes: P-256, P-384 and RSA-2048 at least', async () => {
      const c = await storeCapabilities('tpm')
      expect(c.available).toBe(true)
      expect(c.keepsNames).toBe(false)
      expect(c.directory).toBe(RECORDS)
      expect(c.algorithms).toEqual(expect.arrayContaining(['ECDSA_P256', 'ECDH_P256', 'ECDSA_P384', 'RSA']))
      expect(c.rsaLengths).toContain(2048)
    })

    it('creates a named ECDSA P-256 key whose record is a 0600 TSS2 blob in a 0700 directory, and lists it', async () => {
      const key = await createKey({ name: 'api-signing', store: 'tpm', algorithm: 'ECDSA_P256' })
      expect(key.toJSON()).toMatchObject({ name: 'api-signing', store: 'tpm', scope: 'user', extractable: false })
      expect(statSync(RECORDS).mode & 0o777).toBe(0o700)
      const file = join(RECORDS, 'api-signing.json')
      expect(statSync(file).mode & 0o777).toBe(0o600)
      const record = JSON.parse(readFileSync(file, 'utf8'))
      expect(record).toMatchObject({ name: 'api-signing', algorithm: 'ECDSA_P256', length: 256, curve: 'P-256' })
      expect(record.tss2).toMatch(/^-----BEGIN TSS2 PRIVATE KEY-----\n/)
      // The TSS2 structure: SEQUENCE { OID 2.23.133.10.1.3 (06 06 67 81 05 0a 01 03), ... }
      const der = Buffer.from(record.tss2.replace(/-----[^-]+-----|\n/g, ''), 'base64')
      expect(der[0]).toBe(0x30)
      expect(
        der
          .subarray(der[1] === 0x82 ? 4 : der[1] === 0x81 ? 3 : 2)
          .subarray(0, 8)
          .toString('hex'),
      ).toBe('06066781050a0103')
      expect(readdirSync(RECORDS).filter((f) => f.startsWith('.'))).toEqual([]) // no temp file left
      expect(await listKeys({ store: 'tpm' })).toContainEqual({
        name: 'api-signing',
        algorithm: 'ECDSA_P256',
        curve: 'P-256',
        store: 'tpm',
        scope: 'user',
      })
      // node:crypto verifies what the handle signs (r||s, P1363)
      const sig = await key.sign(data)
      expect(sig.length).toBe(64)
      expect(nodeVerify('sha256', data, { key: ecPublic(key), dsaEncoding: 'ieee-p1363' }, sig)).toBe(true)
      expect(await key.publicKey.verify(data, sig)).toBe(true)
      key.destroy()
    })

    it('reopens the key by name in a new process; the signature made there verifies here', async () => {
      const here = await openKey('api-signing', { store: 'tpm' })
      const r = runSnippet(`
      const { openKey } = await import(process.env.PK_DIST)
      const key = await openKey('api-signing', { store: 'tpm' })
      const sig = await key.sign(new TextEncoder().encode('signed inside the TPM'))
      console.log(JSON.stringify({ jwk: key.publicKey.export({ format: 'jwk' }), sig: Buffer.from(sig).toString('base64') }))
      key.destroy()
    `)
      expect(r.status, r.stderr).toBe(0)
      const out = JSON.parse(r.stdout.trim().split('\n').pop() as string)
      expect(out.jwk).toEqual(here.publicKey.export({ format: 'jwk' }))
      const sig = Buffer.from(out.sig, 'base64')
      expect(nodeVerify('sha256', data, { key: ecPublic(here), dsaEncoding: 'ieee-p1363' }, sig)).toBe(true)
      here.destroy()
    })

    it('signs a JWT that jose verifies (ES256, kid = the JWK thumbprint)', async () => {
      const key = await openKey('api-signing', { store: 'tpm' })
      const jwt = await signJwt(key, { sub: 'svc' }, { expiresIn: '1h' })
      const { payload, protectedHeader } = await jose.jwtVerify(
        jwt,
        await jose.importJWK(key.publicKey.export({ format: 'jwk' }), 'ES256'),
      )
      expect(protectedHeader).toEqual({ alg: 'ES256', typ: 'JWT', kid: key.publicKey.thumbprint() })
      expect(payload.sub).toBe('svc')
      expect((payload.exp as number) - (payload.iat as number)).toBe(3600)
      // a flipped signature byte does not verify
      const parts = jwt.split('.')
      const bad = Buffer.from(parts[2] as string, 'base64url')
      bad[0] = (bad[0] as number) ^ 1
      await expect(
        jose.jwtVerify(
          `${parts[0]}.${parts[1]}.${bad.toString('base64url')}`,
          await jose.importJWK(key.publicKey.export({ format: 'jwk' }), 'ES256'),
        ),
      ).rejects.toThrow(/signature verification failed/)
      key.destroy()
    })

    it('never exports the private key', async () => {
      const key = await openKey('api-signing', { store: 'tpm' })
      for (const format of ['jwk', 'pem', 'der', 'blob'] as const) {
        await expectCode(() => key.export({ format }), 'ERR_NOT_EXTRACTABLE')
      }
      await expectCode(() => key.toKeyObject(), 'ERR_NOT_EXTRACTABLE')
      await expectCode(
        createKey({ name: 'x', store: 'tpm', algorithm: 'ECDSA_P256', extractable: true }),
        'ERR_NOT_SUPPORTED_ON_PLATFORM',
      )
      key.destroy()
    })

    it('gets a self-signed certificate that openssl and node verify, and a CSR openssl verifies', async () => {
      const key = await openKey('api-signing', { store: 'tpm' })
      const cert = await createCertificate(key, {
        subject: 'CN=svc, O=Acme',
        days: 365,
        altNames: ['svc.example', 'IP:10.0.0.1'],
      })
      const csr = await createCsr(key, { subject: 'CN=svc', altNames: ['svc.example'] })
      const dir = mkdtempSync(join(tmpdir(), 'pk-tpm-cert-'))
      try {
        writeFileSync(join(dir, 'self.pem'), cert.pem)
        writeFileSync(join(dir, 'req.pem'), csr.pem)
        const run = (args: string[]) =>
          execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
        expect(run(['verify', '-CAfile', join(dir, 'self.pem'), join(dir, 'self.pem')])).toContain('self.pem: OK')
        const text = run(['x509', '-text', '-noout', '-in', join(dir, 'self.pem')])
        expect(text).toContain('Subject: CN = svc, O = Acme')
        expect(text).toContain('ecdsa-with-SHA256')
        expect(text).toContain('DNS:svc.example, IP Address:10.0.0.1')
        const req = execFileSync('openssl', ['req', '-verify', '-noout', '-subject', '-in', join(dir, 'req.pem')], {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
        })
        expect(req).toContain('subject=CN = svc')
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
      const x = new X509Certificate(cert.der)
      expect(x.verify(x.publicKey)).toBe(true)
      expect(x.publicKey.export({ format: 'der', type: 'spki' })).toEqual(key.publicKey.export({ format: 'der' }))
      expect(Buffer.from(cert.pem.replace(/-----[^-]+-----|\n/g, ''), 'base64')).toEqual(Buffer.from(cert.der))
      // x5c / x5t#S256 in the public JWK
      const jwk = key.publicKey.export({ format: 'jwk', x5c: cert })
      expect(jwk.x5c).toEqual([Buffer.from(cert.der).toString('base64')])
      expect(jwk['x5t#S256']).toBe(Buffer.from(x.fingerprint256.replace(/:/g, ''), 'hex').toString('base64url'))
      const other = await pk.generateKey({ algorithm: 'ECDSA_P256' })
      await expectCode(() => other.publicKey.export({ format: 'jwk', x5c: cert }), 'ERR_INVALID_REQUEST')
      other.destroy()
      key.destroy()
    })

    it('derives ECDH secrets equal to node:crypto.diffieHellman', async () => {
      const key = await createKey({ name: 'agree', store: 'tpm', algorithm: 'ECDH_P256' })
      const peer = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      const peerKey = await pk.importKey(peer.publicKey.export({ format: 'jwk' }), { algorithm: 'ECDH_P256' } as never)
      const secret = await key.deriveBits(peerKey as never)
      const expected = diffieHellman({ privateKey: peer.privateKey, publicKey: ecPublic(key) })
      expect(Buffer.from(secret)).toEqual(expected)
      expect(secret.length).toBe(32)
      // and again after reopening by name
      const again = await openKey('agree', { store: 'tpm' })
      expect(again.algorithm).toBe('ECDH_P256')
      expect(Buffer.from(await again.deriveBits(peerKey as never))).toEqual(expected)
      key.destroy()
      again.destroy()
    })

    it('RSA-2048: signs (PKCS#1 v1.5 and PSS, node verifies) and decrypts PKCS#1 v1.5 only when allowed (no OAEP in tpm2-openssl 1.1)', async () => {
      const key = await createKey({ name: 'rsa', store: 'tpm', algorithm: 'RSA', length: 2048 })
      expect(key.length).toBe(2048)
      const jwk = key.publicKey.export({ format: 'jwk' })
      expect(jwk.e).toBe('AQAB') // the TPM's "exponent 0" is 65537
      const pub = createPublicKey({ key: jwk as never, format: 'jwk' })
      const s1 = await key.sign(data)
      expect(nodeVerify('sha256', data, pub, s1)).toBe(true)
      const s2 = await key.sign(data, { padding: 'pss' })
      expect(
        nodeVerify('sha256', data, { key: pub, padding: cryptoConstants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, s2),
      ).toBe(true)
      const secret = Buffer.from('a 16-byte secret')
      const ct = publicEncrypt({ key: pub, padding: cryptoConstants.RSA_PKCS1_PADDING }, secret)
      await expectCode(key.decrypt(ct, { padding: 'pkcs1' }), 'ERR_UNSUPPORTED_OPERATION')
      expect(Buffer.from(await key.decrypt(ct, { padding: 'pkcs1', allowPkcs1Decrypt: true }))).toEqual(secret)
      const bad = Buffer.from(ct)
      bad[10] = (bad[10] as number) ^ 1
      await expectCode(key.decrypt(bad, { padding: 'pkcs1', allowPkcs1Decrypt: true }), 'ERR_DECRYPTION_FAILED')
      const oaep = publicEncrypt(
        { key: pub, padding: cryptoConstants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
        secret,
      )
      await expectCode(key.decrypt(oaep), 'ERR_NOT_SUPPORTED_ON_PLATFORM')
      // a certificate signed through the RSA handle (sha256WithRSAEncryption) verifies
      const cert = new X509Certificate((await createCertificate(key, { subject: 'CN=rsa' })).der)
      expect(cert.verify(cert.publicKey)).toBe(true)
      expect(cert.publicKey.export({ format: 'jwk' })).toEqual({ kty: 'RSA', n: jwk.n, e: 'AQAB' })
      // a JWT with RS256 verifies with jose
      const jwt = await signJwt(key, { sub: 'svc' })
      expect((await jose.jwtVerify(jwt, await jose.importJWK(jwk, 'RS256'))).payload.sub).toBe('svc')
      key.destroy()
    })

    it('keeps operations on many TPM keys at once correct (the provider is used one call at a time)', async () => {
      const a = await openKey('api-signing', { store: 'tpm' })
      const b = await createKey({ name: 'p384', store: 'tpm', algorithm: 'ECDSA_P384' })
      const sigs = await Promise.all([...Array(6)].flatMap(() => [a.sign(data), b.sign(data)]))
      for (const [i, sig] of sigs.entries()) {
        const k = i % 2 === 0 ? a : b
        expect(
          nodeVerify(i % 2 === 0 ? 'sha256' : 'sha384', data, { key: ecPublic(k), dsaEncoding: 'ieee-p1363' }, sig),
        ).toBe(true)
      }
      a.destroy()
      b.destroy()
    })

    it('refuses an existing name (ERR_KEY_EXISTS) unless overwrite: true, which replaces the key', async () => {
      const before = await openKey('api-signing', { store: 'tpm' })
      await expectCode(createKey({ name: 'api-signing', store: 'tpm', algorithm: 'ECDSA_P256' }), 'ERR_KEY_EXISTS')
      const replaced = await createKey({ name: 'api-signing', store: 'tpm', algorithm: 'ECDSA_P256', overwrite: true })
      const reopened = await openKey('api-signing', { store: 'tpm' })
      expect(reopened.publicKey.thumbprint()).toBe(replaced.publicKey.thumbprint())
      expect(reopened.publicKey.thumbprint()).not.toBe(before.publicKey.thumbprint())
      for (const k of [before, replaced, reopened]) k.destroy()
    })

    it('deletes keys; a deleted or unknown name is ERR_KEY_NOT_FOUND', async () => {
      await deleteKey('api-signing', { store: 'tpm' })
      await expectCode(openKey('api-signing', { store: 'tpm' }), 'ERR_KEY_NOT_FOUND')
      await expectCode(deleteKey('api-signing', { store: 'tpm' }), 'ERR_KEY_NOT_FOUND')
      expect((await listKeys({ store: 'tpm' })).map((k) => k.name)).not.toContain('api-signing')
    })

    it('refuses bad names before touching the store', async () => {
      for (const name of [
        '../evil',
        'a/b',
        'a\\b',
        '',
        '.hidden',
        'a..b',
        'x'.repeat(129),
        'sp ace',
        'handle:0x81',
        42,
      ]) {
        await expectCode(
          createKey({ name: name as string, store: 'tpm', algorithm: 'ECDSA_P256' }),
          'ERR_INVALID_REQUEST',
        )
        await expectCode(openKey(name as string, { store: 'tpm' }), 'ERR_INVALID_REQUEST')
      }
      expect(readdirSync(DATA).join()).toBe('platform-keygen') // nothing written outside the record directory
    })

    it('refuses what the TPM store does not make, with the table narrowed by the store', async () => {
      await expectCode(
        createKey({ name: 'k', store: 'tpm', algorithm: 'EdDSA', curve: 'Ed25519' }),
        'ERR_UNSUPPORTED_ALGORITHM',
      )
      await expectCode(createKey({ name: 'k', store: 'tpm', algorithm: 'RSA', length: 1024 }), 'ERR_KEY_LENGTH')
      await expectCode(
        createKey({ name: 'k', store: 'tpm', algorithm: 'ECDSA', curve: 'secp256k1' }),
        'ERR_UNSUPPORTED_ALGORITHM',
      )
    })

    it("store: 'software' on Linux is ERR_NOT_SUPPORTED_ON_PLATFORM naming the TPM and JwkStore", async () => {
      const err = await expectCode(
        createKey({ name: 'k', store: 'software', algorithm: 'ECDSA_P256' }),
        'ERR_NOT_SUPPORTED_ON_PLATFORM',
      )
      expect(err.message).toMatch(/TPM/)
      expect(err.message).toMatch(/JwkStore/)
    })

    it('reports a record the TPM cannot load as ERR_STORE_CORRUPT', async () => {
      const key = await createKey({ name: 'damaged', store: 'tpm', algorithm: 'ECDSA_P256' })
      key.destroy()
      const file = join(RECORDS, 'damaged.json')
      const record = JSON.parse(readFileSync(file, 'utf8'))
      const der = Buffer.from(record.tss2.replace(/-----[^-]+-----|\n/g, ''), 'base64')
      der[der.length - 5] = (der[der.length - 5] as number) ^ 0xff // inside the wrapped private part
      record.tss2 = `-----BEGIN TSS2 PRIVATE KEY-----\n${der.toString('base64')}\n-----END TSS2 PRIVATE KEY-----\n`
      writeFileSync(file, JSON.stringify(record))
      const err = await expectCode(openKey('damaged', { store: 'tpm' }), 'ERR_STORE_CORRUPT')
      expect((err as { path?: string }).path).toBe(file)
      writeFileSync(file, '{ not json')
      await expectCode(openKey('damaged', { store: 'tpm' }), 'ERR_STORE_CORRUPT')
      await deleteKey('damaged', { store: 'tpm' })
    })

    it('opens a persistent handle (tpm2_evictcontrol) as handle:0x81000010', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'pk-tpm-handle-'))
      const tpm = (...args: string[]) =>
        execFileSync(args[0] as string, args.slice(1), { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
      try {
        try {
          tpm('tpm2_evictcontrol', '-C', 'o', '-c', '0x81000010')
        } catch {
          // not there from an earlier run
        }
        tpm(
          'tpm2_createprimary',
          '-C',
          'o',
          '-G',
          'ecc256:ecdsa-sha256',
          '-a',
          'fixedtpm|fixedparent|sensitivedataorigin|userwithauth|sign',
          '-c',
          'p.ctx',
        )
        tpm('tpm2_evictcontrol', '-C', 'o', '-c', 'p.ctx', '0x81000010')
        tpm('tpm2_readpublic', '-c', '0x81000010', '-f', 'pem', '-o', 'pub.pem')
        const key = await openKey('handle:0x81000010', { store: 'tpm' })
        expect(key.algorithm).toBe('ECDSA_P256')
        expect(key.publicKey.export({ format: 'pem' })).toBe(readFileSync(join(dir, 'pub.pem'), 'utf8'))
        const sig = await key.sign(data)
        expect(nodeVerify('sha256', data, { key: ecPublic(key), dsaEncoding: 'ieee-p1363' }, sig)).toBe(true)
        await expectCode(deleteKey('handle:0x81000010', { store: 'tpm' }), 'ERR_UNSUPPORTED_OPERATION')
        key.destroy()
        await expectCode(openKey('handle:0x81000011', { store: 'tpm' }), 'ERR_KEY_NOT_FOUND')
      } finally {
        try {
          tpm('tpm2_evictcontrol', '-C', 'o', '-c', '0x81000010')
        } catch {
          // already gone
        }
        rmSync(dir, { recursive: true, force: true })
      }
    })

    it('ERR_STORE_UNAVAILABLE: an unreachable TCTI and a missing provider module, each saying what to set or install', () => {
      const snippet = `
      const { createKey } = await import(process.env.PK_DIST)
      try { await createKey({ name: 'never', store: 'tpm', algorithm: 'ECDSA_P256' }); console.log('created') }
      catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })) }
    `
      const run = (env: Record<string, string>) => {
        const r = runWithEnv(env, snippet)
        expect(r.status, r.stderr).toBe(0)
        return JSON.parse(r.stdout.trim().split('\n').pop() as string)
      }
      const tcti = run({ TPM2OPENSSL_TCTI: 'swtpm:host=127.0.0.1,port=9' })
      expect(tcti.code).toBe('ERR_STORE_UNAVAILABLE')
      expect(tcti.message).toContain("the TCTI 'swtpm:host=127.0.0.1,port=9' (TPM2OPENSSL_TCTI)")
      expect(tcti.message).toMatch(/tpm2-abrmd/)
      const module = run({ PLATFORM_KEYGEN_TPM2_PROVIDER: '/nonexistent/tpm2.so' })
      expect(module.code).toBe('ERR_STORE_UNAVAILABLE')
      expect(module.message).toContain('apt-get install tpm2-openssl')
      expect(readdirSync(RECORDS)).not.toContain('never.json')
    })

    it('flushes each TPM object when its key is destroyed: 12 keys one after another on a TPM without a resource manager', () => {
      // a private swtpm, reached directly (no abrmd): a TPM holds only ~3 loaded objects, so a leak fails at the 4th
      const dir = mkdtempSync(join(tmpdir(), 'pk-tpm-rawswtpm-'))
      const port = 20000 + Math.floor(Math.random() * 20000)
      execFileSync('swtpm', [
        'socket',
        '--tpm2',
        '--tpmstate',
        `dir=${dir}`,
        '--server',
        `type=tcp,port=${port},bindaddr=127.0.0.1`,
        '--ctrl',
        `type=tcp,port=${port + 1},bindaddr=127.0.0.1`,
        '--flags',
        'not-need-init,startup-clear',
        '--daemon',
        '--pid',
        `file=${join(dir, 'pid')}`,
      ])
      try {
        const env = { TPM2OPENSSL_TCTI: `swtpm:host=127.0.0.1,port=${port}`, XDG_DATA_HOME: join(dir, 'data') }
        const r = runWithEnv(
          env,
          `
        const { createKey, openKey, deleteKey } = await import(process.env.PK_DIST)
        for (let i = 0; i < 6; i++) {
          const k = await createKey({ name: 'k' + i, store: 'tpm', algorithm: 'ECDSA_P256' })
          await k.sign(new Uint8Array(8))
          k.destroy()
          const o = await openKey('k' + i, { store: 'tpm' })
          await o.sign(new Uint8Array(8))
          o.destroy()
          await deleteKey('k' + i, { store: 'tpm' })
        }
        console.log('done')
      `,
        )
        expect(r.status, r.stderr).toBe(0)
        expect(r.stdout.trim()).toBe('done')
      } finally {
        try {
          process.kill(Number(readFileSync(join(dir, 'pid'), 'utf8')))
        } catch {
          // already gone
        }
        rmSync(dir, { recursive: true, force: true })
      }
    })

    it('cleans up: the remaining keys are deleted', async () => {
      for (const k of await listKeys({ store: 'tpm' })) await deleteKey(k.name, { store: 'tpm' })
      expect(await listKeys({ store: 'tpm' })).toEqual([])
    })
  },
)
