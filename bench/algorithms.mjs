// The algorithms the benchmark measures, and how each implementation asks for them.
//
//   ours       generateKey(spec) from the built package (dist/esm)
//   oursJose   platform-keygen's jose drop-in generateKeyPair(alg, options)
//   node       node:crypto generateKeyPair[Sync](type, options)
//   jose       jose generateKeyPair(alg, options) + exportJWK
//   noble      @noble/curves (module, export) — keygen()
//   noblePq    @noble/post-quantum (module, export) — keygen()
//   forge      node-forge, pure JavaScript (RSA-2048 only)
//   c          bench/native: the raw EVP loop (keytype, family and parameters)
//   why        per implementation: why it is not measured (shown in the report)
//
// `tier` picks the time budget (see plan.mjs); `node24` rows run under Node 24
// (OpenSSL 3.5) when the orchestrator runs under an older Node.

const NO_JWK = 'no JWK for DSA/DH (PEM/DER only)'

export const ALGORITHMS = [
  {
    id: 'RSA-2048',
    tier: 'rsa2048',
    ours: { algorithm: 'RSA', length: 2048 },
    oursJose: ['RS256', { modulusLength: 2048 }],
    node: ['rsa', { modulusLength: 2048 }],
    jose: ['RS256', { modulusLength: 2048 }],
    forge: { bits: 2048 },
    c: { keytype: 'RSA', family: 'RSA', bits: 2048 },
  },
  {
    id: 'RSA-3072',
    tier: 'rsa3072',
    ours: { algorithm: 'RSA', length: 3072 },
    oursJose: ['RS256', { modulusLength: 3072 }],
    node: ['rsa', { modulusLength: 3072 }],
    jose: ['RS256', { modulusLength: 3072 }],
    c: { keytype: 'RSA', family: 'RSA', bits: 3072 },
  },
  {
    id: 'RSA-4096',
    tier: 'rsa4096',
    ours: { algorithm: 'RSA', length: 4096 },
    oursJose: ['RS256', { modulusLength: 4096 }],
    node: ['rsa', { modulusLength: 4096 }],
    jose: ['RS256', { modulusLength: 4096 }],
    c: { keytype: 'RSA', family: 'RSA', bits: 4096 },
  },
  {
    id: 'P-256',
    tier: 'fast',
    ours: { algorithm: 'ECDSA_P256' },
    oursJose: ['ES256', {}],
    node: ['ec', { namedCurve: 'P-256' }],
    jose: ['ES256', {}],
    noble: ['@noble/curves/nist.js', 'p256'],
    c: { keytype: 'EC', family: 'EC', group: 'prime256v1' },
  },
  {
    id: 'P-384',
    tier: 'fast',
    ours: { algorithm: 'ECDSA_P384' },
    oursJose: ['ES384', {}],
    node: ['ec', { namedCurve: 'P-384' }],
    jose: ['ES384', {}],
    noble: ['@noble/curves/nist.js', 'p384'],
    c: { keytype: 'EC', family: 'EC', group: 'secp384r1' },
  },
  {
    id: 'P-521',
    tier: 'fast',
    ours: { algorithm: 'ECDSA_P521' },
    oursJose: ['ES512', {}],
    node: ['ec', { namedCurve: 'P-521' }],
    jose: ['ES512', {}],
    noble: ['@noble/curves/nist.js', 'p521'],
    c: { keytype: 'EC', family: 'EC', group: 'secp521r1' },
  },
  {
    id: 'secp256k1',
    tier: 'fast',
    ours: { algorithm: 'ECDSA', curve: 'secp256k1' },
    node: ['ec', { namedCurve: 'secp256k1' }],
    noble: ['@noble/curves/secp256k1.js', 'secp256k1'],
    c: { keytype: 'EC', family: 'EC', group: 'secp256k1' },
    why: { jose: 'jose 6 has no ES256K', oursJose: 'no jose counterpart (ES256K gives KeyObjects, not CryptoKeys)' },
  },
  {
    id: 'Ed25519',
    tier: 'fast',
    ours: { algorithm: 'EdDSA', curve: 'Ed25519' },
    oursJose: ['Ed25519', {}],
    node: ['ed25519', {}],
    jose: ['Ed25519', {}],
    noble: ['@noble/curves/ed25519.js', 'ed25519'],
    c: { keytype: 'ED25519', family: 'OKP' },
  },
  {
    id: 'X25519',
    tier: 'fast',
    ours: { algorithm: 'ECDH', curve: 'X25519' },
    oursJose: ['ECDH-ES', { crv: 'X25519' }],
    node: ['x25519', {}],
    jose: ['ECDH-ES', { crv: 'X25519' }],
    noble: ['@noble/curves/ed25519.js', 'x25519'],
    c: { keytype: 'X25519', family: 'OKP' },
  },
  {
    id: 'Ed448',
    tier: 'fast',
    ours: { algorithm: 'EdDSA', curve: 'Ed448' },
    node: ['ed448', {}],
    noble: ['@noble/curves/ed448.js', 'ed448'],
    c: { keytype: 'ED448', family: 'OKP' },
    why: { jose: 'jose 6 has no Ed448', oursJose: 'jose 6 has no Ed448' },
  },
  {
    id: 'X448',
    tier: 'fast',
    ours: { algorithm: 'ECDH', curve: 'X448' },
    node: ['x448', {}],
    noble: ['@noble/curves/ed448.js', 'x448'],
    c: { keytype: 'X448', family: 'OKP' },
    why: { jose: 'jose 6 has no X448', oursJose: 'X448 has no CryptoKey form in Node.js WebCrypto' },
  },
  {
    id: 'DSA-2048',
    tier: 'dsa',
    noJwk: true,
    ours: { algorithm: 'DSA', length: 2048 },
    node: ['dsa', { modulusLength: 2048, divisorLength: 256 }],
    c: { keytype: 'DSA', family: 'DSA', bits: 2048, qbits: 256 },
    why: { jose: 'not a JOSE algorithm', oursJose: 'not a JOSE algorithm', jwk: NO_JWK },
  },
  {
    id: 'DH-2048',
    tier: 'medium',
    noJwk: true,
    ours: { algorithm: 'DH', length: 2048 },
    // node:crypto gets the same RFC 7919 ffdhe2048 group (p, g = 2), taken from one of our keys
    node: ['dh', { sameGroupAsOurs: true }],
    c: { keytype: 'DH', family: 'DH', group: 'ffdhe2048' },
    why: { jose: 'not a JOSE algorithm', oursJose: 'not a JOSE algorithm', jwk: NO_JWK },
  },
  ...['44', '65', '87'].map((set) => ({
    id: `ML-DSA-${set}`,
    tier: 'fast',
    node24: true,
    ours: { algorithm: 'ML-DSA', parameterSet: set },
    oursJose: [`ML-DSA-${set}`, {}],
    node: [`ml-dsa-${set}`, {}],
    jose: [`ML-DSA-${set}`, {}],
    noblePq: ['@noble/post-quantum/ml-dsa.js', `ml_dsa${set}`],
    c: { keytype: `ML-DSA-${set}`, family: 'PQ' },
  })),
  ...['512', '768', '1024'].map((set) => ({
    id: `ML-KEM-${set}`,
    tier: 'fast',
    node24: true,
    ours: { algorithm: 'ML-KEM', parameterSet: set },
    node: [`ml-kem-${set}`, {}],
    noblePq: ['@noble/post-quantum/ml-kem.js', `ml_kem${set}`],
    c: { keytype: `ML-KEM-${set}`, family: 'PQ' },
    why: { jose: 'ML-KEM is not a JOSE algorithm', oursJose: 'ML-KEM is not a JOSE algorithm' },
  })),
]

export const BY_ID = new Map(ALGORITHMS.map((a) => [a.id, a]))

/** Resolves `--only` words: exact ids, case-insensitive, or prefixes such as RSA, ML-KEM, P-. */
export function selectAlgorithms(words) {
  if (!words || words.length === 0) return ALGORITHMS
  const out = []
  for (const w of words) {
    const lw = w.toLowerCase()
    const hit = ALGORITHMS.filter((a) => a.id.toLowerCase() === lw)
    const matches = hit.length ? hit : ALGORITHMS.filter((a) => a.id.toLowerCase().startsWith(lw))
    if (matches.length === 0) {
      throw new Error(`--only: no algorithm "${w}" (one of ${ALGORITHMS.map((a) => a.id).join(', ')})`)
    }
    for (const m of matches) if (!out.includes(m)) out.push(m)
  }
  return ALGORITHMS.filter((a) => out.includes(a))
}
