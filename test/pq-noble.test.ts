/**
 * ML-DSA and ML-KEM keys checked with @noble/post-quantum, an implementation that is not
 * OpenSSL's: on every runtime where this package has them (Node 22, 24, 26 with OpenSSL 3.5).
 * On Node 22 this is the check that counts, as node:crypto there has no ML-DSA / ML-KEM keys
 * (the node:crypto suites of pq.test.ts run from Node 24 on).
 */

import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { generateKey } from '../src/index.js'
import { cli, ok, tempDir } from './cli-helpers.js'
import { hasPostQuantum } from './helpers.js'
import { type DsaSet, type KemSet, nobleMlDsaWorks, nobleMlKemWorks } from './pq-oracle.js'

const PQ = hasPostQuantum()
const der = (pem: string): Buffer => Buffer.from(pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, ''), 'base64')
/** The key bytes after a PQ blob's header and parameter-set name (read without our parser). */
function keyOf(blob: Uint8Array): Buffer {
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength)
  return Buffer.from(blob.subarray(12 + view.getUint32(4, true)))
}

describe.runIf(PQ)(`ML-DSA / ML-KEM checked with @noble/post-quantum (OpenSSL ${process.versions.openssl})`, () => {
  it.each(['44', '65', '87'] as DsaSet[])(
    'ML-DSA-%s: PKCS#8 (DER, PEM), SPKI and JWK are one key that signs',
    async (set) => {
      const k = await generateKey({ algorithm: 'ML-DSA', parameterSet: set })
      const pkcs8 = k.export({ format: 'der' })
      const spki = k.publicKey.export({ format: 'der' })
      nobleMlDsaWorks(set, pkcs8, spki)
      nobleMlDsaWorks(set, der(k.export({ format: 'pem' })), der(k.publicKey.export({ format: 'pem' })))
      const jwk = k.export({ format: 'jwk' })
      expect(jwk).toMatchObject({ kty: 'AKP', alg: `ML-DSA-${set}` })
      expect(Buffer.from(jwk.priv as string, 'base64url').equals(pkcs8.subarray(22))).toBe(true)
      expect(Buffer.from(jwk.pub as string, 'base64url').equals(spki.subarray(22))).toBe(true)
      k.destroy()
    },
  )

  it.each(['512', '768', '1024'] as KemSet[])(
    'ML-KEM-%s: PKCS#8, SPKI, JWK and the expanded key of the blob are one key that decapsulates',
    async (set) => {
      const k = await generateKey({ algorithm: 'ML-KEM', parameterSet: set })
      const pkcs8 = k.export({ format: 'der' })
      const spki = k.publicKey.export({ format: 'der' })
      nobleMlKemWorks(set, pkcs8, spki, keyOf(k.export({ format: 'blob' })))
      const jwk = k.export({ format: 'jwk' })
      expect(jwk).toMatchObject({ kty: 'AKP', alg: `ML-KEM-${set}` })
      expect(Buffer.from(jwk.priv as string, 'base64url').equals(pkcs8.subarray(22))).toBe(true)
      expect(Buffer.from(jwk.pub as string, 'base64url').equals(spki.subarray(22))).toBe(true)
      k.destroy()
    },
  )

  it('the CLI: ml-dsa, ml-kem, ML-DSA-65 and ML-KEM-768 write keys that noble uses', () => {
    const dir = tempDir()
    for (const set of ['44', '65', '87'] as DsaSet[]) {
      ok(cli(['ml-dsa', '--set', set, '--out', `d${set}.pem`, '--pub', `d${set}.pub.pem`], { cwd: dir }))
      const read = (f: string): Buffer => der(readFileSync(join(dir, f), 'utf8'))
      nobleMlDsaWorks(set, read(`d${set}.pem`), read(`d${set}.pub.pem`))
    }
    for (const set of ['512', '768', '1024'] as KemSet[]) {
      ok(
        cli(['ml-kem', '--set', set, '--format', 'der', '--out', `k${set}.der`, '--pub', `k${set}.pub.der`], {
          cwd: dir,
        }),
      )
      nobleMlKemWorks(set, readFileSync(join(dir, `k${set}.der`)), readFileSync(join(dir, `k${set}.pub.der`)))
    }
    ok(cli(['ML-DSA-65', '--format', 'pem', '--out', 'jose.pem', '--pub', 'jose.pub.pem'], { cwd: dir }))
    nobleMlDsaWorks(
      '65',
      der(readFileSync(join(dir, 'jose.pem'), 'utf8')),
      der(readFileSync(join(dir, 'jose.pub.pem'), 'utf8')),
    )
    const kem = JSON.parse(ok(cli(['ML-KEM-768'])).stdout) as { priv: string; pub: string }
    const spkiHeader = '308204b2300b0609608648016503040402038204a100'
    const pkcs8Header = '3054020100300b060960864801650304040204428040'
    nobleMlKemWorks(
      '768',
      Buffer.concat([Buffer.from(pkcs8Header, 'hex'), Buffer.from(kem.priv, 'base64url')]),
      Buffer.concat([Buffer.from(spkiHeader, 'hex'), Buffer.from(kem.pub, 'base64url')]),
    )
  })
})
