/**
 * The one blob converter: CNG key blobs (docs/design.md "Blob layouts") to and
 * from {@link KeyMaterial}. Both native backends hand us these bytes — the
 * CNG backend straight from BCryptExportKey, the OpenSSL backend written in
 * the same layout — so everything Windows sends through here is exercised on
 * Linux too.
 *
 * Header fields are little-endian ULONGs; integers after the header are
 * big-endian, left-padded to their field width. OKP keys that CNG has no blob
 * for (Ed25519, Ed448, X448) and X25519 use the ECC layout with the Y
 * coordinate left out: {magic, cbKey}; X, [d]. The parser also accepts them
 * with a Y field present (ignored), as a CNG export of curve25519 may have it.
 *
 * Parsed materials are views into the blob: wiping the blob wipes them.
 */

import { describeValue, InvalidBlobError } from '../errors.js'
import type { BlobKind } from '../native.js'
import { curveName } from '../registry.js'
import { bitLength, concat, fromBigInt, padTo, stripZeros, toBigInt } from './bytes.js'
import {
  EC_SIZES,
  type EcCurve,
  type KeyMaterial,
  ML_DSA_SIZES,
  ML_KEM_SIZES,
  type MlDsaSet,
  type MlKemSet,
  OKP_SIZES,
  type OkpCurve,
} from './material.js'
import { validateMaterial } from './validate.js'

export type { BlobKind }

export interface BlobHint {
  /** The curve of a generic ECC blob (ECDP/ECDV/ECKP/ECKV), which the blob does not name. */
  curve?: string
}

export interface ParsedBlob {
  kind: BlobKind
  magic: number
  material: KeyMaterial
}

const magic = (s: string): number =>
  (s.charCodeAt(0) | (s.charCodeAt(1) << 8) | (s.charCodeAt(2) << 16) | (s.charCodeAt(3) << 24)) >>> 0

export const MAGIC = {
  RSA1: magic('RSA1'),
  RSA2: magic('RSA2'),
  RSA3: magic('RSA3'),
  ECS1: magic('ECS1'),
  ECS2: magic('ECS2'),
  ECS3: magic('ECS3'),
  ECS4: magic('ECS4'),
  ECS5: magic('ECS5'),
  ECS6: magic('ECS6'),
  ECK1: magic('ECK1'),
  ECK2: magic('ECK2'),
  ECK3: magic('ECK3'),
  ECK4: magic('ECK4'),
  ECK5: magic('ECK5'),
  ECK6: magic('ECK6'),
  ECDP: magic('ECDP'),
  ECDV: magic('ECDV'),
  ECKP: magic('ECKP'),
  ECKV: magic('ECKV'),
  DSPB: magic('DSPB'),
  DSPV: magic('DSPV'),
  DPB2: magic('DPB2'),
  DPV2: magic('DPV2'),
  DHPB: magic('DHPB'),
  DHPV: magic('DHPV'),
  DSPK: magic('DSPK'),
  DSSK: magic('DSSK'),
  DSSS: magic('DSSS'),
  MLKP: magic('MLKP'),
  MLKR: magic('MLKR'),
  MLKS: magic('MLKS'),
} as const

const FIXED_EC: Record<number, { curve: EcCurve; usage: 'ECDSA' | 'ECDH'; private: boolean }> = {
  [MAGIC.ECS1]: { curve: 'P-256', usage: 'ECDSA', private: false },
  [MAGIC.ECS2]: { curve: 'P-256', usage: 'ECDSA', private: true },
  [MAGIC.ECS3]: { curve: 'P-384', usage: 'ECDSA', private: false },
  [MAGIC.ECS4]: { curve: 'P-384', usage: 'ECDSA', private: true },
  [MAGIC.ECS5]: { curve: 'P-521', usage: 'ECDSA', private: false },
  [MAGIC.ECS6]: { curve: 'P-521', usage: 'ECDSA', private: true },
  [MAGIC.ECK1]: { curve: 'P-256', usage: 'ECDH', private: false },
  [MAGIC.ECK2]: { curve: 'P-256', usage: 'ECDH', private: true },
  [MAGIC.ECK3]: { curve: 'P-384', usage: 'ECDH', private: false },
  [MAGIC.ECK4]: { curve: 'P-384', usage: 'ECDH', private: true },
  [MAGIC.ECK5]: { curve: 'P-521', usage: 'ECDH', private: false },
  [MAGIC.ECK6]: { curve: 'P-521', usage: 'ECDH', private: true },
}

