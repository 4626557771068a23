/** `convert FILE --to jwk|pem|der|openssh`: PEM, DER or JWK in; any of our formats out. */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs'
import { InvalidRequestError, UnsupportedFormatError } from '../errors.js'
import { isPrivate } from '../formats/material.js'
import { type CommandDef, choiceOption, stringOption } from './command.js'
import { checkTargets, writeFilesAtomic } from './files.js'
import {
  type Format,
  materialSource,
  type RenderOptions,
  renderPrivate,
  renderPublic,
  TYPES,
  thumbprintOf,
} from './output.js'
import { MAX_KEY_FILE_BYTES, readKey, tooLarge } from './read-key.js'
import { asUsage, EXIT_OK } from './report.js'

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
    'FILE (or - for stdin) holds a PEM (PKCS#8, PKCS#1, SEC1, SPKI), DER or JWK key, private or public. A private key converts to a private key unless --public is given (openssh: the OpenSSH private key file; with --public the authorized_keys line).',
  options: {
    to: { type: 'string', value: 'FMT', description: 'jwk, jwks, pem, der or openssh (required)' },
    type: {
      type: 'string',
      short: 't',
      value: 'TYPE',
      description:
        'PEM/DER structure: pkcs8 (default), pkcs1 (RSA), sec1 (EC); spki (default) or pkcs1 for public keys',
    },
    public: { type: 'boolean', description: 'output only the public key' },
    out: { type: 'string', short: 'o', value: 'FILE', description: 'write to FILE (atomically; 0600 if private)' },
    force: { type: 'boolean', description: 'replace FILE if it exists' },
    comment: { type: 'string', value: 'TEXT', description: 'comment of the OpenSSH public key' },
    kid: { type: 'string', value: 'KID', description: 'JWK "kid"' },
    use: { type: 'string', value: 'USE', description: 'JWK "use": sig or enc' },
    alg: { type: 'string', value: 'ALG', description: 'JWK "alg"' },
  },
  positionals: { min: 1, max: 1, name: 'a key FILE (or - for stdin)' },
  examples: [
    'platform-keygen ec --curve P-256 --out key.pem',
    'platform-keygen convert key.pem --to jwk --use sig --alg ES256 --kid k1',
    'platform-keygen convert key.pem --to jwk --out key.jwk',
    'platform-keygen convert key.jwk --to pem --type sec1',
    'platform-keygen convert key.pem --to openssh --public --comment me@host',
    'platform-keygen convert key.pem --to pem --public --out key.pub.pem',
  ],
  async run(values, positionals) {
    const to = choiceOption(values, 'to', TO)
    if (to === undefined) throw asUsage(new InvalidRequestError('convert needs --to jwk|jwks|pem|der|openssh'))
    const type = choiceOption(values, 'type', TYPES)
    const render: RenderOptions = { format: to as Format }
    if (type !== undefined) render.type = type
    const comment = stringOption(values, 'comment')
    if (comment !== undefined) {
      if (to !== 'openssh') throw asUsage(new InvalidRequestError('--comment is for --to openssh'))
      render.comment = comment
    }
    const jwk: NonNullable<RenderOptions['jwk']> = {}
    for (const m of ['use', 'alg', 'kid'] as const) {
      const v = stringOption(values, m)
      if (v !== undefined) jwk[m] = v
    }
    if (Object.keys(jwk).length > 0) {
      if (to !== 'jwk' && to !== 'jwks')
        throw asUsage(new InvalidRequestError('--use, --alg and --kid are for --to jwk'))
      if (jwk.use !== undefined && jwk.use !== 'sig' && jwk.use !== 'enc') {
        throw asUsage(new InvalidRequestError('--use must be sig or enc'))
      }
      render.jwk = jwk
    }
    if (type !== undefined && to !== 'pem' && to !== 'der') {
      throw asUsage(new InvalidRequestError('--type applies to pem and der'))
    }
    const outArg = stringOption(values, 'out')
    const out = outArg === '-' ? undefined : outArg
    if (out === undefined && to === 'der' && process.stdout.isTTY) {
      throw asUsage(new InvalidRequestError('refusing to write binary DER to a terminal: add --out FILE or redirect'))
    }
    const force = values.force === true
    if (out !== undefined) checkTargets([out], force)

    const file = positionals[0] as string
    const name = file === '-' ? 'standard input' : file
    const input = readInput(file, name)
    let material: ReturnType<typeof readKey>
    try {
      material = readKey(input, name)
    } finally {
      input.fill(0) // it may hold a private key; the material has its own copy
    }
    const publicOnly = values.public === true || !isPrivate(material)
    if (type === 'spki' && !publicOnly) {
      throw asUsage(new InvalidRequestError('--type spki is for public keys: add --public'))
    }
    if (publicOnly && (type === 'pkcs8' || type === 'sec1')) {
      throw asUsage(new InvalidRequestError(`--type ${type} is a private key type; a public key is spki or pkcs1`))
    }
    const source = materialSource(material)
    let data: string | Uint8Array
    try {
      data = publicOnly ? renderPublic(source, render) : renderPrivate(source, render)
    } catch (err) {
      // a --to the key has no form of is a usage error (exit 2), as for the generating commands
      throw err instanceof UnsupportedFormatError ? asUsage(err) : err
    }
    if (out === undefined) {
      process.stdout.write(data)
      return EXIT_OK
    }
    writeFilesAtomic([{ path: out, data, secret: !publicOnly }], force)
    const line: Record<string, unknown> = { [publicOnly ? 'public' : 'private']: out, kind: material.type }
    if (material.type === 'EC' || material.type === 'OKP') line.curve = material.curve
    if (material.type === 'ML-DSA' || material.type === 'ML-KEM') line.parameterSet = material.parameterSet
    line.format = to
    const tp = thumbprintOf(source)
    if (tp) line.thumbprint = tp
    process.stdout.write(`${JSON.stringify(line)}\n`)
    return EXIT_OK
  },
}
