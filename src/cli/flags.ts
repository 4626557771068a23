/**
 * The glossary of the CLI's flags: one meaning, one short letter and one value placeholder per
 * flag, for every command. Each command picks its flags from here (`flags({...})`), giving at most
 * a sharper description of the values it takes; the parser (command.ts) and the help text read
 * what this table says, and the README's flag table is checked against it
 * (test/cli-flags.test.ts). An alias is an older spelling the README documented, accepted only by
 * the commands named, and said so in their help.
 */
import type { OptionDef } from './command.js'

export interface Flag {
  type: 'string' | 'boolean'
  short?: string
  /** The value's placeholder (string flags). */
  value?: string
  /** What the flag means, whatever the command. */
  meaning: string
  multiple?: boolean
  /** Older spellings kept as aliases: alias → the commands that accept it. */
  aliases?: Readonly<Record<string, readonly string[]>>
}

export const FLAGS = {
  // --- what key to make -------------------------------------------------------------------------
  bits: {
    type: 'string',
    short: 'b',
    value: 'N',
    meaning: 'key length in bits',
    aliases: { 'key-size': ['jwk'] },
  },
  curve: {
    type: 'string',
    short: 'c',
    value: 'CURVE',
    meaning: 'the elliptic curve',
    aliases: { crv: ['<JWA alg>'] },
  },
  set: { type: 'string', value: 'SET', meaning: 'the ML-DSA / ML-KEM parameter set' },
  'public-exponent': { type: 'string', value: 'E', meaning: 'the RSA public exponent: odd, 3 or more (default 65537)' },
  group: { type: 'string', value: 'GROUP', meaning: 'a named DH group: ffdhe2048…ffdhe8192, modp14…modp18' },
  'divisor-length': { type: 'string', value: 'N', meaning: 'the size of the DSA q in bits' },
  ecdh: { type: 'boolean', meaning: 'an EC key for ECDH key agreement (not ECDSA)' },
  kty: {
    type: 'string',
    value: 'KTY',
    meaning: 'the JWK key type of an Apinizer request: RSA, EC, OCT or OKP',
    aliases: { type: ['jwk'] },
  },
  alg: { type: 'string', value: 'ALG', meaning: 'the JOSE algorithm the key is for (the JWK / JWS "alg")' },
  name: { type: 'string', value: 'NAME', meaning: 'the name of what is made or used' },
  description: { type: 'string', value: 'TEXT', meaning: 'a description' },
  request: { type: 'string', short: 'r', value: 'FILE', meaning: 'a request body as JSON (- for stdin)' },
  'kid-type': { type: 'string', value: 'T', meaning: 'how an Apinizer request makes the kid' },
  nbf: { type: 'string', value: 'ISO', meaning: 'not valid before (ISO 8601)' },
  exp: { type: 'string', value: 'WHEN', meaning: 'when it expires' },
  'salt-length': { type: 'string', value: 'N', meaning: 'the PBES2 salt length in bytes (Apinizer OCT keys)' },
  'iteration-count': { type: 'string', value: 'N', meaning: 'the PBES2 iteration count (Apinizer OCT keys)' },
  count: { type: 'string', short: 'n', value: 'N', meaning: 'how many keys to make' },

  // --- how to write it --------------------------------------------------------------------------
  format: { type: 'string', short: 'f', value: 'FMT', meaning: 'the output format' },
  to: { type: 'string', value: 'FMT', meaning: 'the format to convert to' },
  type: {
    type: 'string',
    short: 't',
    value: 'TYPE',
    meaning: 'the PEM / DER structure: pkcs8, pkcs1, sec1 (private keys); spki, pkcs1 (public keys)',
  },
  out: {
    type: 'string',
    short: 'o',
    value: 'FILE',
    meaning: 'write the output to FILE (atomically) instead of stdout',
  },
  pub: { type: 'string', short: 'p', value: 'FILE', meaning: 'also write the public key to FILE' },
  public: { type: 'boolean', meaning: 'output only the public key (on stdout, or to --out)' },
  force: {
    type: 'boolean',
    meaning: 'replace what exists: files, or a stored key of the same name (they are refused otherwise)',
  },
  comment: { type: 'string', value: 'TEXT', meaning: 'the OpenSSH comment' },
  kid: { type: 'string', value: 'KID', meaning: 'the key id ("kid")' },
  use: { type: 'string', value: 'USE', meaning: 'the JWK "use": sig or enc' },

  // --- passphrases ------------------------------------------------------------------------------
  encrypt: { type: 'boolean', meaning: 'protect the private key output with a passphrase' },
  'passphrase-file': { type: 'string', value: 'FILE', meaning: 'the passphrase: the first line of FILE (- for stdin)' },
  'passphrase-env': { type: 'string', value: 'VAR', meaning: 'the passphrase: the environment variable VAR' },
  kdf: { type: 'string', value: 'KDF', meaning: 'the KDF of encrypted PKCS#8: pbkdf2 or scrypt' },
  rounds: { type: 'string', value: 'N', meaning: "the bcrypt_pbkdf rounds of an OpenSSH key's passphrase" },

  // --- stores and keys kept elsewhere ---------------------------------------------------------------
  store: {
    type: 'string',
    short: 's',
    value: 'STORE',
    meaning: 'where the keys are kept: a JwkStore FILE, or the platform store tpm / software',
  },
  create: { type: 'boolean', meaning: 'create the store if it does not exist' },
  all: { type: 'boolean', meaning: 'every key, valid now or not' },
  list: { type: 'boolean', meaning: 'list the keys, one JSON line each' },
  yes: { type: 'boolean', short: 'y', meaning: 'do it without asking' },
  key: {
    type: 'string',
    value: 'KEY',
    meaning: 'the private key to use: a key file, or (where the key signs) tpm:NAME / software:NAME',
  },

  // --- certificates and tokens ---------------------------------------------------------------------
  subject: { type: 'string', value: 'DN', meaning: 'the X.509 subject' },
  san: { type: 'string', value: 'NAMES', meaning: 'subject alternative names, comma-separated' },
  days: { type: 'string', value: 'N', meaning: 'validity in days' },
  claims: { type: 'string', value: 'JSON', meaning: 'the JWT claims, a JSON object' },

  // --- the service ----------------------------------------------------------------------------------
  data: { type: 'string', value: 'DIR', meaning: "the service's file store" },
  database: { type: 'string', value: 'URL', meaning: "the service's PostgreSQL database" },
  host: { type: 'string', value: 'HOST', meaning: 'the address to listen on' },
  port: { type: 'string', value: 'N', meaning: 'the port to listen on' },
  cert: { type: 'string', value: 'FILE', meaning: 'the PEM certificate to serve HTTPS with' },
  project: { type: 'string', value: 'P', meaning: 'the project a token or an environment is for' },
  role: { type: 'string', value: 'ROLE', multiple: true, meaning: "a token's role (repeatable)" },
} as const satisfies Record<string, Flag>

export type FlagName = keyof typeof FLAGS

/**
 * A command's options from the glossary: each flag with its glossary type, short letter and
 * placeholder, and the command's own description of it (what values it takes there).
 */
export function flags(described: Partial<Record<FlagName, string>>): Record<string, OptionDef> {
  const out: Record<string, OptionDef> = {}
  for (const [name, description] of Object.entries(described) as [FlagName, string][]) {
    const f: Flag = FLAGS[name]
    const o: OptionDef = { type: f.type, description }
    if (f.short !== undefined) o.short = f.short
    if (f.value !== undefined) o.value = f.value
    if (f.multiple) o.multiple = true
    out[name] = o
  }
  return out
}

/** The aliases a command accepts for its options: alias → the option's name. */
export function aliasesFor(command: string, options: Readonly<Record<string, unknown>>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const name of Object.keys(options)) {
    const f = (FLAGS as Record<string, Flag>)[name]
    for (const [alias, commands] of Object.entries(f?.aliases ?? {})) {
      if (commands.includes(command)) out[alias] = name
    }
  }
  return out
}
