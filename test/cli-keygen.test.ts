/**
 * The key commands through the real binary: files and modes, refusing
 * existing files, `openssl pkey -check` on the PEM, `ssh-keygen` on the
 * OpenSSH output, every --format and --type.
 */
import { execFileSync } from 'node:child_process'
import {
  createPrivateKey,
  createPublicKey,
  decapsulate as nodeDecapsulate,
  encapsulate as nodeEncapsulate,
  sign,
  verify,
} from 'node:crypto'
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  cli,
  expectMode,
  fails,
  have,
  jsonLines,
  leftoverTemps,
  ok,
  POSIX,
  publicMode,
  ROOT,
  tempDir,
} from './cli-helpers.js'
import { hasPostQuantum, nodeCryptoHasPostQuantum, opensslCheck } from './helpers.js'

const PQ = hasPostQuantum()
/** node:crypto reads ML-DSA / ML-KEM keys (Node 24+); Node 22's cannot, pq-noble.test.ts checks them there. */
const NODE_PQ = nodeCryptoHasPostQuantum()
const SSH = have('ssh-keygen')

// Every key kind the low-level commands make, with the system OpenSSL 3.0 checking the PEM.
const CLASSIC: { name: string; args: string[]; kind: string }[] = [
  { name: 'rsa 2048', args: ['rsa', '--bits', '2048'], kind: 'rsa' },
  { name: 'rsa 3072 (default)', args: ['rsa'], kind: 'rsa' },
  { name: 'dsa 1024', args: ['dsa', '--bits', '1024'], kind: 'dsa' },
  { name: 'dsa 2048', args: ['dsa', '--bits', '2048'], kind: 'dsa' },
  { name: 'dh 2048', args: ['dh', '--bits', '2048'], kind: 'dh' },
  { name: 'ec P-256', args: ['ec', '--curve', 'P-256'], kind: 'ec' },
  { name: 'ec P-384 (ECDH)', args: ['ec', '--curve', 'P-384', '--ecdh'], kind: 'ec' },
  { name: 'ec P-521', args: ['ec', '--curve', 'P-521'], kind: 'ec' },
  { name: 'ec secp256k1', args: ['ec', '--curve', 'secp256k1'], kind: 'ec' },
  { name: 'okp Ed25519', args: ['okp', '--curve', 'Ed25519'], kind: 'ed25519' },
  { name: 'okp Ed448', args: ['okp', '--curve', 'Ed448'], kind: 'ed448' },
  { name: 'okp X25519', args: ['okp', '--curve', 'X25519'], kind: 'x25519' },
  { name: 'okp X448', args: ['okp', '--curve', 'X448'], kind: 'x448' },
]

