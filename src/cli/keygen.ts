/**
 * What the low-level commands over the key-length table (commands/rsa.ts, dsa, dh, ec, okp, ml-dsa,
 * ml-kem) share: a key spec from the command's own flags, then the output flags, --encrypt and
 * --count (batch.ts).
 */
import { UnsupportedAlgorithmError } from '../errors.js'
import { shapeOfAlgorithm } from '../formats/encode.js'
import { generateKey, type KeySpec, resolveSpec } from '../generate/index.js'
import { CURVES, type Curve, keyLengthTable, normalizeCurve, parameterSetsOf } from '../registry.js'
import { type Job, OUTPUT_OPTIONS, outputPlan, runBatch } from './batch.js'
import { type CommandDef, choiceOption, intOption, type OptionDef, stringOption, type Values } from './command.js'
import { flags } from './flags.js'
import { keyPairSource } from './output.js'
import { PROTECT_OPTIONS, protectPlan } from './passphrase.js'
import { asUsage } from './report.js'

export interface KeygenDef {
  name: string
  summary: string
  description: string
  options: Record<string, OptionDef>
  examples: string[]
  /** The key spec from the command's own options (throws usage errors). */
  spec(values: Values): KeySpec
}

export function range(algorithm: 'RSA' | 'DSA' | 'DH'): string {
  const r = keyLengthTable[algorithm].rule
  return r.kind === 'range' ? `${r.min}…${r.max}, a multiple of ${r.multipleOf}` : ''
}

/** The --bits flag of rsa, dsa and dh. */
export const bitsFlag = (fallback: number, algorithm: 'RSA' | 'DSA' | 'DH'): Record<string, OptionDef> =>
  flags({ bits: `key length in bits: ${range(algorithm)} (default ${fallback})` })

/**
 * An optional whole-number flag as a spec field (no flag: no field), the number as given: the
 * library's generation options (not this parser) decide what is allowed.
 */
export function numberField<K extends string>(values: Values, flag: string, field: K): Partial<Record<K, number>> {
  if (values[flag] === undefined) return {}
  return { [field]: intOption(values, flag, 0, 0, Number.MAX_SAFE_INTEGER) } as Partial<Record<K, number>>
}

/** Bits as given: the key-length table (not this parser) decides what is allowed. */
export function bitsOf(values: Values, fallback: number): number {
  return intOption(values, 'bits', fallback, 0, Number.MAX_SAFE_INTEGER)
}

/**
 * --curve (any spelling the registry knows) as the JOSE name, if it is one of the registry's
 * `material` curves; else a usage error that points to the `other` command.
 */
export function curveOption(
  values: Values,
  fallback: Curve,
  material: 'EC' | 'OKP',
  command: string,
  other: string,
): Curve {
  let curve: Curve
  try {
    curve = normalizeCurve(stringOption(values, 'curve') ?? fallback)
  } catch (err) {
    throw asUsage(err)
  }
  if (CURVES[curve].material !== material) {
    const names = Object.values(CURVES)
      .filter((c) => c.material === material)
      .map((c) => c.name)
    throw asUsage(
      new UnsupportedAlgorithmError(`${curve} is not an ${command} curve (${names.join(', ')}); see ${other}`),
    )
  }
  return curve
}

/**
 * `ml-dsa` / `ml-kem`: a key pair of one of the algorithm's parameter sets (the registry's),
 * chosen by --set.
 */
export function parameterSetCommand(k: {
  algorithm: 'ML-DSA' | 'ML-KEM'
  fips: string
  defaultSet: string
  /** What the private JWK and PKCS#8 hold. */
  seed: string
  example: string
}): CommandDef {
  const sets = parameterSetsOf(k.algorithm).map((s) => (s === k.defaultSet ? `${s} (default)` : s))
  return keygenCommand({
    name: k.algorithm.toLowerCase(),
    summary: `Generate an ${k.algorithm} (${k.fips}) key pair.`,
    description: `Parameter sets ${sets.join(', ')}. Needs a provider with ${k.algorithm}: OpenSSL 3.5 (Node.js 24 or later) or a recent Windows CNG. The private JWK and PKCS#8 hold the ${k.seed}.`,
    options: flags({ set: `${sets.slice(0, -1).join(', ')} or ${sets.at(-1)}` }),
    examples: [k.example],
    spec: (v) => ({
      algorithm: k.algorithm,
      parameterSet: choiceOption(v, 'set', parameterSetsOf(k.algorithm)) ?? k.defaultSet,
    }),
  })
}

function isSlow(algorithm: string, length: number): boolean {
  return algorithm === 'DSA' || algorithm === 'DH' || (algorithm === 'RSA' && length >= 4096)
}

export function keygenCommand(k: KeygenDef): CommandDef {
  return {
    name: k.name,
    summary: k.summary,
    usage: `${k.name} [options]`,
    description: k.description,
    options: { ...k.options, ...OUTPUT_OPTIONS, ...PROTECT_OPTIONS },
    positionals: { min: 0, max: 0 },
    examples: k.examples,
    async run(values) {
      const spec = k.spec(values)
      let resolved: ReturnType<typeof resolveSpec>
      try {
        resolved = resolveSpec(spec)
      } catch (err) {
        throw asUsage(err)
      }
      const plan = outputPlan(values, shapeOfAlgorithm(resolved.algorithm, resolved.curve))
      await protectPlan(values, plan)
      const family = resolved.algorithm.replace(/_P\d+$/, '')
      const label = resolved.parameterSet
        ? `${family}-${resolved.parameterSet}`
        : resolved.curve
          ? `${family} ${resolved.curve}`
          : `${family} ${resolved.length}`
      const job: Job = {
        label,
        slow: isSlow(resolved.algorithm, resolved.length),
        async generate() {
          const pair = await generateKey(spec)
          const info: Record<string, unknown> = { algorithm: pair.algorithm, length: pair.length }
          if (pair.curve) info.curve = pair.curve
          if (pair.parameterSet) info.parameterSet = pair.parameterSet
          info.provider = pair.provider
          return { source: keyPairSource(pair), info, dispose: () => pair.destroy() }
        },
      }
      return runBatch(job, plan)
    },
  }
}
