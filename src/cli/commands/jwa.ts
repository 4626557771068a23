/**
 * `<JWA alg>`: generateKeyPair / generateSecret (the jose drop-in) for RS256, ES256, EdDSA,
 * ECDH-ES, ML-DSA-65, HS256, A256GCM, ...; the private JWK by default.
 */
import { InvalidRequestError, PlatformKeygenError, UnsupportedAlgorithmError } from '../../errors.js'
import { b64url } from '../../formats/bytes.js'
import { shapeOfAlgorithm } from '../../formats/encode.js'
import { generateKey } from '../../generate/index.js'
import { ECDH_ALGORITHMS, PAIR_ALGORITHMS, SECRET_ALGORITHMS } from '../../jose/algorithms.js'
import { generateKeyPair } from '../../jose/generate-key-pair.js'
import { generateSecret } from '../../jose/generate-secret.js'
import { type Curve, joseAlgorithm, parameterSetsOf, specForCurve } from '../../registry.js'
import { type GeneratedKey, type Job, OUTPUT_OPTIONS, outputPlan, runBatch } from '../batch.js'
import { type CommandDef, intOption, stringOption } from '../command.js'
import { flags } from '../flags.js'
import { keyPairSource, type OutputShape, secretSource } from '../output.js'
import { PROTECT_OPTIONS, protectPlan } from '../passphrase.js'
import { asUsage, withFix } from '../report.js'
import { COMMANDS } from './index.js'

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
 * generateKey directly. The parameter sets are the registry's.
 */
const ML_KEM_NAMES: readonly string[] = parameterSetsOf('ML-KEM').map((set) => `ML-KEM-${set}`)

/** What a JWA alg makes (the registry's row): its key's shape (for the format checks), or a secret. */
function describeAlg(alg: string, crv: string | undefined): OutputShape | undefined {
  if (Object.hasOwn(SECRET_ALGORITHMS, alg)) return { kind: 'oct' }
  if (ML_KEM_NAMES.includes(alg)) return { kind: 'ML-KEM' }
  const row = joseAlgorithm(alg)
  if (!row || !(Object.hasOwn(PAIR_ALGORITHMS, alg) || ECDH_ALGORITHMS.includes(alg))) return undefined
  // a row with one curve makes its key on it; ECDH-ES leaves the curve to the caller
  if (row.curve !== undefined || row.keyCurves === undefined) return shapeOfAlgorithm(row.algorithm, row.curve)
  const curve = (crv ?? 'P-256') as Curve
  if (!row.keyCurves.includes(curve)) return undefined
  const spec = specForCurve(curve, 'agree')
  return shapeOfAlgorithm(spec.algorithm, spec.curve ?? curve)
}

const { alg: _alg, ...JWA_OUTPUT_OPTIONS } = OUTPUT_OPTIONS

/** Every JWA algorithm the `<JWA alg>` command takes. */
const JWA_NAMES: readonly string[] = [
  ...Object.keys(PAIR_ALGORITHMS),
  ...ECDH_ALGORITHMS,
  ...Object.keys(SECRET_ALGORITHMS),
  ...ML_KEM_NAMES,
]

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
  const ranked = [...COMMANDS.map((c) => c.name), ...JWA_NAMES]
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
    'Key pairs: PS256/384/512, RS256/384/512, RSA-OAEP(-256/384/512), ES256/384/512, ES256K, Ed25519, EdDSA, ML-DSA-44/65/87, ML-KEM-512/768/1024, ECDH-ES(+A128KW/A192KW/A256KW) with --curve P-256 (default), P-384, P-521, X25519, X448. Secrets: HS256/384/512, A128/192/256KW, A128/192/256GCMKW, A128/192/256GCM, A128CBC-HS256, A192CBC-HS384, A256CBC-HS512 (jwk or jwks only). Prints the private JWK (with "alg") unless --format says otherwise.',
  options: {
    ...flags({
      curve: 'ECDH-ES curve: P-256 (default), P-384, P-521, X25519, X448',
      bits: 'RSA modulus length: 2048 (default) or more',
    }),
    ...JWA_OUTPUT_OPTIONS,
    ...flags({ format: 'jwk (default), jwks, pem, der or openssh' }),
    ...PROTECT_OPTIONS,
  },
  positionals: { min: 1, max: 1, name: 'a JWA algorithm' },
  examples: [
    'platform-keygen ES256',
    'platform-keygen RS256 --bits 3072 --out rs256.jwk --pub rs256.pub.jwk',
    'platform-keygen ECDH-ES --curve X25519 --format jwks --public',
    'platform-keygen EdDSA --format openssh --out ssh_host_ed25519_key',
    'platform-keygen HS256',
    'platform-keygen A256GCM --count 2 --format jwks',
    'platform-keygen ML-DSA-65 --format pem --out ml-dsa-65.pem',
    'platform-keygen ML-KEM-768 --public',
  ],
  async run(values, positionals) {
    const alg = positionals[0] as string
    const crv = stringOption(values, 'curve')
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
    const described = what as OutputShape
    if (described.kind === 'oct' && (crv !== undefined || bits !== undefined)) {
      usage(`--curve and --bits are for key pairs; ${alg} is a symmetric secret`)
    }
    if (described.kind === 'ML-KEM' && (crv !== undefined || bits !== undefined)) {
      usage(`--curve and --bits do not apply to ${alg}: its parameter set fixes the key`)
    }
    const plan = outputPlan({ format: 'jwk', ...values }, described)
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
              const pair = ML_KEM_NAMES.includes(alg)
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
