/**
 * Where TPM keys are kept by name. The TPM keeps no names (through OpenSSL's
 * tpm2 provider a key is a TPM-wrapped blob, usable only with this TPM), so
 * each key is a record file `$XDG_DATA_HOME/platform-keygen/tpm/NAME.json`
 * (default ~/.local/share), 0600 in a 0700 directory, written atomically.
 * The record holds the TSS2 PRIVATE KEY PEM, so `openssl pkey -provider tpm2
 * -in` can read it too.
 */
import { link, mkdir, readdir, readFile, stat, unlink } from 'node:fs/promises'
import { homedir } from 'node:os'
import { isAbsolute, join } from 'node:path'
import { KeyExistsError, KeyNotFoundError, StoreCorruptError } from '../errors.js'
import type { Algorithm, Curve } from '../registry.js'
import { fsyncDirectory, tempPathFor, writeFileAtomic, writeNewFile } from '../store/atomic.js'

export const RECORD_FORMAT = 'platform-keygen/tpm-key@1' as const

export interface TpmRecord {
  format: typeof RECORD_FORMAT
  name: string
  algorithm: Algorithm
  length: number
  curve?: Curve
  scope: 'user'
  created: string
  /** The TSS2 PRIVATE KEY (OID 2.23.133.10.1.3), PEM. */
  tss2: string
}

/** The directory of TPM key records. */
export function tpmDirectory(): string {
  const xdg = process.env.XDG_DATA_HOME
  const base = xdg && isAbsolute(xdg) ? xdg : join(homedir(), '.local', 'share')
  return join(base, 'platform-keygen', 'tpm')
}

export function recordPath(name: string): string {
  return join(tpmDirectory(), `${name}.json`)
}

const PEM_LABEL = 'TSS2 PRIVATE KEY'

export function tss2Pem(der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64')
  const lines = b64.match(/.{1,64}/g) ?? []
  return `-----BEGIN ${PEM_LABEL}-----\n${lines.join('\n')}\n-----END ${PEM_LABEL}-----\n`
}

export function tss2Der(pem: string): Uint8Array | undefined {
  const m = /^-----BEGIN TSS2 PRIVATE KEY-----\n([A-Za-z0-9+/=\n]+)-----END TSS2 PRIVATE KEY-----\n?$/.exec(pem)
  if (!m) return undefined
  const der = Buffer.from((m[1] as string).replace(/\n/g, ''), 'base64')
  return der.length > 0 ? new Uint8Array(der) : undefined
}

function corrupt(path: string, why: string): StoreCorruptError {
  return new StoreCorruptError(`the TPM key record ${path} is not valid: ${why}`, path)
}

function parseRecord(text: string, path: string, name: string): TpmRecord {
  let r: Record<string, unknown>
  try {
    r = JSON.parse(text) as Record<string, unknown>
  } catch {
    throw corrupt(path, 'not JSON')
  }
  if (typeof r !== 'object' || r === null || r.format !== RECORD_FORMAT) throw corrupt(path, `not ${RECORD_FORMAT}`)
  if (r.name !== name) throw corrupt(path, 'its name is not its file name')
  if (typeof r.algorithm !== 'string' || typeof r.length !== 'number' || typeof r.tss2 !== 'string') {
    throw corrupt(path, 'algorithm, length or tss2 missing')
  }
  if (!tss2Der(r.tss2)) throw corrupt(path, 'tss2 is not a TSS2 PRIVATE KEY PEM')
  return r as unknown as TpmRecord
}

export async function readRecord(name: string): Promise<TpmRecord> {
  const path = recordPath(name)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new KeyNotFoundError(`no TPM key named '${name}' (looked for ${path})`)
    }
    throw err
  }
  return parseRecord(text, path, name)
}

export async function hasRecord(name: string): Promise<boolean> {
  try {
    await stat(recordPath(name))
    return true
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false
    throw err
  }
}

/** Writes the record; without overwrite an existing name is ERR_KEY_EXISTS (checked atomically, by link()). */
export async function writeRecord(record: TpmRecord, overwrite: boolean): Promise<void> {
  const dir = tpmDirectory()
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const path = recordPath(record.name)
  const text = `${JSON.stringify(record, null, 2)}\n`
  if (overwrite) {
    await writeFileAtomic(path, text)
    return
  }
  const temp = tempPathFor(path, 'new')
  try {
    await writeNewFile(temp, text)
    await link(temp, path) // fails with EEXIST if the name was taken meanwhile
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new KeyExistsError(`a TPM key named '${record.name}' exists (${path}); pass overwrite: true to replace it`)
    }
    throw err
  } finally {
    await unlink(temp).catch(() => undefined)
  }
  await fsyncDirectory(dir)
}

export async function deleteRecord(name: string): Promise<void> {
  const path = recordPath(name)
  try {
    await unlink(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new KeyNotFoundError(`no TPM key named '${name}' (looked for ${path})`)
    }
    throw err
  }
  await fsyncDirectory(tpmDirectory())
}

/** Every record, by name; files that are not valid records are returned apart (listKeys leaves them out; openKey reports them). */
export async function listRecords(): Promise<{ records: TpmRecord[]; invalid: string[] }> {
  let files: string[]
  try {
    files = await readdir(tpmDirectory())
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], invalid: [] }
    throw err
  }
  const records: TpmRecord[] = []
  const invalid: string[] = []
  for (const f of files.sort()) {
    if (!f.endsWith('.json') || f.startsWith('.')) continue
    const name = f.slice(0, -'.json'.length)
    try {
      records.push(await readRecord(name))
    } catch (err) {
      if (!(err instanceof StoreCorruptError)) throw err
      invalid.push(name)
    }
  }
  return { records, invalid }
}