const isOkp = (c: EcCurve | OkpCurve): c is OkpCurve => c in OKP_SIZES

class Reader {
  pos = 0
  constructor(readonly buf: Uint8Array) {}
  u32(): number {
    const b = this.take(4)
    return ((b[0] as number) | ((b[1] as number) << 8) | ((b[2] as number) << 16) | ((b[3] as number) << 24)) >>> 0
  }
  take(n: number): Uint8Array {
    if (!Number.isSafeInteger(n) || n < 0 || n > this.buf.length - this.pos) {
      throw new InvalidBlobError(`blob truncated: needs ${n} more bytes at offset ${this.pos} of ${this.buf.length}`)
    }
    const out = this.buf.subarray(this.pos, this.pos + n)
    this.pos += n
    return out
  }
  remaining(): number {
    return this.buf.length - this.pos
  }
  end(): void {
    if (this.pos !== this.buf.length) {
      throw new InvalidBlobError(`blob has ${this.buf.length - this.pos} trailing bytes`)
    }
  }
}

function expectSize(r: Reader, expected: number, what: string): void {
  if (r.buf.length !== expected) {
    throw new InvalidBlobError(`${what} blob must be ${expected} bytes, got ${r.buf.length}`)
  }
}

/**
 * The public parseBlob (index.ts exports it under that name): parses a blob
 * from anywhere and validates what it claims — RSA n = p·q and the CRT
 * members, an EC point on its curve and d matching it, an OKP x derived from
 * d, DSA/DH y = g^x mod p, sizes within the key-length table (see
 * validate.ts). Anything wrong is ERR_INVALID_BLOB, never another error.
 */
export function parseBlobChecked(blob: Uint8Array, hint: BlobHint = {}): ParsedBlob {
  const parsed = parseBlob(blob, hint)
  try {
    validateMaterial(parsed.material)
  } catch (err) {
    throw new InvalidBlobError(`the blob is not a valid key: ${(err as Error).message}`, { cause: err })
  }
  return parsed
}

/**
 * Parses a CNG key blob's structure (no arithmetic checks: for the blobs the
 * native layer itself made, on every export). Throws InvalidBlobError for
 * anything malformed, never another error.
 */
export function parseBlob(blob: Uint8Array, hint: BlobHint = {}): ParsedBlob {
  try {
    return parseStructure(blob, hint)
  } catch (err) {
    if (err instanceof InvalidBlobError) throw err
    // A RangeError or the like from a crafted blob is still only a bad blob.
    throw new InvalidBlobError(`malformed blob: ${(err as Error)?.message ?? String(err)}`, { cause: err })
  }
}

function parseStructure(blob: Uint8Array, hint: BlobHint): ParsedBlob {
  if (!(blob instanceof Uint8Array)) throw new InvalidBlobError('a blob must be a Uint8Array')
  const r = new Reader(blob)
  const m = r.u32()
  switch (m) {
    case MAGIC.RSA1:
    case MAGIC.RSA2:
    case MAGIC.RSA3:
      return parseRsa(r, m)
    case MAGIC.ECDP:
    case MAGIC.ECDV:
    case MAGIC.ECKP:
    case MAGIC.ECKV:
      return parseGenericEcc(r, m, hint)
    case MAGIC.DSPB:
    case MAGIC.DSPV:
      return parseDsaV1(r, m)
    case MAGIC.DPB2:
    case MAGIC.DPV2:
      return parseDsaV2(r, m)
    case MAGIC.DHPB:
    case MAGIC.DHPV:
      return parseDh(r, m)
    case MAGIC.DSPK:
    case MAGIC.DSSK:
    case MAGIC.DSSS:
    case MAGIC.MLKP:
    case MAGIC.MLKR:
    case MAGIC.MLKS:
      return parsePq(r, m)
    default: {
      const fixed = FIXED_EC[m]
      if (fixed) return parseEc(r, m, fixed.curve, fixed.usage, fixed.private)
      throw new InvalidBlobError(`unknown blob magic 0x${m.toString(16).padStart(8, '0')}`)
    }
  }
}

