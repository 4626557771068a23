/** `convert FILE --to jwk|pem|der|openssh`: any key readKey reads in (src/formats/read-key.ts); any of our formats out. */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs'
import { InvalidRequestError, UnsupportedFormatError } from '../../errors.js'
import { isPrivate, type KeyMaterial } from '../../formats/material.js'
import { type CommandDef, choiceOption, type OptionDef, stringOption } from '../command.js'
import { checkTargets } from '../files.js'
import { flags } from '../flags.js'
import {
  checkRender,
  emit,
  type Format,
  fingerprintOf,
  jsonLine,
  materialSource,
  print,
  type RenderOptions,
  renderKey,
  renderOptionsOf,
  TYPES,
  thumbprintOf,
} from '../output.js'
import { canPrompt, PASSPHRASE_SOURCE_OPTIONS, PROTECT_OPTIONS, protectionOf, readPassphrase } from '../passphrase.js'
import { MAX_KEY_FILE_BYTES, readKey, tooLarge } from '../read-key.js'
import { asUsage, EXIT_OK, errorCode } from '../report.js'

const TO = ['jwk', 'jwks', 'pem', 'der', 'openssh'] as const

/** The file (or stdin), read up to one byte past MAX_KEY_FILE_BYTES: a huge input is refused unread. */
function readInput(file: string, name: string): Buffer {
  const fd = file === '-' ? 0 : openSync(file, 'r')
  try {
    const st = fstatSync(fd)
    if (st.isFile() && st.size > MAX_KEY_FILE_BYTES) throw tooLarge(name)
    const buf = Buffer.alloc(MAX_KEY_FILE_BYTES + 1)
    let n = 0
    while (n < buf.length) {
      let got: number
      try {
        got = readSync(fd, buf, n, buf.length - n, null)
      } catch (err) {
        // a non-blocking stdin with nothing yet: wait a little and read again
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10)
        continue
      }
      if (got === 0) break
      n += got
    }
    if (n > MAX_KEY_FILE_BYTES) throw tooLarge(name)
    return buf.subarray(0, n)
  } finally {
    if (fd !== 0) closeSync(fd)
  }
}

