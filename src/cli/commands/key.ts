/** `key create|list|show|delete`: keys kept by the platform (the TPM; Windows' key storage). */
import { createInterface } from 'node:readline/promises'
import { InvalidRequestError } from '../../errors.js'
import { createKey, deleteKey, listKeys, openKey, type PlatformKey } from '../../platform-keys/index.js'
import { keySignature } from '../../registry.js'
import type { CommandDef, Values } from '../command.js'
import { flags } from '../flags.js'
import { algorithmOf, storeOf } from '../key-ref.js'
import { jsonText, print } from '../output.js'
import { asUsage, EXIT_OK, EXIT_RUNTIME, withFix } from '../report.js'

const ACTIONS = ['create', 'list', 'show', 'delete', 'jwks'] as const
const SHOW_FORMATS = ['all', 'jwk', 'pem', 'openssh', 'fingerprint'] as const

/** A string as a line, anything else as a JSON document. */
function show(v: unknown): void {
  print(typeof v === 'string' ? (v.endsWith('\n') ? v : `${v}\n`) : jsonText(v))
}

function summary(key: PlatformKey): Record<string, unknown> {
  return {
    name: key.name,
    store: key.store,
    scope: key.scope,
    algorithm: key.algorithm,
    length: key.length,
    ...(key.curve ? { curve: key.curve } : {}),
    thumbprint: key.publicKey.thumbprint(),
    jwk: { ...key.publicKey.export({ format: 'jwk' }), kid: key.publicKey.thumbprint() },
  }
}

function nameOf(values: Values, positionals: string[], action: string): string {
  const name = positionals[1] ?? values.name
  if (typeof name !== 'string') throw asUsage(new InvalidRequestError(`key ${action} needs a NAME (or --name)`))
  return name
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr })
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim())
  } finally {
    rl.close()
  }
}

export const KEY_COMMAND: CommandDef = {
  name: 'key',
  summary: 'Create, list, show and delete keys kept by the platform (the TPM on Linux).',
  usage: 'key create|list|show|delete|jwks [NAME] [options]',
  description:
    "Keys that live in the platform's key storage and never leave it: on Linux the TPM 2.0 (through OpenSSL's tpm2 provider; each key's TPM-wrapped blob is kept as $XDG_DATA_HOME/platform-keygen/tpm/NAME.json), on Windows the key storage providers (--store software: the Software Key Storage Provider; --store tpm: the Platform Crypto Provider; NCrypt keeps each key by name). show prints the public key as JWK, PEM, OpenSSH and its RFC 7638 thumbprint; jwks prints the JWK Set of the store's keys (or of NAME), each with kid, alg and use, to publish; use the key with `jwt sign`, `cert self-signed` and `csr` (--key tpm:NAME).",
  options: flags({
    store: 'the platform key store: tpm (default) or software',
    name: 'the key name (or give it after the action)',
    alg: 'create: ES256 (default), ES384, ES512, RS256 / PS256 (RSA), ECDH-ES, ECDH-P384, or a CNG id',
    bits: 'create, RSA: 2048 (default) or 3072',
    force: 'create: replace a key of the same name (the old key is lost)',
    format: 'show: all (default, JSON), jwk, pem, openssh or fingerprint',
    yes: 'delete without asking (required when stdin is not a terminal)',
  }),
  positionals: { min: 1, max: 2, name: 'an action: create, list, show, delete or jwks' },
  examples: [
    'platform-keygen key create --store tpm --name api-signing --alg ES256',
    'platform-keygen key list',
    'platform-keygen key show api-signing --format pem',
    'platform-keygen key jwks',
    'platform-keygen key delete api-signing --yes',
  ],
  async run(values, positionals) {
    const action = positionals[0] as (typeof ACTIONS)[number]
    if (!ACTIONS.includes(action)) {
      throw asUsage(new InvalidRequestError(`key ${JSON.stringify(action)}: the actions are ${ACTIONS.join(', ')}`))
    }
    const store = storeOf(values.store)
    if (action === 'list') {
      if (positionals.length > 1) throw asUsage(new InvalidRequestError('key list takes no NAME'))
      show(await listKeys({ store }))
      return EXIT_OK
    }
    if (action === 'jwks') {
      const only = positionals[1] ?? values.name
      const names = only === undefined ? (await listKeys({ store })).map((k) => k.name) : [only as string]
      const keys = []
      for (const n of names) {
        const key = await openKey(n, { store })
        try {
          keys.push(publishedJwk(key))
        } finally {
          key.destroy()
        }
      }
      show({ keys })
      return EXIT_OK
    }
    const name = nameOf(values, positionals, action)
    if (action === 'create') {
      const bits = values.bits === undefined ? undefined : Number(values.bits)
      if (bits !== undefined && !Number.isInteger(bits))
        throw asUsage(new InvalidRequestError('--bits must be a number'))
      const spec = algorithmOf((values.alg as string | undefined) ?? 'ES256', bits)
      const key = await createKey({ name, store, ...spec, overwrite: values.force === true })
      try {
        show(summary(key))
      } finally {
        key.destroy()
      }
      return EXIT_OK
    }
    if (action === 'show') {
      const format = (values.format ?? 'all') as (typeof SHOW_FORMATS)[number]
      if (!SHOW_FORMATS.includes(format)) {
        throw asUsage(new InvalidRequestError(`--format must be one of ${SHOW_FORMATS.join(', ')}`))
      }
      const key = await openKey(name, { store })
      try {
        const pub = key.publicKey
        if (format === 'jwk') show(summary(key).jwk)
        else if (format === 'pem') show(pub.export({ format: 'pem' }))
        else if (format === 'openssh') show(pub.export({ format: 'openssh', comment: name }))
        else if (format === 'fingerprint') show(pub.thumbprint())
        else show({ ...summary(key), pem: pub.export({ format: 'pem' }), openssh: opensshOf(key) })
      } finally {
        key.destroy()
      }
      return EXIT_OK
    }
    if (values.yes !== true) {
      if (!process.stdin.isTTY) {
        throw asUsage(
          withFix(new InvalidRequestError(`key delete ${name}: not confirmed`), 'pass --yes to delete without asking'),
        )
      }
      if (!(await confirm(`Delete the ${store} key '${name}'? It cannot be recovered. [y/N] `))) {
        process.stderr.write('not deleted\n')
        return EXIT_RUNTIME
      }
    }
    await deleteKey(name, { store })
    return EXIT_OK
  },
}

/** The public JWK to publish: kid (the thumbprint), and alg + use for signing keys. */
function publishedJwk(key: PlatformKey): Record<string, unknown> {
  const jwk: Record<string, unknown> = { ...key.publicKey.export({ format: 'jwk' }), kid: key.publicKey.thumbprint() }
  // the key's own signature in the registry (RS256 for RSA, ES256 for P-256, ...)
  const alg = keySignature(key.algorithm)?.alg
  if (alg) Object.assign(jwk, { alg, use: 'sig' })
  else Object.assign(jwk, { use: 'enc' })
  return jwk
}

function opensshOf(key: PlatformKey): string | undefined {
  try {
    return key.publicKey.export({ format: 'openssh', comment: key.name })
  } catch {
    return undefined // OpenSSH has no ECDH keys
  }
}
