/**
 * OpenSSH private keys from the library (issue 13, item 3): `KeyPair.export({ format: 'openssh' })`,
 * plain or under a passphrase, read back by ssh-keygen and by readKey; refused for the keys OpenSSH
 * has not, before the private key leaves the handle.
 */
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { readKey } from '../src/formats/read-key.js'
import type { KeySpec } from '../src/generate/index.js'
import { generateKey } from '../src/generate/index.js'
import { have, tempDir } from './cli-helpers.js'
import { expectCode } from './helpers.js'

const SSH = have('ssh-keygen')

const KEYS: [string, KeySpec][] = [
  ['Ed25519', { algorithm: 'EdDSA', curve: 'Ed25519' }],
  ['ECDSA P-384', { algorithm: 'ECDSA_P384' }],
  ['RSA 2048', { algorithm: 'RSA', length: 2048 }],
]

describe('KeyPair.export({ format: "openssh" })', () => {
  for (const [name, spec] of KEYS) {
    it(`${name}: the file readKey reads back is the same key, plain and under a passphrase`, async () => {
      using pair = await generateKey(spec)
      const plain = pair.export({ format: 'openssh', comment: 'me@host' })
      expect(plain).toMatch(
        /^-----BEGIN OPENSSH PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+-----END OPENSSH PRIVATE KEY-----\n$/,
      )
      const want = pair.export({ format: 'jwk' })
      expect(readKey(plain)).toEqual(readKey(JSON.stringify(want)))
      const sealed = pair.export({ format: 'openssh', passphrase: 'correct horse', rounds: 2 })
      expect(sealed).not.toBe(plain)
      await expectCode(() => readKey(sealed), 'ERR_BAD_PASSPHRASE')
      expect(readKey(sealed, { passphrase: 'correct horse' })).toEqual(readKey(JSON.stringify(want)))
    })

    it.skipIf(!SSH)(
      `${name}: ssh-keygen -y derives the public line PublicKey.export gives (with the passphrase too)`,
      async () => {
        using pair = await generateKey(spec)
        const dir = tempDir()
        const line = pair.publicKey.export({ format: 'openssh' })
        for (const [file, pass] of [
          ['id', ''],
          ['id_sealed', 'pw-for-ssh'],
        ] as const) {
          const text =
            pass === '' ? pair.export({ format: 'openssh' }) : pair.export({ format: 'openssh', passphrase: pass })
          writeFileSync(join(dir, file), text, { mode: 0o600 })
          const out = execFileSync('ssh-keygen', ['-y', '-P', pass, '-f', join(dir, file)], { encoding: 'utf8' })
          expect(out.trim().split(' ').slice(0, 2).join(' ')).toBe(line)
        }
      },
    )
  }

  it('keys OpenSSH has not, and options that do not go with openssh: typed errors', async () => {
    using ecdh = await generateKey({ algorithm: 'ECDH_P256' })
    using x25519 = await generateKey({ algorithm: 'ECDH', curve: 'X25519' })
    using ed = await generateKey({ algorithm: 'EdDSA', curve: 'Ed25519' })
    await expectCode(() => ecdh.export({ format: 'openssh' }), 'ERR_UNSUPPORTED_FORMAT')
    await expectCode(() => x25519.export({ format: 'openssh' }), 'ERR_UNSUPPORTED_FORMAT')
    await expectCode(() => ed.export({ format: 'openssh', type: 'pkcs8' } as never), 'ERR_INVALID_REQUEST')
    await expectCode(() => ed.export({ format: 'openssh', rounds: 4 }), 'ERR_INVALID_REQUEST')
    await expectCode(() => ed.export({ format: 'openssh', passphrase: 'pw', rounds: 0 }), 'ERR_INVALID_REQUEST')
    await expectCode(() => ed.export({ format: 'openssh', comment: 'a\nb' }), 'ERR_UNSUPPORTED_FORMAT')
    await expectCode(() => ed.export({ format: 'pem', comment: 'x' } as never), 'ERR_INVALID_REQUEST')
  })
})