describe('key files: modes, openssl pkey -check', () => {
  for (const c of CLASSIC) {
    it(`${c.name}: --out 0600, --pub ${publicMode().toString(8)}, openssl pkey -check / -pubcheck pass`, () => {
      const dir = tempDir()
      const r = ok(cli([...c.args, '--out', 'key.pem', '--pub', 'key.pub.pem'], { cwd: dir }))
      const [line, ...more] = jsonLines(r.stdout)
      expect(more).toEqual([])
      expect(line).toMatchObject({ private: 'key.pem', public: 'key.pub.pem', format: 'pem' })
      expectMode(join(dir, 'key.pem'), 0o600)
      expectMode(join(dir, 'key.pub.pem'), publicMode())
      expect(leftoverTemps(dir)).toEqual([])
      const pem = readFileSync(join(dir, 'key.pem'), 'utf8')
      const pub = readFileSync(join(dir, 'key.pub.pem'), 'utf8')
      expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/)
      expect(pub).toMatch(/^-----BEGIN PUBLIC KEY-----\n/)
      expect(opensslCheck(pem, 'private')).toMatch(/valid/i)
      expect(opensslCheck(pub, 'public')).toMatch(/valid/i)
      const key = createPrivateKey(pem)
      expect(key.asymmetricKeyType).toBe(c.kind)
      // the public file is the public half of the private file
      expect(createPublicKey(key).export({ format: 'pem', type: 'spki' })).toBe(pub)
    })
  }

  it('the private key on stdout when there is no --out (openssl genrsa style)', () => {
    const r = ok(cli(['rsa', '--bits', '2048']))
    expect(r.stdout).toMatch(/^-----BEGIN PRIVATE KEY-----\n[\s\S]+-----END PRIVATE KEY-----\n$/)
    expect(opensslCheck(r.stdout, 'private')).toMatch(/valid/i)
  })

  it('--public prints only the public key; --public --out writes it with the public mode', () => {
    const r = ok(cli(['ec', '--public']))
    expect(r.stdout).toMatch(/^-----BEGIN PUBLIC KEY-----\n[\s\S]+-----END PUBLIC KEY-----\n$/)
    const dir = tempDir()
    const w = ok(cli(['ec', '--public', '--out', 'p.pem'], { cwd: dir }))
    expect(jsonLines(w.stdout)[0]).toMatchObject({ public: 'p.pem' })
    expect(jsonLines(w.stdout)[0]).not.toHaveProperty('private')
    expectMode(join(dir, 'p.pem'), publicMode())
  })

  it('--type pkcs1 (RSA) and --type sec1 (EC) write the traditional PEMs, which openssl checks', () => {
    const rsa = ok(cli(['rsa', '--bits', '2048', '--type', 'pkcs1'])).stdout
    expect(rsa).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n/)
    expect(opensslCheck(rsa, 'private')).toMatch(/valid/i)
    const ec = ok(cli(['ec', '--curve', 'P-384', '--type', 'sec1'])).stdout
    expect(ec).toMatch(/^-----BEGIN EC PRIVATE KEY-----\n/)
    expect(opensslCheck(ec, 'private')).toMatch(/valid/i)
    const pub = ok(cli(['rsa', '--bits', '2048', '--public', '--type', 'pkcs1'])).stdout
    expect(pub).toMatch(/^-----BEGIN RSA PUBLIC KEY-----\n/)
    expect(createPublicKey(pub).asymmetricKeyType).toBe('rsa')
  })

  it('--format der writes DER that node reads as PKCS#8 / SPKI', () => {
    const dir = tempDir()
    ok(cli(['ec', '--format', 'der', '--out', 'k.der', '--pub', 'k.pub.der'], { cwd: dir }))
    const key = createPrivateKey({ key: readFileSync(join(dir, 'k.der')), format: 'der', type: 'pkcs8' })
    const pub = createPublicKey({ key: readFileSync(join(dir, 'k.pub.der')), format: 'der', type: 'spki' })
    expect(createPublicKey(key).export({ format: 'jwk' })).toEqual(pub.export({ format: 'jwk' }))
    // DER on stdout when stdout is not a terminal
    const r = ok(cli(['okp', '--format', 'der']))
    expect(createPrivateKey({ key: r.stdoutBytes, format: 'der', type: 'pkcs8' }).asymmetricKeyType).toBe('ed25519')
  })

  it('--format jwk prints the private JWK with --use/--alg/--kid; --public the public one', () => {
    const jwk = JSON.parse(
      ok(cli(['ec', '--curve', 'P-384', '--format', 'jwk', '--use', 'sig', '--alg', 'ES384', '--kid', 'k1'])).stdout,
    )
    expect(jwk).toMatchObject({ kty: 'EC', crv: 'P-384', use: 'sig', alg: 'ES384', kid: 'k1' })
    expect(typeof jwk.d).toBe('string')
    const key = createPrivateKey({ key: jwk, format: 'jwk' })
    expect(key.asymmetricKeyDetails?.namedCurve).toBe('secp384r1')
    const pub = JSON.parse(ok(cli(['okp', '--curve', 'X25519', '--format', 'jwk', '--public', '--use', 'enc'])).stdout)
    expect(pub).toEqual({ kty: 'OKP', crv: 'X25519', x: expect.any(String), use: 'enc' })
  })

  it('--format jwks prints a set; --count N of jwk prints N compact lines', () => {
    const set = JSON.parse(ok(cli(['rsa', '--bits', '2048', '--format', 'jwks', '--count', '2'])).stdout)
    expect(set.keys).toHaveLength(2)
    for (const k of set.keys) expect(k).toMatchObject({ kty: 'RSA', d: expect.any(String) })
    const lines = ok(cli(['okp', '--format', 'jwk', '--count', '3', '--public'])).stdout.split('\n')
    expect(lines).toHaveLength(4)
    expect(lines[3]).toBe('')
    const keys = lines.slice(0, 3).map((l) => JSON.parse(l))
    expect(new Set(keys.map((k) => k.x)).size).toBe(3)
    for (const k of keys) expect(k).not.toHaveProperty('d')
  })

  it('--format jwks --out FILE --pub FILE: the private set 0600, the public set without private members', () => {
    const dir = tempDir()
    const r = ok(
      cli(['ec', '--format', 'jwks', '--count', '2', '--out', 'set.json', '--pub', 'jwks.json'], { cwd: dir }),
    )
    expect(jsonLines(r.stdout)).toEqual([{ private: 'set.json', public: 'jwks.json', keys: 2, format: 'jwks' }])
    expectMode(join(dir, 'set.json'), 0o600)
    const priv = JSON.parse(readFileSync(join(dir, 'set.json'), 'utf8'))
    const pub = JSON.parse(readFileSync(join(dir, 'jwks.json'), 'utf8'))
    expect(pub.keys).toEqual(priv.keys.map(({ d: _d, ...rest }: Record<string, unknown>) => rest))
  })

  it('--count with --out: {n} in the name, or -N before the extension; one JSON line per key', () => {
    const dir = tempDir()
    const r = ok(cli(['ec', '--count', '3', '--out', 'k.pem', '--pub', 'k-{n}.pub.pem'], { cwd: dir }))
    expect(jsonLines(r.stdout).map((l) => [l.private, l.public])).toEqual([
      ['k-1.pem', 'k-1.pub.pem'],
      ['k-2.pem', 'k-2.pub.pem'],
      ['k-3.pem', 'k-3.pub.pem'],
    ])
    expect(readdirSync(dir).sort()).toEqual([
      'k-1.pem',
      'k-1.pub.pem',
      'k-2.pem',
      'k-2.pub.pem',
      'k-3.pem',
      'k-3.pub.pem',
    ])
    for (const n of [1, 2, 3]) {
      const key = createPrivateKey(readFileSync(join(dir, `k-${n}.pem`)))
      expect(createPublicKey(key).export({ format: 'pem', type: 'spki' })).toBe(
        readFileSync(join(dir, `k-${n}.pub.pem`), 'utf8'),
      )
    }
  })

  it('the summary line carries the RFC 7638 thumbprint of the key it wrote', () => {
    const dir = tempDir()
    const [line] = jsonLines(ok(cli(['okp', '--format', 'jwk', '--out', 'k.jwk'], { cwd: dir })).stdout)
    const jwk = JSON.parse(readFileSync(join(dir, 'k.jwk'), 'utf8'))
    const thumb = execFileSync(
      process.execPath,
      [
        '-e',
        `const {createHash}=require('node:crypto');const j=${JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x })};process.stdout.write(createHash('sha256').update(JSON.stringify(j)).digest('base64url'))`,
      ],
      { encoding: 'utf8' },
    )
    expect(line?.thumbprint).toBe(thumb)
  })
})

