/** What `cert self-signed` and `csr` (commands/cert.ts, commands/csr.ts) share: their flags and their output. */
import { InvalidRequestError } from '../errors.js'
import type { Encoded } from '../platform-keys/certificates.js'
import { choiceOption, stringOption, type Values } from './command.js'
import { flags } from './flags.js'
import { emit } from './output.js'
import { asUsage } from './report.js'

/** The flags `cert self-signed` and `csr` share. */
export const X509_OPTIONS = flags({
  key: 'tpm:NAME, software:NAME or a private key file',
  subject: "the subject, e.g. 'CN=svc, O=Acme' or /CN=svc/O=Acme",
  san: 'subject alternative names, comma-separated: DNS:host, IP:10.0.0.1, URI:…, email:… (bare: DNS)',
  format: 'pem (default) or der',
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

/** The --format a certificate or request is written in (a usage error for any other). */
export function x509Format(values: Values): 'pem' | 'der' {
  return choiceOption(values, 'format', ['pem', 'der'] as const) ?? 'pem'
}

/** The certificate or request, PEM or DER, to stdout or --out (a public file). */
export function emitX509(values: Values, encoded: Encoded): void {
  const der = x509Format(values) === 'der'
  emit(der ? Buffer.from(encoded.der) : encoded.pem, {
    out: stringOption(values, 'out'),
    secret: false,
    force: values.force === true,
  })
}

export function subjectOf(values: Values): string {
  if (typeof values.subject !== 'string') throw asUsage(new InvalidRequestError('--subject is required'))
  return values.subject
}
