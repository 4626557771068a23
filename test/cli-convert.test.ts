/**
 * `convert` round trips through the real binary: PEM → JWK → PEM gives the
 * same bytes, DER and the traditional PEMs come back to PKCS#8, public keys
 * match what `--pub` wrote, and keys made by the system openssl convert too.
 */
import { execFileSync } from 'node:child_process'
import { createPrivateKey, createPublicKey } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cli, expectMode, have, jsonLines, ok, publicMode, tempDir } from './cli-helpers.js'
import { nodeCryptoHasPostQuantum, opensslCheck } from './helpers.js'

/** openssl genpkey prints progress dots on stderr: keep them out of the test report. */
const QUIET: { stdio: ['ignore', 'pipe', 'pipe'] } = { stdio: ['ignore', 'pipe', 'pipe'] }

/** node:crypto reads ML-DSA / ML-KEM keys (Node 24+); Node 22's cannot, pq-noble.test.ts checks them there. */
const NODE_PQ = nodeCryptoHasPostQuantum()

const JWK_KINDS: { name: string; args: string[] }[] = [
  { name: 'RSA 2048', args: ['rsa', '--bits', '2048'] },
  { name: 'EC P-256', args: ['ec', '--curve', 'P-256'] },
  { name: 'EC P-384', args: ['ec', '--curve', 'P-384'] },
  { name: 'EC P-521', args: ['ec', '--curve', 'P-521'] },
  { name: 'EC secp256k1', args: ['ec', '--curve', 'secp256k1'] },
  { name: 'Ed25519', args: ['okp', '--curve', 'Ed25519'] },
  { name: 'Ed448', args: ['okp', '--curve', 'Ed448'] },
  { name: 'X25519', args: ['okp', '--curve', 'X25519'] },
  { name: 'X448', args: ['okp', '--curve', 'X448'] },
]
const PQ_KINDS: { name: string; args: string[] }[] = [
  { name: 'ML-DSA-44', args: ['ml-dsa', '--set', '44'] },
  { name: 'ML-DSA-87', args: ['ml-dsa', '--set', '87'] },
  { name: 'ML-KEM-512', args: ['ml-kem', '--set', '512'] },
  { name: 'ML-KEM-1024', args: ['ml-kem', '--set', '1024'] },
]

function roundTrips(kinds: { name: string; args: string[] }[], note: string): void {
  for (const k of kinds) {
    it(`${k.name}${note}: PEM → JWK → PEM and PEM → DER → PEM are byte-identical; the public halves match --pub`, () => {
      const dir = tempDir()
      ok(cli([...k.args, '--out', 'key.pem', '--pub', 'key.pub.pem'], { cwd: dir }))
      const pem = readFileSync(join(dir, 'key.pem'), 'utf8')
      const pub = readFileSync(join(dir, 'key.pub.pem'), 'utf8')

      const jwkText = ok(cli(['convert', 'key.pem', '--to', 'jwk'], { cwd: dir })).stdout
      const jwk = JSON.parse(jwkText)
      // node reads the same private key from our JWK as from our PEM
      expect(createPrivateKey({ key: jwk, format: 'jwk' }).export({ format: 'pem', type: 'pkcs8' })).toEqual(
        createPrivateKey(pem).export({ format: 'pem', type: 'pkcs8' }),
      )
      writeFileSync(join(dir, 'key.jwk'), jwkText)
      expect(ok(cli(['convert', 'key.jwk', '--to', 'pem'], { cwd: dir })).stdout).toBe(pem)

      const der = ok(cli(['convert', 'key.pem', '--to', 'der'], { cwd: dir })).stdoutBytes
      writeFileSync(join(dir, 'key.der'), der)
      expect(ok(cli(['convert', 'key.der', '--to', 'pem'], { cwd: dir })).stdout).toBe(pem)

      expect(ok(cli(['convert', 'key.pem', '--to', 'pem', '--public'], { cwd: dir })).stdout).toBe(pub)
      expect(ok(cli(['convert', 'key.jwk', '--to', 'pem', '--public'], { cwd: dir })).stdout).toBe(pub)
      const pubJwk = JSON.parse(ok(cli(['convert', 'key.pub.pem', '--to', 'jwk'], { cwd: dir })).stdout)
      const { d: _d, priv: _priv, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...expectedPublic } = jwk
      expect(pubJwk).toEqual(expectedPublic)
    })
  }
}

