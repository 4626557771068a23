/** What `cert self-signed` and `csr` (commands/cert.ts, commands/csr.ts) share: their flags and their output. */
import { InvalidRequestError } from '../errors.js'
import type { Encoded } from '../platform-keys/certificates.js'
import type { Values } from './command.js'
import { writeFilesAtomic } from './files.js'
import { flags } from './flags.js'
import { asUsage } from './report.js'

/** The flags `cert self-signed` and `csr` share. */
export const X509_OPTIONS = flags({
  key: 'tpm:NAME, software:NAME or a private key file',
  subject: "the subject, e.g. 'CN=svc, O=Acme' or /CN=svc/O=Acme",
  san: 'subject alternative names, comma-separated: DNS:host, IP:10.0.0.1, URI:…, email:… (bare: DNS)',
  der: 'write DER instead of PEM',
  out: 'write to FILE (atomically) instead of stdout',
  force: 'replace an existing --out file',
})

export function altNames(values: Values): string[] | undefined {
  if (values.san === undefined) return undefined
  return (values.san as string)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
}

export function emit(values: Values, encoded: Encoded): void {
  const bytes = values.der ? encoded.der : encoded.pem
  if (typeof values.out === 'string') {
    writeFilesAtomic([{ path: values.out, data: bytes, secret: false }], values.force === true)
  } else if (values.der) {
    process.stdout.write(Buffer.from(encoded.der))
  } else {
    process.stdout.write(encoded.pem)
  }
}

export function subjectOf(values: Values): string {
  if (typeof values.subject !== 'string') throw asUsage(new InvalidRequestError('--subject is required'))
  return values.subject
}
