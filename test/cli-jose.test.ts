/**
 * `platform-keygen <JWA alg>`, `jwk` and `jwks` through the real binary. The
 * JWKs it prints are used with jose itself (sign/verify, encrypt/decrypt),
 * or with node:crypto where jose has no such key (ES256K, X448).
 */
import { createPrivateKey, createPublicKey, decapsulate, encapsulate, sign, verify } from 'node:crypto'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { CompactEncrypt, compactDecrypt, importJWK, type JWK, jwtVerify, SignJWT } from 'jose'
import { describe, expect, it } from 'vitest'
import { cli, expectMode, fails, jsonLines, ok, publicMode, ROOT, tempDir } from './cli-helpers.js'
import { hasPostQuantum, nodeCryptoHasPostQuantum, opensslCheck } from './helpers.js'

const PQ = hasPostQuantum()
/** node:crypto reads ML-DSA / ML-KEM keys (Node 24+); Node 22's cannot, pq-noble.test.ts checks them there. */
const NODE_PQ = nodeCryptoHasPostQuantum()

function jwkOut(args: string[]): JWK & Record<string, unknown> {
  return JSON.parse(ok(cli(args)).stdout)
}

function publicOf(jwk: JWK): JWK {
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, priv: _priv, ...pub } = jwk as Record<string, unknown>
  return pub as JWK
}

async function signsAndVerifies(alg: string, jwk: JWK): Promise<void> {
  const jwt = await new SignJWT({ sub: 'cli' }).setProtectedHeader({ alg }).sign(await importJWK(jwk, alg))
  const { payload } = await jwtVerify(jwt, await importJWK(publicOf(jwk), alg))
  expect(payload.sub).toBe('cli')
}

async function encryptsAndDecrypts(alg: string, enc: string, jwk: JWK, publicJwk: JWK = publicOf(jwk)): Promise<void> {
  const jwe = await new CompactEncrypt(new TextEncoder().encode('secret message'))
    .setProtectedHeader({ alg, enc })
    .encrypt(await importJWK(publicJwk, alg))
  const { plaintext } = await compactDecrypt(jwe, await importJWK(jwk, alg))
  expect(new TextDecoder().decode(plaintext)).toBe('secret message')
}