function parseRsa(r: Reader, m: number): ParsedBlob {
  if (r.remaining() < 20) throw new InvalidBlobError('RSA blob header truncated')
  const bits = r.u32()
  const cbE = r.u32()
  const cbN = r.u32()
  const cbP = r.u32()
  const cbQ = r.u32()
  if (bits < 8 || bits > 65536 || cbN !== Math.ceil(bits / 8)) {
    throw new InvalidBlobError(`RSA blob: BitLength ${bits} does not match cbModulus ${cbN}`)
  }
  if (cbE < 1 || cbE > cbN) throw new InvalidBlobError(`RSA blob: bad cbPublicExp ${cbE}`)
  const priv = m !== MAGIC.RSA1
  if (priv && (cbP < 1 || cbQ < 1 || cbP > cbN || cbQ > cbN)) throw new InvalidBlobError('RSA blob: bad prime sizes')
  const body =
    m === MAGIC.RSA1 ? cbE + cbN : m === MAGIC.RSA2 ? cbE + cbN + cbP + cbQ : cbE + 2 * cbN + 3 * cbP + 2 * cbQ
  expectSize(r, 24 + body, 'RSA')
  const e = r.take(cbE)
  const n = r.take(cbN)
  if (bitLength(n) !== bits) throw new InvalidBlobError('RSA blob: modulus does not have BitLength bits')
  if (m === MAGIC.RSA1) return { kind: 'public', magic: m, material: { type: 'RSA', n, e } }
  const p = r.take(cbP)
  const q = r.take(cbQ)
  if (m === MAGIC.RSA3) {
    const dp = r.take(cbP)
    const dq = r.take(cbQ)
    const qi = r.take(cbP)
    const d = r.take(cbN)
    r.end()
    return { kind: 'private', magic: m, material: { type: 'RSA', n, e, d, p, q, dp, dq, qi } }
  }
  r.end()
  // RSA2 (BCRYPT_RSAPRIVATE_BLOB) carries only p and q: derive the rest.
  return { kind: 'private', magic: m, material: completeRsa(n, e, p, q, cbP, cbQ, cbN) }
}

function modInverse(a: bigint, m: bigint): bigint {
  let [oldR, r] = [((a % m) + m) % m, m]
  let [oldS, s] = [1n, 0n]
  while (r !== 0n) {
    const q = oldR / r
    ;[oldR, r] = [r, oldR - q * r]
    ;[oldS, s] = [s, oldS - q * s]
  }
  if (oldR !== 1n) throw new InvalidBlobError('RSA blob: components are not invertible')
  return ((oldS % m) + m) % m
}

function completeRsa(
  n: Uint8Array,
  e: Uint8Array,
  p: Uint8Array,
  q: Uint8Array,
  cbP: number,
  cbQ: number,
  cbN: number,
): KeyMaterial {
  const [N, E, P, Q] = [toBigInt(n), toBigInt(e), toBigInt(p), toBigInt(q)]
  if (P < 2n || Q < 2n || P * Q !== N) throw new InvalidBlobError('RSA blob: p·q ≠ n')
  // Iterative: a recursive gcd overflows the stack on crafted primes.
  const gcd = (a: bigint, b: bigint): bigint => {
    while (b !== 0n) [a, b] = [b, a % b]
    return a
  }
  const lambda = ((P - 1n) * (Q - 1n)) / gcd(P - 1n, Q - 1n)
  const D = modInverse(E, lambda)
  return {
    type: 'RSA',
    n,
    e,
    p,
    q,
    d: fromBigInt(D, cbN),
    dp: fromBigInt(D % (P - 1n), cbP),
    dq: fromBigInt(D % (Q - 1n), cbQ),
    qi: fromBigInt(modInverse(Q, P), cbP),
  }
}

