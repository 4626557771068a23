/**
 * The key operations against node:crypto on the same keys, both directions,
 * per algorithm and option. Generated keys are non-extractable throughout:
 * everything here works without the private key ever leaving the provider
 * (node:crypto gets only the public key, or its own key pair whose public
 * half we import).
 */
import crypto, { type KeyObject } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  capabilities,
  generateKey,
  generateKeySync,
  importKey,
  importKeySync,
  type KeyPair,
  PublicKey,
} from '../src/index.js'
import { native } from '../src/native.js'
import { expectCode, hasPostQuantum } from './helpers.js'

const PQ = hasPostQuantum()
const [MAJOR, MINOR] = (capabilities().providerVersion.split('.').map(Number) as [number, number]) ?? [0, 0]
/** OpenSSL 3.2+: Ed448 context strings, implicit rejection for PKCS#1 v1.5 decryption. */
const OSSL32 = MAJOR > 3 || (MAJOR === 3 && MINOR >= 2)
// node:crypto's sign/verify take a `context` from Node.js 24 on (Node.js 22 ignores it), so the
// cross-checks with a context run there; our own verify judges the context everywhere
const NODE_CONTEXT = Number(process.versions.node.split('.')[0]) >= 24
const data = Buffer.from('the key never leaves the provider')
const nodeHash = (h: string) => h.replace('-', '').toLowerCase()

function flip(sig: Uint8Array): Buffer {
  const b = Buffer.from(sig)
  b[b.length >> 1] = (b[b.length >> 1] as number) ^ 1
  return b
}

/** A node key pair whose public half we import (node signs / encrypts / derives with the private half). */
async function nodePeer(
  type: string,
  options: object,
): Promise<{ pair: crypto.KeyPairKeyObjectResult; pub: PublicKey }> {
  const pair = crypto.generateKeyPairSync(type as 'ec', options as crypto.ECKeyPairKeyObjectOptions)
  const pub = await importKey(pair.publicKey)
  expect(pub).toBeInstanceOf(PublicKey)
  return { pair, pub: pub as PublicKey }
}

describe('RSA signatures (PKCS#1 v1.5 and PSS)', async () => {
  const key = await generateKey({ algorithm: 'RSA', length: 2048, extractable: false })
  const ours: KeyObject = key.publicKey.toKeyObject()
  const peer = await nodePeer('rsa', { modulusLength: 2048 })

  for (const hash of ['SHA-256', 'SHA-384', 'SHA-512'] as const) {
    it(`PKCS#1 v1.5 ${hash}: ours verifies in node, node's verifies in ours, a flipped bit does not`, async () => {
      const sig = await key.sign(data, { hash })
      expect(sig.length).toBe(256)
      expect(crypto.verify(nodeHash(hash), data, ours, sig)).toBe(true)
      expect(await key.publicKey.verify(data, sig, { hash })).toBe(true)
      expect(await key.publicKey.verify(data, flip(sig), { hash })).toBe(false)
      const theirs = crypto.sign(nodeHash(hash), data, peer.pair.privateKey)
      expect(peer.pub.verifySync(data, theirs, { hash, padding: 'pkcs1' })).toBe(true)
      expect(peer.pub.verifySync(Buffer.from('other'), theirs, { hash })).toBe(false)
    })
    it(`PSS ${hash}, salt = digest length (default) and 0: both directions`, async () => {
      const hLen = { 'SHA-256': 32, 'SHA-384': 48, 'SHA-512': 64 }[hash]
      const sig = key.signSync(data, { hash, padding: 'pss' })
      const pss = { padding: crypto.constants.RSA_PKCS1_PSS_PADDING }
      expect(crypto.verify(nodeHash(hash), data, { key: ours, ...pss, saltLength: hLen }, sig)).toBe(true)
      expect(crypto.verify(nodeHash(hash), data, { key: ours, ...pss, saltLength: 0 }, sig)).toBe(false)
      const zero = await key.sign(data, { hash, padding: 'pss', saltLength: 0 })
      expect(crypto.verify(nodeHash(hash), data, { key: ours, ...pss, saltLength: 0 }, zero)).toBe(true)
      const theirs = crypto.sign(nodeHash(hash), data, { key: peer.pair.privateKey, ...pss, saltLength: hLen })
      expect(await peer.pub.verify(data, theirs, { hash, padding: 'pss' })).toBe(true)
      expect(await peer.pub.verify(data, theirs, { hash, padding: 'pss', saltLength: 0 })).toBe(false)
      expect(await peer.pub.verify(data, theirs, { hash, padding: 'pkcs1' })).toBe(false)
    })
  }

  it('SHA-1 verifies (legacy signatures) but does not sign', async () => {
    const theirs = crypto.sign('sha1', data, peer.pair.privateKey)
    expect(peer.pub.verifySync(data, theirs, { hash: 'SHA-1' })).toBe(true)
    await expectCode(key.sign(data, { hash: 'SHA-1' }), 'ERR_INVALID_REQUEST')
  })
})

