#!/usr/bin/env node
/** The `platform-keygen` executable (package.json "bin"). */
import { main } from './run.js'

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (err: unknown) => {
    process.stderr.write(`platform-keygen: ${err instanceof Error ? err.message : String(err)}\n`)
    process.exitCode = 1
  },
)
