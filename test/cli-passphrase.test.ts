/**
 * Passphrase-protected output from the CLI, each file opened by the outside
 * tool: openssl (`pkey -passin`) for encrypted PKCS#8 PEM and DER, ssh-keygen
 * (`-y -P`) for OpenSSH keys, jose (compactDecrypt) for the JWE of a private
 * JWK. The passphrase comes from --passphrase-file, --passphrase-env or the
 * terminal (asked twice), never from an argument.
 */
import { spawnSync } from 'node:child_process'
import { createPrivateKey, createPublicKey } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { compactDecrypt, decodeProtectedHeader } from 'jose'
import { describe, expect, it } from 'vitest'
import { CLI, cli, expectMode, fails, have, jsonLines, ok, tempDir } from './cli-helpers.js'

const PASS = 'correct horse battery staple'
/** What jose needs to open our JWEs (README: "Passphrase-protected keys"). */
const JOSE_OPTIONS = { keyManagementAlgorithms: ['PBES2-HS256+A128KW'], maxPBES2Count: 600_000 }

function withPass(): string {
  const dir = tempDir()
  writeFileSync(join(dir, 'pass'), `${PASS}\n`)
  writeFileSync(join(dir, 'wrong'), 'wrong horse\n')
  return dir
}

function run(cmd: string, args: string[], cwd: string) {
  return spawnSync(cmd, args, { cwd, encoding: 'utf8' })
}

describe('--encrypt: PEM and DER as encrypted PKCS#8 (openssl judges)', () => {
  it('ec --passphrase-file: openssl pkey -passin opens and checks it; a wrong passphrase fails; the file is 0600', () => {
    const dir = withPass()
    const line = jsonLines(
      ok(
        cli(['ec', '--curve', 'P-256', '--passphrase-file', 'pass', '--out', 'k.pem', '--pub', 'k.pub.pem'], {
          cwd: dir,
        }),
      ).stdout,
    )[0]
    expect(line).toMatchObject({ private: 'k.pem', public: 'k.pub.pem', format: 'pem' })
    expectMode(join(dir, 'k.pem'), 0o600)
    const pem = readFileSync(join(dir, 'k.pem'), 'utf8')
    expect(pem.startsWith('-----BEGIN ENCRYPTED PRIVATE KEY-----\n')).toBe(true)
    const check = run('openssl', ['pkey', '-in', 'k.pem', '-passin', 'file:pass', '-check', '-noout'], dir)
    expect(check.status, check.stderr).toBe(0)
    const pub = run('openssl', ['pkey', '-in', 'k.pem', '-passin', 'file:pass', '-pubout'], dir)
    expect(pub.stdout).toBe(readFileSync(join(dir, 'k.pub.pem'), 'utf8'))
    expect(run('openssl', ['pkey', '-in', 'k.pem', '-passin', 'file:wrong', '-noout'], dir).status).not.toBe(0)
  })

  it('rsa --format der --passphrase-env --kdf scrypt: openssl opens it (-passin env:)', () => {
    const dir = tempDir()
    ok(
      cli(
        [
          'rsa',
          '--bits',
          '2048',
          '--format',
          'der',
          '--passphrase-env',
          'PK_PASS',
          '--kdf',
          'scrypt',
          '--out',
          'k.der',
        ],
        {
          cwd: dir,
          env: { PK_PASS: PASS },
        },
      ),
    )
    const asn1 = run('openssl', ['asn1parse', '-inform', 'DER', '-in', 'k.der'], dir)
    expect(asn1.stdout).toContain(':scrypt\n')
    const r = spawnSync(
      'openssl',
      ['pkey', '-inform', 'DER', '-in', 'k.der', '-passin', 'env:PK_PASS', '-check', '-noout'],
      {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, PK_PASS: PASS },
      },
    )
    expect(r.status, r.stderr).toBe(0)
  })

  it('the JWA command too: ES256 --format pem --encrypt --passphrase-file', () => {
    const dir = withPass()
    const pem = ok(cli(['ES256', '--format', 'pem', '--encrypt', '--passphrase-file', 'pass'], { cwd: dir })).stdout
    expect(createPrivateKey({ key: pem, passphrase: PASS }).asymmetricKeyDetails).toEqual({ namedCurve: 'prime256v1' })
  })
})

