/** `jwt sign`: a JWT signed by a platform key (or a key file). */
import { InvalidRequestError } from '../../errors.js'
import type { JwsAlgorithm } from '../../jose/sign.js'
import { signJwt } from '../../platform-keys/jwt.js'
import { actionPositional, type CommandDef, checkAction } from '../command.js'
import { flags } from '../flags.js'
import { platformKeyExamples, withKeyRef } from '../key-ref.js'
import { print } from '../output.js'
import { asUsage, EXIT_OK } from '../report.js'

export const JWT_COMMAND: CommandDef = {
  name: 'jwt',
  summary: 'Sign a JWT with a key kept by the platform (jwt sign --key tpm:NAME).',
  usage: 'jwt sign --key REF --claims JSON [options]',
  description:
    "Prints a compact JWS (header.payload.signature) signed by the key where it lives: REF is tpm:NAME, software:NAME (Windows) or a private key file. iat is added; --exp adds exp. The header has alg, typ JWT and kid (the key's RFC 7638 thumbprint).",
  options: flags({
    key: 'tpm:NAME, software:NAME or a private key file',
    claims: 'the claims, a JSON object',
    exp: 'expires in: seconds or 30s, 15m, 1h, 7d',
    alg: "RSA keys: RS256 (default) … PS512; EC keys use their curve's ES*",
    kid: 'the header kid (default: the JWK thumbprint)',
  }),
  positionals: actionPositional('sign'),
  examples: platformKeyExamples(
    'svc-jwt',
    'platform-keygen jwt sign --key tpm:svc-jwt --claims \'{"sub":"svc"}\' --exp 1h',
  ),
  async run(values, positionals) {
    checkAction('jwt', positionals, 'sign')
    let claims: unknown
    try {
      claims = JSON.parse(typeof values.claims === 'string' ? values.claims : '{}')
    } catch (err) {
      throw asUsage(new InvalidRequestError('--claims is not JSON', { cause: err }))
    }
    if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) {
      throw asUsage(new InvalidRequestError('--claims must be a JSON object'))
    }
    const options = {
      ...(values.exp !== undefined
        ? { expiresIn: /^\d+$/.test(values.exp as string) ? Number(values.exp) : (values.exp as string) }
        : {}),
      ...(values.alg !== undefined ? { alg: values.alg as JwsAlgorithm } : {}),
      ...(values.kid !== undefined ? { kid: values.kid as string } : {}),
    }
    print(`${await withKeyRef(values.key, (key) => signJwt(key, claims as Record<string, unknown>, options))}\n`)
    return EXIT_OK
  },
}
