/** `rsa`: an RSA key pair over the key-length table, like `openssl genrsa`. */
import { bitsFlag, bitsOf, keygenCommand, range } from '../keygen.js'

export const RSA_COMMAND = keygenCommand({
  name: 'rsa',
  summary: 'Generate an RSA key pair (public exponent 65537).',
  description: `Like \`openssl genrsa\`: ${range('RSA')} bits. A length of 4096 or more shows progress on a terminal.`,
  options: bitsFlag(3072, 'RSA'),
  examples: [
    'platform-keygen rsa --bits 3072 --out rsa.pem --pub rsa.pub.pem',
    'platform-keygen rsa --bits 2048 --type pkcs1 --out rsa-pkcs1.pem',
    'platform-keygen rsa --format openssh --out id_rsa --comment me@host',
    'platform-keygen rsa --bits 2048 --count 3 --out "batch-{n}.pem"',
  ],
  spec: (v) => ({ algorithm: 'RSA', length: bitsOf(v, 3072) }),
})
