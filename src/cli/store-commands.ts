/**
 * Managing a JwkStore from the command line:
 *
 *   jwk get NAME --store FILE      the key: {privateJwk, publicJwk, metadata} (--public: the public JWK only;
 *                                  --out FILE: to FILE)
 *   jwk remove NAME --store FILE   removes it
 *   jwk rotate NAME --store FILE   a new key of the same kind under NAME; the old one is kept as
 *                                  NAME@<time of rotation> and published until its exp
 *   jwks --list --store FILE       one JSON line per key: name, kid, status (valid, expired, not-yet-valid), ...
 */
import { type GenerateJwkRequest, generateJwk } from '../apinizer/generate-jwk.js'
import { InvalidRequestError } from '../errors.js'
import { type JwkStore, validity } from '../store/jwk-store.js'
import { stringOption, type Values } from './command.js'
import { checkTargets } from './files.js'
import { emit, jsonLine, jsonText, print, privateJwkText } from './output.js'
import { checkEncryptable } from './passphrase.js'
import { asUsage, EXIT_OK } from './report.js'

export const STORE_SUBCOMMANDS = ['get', 'remove', 'rotate'] as const
export type StoreSubcommand = (typeof STORE_SUBCOMMANDS)[number]

const usage = (message: string): never => {
  throw asUsage(new InvalidRequestError(message))
}

const PARAMS_KEY: Record<string, string> = { RSA: 'rsa', EC: 'ec', OCT: 'oct', OKP: 'okp' }

/** The request that makes a key like the one whose metadata this is, valid from now for as long as it was. */
export function rotationRequest(metadata: Record<string, unknown>, now: Date): GenerateJwkRequest {
  const type = metadata.type
  if (typeof type !== 'string' || !Object.hasOwn(PARAMS_KEY, type)) {
    throw new InvalidRequestError('the stored metadata has no JWK type (RSA, EC, OCT, OKP): it was not made by jwk')
  }
  const params: Record<string, unknown> = {}
  for (const k of ['keySize', 'curveType', 'keyUseType', 'algorithm', 'keyIdType'] as const) {
    if (metadata[k] !== undefined) params[k] = metadata[k]
  }
  const lifetime =
    typeof metadata.nbf === 'number' && typeof metadata.exp === 'number' && metadata.exp > metadata.nbf
      ? (metadata.exp - metadata.nbf) * 1000
      : undefined
  params.notBeforeTime = now.toISOString()
  if (lifetime !== undefined) params.expirationTime = new Date(now.getTime() + lifetime).toISOString()
  const request: Record<string, unknown> = { name: metadata.name, type, [PARAMS_KEY[type] as string]: params }
  if (typeof metadata.description === 'string') request.description = metadata.description
  return request as unknown as GenerateJwkRequest
}

/** Runs `jwk get|remove|rotate NAME` on an open store. */
export async function runStoreSubcommand(
  sub: StoreSubcommand,
  name: string,
  store: JwkStore,
  storeFile: string,
  values: Values,
  passphrase: string | undefined,
): Promise<number> {
  const out = stringOption(values, 'out')
  const force = values.force === true
  if (sub !== 'get' && (out !== undefined || values.public === true))
    usage(`--out and --public are for jwk get, not ${sub}`)
  if (sub === 'get') {
    if (values.public === true) {
      checkEncryptable(values.encrypt === true, true)
      if (out !== undefined) checkTargets([out], force)
      const entry = (await store.list()).find((e) => e.name === name)
      if (!entry) await store.get(name) // the store's own "is not found!" error
      if (!entry?.publicJwk) usage(`${name} is an OCT secret: it has no public JWK`)
      emit(jsonText(entry?.publicJwk), { out, secret: false, force })
      if (out !== undefined) print(jsonLine({ public: out, store: storeFile, metadata: entry?.metadata }))
      return EXIT_OK
    }
    if (out !== undefined) checkTargets([out], force)
    const record = await store.get(name)
    if (out === undefined) {
      print(jsonText({ privateJwk: record.privateJwk, publicJwk: record.publicJwk, metadata: record.metadata }))
      return EXIT_OK
    }
    const protect = values.encrypt === true ? passphrase : undefined
    emit(privateJwkText(record.privateJwk, protect), { out, secret: true, force })
    print(jsonLine({ private: out, store: storeFile, metadata: record.metadata }))
    return EXIT_OK
  }
  if (sub === 'remove') {
    await store.remove(name)
    print(jsonLine({ removed: name, store: storeFile }))
    return EXIT_OK
  }
  const old = (await store.list()).find((e) => e.name === name)
  if (!old) await store.get(name) // "is not found!"
  const now = new Date()
  const next = await generateJwk(rotationRequest((old as { metadata: Record<string, unknown> }).metadata, now), { now })
  const retiredName = `${name}@${now.toISOString()}`
  await store.rotate(name, next, retiredName)
  print(jsonLine({ rotated: name, retired: retiredName, store: storeFile, metadata: next.metadata }))
  return EXIT_OK
}

/** `jwks --list`: one JSON line per key of the store, with its validity now. */
export async function listStore(store: JwkStore): Promise<number> {
  const now = new Date()
  for (const e of await store.list()) {
    const line: Record<string, unknown> = { name: e.name }
    if (e.kid !== undefined) line.kid = e.kid
    line.type = e.metadata.type
    if (e.metadata.alg !== undefined) line.alg = e.metadata.alg
    line.status = validity(e, now)
    if (e.metadata.notBefore !== undefined) line.notBefore = e.metadata.notBefore
    if (e.metadata.expiration !== undefined) line.expiration = e.metadata.expiration
    if (e.metadata.retiredAt !== undefined) line.retiredAt = e.metadata.retiredAt
    line.encrypted = e.encrypted
    print(jsonLine(line))
  }
  return EXIT_OK
}