describe('<JWA alg>: key pairs that jose uses', () => {
  for (const alg of [
    'RS256',
    'RS384',
    'RS512',
    'PS256',
    'PS384',
    'PS512',
    'ES256',
    'ES384',
    'ES512',
    'EdDSA',
    'Ed25519',
  ]) {
    it(`${alg}: the private JWK carries "alg", and jose signs and verifies with it`, async () => {
      const jwk = jwkOut([alg])
      expect(jwk.alg).toBe(alg)
      await signsAndVerifies(alg, jwk)
    })
  }

  for (const alg of ['RSA-OAEP', 'RSA-OAEP-256', 'RSA-OAEP-384', 'RSA-OAEP-512']) {
    it(`${alg}: jose encrypts to the public JWK and decrypts with the private one`, async () => {
      await encryptsAndDecrypts(alg, 'A256GCM', jwkOut([alg]))
    })
  }

  for (const [alg, crv] of [
    ['ECDH-ES', 'P-256'],
    ['ECDH-ES+A128KW', 'P-384'],
    ['ECDH-ES+A192KW', 'P-521'],
    ['ECDH-ES+A256KW', 'X25519'],
  ] as const) {
    it(`${alg} --crv ${crv}: jose encrypts and decrypts`, async () => {
      const jwk = jwkOut([alg, '--crv', crv])
      expect(jwk).toMatchObject({ crv, alg })
      await encryptsAndDecrypts(alg, 'A128GCM', jwk)
    })
  }

  it('RS256 --bits 3072: the modulus has 3072 bits', () => {
    const jwk = jwkOut(['RS256', '--bits', '3072'])
    expect(Buffer.from(jwk.n as string, 'base64url')).toHaveLength(384)
  })

  it('ES256K and ECDH-ES X448 (extensions jose cannot use): node:crypto signs / reads them', () => {
    const k1 = jwkOut(['ES256K'])
    expect(k1).toMatchObject({ kty: 'EC', crv: 'secp256k1', alg: 'ES256K' })
    const key = createPrivateKey({ key: k1 as never, format: 'jwk' })
    const msg = Buffer.from('m')
    expect(verify('sha256', msg, createPublicKey(key), sign('sha256', msg, key))).toBe(true)
    const x448 = jwkOut(['ECDH-ES', '--crv', 'X448'])
    expect(createPrivateKey({ key: x448 as never, format: 'jwk' }).asymmetricKeyType).toBe('x448')
  })

  it('--format pem / openssh / --public for a JWA key pair', () => {
    const pem = ok(cli(['ES384', '--format', 'pem'])).stdout
    expect(opensslCheck(pem, 'private')).toMatch(/valid/i)
    expect(ok(cli(['EdDSA', '--format', 'openssh', '--public'])).stdout).toMatch(/^ssh-ed25519 \S+\n$/)
    const pub = jwkOut(['PS256', '--public'])
    expect(pub).toMatchObject({ kty: 'RSA', alg: 'PS256' })
    expect(pub).not.toHaveProperty('d')
  })

  it('--out / --pub: 0600 private JWK, public JWK, a JSON line with the thumbprint', () => {
    const dir = tempDir()
    const r = ok(cli(['ES256', '--out', 'es.jwk', '--pub', 'es.pub.jwk', '--kid', 'k1', '--use', 'sig'], { cwd: dir }))
    const [line] = jsonLines(r.stdout)
    expect(line).toMatchObject({ private: 'es.jwk', public: 'es.pub.jwk', alg: 'ES256', format: 'jwk' })
    expectMode(join(dir, 'es.jwk'), 0o600)
    expectMode(join(dir, 'es.pub.jwk'), publicMode())
    const priv = JSON.parse(readFileSync(join(dir, 'es.jwk'), 'utf8'))
    expect(priv).toMatchObject({ alg: 'ES256', kid: 'k1', use: 'sig', d: expect.any(String) })
    expect(JSON.parse(readFileSync(join(dir, 'es.pub.jwk'), 'utf8'))).toEqual(publicOf(priv))
  })

  it.skipIf(!NODE_PQ)("ML-DSA-65 (Node 24+): the AKP JWK signs and verifies with Node 24's crypto", () => {
    const jwk = jwkOut(['ML-DSA-65'])
    expect(jwk).toMatchObject({ kty: 'AKP', alg: 'ML-DSA-65' })
    const key = createPrivateKey({ key: jwk as never, format: 'jwk' })
    const msg = Buffer.from('m')
    expect(verify(null, msg, createPublicKey(key), sign(null, msg, key))).toBe(true)
  })

  it.skipIf(!NODE_PQ)(
    "ML-KEM-768 (Node 24+): the AKP JWK (alg ML-KEM-768, 64-byte seed) works with Node 24's crypto",
    () => {
      const jwk = jwkOut(['ML-KEM-768'])
      expect(jwk).toMatchObject({ kty: 'AKP', alg: 'ML-KEM-768' })
      expect(Buffer.from(jwk.priv as string, 'base64url')).toHaveLength(64)
      const key = createPrivateKey({ key: jwk as never, format: 'jwk' })
      const { sharedKey, ciphertext } = encapsulate(createPublicKey(key))
      expect(decapsulate(key, ciphertext)).toEqual(sharedKey)
      expect(ok(cli(['ML-KEM-1024', '--format', 'pem'])).stdout).toMatch(/^-----BEGIN PRIVATE KEY-----\n/)
    },
  )

  it.skipIf(PQ)(
    'ML-DSA-65 / ML-KEM-768 on a runtime without them: exit 1, ERR_NOT_SUPPORTED_ON_PLATFORM (as `ml-dsa` says)',
    () => {
      fails(cli(['ML-DSA-65']), 1, 'ERR_NOT_SUPPORTED_ON_PLATFORM')
      fails(cli(['ML-KEM-768']), 1, 'ERR_NOT_SUPPORTED_ON_PLATFORM')
    },
  )
})

