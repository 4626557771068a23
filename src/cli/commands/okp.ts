/** `okp`: an Edwards or Montgomery curve key pair (Ed25519, Ed448, X25519, X448). */
import { CURVES, specForCurve } from '../../registry.js'
import { flags } from '../flags.js'
import { curveOption, keygenCommand } from '../keygen.js'

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
    const curve = curveOption(v, 'Ed25519', 'OKP', 'okp', 'ec')
    return specForCurve(curve, CURVES[curve].kind === 'agree' ? 'agree' : 'sign')
  },
})
