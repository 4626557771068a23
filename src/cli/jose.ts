/**
 * The JOSE-facing commands:
 *  - `<JWA alg>`: generateKeyPair / generateSecret (the jose drop-in) for RS256, ES256, EdDSA,
 *    ECDH-ES, ML-DSA-65, HS256, A256GCM, ...; the private JWK by default.
 *  - `jwk`: generateJwk (the Apinizer "generate JWK" request) from flags or a request file,
 *    optionally into a JwkStore.
 *  - `jwks`: the public JWK set of a JwkStore.
 */
import { existsSync, readFileSync } from 'node:fs'
import { generateJwk, parseGenerateJwkRequest } from '../apinizer/generate-jwk.js'
import { alreadyExists } from '../apinizer/messages.js'
import { InvalidRequestError, PlatformKeygenError, StoreNotFoundError, UnsupportedAlgorithmError } from '../errors.js'
import { b64url } from '../formats/bytes.js'
import { encryptJwk } from '../formats/jwe-pbes2.js'
import { generateKey } from '../generate/index.js'
import { ECDH_ALGORITHMS, ECDH_CURVES, PAIR_ALGORITHMS, SECRET_ALGORITHMS } from '../jose/algorithms.js'
import { generateKeyPair } from '../jose/generate-key-pair.js'
import { generateSecret } from '../jose/generate-secret.js'
import { JwkStore } from '../store/jwk-store.js'
import { type GeneratedKey, type Job, OUTPUT_OPTIONS, outputPlan, runBatch } from './batch.js'
import { type CommandDef, intOption, type OptionDef, stringOption, type Values } from './command.js'
import { checkTargets, type OutputFile, writeFilesAtomic } from './files.js'
import { checkOpenSshUsage, keyPairSource, kindOf, secretSource } from './output.js'
import {
  hasPassphraseSource,
  PASSPHRASE_SOURCE_OPTIONS,
  PROTECT_OPTIONS,
  protectPlan,
  readPassphrase,
} from './passphrase.js'
import { asUsage, EXIT_OK, withFix } from './report.js'
import { listStore, runStoreSubcommand, STORE_SUBCOMMANDS, type StoreSubcommand } from './store-commands.js'

const usage = (message: string): never => {
  throw asUsage(new InvalidRequestError(message))
}

/**
 * jose's errors for what the command line got wrong (unknown alg, bad crv, short modulus) are
 * usage errors; where the jose layer wraps one of ours (a length the table refuses, an algorithm
 * this runtime lacks) the CLI reports ours, so `ML-DSA-65` and `ml-dsa` fail alike.
 */
function joseError(err: unknown): unknown {
  const e = err as { code?: unknown; cause?: unknown }
  if (e?.code !== 'ERR_JOSE_NOT_SUPPORTED') return err
  if (e.cause instanceof PlatformKeygenError) {
    return e.cause.code === 'ERR_KEY_LENGTH' ? asUsage(e.cause) : e.cause
  }
  return asUsage(err)
}

/**
 * ML-KEM-512/768/1024: no JWS/JWE `alg` of jose's generateKeyPair, but the AKP JWK names its
 * parameter set the same way (`"alg": "ML-KEM-768"`), so the command takes them too, made by
 * generateKey directly.
 */
const ML_KEM = /^ML-KEM-(512|768|1024)$/

