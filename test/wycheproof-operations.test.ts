/**
 * Wycheproof (C2SP, test/vectors/wycheproof/) through importKey and the key
 * operations: every `valid` case gives the expected answer, every `invalid`
 * one is refused (the import fails, the verification says false, the
 * operation throws, or — never seen — gives a different result), and every
 * `acceptable` one is recorded as the provider decides it.
 */
import { createECDH, createPrivateKey } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { writeBlob } from '../src/formats/index.js'
import { importKeySync, type KeyPair, type PublicKey } from '../src/index.js'
import { hasPostQuantum, readWycheproof } from './helpers.js'

const PQ = hasPostQuantum()

interface Case {
  tcId: number
  comment: string
  result: 'valid' | 'invalid' | 'acceptable'
  flags?: string[]
  [k: string]: unknown
}
interface Group {
  tests: Case[]
  [k: string]: unknown
}

function load(name: string): Group[] {
  return readWycheproof<{ testGroups: Group[] }>(name).testGroups
}

const hex = (s: unknown): Buffer => Buffer.from(String(s ?? ''), 'hex')

/** How one case came out: 'pass' (the expected answer) or 'refused' (import / operation refused, or false). */
type Outcome = 'pass' | 'refused' | 'mismatch'

interface Tally {
  valid: number
  invalid: number
  acceptable: { pass: number; refused: number }
  wrong: string[]
}

/** Runs every case: `run` answers whether the key / operation gave the expected result. */
function check(groups: Group[], key: (g: Group) => unknown, run: (k: unknown, t: Case, g: Group) => Outcome): Tally {
  const tally: Tally = { valid: 0, invalid: 0, acceptable: { pass: 0, refused: 0 }, wrong: [] }
  for (const g of groups) {
    let k: unknown
    let importError: unknown
    try {
      k = key(g)
    } catch (err) {
      importError = err
    }
    for (const t of g.tests) {
      let outcome: Outcome
      if (importError !== undefined) {
        outcome = 'refused'
      } else {
        try {
          outcome = run(k, t, g)
        } catch (err) {
          const code = (err as { code?: string }).code
          // a refusal must be a typed error, never a crash or a plain Error
          outcome = typeof code === 'string' && code.startsWith('ERR_') ? 'refused' : 'mismatch'
        }
      }
      if (t.result === 'valid') {
        if (outcome === 'pass') tally.valid++
        else tally.wrong.push(`tc ${t.tcId} (valid, ${t.comment}): ${outcome}`)
      } else if (t.result === 'invalid') {
        if (outcome === 'refused') tally.invalid++
        else tally.wrong.push(`tc ${t.tcId} (invalid, ${t.comment}): ${outcome === 'pass' ? 'accepted' : outcome}`)
      } else if (outcome === 'mismatch') {
        tally.wrong.push(`tc ${t.tcId} (acceptable, ${t.comment}): a wrong result`)
      } else {
        tally.acceptable[outcome]++
      }
    }
  }
  return tally
}

function counts(groups: Group[]): { valid: number; invalid: number; acceptable: number } {
  const c = { valid: 0, invalid: 0, acceptable: 0 }
  for (const g of groups) for (const t of g.tests) c[t.result]++
  return c
}

function expectTally(groups: Group[], tally: Tally): void {
  const c = counts(groups)
  expect(tally.wrong).toEqual([])
  expect(tally.valid).toBe(c.valid)
  expect(tally.invalid).toBe(c.invalid)
  expect(tally.acceptable.pass + tally.acceptable.refused).toBe(c.acceptable)
  // the record of how this provider decides the acceptable cases
  if (c.acceptable > 0)
    console.info(`acceptable: ${tally.acceptable.pass} accepted, ${tally.acceptable.refused} refused`)
}

const verified = (ok: boolean): Outcome => (ok ? 'pass' : 'refused')