describe('convert round trips', () => {
  roundTrips(JWK_KINDS, '')
  describe.skipIf(!NODE_PQ)("ML-DSA / ML-KEM (Node 24's node:crypto reads the PEM; Node 22's cannot)", () => {
    roundTrips(PQ_KINDS, ' (with Node 24 crypto)')
  })

  it('stdin (-) in, JWK decorations out', () => {
    const dir = tempDir()
    const pem = ok(cli(['ec'], { cwd: dir })).stdout
    const jwk = JSON.parse(
      ok(cli(['convert', '-', '--to', 'jwk', '--use', 'sig', '--alg', 'ES256', '--kid', 'k1'], { input: pem })).stdout,
    )
    expect(jwk).toMatchObject({ kty: 'EC', crv: 'P-256', use: 'sig', alg: 'ES256', kid: 'k1' })
    const set = JSON.parse(ok(cli(['convert', '-', '--to', 'jwks', '--public'], { input: pem })).stdout)
    expect(set.keys).toHaveLength(1)
    expect(set.keys[0]).not.toHaveProperty('d')
  })

  it('a JWK set of one key converts', () => {
    const dir = tempDir()
    ok(cli(['ec', '--format', 'jwks', '--alg', 'ES256', '--out', 'set.json'], { cwd: dir }))
    const pem = ok(cli(['convert', 'set.json', '--to', 'pem'], { cwd: dir })).stdout
    expect(opensslCheck(pem, 'private')).toMatch(/valid/i)
  })

  it('PKCS#1 and SEC1 PEM (and DER) in → PKCS#8 out, the same key', () => {
    const dir = tempDir()
    for (const [args, type] of [
      [['rsa', '--bits', '2048'], 'pkcs1'],
      [['ec', '--curve', 'P-521'], 'sec1'],
    ] as const) {
      ok(cli([...args, '--out', `${type}.pem`, '--type', type], { cwd: dir }))
      const pkcs8 = ok(cli(['convert', `${type}.pem`, '--to', 'pem'], { cwd: dir })).stdout
      expect(pkcs8).toMatch(/^-----BEGIN PRIVATE KEY-----\n/)
      expect(pkcs8).toBe(
        createPrivateKey(readFileSync(join(dir, `${type}.pem`))).export({ format: 'pem', type: 'pkcs8' }),
      )
      const back = ok(cli(['convert', '-', '--to', 'pem', '--type', type], { input: pkcs8 })).stdout
      expect(back).toBe(readFileSync(join(dir, `${type}.pem`), 'utf8'))
      // DER of the traditional structure
      const der = ok(cli(['convert', `${type}.pem`, '--to', 'der', '--type', type], { cwd: dir })).stdoutBytes
      writeFileSync(join(dir, `${type}.der`), der)
      expect(ok(cli(['convert', `${type}.der`, '--to', 'pem'], { cwd: dir })).stdout).toBe(pkcs8)
    }
    const rsaPub1 = ok(cli(['convert', 'pkcs1.pem', '--to', 'pem', '--public', '--type', 'pkcs1'], { cwd: dir })).stdout
    expect(rsaPub1).toMatch(/^-----BEGIN RSA PUBLIC KEY-----\n/)
    writeFileSync(join(dir, 'rsapub1.pem'), rsaPub1)
    expect(ok(cli(['convert', 'rsapub1.pem', '--to', 'pem'], { cwd: dir })).stdout).toBe(
      createPublicKey(rsaPub1).export({ format: 'pem', type: 'spki' }),
    )
  })

  it('DSA and DH: PEM → DER → PEM identical, the public key equals openssl pkey -pubout', () => {
    const dir = tempDir()
    for (const args of [
      ['dsa', '--bits', '2048'],
      ['dh', '--bits', '2048'],
    ]) {
      ok(cli([...args, '--out', 'k.pem', '--force'], { cwd: dir }))
      const pem = readFileSync(join(dir, 'k.pem'), 'utf8')
      expect(ok(cli(['convert', 'k.pem', '--to', 'pem'], { cwd: dir })).stdout).toBe(pem)
      const der = ok(cli(['convert', 'k.pem', '--to', 'der'], { cwd: dir })).stdoutBytes
      expect(ok(cli(['convert', '-', '--to', 'pem'], { input: der })).stdout).toBe(pem)
      const pub = ok(cli(['convert', 'k.pem', '--to', 'pem', '--public'], { cwd: dir })).stdout
      expect(pub).toBe(execFileSync('openssl', ['pkey', '-in', join(dir, 'k.pem'), '-pubout'], { encoding: 'utf8' }))
    }
  })

  it('keys made by the system openssl (RSA, EC, Ed25519, X448, DSA, DH) convert and come back as the same key', () => {
    const dir = tempDir()
    const gens: [string, string[]][] = [
      ['rsa', ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048']],
      ['ec', ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384']],
      ['ed25519', ['-algorithm', 'ED25519']],
      ['x448', ['-algorithm', 'X448']],
    ]
    for (const [name, args] of gens) {
      const file = join(dir, `${name}.pem`)
      execFileSync('openssl', ['genpkey', ...args, '-out', file], QUIET)
      const jwk = ok(cli(['convert', file, '--to', 'jwk'])).stdout
      const pem = ok(cli(['convert', '-', '--to', 'pem'], { input: jwk })).stdout
      expect(createPrivateKey(pem).export({ format: 'jwk' })).toEqual(
        createPrivateKey(readFileSync(file)).export({ format: 'jwk' }),
      )
      expect(opensslCheck(pem, 'private')).toMatch(/valid/i)
    }
    execFileSync(
      'openssl',
      [
        'genpkey',
        '-genparam',
        '-algorithm',
        'DSA',
        '-pkeyopt',
        'dsa_paramgen_bits:1024',
        '-out',
        join(dir, 'dsap.pem'),
      ],
      QUIET,
    )
    execFileSync('openssl', ['genpkey', '-paramfile', join(dir, 'dsap.pem'), '-out', join(dir, 'dsa.pem')], QUIET)
    execFileSync(
      'openssl',
      ['genpkey', '-algorithm', 'DH', '-pkeyopt', 'group:ffdhe2048', '-out', join(dir, 'dh.pem')],
      QUIET,
    )
    for (const name of ['dsa', 'dh']) {
      const file = join(dir, `${name}.pem`)
      const pem = ok(cli(['convert', file, '--to', 'pem'])).stdout
      expect(opensslCheck(pem, 'private')).toMatch(/valid/i)
      expect(ok(cli(['convert', '-', '--to', 'pem', '--public'], { input: pem })).stdout).toBe(
        execFileSync('openssl', ['pkey', '-in', file, '-pubout'], { encoding: 'utf8' }),
      )
    }
  })

  it('--to openssh: the private key file (ssh-keygen reads it) or the public line with --public', () => {
    const dir = tempDir()
    ok(cli(['ec', '--curve', 'P-256', '--out', 'k.pem', '--format', 'pem'], { cwd: dir }))
    const line = ok(cli(['convert', 'k.pem', '--to', 'openssh', '--public', '--comment', 'c@h'], { cwd: dir })).stdout
    expect(line).toMatch(/^ecdsa-sha2-nistp256 \S+ c@h\n$/)
    const r = ok(cli(['convert', 'k.pem', '--to', 'openssh', '--out', 'id_ecdsa'], { cwd: dir }))
    expect(jsonLines(r.stdout)[0]).toMatchObject({ private: 'id_ecdsa', kind: 'EC', curve: 'P-256', format: 'openssh' })
    expectMode(join(dir, 'id_ecdsa'), 0o600)
    if (have('ssh-keygen')) {
      const derived = execFileSync('ssh-keygen', ['-y', '-f', join(dir, 'id_ecdsa')], { encoding: 'utf8' })
      expect(derived.trim().split(' ').slice(0, 2)).toEqual(line.trim().split(' ').slice(0, 2))
    }
  })

  it('--out writes atomically: 0600 for private output, the public mode for public output; a JSON line on stdout', () => {
    const dir = tempDir()
    ok(cli(['okp', '--out', 'k.pem'], { cwd: dir }))
    const r = ok(cli(['convert', 'k.pem', '--to', 'jwk', '--out', 'k.jwk'], { cwd: dir }))
    const [line] = jsonLines(r.stdout)
    expect(line).toMatchObject({ private: 'k.jwk', kind: 'OKP', curve: 'Ed25519', format: 'jwk' })
    expect(line?.thumbprint).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expectMode(join(dir, 'k.jwk'), 0o600)
    ok(cli(['convert', 'k.pem', '--to', 'jwk', '--public', '--out', 'k.pub.jwk'], { cwd: dir }))
    expectMode(join(dir, 'k.pub.jwk'), publicMode())
    expect(JSON.parse(readFileSync(join(dir, 'k.pub.jwk'), 'utf8'))).not.toHaveProperty('d')
  })
})
