/**
 * Keys kept by the platform: created once in the TPM (or, on Windows, the
 * key storage providers) and opened by name in any later process. They do
 * every operation of a KeyPair and are never extractable: their private part
 * stays in the store.
 *
 * Whether the provider keeps keys by name itself is a capability of the
 * native store (Windows NCrypt: yes); when it does not (the TPM through
 * OpenSSL), the TPM-wrapped blob it returns is kept in a record file
 * (tpm-records.ts). This module branches on that capability, not on the platform.
 */
import {
  describeValue,
  fromNative,
  InvalidRequestError,
  KeyExistsError,
  KeyLengthError,
  NotSupportedOnPlatformError,
  PlatformKeygenError,
  StoreCorruptError,
  UnsupportedAlgorithmError,
  UnsupportedOperationError,
} from '../errors.js'
import { parseBlob } from '../formats/blob.js'
import { bitLength, wipe } from '../formats/bytes.js'
import { capabilities, resolveSpec } from '../generate/index.js'
import { KeyPair } from '../keypair.js'
import { type NativeKey, type NativeSpec, native } from '../native.js'
import { ALGORITHMS, type Algorithm, type Curve, keyLengthTable } from '../registry.js'
import { checkName, checkOptions, isHandleName } from './names.js'
import {
  deleteRecord,
  hasRecord,
  listRecords,
  RECORD_FORMAT,
  readRecord,
  recordPath,
  tpmDirectory,
  tss2Der,
  tss2Pem,
  writeRecord,
} from './tpm-records.js'

export type KeyStoreName = 'tpm' | 'software'
export type KeyScope = 'user' | 'machine'

interface NativeStoreRef {
  store: string
  scope?: string
  name?: string
}

interface NativeStoreProbe {
  store: string
  available: boolean
  keepsNames: boolean
  note?: string
  algorithms: string[]
  rsaLengths: number[]
}

/** The store functions of the addon (native/addon.cc, "keys kept by the platform"). */
interface StoreBinding {
  createStoredKey(
    spec: NativeSpec,
    ref: NativeStoreRef,
    overwrite: boolean,
  ): Promise<{ key: NativeKey; persisted?: Uint8Array }>
  openStoredKey(ref: NativeStoreRef, expect?: NativeSpec, persisted?: Uint8Array): Promise<NativeKey>
  deleteStoredKey(ref: NativeStoreRef): Promise<void>
  listStoredKeys(ref: NativeStoreRef): Promise<{ name: string; algorithm: string; length?: number; scope: string }[]>
  probeStore(store: string): Promise<NativeStoreProbe>
  storeKeepsNames(store: string): boolean
}

function binding(): StoreBinding {
  return native() as unknown as StoreBinding
}

/** The TPM2 provider reads TPM2OPENSSL_TCTI; the TSS tools read TSS2_TCTI / TPM2TOOLS_TCTI. One setting serves all. */
function shareTcti(): void {
  if (process.env.TPM2OPENSSL_TCTI) return
  const tcti = process.env.TSS2_TCTI || process.env.TPM2TOOLS_TCTI
  if (tcti) process.env.TPM2OPENSSL_TCTI = tcti
}

async function nativeCall<T>(fn: () => Promise<T>): Promise<T> {
  shareTcti()
  try {
    return await fn()
  } catch (err) {
    throw fromNative(err)
  }
}

/**
 * The algorithms the platform stores make: RSA and the registry's fixed-curve algorithms
 * (ECDSA and ECDH on P-256, P-384, P-521), what a TPM 2.0 and Windows' key storage providers have.
 */
export const PLATFORM_KEY_ALGORITHMS: readonly Algorithm[] = Object.freeze(
  ALGORITHMS.filter((a) => a === 'RSA' || keyLengthTable[a].curve !== undefined),
)

/** What a store makes: the key-length table narrowed by the store. */
const STORE_TABLE: Record<KeyStoreName, { algorithms: readonly Algorithm[]; rsaLengths: readonly number[] }> = {
  tpm: { algorithms: PLATFORM_KEY_ALGORITHMS, rsaLengths: [2048, 3072] },
  software: { algorithms: PLATFORM_KEY_ALGORITHMS, rsaLengths: [2048, 3072, 4096] },
}

