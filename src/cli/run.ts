/**
 * The dispatcher: `platform-keygen <command> [options]`, or
 * `platform-keygen <JWA alg> [options]` when the first word is no command.
 * JSON and keys go to stdout; messages, progress and errors to stderr.
 */

import { type CommandDef, commandHelp, parseCommand } from './command.js'
import { COMMANDS } from './commands/index.js'
import { JWA_COMMAND } from './commands/jwa.js'
import { asUsage, describeError, EXIT_OK, EXIT_USAGE, exitCodeFor } from './report.js'
import { packageVersion } from './version.js'

export { COMMANDS }

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
