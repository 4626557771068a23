/**
 * readKey on the keys people have, each made by the outside tool and checked
 * against it: ssh-keygen's private keys (plain and -N) and public lines,
 * openssl's encrypted PKCS#8 and legacy encrypted PEM, X.509 certificates
 * (PEM and DER), RSASSA-PSS keys (re-encoded byte for byte as openssl wrote
 * them), jose's JWK sets and JWEs; brainpool gets our typed error.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { createPrivateKey, createPublicKey, KeyObject } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CompactEncrypt, exportJWK, generateKeyPair } from 'jose'
import { afterAll, describe, expect, it } from 'vitest'
import { privateKeyDer, publicKeyDer, toOpenSsh, toPem } from '../src/formats/index.js'
import { toOpenSshPrivate } from '../src/formats/openssh-private.js'
import { type KeyMaterial, readKey } from '../src/index.js'
import { expectCode } from './helpers.js'

const dir = mkdtempSync(join(tmpdir(), 'pk-readkey-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const path = (n: string): string => join(dir, n)
const sh = (cmd: string, args: string[]): string =>
  execFileSync(cmd, args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
const file = (n: string): Buffer => readFileSync(path(n))

function publicPem(m: KeyMaterial): string {
  const { d: _d, ...pub } = m as KeyMaterial & { d?: unknown }
  return toPem(publicKeyDer(pub as KeyMaterial), 'PUBLIC KEY')
}

describe('OpenSSH keys made by ssh-keygen', () => {
  for (const [name, args] of [
    ['ed25519', ['-t', 'ed25519']],
    ['ecdsa384', ['-t', 'ecdsa', '-b', '384']],
    ['rsa', ['-t', 'rsa', '-b', '2048']],
  ] as const) {
    it(`${name}: the private key (plain and -N, -a 4) and the public line read back to what ssh-keygen says`, async () => {
      sh('ssh-keygen', [...args, '-q', '-N', '', '-C', 'c@h', '-f', `${name}`])
      sh('ssh-keygen', [...args, '-q', '-N', 'sekrit', '-a', '4', '-f', `${name}-enc`])
      const pubLine = file(`${name}.pub`).toString().trim()
      const plain = readKey(file(name))
      // our OpenSSH writing of what we read is opened by ssh-keygen to the same public key
      const rewritten = path(`${name}-ours`)
      execFileSync('sh', ['-c', `umask 077; cat > '${rewritten}'`], { input: toOpenSshPrivate(plain) })
      expect(sh('ssh-keygen', ['-y', '-f', rewritten]).trim()).toBe(pubLine.replace(/ c@h$/, ''))
      expect(toOpenSsh(readKey(pubLine))).toBe(pubLine.replace(/ c@h$/, ''))
      if (name !== 'ed25519') {
        // ssh-keygen's own PKCS#8 / SPKI export of the public key
        expect(publicPem(readKey(pubLine))).toBe(sh('ssh-keygen', ['-e', '-m', 'PKCS8', '-f', `${name}.pub`]))
      }
      const enc = readKey(file(`${name}-enc`), { passphrase: 'sekrit' })
      expect(toOpenSsh(enc)).toBe(file(`${name}-enc.pub`).toString().trim().split(' ').slice(0, 2).join(' '))
      await expectCode(() => readKey(file(`${name}-enc`), { passphrase: 'wrong' }), 'ERR_BAD_PASSPHRASE')
      await expectCode(() => readKey(file(`${name}-enc`)), 'ERR_BAD_PASSPHRASE')
      // the private key node builds from our PKCS#8 has the same public key
      expect(
        createPublicKey(
          createPrivateKey({ key: Buffer.from(privateKeyDer(enc)), format: 'der', type: 'pkcs8' }),
        ).export({
          format: 'pem',
          type: 'spki',
        }),
      ).toBe(publicPem(enc))
    })
  }

  it('an ssh-dss / sk- line (other algorithms) and a truncated blob → typed errors', async () => {
    await expectCode(() => readKey('ssh-dss AAAAB3NzaC1kc3MAAAA='), 'ERR_UNSUPPORTED_ALGORITHM')
    await expectCode(() => readKey('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA=='), 'ERR_INVALID_REQUEST')
    await expectCode(
      () => readKey('sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29t'),
      'ERR_UNSUPPORTED_ALGORITHM',
    )
  })
})

describe('PEM and DER made by openssl', () => {
  it('encrypted PKCS#8 (PEM and DER) and legacy Proc-Type: 4,ENCRYPTED PEM read with the passphrase', async () => {
    sh('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384', '-out', 'ec.pem'])
    const topk8 = (cipher: string, out: string, der: boolean) =>
      sh(
        'openssl',
        ['pkcs8', '-topk8', '-in', 'ec.pem', '-v2', cipher, '-passout', 'pass:pw', '-out', out].concat(
          der ? ['-outform', 'DER'] : [],
        ),
      )
    topk8('aes-256-cbc', 'ec.p8.pem', false)
    topk8('aes-128-cbc', 'ec.p8.der', true)
    sh('openssl', ['pkey', '-in', 'ec.pem', '-traditional', '-aes128', '-passout', 'pass:pw', '-out', 'ec.legacy.pem'])
    expect(file('ec.legacy.pem').toString()).toContain('Proc-Type: 4,ENCRYPTED')
    const want = createPrivateKey(file('ec.pem')).export({ format: 'der', type: 'pkcs8' })
    for (const f of ['ec.p8.pem', 'ec.p8.der', 'ec.legacy.pem']) {
      const m = readKey(file(f), { passphrase: 'pw' })
      expect(
        createPrivateKey({ key: Buffer.from(privateKeyDer(m)), format: 'der', type: 'pkcs8' }).export({
          format: 'der',
          type: 'pkcs8',
        }),
      ).toEqual(want)
      await expectCode(() => readKey(file(f), { passphrase: 'nope' }), 'ERR_BAD_PASSPHRASE')
      await expectCode(() => readKey(file(f)), 'ERR_BAD_PASSPHRASE')
    }
  })

  it('an X.509 certificate, PEM and DER: its public key, as openssl x509 -pubkey prints it', () => {
    sh('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'ck.pem',
      '-out',
      'cert.pem',
      '-subj',
      '/CN=t',
      '-days',
      '1',
    ])
    sh('openssl', ['x509', '-in', 'cert.pem', '-outform', 'DER', '-out', 'cert.der'])
    const want = sh('openssl', ['x509', '-in', 'cert.pem', '-pubkey', '-noout'])
    expect(publicPem(readKey(file('cert.pem')))).toBe(want)
    expect(publicPem(readKey(file('cert.der')))).toBe(want)
  })

  it('RSASSA-PSS keys keep their parameters: PKCS#8 and SPKI come back byte for byte as openssl wrote them', async () => {
    sh('openssl', [
      'genpkey',
      '-algorithm',
      'RSA-PSS',
      '-pkeyopt',
      'rsa_keygen_bits:2048',
      '-pkeyopt',
      'rsa_pss_keygen_md:sha256',
      '-pkeyopt',
      'rsa_pss_keygen_saltlen:32',
      '-out',
      'pss.pem',
    ])
    sh('openssl', ['genpkey', '-algorithm', 'RSA-PSS', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'pss0.pem'])
    for (const f of ['pss.pem', 'pss0.pem']) {
      const m = readKey(file(f))
      expect(m.type === 'RSA' && m.pss !== undefined).toBe(true)
      expect(toPem(privateKeyDer(m), 'PRIVATE KEY')).toBe(file(f).toString())
      const pub = sh('openssl', ['pkey', '-in', f, '-pubout'])
      expect(publicPem(m)).toBe(pub)
      expect(publicPem(readKey(pub))).toBe(pub)
      // what has no place for the parameters refuses rather than drop them
      await expectCode(() => privateKeyDer(m, 'pkcs1'), 'ERR_UNSUPPORTED_FORMAT')
      await expectCode(() => toOpenSsh(m), 'ERR_UNSUPPORTED_FORMAT')
    }
    const text = sh('openssl', ['pkey', '-in', 'pss.pem', '-text', '-noout'])
    expect(text).toMatch(/PSS parameter restrictions:\n +Hash Algorithm: SHA2-256\n[\s\S]*Minimum Salt Length: 32\n/)
    const ours = path('pss-ours.pem')
    execFileSync('sh', ['-c', `umask 077; cat > '${ours}'`], {
      input: toPem(privateKeyDer(readKey(file('pss.pem'))), 'PRIVATE KEY'),
    })
    expect(sh('openssl', ['pkey', '-in', ours, '-text', '-noout'])).toBe(text)
  })

  it('brainpoolP256r1 → ERR_UNSUPPORTED_ALGORITHM naming the curve, never node’s raw error', async () => {
    const r = spawnSync(
      'sh',
      ['-c', 'openssl ecparam -name brainpoolP256r1 -genkey -noout | openssl pkey -out bp.pem'],
      { cwd: dir },
    )
    expect(r.status).toBe(0)
    const err = await expectCode(() => readKey(file('bp.pem')), 'ERR_UNSUPPORTED_ALGORITHM')
    expect(err.message).toContain('brainpoolP256r1')
    const pub = sh('openssl', ['pkey', '-in', 'bp.pem', '-pubout'])
    await expectCode(() => readKey(pub), 'ERR_UNSUPPORTED_ALGORITHM')
  })
})

describe('JWK sets and JWEs made by jose', () => {
  it('kid picks the key of a set; without kid a set of two is ERR_INVALID_REQUEST naming the kids; an unknown kid too', async () => {
    const a = await generateKeyPair('ES256', { extractable: true })
    const b = await generateKeyPair('EdDSA', { extractable: true })
    const set = {
      keys: [
        { ...(await exportJWK(a.publicKey)), kid: 'a' },
        { ...(await exportJWK(b.publicKey)), kid: 'b' },
      ],
    }
    const text = JSON.stringify(set)
    const m = readKey(text, { kid: 'b' })
    expect(m).toMatchObject({ type: 'OKP', curve: 'Ed25519' })
    expect(publicPem(m)).toBe(KeyObject.from(b.publicKey).export({ format: 'pem', type: 'spki' }))
    expect(publicPem(readKey(text, { kid: 'a' }))).toBe(
      KeyObject.from(a.publicKey).export({ format: 'pem', type: 'spki' }),
    )
    const err = await expectCode(() => readKey(text), 'ERR_INVALID_REQUEST')
    expect(err.message).toContain('kids: a, b')
    await expectCode(() => readKey(text, { kid: 'c' }), 'ERR_INVALID_REQUEST')
  })

  it("a private JWK in jose's PBES2-HS256+A128KW JWE reads with the passphrase", async () => {
    const k = await generateKeyPair('ES384', { extractable: true })
    const jwk = await exportJWK(k.privateKey)
    const jwe = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify(jwk)))
      .setProtectedHeader({ alg: 'PBES2-HS256+A128KW', enc: 'A128GCM', cty: 'jwk+json' })
      .encrypt(new TextEncoder().encode('pw'))
    const m = readKey(jwe, { passphrase: 'pw' })
    expect(
      createPrivateKey({ key: Buffer.from(privateKeyDer(m)), format: 'der', type: 'pkcs8' }).export({ format: 'jwk' }),
    ).toEqual(jwk)
    await expectCode(() => readKey(jwe, { passphrase: 'wrong' }), 'ERR_BAD_PASSPHRASE')
    await expectCode(() => readKey(jwe), 'ERR_BAD_PASSPHRASE')
  })

  it('bad arguments → ERR_INVALID_REQUEST', async () => {
    await expectCode(() => readKey(42 as never), 'ERR_INVALID_REQUEST')
    await expectCode(() => readKey('{}', { kid: 7 as never }), 'ERR_INVALID_REQUEST')
    await expectCode(() => readKey('hello'), 'ERR_INVALID_REQUEST')
  })
})