function checkStore(store: unknown): KeyStoreName {
  if (store !== 'tpm' && store !== 'software') {
    throw new InvalidRequestError(`store must be 'tpm' or 'software', not ${describeValue(store)}`)
  }
  return store
}

function checkScope(scope: unknown): KeyScope {
  if (scope === undefined) return 'user'
  if (scope !== 'user' && scope !== 'machine') {
    throw new InvalidRequestError(`scope must be 'user' or 'machine', not ${describeValue(scope)}`)
  }
  return scope
}

/** A key kept by the platform: a KeyPair (never extractable) with its name and store. */
export class PlatformKey extends KeyPair {
  readonly name: string
  readonly store: KeyStoreName
  readonly scope: KeyScope

  /** @internal */
  constructor(
    handle: NativeKey,
    info: { algorithm: Algorithm; length: number; curve?: Curve },
    where: { name: string; store: KeyStoreName; scope: KeyScope },
  ) {
    super(handle, { ...info, provider: capabilities().provider }, false)
    this.name = where.name
    this.store = where.store
    this.scope = where.scope
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), type: 'platform-key', name: this.name, store: this.store, scope: this.scope }
  }
}

export interface CreateKeyOptions {
  /** The key's name in the store (letters, digits, '.', '_', '-'; at most 128). */
  name: string
  store: KeyStoreName
  /** ECDSA_P256, ECDH_P384, RSA, ... (or ECDSA / ECDH with a curve). */
  algorithm: Algorithm | string
  /** RSA: 2048 (default) or 3072. */
  length?: number
  curve?: Curve | string
  /** Windows: 'user' (default) or 'machine'. */
  scope?: KeyScope
  /** Replace a key of the same name (default: ERR_KEY_EXISTS). */
  overwrite?: boolean
  /**
   * Windows software store only: the key's NCRYPT_EXPORT_POLICY_PROPERTY allows export (by Windows' own tools,
   * e.g. for a backup); this package still never exports its private part. A TPM key is never extractable.
   */
  extractable?: boolean
}

export interface KeyRef {
  store: KeyStoreName
  scope?: KeyScope
}

export interface OpenKeyOptions extends KeyRef {
  /** A persistent TPM handle's algorithm, when it is an ECDH key (default: ECDSA for EC keys). */
  algorithm?: Algorithm
}

function info(
  algorithm: Algorithm,
  length: number,
  curve?: Curve,
): { algorithm: Algorithm; length: number; curve?: Curve } {
  return curve ? { algorithm, length, curve } : { algorithm, length }
}