function verifyFile(name: string, key: (g: Group) => unknown, options: (g: Group, t: Case) => object): void {
  it(`${name}: valid signatures verify, invalid ones do not`, () => {
    const groups = load(name)
    const tally = check(groups, key, (k, t, g) =>
      verified((k as PublicKey).verifySync(hex(t.msg), hex(t.sig), options(g, t))),
    )
    expectTally(groups, tally)
  })
}

describe('signatures', () => {
  for (const [file, hash] of [
    ['ecdsa_secp256r1_sha256_p1363_test.json', 'SHA-256'],
    ['ecdsa_secp384r1_sha384_p1363_test.json', 'SHA-384'],
    ['ecdsa_secp521r1_sha512_p1363_test.json', 'SHA-512'],
    ['ecdsa_secp256k1_sha256_p1363_test.json', 'SHA-256'],
  ] as const) {
    verifyFile(
      file,
      (g) => importKeySync(hex(g.publicKeyDer)),
      () => ({ hash }),
    )
  }
  verifyFile(
    'dsa_2048_224_sha256_p1363_test.json',
    (g) => importKeySync(hex(g.publicKeyDer)),
    () => ({ hash: 'SHA-256' }),
  )
  verifyFile(
    'ed25519_test.json',
    (g) => importKeySync(g.publicKeyJwk as Record<string, unknown>),
    () => ({}),
  )
  verifyFile(
    'ed448_test.json',
    (g) => importKeySync(g.publicKeyJwk as Record<string, unknown>),
    () => ({}),
  )
  verifyFile(
    'rsa_signature_2048_sha256_test.json',
    (g) => importKeySync(hex(g.publicKeyDer)),
    () => ({ hash: 'SHA-256', padding: 'pkcs1' }),
  )
  verifyFile(
    'rsa_pss_2048_sha256_mgf1_32_test.json',
    (g) => {
      expect(g.mgfSha).toBe(g.sha) // MGF1 uses the signature's digest here
      return importKeySync(hex(g.publicKeyDer))
    },
    (g) => ({ hash: g.sha, padding: 'pss', saltLength: g.sLen }),
  )
})

describe.skipIf(!PQ)('ML-DSA verification (skipped: needs ML-DSA, OpenSSL 3.5 / Node.js 24+)', () => {
  for (const set of ['44', '65', '87']) {
    verifyFile(
      `mldsa_${set}_verify_test.json`,
      (g) => importKeySync({ kty: 'AKP', alg: `ML-DSA-${set}`, pub: hex(g.publicKey).toString('base64url') }),
      (_g, t) => (t.ctx === undefined ? {} : { context: hex(t.ctx) }),
    )
  }
})

describe('RSA-OAEP decryption', () => {
  for (const file of [
    'rsa_oaep_2048_sha1_mgf1sha1_test.json',
    'rsa_oaep_2048_sha256_mgf1sha256_test.json',
    'rsa_oaep_3072_sha256_mgf1sha256_test.json',
  ]) {
    it(`${file}: valid ciphertexts decrypt to the message, invalid ones are refused`, () => {
      const groups = load(file)
      const tally = check(
        groups,
        (g) => {
          expect(g.mgfSha).toBe(g.sha)
          return importKeySync(g.privateKeyJwk as Record<string, unknown>, { extractable: false })
        },
        (k, t, g) => {
          const label = hex(t.label)
          const out = (k as KeyPair).decryptSync(hex(t.ct), { hash: g.sha as 'SHA-1', label })
          return Buffer.from(out).equals(hex(t.msg)) ? 'pass' : 'mismatch'
        },
      )
      expectTally(groups, tally)
    })
  }
})

// --- key agreement ------------------------------------------------------------------

const EC_CURVES: Record<string, { jose: string; node: string; size: number }> = {
  secp256r1: { jose: 'P-256', node: 'prime256v1', size: 32 },
  secp384r1: { jose: 'P-384', node: 'secp384r1', size: 48 },
  secp521r1: { jose: 'P-521', node: 'secp521r1', size: 66 },
  secp256k1: { jose: 'secp256k1', node: 'secp256k1', size: 32 },
}

