/**
 * An ML-DSA / ML-KEM implementation that is not ours, to check our keys with where
 * node:crypto has none. Node 22's OpenSSL 3.5 has ML-DSA and ML-KEM, so our addon makes
 * them there, but Node 22's node:crypto cannot use them (no key type, no encapsulate):
 * there @noble/post-quantum checks the keys instead. It reads the PKCS#8 and SPKI by their
 * fixed layouts (RFC 9881 / RFC 9935 seed-only private keys), not with our parser.
 */
import { ml_dsa44, ml_dsa65, ml_dsa87 } from '@noble/post-quantum/ml-dsa.js'
import { ml_kem512, ml_kem768, ml_kem1024 } from '@noble/post-quantum/ml-kem.js'
import { expect } from 'vitest'

const DSA = { '44': ml_dsa44, '65': ml_dsa65, '87': ml_dsa87 } as const
const KEM = { '512': ml_kem512, '768': ml_kem768, '1024': ml_kem1024 } as const
const DSA_PUBLIC = { '44': 1312, '65': 1952, '87': 2592 } as const
const KEM_PUBLIC = { '512': 800, '768': 1184, '1024': 1568 } as const

/** The public key in an SPKI: SEQUENCE { AlgorithmIdentifier (13 bytes), BIT STRING (0 unused bits) }. */
function spkiKey(spki: Uint8Array, length: number): Uint8Array {
  expect(spki.length).toBe(22 + length)
  expect(Buffer.from(spki.subarray(17, 22)).toString('hex')).toBe(`0382${(length + 1).toString(16).padStart(4, '0')}00`)
  return spki.subarray(22)
}

/** The seed in a seed-only PKCS#8: ... OCTET STRING { [0] IMPLICIT OCTET STRING seed }. */
function pkcs8Seed(pkcs8: Uint8Array, length: number): Uint8Array {
  expect(pkcs8.length).toBe(22 + length)
  expect(Buffer.from(pkcs8.subarray(18, 22)).toString('hex')).toBe(
    `04${(length + 2).toString(16).padStart(2, '0')}80${length.toString(16).padStart(2, '0')}`,
  )
  return pkcs8.subarray(22)
}

export type DsaSet = keyof typeof DSA
export type KemSet = keyof typeof KEM

/**
 * An ML-DSA key pair (PKCS#8 DER, SPKI DER) is one working key by FIPS 204 as noble implements
 * it: the public key is the one the seed derives, a signature made with the seed's key verifies
 * under our public key, and fails for another message.
 */
export function nobleMlDsaWorks(set: DsaSet, pkcs8: Uint8Array, spki: Uint8Array): void {
  mlDsaSeedWorks(set, pkcs8Seed(pkcs8, 32), spki)
}

/** The ML-DSA check on the seed itself: it derives the SPKI's public key, and its key signs. */
function mlDsaSeedWorks(set: DsaSet, seed: Uint8Array, spki: Uint8Array): void {
  const dsa = DSA[set]
  const pub = spkiKey(spki, DSA_PUBLIC[set])
  const keys = dsa.keygen(seed)
  expect(Buffer.from(keys.publicKey).equals(Buffer.from(pub))).toBe(true)
  const msg = new TextEncoder().encode('platform-keygen, checked with @noble/post-quantum')
  const sig = dsa.sign(msg, keys.secretKey)
  expect(dsa.verify(sig, msg, pub)).toBe(true)
  expect(dsa.verify(sig, new TextEncoder().encode('another message'), pub)).toBe(false)
}

const DSA_SECRET = { '44': 2560, '65': 4032, '87': 4896 } as const

/**
 * The same check for an ML-DSA PKCS#8 in OpenSSL's "both" form (what node:crypto exports from a
 * KeyObject on Node 22): …, OCTET STRING seed (32), OCTET STRING expanded key, at the end. The
 * seed must derive that expanded key and the SPKI's public key, and sign.
 */
export function nobleMlDsaBothWorks(set: DsaSet, pkcs8: Uint8Array, spki: Uint8Array): void {
  const der = Buffer.from(pkcs8)
  const sk = DSA_SECRET[set]
  const expanded = der.subarray(der.length - sk)
  const seedEnd = der.length - sk - 4 // 04 82 LL LL before the expanded key
  expect([...der.subarray(seedEnd, seedEnd + 2)]).toEqual([0x04, 0x82])
  expect([...der.subarray(seedEnd - 34, seedEnd - 32)]).toEqual([0x04, 0x20])
  const seed = der.subarray(seedEnd - 32, seedEnd)
  expect(Buffer.from(DSA[set].keygen(seed).secretKey).equals(expanded)).toBe(true)
  mlDsaSeedWorks(set, seed, spki)
}

/**
 * An ML-KEM key pair (PKCS#8 DER, SPKI DER) is one working key by FIPS 203 as noble implements
 * it: the seed (d‖z) derives our public key, a secret encapsulated to our public key decapsulates
 * with the seed's key, and (given) with our expanded decapsulation key too.
 */
export function nobleMlKemWorks(set: KemSet, pkcs8: Uint8Array, spki: Uint8Array, expandedDk?: Uint8Array): void {
  const kem = KEM[set]
  const pub = spkiKey(spki, KEM_PUBLIC[set])
  const keys = kem.keygen(pkcs8Seed(pkcs8, 64))
  expect(Buffer.from(keys.publicKey).equals(Buffer.from(pub))).toBe(true)
  if (expandedDk) expect(Buffer.from(expandedDk).equals(Buffer.from(keys.secretKey))).toBe(true)
  const { cipherText, sharedSecret } = kem.encapsulate(pub)
  expect(sharedSecret).toHaveLength(32)
  expect(Buffer.from(kem.decapsulate(cipherText, keys.secretKey)).equals(Buffer.from(sharedSecret))).toBe(true)
  if (expandedDk) {
    expect(Buffer.from(kem.decapsulate(cipherText, expandedDk)).equals(Buffer.from(sharedSecret))).toBe(true)
  }
}