/** Creates a key in the store under `name`. Non-extractable. */
export async function createKey(options: CreateKeyOptions): Promise<PlatformKey> {
  const o = checkOptions(
    options,
    ['name', 'store', 'algorithm', 'length', 'curve', 'scope', 'overwrite', 'extractable'],
    'createKey',
  )
  const name = checkName(o.name)
  const store = checkStore(o.store)
  const scope = checkScope(o.scope)
  if (o.overwrite !== undefined && typeof o.overwrite !== 'boolean') {
    throw new InvalidRequestError('overwrite must be a boolean')
  }
  if (o.extractable !== undefined && typeof o.extractable !== 'boolean') {
    throw new InvalidRequestError('extractable must be a boolean')
  }
  if (o.extractable && store === 'tpm') {
    throw new NotSupportedOnPlatformError('a TPM key is never extractable: its private part never leaves the TPM')
  }
  const spec: Record<string, unknown> = { algorithm: o.algorithm, extractable: o.extractable === true }
  const table = STORE_TABLE[store]
  if (o.algorithm === 'RSA') spec.length = o.length ?? 2048
  else if (o.length !== undefined) spec.length = o.length
  if (o.curve !== undefined) spec.curve = o.curve
  const resolved = resolveSpec(spec as never)
  if (!table.algorithms.includes(resolved.algorithm)) {
    throw new UnsupportedAlgorithmError(
      `the ${store} store makes ${table.algorithms.join(', ')} keys, not ${resolved.algorithm}${resolved.curve ? ` ${resolved.curve}` : ''}`,
    )
  }
  if (resolved.algorithm === 'RSA' && !table.rsaLengths.includes(resolved.length)) {
    throw new KeyLengthError(
      `the ${store} store makes RSA keys of ${table.rsaLengths.join(' or ')} bits, not ${resolved.length}`,
    )
  }
  const b = binding()
  const keepsNames = b.storeKeepsNames(store)
  const overwrite = o.overwrite === true
  if (!keepsNames && !overwrite && (await hasRecord(name))) {
    throw new KeyExistsError(`a ${store} key named '${name}' exists; pass overwrite: true to replace it`)
  }
  const made = await nativeCall(() => b.createStoredKey(resolved.native, { store, scope, name }, overwrite))
  const key = new PlatformKey(made.key, info(resolved.algorithm, resolved.length, resolved.curve), {
    name,
    store,
    scope,
  })
  if (keepsNames) return key
  const persisted = made.persisted
  if (!persisted) {
    key.destroy()
    throw new PlatformKeygenError(`the ${store} store returned no key blob`)
  }
  const record = {
    format: RECORD_FORMAT,
    name,
    algorithm: resolved.algorithm,
    length: resolved.length,
    ...(resolved.curve ? { curve: resolved.curve } : {}),
    scope: 'user' as const,
    created: new Date().toISOString(),
    tss2: tss2Pem(persisted),
  }
  wipe(persisted)
  try {
    await writeRecord(record, overwrite)
  } catch (err) {
    key.destroy()
    throw err
  }
  return key
}

/** Opens a key created earlier (in any process) by name; on the TPM also `handle:0x81xxxxxx`. */
export async function openKey(name: string, options: OpenKeyOptions): Promise<PlatformKey> {
  const o = checkOptions(options, ['store', 'scope', 'algorithm'], 'openKey')
  const store = checkStore(o.store)
  const scope = checkScope(o.scope)
  const checked = checkName(name, { allowHandle: store === 'tpm' })
  const b = binding()
  if (isHandleName(checked) || b.storeKeepsNames(store)) {
    const expect = o.algorithm === undefined ? undefined : resolveSpec({ algorithm: o.algorithm as string }).native
    const handle = await nativeCall(() => b.openStoredKey({ store, scope, name: checked }, expect))
    return wrapOpened(handle, checked, store, scope)
  }
  const record = await readRecord(checked)
  const der = tss2Der(record.tss2) as Uint8Array // checked by readRecord
  const expect: NativeSpec = { algorithm: record.algorithm, length: record.length, extractable: false }
  let handle: NativeKey
  try {
    handle = await nativeCall(() => b.openStoredKey({ store, scope, name: checked }, expect, der))
  } catch (err) {
    const native = (err as { cause?: { code?: unknown } }).cause
    if (native?.code === 'ERR_STORE_CORRUPT') {
      throw new StoreCorruptError((err as Error).message, recordPath(checked), { cause: err })
    }
    throw err
  } finally {
    wipe(der)
  }
  return new PlatformKey(handle, info(record.algorithm, record.length, record.curve), { name: checked, store, scope })
}

function wrapOpened(handle: NativeKey, name: string, store: KeyStoreName, scope: KeyScope): PlatformKey {
  // A key found by handle: what it is comes from its public blob.
  const m = parseBlob(handle.exportBlob('public')).material
  if (m.type === 'RSA') return new PlatformKey(handle, info('RSA', bitLength(m.n)), { name, store, scope })
  if (m.type !== 'EC' || !['P-256', 'P-384', 'P-521'].includes(m.curve)) {
    handle.destroy()
    throw new UnsupportedAlgorithmError(`${name} is not an RSA or NIST-curve key`)
  }
  const size = m.curve.slice(2)
  const algorithm = `${m.usage}_P${size}` as Algorithm
  return new PlatformKey(handle, info(algorithm, Number(size), m.curve), { name, store, scope })
}