describe('RSA encryption', async () => {
  const key = await generateKey({ algorithm: 'RSA', length: 2048, extractable: false })
  const ours = key.publicKey.toKeyObject()
  const peer = await nodePeer('rsa', { modulusLength: 3072 })

  for (const hash of ['SHA-1', 'SHA-256', 'SHA-384', 'SHA-512'] as const) {
    for (const label of [undefined, Buffer.from('a label')]) {
      it(`OAEP ${hash}${label ? ' with a label' : ''}: node decrypts what we encrypt to its key, ours decrypts node's`, async () => {
        const opts = label ? { hash, label } : { hash }
        const ct = await key.publicKey.encrypt(data, opts)
        expect(ct.length).toBe(256)
        const nodeOpts = { oaepHash: nodeHash(hash), ...(label ? { oaepLabel: label } : {}) }
        const theirs = crypto.publicEncrypt({ key: ours, ...nodeOpts }, data)
        expect(Buffer.from(await key.decrypt(theirs, opts)).equals(data)).toBe(true)
        expect(Buffer.from(key.decryptSync(ct, opts)).equals(data)).toBe(true)
        // node decrypts what we encrypted to its key
        const toNode = peer.pub.encryptSync(data, opts)
        expect(crypto.privateDecrypt({ key: peer.pair.privateKey, ...nodeOpts }, toNode).equals(data)).toBe(true)
      })
    }
  }

  it('OAEP with the wrong hash or label: ERR_DECRYPTION_FAILED', async () => {
    const ct = await key.publicKey.encrypt(data, { hash: 'SHA-256', label: Buffer.from('x') })
    await expectCode(key.decrypt(ct, { hash: 'SHA-384', label: Buffer.from('x') }), 'ERR_DECRYPTION_FAILED')
    await expectCode(key.decrypt(ct, { hash: 'SHA-256' }), 'ERR_DECRYPTION_FAILED')
  })

  it('OAEP with SHA-256 is the default', async () => {
    const theirs = crypto.publicEncrypt({ key: ours, oaepHash: 'sha256' }, data)
    expect(Buffer.from(await key.decrypt(theirs)).equals(data)).toBe(true)
  })

  it('PKCS#1 v1.5 decryption is refused by default (Marvin attack)', async () => {
    const theirs = crypto.publicEncrypt({ key: ours, padding: crypto.constants.RSA_PKCS1_PADDING }, data)
    await expectCode(key.decrypt(theirs, { padding: 'pkcs1' }), 'ERR_UNSUPPORTED_OPERATION')
    await expectCode(key.decrypt(theirs, { padding: 'pkcs1', allowPkcs1Decrypt: false }), 'ERR_UNSUPPORTED_OPERATION')
  })

  it.runIf(OSSL32)(
    'PKCS#1 v1.5 with allowPkcs1Decrypt on OpenSSL 3.2+: decrypts, and a bad one gives a random answer',
    async () => {
      const theirs = crypto.publicEncrypt({ key: ours, padding: crypto.constants.RSA_PKCS1_PADDING }, data)
      const opts = { padding: 'pkcs1', allowPkcs1Decrypt: true } as const
      expect(Buffer.from(await key.decrypt(theirs, opts)).equals(data)).toBe(true)
      // implicit rejection: no error to learn from, and not the message
      const out = key.decryptSync(flip(theirs), opts)
      expect(Buffer.from(out).equals(data)).toBe(false)
      const ct = key.publicKey.encryptSync(data, { padding: 'pkcs1' })
      expect(Buffer.from(key.decryptSync(ct, opts)).equals(data)).toBe(true)
    },
  )

  it.runIf(!OSSL32)(
    'PKCS#1 v1.5 with allowPkcs1Decrypt before OpenSSL 3.2: ERR_NOT_SUPPORTED_ON_PLATFORM (no implicit rejection)',
    async () => {
      const theirs = crypto.publicEncrypt({ key: ours, padding: crypto.constants.RSA_PKCS1_PADDING }, data)
      await expectCode(
        key.decrypt(theirs, { padding: 'pkcs1', allowPkcs1Decrypt: true }),
        'ERR_NOT_SUPPORTED_ON_PLATFORM',
      )
    },
  )
})

