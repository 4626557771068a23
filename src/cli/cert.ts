/** `cert self-signed` and `csr`: X.509 for a key kept by the platform, signed by its handle. */
import { InvalidRequestError } from '../errors.js'
import { createCertificate, createCsr, type Encoded } from '../platform-keys/certificates.js'
import type { CommandDef, Values } from './command.js'
import { writeFilesAtomic } from './files.js'
import { openKeyRef } from './key-ref.js'
import { asUsage, EXIT_OK } from './report.js'

const COMMON = {
  key: { type: 'string', value: 'REF', description: 'tpm:NAME, software:NAME or a private key file' },
  subject: { type: 'string', value: 'DN', description: "the subject, e.g. 'CN=svc, O=Acme' or /CN=svc/O=Acme" },
  san: {
    type: 'string',
    value: 'NAMES',
    description: 'subject alternative names, comma-separated: DNS:host, IP:10.0.0.1, URI:…, email:… (bare: DNS)',
  },
  der: { type: 'boolean', description: 'write DER instead of PEM' },
  out: { type: 'string', short: 'o', value: 'FILE', description: 'write to FILE (atomically) instead of stdout' },
  force: { type: 'boolean', short: 'f', description: 'replace an existing --out file' },
} as const

function altNames(values: Values): string[] | undefined {
  if (values.san === undefined) return undefined
  return (values.san as string)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
}

function emit(values: Values, encoded: Encoded): void {
  const bytes = values.der ? encoded.der : encoded.pem
  if (typeof values.out === 'string') {
    writeFilesAtomic([{ path: values.out, data: bytes, secret: false }], values.force === true)
  } else if (values.der) {
    process.stdout.write(Buffer.from(encoded.der))
  } else {
    process.stdout.write(encoded.pem)
  }
}

function subjectOf(values: Values): string {
  if (typeof values.subject !== 'string') throw asUsage(new InvalidRequestError('--subject is required'))
  return values.subject
}

export const CERT_COMMAND: CommandDef = {
  name: 'cert',
  summary: 'Make a self-signed X.509 certificate for a platform key, signed by the key where it lives.',
  usage: 'cert self-signed --key REF --subject DN [options]',
  description:
    'The certificate (X.509 v3, CA:TRUE, a 128-bit random serial, SHA-256/384/512 by key) is signed through the key handle: its private part never leaves its store. PEM on stdout unless --der / --out.',
  options: { ...COMMON, days: { type: 'string', value: 'N', description: 'validity in days (default 365)' } },
  positionals: { min: 1, max: 1, name: 'the action: self-signed' },
  examples: [
    'platform-keygen key create --name svc-cert --alg ES256 > /dev/null',
    'platform-keygen cert self-signed --key tpm:svc-cert --subject CN=svc --days 365 --san svc.example --out svc.pem',
    'platform-keygen key delete svc-cert --yes',
  ],
  async run(values, positionals) {
    if (positionals[0] !== 'self-signed') throw asUsage(new InvalidRequestError('cert: the action is self-signed'))
    const subject = subjectOf(values)
    const days = values.days === undefined ? 365 : Number(values.days)
    const key = await openKeyRef(values.key)
    try {
      const names = altNames(values)
      emit(values, await createCertificate(key, { subject, days, ...(names ? { altNames: names } : {}) }))
    } finally {
      key.destroy()
    }
    return EXIT_OK
  },
}

export const CSR_COMMAND: CommandDef = {
  name: 'csr',
  summary: 'Make a PKCS#10 certificate request for a platform key, signed by the key where it lives.',
  usage: 'csr --key REF --subject DN [options]',
  description: 'PEM on stdout unless --der / --out; --san goes into an extensionRequest attribute.',
  options: COMMON,
  positionals: { min: 0, max: 0 },
  examples: [
    'platform-keygen key create --name svc-csr --alg ES256 > /dev/null',
    "platform-keygen csr --key tpm:svc-csr --subject 'CN=svc, O=Acme' --san svc.example --out svc.csr",
    'platform-keygen key delete svc-csr --yes',
  ],
  async run(values) {
    const subject = subjectOf(values)
    const key = await openKeyRef(values.key)
    try {
      const names = altNames(values)
      emit(values, await createCsr(key, { subject, ...(names ? { altNames: names } : {}) }))
    } finally {
      key.destroy()
    }
    return EXIT_OK
  },
}
