/** `dsa`: a DSA key pair with new domain parameters. */
import { flags } from '../flags.js'
import { bitsFlag, bitsOf, keygenCommand, numberField, range } from '../keygen.js'

export const DSA_COMMAND = keygenCommand({
  name: 'dsa',
  summary: 'Generate a DSA key pair with new domain parameters.',
  description: `${range('DSA')} bits; up to 1024 FIPS 186-2 (q of 160 bits), above FIPS 186-3 (q of 256 bits). DSA has no JWK: pem or der.`,
  options: {
    ...bitsFlag(2048, 'DSA'),
    ...flags({ 'divisor-length': 'the size of q: 160 up to 1024 bits, 224 or 256 for 2048, else 256 (the default)' }),
  },
  examples: [
    'platform-keygen dsa --bits 2048 --out dsa.pem --pub dsa.pub.pem',
    'platform-keygen dsa --bits 2048 --divisor-length 224 --out dsa-224.pem',
  ],
  spec: (v) => ({ algorithm: 'DSA', length: bitsOf(v, 2048), ...numberField(v, 'divisor-length', 'divisorLength') }),
})