describe('ECDSA', () => {
  for (const [algorithm, curve, nodeCurve, hash, width] of [
    ['ECDSA_P256', undefined, 'prime256v1', 'SHA-256', 32],
    ['ECDSA_P384', undefined, 'secp384r1', 'SHA-384', 48],
    ['ECDSA_P521', undefined, 'secp521r1', 'SHA-512', 66],
    ['ECDSA', 'secp256k1', 'secp256k1', 'SHA-256', 32],
  ] as const) {
    it(`${curve ?? algorithm}: r‖s (default) and DER, both directions, with the curve's default hash ${hash}`, async () => {
      const key = await generateKey({ algorithm, ...(curve ? { curve } : {}), extractable: false })
      const ours = key.publicKey.toKeyObject()
      const sig = await key.sign(data)
      expect(sig.length).toBe(2 * width)
      expect(crypto.verify(nodeHash(hash), data, { key: ours, dsaEncoding: 'ieee-p1363' }, sig)).toBe(true)
      const der = key.signSync(data, { signatureEncoding: 'der' })
      expect(der[0]).toBe(0x30)
      expect(crypto.verify(nodeHash(hash), data, ours, der)).toBe(true)
      expect(key.publicKey.verifySync(data, der, { signatureEncoding: 'der' })).toBe(true)
      expect(key.publicKey.verifySync(data, der)).toBe(false) // DER is not r‖s
      const other = key.signSync(data, { hash: 'SHA-512' })
      expect(crypto.verify('sha512', data, { key: ours, dsaEncoding: 'ieee-p1363' }, other)).toBe(true)
      expect(key.publicKey.verifySync(data, other)).toBe(hash === 'SHA-512')

      const peer = await nodePeer('ec', { namedCurve: nodeCurve })
      const theirs = crypto.sign(nodeHash(hash), data, { key: peer.pair.privateKey, dsaEncoding: 'ieee-p1363' })
      expect(await peer.pub.verify(data, theirs)).toBe(true)
      expect(await peer.pub.verify(data, flip(theirs))).toBe(false)
      expect(await peer.pub.verify(data, theirs.subarray(1))).toBe(false) // wrong length: false, not an error
      const theirsDer = crypto.sign(nodeHash(hash), data, peer.pair.privateKey)
      expect(peer.pub.verifySync(data, theirsDer, { signatureEncoding: 'der' })).toBe(true)
      key.destroy()
    })
  }
})

describe('DSA', () => {
  it('DSA-2048 (q 256 bits): r‖s and DER both directions', async () => {
    const key = await generateKey({ algorithm: 'DSA', length: 2048, extractable: false })
    const ours = key.publicKey.toKeyObject()
    const sig = await key.sign(data)
    expect(sig.length).toBe(64)
    expect(crypto.verify('sha256', data, { key: ours, dsaEncoding: 'ieee-p1363' }, sig)).toBe(true)
    const der = key.signSync(data, { signatureEncoding: 'der', hash: 'SHA-384' })
    expect(crypto.verify('sha384', data, ours, der)).toBe(true)
    const peer = await nodePeer('dsa', { modulusLength: 2048, divisorLength: 224 })
    const theirs = crypto.sign('sha256', data, { key: peer.pair.privateKey, dsaEncoding: 'ieee-p1363' })
    expect(theirs.length).toBe(56)
    expect(peer.pub.verifySync(data, theirs)).toBe(true)
    expect(peer.pub.verifySync(data, flip(theirs))).toBe(false)
  })
})