/** An EC private key from its scalar alone (the JWK needs the public point: node computes it). */
function ecPrivate(curve: string, d: Buffer): KeyPair {
  const c = EC_CURVES[curve] as { jose: string; node: string; size: number }
  let scalar = d
  while (scalar.length > c.size && scalar[0] === 0) scalar = scalar.subarray(1)
  scalar = Buffer.concat([Buffer.alloc(Math.max(0, c.size - scalar.length)), scalar])
  const ecdh = createECDH(c.node)
  ecdh.setPrivateKey(scalar)
  const pub = ecdh.getPublicKey()
  const jwk = {
    kty: 'EC',
    crv: c.jose,
    x: pub.subarray(1, 1 + c.size).toString('base64url'),
    y: pub.subarray(1 + c.size).toString('base64url'),
    d: scalar.toString('base64url'),
  }
  return importKeySync(jwk, { algorithm: 'ECDH', extractable: false }) as KeyPair
}

const XDH_PKCS8: Record<string, string> = {
  curve25519: '302e020100300506032b656e04220420',
  curve448: '3046020100300506032b656f043a0438',
}

function xdhPrivate(curve: string, d: Buffer): KeyPair {
  const der = Buffer.concat([hex(XDH_PKCS8[curve]), d])
  return importKeySync(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }), { extractable: false }) as KeyPair
}

describe('key agreement', () => {
  for (const curve of Object.keys(EC_CURVES)) {
    const file = `ecdh_${curve}_test.json`
    it(`${file}: valid peers give the shared secret, invalid ones are refused`, () => {
      const groups = load(file)
      const keys = new Map<string, KeyPair>() // many cases share a private key
      const tally = check(
        groups,
        () => undefined,
        (_k, t) => {
          const d = String(t.private)
          let mine = keys.get(d)
          if (!mine) {
            mine = ecPrivate(curve, hex(d))
            keys.set(d, mine)
          }
          const peer = importKeySync(hex(t.public), { algorithm: 'ECDH' })
          return Buffer.from(mine.deriveBitsSync(peer as PublicKey)).equals(hex(t.shared)) ? 'pass' : 'mismatch'
        },
      )
      for (const k of keys.values()) k.destroy()
      expectTally(groups, tally)
    })
  }
  for (const [file, curve, jose] of [
    ['x25519_test.json', 'curve25519', 'X25519'],
    ['x448_test.json', 'curve448', 'X448'],
  ] as const) {
    it(`${file}: valid peers give the shared secret, small-order peers are refused`, () => {
      const groups = load(file)
      const tally = check(
        groups,
        () => undefined,
        (_k, t) => {
          const mine = xdhPrivate(curve, hex(t.private))
          try {
            const peer = importKeySync(hex(t.public), { curve: jose })
            return Buffer.from(mine.deriveBitsSync(peer as PublicKey)).equals(hex(t.shared)) ? 'pass' : 'mismatch'
          } finally {
            mine.destroy()
          }
        },
      )
      expectTally(groups, tally)
    })
  }
})

describe.skipIf(!PQ)('ML-KEM decapsulation (skipped: needs ML-KEM, OpenSSL 3.5 / Node.js 24+)', () => {
  for (const set of ['512', '768', '1024'] as const) {
    const file = `mlkem_${set}_test.json`
    it(`${file}: valid ciphertexts give K, malformed keys and ciphertexts are refused`, () => {
      const groups = load(file)
      const tally = check(
        groups,
        () => undefined,
        (_k, t) => {
          const blob = writeBlob({ type: 'ML-KEM', parameterSet: set, seed: hex(t.seed) }, 'seed')
          const kem = importKeySync(blob, { extractable: false }) as KeyPair
          try {
            if (t.ek !== undefined) {
              const ek = kem.publicKey.export({ format: 'jwk' }).pub
              if (ek !== hex(t.ek).toString('base64url')) return 'mismatch'
            }
            return Buffer.from(kem.decapsulateSync(hex(t.c))).equals(hex(t.K)) ? 'pass' : 'mismatch'
          } finally {
            kem.destroy()
          }
        },
      )
      expectTally(groups, tally)
    })
  }
})