export const CONVERT_COMMAND: CommandDef = {
  name: 'convert',
  summary: 'Convert a key between PEM, DER, JWK and OpenSSH.',
  usage: 'convert FILE --to jwk|jwks|pem|der|openssh [options]',
  description:
    'FILE (or - for stdin) holds a key, private or public: PEM or DER (PKCS#8, PKCS#1, SEC1, SPKI, encrypted PKCS#8 and legacy encrypted PEM, an X.509 certificate: its public key, RSASSA-PSS keys), a JWK or JWK set (--kid picks a key), a PBES2 JWE of one, an OpenSSH private key (plain or with a passphrase) or public key. The passphrase comes from --passphrase-file / --passphrase-env, or is asked on a terminal. A private key converts to a private key unless --public is given (openssh: the OpenSSH private key file; with --public the authorized_keys line); --encrypt protects it.',
  options: {
    ...flags({
      to: 'jwk, jwks, pem, der or openssh (required)',
      type: 'PEM/DER structure: pkcs8 (default), pkcs1 (RSA), sec1 (EC); spki (default) or pkcs1 for public keys',
      public: 'output only the public key (on stdout, or to --out)',
      out: 'write to FILE (atomically; 0600 if private)',
      force: 'replace FILE if it exists',
      comment: 'comment of the OpenSSH key',
      kid: 'JWK "kid"; in a JWK set (or its JWE) it also picks the key with that kid',
    }),
    ...PASSPHRASE_SOURCE_OPTIONS,
    ...flags({
      encrypt:
        "protect the output private key with a passphrase: the input's (--passphrase-file / --passphrase-env), else asked on the terminal",
    }),
    kdf: PROTECT_OPTIONS.kdf as OptionDef,
    rounds: PROTECT_OPTIONS.rounds as OptionDef,
    ...flags({ use: 'JWK "use": sig or enc', alg: 'JWK "alg"' }),
  },
  positionals: { min: 1, max: 1, name: 'a key FILE (or - for stdin)' },
  examples: [
    'platform-keygen ec --curve P-256 --out key.pem',
    'platform-keygen convert key.pem --to jwk --use sig --alg ES256 --kid k1',
    'platform-keygen convert key.pem --to jwk --out key.jwk',
    'platform-keygen convert key.jwk --to pem --type sec1',
    'platform-keygen convert key.pem --to openssh --public --comment me@host',
    'platform-keygen convert key.pem --to pem --public --out key.pub.pem',
    'platform-keygen convert key.pem --to openssh --out id_ecdsa',
    'platform-keygen convert id_ecdsa --to openssh --public --out id_ecdsa.pub',
    'platform-keygen convert id_ecdsa.pub --to pem',
  ],
  async run(values, positionals) {
    const to = choiceOption(values, 'to', TO)
    if (to === undefined) throw asUsage(new InvalidRequestError('convert needs --to jwk|jwks|pem|der|openssh'))
    const type = choiceOption(values, 'type', TYPES)
    const render = renderOptionsOf(values, to as Format, type)
    const jwk: NonNullable<RenderOptions['jwk']> = render.jwk ?? {}
    // --kid also picks the key of a JWK set, whatever the output
    const { kid, ...members } = jwk
    if (to === 'jwks' && kid === undefined) render.jwk = { ...members, kidThumbprint: true }
    else if (to === 'jwk' || to === 'jwks') render.jwk = jwk
    else if (Object.keys(members).length > 0) render.jwk = members
    else delete render.jwk
    // what can be checked before the key is read (its kind and side come with it)
    const usage = (err: unknown): never => {
      throw asUsage(err)
    }
    try {
      checkRender(undefined, render, values.public === true ? true : undefined)
    } catch (err) {
      usage(err)
    }
    const outArg = stringOption(values, 'out')
    const out = outArg === '-' ? undefined : outArg
    if (out === undefined && to === 'der' && process.stdout.isTTY) {
      throw asUsage(new InvalidRequestError('refusing to write binary DER to a terminal: add --out FILE or redirect'))
    }
    const force = values.force === true
    if (out !== undefined) checkTargets([out], force)

    const file = positionals[0] as string
    if (file === '-' && values['passphrase-file'] === '-') {
      throw asUsage(new InvalidRequestError('the key and the passphrase cannot both come from stdin'))
    }
    const name = file === '-' ? 'standard input' : file
    const options = (pass: string | undefined): Parameters<typeof readKey>[2] => {
      const o: Parameters<typeof readKey>[2] = {}
      if (kid !== undefined) o.kid = kid
      if (pass !== undefined) o.passphrase = pass
      return o
    }
    let passphrase = await readPassphrase(values, { ask: false, confirm: false, what: name })
    const input = readInput(file, name)
    let material: KeyMaterial
    try {
      try {
        material = readKey(input, name, options(passphrase))
      } catch (err) {
        // on a terminal, the passphrase of a protected input is asked for
        if (errorCode(err) !== 'ERR_BAD_PASSPHRASE' || passphrase !== undefined || !canPrompt()) throw err
        passphrase = await readPassphrase(values, { ask: true, confirm: false, what: name })
        material = readKey(input, name, options(passphrase))
      }
    } finally {
      input.fill(0) // it may hold a private key; the material has its own copy
    }
    const publicOnly = values.public === true || !isPrivate(material)
    const source = materialSource(material)
    try {
      checkRender(source.shape, render, publicOnly)
    } catch (err) {
      usage(err)
    }
    // --encrypt: the output under the input's passphrase, else a new one asked on the terminal
    const protection = await protectionOf(values, render, publicOnly, { sourceImplies: false, passphrase })
    if (protection) render.protection = protection
    let data: string | Uint8Array
    try {
      data = renderKey(source, render, publicOnly)
    } catch (err) {
      // a --to the key has no form of is a usage error (exit 2), as for the generating commands
      throw err instanceof UnsupportedFormatError ? asUsage(err) : err
    }
    emit(data, { out, secret: !publicOnly, force })
    if (out === undefined) return EXIT_OK
    const line: Record<string, unknown> = { [publicOnly ? 'public' : 'private']: out, kind: material.type }
    if (material.type === 'EC' || material.type === 'OKP') line.curve = material.curve
    if (material.type === 'ML-DSA' || material.type === 'ML-KEM') line.parameterSet = material.parameterSet
    line.format = to
    const tp = thumbprintOf(source)
    if (tp) line.thumbprint = tp
    const fp = fingerprintOf(source)
    if (fp) line.fingerprint = fp
    print(jsonLine(line))
    return EXIT_OK
  },
}
