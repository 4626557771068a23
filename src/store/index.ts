/** A JWK set kept in a file: atomic writes, a cross-process lock, optional encryption at rest. */
export {
  JwkStore,
  type JwkStoreEntry,
  type JwkStoreInput,
  type JwkStoreOptions,
  type JwkStoreRecord,
  STORE_FORMAT,
} from './jwk-store.js'