describe.skipIf(!have('ssh-keygen'))('--encrypt --format openssh (ssh-keygen judges)', () => {
  for (const [name, args] of [
    ['Ed25519', ['okp', '--curve', 'Ed25519']],
    ['ECDSA P-384', ['ec', '--curve', 'P-384']],
    ['RSA 2048', ['rsa', '--bits', '2048']],
  ] as const) {
    it(`${name}: ssh-keygen -y -P opens it and prints our public line; a wrong passphrase fails`, () => {
      const dir = withPass()
      ok(
        cli([...args, '--format', 'openssh', '--passphrase-file', 'pass', '--rounds', '8', '--out', 'id'], {
          cwd: dir,
        }),
      )
      expectMode(join(dir, 'id'), 0o600)
      const pub = readFileSync(join(dir, 'id.pub'), 'utf8').trim()
      const y = run('ssh-keygen', ['-y', '-P', PASS, '-f', 'id'], dir)
      expect(y.status, y.stderr).toBe(0)
      expect(y.stdout.trim()).toBe(pub)
      expect(run('ssh-keygen', ['-y', '-P', 'wrong horse', '-f', 'id'], dir).status).not.toBe(0)
      expect(run('ssh-keygen', ['-y', '-P', '', '-f', 'id'], dir).status).not.toBe(0)
      // ssh-keygen -p (change passphrase) reads the header we wrote: aes256-ctr / bcrypt with 8 rounds
      const blob = Buffer.from(readFileSync(join(dir, 'id'), 'utf8').replace(/-----[^-]+-----|\s/g, ''), 'base64')
      expect(blob.subarray(15, 15 + 4 + 10).toString('latin1')).toBe('\0\0\0\naes256-ctr')
      expect(blob.subarray(29, 29 + 4 + 6).toString('latin1')).toBe('\0\0\0\u0006bcrypt')
      expect(blob.readUInt32BE(39 + 4 + 4 + 16)).toBe(8)
    })
  }

  it('the default is 16 rounds, as ssh-keygen -a', () => {
    const dir = withPass()
    ok(cli(['okp', '--format', 'openssh', '--passphrase-file', 'pass', '--out', 'id'], { cwd: dir }))
    const blob = Buffer.from(readFileSync(join(dir, 'id'), 'utf8').replace(/-----[^-]+-----|\s/g, ''), 'base64')
    expect(blob.readUInt32BE(39 + 4 + 4 + 16)).toBe(16)
    expect(run('ssh-keygen', ['-y', '-P', PASS, '-f', 'id'], dir).status).toBe(0)
  })
})

describe('--encrypt --format jwk: a PBES2 JWE (jose judges)', () => {
  it('ES256 --passphrase-file --out: jose compactDecrypt (maxPBES2Count 600000) gives the private JWK; jose defaults refuse p2c 600000', async () => {
    const dir = withPass()
    ok(cli(['ES256', '--passphrase-file', 'pass', '--out', 'k.jwe', '--pub', 'k.pub.jwk'], { cwd: dir }))
    expectMode(join(dir, 'k.jwe'), 0o600)
    const jwe = readFileSync(join(dir, 'k.jwe'), 'utf8').trim()
    expect(decodeProtectedHeader(jwe)).toMatchObject({
      alg: 'PBES2-HS256+A128KW',
      enc: 'A128GCM',
      cty: 'jwk+json',
      p2c: 600_000,
    })
    const pass = new TextEncoder().encode(PASS)
    const { plaintext } = await compactDecrypt(jwe, pass, JOSE_OPTIONS)
    const jwk = JSON.parse(new TextDecoder().decode(plaintext))
    expect(jwk).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256' })
    const pub = JSON.parse(readFileSync(join(dir, 'k.pub.jwk'), 'utf8'))
    expect(createPublicKey({ key: jwk, format: 'jwk' }).export({ format: 'jwk' })).toEqual({
      kty: pub.kty,
      crv: pub.crv,
      x: pub.x,
      y: pub.y,
    })
    // jose's defaults: PBES2 only when allowed by name, and p2c at most 10,000
    await expect(compactDecrypt(jwe, pass)).rejects.toMatchObject({ code: 'ERR_JOSE_ALG_NOT_ALLOWED' })
    await expect(compactDecrypt(jwe, pass, { keyManagementAlgorithms: ['PBES2-HS256+A128KW'] })).rejects.toMatchObject({
      code: 'ERR_JWE_INVALID',
    })
    await expect(compactDecrypt(jwe, new TextEncoder().encode('wrong'), JOSE_OPTIONS)).rejects.toMatchObject({
      code: 'ERR_JWE_DECRYPTION_FAILED',
    })
  })

  it('jwk --out --passphrase-file (no store): the private JWK file is a JWE jose opens', async () => {
    const dir = withPass()
    const line = jsonLines(
      ok(
        cli(['jwk', '--name', 'w', '--type', 'EC', '--curve', 'P256', '--out', 'w.jwe', '--passphrase-file', 'pass'], {
          cwd: dir,
        }),
      ).stdout,
    )[0]
    expect(line).toMatchObject({ private: 'w.jwe' })
    const jwe = readFileSync(join(dir, 'w.jwe'), 'utf8').trim()
    const { plaintext } = await compactDecrypt(jwe, new TextEncoder().encode(PASS), JOSE_OPTIONS)
    const jwk = JSON.parse(new TextDecoder().decode(plaintext))
    expect(createPrivateKey({ key: jwk, format: 'jwk' }).asymmetricKeyType).toBe('ec')
  })
})

