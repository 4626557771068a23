/** `dh`: a Diffie-Hellman key pair. */
import { bitsFlag, bitsOf, keygenCommand, range } from '../keygen.js'

export const DH_COMMAND = keygenCommand({
  name: 'dh',
  summary: 'Generate a Diffie-Hellman key pair.',
  description: `${range('DH')} bits. 768, 1024, 1536, 2048, 3072 and 4096 use the RFC 2409/3526 groups; other lengths generate a safe prime (slow). DH has no JWK: pem or der.`,
  options: bitsFlag(2048, 'DH'),
  examples: ['platform-keygen dh --bits 2048 --out dh.pem'],
  spec: (v) => ({ algorithm: 'DH', length: bitsOf(v, 2048) }),
})
