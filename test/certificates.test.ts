/**
 * Certificates and CSRs signed by a key's handle take their signature from the registry
 * (JoseRow.certificates): RSA with SHA-256 PKCS#1 v1.5, ECDSA with the curve's digest (RFC 5758);
 * keys of other algorithms are refused before anything is signed. Judged by node:crypto's
 * X509Certificate and by PKI.js reading the signature algorithm back.
 */
import { X509Certificate } from 'node:crypto'
import * as asn1js from 'asn1js'
import * as pkijs from 'pkijs'
import { describe, expect, it } from 'vitest'
import { createCertificate, createCsr, generateKey, type KeySpec } from '../src/index.js'

const SIGNED: [string, KeySpec, string][] = [
  ['RSA', { algorithm: 'RSA', length: 2048 }, '1.2.840.113549.1.1.11'], // sha256WithRSAEncryption
  ['ECDSA_P256', { algorithm: 'ECDSA_P256' }, '1.2.840.10045.4.3.2'], // ecdsa-with-SHA256
  ['ECDSA_P384', { algorithm: 'ECDSA_P384' }, '1.2.840.10045.4.3.3'], // ecdsa-with-SHA384
  ['ECDSA_P521', { algorithm: 'ECDSA_P521' }, '1.2.840.10045.4.3.4'], // ecdsa-with-SHA512
]

describe('certificates and CSRs: the registry says which keys sign them and with which digest', () => {
  for (const [name, spec, oid] of SIGNED) {
    it(`${name}: a self-signed certificate and a CSR signed with ${oid}`, async () => {
      const key = await generateKey({ ...spec, extractable: false })
      const cert = await createCertificate(key, { subject: 'CN=svc' })
      const x509 = new X509Certificate(cert.der)
      expect(x509.verify(key.publicKey.toKeyObject())).toBe(true)
      expect(x509.subject).toBe('CN=svc')
      const parsed = pkijs.Certificate.fromBER(cert.der)
      expect(parsed.signatureAlgorithm.algorithmId).toBe(oid)

      const csr = await createCsr(key, { subject: 'CN=svc' })
      const request = new pkijs.CertificationRequest({ schema: asn1js.fromBER(csr.der).result })
      expect(request.signatureAlgorithm.algorithmId).toBe(oid)
      expect(await request.verify()).toBe(true)
      key.destroy()
    })
  }

  it('refuses keys of the other algorithms with ERR_UNSUPPORTED_OPERATION, naming the ones that sign', async () => {
    const refused: KeySpec[] = [
      { algorithm: 'EdDSA', curve: 'Ed25519' },
      { algorithm: 'ECDSA', curve: 'secp256k1' },
      { algorithm: 'ECDH_P256' },
      { algorithm: 'ECDH', curve: 'X25519' },
    ]
    for (const spec of refused) {
      const key = await generateKey(spec)
      for (const make of [
        () => createCertificate(key, { subject: 'CN=x' }),
        () => createCsr(key, { subject: 'CN=x' }),
      ]) {
        await expect(make()).rejects.toMatchObject({
          code: 'ERR_UNSUPPORTED_OPERATION',
          message: `a ${key.algorithm} key does not sign certificates here (RSA or ECDSA_P256/P384/P521)`,
        })
      }
      key.destroy()
    }
  })
})
