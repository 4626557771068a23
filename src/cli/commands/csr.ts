/** `csr`: a PKCS#10 certificate request for a platform key, signed by its handle. */
import { createCsr } from '../../platform-keys/certificates.js'
import type { CommandDef } from '../command.js'
import { platformKeyExamples, withKeyRef } from '../key-ref.js'
import { EXIT_OK } from '../report.js'
import { altNames, emitX509, subjectOf, X509_OPTIONS, x509Format } from '../x509.js'

export const CSR_COMMAND: CommandDef = {
  name: 'csr',
  summary: 'Make a PKCS#10 certificate request for a platform key, signed by the key where it lives.',
  usage: 'csr --key REF --subject DN [options]',
  description: 'PEM on stdout unless --format der / --out; --san goes into an extensionRequest attribute.',
  options: X509_OPTIONS,
  positionals: { min: 0, max: 0 },
  examples: platformKeyExamples(
    'svc-csr',
    "platform-keygen csr --key tpm:svc-csr --subject 'CN=svc, O=Acme' --san svc.example --out svc.csr",
  ),
  async run(values) {
    const subject = subjectOf(values)
    x509Format(values) // a bad --format before the key is opened
    const names = altNames(values)
    emitX509(
      values,
      await withKeyRef(values.key, (key) => createCsr(key, { subject, ...(names ? { altNames: names } : {}) })),
    )
    return EXIT_OK
  },
}
