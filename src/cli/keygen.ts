/** The low-level commands over the key-length table: rsa, dsa, dh, ec, okp, ml-dsa, ml-kem. */
import { UnsupportedAlgorithmError } from '../errors.js'
import { generateKey, type KeySpec, resolveSpec } from '../generate/index.js'
import { keyLengthTable, normalizeCurve } from '../registry.js'
import { type Job, OUTPUT_OPTIONS, outputPlan, runBatch } from './batch.js'
import { type CommandDef, choiceOption, intOption, type OptionDef, stringOption, type Values } from './command.js'
import { checkOpenSshUsage, keyPairSource, kindOf } from './output.js'
import { PROTECT_OPTIONS, protectPlan } from './passphrase.js'
import { asUsage } from './report.js'

interface KeygenDef {
  name: string
  summary: string
  description: string
  options: Record<string, OptionDef>
  examples: string[]
  /** The key spec from the command's own options (throws usage errors). */
  spec(values: Values): KeySpec
}

function range(algorithm: 'RSA' | 'DSA' | 'DH'): string {
  const r = keyLengthTable[algorithm].rule
  return r.kind === 'range' ? `${r.min}…${r.max}, a multiple of ${r.multipleOf}` : ''
}

const bits = (fallback: number, algorithm: 'RSA' | 'DSA' | 'DH'): OptionDef => ({
  type: 'string',
  short: 'b',
  value: 'N',
  description: `key length in bits: ${range(algorithm)} (default ${fallback})`,
})

/** Bits as given: the key-length table (not this parser) decides what is allowed. */
function bitsOf(values: Values, fallback: number): number {
  return intOption(values, 'bits', fallback, 0, Number.MAX_SAFE_INTEGER)
}

const EC_CURVES = ['P-256', 'P-384', 'P-521', 'secp256k1'] as const
const OKP_CURVES = ['Ed25519', 'Ed448', 'X25519', 'X448'] as const

