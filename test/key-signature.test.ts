/**
 * A key's own signature, the registry's (JoseRow.keyDefault, keySignature): RSA with SHA-256
 * PKCS#1 v1.5, ECDSA with the curve's digest (RFC 5758). Certificates and CSRs signed by a key's
 * handle use it, and keys of other algorithms are refused before anything is signed (judged by
 * node:crypto's X509Certificate and by PKI.js reading the signature algorithm back); signJwt
 * without an alg uses it too (judged by jose).
 */
import { X509Certificate } from 'node:crypto'
import * as asn1js from 'asn1js'
import * as jose from 'jose'
import * as pkijs from 'pkijs'
import { describe, expect, it } from 'vitest'
import { createCertificate, createCsr, generateKey, type KeySpec, signJwt } from '../src/index.js'

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

describe("signJwt without alg: the key's own signature", () => {
  for (const [name, spec, alg] of [
    ['RSA', { algorithm: 'RSA', length: 2048 }, 'RS256'],
    ['ECDSA_P256', { algorithm: 'ECDSA_P256' }, 'ES256'],
    ['ECDSA_P384', { algorithm: 'ECDSA_P384' }, 'ES384'],
    ['ECDSA_P521', { algorithm: 'ECDSA_P521' }, 'ES512'],
  ] as [string, KeySpec, string][]) {
    it(`${name}: ${alg}, which jose verifies`, async () => {
      const key = await generateKey({ ...spec, extractable: false })
      const jwt = await signJwt(key, { sub: 'svc' }, { expiresIn: '1h' })
      const { payload, protectedHeader } = await jose.jwtVerify(jwt, key.publicKey.toKeyObject(), { algorithms: [alg] })
      expect(protectedHeader).toEqual({ alg, typ: 'JWT', kid: key.publicKey.thumbprint() })
      expect(payload.sub).toBe('svc')
      expect((payload.exp as number) - (payload.iat as number)).toBe(3600)
      key.destroy()
    })
  }

  it('asks for an alg for the other keys, and signs with the one given', async () => {
    const ed = await generateKey({ algorithm: 'EdDSA', curve: 'Ed25519' })
    await expect(signJwt(ed, {})).rejects.toMatchObject({
      code: 'ERR_INVALID_REQUEST',
      message: 'signJwt: give alg for "EdDSA" keys',
    })
    const jwt = await signJwt(ed, { sub: 'x' }, { alg: 'EdDSA' })
    expect((await jose.jwtVerify(jwt, ed.publicKey.toKeyObject())).protectedHeader.alg).toBe('EdDSA')
    ed.destroy()
  })
})