describe('EdDSA', () => {
  for (const curve of ['Ed25519', 'Ed448'] as const) {
    it(`${curve}: both directions`, async () => {
      const key = await generateKey({ algorithm: 'EdDSA', curve, extractable: false })
      const sig = await key.sign(data)
      expect(sig.length).toBe(curve === 'Ed25519' ? 64 : 114)
      expect(crypto.verify(null, data, key.publicKey.toKeyObject(), sig)).toBe(true)
      const peer = await nodePeer(curve.toLowerCase(), {})
      const theirs = crypto.sign(null, data, peer.pair.privateKey)
      expect(peer.pub.verifySync(data, theirs)).toBe(true)
      expect(peer.pub.verifySync(data, flip(theirs))).toBe(false)
      await expectCode(key.sign(data, { hash: 'SHA-256' }), 'ERR_INVALID_REQUEST')
    })
  }
  it('Ed25519 takes no context (pure Ed25519 only)', async () => {
    const key = generateKeySync({ algorithm: 'EdDSA', curve: 'Ed25519' })
    await expectCode(key.sign(data, { context: Buffer.from('c') }), 'ERR_INVALID_REQUEST')
  })
  it.runIf(OSSL32)('Ed448 with a context string (OpenSSL 3.2+): both directions, and the context matters', async () => {
    const key = await generateKey({ algorithm: 'EdDSA', curve: 'Ed448', extractable: false })
    const context = Buffer.from('platform-keygen')
    const sig = key.signSync(data, { context })
    if (NODE_CONTEXT) {
      expect(crypto.verify(null, data, { key: key.publicKey.toKeyObject(), context } as never, sig)).toBe(true)
    }
    expect(key.publicKey.verifySync(data, sig, { context })).toBe(true)
    expect(key.publicKey.verifySync(data, sig)).toBe(false)
    if (NODE_CONTEXT) {
      const peer = await nodePeer('ed448', {})
      const theirs = crypto.sign(null, data, { key: peer.pair.privateKey, context } as never)
      expect(peer.pub.verifySync(data, theirs, { context })).toBe(true)
      expect(peer.pub.verifySync(data, theirs, { context: Buffer.from('other') })).toBe(false)
    }
  })
  it.runIf(!OSSL32)(
    'Ed448 with a context string before OpenSSL 3.2: ERR_NOT_SUPPORTED_ON_PLATFORM (3.0 would ignore it)',
    async () => {
      const key = await generateKey({ algorithm: 'EdDSA', curve: 'Ed448' })
      await expectCode(key.sign(data, { context: Buffer.from('c') }), 'ERR_NOT_SUPPORTED_ON_PLATFORM')
    },
  )
})

describe.skipIf(!PQ)('ML-DSA (skipped: needs OpenSSL 3.5, Node.js 24+)', () => {
  for (const [set, size] of [
    ['44', 2420],
    ['65', 3309],
    ['87', 4627],
  ] as const) {
    it(`ML-DSA-${set}: both directions, with and without a context`, async () => {
      const key = await generateKey({ algorithm: 'ML-DSA', parameterSet: set, extractable: false })
      const ours = key.publicKey.toKeyObject()
      const sig = await key.sign(data)
      expect(sig.length).toBe(size)
      expect(crypto.verify(null, data, ours, sig)).toBe(true)
      const context = Buffer.from('ctx')
      const withContext = key.signSync(data, { context })
      if (NODE_CONTEXT) {
        expect(crypto.verify(null, data, { key: ours, context } as never, withContext)).toBe(true)
        expect(crypto.verify(null, data, ours, withContext)).toBe(false)
      }
      expect(key.publicKey.verifySync(data, withContext, { context })).toBe(true)
      expect(key.publicKey.verifySync(data, withContext)).toBe(false)
      // node:crypto makes ML-DSA keys from Node.js 24 on (Node.js 22 verifies only)
      if (NODE_CONTEXT) {
        const peer = await nodePeer(`ml-dsa-${set}`, {})
        const theirs = crypto.sign(null, data, peer.pair.privateKey)
        expect(await peer.pub.verify(data, theirs)).toBe(true)
        expect(await peer.pub.verify(data, theirs, { context })).toBe(false)
        const theirsCtx = crypto.sign(null, data, { key: peer.pair.privateKey, context } as never)
        expect(await peer.pub.verify(data, theirsCtx, { context })).toBe(true)
      }
      await expectCode(key.sign(data, { context: new Uint8Array(256) }), 'ERR_INVALID_REQUEST')
    })
  }
})

