/** `okp`: an Edwards or Montgomery curve key pair (Ed25519, Ed448, X25519, X448). */
import { UnsupportedAlgorithmError } from '../../errors.js'
import { flags } from '../flags.js'
import { keygenCommand, normalizeCurveOption } from '../keygen.js'
import { asUsage } from '../report.js'

const OKP_CURVES = ['Ed25519', 'Ed448', 'X25519', 'X448'] as const

export const OKP_COMMAND = keygenCommand({
  name: 'okp',
  summary: 'Generate an Edwards or Montgomery curve key pair (EdDSA, X25519, X448).',
  description: 'Curves: Ed25519 (default), Ed448 for signatures; X25519, X448 for key agreement.',
  options: flags({ curve: 'Ed25519 (default), Ed448, X25519 or X448' }),
  examples: [
    'platform-keygen okp --curve Ed25519 --format openssh --out id_ed25519',
    'platform-keygen okp --curve X25519 --format jwk --use enc',
  ],
  spec: (v) => {
    const curve = normalizeCurveOption(v, 'Ed25519')
    if (!(OKP_CURVES as readonly string[]).includes(curve)) {
      throw asUsage(new UnsupportedAlgorithmError(`${curve} is not an okp curve (${OKP_CURVES.join(', ')}); see ec`))
    }
    return curve.startsWith('Ed') ? { algorithm: 'EdDSA', curve } : { algorithm: 'ECDH', curve }
  },
})
