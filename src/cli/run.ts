/**
 * The dispatcher: `platform-keygen <command> [options]`, or
 * `platform-keygen <JWA alg> [options]` when the first word is no command.
 * JSON and keys go to stdout; messages, progress and errors to stderr.
 */

import { type CommandDef, commandHelp, parseCommand } from './command.js'
import { CERT_COMMAND } from './commands/cert.js'
import { CONVERT_COMMAND } from './commands/convert.js'
import { CSR_COMMAND } from './commands/csr.js'
import { DH_COMMAND } from './commands/dh.js'
import { DSA_COMMAND } from './commands/dsa.js'
import { EC_COMMAND } from './commands/ec.js'
import { INFO_COMMAND } from './commands/info.js'
import { JWA_COMMAND } from './commands/jwa.js'
import { JWK_COMMAND } from './commands/jwk.js'
import { JWKS_COMMAND } from './commands/jwks.js'
import { JWT_COMMAND } from './commands/jwt.js'
import { KEY_COMMAND } from './commands/key.js'
import { ML_DSA_COMMAND } from './commands/ml-dsa.js'
import { ML_KEM_COMMAND } from './commands/ml-kem.js'
import { OKP_COMMAND } from './commands/okp.js'
import { RSA_COMMAND } from './commands/rsa.js'
import { SERVE_COMMAND } from './commands/serve.js'
import { asUsage, describeError, EXIT_OK, EXIT_USAGE, exitCodeFor } from './report.js'
import { packageVersion } from './version.js'

/** One command per file (src/cli/commands/), each with its flags from the glossary (flags.ts). */
export const COMMANDS: readonly CommandDef[] = [
  RSA_COMMAND,
  DSA_COMMAND,
  DH_COMMAND,
  EC_COMMAND,
  OKP_COMMAND,
  ML_DSA_COMMAND,
  ML_KEM_COMMAND,
  JWK_COMMAND,
  JWKS_COMMAND,
  CONVERT_COMMAND,
  INFO_COMMAND,
  SERVE_COMMAND,
  // keys kept by the platform (issue 15)
  KEY_COMMAND,
  JWT_COMMAND,
  CERT_COMMAND,
  CSR_COMMAND,
]

/** Every command including the JWA one, for help and the example tests. */
export const ALL_COMMANDS: readonly CommandDef[] = [JWA_COMMAND, ...COMMANDS]

function topHelp(): string {
  const width = Math.max(...ALL_COMMANDS.map((c) => c.name.length)) + 2
  const lines = [
    'Usage: platform-keygen <JWA alg> [options]',
    '       platform-keygen <command> [options]',
    '',
    "Key generation with the platform's own crypto (Windows CNG, OpenSSL), written as PEM, DER, JWK or OpenSSH.",
    '',
    `  ${'<JWA alg>'.padEnd(width)}${JWA_COMMAND.summary}`,
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'Global options:',
    '  -h, --help      help (also `platform-keygen <command> --help`)',
    '  -V, --version   print the version',
    '',
    'Keys and JSON go to stdout, messages to stderr. Exit codes: 0 success, 1 runtime failure, 2 usage error,',
    '130/143/129/131 interrupted by SIGINT/SIGTERM/SIGHUP/SIGQUIT (only complete files are left), 141 stdout closed early.',
    'Errors print their code and a one-line fix.',
    '',
    'Examples:',
    ...JWA_COMMAND.examples.slice(0, 2).map((e) => `  ${e}`),
    '  platform-keygen rsa --bits 3072 --out rsa.pem --pub rsa.pub.pem',
    '  platform-keygen convert rsa.pem --to jwk',
  ]
  return `${lines.join('\n')}\n`
}

function usageError(message: string): Error {
  return asUsage(Object.assign(new TypeError(message), { code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION' }))
}

/** Runs the CLI; resolves to the exit code. Never throws. */
export async function main(argv: readonly string[]): Promise<number> {
  let command: CommandDef | undefined
  let helpName: string | undefined
  try {
    const [first, ...rest] = argv
    if (first === undefined) {
      process.stderr.write(topHelp())
      return EXIT_USAGE
    }
    if (first === '-h' || first === '--help' || first === 'help') {
      const sub = first === 'help' ? rest[0] : undefined
      const def = sub === undefined ? undefined : COMMANDS.find((c) => c.name === sub)
      if (sub !== undefined && !def) throw usageError(`unknown command ${JSON.stringify(sub)}`)
      process.stdout.write(def ? commandHelp(def) : topHelp())
      return EXIT_OK
    }
    if (first === '-V' || first === '--version') {
      process.stdout.write(`${packageVersion()}\n`)
      return EXIT_OK
    }
    if (first.startsWith('-')) throw usageError(`unknown option ${JSON.stringify(first)}: give a command first`)
    command = COMMANDS.find((c) => c.name === first)
    const args = command ? rest : argv.slice()
    command ??= JWA_COMMAND
    helpName = command === JWA_COMMAND ? first : command.name
    const parsed = parseCommand(command, [...args])
    if (parsed === 'help') {
      process.stdout.write(commandHelp(command))
      return EXIT_OK
    }
    return await command.run(parsed.values, parsed.positionals)
  } catch (err) {
    process.stderr.write(describeError(err, helpName))
    return exitCodeFor(err)
  }
}