function parseEc(r: Reader, m: number, curve: EcCurve, usage: 'ECDSA' | 'ECDH', priv: boolean): ParsedBlob {
  const cb = r.u32()
  if (cb !== EC_SIZES[curve]) throw new InvalidBlobError(`${curve} blob: cbKey must be ${EC_SIZES[curve]}, got ${cb}`)
  expectSize(r, 8 + cb * (priv ? 3 : 2), curve)
  const x = r.take(cb)
  const y = r.take(cb)
  const material: KeyMaterial = { type: 'EC', curve, usage, x, y }
  if (priv) material.d = r.take(cb)
  r.end()
  return { kind: priv ? 'private' : 'public', magic: m, material }
}

function parseGenericEcc(r: Reader, m: number, hint: BlobHint): ParsedBlob {
  const usage = m === MAGIC.ECDP || m === MAGIC.ECDV ? 'ECDSA' : 'ECDH'
  const priv = m === MAGIC.ECDV || m === MAGIC.ECKV
  const curve = curveName(hint.curve)
  if (!curve) {
    throw new InvalidBlobError('a named-curve ECC blob does not say its curve: pass { curve } (e.g. secP256k1, X25519)')
  }
  if (!isOkp(curve)) return parseEc(r, m, curve, usage, priv)
  const signing = curve === 'Ed25519' || curve === 'Ed448'
  if (signing !== (usage === 'ECDSA')) {
    throw new InvalidBlobError(`${curve} cannot be in a${usage === 'ECDSA' ? 'n ECDSA' : 'n ECDH'} blob`)
  }
  const cb = r.u32()
  if (cb !== OKP_SIZES[curve]) throw new InvalidBlobError(`${curve} blob: cbKey must be ${OKP_SIZES[curve]}, got ${cb}`)
  const parts = priv ? 2 : 1
  const withY = r.buf.length === 8 + cb * (parts + 1)
  if (!withY) expectSize(r, 8 + cb * parts, curve)
  const x = r.take(cb)
  if (withY) r.take(cb)
  const material: KeyMaterial = { type: 'OKP', curve, x }
  if (priv) material.d = r.take(cb)
  r.end()
  return { kind: priv ? 'private' : 'public', magic: m, material }
}

const ALL_FF = (b: Uint8Array): boolean => b.every((v) => v === 0xff)

function checkFfcSize(cbKey: number, what: string): void {
  if (cbKey < 16 || cbKey > 2048) throw new InvalidBlobError(`${what} blob: bad cbKey ${cbKey}`)
}

function parseDsaV1(r: Reader, m: number): ParsedBlob {
  if (r.remaining() < 48) throw new InvalidBlobError('DSA blob header truncated')
  const cbKey = r.u32()
  checkFfcSize(cbKey, 'DSA')
  const count = r.take(4)
  const seed = r.take(20)
  const q = r.take(20)
  const priv = m === MAGIC.DSPV
  expectSize(r, 52 + 3 * cbKey + (priv ? 20 : 0), 'DSA')
  const p = r.take(cbKey)
  const g = r.take(cbKey)
  const y = r.take(cbKey)
  const material: KeyMaterial = { type: 'DSA', p, q, g, y }
  if (!(ALL_FF(count) && ALL_FF(seed))) {
    material.seed = seed
    material.counter = new DataView(count.buffer, count.byteOffset, 4).getUint32(0, false)
  }
  if (priv) material.x = r.take(20)
  r.end()
  return { kind: priv ? 'private' : 'public', magic: m, material }
}

