/** `<JWA alg>`, `jwk` and `jwks`: waiting for the jose / Apinizer / JwkStore layer (issue 4). */
import { NotSupportedOnPlatformError } from '../errors.js'
import type { CommandDef } from './command.js'

function pending(what: string): never {
  throw new NotSupportedOnPlatformError(`${what} is not implemented yet in this build`)
}

export const JWA_COMMAND: CommandDef = {
  name: '<JWA alg>',
  summary: 'Generate a key for a JOSE algorithm (RS256, ES256, EdDSA, ML-DSA-65, HS256, ...).',
  usage: '<JWA alg> [options]',
  options: {},
  positionals: { min: 1, max: 1, name: 'a JWA algorithm' },
  examples: [],
  async run() {
    return pending('the <JWA alg> command')
  },
}

export const JWK_COMMAND: CommandDef = {
  name: 'jwk',
  summary: 'Generate a JWK from Apinizer-style fields or a request body, optionally into a JwkStore.',
  usage: 'jwk [options]',
  options: {},
  positionals: { min: 0, max: 0 },
  examples: [],
  async run() {
    return pending('the jwk command')
  },
}

export const JWKS_COMMAND: CommandDef = {
  name: 'jwks',
  summary: 'Print the public JWK set of a JwkStore.',
  usage: 'jwks --store FILE',
  options: {},
  positionals: { min: 0, max: 0 },
  examples: [],
  async run() {
    return pending('the jwks command')
  },
}