describe('<JWA alg>: secrets', () => {
  it('HS256/384/512: an oct JWK of the right size that jose signs with', async () => {
    for (const [alg, bytes] of [
      ['HS256', 32],
      ['HS384', 48],
      ['HS512', 64],
    ] as const) {
      const jwk = jwkOut([alg])
      expect(jwk).toEqual({ kty: 'oct', k: expect.any(String), alg })
      expect(Buffer.from(jwk.k as string, 'base64url')).toHaveLength(bytes)
      const jwt = await new SignJWT({}).setProtectedHeader({ alg }).sign(await importJWK(jwk, alg))
      await jwtVerify(jwt, await importJWK(jwk, alg))
    }
  })

  for (const [keyAlg, alg, enc] of [
    ['A128KW', 'A128KW', 'A128GCM'],
    ['A256GCMKW', 'A256GCMKW', 'A256GCM'],
    ['A256GCM', 'dir', 'A256GCM'],
    ['A128CBC-HS256', 'dir', 'A128CBC-HS256'],
  ] as const) {
    it(`${keyAlg}: jose encrypts and decrypts with it (alg ${alg}, enc ${enc})`, async () => {
      const jwk = jwkOut([keyAlg])
      expect(jwk).toEqual({ kty: 'oct', k: expect.any(String), alg: keyAlg })
      const key = await importJWK({ kty: 'oct', k: jwk.k as string }, alg)
      const jwe = await new CompactEncrypt(new TextEncoder().encode('secret message'))
        .setProtectedHeader({ alg, enc })
        .encrypt(key)
      const { plaintext } = await compactDecrypt(jwe, key)
      expect(new TextDecoder().decode(plaintext)).toBe('secret message')
    })
  }

  it('a --count batch of secrets as a JWK set', () => {
    const set = JSON.parse(ok(cli(['A192GCM', '--count', '3', '--format', 'jwks'])).stdout)
    expect(set.keys).toHaveLength(3)
    for (const k of set.keys) {
      expect(k).toMatchObject({ kty: 'oct', alg: 'A192GCM' })
      expect(Buffer.from(k.k, 'base64url')).toHaveLength(24)
    }
  })
})