function parseDsaV2(r: Reader, m: number): ParsedBlob {
  if (r.remaining() < 24) throw new InvalidBlobError('DSA v2 blob header truncated')
  const cbKey = r.u32()
  checkFfcSize(cbKey, 'DSA v2')
  const hashAlgorithm = r.u32()
  const standardVersion = r.u32()
  const cbSeed = r.u32()
  const cbGroup = r.u32()
  if (hashAlgorithm > 2 || standardVersion > 1) throw new InvalidBlobError('DSA v2 blob: bad hash or FIPS version')
  if (cbGroup < 20 || cbGroup > 64 || cbSeed < 1 || cbSeed > 64) {
    throw new InvalidBlobError('DSA v2 blob: bad group or seed size')
  }
  const count = r.take(4)
  const priv = m === MAGIC.DPV2
  expectSize(r, 28 + cbSeed + cbGroup + 3 * cbKey + (priv ? cbGroup : 0), 'DSA v2')
  const seed = r.take(cbSeed)
  const q = r.take(cbGroup)
  const p = r.take(cbKey)
  const g = r.take(cbKey)
  const y = r.take(cbKey)
  const material: KeyMaterial = { type: 'DSA', p, q, g, y, hashAlgorithm, standardVersion }
  if (!(ALL_FF(count) && ALL_FF(seed))) {
    material.seed = seed
    material.counter = new DataView(count.buffer, count.byteOffset, 4).getUint32(0, false)
  }
  if (priv) material.x = r.take(cbGroup)
  r.end()
  return { kind: priv ? 'private' : 'public', magic: m, material }
}

function parseDh(r: Reader, m: number): ParsedBlob {
  const cb = r.u32()
  checkFfcSize(cb, 'DH')
  const priv = m === MAGIC.DHPV
  expectSize(r, 8 + cb * (priv ? 4 : 3), 'DH')
  const p = r.take(cb)
  const g = r.take(cb)
  const y = r.take(cb)
  const material: KeyMaterial = { type: 'DH', p, g, y }
  if (priv) material.x = r.take(cb)
  r.end()
  return { kind: priv ? 'private' : 'public', magic: m, material }
}

function parsePq(r: Reader, m: number): ParsedBlob {
  if (r.remaining() < 8) throw new InvalidBlobError('PQ blob header truncated')
  const cbSet = r.u32()
  const cbKey = r.u32()
  if (cbSet < 4 || cbSet > 16 || cbSet % 2 !== 0) throw new InvalidBlobError(`PQ blob: bad cbParameterSet ${cbSet}`)
  expectSize(r, 12 + cbSet + cbKey, 'PQ')
  const raw = r.take(cbSet)
  let set = ''
  for (let i = 0; i < raw.length - 2; i += 2) {
    if (raw[i + 1] !== 0) throw new InvalidBlobError('PQ blob: parameter set is not ASCII UTF-16')
    set += String.fromCharCode(raw[i] as number)
  }
  if (raw[raw.length - 1] !== 0 || raw[raw.length - 2] !== 0) {
    throw new InvalidBlobError('PQ blob: parameter set is not NUL-terminated')
  }
  const key = r.take(cbKey)
  r.end()
  const dsa = m === MAGIC.DSPK || m === MAGIC.DSSK || m === MAGIC.DSSS
  const kind: BlobKind =
    m === MAGIC.DSPK || m === MAGIC.MLKP ? 'public' : m === MAGIC.DSSS || m === MAGIC.MLKS ? 'seed' : 'private'
  if (dsa) {
    const sizes = ML_DSA_SIZES[set as MlDsaSet]
    if (!sizes) throw new InvalidBlobError(`ML-DSA blob: unknown parameter set '${set}'`)
    const want = kind === 'public' ? sizes.pub : kind === 'private' ? sizes.priv : 32
    if (cbKey !== want) throw new InvalidBlobError(`ML-DSA-${set} ${kind} key must be ${want} bytes, got ${cbKey}`)
    const material: KeyMaterial = { type: 'ML-DSA', parameterSet: set as MlDsaSet }
    material[kind === 'public' ? 'pub' : kind === 'private' ? 'priv' : 'seed'] = key
    return { kind, magic: m, material }
  }
  const sizes = ML_KEM_SIZES[set as MlKemSet]
  if (!sizes) throw new InvalidBlobError(`ML-KEM blob: unknown parameter set '${set}'`)
  const want = kind === 'public' ? sizes.pub : kind === 'private' ? sizes.priv : 64
  if (cbKey !== want) throw new InvalidBlobError(`ML-KEM-${set} ${kind} key must be ${want} bytes, got ${cbKey}`)
  const material: KeyMaterial = { type: 'ML-KEM', parameterSet: set as MlKemSet }
  material[kind === 'public' ? 'pub' : kind === 'private' ? 'priv' : 'seed'] = key
  return { kind, magic: m, material }
}