describe('passphrase sources and usage errors', () => {
  const usage: [string[], string][] = [
    [['ec', '--encrypt', '--public'], 'ERR_INVALID_REQUEST'],
    [['ec', '--encrypt', '--passphrase-file', 'pass', '--format', 'jwks'], 'ERR_INVALID_REQUEST'],
    [['ec', '--passphrase-file', 'pass', '--type', 'sec1'], 'ERR_INVALID_REQUEST'],
    [['ec', '--kdf', 'scrypt'], 'ERR_INVALID_REQUEST'],
    [['ec', '--passphrase-file', 'pass', '--kdf', 'argon2'], 'ERR_INVALID_REQUEST'],
    [['ec', '--passphrase-file', 'pass', '--rounds', '8'], 'ERR_INVALID_REQUEST'],
    [['okp', '--format', 'openssh', '--passphrase-file', 'pass', '--rounds', '0'], 'ERR_INVALID_REQUEST'],
    [['ec', '--passphrase-file', 'pass', '--passphrase-env', 'PK_PASS'], 'ERR_INVALID_REQUEST'],
    [['ec', '--passphrase-env', 'PK_UNSET_VARIABLE'], 'ERR_INVALID_REQUEST'],
    [['ec', '--passphrase-file', 'empty'], 'ERR_INVALID_REQUEST'],
    [['jwk', '--name', 'x', '--type', 'EC', '--curve', 'P256', '--encrypt'], 'ERR_INVALID_REQUEST'],
    [['ec', '--passphrase', 'pass'], 'ERR_PARSE_ARGS_UNKNOWN_OPTION'],
    // no terminal to ask on (stdin is a pipe here)
    [['ec', '--encrypt'], 'ERR_INVALID_REQUEST'],
  ]
  for (const [args, code] of usage) {
    it(`${args.join(' ')} → exit 2 ${code}, nothing written`, () => {
      const dir = withPass()
      writeFileSync(join(dir, 'empty'), '\n')
      fails(cli([...args, '--out', 'k.out'], { cwd: dir, env: { PK_PASS: PASS } }), 2, code)
      expect(() => readFileSync(join(dir, 'k.out'))).toThrow()
    })
  }
})

it('--encrypt --count 2 --format jwk on stdout → exit 2 (one JWE per file: --out is needed)', () => {
  const dir = withPass()
  fails(cli(['ES256', '--passphrase-file', 'pass', '--count', '2'], { cwd: dir }), 2, 'ERR_INVALID_REQUEST')
})

describe.skipIf(!have('python3'))('the terminal prompt (through a pty, python3)', () => {
  const ptyRun = (args: string[], answers: string[], cwd: string) => {
    // python's pty.spawn-alike: feed the answers when the prompts appear, collect the output
    const script = `
import os, pty, sys, json, time
answers = json.loads(sys.argv[1]); argv = json.loads(sys.argv[2])
pid, fd = pty.fork()
if pid == 0:
    os.execv(argv[0], argv)
out = b''
while True:
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
    while answers and out.count(b'passphrase') > len(json.loads(sys.argv[1])) - len(answers) - 0 and out.rstrip().endswith(b':'):
        os.write(fd, answers.pop(0).encode() + b'\\r')
        break
_, status = os.waitpid(pid, 0)
sys.stdout.write(json.dumps({'status': os.waitstatus_to_exitcode(status), 'out': out.decode('utf8', 'replace')}))
`
    const r = spawnSync(
      'python3',
      ['-c', script, JSON.stringify(answers), JSON.stringify([process.execPath, CLI, ...args])],
      {
        cwd,
        encoding: 'utf8',
        timeout: 120_000,
      },
    )
    return JSON.parse(r.stdout) as { status: number; out: string }
  }

  it('asks twice without echo and writes a key openssl opens with that passphrase', () => {
    const dir = tempDir()
    const r = ptyRun(['ec', '--encrypt', '--out', 'k.pem'], [PASS, PASS], dir)
    expect(r.status, r.out).toBe(0)
    expect(r.out).toContain('Enter passphrase for the new private key: ')
    expect(r.out).toContain('Enter the same passphrase again: ')
    expect(r.out).not.toContain(PASS)
    const check = spawnSync('openssl', ['pkey', '-in', 'k.pem', '-passin', `pass:${PASS}`, '-check', '-noout'], {
      cwd: dir,
      encoding: 'utf8',
    })
    expect(check.status, check.stderr).toBe(0)
  })

  it('two different answers → ERR_INVALID_REQUEST, exit 2, no file', () => {
    const dir = tempDir()
    const r = ptyRun(['ec', '--encrypt', '--out', 'k.pem'], [PASS, 'something else'], dir)
    expect(r.status).toBe(2)
    expect(r.out).toContain('platform-keygen: error ERR_INVALID_REQUEST: the passphrases do not match')
    expect(() => readFileSync(join(dir, 'k.pem'))).toThrow()
  })
})
