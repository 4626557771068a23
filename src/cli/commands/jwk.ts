/**
 * `jwk`: generateJwk (the Apinizer "generate JWK" request) from flags or a request file,
 * optionally into a JwkStore; `jwk get|remove|rotate NAME` manage the store (store-commands.ts).
 */
import { readFileSync } from 'node:fs'
import { generateJwk, parseGenerateJwkRequest } from '../../apinizer/generate-jwk.js'
import { InvalidRequestError } from '../../errors.js'
import { JwkStore } from '../../store/jwk-store.js'
import { alreadyExists } from '../../store/messages.js'
import { type CommandDef, intOption, stringOption, type Values } from '../command.js'
import { checkTargets, type OutputFile, writeFilesAtomic } from '../files.js'
import { flags } from '../flags.js'
import { jsonLine, jsonText, print, privateJwkText } from '../output.js'
import { checkEncryptable, hasPassphraseSource, readPassphrase } from '../passphrase.js'
import { asUsage, EXIT_OK, withFix } from '../report.js'
import { runStoreSubcommand, STORE_SUBCOMMANDS, type StoreSubcommand } from '../store-commands.js'

const usage = (message: string): never => {
  throw asUsage(new InvalidRequestError(message))
}

/** P-256 → P256, secp256k1 → SECP256K1, Ed25519 → ED25519: JOSE spellings accepted for Apinizer's. */
const curveType = (c: string): string => c.replace(/-/g, '').toUpperCase()

const USE_TYPES: Record<string, string> = {
  sig: 'SIGNATURE',
  enc: 'ENCRYPTION',
  SIGNATURE: 'SIGNATURE',
  ENCRYPTION: 'ENCRYPTION',
}

const FIELD_FLAGS = [
  'name',
  'description',
  'kty',
  'bits',
  'curve',
  'use',
  'alg',
  'kid',
  'kid-type',
  'nbf',
  'exp',
  'salt-length',
  'iteration-count',
]

/** The Apinizer request body from the flags. */
function requestFromFlags(values: Values): Record<string, unknown> {
  const s = (name: string): string | undefined => stringOption(values, name)
  const type = s('kty')?.toUpperCase()
  const params: Record<string, unknown> = {}
  const keySize = s('bits')
  if (keySize !== undefined) params.keySize = intOption(values, 'bits', 0, 0, 1 << 20)
  const curve = s('curve')
  if (curve !== undefined) params.curveType = curveType(curve)
  const use = s('use')
  if (use !== undefined) params.keyUseType = USE_TYPES[use] ?? use
  const alg = s('alg')
  if (alg !== undefined) params.algorithm = alg
  const kidType = s('kid-type')
  if (kidType !== undefined) params.keyIdType = kidType.toUpperCase()
  const nbf = s('nbf')
  if (nbf !== undefined) params.notBeforeTime = nbf
  const exp = s('exp')
  if (exp !== undefined) params.expirationTime = exp
  if (s('salt-length') !== undefined) params.passwordSaltLength = intOption(values, 'salt-length', 8, 0, 1 << 20)
  if (s('iteration-count') !== undefined) {
    params.passwordIterationCount = intOption(values, 'iteration-count', 1000, 0, 2 ** 31 - 1)
  }
  const request: Record<string, unknown> = {}
  if (s('name') !== undefined) request.name = s('name')
  if (s('description') !== undefined) request.description = s('description')
  if (type !== undefined) request.type = type
  if (s('kid') !== undefined) request.kid = s('kid')
  const key = { RSA: 'rsa', EC: 'ec', OCT: 'oct', OKP: 'okp' }[type ?? '']
  if (key) request[key] = params
  else if (Object.keys(params).length > 0 && type === undefined) usage('--kty is needed: RSA, EC, OCT or OKP')
  return request
}

function readJsonFile(file: string, what: string): unknown {
  const text = (file === '-' ? readFileSync(0) : readFileSync(file)).toString('utf8')
  try {
    return JSON.parse(text)
  } catch (err) {
    throw asUsage(
      withFix(new InvalidRequestError(`${what} ${file} is not JSON`, { cause: err }), 'give the request body as JSON'),
    )
  }
}

