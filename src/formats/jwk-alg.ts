/**
 * Which keys a JWA "alg" (RFC 7518, RFC 8037, RFC 8812, the ML-DSA / ML-KEM
 * JOSE drafts) is for, so that a JWK never says an algorithm its key cannot
 * do (`"alg": "RS256"` on an EC key). Algorithms not listed are not judged.
 */
import { SECRET_ALGORITHMS } from '../jose/algorithms.js'

/** What a key is, as the checks need it. */
export interface AlgKey {
  /** 'RSA', 'EC', 'OKP', 'ML-DSA', 'ML-KEM', 'oct', ... */
  kind: string
  curve?: string
}

type Rule = { kind: string; curves?: readonly string[] }

const RSA: Rule = { kind: 'RSA' }
const ECDH: Rule[] = [
  { kind: 'EC', curves: ['P-256', 'P-384', 'P-521'] },
  { kind: 'OKP', curves: ['X25519', 'X448'] },
]
const OCT: Rule = { kind: 'oct' }

const RULES: Record<string, readonly Rule[]> = {
  RS256: [RSA],
  RS384: [RSA],
  RS512: [RSA],
  PS256: [RSA],
  PS384: [RSA],
  PS512: [RSA],
  RSA1_5: [RSA],
  'RSA-OAEP': [RSA],
  'RSA-OAEP-256': [RSA],
  'RSA-OAEP-384': [RSA],
  'RSA-OAEP-512': [RSA],
  ES256: [{ kind: 'EC', curves: ['P-256'] }],
  ES384: [{ kind: 'EC', curves: ['P-384'] }],
  ES512: [{ kind: 'EC', curves: ['P-521'] }],
  ES256K: [{ kind: 'EC', curves: ['secp256k1'] }],
  EdDSA: [{ kind: 'OKP', curves: ['Ed25519', 'Ed448'] }],
  Ed25519: [{ kind: 'OKP', curves: ['Ed25519'] }],
  Ed448: [{ kind: 'OKP', curves: ['Ed448'] }],
  'ECDH-ES': ECDH,
  'ECDH-ES+A128KW': ECDH,
  'ECDH-ES+A192KW': ECDH,
  'ECDH-ES+A256KW': ECDH,
  'ML-DSA-44': [{ kind: 'ML-DSA' }],
  'ML-DSA-65': [{ kind: 'ML-DSA' }],
  'ML-DSA-87': [{ kind: 'ML-DSA' }],
  'ML-KEM-512': [{ kind: 'ML-KEM' }],
  'ML-KEM-768': [{ kind: 'ML-KEM' }],
  'ML-KEM-1024': [{ kind: 'ML-KEM' }],
}
// the secrets' algorithms: the JOSE layer's one list, and "dir"
for (const a of [...Object.keys(SECRET_ALGORITHMS), 'dir']) RULES[a] = [OCT]

function describeKey(k: AlgKey): string {
  return k.curve ? `${k.kind} ${k.curve}` : k.kind === 'oct' ? 'a symmetric secret' : k.kind
}

function describeRules(rules: readonly Rule[]): string {
  return rules
    .map((r) => (r.curves ? `${r.kind} ${r.curves.join(' / ')}` : r.kind === 'oct' ? 'symmetric secrets' : r.kind))
    .join(' or ')
}

/** Why `alg` does not fit the key, or undefined when it does (or the alg is not one this knows). */
export function algMismatch(alg: string, key: AlgKey): string | undefined {
  const rules = Object.hasOwn(RULES, alg) ? RULES[alg] : undefined
  if (!rules) return undefined
  const fits = rules.some(
    (r) => r.kind === key.kind && (!r.curves || (key.curve !== undefined && r.curves.includes(key.curve))),
  )
  return fits ? undefined : `"alg": "${alg}" is for ${describeRules(rules)} keys, not ${describeKey(key)}`
}