describe('<JWA alg>: errors', () => {
  const cases: [string[], number, string][] = [
    [['NOPE256'], 2, 'ERR_UNSUPPORTED_ALGORITHM'],
    [['RS256', '--bits', '1024'], 2, 'ERR_JOSE_NOT_SUPPORTED'],
    [['RS256', '--bits', '2050'], 2, 'ERR_KEY_LENGTH'],
    [['RS256', '--bits', 'big'], 2, 'ERR_INVALID_REQUEST'],
    [['ES256', '--crv', 'P-384'], 2, 'ERR_JOSE_NOT_SUPPORTED'],
    [['ECDH-ES', '--crv', 'P-999'], 2, 'ERR_JOSE_NOT_SUPPORTED'],
    [['ECDH-ES', '--crv', 'X448', '--format', 'openssh'], 2, 'ERR_UNSUPPORTED_FORMAT'],
    [['ECDH-ES', '--crv', 'P-256', '--format', 'openssh'], 2, 'ERR_UNSUPPORTED_FORMAT'],
    [['ECDH-ES+A128KW', '--crv', 'P-521', '--format', 'openssh', '--public'], 2, 'ERR_UNSUPPORTED_FORMAT'],
    [['HS256', '--format', 'pem'], 2, 'ERR_UNSUPPORTED_FORMAT'],
    [['HS256', '--public'], 2, 'ERR_INVALID_REQUEST'],
    [['HS256', '--pub', 'x.jwk'], 2, 'ERR_INVALID_REQUEST'],
    [['HS256', '--crv', 'P-256'], 2, 'ERR_INVALID_REQUEST'],
    [['ML-KEM-768', '--bits', '2048'], 2, 'ERR_INVALID_REQUEST'],
    [['ML-KEM-999'], 2, 'ERR_UNSUPPORTED_ALGORITHM'],
    [['ML-KEM-768', '--format', 'openssh'], 2, 'ERR_UNSUPPORTED_FORMAT'],
    [['ES256', '--alg', 'ES384'], 2, 'ERR_PARSE_ARGS_UNKNOWN_OPTION'],
    [['ES256', 'ES384'], 2, 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL'],
  ]
  for (const [args, exit, code] of cases) {
    it(`platform-keygen ${args.join(' ')} → ${exit} ${code}`, () => {
      const dir = tempDir()
      fails(cli(args, { cwd: dir }), exit, code)
      expect(readdirSync(dir)).toEqual([])
    })
  }

  it('the fix of a JWA error points at that alg’s --help; an unknown alg gets the nearest names', () => {
    expect(cli(['ECDH-ES', '--crv', 'P-999']).stderr).toContain('fix: `platform-keygen ECDH-ES --help`')
    expect(cli(['NOPE256']).stderr).toContain('unknown command or algorithm "NOPE256"')
    expect(cli(['ML-KEM-999']).stderr).toContain('did you mean `ML-KEM-')
  })
})

describe('jwk: the Apinizer request as flags or a file', () => {
  it('flags → {privateJwk, publicJwk, metadata}; the JWK jose signs with', async () => {
    const r = JSON.parse(
      ok(
        cli([
          'jwk',
          '--name',
          'signing',
          '--type',
          'RSA',
          '--key-size',
          '2048',
          '--alg',
          'RSA256',
          '--kid-type',
          'SHA256',
        ]),
      ).stdout,
    )
    expect(r.metadata).toMatchObject({ name: 'signing', type: 'RSA', alg: 'RS256', use: 'sig', keyIdType: 'SHA256' })
    expect(r.privateJwk).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: r.metadata.thumbprint })
    expect(r.publicJwk).toEqual(publicOf(r.privateJwk))
    await signsAndVerifies('RS256', r.privateJwk)
  })

  it('JOSE spellings of curve and use are accepted (P-256, Ed25519, sig/enc)', () => {
    const ec = JSON.parse(ok(cli(['jwk', '--name', 'e', '--type', 'ec', '--curve', 'P-384', '--use', 'sig'])).stdout)
    expect(ec.privateJwk).toMatchObject({ kty: 'EC', crv: 'P-384', use: 'sig' })
    const x = JSON.parse(ok(cli(['jwk', '--name', 'x', '--type', 'OKP', '--curve', 'X25519', '--use', 'enc'])).stdout)
    expect(x.privateJwk).toMatchObject({ kty: 'OKP', crv: 'X25519', use: 'enc' })
  })

  it('--request FILE (each Apinizer documentation example) and --request - (stdin)', () => {
    const dir = join(ROOT, 'test', 'fixtures', 'apinizer')
    for (const f of readdirSync(dir).filter((n) => n.startsWith('example-'))) {
      const body = JSON.parse(readFileSync(join(dir, f), 'utf8'))
      const r = JSON.parse(ok(cli(['jwk', '--request', join(dir, f)])).stdout)
      expect(r.metadata.name).toBe(body.name)
      expect(r.privateJwk.kty).toBe(body.type === 'OCT' ? 'oct' : body.type)
      if (body.kid) expect(r.privateJwk.kid).toBe(body.kid)
    }
    const stdin = JSON.parse(
      ok(cli(['jwk', '--request', '-'], { input: readFileSync(join(dir, 'example-3-ec-p256.json')) })).stdout,
    )
    expect(stdin.privateJwk).toMatchObject({ kty: 'EC', crv: 'P-256', kid: 'ec-p256-key-1' })
  })

  it('--out / --pub write the JWKs (0600 / public mode); --public prints the public JWK', () => {
    const dir = tempDir()
    const r = ok(
      cli(['jwk', '--name', 'n', '--type', 'OKP', '--curve', 'ED25519', '--out', 'k.jwk', '--pub', 'k.pub.jwk'], {
        cwd: dir,
      }),
    )
    expect(jsonLines(r.stdout)[0]).toMatchObject({ private: 'k.jwk', public: 'k.pub.jwk', metadata: { name: 'n' } })
    expectMode(join(dir, 'k.jwk'), 0o600)
    expectMode(join(dir, 'k.pub.jwk'), publicMode())
    const pub = JSON.parse(ok(cli(['jwk', '--name', 'n', '--type', 'EC', '--curve', 'P521', '--public'])).stdout)
    expect(pub).toMatchObject({ kty: 'EC', crv: 'P-521' })
    expect(pub).not.toHaveProperty('d')
  })

  it('--store adds the key (0600 file); the same name again: exit 1 with Apinizer’s message; jwks lists public keys', () => {
    const dir = tempDir()
    const first = ok(
      cli(['jwk', '--name', 'web', '--type', 'EC', '--curve', 'P256', '--store', 'store.json'], { cwd: dir }),
    )
    expect(jsonLines(first.stdout)[0]).toMatchObject({ store: 'store.json', metadata: { name: 'web' } })
    expect(first.stdout).not.toContain('"d"')
    expectMode(join(dir, 'store.json'), 0o600)
    ok(
      cli(['jwk', '--name', 'hmac', '--type', 'OCT', '--key-size', '256', '--alg', 'HS256', '--store', 'store.json'], {
        cwd: dir,
      }),
    )
    const again = cli(['jwk', '--name', 'web', '--type', 'RSA', '--key-size', '2048', '--store', 'store.json'], {
      cwd: dir,
    })
    const line = fails(again, 1, 'ERR_INVALID_REQUEST')
    expect(line).toContain('JWK (name: web) is already exist! Try update operation if want to change its value.')
    const set = JSON.parse(ok(cli(['jwks', '--store', 'store.json'], { cwd: dir })).stdout)
    expect(set.keys).toHaveLength(1)
    expect(set.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256' })
    expect(set.keys[0]).not.toHaveProperty('d')
    ok(cli(['jwks', '--store', 'store.json', '--out', 'jwks.json'], { cwd: dir }))
    expect(JSON.parse(readFileSync(join(dir, 'jwks.json'), 'utf8'))).toEqual(set)
    fails(cli(['jwks', '--store', 'store.json', '--out', 'jwks.json'], { cwd: dir }), 1, 'EEXIST')
  })

  it('an encrypted store: --passphrase-file to add; jwks needs none; a wrong passphrase → ERR_STORE_PASSPHRASE', () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'pass'), 'correct horse battery staple\n')
    writeFileSync(join(dir, 'wrong'), 'wrong\n')
    ok(
      cli(['jwk', '--name', 'a', '--type', 'EC', '--curve', 'P256', '--store', 's.json', '--passphrase-file', 'pass'], {
        cwd: dir,
      }),
    )
    expect(readFileSync(join(dir, 's.json'), 'utf8')).not.toContain('"d"')
    expect(JSON.parse(ok(cli(['jwks', '--store', 's.json'], { cwd: dir })).stdout).keys).toHaveLength(1)
    fails(
      cli(
        ['jwk', '--name', 'b', '--type', 'EC', '--curve', 'P256', '--store', 's.json', '--passphrase-file', 'wrong'],
        { cwd: dir },
      ),
      1,
      'ERR_STORE_PASSPHRASE',
    )
  })

  it('a corrupt store: exit 1, ERR_STORE_CORRUPT, the file left as it was', () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'bad.json'), '{"format": "something else"}')
    fails(
      cli(['jwk', '--name', 'a', '--type', 'EC', '--curve', 'P256', '--store', 'bad.json'], { cwd: dir }),
      1,
      'ERR_STORE_CORRUPT',
    )
    fails(cli(['jwks', '--store', 'bad.json'], { cwd: dir }), 1, 'ERR_STORE_CORRUPT')
    expect(readFileSync(join(dir, 'bad.json'), 'utf8')).toBe('{"format": "something else"}')
  })

  const usage: [string[], string, string?][] = [
    [['jwk', '--type', 'EC', '--curve', 'P256'], 'ERR_INVALID_REQUEST', 'JWK name can not be empty!'],
    [['jwk', '--name', 'x'], 'ERR_INVALID_REQUEST', 'JWK type can not be empty!'],
    [['jwk', '--name', 'x', '--type', 'DSA'], 'ERR_INVALID_REQUEST'],
    [['jwk', '--name', 'x', '--type', 'RSA', '--key-size', '1024'], 'ERR_INVALID_REQUEST'],
    [['jwk', '--name', 'x', '--type', 'EC', '--curve', 'P-999'], 'ERR_INVALID_REQUEST'],
    [['jwk', '--name', 'x', '--type', 'EC', '--curve', 'P256', '--alg', 'RS256'], 'ERR_INVALID_REQUEST'],
    [['jwk', '--name', 'x', '--type', 'EC', '--curve', 'P256', '--kid-type', 'RANDOM'], 'ERR_INVALID_REQUEST'],
    [
      ['jwk', '--name', 'x', '--type', 'EC', '--curve', 'P256', '--nbf', '2030-01-01', '--exp', '2029-01-01'],
      'ERR_INVALID_REQUEST',
    ],
    [['jwk', '--name', 'x', '--type', 'RSA', '--key-size', 'many'], 'ERR_INVALID_REQUEST'],
    [['jwk', '--request', 'r.json', '--name', 'x'], 'ERR_INVALID_REQUEST'],
    [['jwk', '--name', 'x', '--type', 'OCT', '--key-size', '256', '--public'], 'ERR_INVALID_REQUEST'],
    [['jwk', '--name', 'x', '--type', 'EC', '--curve', 'P256', '--public', '--pub', 'k.jwk'], 'ERR_INVALID_REQUEST'],
    [['jwk', '--name', 'x', '--type', 'EC', '--curve', 'P256', '--passphrase-file', 'p'], 'ERR_INVALID_REQUEST'],
    [['jwk', 'extra'], 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL'],
    [['jwks'], 'ERR_INVALID_REQUEST'],
    [['jwks', '--store'], 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE'],
  ]
  for (const [args, code, message] of usage) {
    it(`platform-keygen ${args.join(' ')} → 2 ${code}`, () => {
      const dir = tempDir()
      const line = fails(cli(args, { cwd: dir }), 2, code)
      if (message) expect(line).toContain(message)
      expect(readdirSync(dir)).toEqual([])
    })
  }

  it('--request with a file that is not JSON → 2; a missing request file → 1 ENOENT', () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'r.json'), 'name: x')
    fails(cli(['jwk', '--request', 'r.json'], { cwd: dir }), 2, 'ERR_INVALID_REQUEST')
    fails(cli(['jwk', '--request', 'missing.json'], { cwd: dir }), 1, 'ENOENT')
  })
})