describe('existing files are refused without --force', () => {
  it('an existing --out: exit 1, EEXIST, the file untouched, nothing else written', () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'key.pem'), 'precious\n', { mode: 0o640 })
    const line = fails(
      cli(['rsa', '--bits', '2048', '--out', 'key.pem', '--pub', 'key.pub'], { cwd: dir }),
      1,
      'EEXIST',
    )
    expect(line).toContain('key.pem')
    expect(readFileSync(join(dir, 'key.pem'), 'utf8')).toBe('precious\n')
    expectMode(join(dir, 'key.pem'), 0o640)
    expect(readdirSync(dir)).toEqual(['key.pem'])
  })

  it('an existing --pub: refused before anything is generated; the private file is not created', () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'key.pub'), 'old\n')
    fails(cli(['ec', '--out', 'key.pem', '--pub', 'key.pub'], { cwd: dir }), 1, 'EEXIST')
    expect(readdirSync(dir)).toEqual(['key.pub'])
  })

  it('any existing name of a --count batch refuses the whole batch', () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'k-3.pem'), 'old\n')
    fails(cli(['ec', '--count', '4', '--out', 'k-{n}.pem'], { cwd: dir }), 1, 'EEXIST')
    expect(readdirSync(dir)).toEqual(['k-3.pem'])
  })

  it.skipIf(!POSIX)(
    'a symlink at the name is refused (even a dangling one), and its target is not written through',
    () => {
      const dir = tempDir()
      symlinkSync(join(dir, 'target.pem'), join(dir, 'key.pem'))
      fails(cli(['ec', '--out', 'key.pem'], { cwd: dir }), 1, 'EEXIST')
      expect(existsSync(join(dir, 'target.pem'))).toBe(false)
      // --force replaces the link itself with a regular 0600 file; the target is still not created
      ok(cli(['ec', '--out', 'key.pem', '--force'], { cwd: dir }))
      expect(lstatSync(join(dir, 'key.pem')).isSymbolicLink()).toBe(false)
      expect(existsSync(join(dir, 'target.pem'))).toBe(false)
      expectMode(join(dir, 'key.pem'), 0o600)
      expect(() => readlinkSync(join(dir, 'key.pem'))).toThrow()
    },
  )

  it('--force replaces existing files atomically with new 0600 / public-mode files', () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'key.pem'), 'old\n', { mode: 0o644 })
    writeFileSync(join(dir, 'key.pub'), 'old\n', { mode: 0o600 })
    ok(cli(['ec', '--out', 'key.pem', '--pub', 'key.pub', '--force'], { cwd: dir }))
    expectMode(join(dir, 'key.pem'), 0o600)
    expectMode(join(dir, 'key.pub'), publicMode())
    expect(createPrivateKey(readFileSync(join(dir, 'key.pem'))).asymmetricKeyType).toBe('ec')
    expect(readdirSync(dir).sort()).toEqual(['key.pem', 'key.pub'])
  })

  it('a missing directory: exit 1, ENOENT, with the mkdir fix', () => {
    const dir = tempDir()
    const r = cli(['ec', '--out', 'no/such/dir/key.pem'], { cwd: dir })
    fails(r, 1, 'ENOENT')
    expect(r.stderr).toContain('fix: mkdir -p ')
  })
})

