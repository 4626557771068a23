/** A minimal ASN.1 DER writer and reader: just what PKCS#1/#8, SPKI and SEC1 need. */
import { concat } from './bytes.js'

function lengthBytes(n: number): Uint8Array {
  if (n < 0x80) return Uint8Array.of(n)
  const out: number[] = []
  for (let v = n; v > 0; v = Math.floor(v / 256)) out.unshift(v & 0xff)
  return Uint8Array.from([0x80 | out.length, ...out])
}

export function tlv(tag: number, ...content: Uint8Array[]): Uint8Array {
  const body = content.length === 1 ? (content[0] as Uint8Array) : concat(content)
  return concat([Uint8Array.of(tag), lengthBytes(body.length), body])
}

export const sequence = (...items: Uint8Array[]): Uint8Array => tlv(0x30, ...items)
export const octetString = (b: Uint8Array): Uint8Array => tlv(0x04, b)
export const bitString = (b: Uint8Array): Uint8Array => tlv(0x03, Uint8Array.of(0), b)
export const nullValue = (): Uint8Array => Uint8Array.of(0x05, 0x00)
/** Context-specific constructed [n] EXPLICIT. */
export const explicit = (n: number, inner: Uint8Array): Uint8Array => tlv(0xa0 | n, inner)
/** Context-specific primitive [n] IMPLICIT (over a primitive type such as OCTET STRING). */
export const implicitPrimitive = (n: number, b: Uint8Array): Uint8Array => tlv(0x80 | n, b)

/** INTEGER from an unsigned big-endian magnitude. */
export function unsignedInteger(b: Uint8Array): Uint8Array {
  let i = 0
  while (i < b.length - 1 && b[i] === 0) i++
  const s = b.length === 0 ? Uint8Array.of(0) : b.subarray(i)
  return (s[0] as number) & 0x80 ? tlv(0x02, Uint8Array.of(0), s) : tlv(0x02, s)
}

export const smallInteger = (n: number): Uint8Array => unsignedInteger(Uint8Array.of(n))

export function oid(dotted: string): Uint8Array {
  const parts = dotted.split('.').map(Number)
  const first = parts[0] as number
  const second = parts[1] as number
  const out: number[] = [first * 40 + second]
  for (const p of parts.slice(2)) {
    const stack: number[] = [p & 0x7f]
    for (let v = Math.floor(p / 128); v > 0; v = Math.floor(v / 128)) stack.unshift((v & 0x7f) | 0x80)
    out.push(...stack)
  }
  return tlv(0x06, Uint8Array.from(out))
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
