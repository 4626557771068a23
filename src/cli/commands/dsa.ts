/** `dsa`: a DSA key pair with new domain parameters. */
import { bitsFlag, bitsOf, keygenCommand, range } from '../keygen.js'

export const DSA_COMMAND = keygenCommand({
  name: 'dsa',
  summary: 'Generate a DSA key pair with new domain parameters.',
  description: `${range('DSA')} bits; up to 1024 FIPS 186-2 (q of 160 bits), above FIPS 186-3 (q of 256 bits). DSA has no JWK: pem or der.`,
  options: bitsFlag(2048, 'DSA'),
  examples: ['platform-keygen dsa --bits 2048 --out dsa.pem --pub dsa.pub.pem'],
  spec: (v) => ({ algorithm: 'DSA', length: bitsOf(v, 2048) }),
})
