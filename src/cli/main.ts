#!/usr/bin/env node
/** The `platform-keygen` executable (package.json "bin"). */
import { main } from './run.js'

// A reader that goes away (`platform-keygen ... | head -1`): stop quietly, as a process killed by
// SIGPIPE would (128 + 13). Keys already written to files are complete; nothing else is started.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(141)
  throw err
})

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (err: unknown) => {
    process.stderr.write(`platform-keygen: ${err instanceof Error ? err.message : String(err)}\n`)
    process.exitCode = 1
  },
)
