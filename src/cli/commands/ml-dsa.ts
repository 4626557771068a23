/** `ml-dsa`: an ML-DSA (FIPS 204) key pair. */
import { parameterSetCommand } from '../keygen.js'

export const ML_DSA_COMMAND = parameterSetCommand({
  algorithm: 'ML-DSA',
  fips: 'FIPS 204',
  defaultSet: '65',
  seed: '32-byte seed',
  example: 'platform-keygen ml-dsa --set 65 --out ml-dsa.pem --pub ml-dsa.pub.pem',
})
