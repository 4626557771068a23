/** Byte helpers shared by the format converters. */

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0
  for (const p of parts) n += p.length
  const out = new Uint8Array(n)
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

const B64URL = /^[A-Za-z0-9_-]*$/

/** Strict base64url decoding (no padding, no other characters). */
export function fromB64url(s: string): Uint8Array | undefined {
  if (typeof s !== 'string' || !B64URL.test(s) || s.length % 4 === 1) return undefined
  return new Uint8Array(Buffer.from(s, 'base64url'))
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
  const out = new Uint8Array(width)
  out.set(s, width - s.length)
  return out
}

export function bitLength(b: Uint8Array): number {
  const s = stripZeros(b)
  if (s.length === 0 || (s.length === 1 && s[0] === 0)) return 0
  return (s.length - 1) * 8 + (32 - Math.clz32(s[0] as number))
}

export function toBigInt(b: Uint8Array): bigint {
  return b.length === 0 ? 0n : BigInt(`0x${Buffer.from(b).toString('hex')}`)
}

export function fromBigInt(v: bigint, width?: number): Uint8Array {
  let hex = v.toString(16)
  if (hex.length % 2) hex = `0${hex}`
  const raw = new Uint8Array(Buffer.from(hex, 'hex'))
  if (width === undefined) return raw
  const padded = padTo(raw, width)
  if (!padded) throw new RangeError('value does not fit its width')
  return padded
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