describe.skipIf(!SSH)('OpenSSH public keys: ssh-keygen reads them', () => {
  const cases: { args: string[]; bits: string; type: string }[] = [
    { args: ['rsa', '--bits', '3072'], bits: '3072', type: 'RSA' },
    { args: ['ec', '--curve', 'P-256'], bits: '256', type: 'ECDSA' },
    { args: ['ec', '--curve', 'P-384'], bits: '384', type: 'ECDSA' },
    { args: ['ec', '--curve', 'P-521'], bits: '521', type: 'ECDSA' },
    { args: ['okp', '--curve', 'Ed25519'], bits: '256', type: 'ED25519' },
  ]
  for (const c of cases) {
    it(`${c.args.join(' ')}: ssh-keygen -l -f KEY.pub says ${c.bits} ${c.type}; ssh-keygen -y -f KEY gives the same key`, () => {
      const dir = tempDir()
      const r = ok(cli([...c.args, '--format', 'openssh', '--out', 'id', '--comment', 'me@example'], { cwd: dir }))
      expect(jsonLines(r.stdout)[0]).toMatchObject({ private: 'id', public: 'id.pub', format: 'openssh' })
      expectMode(join(dir, 'id'), 0o600)
      const line = readFileSync(join(dir, 'id.pub'), 'utf8')
      expect(line).toMatch(/ me@example\n$/)
      const fp = execFileSync('ssh-keygen', ['-l', '-f', join(dir, 'id.pub')], { encoding: 'utf8' })
      expect(fp).toMatch(new RegExp(`^${c.bits} SHA256:[A-Za-z0-9+/]{43} me@example \\(${c.type}\\)\\n$`))
      // OpenSSH reads the private key file too (it insists on mode 0600) and derives the same public key
      expect(readFileSync(join(dir, 'id'), 'utf8')).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----\n/)
      const derived = execFileSync('ssh-keygen', ['-y', '-f', join(dir, 'id')], { encoding: 'utf8' })
      expect(derived.trim().split(' ').slice(0, 2)).toEqual(line.trim().split(' ').slice(0, 2))
    })
  }

  it('--format openssh --public prints the authorized_keys line; without --public the private key file', () => {
    const dir = tempDir()
    const r = ok(cli(['ec', '--curve', 'P-521', '--format', 'openssh', '--public']))
    expect(r.stdout).toMatch(/^ecdsa-sha2-nistp521 [A-Za-z0-9+/=]+\n$/)
    writeFileSync(join(dir, 'k.pub'), r.stdout)
    expect(execFileSync('ssh-keygen', ['-l', '-f', join(dir, 'k.pub')], { encoding: 'utf8' })).toMatch(/^521 SHA256:/)
    const priv = ok(cli(['okp', '--format', 'openssh', '--comment', 'c'])).stdout
    expect(priv).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----\n[\s\S]+\n-----END OPENSSH PRIVATE KEY-----\n$/)
    writeFileSync(join(dir, 'ed'), priv, { mode: 0o600 })
    expect(execFileSync('ssh-keygen', ['-l', '-f', join(dir, 'ed')], { encoding: 'utf8' })).toMatch(
      /^256 SHA256:\S+ c \(ED25519\)\n$/,
    )
  })
})

