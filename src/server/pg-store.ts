/** The PostgreSQL store (--database postgres://...): not written yet. */
import { InvalidRequestError } from '../errors.js'
import type { ServiceStore } from './model.js'

export async function openPostgresStore(_options: {
  url: string
  passphrase?: string | Uint8Array | undefined
}): Promise<ServiceStore> {
  throw new InvalidRequestError('--database is not implemented yet')
}
