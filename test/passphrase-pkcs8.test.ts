/**
 * Passphrase-protected PKCS#8 (EncryptedPrivateKeyInfo, PBES2): the system
 * openssl opens what `export({ format: 'pem' | 'der', passphrase })` writes
 * (`openssl pkey -passin -check`), and refuses a wrong passphrase; node's
 * createPrivateKey with the passphrase gives back the very key; the
 * structure is PBES2 with the KDF asked for and AES-256-CBC.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { createPrivateKey } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { generateKey, type KeyPair, type KeySpec } from '../src/index.js'
import { expectCode } from './helpers.js'

const dir = mkdtempSync(join(tmpdir(), 'pk-p8-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function openssl(args: string[], input?: string | Buffer): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('openssl', args, { input, encoding: 'utf8' })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

function file(name: string, data: string | Uint8Array): string {
  const path = join(dir, name)
  writeFileSync(path, data, { mode: 0o600 })
  return path
}

const KINDS: { name: string; spec: KeySpec }[] = [
  { name: 'RSA 2048', spec: { algorithm: 'RSA', length: 2048 } },
  { name: 'EC P-256', spec: { algorithm: 'ECDSA', curve: 'P-256' } },
  { name: 'Ed25519', spec: { algorithm: 'EdDSA', curve: 'Ed25519' } },
  { name: 'X25519', spec: { algorithm: 'ECDH', curve: 'X25519' } },
]

describe('export({ passphrase }): encrypted PKCS#8', () => {
  for (const k of KINDS) {
    it(`${k.name}: PEM with PBKDF2 opens in openssl (pkey -check) and node, to the same key`, async () => {
      using pair = await generateKey(k.spec)
      const plain = pair.export({ format: 'pem' })
      const pem = pair.export({ format: 'pem', passphrase: 'correct horse' })
      expect(pem).toMatch(
        /^-----BEGIN ENCRYPTED PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+-----END ENCRYPTED PRIVATE KEY-----\n$/,
      )
      const path = file(`${k.name.replace(/ /g, '')}.pem`, pem)
      const check = openssl(['pkey', '-in', path, '-passin', 'pass:correct horse', '-check', '-noout'])
      expect(check, check.stderr).toMatchObject({ status: 0 })
      // openssl decrypts it back to the plain PKCS#8 we export
      const out = openssl(['pkey', '-in', path, '-passin', 'pass:correct horse'])
      expect(out.status, out.stderr).toBe(0)
      expect(out.stdout).toBe(plain)
      const node = createPrivateKey({ key: pem, passphrase: 'correct horse' })
      expect(node.export({ format: 'pem', type: 'pkcs8' })).toBe(plain)
      // and a wrong passphrase is refused by both
      expect(openssl(['pkey', '-in', path, '-passin', 'pass:wrong horse', '-noout']).status).not.toBe(0)
      expect(() => createPrivateKey({ key: pem, passphrase: 'wrong horse' })).toThrow()
    })
  }

  it('the structure is PBES2 / PBKDF2 with hmacWithSHA256, 600000 iterations, a 16-byte salt / AES-256-CBC with a 16-byte IV', async () => {
    using pair = await generateKey({ algorithm: 'ECDSA', curve: 'P-256' })
    const der = pair.export({ format: 'der', passphrase: 'pw' })
    const path = file('p256.p8.der', der)
    const asn1 = execFileSync('openssl', ['asn1parse', '-inform', 'DER', '-in', path], { encoding: 'utf8' })
    expect(asn1).toContain(':PBES2')
    expect(asn1).toContain(':PBKDF2')
    expect(asn1).toContain(':hmacWithSHA256')
    expect(asn1).toContain(':aes-256-cbc')
    expect(asn1).toMatch(/INTEGER +:0927C0\n/) // 600000
    expect(asn1.match(/OCTET STRING +\[HEX DUMP\]:[0-9A-F]{32}\n/g)).toHaveLength(2) // salt and IV
    // DER opens too
    const r = openssl(['pkey', '-inform', 'DER', '-in', path, '-passin', 'pass:pw', '-check', '-noout'])
    expect(r, r.stderr).toMatchObject({ status: 0 })
    expect(createPrivateKey({ key: der, format: 'der', type: 'pkcs8', passphrase: 'pw' }).asymmetricKeyType).toBe('ec')
  })

  it('kdf: scrypt (N=16384, r=8, p=1) opens in openssl and node', async () => {
    using pair = await generateKey({ algorithm: 'EdDSA', curve: 'Ed25519' })
    const pem = pair.export({ format: 'pem', passphrase: 'pw', kdf: 'scrypt' })
    const path = file('ed.scrypt.pem', pem)
    const asn1 = execFileSync('openssl', ['asn1parse', '-in', path], { encoding: 'utf8' })
    expect(asn1).toContain(':scrypt\n')
    expect(asn1).toMatch(
      /INTEGER +:4000\n +\d+:d=\d+ +hl=2 l= +1 prim: INTEGER +:08\n +\d+:d=\d+ +hl=2 l= +1 prim: INTEGER +:01\n/,
    )
    const r = openssl(['pkey', '-in', path, '-passin', 'pass:pw'])
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout).toBe(pair.export({ format: 'pem' }))
    expect(createPrivateKey({ key: pem, passphrase: 'pw' }).export({ format: 'pem', type: 'pkcs8' })).toBe(r.stdout)
  })

  it('a Uint8Array passphrase is used as its bytes; two exports differ (fresh salt and IV)', async () => {
    using pair = await generateKey({ algorithm: 'ECDSA', curve: 'P-256' })
    const pass = Uint8Array.of(0xff, 0x00, 0x80, 0x7f)
    const a = pair.export({ format: 'pem', passphrase: pass })
    const b = pair.export({ format: 'pem', passphrase: pass })
    expect(a).not.toBe(b)
    for (const pem of [a, b]) {
      expect(
        createPrivateKey({ key: pem, passphrase: Buffer.from(pass) }).export({ format: 'pem', type: 'pkcs8' }),
      ).toBe(pair.export({ format: 'pem' }))
    }
    expect(pass).toEqual(Uint8Array.of(0xff, 0x00, 0x80, 0x7f)) // the caller's bytes are left alone
  })

  it('bad passphrase options are ERR_INVALID_REQUEST, before any work', async () => {
    using pair = await generateKey({ algorithm: 'ECDSA', curve: 'P-256' })
    const bad: unknown[] = [
      { format: 'jwk', passphrase: 'pw' },
      { format: 'blob', passphrase: 'pw' },
      { format: 'pem', type: 'sec1', passphrase: 'pw' },
      { format: 'der', type: 'pkcs1', passphrase: 'pw' },
      { format: 'pem', passphrase: '' },
      { format: 'pem', passphrase: new Uint8Array(0) },
      { format: 'pem', passphrase: 42 },
      { format: 'pem', kdf: 'scrypt' },
      { format: 'pem', passphrase: 'pw', kdf: 'argon2' },
    ]
    for (const options of bad) {
      await expectCode(() => (pair as KeyPair).export(options as never), 'ERR_INVALID_REQUEST')
    }
  })
})