export const JWK_COMMAND: CommandDef = {
  name: 'jwk',
  summary: 'Generate a JWK from an Apinizer-style request (flags or a JSON file), optionally into a JwkStore.',
  usage:
    'jwk --name NAME --kty RSA|EC|OCT|OKP [fields] [--store FILE]  |  jwk --request FILE.json  |  jwk get|remove|rotate NAME --store FILE',
  description:
    'The fields of an Apinizer "generate JWK" request as flags, or --request with the request body itself. Prints {privateJwk, publicJwk, metadata}; with --store the key is added to the store and only the metadata is printed; --out/--pub write the JWKs to files (the private one 0600); --public leaves the private JWK out (it is still stored with --store). --type is the older spelling of --kty, --key-size of --bits.',
  options: flags({
    request: 'the request body as JSON (- for stdin)',
    name: 'the JWK name (required; unique in a store)',
    description: 'a description',
    kty: 'RSA, EC, OCT or OKP (required)',
    bits: 'the keySize: RSA 2048/3072/4096; OCT 128/192/256/384/512, or any multiple of 8 up to 8192 (HMAC)',
    curve: 'EC P256/P384/P521/SECP256K1; OKP ED25519/X25519 (P-256, Ed25519 ... too)',
    use: 'SIGNATURE (sig, default) or ENCRYPTION (enc)',
    alg: 'the algorithm, in Apinizer (RSA256, ECDH_ES_A128KW, ...) or JWA spelling',
    kid: 'an explicit kid (wins over --kid-type)',
    'kid-type': 'TIMESTAMP (default), SHA256, SHA1, ISO_DATE or NONE',
    nbf: 'notBeforeTime, ISO 8601 (default now)',
    exp: 'expirationTime, ISO 8601 (default a year after nbf)',
    'salt-length': 'OCT PBES2 salt length in bytes (default 8)',
    'iteration-count': 'OCT PBES2 iteration count (default 1000)',
    store: 'the JwkStore FILE to add the key to (get, remove, rotate: to read it from)',
    'passphrase-file':
      "a file whose first line is the store's passphrase (private keys encrypted at rest), or the --out JWE's",
    'passphrase-env': "the environment variable that holds the store's or the --out JWE's passphrase",
    out: 'write the private JWK (with --public: the public JWK) to FILE (0600 if private)',
    encrypt:
      'write --out as a JWE (PBES2-HS256+A128KW / A128GCM) under a passphrase (asked on the terminal unless given); without --store a passphrase option implies it',
    pub: 'also write the public JWK to FILE',
    public: 'output only the public JWK (on stdout, or to --out)',
    force: 'replace --out / --pub files that exist',
  }),
  positionals: { min: 0, max: 2, name: 'get, remove or rotate and a NAME' },
  examples: [
    'platform-keygen jwk --name signing --kty RSA --bits 2048 --alg RSA256 --kid-type SHA256',
    'platform-keygen jwk --name web --kty EC --curve P256 --use sig --store jwks-store.json',
    'platform-keygen jwk rotate web --store jwks-store.json',
    'platform-keygen jwk get web --store jwks-store.json --public',
    'platform-keygen jwk --name enc --kty OKP --curve X25519 --use enc --store jwks-store.json',
    'platform-keygen jwk --name hmac --kty OCT --bits 256 --alg HS256 --out hmac.jwk',
  ],
  async run(values, positionals) {
    if (positionals.length > 0) return storeSubcommand(values, positionals)
    const requestFile = stringOption(values, 'request')
    const given = FIELD_FLAGS.filter((f) => values[f] !== undefined)
    let request: unknown
    if (requestFile !== undefined) {
      if (given.length > 0) usage(`--request carries the whole request: drop --${given.join(', --')}`)
      request = readJsonFile(requestFile, 'the request file')
    } else {
      request = requestFromFlags(values)
    }
    try {
      parseGenerateJwkRequest(request)
    } catch (err) {
      throw asUsage(err)
    }
    const out = stringOption(values, 'out')
    const pub = stringOption(values, 'pub')
    const publicOnly = values.public === true
    const force = values.force === true
    if (publicOnly && pub !== undefined)
      usage('--pub and --public do not go together: --public writes only the public key')
    if ((request as { type?: unknown }).type === 'OCT' && (publicOnly || pub !== undefined)) {
      throw asUsage(
        withFix(new InvalidRequestError('an OCT key is a secret: it has no public JWK'), 'drop --public / --pub'),
      )
    }
    if (out !== undefined && out === pub) usage('--out and --pub name the same file')
    checkTargets(
      [out, pub].filter((f): f is string => f !== undefined),
      force,
    )
    const storeFile = stringOption(values, 'store')
    const source = hasPassphraseSource(values)
    if (source && storeFile === undefined && out === undefined) {
      usage('--passphrase-file / --passphrase-env are for --store or --out')
    }
    const encryptOut = values.encrypt === true || (source && storeFile === undefined)
    if (encryptOut && out === undefined) usage('--encrypt is for --out (the private JWK file)')
    checkEncryptable(encryptOut, publicOnly)
    const passphrase = await readPassphrase(values, { ask: encryptOut, confirm: true, what: out ?? 'the store' })
    const store =
      storeFile === undefined ? undefined : new JwkStore(storeFile, passphrase === undefined ? {} : { passphrase })
    try {
      const name = (request as { name: string }).name
      if (store && (await store.has(name))) {
        throw withFix(
          new InvalidRequestError(alreadyExists(name)),
          `choose another --name, or rotate it: \`platform-keygen jwk rotate ${name} --store ${storeFile}\` (or \`jwk remove ${name}\`)`,
        )
      }
      const result = await generateJwk(
        request as Parameters<typeof generateJwk>[0],
        store === undefined ? {} : { store },
      )
      if (publicOnly && !result.publicJwk) {
        throw withFix(new InvalidRequestError('an OCT key has no public JWK'), 'drop --public')
      }
      if (publicOnly && out === undefined) {
        print(jsonText(result.publicJwk))
        return EXIT_OK
      }
      const files: OutputFile[] = []
      if (out !== undefined && publicOnly) {
        files.push({ path: out, data: jsonText(result.publicJwk), secret: false })
      } else if (out !== undefined)
        files.push({
          path: out,
          data: privateJwkText(result.privateJwk, encryptOut ? passphrase : undefined),
          secret: true,
        })
      if (pub !== undefined) {
        if (!result.publicJwk) throw withFix(new InvalidRequestError('an OCT key has no public JWK'), 'drop --pub')
        files.push({ path: pub, data: jsonText(result.publicJwk), secret: false })
      }
      if (files.length > 0) writeFilesAtomic(files, force)
      if (files.length > 0 || store !== undefined) {
        const line: Record<string, unknown> = {}
        if (out !== undefined) line[publicOnly ? 'public' : 'private'] = out
        if (pub !== undefined) line.public = pub
        if (storeFile !== undefined) line.store = storeFile
        // As elsewhere in the CLI, no thumbprint of a secret (it is a hash of the secret).
        const { thumbprint, ...rest } = result.metadata
        const metadata = result.publicJwk ? result.metadata : rest
        print(jsonLine({ ...line, metadata }))
      } else {
        print(jsonText(result))
      }
      return EXIT_OK
    } finally {
      store?.close()
    }
  },
}