describe('ML-DSA and ML-KEM', () => {
  it.skipIf(!NODE_PQ)(
    "ML-DSA-44/65/87 PEM checked with Node 24's crypto (sign + verify), as the system openssl 3.0 has no ML-DSA",
    () => {
      for (const set of ['44', '65', '87']) {
        const dir = tempDir()
        ok(cli(['ml-dsa', '--set', set, '--out', 'k.pem', '--pub', 'k.pub.pem'], { cwd: dir }))
        expectMode(join(dir, 'k.pem'), 0o600)
        const key = createPrivateKey(readFileSync(join(dir, 'k.pem')))
        const pub = createPublicKey(readFileSync(join(dir, 'k.pub.pem')))
        expect(key.asymmetricKeyType).toBe(`ml-dsa-${set}`)
        const msg = Buffer.from('platform-keygen')
        expect(verify(null, msg, pub, sign(null, msg, key))).toBe(true)
      }
    },
  )

  it.skipIf(!NODE_PQ)(
    "ML-KEM-512/768/1024 PEM and JWK checked with Node 24's crypto (encapsulate + decapsulate), as the system openssl 3.0 has no ML-KEM",
    () => {
      for (const set of ['512', '768', '1024']) {
        const dir = tempDir()
        ok(cli(['ml-kem', '--set', set, '--out', 'k.pem', '--pub', 'k.pub.pem'], { cwd: dir }))
        const key = createPrivateKey(readFileSync(join(dir, 'k.pem')))
        const pub = createPublicKey(readFileSync(join(dir, 'k.pub.pem')))
        expect(key.asymmetricKeyType).toBe(`ml-kem-${set}`)
        const { sharedKey, ciphertext } = nodeEncapsulate(pub)
        expect(nodeDecapsulate(key, ciphertext)).toEqual(sharedKey)
      }
      const jwk = JSON.parse(ok(cli(['ml-kem', '--format', 'jwk'])).stdout)
      expect(jwk).toMatchObject({ kty: 'AKP', alg: 'ML-KEM-768' })
      expect(Buffer.from(jwk.priv, 'base64url')).toHaveLength(64)
      expect(createPrivateKey({ key: jwk, format: 'jwk' }).asymmetricKeyType).toBe('ml-kem-768')
    },
  )

  it.skipIf(PQ)('without ML-DSA / ML-KEM in the runtime: exit 1, ERR_NOT_SUPPORTED_ON_PLATFORM, no file', () => {
    const dir = tempDir()
    const line = fails(cli(['ml-dsa', '--out', 'k.pem'], { cwd: dir }), 1, 'ERR_NOT_SUPPORTED_ON_PLATFORM')
    expect(line).toContain('ML-DSA-65')
    fails(cli(['ml-kem', '--set', '1024'], { cwd: dir }), 1, 'ERR_NOT_SUPPORTED_ON_PLATFORM')
    expect(readdirSync(dir)).toEqual([])
  })
})

describe('--version, --help', () => {
  it('--version prints the package.json version', () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))
    expect(ok(cli(['--version'])).stdout).toBe(`${version}\n`)
    expect(ok(cli(['-V'])).stdout).toBe(`${version}\n`)
  })

  it('info prints the capabilities and the key-length table as JSON', () => {
    const info = JSON.parse(ok(cli(['info'])).stdout)
    expect(info.capabilities.provider).toBe(process.platform === 'win32' ? 'cng' : 'openssl')
    expect(info.capabilities.algorithms.RSA.supported).toBe(true)
    expect(info.keyLengthTable.RSA.rule).toEqual({ kind: 'range', min: 512, max: 16384, multipleOf: 64 })
    expect(info.capabilities.algorithms['ML-KEM'].supported).toBe(PQ)
  })
})
