// Sums vitest JSON reports into one closing line: "tests: N passed, N failed, N skipped".
import { readFileSync } from 'node:fs'

let passed = 0
let failed = 0
let skipped = 0
for (const file of process.argv.slice(2)) {
  const r = JSON.parse(readFileSync(file, 'utf8'))
  const s = r.numPendingTests + r.numTodoTests
  console.log(`${file}: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${s} skipped`)
  passed += r.numPassedTests
  failed += r.numFailedTests
  skipped += s
}
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`)
process.exit(failed > 0 || passed === 0 ? 1 : 0)