/** What a JWA alg makes: its key kind and curve (for the format checks), or a secret. */
function describeAlg(alg: string, crv: string | undefined): { kind: string; curve?: string } | undefined {
  if (Object.hasOwn(SECRET_ALGORITHMS, alg)) return { kind: 'oct' }
  if (ML_KEM.test(alg)) return { kind: 'ML-KEM' }
  const pair = ECDH_ALGORITHMS.includes(alg)
    ? Object.hasOwn(ECDH_CURVES, crv ?? 'P-256')
      ? ECDH_CURVES[crv ?? 'P-256']
      : undefined
    : Object.hasOwn(PAIR_ALGORITHMS, alg)
      ? PAIR_ALGORITHMS[alg]
      : undefined
  if (!pair) return undefined
  const spec = pair.spec
  const curve =
    pair.crv ??
    (typeof spec.curve === 'string' ? spec.curve : ECDH_ALGORITHMS.includes(alg) ? (crv ?? 'P-256') : undefined)
  const out: { kind: string; curve?: string } = { kind: kindOf(spec.algorithm, curve) }
  if (curve !== undefined) out.curve = curve
  return out
}

const { alg: _alg, ...JWA_OUTPUT_OPTIONS } = OUTPUT_OPTIONS

/** Every JWA algorithm the `<JWA alg>` command takes. */
const JWA_NAMES: readonly string[] = [
  ...Object.keys(PAIR_ALGORITHMS),
  ...ECDH_ALGORITHMS,
  ...Object.keys(SECRET_ALGORITHMS),
  'ML-KEM-512',
  'ML-KEM-768',
  'ML-KEM-1024',
]

/** The commands of the dispatcher (src/cli/run.ts), for suggestions. */
const COMMAND_NAMES = ['rsa', 'dsa', 'dh', 'ec', 'okp', 'ml-dsa', 'ml-kem', 'jwk', 'jwks', 'convert', 'info']

/** Levenshtein distance, case-insensitive. */
function distance(a: string, b: string): number {
  const x = a.toLowerCase()
  const y = b.toLowerCase()
  let row = Array.from({ length: y.length + 1 }, (_, j) => j)
  for (let i = 1; i <= x.length; i++) {
    const next = [i]
    for (let j = 1; j <= y.length; j++) {
      next[j] = Math.min(
        (row[j] as number) + 1,
        (next[j - 1] as number) + 1,
        (row[j - 1] as number) + (x[i - 1] === y[j - 1] ? 0 : 1),
      )
    }
    row = next
  }
  return row[y.length] as number
}

/** The (up to three) commands or algorithms nearest to what was typed, as `a`, `b` or `c`. */
function nearest(typed: string): string {
  const ranked = [...COMMAND_NAMES, ...JWA_NAMES]
    .map((name) => ({ name, d: distance(typed, name) }))
    .sort((a, b) => a.d - b.d || a.name.localeCompare(b.name))
  const best = ranked.slice(0, 3).map((r) => `\`${r.name}\``)
  return best.length > 1 ? `${best.slice(0, -1).join(', ')} or ${best.at(-1)}` : (best[0] as string)
}

