/**
 * Which keys a JWA "alg" (RFC 7518, RFC 8037, RFC 8812, the ML-DSA / ML-KEM
 * JOSE drafts) is for, so that a JWK never says an algorithm its key cannot
 * do (`"alg": "RS256"` on an EC key). The algorithms are the registry's
 * (src/registry.ts); algorithms not listed are not judged.
 */
import { CURVES, JOSE_ALGORITHMS, JOSE_SECRET_ALGORITHMS, type JoseRow, materialTypeOf } from '../registry.js'

/** What a key is, as the checks need it. */
export interface AlgKey {
  /** 'RSA', 'EC', 'OKP', 'ML-DSA', 'ML-KEM', 'oct', ... */
  kind: string
  curve?: string
}

type Rule = { kind: string; curves?: readonly string[] }

const OCT: Rule = { kind: 'oct' }

/** The keys of a registry JOSE row: its material type, split by the curves it allows. */
function rulesOf(r: JoseRow): Rule[] {
  if (!r.keyCurves) return [{ kind: materialTypeOf(r.algorithm) }]
  const rules: { kind: string; curves: string[] }[] = []
  for (const c of r.keyCurves) {
    const kind = CURVES[c].material
    const rule = rules.find((x) => x.kind === kind)
    if (rule) rule.curves.push(c)
    else rules.push({ kind, curves: [c] })
  }
  return rules
}

/** From the registry: the key-pair algorithms, the secrets' algorithms and "dir". */
const RULES: Readonly<Record<string, readonly Rule[]>> = Object.fromEntries([
  ...JOSE_ALGORITHMS.map((r) => [r.alg, rulesOf(r)] as const),
  ...[...JOSE_SECRET_ALGORITHMS.map((r) => r.alg), 'dir'].map((alg) => [alg, [OCT]] as const),
])

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
