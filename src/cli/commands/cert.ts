/** `cert self-signed`: an X.509 certificate for a platform key, signed by its handle. */
import { InvalidRequestError } from '../../errors.js'
import { createCertificate } from '../../platform-keys/certificates.js'
import type { CommandDef } from '../command.js'
import { flags } from '../flags.js'
import { openKeyRef } from '../key-ref.js'
import { asUsage, EXIT_OK } from '../report.js'
import { altNames, emitX509, subjectOf, X509_OPTIONS, x509Format } from '../x509.js'

export const CERT_COMMAND: CommandDef = {
  name: 'cert',
  summary: 'Make a self-signed X.509 certificate for a platform key, signed by the key where it lives.',
  usage: 'cert self-signed --key REF --subject DN [options]',
  description:
    'The certificate (X.509 v3, CA:TRUE, a 128-bit random serial, SHA-256/384/512 by key) is signed through the key handle: its private part never leaves its store. PEM on stdout unless --format der / --out.',
  options: { ...X509_OPTIONS, ...flags({ days: 'validity in days (default 365)' }) },
  positionals: { min: 1, max: 1, name: 'the action: self-signed' },
  examples: [
    'platform-keygen key create --name svc-cert --alg ES256 > /dev/null',
    'platform-keygen cert self-signed --key tpm:svc-cert --subject CN=svc --days 365 --san svc.example --out svc.pem',
    'platform-keygen key delete svc-cert --yes',
  ],
  async run(values, positionals) {
    if (positionals[0] !== 'self-signed') throw asUsage(new InvalidRequestError('cert: the action is self-signed'))
    const subject = subjectOf(values)
    x509Format(values) // a bad --format before the key is opened
    const days = values.days === undefined ? 365 : Number(values.days)
    const key = await openKeyRef(values.key)
    try {
      const names = altNames(values)
      emitX509(values, await createCertificate(key, { subject, days, ...(names ? { altNames: names } : {}) }))
    } finally {
      key.destroy()
    }
    return EXIT_OK
  },
}