/** `jwk get|remove|rotate NAME`: the store management commands (store-commands.ts). */
async function storeSubcommand(values: Values, positionals: string[]): Promise<number> {
  const [sub, name] = positionals as [string, string | undefined]
  if (!(STORE_SUBCOMMANDS as readonly string[]).includes(sub)) {
    throw asUsage(
      Object.assign(
        new TypeError(
          `unexpected argument ${JSON.stringify(sub)} for jwk: get, remove or rotate NAME (or none, to generate)`,
        ),
        { code: 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL' },
      ),
    )
  }
  if (name === undefined || name === '') usage(`jwk ${sub} needs the NAME of a key`)
  const given = [...FIELD_FLAGS, 'request', 'pub'].filter((f) => values[f] !== undefined)
  if (given.length > 0) usage(`jwk ${sub} takes no --${given.join(', --')}`)
  const storeFile = stringOption(values, 'store')
  if (storeFile === undefined) usage(`jwk ${sub} needs --store FILE`)
  if (values.encrypt === true && (sub !== 'get' || values.out === undefined)) usage('--encrypt is for jwk get --out')
  const passphrase = await readPassphrase(values, { ask: false, confirm: false, what: storeFile as string })
  // the JWE of `get --out --encrypt` is under the store's passphrase: without one it would be plain
  if (values.encrypt === true && values.public !== true && passphrase === undefined) {
    usage("--encrypt writes the JWE under the store's passphrase: give --passphrase-file FILE or --passphrase-env VAR")
  }
  const store = new JwkStore(storeFile as string, passphrase === undefined ? {} : { passphrase })
  try {
    return await runStoreSubcommand(
      sub as StoreSubcommand,
      name as string,
      store,
      storeFile as string,
      values,
      passphrase,
    )
  } finally {
    store.close()
  }
}
