/**
 * A minimal ASN.1 DER writer and reader: just what PKCS#1/#8, SPKI and SEC1
 * need. The writer builds a small tree of values and encodes it once into a
 * single buffer (no intermediate copies).
 */
import { secretBytes } from './bytes.js'

/** A DER value to be encoded: raw bytes, or a tag over its children. */
export type DerValue = Uint8Array | DerNode

export interface DerNode {
  readonly tag: number
  readonly children: readonly DerValue[]
  /** Length of the content octets. */
  readonly length: number
}

function lengthOfLength(n: number): number {
  if (n < 0x80) return 1
  let bytes = 0
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes++
  return 1 + bytes
}

/** The encoded size of a value. */
export function encodedSize(v: DerValue): number {
  return v instanceof Uint8Array ? v.length : 1 + lengthOfLength(v.length) + v.length
}

export function tlv(tag: number, ...children: DerValue[]): DerNode {
  let length = 0
  for (const c of children) length += encodedSize(c)
  return { tag, children, length }
}

function write(v: DerValue, out: Uint8Array, at: number): number {
  if (v instanceof Uint8Array) {
    out.set(v, at)
    return at + v.length
  }
  out[at++] = v.tag
  const ll = lengthOfLength(v.length)
  if (ll === 1) {
    out[at++] = v.length
  } else {
    out[at++] = 0x80 | (ll - 1)
    for (let i = ll - 2; i >= 0; i--) out[at++] = Math.floor(v.length / 256 ** i) & 0xff
  }
  for (const c of v.children) at = write(c, out, at)
  return at
}

/** Encodes a value tree into one buffer. */
export function encode(v: DerValue): Uint8Array {
  // Off the V8 heap (see secretBytes): a private key's DER must not move when its .buffer is read.
  const out = secretBytes(encodedSize(v))
  write(v, out, 0)
  return out
}

const SCRATCH_MAX = 16384
let scratch: Uint8Array | undefined

/**
 * Encodes a value tree into a scratch buffer that is reused, hands `use` a
 * view of the encoding, and wipes it before returning (or throwing): for a
 * DER that only passes through (a PEM's base64), without a new off-heap
 * buffer per key. `use` must not keep the view. Trees above 16 KiB get a
 * buffer of their own, wiped the same way.
 */
export function withEncoded<T>(v: DerValue, use: (der: Uint8Array) => T): T {
  const n = encodedSize(v)
  let out: Uint8Array
  if (n > SCRATCH_MAX) {
    out = secretBytes(n)
  } else {
    if (!scratch || scratch.length < n) scratch = secretBytes(Math.min(SCRATCH_MAX, Math.max(n, 1024)))
    out = scratch.subarray(0, n)
  }
  try {
    write(v, out, 0)
    return use(out)
  } finally {
    out.fill(0)
  }
}

export const sequence = (...items: DerValue[]): DerNode => tlv(0x30, ...items)
export const octetString = (b: DerValue): DerNode => tlv(0x04, b)
const ZERO_UNUSED_BITS = Uint8Array.of(0)
/** BIT STRING with no unused bits over the concatenation of `parts`. */
export const bitString = (...parts: DerValue[]): DerNode => tlv(0x03, ZERO_UNUSED_BITS, ...parts)
const NULL = Uint8Array.of(0x05, 0x00)
export const nullValue = (): Uint8Array => NULL
/** Context-specific constructed [n] EXPLICIT. */
export const explicit = (n: number, inner: DerValue): DerNode => tlv(0xa0 | n, inner)
/** Context-specific primitive [n] IMPLICIT (over a primitive type such as OCTET STRING). */
export const implicitPrimitive = (n: number, b: Uint8Array): DerNode => tlv(0x80 | n, b)

const ZERO = Uint8Array.of(0)

/** INTEGER from an unsigned big-endian magnitude. */
export function unsignedInteger(b: Uint8Array): DerNode {
  let i = 0
  while (i < b.length - 1 && b[i] === 0) i++
  const s = b.length === 0 ? ZERO : b.subarray(i)
  return (s[0] as number) & 0x80 ? tlv(0x02, ZERO, s) : tlv(0x02, s)
}