export interface ListedKey {
  name: string
  algorithm: Algorithm
  /** RSA: the modulus bits. */
  length?: number
  /** EC keys. */
  curve?: Curve
  store: KeyStoreName
  scope: KeyScope
}

function isOpenableName(name: string): boolean {
  try {
    checkName(name)
    return true
  } catch {
    return false
  }
}

/**
 * The keys of a store, by name (TPM persistent handles are not listed: use tpm2_getcap handles-persistent).
 * A store that keeps names itself (Windows) may hold keys of other programs: listed are the RSA and NIST-curve
 * keys whose names openKey takes.
 */
export async function listKeys(options: KeyRef): Promise<ListedKey[]> {
  const o = checkOptions(options, ['store', 'scope'], 'listKeys')
  const store = checkStore(o.store)
  const scope = checkScope(o.scope)
  const b = binding()
  if (store === 'software' || b.storeKeepsNames(store)) {
    const listed = await nativeCall(() => b.listStoredKeys({ store, scope }))
    return listed
      .filter((k) => isOpenableName(k.name))
      .map((k) => {
        const curve = keyLengthTable[k.algorithm as Algorithm]?.curve // the fixed-curve algorithms' one curve
        return {
          name: k.name,
          algorithm: k.algorithm as Algorithm,
          ...(curve ? { curve } : k.length ? { length: k.length } : {}),
          store,
          scope: k.scope as KeyScope,
        }
      })
  }
  const { records } = await listRecords()
  return records.map((r) => ({
    name: r.name,
    algorithm: r.algorithm,
    ...(r.curve ? { curve: r.curve } : { length: r.length }),
    store,
    scope: r.scope,
  }))
}

/** Deletes a key from the store. */
export async function deleteKey(name: string, options: KeyRef): Promise<void> {
  const o = checkOptions(options, ['store', 'scope'], 'deleteKey')
  const store = checkStore(o.store)
  const scope = checkScope(o.scope)
  const checked = checkName(name, { allowHandle: store === 'tpm' })
  if (isHandleName(checked)) {
    throw new UnsupportedOperationError(
      `${checked} is a TPM persistent handle: evict it with tpm2_evictcontrol -c ${checked.slice(7)}`,
    )
  }
  const b = binding()
  if (store === 'software' || b.storeKeepsNames(store)) {
    await nativeCall(() => b.deleteStoredKey({ store, scope, name: checked }))
    return
  }
  await deleteRecord(checked)
}

export interface StoreCapabilities {
  store: KeyStoreName
  available: boolean
  /** The provider keeps keys by name itself (else this package keeps the wrapped blobs in files). */
  keepsNames: boolean
  /** Why the store is not available (what to install or set). */
  note?: string
  /** What the store makes, probed (on a TPM: by making a throwaway key of each kind). */
  algorithms: Algorithm[]
  rsaLengths: number[]
  /** Where the key records are kept, for stores that keep no names. */
  directory?: string
}

const probed = new Map<KeyStoreName, Promise<StoreCapabilities>>()

/** What the store can do, probed once per process (a TPM takes a few seconds: it makes throwaway keys). */
export function storeCapabilities(store: KeyStoreName): Promise<StoreCapabilities> {
  const s = checkStore(store)
  let p = probed.get(s)
  if (!p) {
    p = nativeCall(() => binding().probeStore(s)).then((c) => {
      const out: StoreCapabilities = {
        store: s,
        available: c.available,
        keepsNames: c.keepsNames,
        algorithms: c.algorithms.filter((a) => STORE_TABLE[s].algorithms.includes(a as Algorithm)) as Algorithm[],
        rsaLengths: c.rsaLengths.filter((l) => STORE_TABLE[s].rsaLengths.includes(l)),
      }
      if (c.note) out.note = c.note
      if (!c.keepsNames) out.directory = tpmDirectory()
      if (!c.available) probed.delete(s) // the TPM may be started later
      return out
    })
    probed.set(s, p)
  }
  return p
}