export const JWA_COMMAND: CommandDef = {
  name: '<JWA alg>',
  summary: 'Generate a key for a JOSE algorithm (RS256, ES256, EdDSA, ECDH-ES, ML-DSA-65, ML-KEM-768, HS256, ...).',
  usage: '<JWA alg> [options]',
  description:
    'Key pairs: PS256/384/512, RS256/384/512, RSA-OAEP(-256/384/512), ES256/384/512, ES256K, Ed25519, EdDSA, ML-DSA-44/65/87, ML-KEM-512/768/1024, ECDH-ES(+A128KW/A192KW/A256KW) with --crv P-256 (default), P-384, P-521, X25519, X448. Secrets: HS256/384/512, A128/192/256KW, A128/192/256GCMKW, A128/192/256GCM, A128CBC-HS256, A192CBC-HS384, A256CBC-HS512 (jwk or jwks only). Prints the private JWK (with "alg") unless --format says otherwise.',
  options: {
    crv: { type: 'string', value: 'CRV', description: 'ECDH-ES curve: P-256 (default), P-384, P-521, X25519, X448' },
    bits: { type: 'string', short: 'b', value: 'N', description: 'RSA modulus length: 2048 (default) or more' },
    ...JWA_OUTPUT_OPTIONS,
    format: { type: 'string', short: 'f', value: 'FMT', description: 'jwk (default), jwks, pem, der or openssh' },
    ...PROTECT_OPTIONS,
  },
  positionals: { min: 1, max: 1, name: 'a JWA algorithm' },
  examples: [
    'platform-keygen ES256',
    'platform-keygen RS256 --bits 3072 --out rs256.jwk --pub rs256.pub.jwk',
    'platform-keygen ECDH-ES --crv X25519 --format jwks --public',
    'platform-keygen EdDSA --format openssh --out ssh_host_ed25519_key',
    'platform-keygen HS256',
    'platform-keygen A256GCM --count 2 --format jwks',
    'platform-keygen ML-DSA-65 --format pem --out ml-dsa-65.pem',
    'platform-keygen ML-KEM-768 --public',
  ],
  async run(values, positionals) {
    const alg = positionals[0] as string
    const crv = stringOption(values, 'crv')
    const bits = values.bits === undefined ? undefined : intOption(values, 'bits', 2048, 0, Number.MAX_SAFE_INTEGER)
    const what = describeAlg(alg, crv)
    if (!what && !JWA_NAMES.includes(alg)) {
      // neither a command nor a JWA algorithm: say what was typed, and what is near it
      throw asUsage(
        withFix(
          new UnsupportedAlgorithmError(`unknown command or algorithm ${JSON.stringify(alg)}`),
          /^(gen|generate|keygen|new|create|make)$/i.test(alg)
            ? 'name the key to make: `platform-keygen ES256`, `platform-keygen rsa --bits 3072`; `platform-keygen --help` lists the commands and algorithms'
            : `did you mean ${nearest(alg)}? \`platform-keygen --help\` lists the commands and algorithms`,
        ),
      )
    }
    if (!what) {
      // let the jose layer say what is wrong (an unknown alg, a bad crv), in jose's own words
      await generateKeyPair(alg, { as: 'keypair', ...(crv === undefined ? {} : { crv }) }).then(
        (r) => r.privateKey.destroy(),
        (err: unknown) => {
          throw joseError(err)
        },
      )
      usage(`unknown JWA algorithm ${JSON.stringify(alg)}`)
    }
    const described = what as { kind: string; curve?: string }
    if (described.kind === 'oct' && (crv !== undefined || bits !== undefined)) {
      usage(`--crv and --bits are for key pairs; ${alg} is a symmetric secret`)
    }
    if (described.kind === 'ML-KEM' && (crv !== undefined || bits !== undefined)) {
      usage(`--crv and --bits do not apply to ${alg}: its parameter set fixes the key`)
    }
    if (described.kind === 'EC' && ECDH_ALGORITHMS.includes(alg)) {
      try {
        checkOpenSshUsage('ECDH', described.curve, values.format)
      } catch (err) {
        throw asUsage(err)
      }
    }
    const plan = outputPlan({ format: 'jwk', ...values }, described.kind, described.curve)
    // the JWK says which algorithm the key is for, as jose's JWK results do
    if (plan.render.format === 'jwk' || plan.render.format === 'jwks') plan.render.jwk = { ...plan.render.jwk, alg }
    await protectPlan(values, plan)
    const job: Job =
      described.kind === 'oct'
        ? {
            label: alg,
            slow: false,
            async generate(): Promise<GeneratedKey> {
              const secret = await generateSecret(alg, { extractable: true }).catch((err: unknown) => {
                throw joseError(err)
              })
              const bytes =
                secret instanceof Uint8Array
                  ? secret
                  : new Uint8Array(await globalThis.crypto.subtle.exportKey('raw', secret))
              const jwk = { kty: 'oct' as const, k: b64url(bytes) }
              bytes.fill(0)
              return { source: secretSource(jwk), info: { alg, bits: bytes.length * 8 }, dispose() {} }
            },
          }
        : {
            label: alg,
            slow: (bits ?? 2048) >= 4096,
            async generate(): Promise<GeneratedKey> {
              const options: { as: 'keypair'; extractable: true; crv?: string; modulusLength?: number } = {
                as: 'keypair',
                extractable: true,
              }
              if (crv !== undefined) options.crv = crv
              if (bits !== undefined) options.modulusLength = bits
              const pair = ML_KEM.test(alg)
                ? await generateKey({ algorithm: 'ML-KEM', parameterSet: alg.slice('ML-KEM-'.length) })
                : (
                    await generateKeyPair(alg, options).catch((err: unknown) => {
                      throw joseError(err)
                    })
                  ).privateKey
              const info: Record<string, unknown> = { alg, algorithm: pair.algorithm, length: pair.length }
              if (pair.curve) info.curve = pair.curve
              if (pair.parameterSet) info.parameterSet = pair.parameterSet
              info.provider = pair.provider
              return { source: keyPairSource(pair), info, dispose: () => pair.destroy() }
            },
          }
    return runBatch(job, plan)
  },
}

