/**
 * Validation of key material: the checks a key must pass before it is
 * re-encoded (convert), stored (JwkStore.add) or trusted after decryption
 * (JwkStore.get). Each failure is ERR_INVALID_KEY.
 *
 * - Sizes are capped at the key-length table's maxima (RSA 16384 bits,
 *   DSA 3072, DH 4096), checked before any arithmetic.
 * - RSA: 1 < e < n, e odd, n odd; with the private part n = p·q,
 *   d·e ≡ 1 (mod p−1) and (mod q−1), dp = d mod (p−1), dq = d mod (q−1),
 *   qi·q ≡ 1 (mod p).
 * - EC: the public point is on the curve (node:crypto's import refuses it
 *   otherwise); a private d must be in [1, n−1] and its public point
 *   (node:crypto's ECDH) must be the given x, y.
 * - OKP (Ed25519, Ed448, X25519, X448): the public key is derived from d
 *   (node:crypto) and must equal x — a private key carrying someone else's
 *   x is the "double public key" misuse.
 * - DSA, DH: y = g^x mod p (node:crypto's DH arithmetic), 1 < y < p−1.
 * - ML-DSA, ML-KEM: where this Node.js has them (OpenSSL 3.5), the public key
 *   derived from the seed must equal pub; elsewhere only the sizes are checked.
 */
import { createDiffieHellman, createECDH, createPrivateKey, createPublicKey } from 'node:crypto'
import { InvalidKeyError } from '../errors.js'
import { CURVES, keyLengthTable } from '../registry.js'
import { b64url, bitLength, equalBytes, padTo, toBigInt } from './bytes.js'
import { EC_SIZES, type EcCurve, type KeyMaterial } from './material.js'

/** node:crypto's name of an EC curve (the registry's openssl column). */
const opensslCurve = (c: EcCurve): string => CURVES[c].openssl ?? c

function maxBits(algorithm: 'RSA' | 'DSA' | 'DH'): number {
  const rule = keyLengthTable[algorithm].rule
  return rule.kind === 'range' ? rule.max : Number.POSITIVE_INFINITY
}

function invalid(why: string, cause?: unknown): InvalidKeyError {
  return new InvalidKeyError(`not a valid key: ${why}`, cause === undefined ? undefined : { cause })
}

function capBits(value: Uint8Array, algorithm: 'RSA' | 'DSA' | 'DH', what: string): void {
  const max = maxBits(algorithm)
  const bits = bitLength(value)
  if (bits > max) throw invalid(`the ${what} has ${bits} bits; the key-length table allows ${algorithm} up to ${max}`)
}

const mod = (a: bigint, m: bigint): bigint => ((a % m) + m) % m

function checkRsa(m: Extract<KeyMaterial, { type: 'RSA' }>): void {
  capBits(m.n, 'RSA', 'modulus n')
  if (m.e.length > 64) throw invalid('the RSA public exponent e is larger than 512 bits')
  const n = toBigInt(m.n)
  const e = toBigInt(m.e)
  if (n % 2n === 0n || n < 3n) throw invalid('the RSA modulus n must be odd and greater than 2')
  if (e <= 1n || e >= n || e % 2n === 0n) throw invalid('the RSA public exponent e must be odd, with 1 < e < n')
  if (m.d === undefined) return
  const { d, p, q, dp, dq, qi } = m
  if (!p || !q || !dp || !dq || !qi) throw invalid('the RSA private key lacks p, q, dp, dq or qi')
  for (const [v, what] of [
    [d, 'd'],
    [p, 'p'],
    [q, 'q'],
    [dp, 'dp'],
    [dq, 'dq'],
    [qi, 'qi'],
  ] as const) {
    if (v.length > m.n.length + 1) throw invalid(`the RSA private member ${what} is larger than n`)
  }
  const [D, P, Q] = [toBigInt(d), toBigInt(p), toBigInt(q)]
  if (P <= 1n || Q <= 1n || P * Q !== n) throw invalid('the RSA primes p and q do not multiply to n')
  if (D <= 0n || D >= n) throw invalid('the RSA private exponent d is not in [1, n−1]')
  if (mod(D * e, P - 1n) !== 1n || mod(D * e, Q - 1n) !== 1n)
    throw invalid('the RSA private exponent d is not the inverse of e')
  if (toBigInt(dp) !== D % (P - 1n) || toBigInt(dq) !== D % (Q - 1n))
    throw invalid('the RSA CRT exponents dp, dq do not match d')
  if (mod(toBigInt(qi) * Q, P) !== 1n) throw invalid('the RSA CRT coefficient qi is not q⁻¹ mod p')
}