describe('key agreement equals crypto.diffieHellman', () => {
  for (const [spec, nodeType, nodeOptions, size] of [
    [{ algorithm: 'ECDH_P256' }, 'ec', { namedCurve: 'prime256v1' }, 32],
    [{ algorithm: 'ECDH_P384' }, 'ec', { namedCurve: 'secp384r1' }, 48],
    [{ algorithm: 'ECDH_P521' }, 'ec', { namedCurve: 'secp521r1' }, 66],
    [{ algorithm: 'ECDH', curve: 'secp256k1' }, 'ec', { namedCurve: 'secp256k1' }, 32],
    [{ algorithm: 'ECDH', curve: 'X25519' }, 'x25519', {}, 32],
    [{ algorithm: 'ECDH', curve: 'X448' }, 'x448', {}, 56],
  ] as const) {
    it(`${spec.algorithm}${'curve' in spec ? ` ${spec.curve}` : ''}: ${size}-byte secret, both sides`, async () => {
      const key = await generateKey({ ...spec, extractable: false })
      const peer = await nodePeer(nodeType, nodeOptions)
      const secret = await key.deriveBits(peer.pub)
      expect(secret.length).toBe(size)
      const theirs = crypto.diffieHellman({ privateKey: peer.pair.privateKey, publicKey: key.publicKey.toKeyObject() })
      expect(Buffer.from(secret).equals(theirs)).toBe(true)
      const other = generateKeySync({ ...spec, extractable: false })
      expect(Buffer.from(key.deriveBitsSync(other)).equals(Buffer.from(other.deriveBitsSync(key.publicKey)))).toBe(true)
    })
  }
  it('DH-2048 (ffdhe2048): the full 256-byte secret, as node', async () => {
    const a = await generateKey({ algorithm: 'DH', length: 2048, extractable: false })
    const b = await generateKey({ algorithm: 'DH', length: 2048 })
    const secret = await a.deriveBits(b.publicKey)
    expect(secret.length).toBe(256)
    const theirs = crypto.diffieHellman({ privateKey: b.toKeyObject(), publicKey: a.publicKey.toKeyObject() })
    expect(Buffer.from(secret).equals(theirs)).toBe(true)
  })
  it('a peer on another curve, of another algorithm, or an X25519 small-order point: ERR_INVALID_KEY', async () => {
    const p256 = await generateKey({ algorithm: 'ECDH_P256' })
    const p384 = await generateKey({ algorithm: 'ECDH_P384' })
    const x25519 = await generateKey({ algorithm: 'ECDH', curve: 'X25519' })
    await expectCode(p256.deriveBits(p384.publicKey), 'ERR_INVALID_KEY')
    await expectCode(x25519.deriveBits(p256.publicKey), 'ERR_INVALID_KEY')
    const zero = await importKey(new Uint8Array(32), { curve: 'X25519' })
    await expectCode(x25519.deriveBits(zero as PublicKey), 'ERR_INVALID_KEY')
    const dh1 = await generateKey({ algorithm: 'DH', length: 2048 })
    const dh2 = await generateKey({ algorithm: 'DH', length: 3072 })
    await expectCode(dh1.deriveBits(dh2.publicKey), 'ERR_INVALID_KEY')
  })
  it('an ECDSA public key on the same curve is a valid peer (the same point)', async () => {
    const mine = await generateKey({ algorithm: 'ECDH_P256', extractable: false })
    const { publicKey, privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
    const peer = (await importKey(publicKey.export({ format: 'jwk' }))) as PublicKey
    expect(peer.algorithm).toBe('ECDSA_P256')
    const theirs = crypto.diffieHellman({ privateKey, publicKey: mine.publicKey.toKeyObject() })
    expect(Buffer.from(await mine.deriveBits(peer)).equals(theirs)).toBe(true)
  })
})

describe.skipIf(!PQ)('ML-KEM (skipped: needs OpenSSL 3.5, Node.js 24+)', () => {
  const nodeKem = crypto as unknown as {
    encapsulate?: (key: KeyObject) => { sharedKey: Buffer; ciphertext: Buffer }
    decapsulate?: (key: KeyObject, ct: Uint8Array) => Buffer
  }
  for (const [set, ctSize] of [
    ['512', 768],
    ['768', 1088],
    ['1024', 1568],
  ] as const) {
    it(`ML-KEM-${set}: ours and node's encapsulations decapsulate to the same secret`, async () => {
      const key = await generateKey({ algorithm: 'ML-KEM', parameterSet: set, extractable: false })
      const { ciphertext, sharedSecret } = await key.publicKey.encapsulate()
      expect(ciphertext.length).toBe(ctSize)
      expect(sharedSecret.length).toBe(32)
      expect(Buffer.from(await key.decapsulate(ciphertext)).equals(Buffer.from(sharedSecret))).toBe(true)
      const sync = key.publicKey.encapsulateSync()
      expect(Buffer.from(key.decapsulateSync(sync.ciphertext)).equals(Buffer.from(sync.sharedSecret))).toBe(true)
      expect(Buffer.from(sync.sharedSecret).equals(Buffer.from(sharedSecret))).toBe(false)
      // implicit rejection: a modified ciphertext gives another secret, not an error
      expect(Buffer.from(key.decapsulateSync(flip(ciphertext))).equals(Buffer.from(sharedSecret))).toBe(false)
    })
    it.runIf(typeof nodeKem.encapsulate === 'function')(
      `ML-KEM-${set}: node's crypto.encapsulate to our key decapsulates with ours, and ours to node's key with node's (needs crypto.encapsulate, Node.js 24.7+)`,
      async () => {
        const key = await generateKey({ algorithm: 'ML-KEM', parameterSet: set, extractable: false })
        const encapsulate = nodeKem.encapsulate as NonNullable<typeof nodeKem.encapsulate>
        const decapsulate = nodeKem.decapsulate as NonNullable<typeof nodeKem.decapsulate>
        const theirs = encapsulate(key.publicKey.toKeyObject())
        expect(Buffer.from(await key.decapsulate(theirs.ciphertext)).equals(theirs.sharedKey)).toBe(true)
        const peer = await nodePeer(`ml-kem-${set}`, {})
        const toNode = await peer.pub.encapsulate()
        expect(decapsulate(peer.pair.privateKey, toNode.ciphertext).equals(Buffer.from(toNode.sharedSecret))).toBe(true)
      },
    )
  }
})

describe('lifetime', () => {
  it('destroy() while operations are in flight: they complete, and the handle is freed after the last', async () => {
    const before = native().liveHandles().process
    const key = await generateKey({ algorithm: 'ECDSA_P256', extractable: false })
    const pub = key.publicKey
    const pending = Array.from({ length: 16 }, () => key.sign(data))
    key.destroy()
    const sigs = await Promise.all(pending)
    for (const sig of sigs) expect(pub.verifySync(data, sig)).toBe(true)
    await expectCode(key.sign(data), 'ERR_KEY_DESTROYED')
    expect(() => key.signSync(data)).toThrow(expect.objectContaining({ code: 'ERR_KEY_DESTROYED' }))
    // the public key's own handle (for verify) remains; the private one is gone
    expect(native().liveHandles().process).toBe(before + 1)
  })

  it('a public key keeps working after its key pair is destroyed', async () => {
    const key = await generateKey({ algorithm: 'RSA', length: 2048, extractable: false })
    const pub = key.publicKey
    const sig = await key.sign(data)
    key.destroy()
    expect(await pub.verify(data, sig)).toBe(true)
    const ct = await pub.encrypt(data)
    expect(ct.length).toBe(256)
  })
})

describe('importKey', () => {
  it('reads JWK, PEM, DER, CNG blob, KeyObject and raw bytes, and the keys work', async () => {
    const { publicKey, privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-384' })
    const sig = crypto.sign('sha384', data, { key: privateKey, dsaEncoding: 'ieee-p1363' })
    const inputs = [
      publicKey.export({ format: 'jwk' }),
      publicKey.export({ format: 'pem', type: 'spki' }) as string,
      new Uint8Array(publicKey.export({ format: 'der', type: 'spki' })),
      publicKey,
    ]
    for (const input of inputs) {
      const pub = await importKey(input)
      expect(pub).toBeInstanceOf(PublicKey)
      expect((pub as PublicKey).algorithm).toBe('ECDSA_P384')
      expect(await (pub as PublicKey).verify(data, sig)).toBe(true)
      const blob = (pub as PublicKey).export({ format: 'blob' })
      expect(importKeySync(blob)).toBeInstanceOf(PublicKey)
    }
    for (const input of [
      privateKey.export({ format: 'jwk' }),
      privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
      privateKey.export({ format: 'pem', type: 'sec1' }) as string,
      new Uint8Array(privateKey.export({ format: 'der', type: 'pkcs8' })),
      privateKey,
    ]) {
      const kp = (await importKey(input, { extractable: false })) as KeyPair
      expect(kp.extractable).toBe(false)
      const ours = await kp.sign(data)
      expect(crypto.verify('sha384', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, ours)).toBe(true)
      expect(() => kp.export({ format: 'jwk' })).toThrow(expect.objectContaining({ code: 'ERR_NOT_EXTRACTABLE' }))
      kp.destroy()
    }
    const ed = crypto.generateKeyPairSync('ed25519')
    const raw = Buffer.from(ed.publicKey.export({ format: 'jwk' }).x as string, 'base64url')
    const rawKey = importKeySync(raw, { algorithm: 'EdDSA', curve: 'Ed25519' }) as PublicKey
    expect(rawKey.verifySync(data, crypto.sign(null, data, ed.privateKey))).toBe(true)
  })

  it('an extractable imported private key exports what it was given', async () => {
    const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 })
    const jwk = privateKey.export({ format: 'jwk' })
    const kp = (await importKey(jwk)) as KeyPair
    expect(kp.extractable).toBe(true)
    expect(kp.export({ format: 'jwk' })).toMatchObject({ n: jwk.n, d: jwk.d, qi: jwk.qi })
  })

  it('EC material is ECDSA unless asked for ECDH (or its JWK says ECDH-ES / use: enc)', async () => {
    const { publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const jwk = publicKey.export({ format: 'jwk' })
    expect(((await importKey(jwk)) as PublicKey).algorithm).toBe('ECDSA_P256')
    expect(((await importKey(jwk, { algorithm: 'ECDH' })) as PublicKey).algorithm).toBe('ECDH_P256')
    expect(((await importKey({ ...jwk, alg: 'ECDH-ES' })) as PublicKey).algorithm).toBe('ECDH_P256')
    expect(((await importKey({ ...jwk, use: 'enc' })) as PublicKey).algorithm).toBe('ECDH_P256')
  })

  it('the provider checks: a point off the curve, an RSA key whose parts do not agree, a seed beside another public key', async () => {
    const { privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const jwk = privateKey.export({ format: 'jwk' })
    const y = Buffer.from(jwk.y as string, 'base64url')
    y[31] = (y[31] as number) ^ 1
    await expectCode(importKey({ kty: 'EC', crv: 'P-256', x: jwk.x, y: y.toString('base64url') }), 'ERR_INVALID_KEY')
    const other = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' })
    await expectCode(importKey({ ...jwk, d: other.d }), 'ERR_INVALID_KEY')
    const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' })
    const rsa2 = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' })
    await expectCode(importKey({ ...rsa, d: rsa2.d }), 'ERR_INVALID_KEY')
    const ed = crypto.generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' })
    const ed2 = crypto.generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' })
    await expectCode(importKey({ ...ed, d: ed2.d }), 'ERR_INVALID_KEY')
  })

  it.runIf(PQ)(
    'ML-DSA / ML-KEM from a seed with its public key; a mismatched pair is ERR_INVALID_KEY (Node.js 24+)',
    async () => {
      const a = await generateKey({ algorithm: 'ML-KEM', parameterSet: '768' })
      const b = await generateKey({ algorithm: 'ML-KEM', parameterSet: '768' })
      const ja = a.export({ format: 'jwk' })
      const kp = (await importKey(ja, { extractable: false })) as KeyPair
      const { ciphertext, sharedSecret } = await a.publicKey.encapsulate()
      expect(Buffer.from(await kp.decapsulate(ciphertext)).equals(Buffer.from(sharedSecret))).toBe(true)
      await expectCode(importKey({ ...ja, pub: b.publicKey.export({ format: 'jwk' }).pub }), 'ERR_INVALID_KEY')
    },
  )
})
