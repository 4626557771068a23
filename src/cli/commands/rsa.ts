/** `rsa`: an RSA key pair over the key-length table, like `openssl genrsa`. */
import { flags } from '../flags.js'
import { bitsFlag, bitsOf, keygenCommand, numberField, range } from '../keygen.js'

export const RSA_COMMAND = keygenCommand({
  name: 'rsa',
  summary: 'Generate an RSA key pair (public exponent 65537 unless --public-exponent).',
  description: `Like \`openssl genrsa\`: ${range('RSA')} bits. A length of 4096 or more shows progress on a terminal.`,
  options: {
    ...bitsFlag(3072, 'RSA'),
    ...flags({ 'public-exponent': 'the public exponent: an odd number from 3 to 4294967295 (default 65537)' }),
  },
  examples: [
    'platform-keygen rsa --bits 3072 --out rsa.pem --pub rsa.pub.pem',
    'platform-keygen rsa --bits 2048 --type pkcs1 --out rsa-pkcs1.pem',
    'platform-keygen rsa --format openssh --out id_rsa --comment me@host',
    'platform-keygen rsa --bits 2048 --count 3 --out "batch-{n}.pem"',
    'platform-keygen rsa --bits 2048 --public-exponent 3 --out rsa-e3.pem',
  ],
  spec: (v) => ({ algorithm: 'RSA', length: bitsOf(v, 3072), ...numberField(v, 'public-exponent', 'publicExponent') }),
})
