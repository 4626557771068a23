/** `ml-dsa`: an ML-DSA (FIPS 204) key pair. */
import { parameterSetsOf } from '../../registry.js'
import { choiceOption } from '../command.js'
import { flags } from '../flags.js'
import { keygenCommand } from '../keygen.js'

export const ML_DSA_COMMAND = keygenCommand({
  name: 'ml-dsa',
  summary: 'Generate an ML-DSA (FIPS 204) key pair.',
  description:
    'Parameter sets 44, 65 (default), 87. Needs a provider with ML-DSA: OpenSSL 3.5 (Node.js 24 or later) or a recent Windows CNG. The private JWK and PKCS#8 hold the 32-byte seed.',
  options: flags({ set: '44, 65 (default) or 87' }),
  examples: ['platform-keygen ml-dsa --set 65 --out ml-dsa.pem --pub ml-dsa.pub.pem'],
  spec: (v) => ({ algorithm: 'ML-DSA', parameterSet: choiceOption(v, 'set', parameterSetsOf('ML-DSA')) ?? '65' }),
})