// --- jwk ---------------------------------------------------------------------------------------

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
  'type',
  'key-size',
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
  const type = s('type')?.toUpperCase()
  const params: Record<string, unknown> = {}
  const keySize = s('key-size')
  if (keySize !== undefined) params.keySize = intOption(values, 'key-size', 0, 0, 1 << 20)
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
  else if (Object.keys(params).length > 0 && type === undefined) usage('--type is needed: RSA, EC, OCT or OKP')
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

export function passphraseOf(values: Values): string | undefined {
  const file = stringOption(values, 'passphrase-file')
  if (file === undefined) return undefined
  const first = readFileSync(file, 'utf8').split(/\r?\n/)[0] ?? ''
  if (first === '') usage(`the passphrase file ${file} is empty`)
  return first
}

const STORE_OPTION = {
  store: { type: 'string' as const, short: 's', value: 'FILE', description: 'the JwkStore file' },
  'passphrase-file': {
    type: 'string' as const,
    value: 'FILE',
    description:
      "a file whose first line is the store's passphrase (private keys encrypted at rest), or the --out JWE's",
  },
  'passphrase-env': PASSPHRASE_SOURCE_OPTIONS['passphrase-env'] as OptionDef,
}

export const JWK_COMMAND: CommandDef = {
  name: 'jwk',
  summary: 'Generate a JWK from an Apinizer-style request (flags or a JSON file), optionally into a JwkStore.',
  usage:
    'jwk --name NAME --type RSA|EC|OCT|OKP [fields] [--store FILE]  |  jwk --request FILE.json  |  jwk get|remove|rotate NAME --store FILE',
  description:
    'The fields of an Apinizer "generate JWK" request as flags, or --request with the request body itself. Prints {privateJwk, publicJwk, metadata}; with --store the key is added to the store and only the metadata is printed; --out/--pub write the JWKs to files (the private one 0600).',
  options: {
    request: { type: 'string', short: 'r', value: 'FILE', description: 'the request body as JSON (- for stdin)' },
    name: { type: 'string', value: 'NAME', description: 'the JWK name (required; unique in a store)' },
    description: { type: 'string', value: 'TEXT', description: 'a description' },
    type: { type: 'string', short: 't', value: 'TYPE', description: 'RSA, EC, OCT or OKP (required)' },
    'key-size': {
      type: 'string',
      value: 'N',
      description: 'RSA 2048/3072/4096; OCT 128/192/256/384/512, or any multiple of 8 up to 8192 (HMAC)',
    },
    curve: {
      type: 'string',
      short: 'c',
      value: 'CURVE',
      description: 'EC P256/P384/P521/SECP256K1; OKP ED25519/X25519 (P-256, Ed25519 ... too)',
    },
    use: { type: 'string', value: 'USE', description: 'SIGNATURE (sig, default) or ENCRYPTION (enc)' },
    alg: {
      type: 'string',
      value: 'ALG',
      description: 'the algorithm, in Apinizer (RSA256, ECDH_ES_A128KW, ...) or JWA spelling',
    },
    kid: { type: 'string', value: 'KID', description: 'an explicit kid (wins over --kid-type)' },
    'kid-type': { type: 'string', value: 'T', description: 'TIMESTAMP (default), SHA256, SHA1, ISO_DATE or NONE' },
    nbf: { type: 'string', value: 'ISO', description: 'notBeforeTime, ISO 8601 (default now)' },
    exp: { type: 'string', value: 'ISO', description: 'expirationTime, ISO 8601 (default a year after nbf)' },
    'salt-length': { type: 'string', value: 'N', description: 'OCT PBES2 salt length in bytes (default 8)' },
    'iteration-count': { type: 'string', value: 'N', description: 'OCT PBES2 iteration count (default 1000)' },
    ...STORE_OPTION,
    out: { type: 'string', short: 'o', value: 'FILE', description: 'write the private JWK to FILE (0600)' },
    encrypt: {
      type: 'boolean',
      description:
        'write --out as a JWE (PBES2-HS256+A128KW / A128GCM) under a passphrase (asked on the terminal unless given); without --store a passphrase option implies it',
    },
    pub: { type: 'string', short: 'p', value: 'FILE', description: 'write the public JWK to FILE' },
    public: { type: 'boolean', description: 'print only the public JWK' },
    force: { type: 'boolean', description: 'replace --out / --pub files that exist' },
  },
  positionals: { min: 0, max: 2, name: 'get, remove or rotate and a NAME' },
  examples: [
    'platform-keygen jwk --name signing --type RSA --key-size 2048 --alg RSA256 --kid-type SHA256',
    'platform-keygen jwk --name web --type EC --curve P256 --use sig --store jwks-store.json',
    'platform-keygen jwk rotate web --store jwks-store.json',
    'platform-keygen jwk get web --store jwks-store.json --public',
    'platform-keygen jwk --name enc --type OKP --curve X25519 --use enc --store jwks-store.json',
    'platform-keygen jwk --name hmac --type OCT --key-size 256 --alg HS256 --out hmac.jwk',
  ],
  async run(values, positionals) {
    if (positionals.length > 0) return storeSubcommand(values, positionals)
    const requestFile = stringOption(values, 'request')
    const flags = FIELD_FLAGS.filter((f) => values[f] !== undefined)
    let request: unknown
    if (requestFile !== undefined) {
      if (flags.length > 0) usage(`--request carries the whole request: drop --${flags.join(', --')}`)
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
    if (publicOnly && (out !== undefined || pub !== undefined))
      usage('--public prints the public JWK: drop --out / --pub')
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
      if (publicOnly) {
        if (!result.publicJwk) {
          throw withFix(new InvalidRequestError('an OCT key has no public JWK'), 'drop --public')
        }
        process.stdout.write(`${JSON.stringify(result.publicJwk, null, 2)}\n`)
        return EXIT_OK
      }
      const files: OutputFile[] = []
      if (out !== undefined)
        files.push({
          path: out,
          data: encryptOut
            ? `${encryptJwk(result.privateJwk, passphrase)}\n`
            : `${JSON.stringify(result.privateJwk, null, 2)}\n`,
          secret: true,
        })
      if (pub !== undefined) {
        if (!result.publicJwk) throw withFix(new InvalidRequestError('an OCT key has no public JWK'), 'drop --pub')
        files.push({ path: pub, data: `${JSON.stringify(result.publicJwk, null, 2)}\n`, secret: false })
      }
      if (files.length > 0) writeFilesAtomic(files, force)
      if (files.length > 0 || store !== undefined) {
        const line: Record<string, unknown> = {}
        if (out !== undefined) line.private = out
        if (pub !== undefined) line.public = pub
        if (storeFile !== undefined) line.store = storeFile
        // As elsewhere in the CLI, no thumbprint of a secret (it is a hash of the secret).
        const { thumbprint, ...rest } = result.metadata
        const metadata = result.publicJwk ? result.metadata : rest
        process.stdout.write(`${JSON.stringify({ ...line, metadata })}\n`)
      } else {
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
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
  const flags = [...FIELD_FLAGS, 'request', 'pub'].filter((f) => values[f] !== undefined)
  if (flags.length > 0) usage(`jwk ${sub} takes no --${flags.join(', --')}`)
  const storeFile = stringOption(values, 'store')
  if (storeFile === undefined) usage(`jwk ${sub} needs --store FILE`)
  if (values.encrypt === true && (sub !== 'get' || values.out === undefined)) usage('--encrypt is for jwk get --out')
  const passphrase = await readPassphrase(values, { ask: false, confirm: false, what: storeFile as string })
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

// --- jwks --------------------------------------------------------------------------------------

export const JWKS_COMMAND: CommandDef = {
  name: 'jwks',
  summary: 'Print the public JWK set of a JwkStore (for serving as jwks.json).',
  usage: 'jwks --store FILE [--create] [--out FILE] [--all]  |  jwks --list --store FILE',
  description:
    'The public JWKs of every key pair in the store that is valid now (nbf ≤ now < exp; --all: every one), private members stripped; OCT secrets are left out. No passphrase is needed. --list prints one JSON line per key with its status instead. A store that does not exist is an error (ERR_STORE_NOT_FOUND) unless --create is given.',
  options: {
    store: STORE_OPTION.store,
    create: {
      type: 'boolean',
      description: 'create FILE as an empty store if it does not exist (encrypted with --passphrase-file)',
    },
    'passphrase-file': {
      type: 'string',
      value: 'FILE',
      description: 'with --create: encrypt the new store with the first line of FILE',
    },
    all: { type: 'boolean', description: 'include expired and not-yet-valid keys' },
    list: { type: 'boolean', description: 'list the keys (name, kid, status, validity) as JSON lines' },
    out: {
      type: 'string',
      short: 'o',
      value: 'FILE',
      description: 'write the set to FILE (atomically) instead of stdout',
    },
    force: { type: 'boolean', description: 'replace FILE if it exists' },
  },
  positionals: { min: 0, max: 0 },
  examples: [
    'platform-keygen jwk --name web --type EC --curve P256 --use sig --store jwks-store.json',
    'platform-keygen jwks --store jwks-store.json --out jwks.json',
    'platform-keygen jwks --store new-store.json --create',
    'platform-keygen jwks --list --store jwks-store.json',
  ],
  async run(values) {
    const storeFile = stringOption(values, 'store')
    if (storeFile === undefined) usage('jwks needs --store FILE')
    const out = stringOption(values, 'out')
    const force = values.force === true
    if (out !== undefined) checkTargets([out], force)
    const create = values.create === true
    if (values['passphrase-file'] !== undefined && !create) usage('--passphrase-file is for --create')
    if (values.list === true && (out !== undefined || values.all === true))
      usage('--list prints the keys: drop --out / --all')
    const passphrase = passphraseOf(values)
    const store = new JwkStore(storeFile as string, passphrase === undefined ? {} : { passphrase })
    try {
      if (create) await store.create()
      else if (!existsSync(storeFile as string)) {
        throw new StoreNotFoundError(`the JWK store ${storeFile} does not exist`, storeFile as string)
      }
      if (values.list === true) return await listStore(store)
      const set = `${JSON.stringify(await store.publicJwks({ includeExpired: values.all === true }), null, 2)}\n`
      if (out === undefined) process.stdout.write(set)
      else writeFilesAtomic([{ path: out, data: set, secret: false }], force)
      return EXIT_OK
    } finally {
      store.close()
    }
  },
}