const SMALL_INTEGERS = new Map<number, Uint8Array>()
/** INTEGER 0…127, encoded once. */
export function smallInteger(n: number): Uint8Array {
  let v = SMALL_INTEGERS.get(n)
  if (!v) {
    v = encode(unsignedInteger(Uint8Array.of(n)))
    SMALL_INTEGERS.set(n, v)
  }
  return v
}

const OIDS = new Map<string, Uint8Array>()
/** OBJECT IDENTIFIER from dotted form, encoded once per OID. */
export function oid(dotted: string): Uint8Array {
  const cached = OIDS.get(dotted)
  if (cached) return cached
  const parts = dotted.split('.').map(Number)
  const first = parts[0] as number
  const second = parts[1] as number
  const out: number[] = [first * 40 + second]
  for (const p of parts.slice(2)) {
    const stack: number[] = [p & 0x7f]
    for (let v = Math.floor(p / 128); v > 0; v = Math.floor(v / 128)) stack.unshift((v & 0x7f) | 0x80)
    out.push(...stack)
  }
  const encoded = encode(tlv(0x06, Uint8Array.from(out)))
  OIDS.set(dotted, encoded)
  return encoded
}

// --- reading -----------------------------------------------------------------

export interface Node {
  tag: number
  /** The content octets. */
  value: Uint8Array
  /** The whole TLV. */
  raw: Uint8Array
}

export class DerError extends Error {}

/** Reads one TLV at `offset`; strict DER lengths, bounds-checked. */
export function readNode(buf: Uint8Array, offset = 0): Node & { end: number } {
  if (offset + 2 > buf.length) throw new DerError('truncated DER')
  const tag = buf[offset] as number
  if ((tag & 0x1f) === 0x1f) throw new DerError('multi-byte tags are not used here')
  let len = buf[offset + 1] as number
  let pos = offset + 2
  if (len & 0x80) {
    const n = len & 0x7f
    if (n === 0 || n > 4) throw new DerError('unsupported DER length')
    if (pos + n > buf.length) throw new DerError('truncated DER length')
    len = 0
    for (let i = 0; i < n; i++) len = len * 256 + (buf[pos + i] as number)
    if (len < 0x80 || (n > 1 && buf[pos] === 0)) throw new DerError('non-minimal DER length')
    pos += n
  }
  if (pos + len > buf.length) throw new DerError('DER value runs past its buffer')
  return { tag, value: buf.subarray(pos, pos + len), raw: buf.subarray(offset, pos + len), end: pos + len }
}

/** The children of a constructed value. */
export function children(value: Uint8Array): Node[] {
  const out: Node[] = []
  let pos = 0
  while (pos < value.length) {
    const n = readNode(value, pos)
    out.push(n)
    pos = n.end
  }
  return out
}

/** Reads exactly one TLV spanning the whole buffer. */
export function readOne(buf: Uint8Array): Node {
  const n = readNode(buf, 0)
  if (n.end !== buf.length) throw new DerError('trailing bytes after DER value')
  return n
}

export function expectTag(n: Node | undefined, tag: number, what: string): Node {
  if (!n || n.tag !== tag) throw new DerError(`expected ${what}`)
  return n
}

/** INTEGER content as an unsigned magnitude (no sign byte). */
export function integerValue(n: Node | undefined, what: string): Uint8Array {
  const v = expectTag(n, 0x02, what).value
  if (v.length === 0 || ((v[0] as number) & 0x80) !== 0) throw new DerError(`${what} must be a non-negative INTEGER`)
  return v[0] === 0 && v.length > 1 ? v.subarray(1) : v
}

export function oidString(n: Node | undefined): string {
  const v = expectTag(n, 0x06, 'OBJECT IDENTIFIER').value
  if (v.length === 0) throw new DerError('empty OBJECT IDENTIFIER')
  const first = v[0] as number
  const parts = [Math.min(2, Math.floor(first / 40)), first - Math.min(2, Math.floor(first / 40)) * 40]
  let acc = 0
  for (let i = 1; i < v.length; i++) {
    const b = v[i] as number
    acc = acc * 128 + (b & 0x7f)
    if (!(b & 0x80)) {
      parts.push(acc)
      acc = 0
    }
  }
  return parts.join('.')
}
