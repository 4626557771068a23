/** `ec`: an elliptic-curve key pair on a NIST curve or secp256k1, for ECDSA (or ECDH). */
import { flags } from '../flags.js'
import { curveOption, keygenCommand } from '../keygen.js'

export const EC_COMMAND = keygenCommand({
  name: 'ec',
  summary: 'Generate an elliptic-curve key pair (ECDSA, or ECDH with --ecdh).',
  description: 'Curves: P-256 (default), P-384, P-521, secp256k1 (the CNG and OpenSSL spellings work too).',
  options: flags({
    curve: 'P-256 (default), P-384, P-521 or secp256k1',
    ecdh: 'generate the key for ECDH key agreement rather than ECDSA',
  }),
  examples: [
    'platform-keygen ec --curve P-256 --out ec.pem --pub ec.pub.pem',
    'platform-keygen ec --curve P-384 --format jwk --use sig --alg ES384',
    'platform-keygen ec --curve P-521 --format openssh --public',
  ],
  spec: (v) => ({ algorithm: v.ecdh ? 'ECDH' : 'ECDSA', curve: curveOption(v, 'P-256', 'EC', 'ec', 'okp') }),
})
