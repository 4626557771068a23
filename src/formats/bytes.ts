/**
 * Byte helpers shared by the format converters.
 *
 * Buffers that may hold secrets are made by {@link secretBytes}: a
 * `new Uint8Array(n)` of up to 64 bytes lives inside the V8 heap, and the
 * first read of its `.buffer` (Buffer.from(b.buffer, ...) does it) moves its
 * bytes to a new backing store, leaving the old ones behind where no wipe
 * reaches them; an explicit ArrayBuffer is allocated outside the heap once
 * and never moves. For the same reason secrets are never copied with
 * Buffer.from(bytes) (small Buffers are slices of Node's shared pool) and
 * base64url is decoded into an unpooled buffer.
 */

/** A zeroed byte array that stays where it is, so that wiping it wipes the only copy. */
export function secretBytes(n: number): Uint8Array {
  return new Uint8Array(new ArrayBuffer(n))
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0
  for (const p of parts) n += p.length
  const out = secretBytes(n)
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

export function b64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url')
}

/** Standard base64 of the bytes themselves (a view, never a Buffer copy). */
export function b64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')
}

const B64URL = /^[A-Za-z0-9_-]*$/

/** Strict base64url decoding (no padding, no other characters). */
export function fromB64url(s: string): Uint8Array | undefined {
  if (typeof s !== 'string' || !B64URL.test(s) || s.length % 4 === 1) return undefined
  // Decoded straight into an unpooled buffer of exactly the decoded size: no copy is left behind.
  const out = Buffer.allocUnsafeSlow(Math.floor((s.length * 3) / 4))
  const n = out.write(s, 'base64url')
  return new Uint8Array(out.buffer, out.byteOffset, n)
}

/** Drops leading zero bytes (keeps one byte for zero). */
export function stripZeros(b: Uint8Array): Uint8Array {
  let i = 0
  while (i < b.length - 1 && b[i] === 0) i++
  return b.subarray(i)
}

/** Left-pads with zeros to `width`; undefined if the value does not fit. */
export function padTo(b: Uint8Array, width: number): Uint8Array | undefined {
  let i = 0
  while (i < b.length && b[i] === 0) i++
  const s = b.subarray(i)
  if (s.length > width) return undefined
  if (b.length === width) return b
  const out = secretBytes(width)
  out.set(s, width - s.length)
  return out
}

export function bitLength(b: Uint8Array): number {
  const s = stripZeros(b)
  if (s.length === 0 || (s.length === 1 && s[0] === 0)) return 0
  return (s.length - 1) * 8 + (32 - Math.clz32(s[0] as number))
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

/** The unsigned big-endian value (no Buffer copy of the bytes is made). */
export function toBigInt(b: Uint8Array): bigint {
  let hex = ''
  for (const x of b) hex += HEX[x] as string
  return hex === '' ? 0n : BigInt(`0x${hex}`)
}

export function fromBigInt(v: bigint, width?: number): Uint8Array {
  let hex = v.toString(16)
  if (hex.length % 2) hex = `0${hex}`
  const buf = Buffer.allocUnsafeSlow(hex.length / 2)
  buf.write(hex, 'hex')
  const raw = new Uint8Array(buf.buffer, buf.byteOffset, buf.length)
  if (width === undefined) return raw
  const padded = padTo(raw, width)
  if (!padded) throw new RangeError('value does not fit its width')
  return padded
}

/** A copy of secret bytes in a Buffer of its own (never a slice of Node's shared pool), for the caller to keep and wipe. */
export function ownedCopy(b: Uint8Array): Buffer {
  const out = Buffer.allocUnsafeSlow(b.length)
  out.set(b)
  return out
}

/** Best-effort wipe of a JS-side copy of secret bytes. */
export function wipe(...buffers: (Uint8Array | undefined)[]): void {
  for (const b of buffers) b?.fill(0)
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let d = 0
  for (let i = 0; i < a.length; i++) d |= (a[i] as number) ^ (b[i] as number)
  return d === 0
}
