/** `jwks`: the public JWK set of a JwkStore (`--list`: its keys and their status). */
import { existsSync } from 'node:fs'
import { InvalidRequestError, StoreNotFoundError } from '../../errors.js'
import { JwkStore } from '../../store/jwk-store.js'
import type { CommandDef } from '../command.js'
import { stringOption } from '../command.js'
import { checkTargets } from '../files.js'
import { flags } from '../flags.js'
import { emit, jsonText } from '../output.js'
import { passphraseOf } from '../passphrase.js'
import { asUsage, EXIT_OK } from '../report.js'
import { listStore } from '../store-commands.js'

const usage = (message: string): never => {
  throw asUsage(new InvalidRequestError(message))
}

export const JWKS_COMMAND: CommandDef = {
  name: 'jwks',
  summary: 'Print the public JWK set of a JwkStore (for serving as jwks.json).',
  usage: 'jwks --store FILE [--create] [--out FILE] [--all]  |  jwks --list --store FILE',
  description:
    'The public JWKs of every key pair in the store that is valid now (nbf ≤ now < exp; --all: every one), private members stripped; OCT secrets are left out. No passphrase is needed. --list prints one JSON line per key with its status instead. A store that does not exist is an error (ERR_STORE_NOT_FOUND) unless --create is given.',
  options: flags({
    store: 'the JwkStore FILE',
    create: 'create FILE as an empty store if it does not exist (encrypted with --passphrase-file)',
    'passphrase-file': 'with --create: encrypt the new store with the first line of FILE',
    all: 'include expired and not-yet-valid keys',
    list: 'list the keys (name, kid, status, validity) as JSON lines',
    out: 'write the set to FILE (atomically) instead of stdout',
    force: 'replace FILE if it exists',
  }),
  positionals: { min: 0, max: 0 },
  examples: [
    'platform-keygen jwk --name web --type EC --curve P256 --use sig --store jwks-store.json',
    'platform-keygen jwks --store jwks-store.json --out jwks.json',
    'platform-keygen jwks --store new-store.json --create',
    'platform-keygen jwks --list --store jwks-store.json',
  ],
  async run(values) {
    const storeFile = stringOption(values, 'store')
    if (storeFile === undefined) usage('jwks needs --store FILE')
    const out = stringOption(values, 'out')
    const force = values.force === true
    if (out !== undefined) checkTargets([out], force)
    const create = values.create === true
    if (values['passphrase-file'] !== undefined && !create) usage('--passphrase-file is for --create')
    if (values.list === true && (out !== undefined || values.all === true))
      usage('--list prints the keys: drop --out / --all')
    const passphrase = passphraseOf(values)
    const store = new JwkStore(storeFile as string, passphrase === undefined ? {} : { passphrase })
    try {
      if (create) await store.create()
      else if (!existsSync(storeFile as string)) {
        throw new StoreNotFoundError(`the JWK store ${storeFile} does not exist`, storeFile as string)
      }
      if (values.list === true) return await listStore(store)
      const set = await store.publicJwks({ includeExpired: values.all === true })
      emit(jsonText(set), { out, secret: false, force })
      return EXIT_OK
    } finally {
      store.close()
    }
  },
}
