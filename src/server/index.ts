/** The Generate-JWK service: `platform-keygen serve` and createServer(options). */
export { MAX_BODY_BYTES } from './http.js'
export {
  DEFAULT_ENVIRONMENT,
  type ProjectKeys,
  type ProjectRecord,
  ROLES,
  type Role,
  type ServiceStore,
  type TokenRecord,
} from './model.js'
export { JWKS_MAX_AGE } from './routes.js'
export { createServer, type KeygenServer, openServiceStore, type ServerOptions } from './server.js'
