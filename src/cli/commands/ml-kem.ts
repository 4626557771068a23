/** `ml-kem`: an ML-KEM (FIPS 203) key pair. */
import { parameterSetsOf } from '../../registry.js'
import { choiceOption } from '../command.js'
import { flags } from '../flags.js'
import { keygenCommand } from '../keygen.js'

export const ML_KEM_COMMAND = keygenCommand({
  name: 'ml-kem',
  summary: 'Generate an ML-KEM (FIPS 203) key pair.',
  description:
    'Parameter sets 512, 768 (default), 1024. Needs a provider with ML-KEM: OpenSSL 3.5 (Node.js 24 or later) or a recent Windows CNG. The private JWK and PKCS#8 hold the 64-byte seed d‖z.',
  options: flags({ set: '512, 768 (default) or 1024' }),
  examples: ['platform-keygen ml-kem --set 768 --format jwk --out ml-kem.jwk'],
  spec: (v) => ({ algorithm: 'ML-KEM', parameterSet: choiceOption(v, 'set', parameterSetsOf('ML-KEM')) ?? '768' }),
})
