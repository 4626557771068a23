/** `cert self-signed`: an X.509 certificate for a platform key, signed by its handle. */
import { createCertificate } from '../../platform-keys/certificates.js'
import { actionPositional, type CommandDef, checkAction } from '../command.js'
import { flags } from '../flags.js'
import { platformKeyExamples, withKeyRef } from '../key-ref.js'
import { EXIT_OK } from '../report.js'
import { altNames, emitX509, subjectOf, X509_OPTIONS, x509Format } from '../x509.js'

export const CERT_COMMAND: CommandDef = {
  name: 'cert',
  summary: 'Make a self-signed X.509 certificate for a platform key, signed by the key where it lives.',
  usage: 'cert self-signed --key REF --subject DN [options]',
  description:
    'The certificate (X.509 v3, CA:TRUE, a 128-bit random serial, SHA-256/384/512 by key) is signed through the key handle: its private part never leaves its store. PEM on stdout unless --format der / --out.',
  options: { ...X509_OPTIONS, ...flags({ days: 'validity in days (default 365)' }) },
  positionals: actionPositional('self-signed'),
  examples: platformKeyExamples(
    'svc-cert',
    'platform-keygen cert self-signed --key tpm:svc-cert --subject CN=svc --days 365 --san svc.example --out svc.pem',
  ),
  async run(values, positionals) {
    checkAction('cert', positionals, 'self-signed')
    const subject = subjectOf(values)
    x509Format(values) // a bad --format before the key is opened
    const days = values.days === undefined ? 365 : Number(values.days)
    const names = altNames(values)
    const cert = await withKeyRef(values.key, (key) =>
      createCertificate(key, { subject, days, ...(names ? { altNames: names } : {}) }),
    )
    emitX509(values, cert)
    return EXIT_OK
  },
}