// --- writing -------------------------------------------------------------------

function u32(v: number): Uint8Array {
  const b = new Uint8Array(4)
  new DataView(b.buffer).setUint32(0, v >>> 0, true)
  return b
}

function field(v: Uint8Array | undefined, width: number, what: string): Uint8Array {
  if (!v) throw new InvalidBlobError(`missing ${what}`)
  const p = padTo(v, width)
  if (!p) throw new InvalidBlobError(`${what} does not fit ${width} bytes`)
  return p
}

function utf16z(s: string): Uint8Array {
  const out = new Uint8Array((s.length + 1) * 2)
  for (let i = 0; i < s.length; i++) out[i * 2] = s.charCodeAt(i)
  return out
}

/**
 * Writes material as a CNG blob of the given kind (private RSA is always the
 * full private blob, RSA3). The exact inverse of parseBlob for every blob
 * this package produces.
 */
export function writeBlob(m: KeyMaterial, kind: BlobKind): Uint8Array {
  if (typeof m !== 'object' || m === null) throw new InvalidBlobError('writeBlob needs key material (an object)')
  if (kind !== 'public' && kind !== 'private' && kind !== 'seed') {
    throw new InvalidBlobError("the blob kind must be 'public', 'private' or 'seed'")
  }
  if (m.type === 'EC' && !Object.hasOwn(EC_SIZES, m.curve)) throw new InvalidBlobError(`unknown EC curve '${m.curve}'`)
  if (m.type === 'EC' && m.usage !== 'ECDSA' && m.usage !== 'ECDH') {
    throw new InvalidBlobError("the EC usage must be 'ECDSA' or 'ECDH'")
  }
  if (m.type === 'OKP' && !Object.hasOwn(OKP_SIZES, m.curve))
    throw new InvalidBlobError(`unknown OKP curve '${m.curve}'`)
  if (kind === 'seed' && m.type !== 'ML-DSA' && m.type !== 'ML-KEM') {
    throw new InvalidBlobError('only ML-DSA and ML-KEM keys have a seed blob')
  }
  const priv = kind !== 'public'
  switch (m.type) {
    case 'RSA': {
      const bits = bitLength(m.n)
      const cbN = Math.ceil(bits / 8)
      const cbP = Math.ceil(bits / 16)
      const e = stripZeros(m.e)
      const head = [u32(priv ? MAGIC.RSA3 : MAGIC.RSA1), u32(bits), u32(e.length), u32(cbN)]
      head.push(u32(priv ? cbP : 0), u32(priv ? cbP : 0), e, field(m.n, cbN, 'n'))
      if (priv) {
        head.push(field(m.p, cbP, 'p'), field(m.q, cbP, 'q'), field(m.dp, cbP, 'dp'), field(m.dq, cbP, 'dq'))
        head.push(field(m.qi, cbP, 'qi'), field(m.d, cbN, 'd'))
      }
      return concat(head)
    }
    case 'EC': {
      const cb = EC_SIZES[m.curve]
      let mg: number
      if (m.curve === 'secp256k1') {
        mg = m.usage === 'ECDSA' ? (priv ? MAGIC.ECDV : MAGIC.ECDP) : priv ? MAGIC.ECKV : MAGIC.ECKP
      } else {
        const found = Object.entries(FIXED_EC).find(
          ([, v]) => v.curve === m.curve && v.usage === m.usage && v.private === priv,
        )
        mg = Number((found as [string, unknown])[0])
      }
      const parts = [u32(mg), u32(cb), field(m.x, cb, 'x'), field(m.y, cb, 'y')]
      if (priv) parts.push(field(m.d, cb, 'd'))
      return concat(parts)
    }
    case 'OKP': {
      const cb = OKP_SIZES[m.curve]
      const signing = m.curve === 'Ed25519' || m.curve === 'Ed448'
      const mg = signing ? (priv ? MAGIC.ECDV : MAGIC.ECDP) : priv ? MAGIC.ECKV : MAGIC.ECKP
      const exact = (v: Uint8Array | undefined, what: string) => {
        if (!v || v.length !== cb) throw new InvalidBlobError(`${m.curve} ${what} must be ${cb} bytes`)
        return v
      }
      const parts = [u32(mg), u32(cb), exact(m.x, 'public key')]
      if (priv) parts.push(exact(m.d, 'private key'))
      return concat(parts)
    }
    case 'DSA': {
      const cbKey = Math.ceil(bitLength(m.p) / 8)
      const v2 = cbKey > 128
      const cbGroup = v2 ? Math.ceil(bitLength(m.q) / 8) : 20
      const count = new Uint8Array(4).fill(0xff)
      if (m.seed && m.counter !== undefined) new DataView(count.buffer).setUint32(0, m.counter, false)
      const cbSeed = v2 ? (m.seed?.length ?? cbGroup) : 20
      const seed = m.seed ? field(m.seed, cbSeed, 'seed') : new Uint8Array(cbSeed).fill(0xff)
      const body = [field(m.p, cbKey, 'p'), field(m.g, cbKey, 'g'), field(m.y, cbKey, 'y')]
      if (priv) body.push(field(m.x, cbGroup, 'x'))
      if (!v2) {
        return concat([u32(priv ? MAGIC.DSPV : MAGIC.DSPB), u32(cbKey), count, seed, field(m.q, 20, 'q'), ...body])
      }
      const hash = m.hashAlgorithm ?? (cbGroup >= 32 ? 1 : 0)
      const head = [u32(priv ? MAGIC.DPV2 : MAGIC.DPB2), u32(cbKey), u32(hash), u32(m.standardVersion ?? 1)]
      head.push(u32(cbSeed), u32(cbGroup), count, seed, field(m.q, cbGroup, 'q'))
      return concat([...head, ...body])
    }
    case 'DH': {
      const cb = Math.ceil(bitLength(m.p) / 8)
      const parts = [u32(priv ? MAGIC.DHPV : MAGIC.DHPB), u32(cb), field(m.p, cb, 'p'), field(m.g, cb, 'g')]
      parts.push(field(m.y, cb, 'y'))
      if (priv) parts.push(field(m.x, cb, 'x'))
      return concat(parts)
    }
    case 'ML-DSA':
    case 'ML-KEM': {
      const dsa = m.type === 'ML-DSA'
      const key = kind === 'public' ? m.pub : kind === 'private' ? m.priv : m.seed
      if (!key) throw new InvalidBlobError(`the ${m.type} material has no ${kind} key`)
      const mg =
        kind === 'public'
          ? dsa
            ? MAGIC.DSPK
            : MAGIC.MLKP
          : kind === 'private'
            ? dsa
              ? MAGIC.DSSK
              : MAGIC.MLKR
            : dsa
              ? MAGIC.DSSS
              : MAGIC.MLKS
      const set = utf16z(m.parameterSet)
      return concat([u32(mg), u32(set.length), u32(key.length), set, key])
    }
    default:
      throw new InvalidBlobError(`unknown key material type ${describeValue((m as { type?: unknown }).type)}`)
  }
}
