/**
 * The DER writer's scratch path (withEncoded): what a PEM's DER passes
 * through. The bytes handed over are the encoding encode() gives, and they
 * are zero once withEncoded returns or throws, whatever the size.
 */
import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { encode, octetString, sequence, withEncoded } from '../src/formats/der.js'
import { encodePrivate } from '../src/formats/encode.js'
import { jwkToMaterial } from '../src/formats/jwk.js'

describe('withEncoded', () => {
  it.each([10, 1000, 5000, 20000])('a %i-byte value: the same bytes as encode(), wiped after use', (n) => {
    const tree = sequence(octetString(new Uint8Array(n).fill(0xa5)))
    const want = Buffer.from(encode(tree))
    let seen: Uint8Array | undefined
    const got = withEncoded(tree, (der) => {
      seen = der
      return Buffer.from(der).toString('hex')
    })
    expect(got).toBe(want.toString('hex'))
    expect(seen?.length).toBe(want.length)
    expect(seen?.every((b) => b === 0)).toBe(true)
  })

  it('wipes when the user throws, and the scratch serves the next call', () => {
    let seen: Uint8Array | undefined
    expect(() =>
      withEncoded(sequence(octetString(new Uint8Array(64).fill(7))), (der) => {
        seen = der
        throw new Error('boom')
      }),
    ).toThrow('boom')
    expect(seen?.every((b) => b === 0)).toBe(true)
    expect(withEncoded(sequence(octetString(Uint8Array.of(1, 2))), (der) => Buffer.from(der).toString('hex'))).toBe(
      '30040402' + '0102',
    )
  })

  it('private PEMs through it read back in node:crypto as the same key (EC, Ed25519, RSA)', () => {
    const keys: KeyObject[] = [
      generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey,
      generateKeyPairSync('ed25519').privateKey,
      generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey,
    ]
    for (const privateKey of keys) {
      const type = privateKey.asymmetricKeyType
      const jwk = privateKey.export({ format: 'jwk' })
      const m = jwkToMaterial(jwk as never)
      for (const t of type === 'ec' ? ['pkcs8', 'sec1'] : type === 'rsa' ? ['pkcs8', 'pkcs1'] : ['pkcs8']) {
        const pem = encodePrivate(m, { format: 'pem', type: t as never }) as string
        expect(createPrivateKey(pem).export({ format: 'jwk' })).toEqual(jwk)
      }
    }
  })
})
