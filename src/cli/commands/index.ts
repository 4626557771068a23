/**
 * The commands of the dispatcher (src/cli/run.ts), one per file, each with its flags from the
 * glossary (flags.ts); `<JWA alg>` (jwa.ts) is the fallback when the first word is none of these,
 * and reads this list for its suggestions.
 */
import type { CommandDef } from '../command.js'
import { CERT_COMMAND } from './cert.js'
import { CONVERT_COMMAND } from './convert.js'
import { CSR_COMMAND } from './csr.js'
import { DH_COMMAND } from './dh.js'
import { DSA_COMMAND } from './dsa.js'
import { EC_COMMAND } from './ec.js'
import { INFO_COMMAND } from './info.js'
import { JWK_COMMAND } from './jwk.js'
import { JWKS_COMMAND } from './jwks.js'
import { JWT_COMMAND } from './jwt.js'
import { KEY_COMMAND } from './key.js'
import { ML_DSA_COMMAND } from './ml-dsa.js'
import { ML_KEM_COMMAND } from './ml-kem.js'
import { OKP_COMMAND } from './okp.js'
import { RSA_COMMAND } from './rsa.js'
import { SERVE_COMMAND } from './serve.js'

export const COMMANDS: readonly CommandDef[] = [
  RSA_COMMAND,
  DSA_COMMAND,
  DH_COMMAND,
  EC_COMMAND,
  OKP_COMMAND,
  ML_DSA_COMMAND,
  ML_KEM_COMMAND,
  JWK_COMMAND,
  JWKS_COMMAND,
  CONVERT_COMMAND,
  INFO_COMMAND,
  SERVE_COMMAND,
  // keys kept by the platform (issue 15)
  KEY_COMMAND,
  JWT_COMMAND,
  CERT_COMMAND,
  CSR_COMMAND,
]
