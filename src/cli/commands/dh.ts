/** `dh`: a Diffie-Hellman key pair. */
import { flags } from '../flags.js'
import { bitsFlag, bitsOf, keygenCommand, range } from '../keygen.js'

export const DH_COMMAND = keygenCommand({
  name: 'dh',
  summary: 'Generate a Diffie-Hellman key pair.',
  description: `${range('DH')} bits. 768, 1024, 1536, 2048, 3072 and 4096 use the RFC 2409/3526 groups; other lengths generate a safe prime (slow). DH has no JWK: pem or der.`,
  options: {
    ...bitsFlag(2048, 'DH'),
    ...flags({
      group:
        'a named group instead of a size: ffdhe2048, ffdhe3072, ffdhe4096 (RFC 7919), modp14, modp15, modp16 (RFC 3526); its size is the length (--bits, if given, must agree)',
    }),
  },
  examples: ['platform-keygen dh --bits 2048 --out dh.pem', 'platform-keygen dh --group modp14 --out dh-modp14.pem'],
  spec: (v) => {
    if (v.group === undefined) return { algorithm: 'DH', length: bitsOf(v, 2048) }
    // the group fixes the length; --bits, when given, is checked against it
    return { algorithm: 'DH', group: String(v.group), ...(v.bits === undefined ? {} : { length: bitsOf(v, 0) }) }
  },
})