const KEYGENS: KeygenDef[] = [
  {
    name: 'rsa',
    summary: 'Generate an RSA key pair (public exponent 65537).',
    description: `Like \`openssl genrsa\`: ${range('RSA')} bits. A length of 4096 or more shows progress on a terminal.`,
    options: { bits: bits(3072, 'RSA') },
    examples: [
      'platform-keygen rsa --bits 3072 --out rsa.pem --pub rsa.pub.pem',
      'platform-keygen rsa --bits 2048 --type pkcs1 --out rsa-pkcs1.pem',
      'platform-keygen rsa --format openssh --out id_rsa --comment me@host',
      'platform-keygen rsa --bits 2048 --count 3 --out "batch-{n}.pem"',
    ],
    spec: (v) => ({ algorithm: 'RSA', length: bitsOf(v, 3072) }),
  },
  {
    name: 'dsa',
    summary: 'Generate a DSA key pair with new domain parameters.',
    description: `${range('DSA')} bits; up to 1024 FIPS 186-2 (q of 160 bits), above FIPS 186-3 (q of 256 bits). DSA has no JWK: pem or der.`,
    options: { bits: bits(2048, 'DSA') },
    examples: ['platform-keygen dsa --bits 2048 --out dsa.pem --pub dsa.pub.pem'],
    spec: (v) => ({ algorithm: 'DSA', length: bitsOf(v, 2048) }),
  },
  {
    name: 'dh',
    summary: 'Generate a Diffie-Hellman key pair.',
    description: `${range('DH')} bits. 768, 1024, 1536, 2048, 3072 and 4096 use the RFC 2409/3526 groups; other lengths generate a safe prime (slow). DH has no JWK: pem or der.`,
    options: { bits: bits(2048, 'DH') },
    examples: ['platform-keygen dh --bits 2048 --out dh.pem'],
    spec: (v) => ({ algorithm: 'DH', length: bitsOf(v, 2048) }),
  },
  {
    name: 'ec',
    summary: 'Generate an elliptic-curve key pair (ECDSA, or ECDH with --ecdh).',
    description: 'Curves: P-256 (default), P-384, P-521, secp256k1 (the CNG and OpenSSL spellings work too).',
    options: {
      curve: { type: 'string', short: 'c', value: 'CURVE', description: 'P-256 (default), P-384, P-521 or secp256k1' },
      ecdh: { type: 'boolean', description: 'generate the key for ECDH key agreement rather than ECDSA' },
    },
    examples: [
      'platform-keygen ec --curve P-256 --out ec.pem --pub ec.pub.pem',
      'platform-keygen ec --curve P-384 --format jwk --use sig --alg ES384',
      'platform-keygen ec --curve P-521 --format openssh --public',
    ],
    spec: (v) => {
      const curve = normalizeCurveOption(v, 'P-256')
      if (!(EC_CURVES as readonly string[]).includes(curve)) {
        throw asUsage(new UnsupportedAlgorithmError(`${curve} is not an ec curve (${EC_CURVES.join(', ')}); see okp`))
      }
      return { algorithm: v.ecdh ? 'ECDH' : 'ECDSA', curve }
    },
  },
  {
    name: 'okp',
    summary: 'Generate an Edwards or Montgomery curve key pair (EdDSA, X25519, X448).',
    description: 'Curves: Ed25519 (default), Ed448 for signatures; X25519, X448 for key agreement.',
    options: {
      curve: { type: 'string', short: 'c', value: 'CURVE', description: 'Ed25519 (default), Ed448, X25519 or X448' },
    },
    examples: [
      'platform-keygen okp --curve Ed25519 --format openssh --out id_ed25519',
      'platform-keygen okp --curve X25519 --format jwk --use enc',
    ],
    spec: (v) => {
      const curve = normalizeCurveOption(v, 'Ed25519')
      if (!(OKP_CURVES as readonly string[]).includes(curve)) {
        throw asUsage(new UnsupportedAlgorithmError(`${curve} is not an okp curve (${OKP_CURVES.join(', ')}); see ec`))
      }
      return curve.startsWith('Ed') ? { algorithm: 'EdDSA', curve } : { algorithm: 'ECDH', curve }
    },
  },
  {
    name: 'ml-dsa',
    summary: 'Generate an ML-DSA (FIPS 204) key pair.',
    description:
      'Parameter sets 44, 65 (default), 87. Needs a provider with ML-DSA: OpenSSL 3.5 (Node.js 24 or later) or a recent Windows CNG. The private JWK and PKCS#8 hold the 32-byte seed.',
    options: { set: { type: 'string', short: 's', value: 'SET', description: '44, 65 (default) or 87' } },
    examples: ['platform-keygen ml-dsa --set 65 --out ml-dsa.pem --pub ml-dsa.pub.pem'],
    spec: (v) => ({ algorithm: 'ML-DSA', parameterSet: choiceOption(v, 'set', ['44', '65', '87']) ?? '65' }),
  },
  {
    name: 'ml-kem',
    summary: 'Generate an ML-KEM (FIPS 203) key pair.',
    description:
      'Parameter sets 512, 768 (default), 1024. Needs a provider with ML-KEM: OpenSSL 3.5 (Node.js 24 or later) or a recent Windows CNG. The private JWK and PKCS#8 hold the 64-byte seed d‖z.',
    options: { set: { type: 'string', short: 's', value: 'SET', description: '512, 768 (default) or 1024' } },
    examples: ['platform-keygen ml-kem --set 768 --format jwk --out ml-kem.jwk'],
    spec: (v) => ({ algorithm: 'ML-KEM', parameterSet: choiceOption(v, 'set', ['512', '768', '1024']) ?? '768' }),
  },
]

function normalizeCurveOption(values: Values, fallback: string): string {
  const c = stringOption(values, 'curve') ?? fallback
  try {
    return normalizeCurve(c)
  } catch (err) {
    throw asUsage(err)
  }
}

function isSlow(algorithm: string, length: number): boolean {
  return algorithm === 'DSA' || algorithm === 'DH' || (algorithm === 'RSA' && length >= 4096)
}

function toCommand(k: KeygenDef): CommandDef {
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
      const kind = kindOf(resolved.algorithm, resolved.curve)
      if (kind === 'EC') {
        try {
          checkOpenSshUsage(resolved.algorithm, resolved.curve, values.format)
        } catch (err) {
          throw asUsage(err)
        }
      }
      const plan = outputPlan(values, kind, resolved.curve)
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

export const KEYGEN_COMMANDS: CommandDef[] = KEYGENS.map(toCommand)
