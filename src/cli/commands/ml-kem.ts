/** `ml-kem`: an ML-KEM (FIPS 203) key pair. */
import { parameterSetCommand } from '../keygen.js'

export const ML_KEM_COMMAND = parameterSetCommand({
  algorithm: 'ML-KEM',
  fips: 'FIPS 203',
  defaultSet: '768',
  seed: '64-byte seed d‖z',
  example: 'platform-keygen ml-kem --set 768 --format jwk --out ml-kem.jwk',
})