function checkEc(m: Extract<KeyMaterial, { type: 'EC' }>): void {
  const cb = EC_SIZES[m.curve]
  const x = padTo(m.x, cb)
  const y = padTo(m.y, cb)
  if (!x || !y) throw invalid(`an EC coordinate is larger than ${m.curve}'s field`)
  try {
    createPublicKey({ key: { kty: 'EC', crv: m.curve, x: b64url(x), y: b64url(y) }, format: 'jwk' })
  } catch (err) {
    throw invalid(`the EC public point is not on ${m.curve}`, err)
  }
  if (m.d === undefined) return
  const ecdh = createECDH(opensslCurve(m.curve))
  let point: Uint8Array
  try {
    ecdh.setPrivateKey(m.d)
    point = ecdh.getPublicKey()
  } catch (err) {
    throw invalid(`the EC private key d is not in [1, n−1] of ${m.curve}`, err)
  }
  if (!equalBytes(point.subarray(1, 1 + cb), x) || !equalBytes(point.subarray(1 + cb), y)) {
    throw invalid('the EC public point is not the one of the private key d')
  }
}

function checkOkp(m: Extract<KeyMaterial, { type: 'OKP' }>): void {
  if (m.d === undefined) return
  let x: string | undefined
  try {
    const jwk = { kty: 'OKP', crv: m.curve, d: b64url(m.d), x: b64url(m.x) }
    x = createPrivateKey({ key: jwk, format: 'jwk' }).export({ format: 'jwk' }).x
  } catch (err) {
    throw invalid(`the ${m.curve} private key could not be imported`, err)
  }
  if (x !== b64url(m.x)) throw invalid(`the ${m.curve} public key x is not the one of the private key d`)
}

function checkFiniteField(m: Extract<KeyMaterial, { type: 'DSA' | 'DH' }>): void {
  capBits(m.p, m.type, 'prime p')
  const P = toBigInt(m.p)
  const y = toBigInt(m.y)
  const g = toBigInt(m.g)
  if (P < 5n || P % 2n === 0n) throw invalid(`the ${m.type} prime p must be odd and greater than 3`)
  if (g <= 1n || g >= P - 1n) throw invalid(`the ${m.type} generator g must be in [2, p−2]`)
  if (y <= 1n || y >= P - 1n) throw invalid(`the ${m.type} public value y must be in [2, p−2]`)
  if (m.type === 'DSA') {
    const q = toBigInt(m.q)
    if (q <= 1n || (P - 1n) % q !== 0n) throw invalid('the DSA subgroup order q does not divide p − 1')
  }
  if (m.x === undefined) return
  const x = toBigInt(m.x)
  if (x <= 0n || x >= P - 1n) throw invalid(`the ${m.type} private value x must be in [1, p−2]`)
  if (m.type === 'DSA' && x >= toBigInt(m.q)) throw invalid('the DSA private value x must be less than q')
  let derived: Uint8Array
  try {
    const dh = createDiffieHellman(m.p, m.g)
    dh.setPrivateKey(m.x)
    derived = dh.generateKeys()
  } catch (err) {
    throw invalid(`the ${m.type} private value x could not be used`, err)
  }
  if (toBigInt(derived) !== y) throw invalid(`the ${m.type} public value y is not g^x mod p`)
}

/** Whether this Node.js can import ML-DSA / ML-KEM JWKs. */
function checkPostQuantum(m: Extract<KeyMaterial, { type: 'ML-DSA' | 'ML-KEM' }>): void {
  if (!m.seed || !m.pub) return
  const jwk = { kty: 'AKP', alg: `${m.type}-${m.parameterSet}`, pub: b64url(m.pub), priv: b64url(m.seed) }
  let pub: unknown
  try {
    pub = (createPrivateKey({ key: jwk as never, format: 'jwk' }).export({ format: 'jwk' }) as { pub?: unknown }).pub
  } catch (err) {
    // Node.js without ML-DSA / ML-KEM (before 24): no derivation to compare with.
    if ((err as { code?: unknown }).code === 'ERR_CRYPTO_INVALID_JWK') throw invalid(`the ${m.type} key`, err)
    return
  }
  if (pub !== jwk.pub) throw invalid(`the ${m.type} public key is not the one of the seed`)
}

/** Throws ERR_INVALID_KEY unless the material is a valid key (see the module comment). */
export function validateMaterial(m: KeyMaterial): void {
  switch (m.type) {
    case 'RSA':
      checkRsa(m)
      return
    case 'EC':
      checkEc(m)
      return
    case 'OKP':
      checkOkp(m)
      return
    case 'DSA':
    case 'DH':
      checkFiniteField(m)
      return
    case 'ML-DSA':
    case 'ML-KEM':
      checkPostQuantum(m)
      return
  }
}

/** Key members of a public JWK (what identifies the key), per kty. */
const PUBLIC_MEMBERS: Record<string, readonly string[]> = {
  RSA: ['n', 'e'],
  EC: ['crv', 'x', 'y'],
  OKP: ['crv', 'x'],
  AKP: ['alg', 'pub'],
}

/** Whether two JWKs name the same public key (their key members are equal). */
export function samePublicKey(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  if (a.kty !== b.kty || typeof a.kty !== 'string') return false
  const members = PUBLIC_MEMBERS[a.kty]
  if (!members) return false
  return members.every((k) => typeof a[k] === 'string' && a[k] === b[k])
}
