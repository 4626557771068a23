// The closing lines of .ci/run:
//   --steps FILE   the duration of every step (FILE: "seconds<TAB>name" lines, written by .ci/run's
//                  step function), with its share of the total
//   --total N      the whole run's seconds (from the start of .ci/run)
//   FILE.json ...  vitest JSON reports, summed into "tests: N passed, N failed, N skipped"
// Exits 1 when a report has a failure or no report passed anything (with reports given).
import { existsSync, readFileSync } from 'node:fs'

const args = process.argv.slice(2)
const reports = []
let stepsFile
let total
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--steps') stepsFile = args[++i]
  else if (args[i] === '--total') total = Number(args[++i])
  else reports.push(args[i])
}

const minutes = (s) => `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`

if (stepsFile !== undefined && existsSync(stepsFile)) {
  const steps = readFileSync(stepsFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const tab = line.indexOf('\t')
      return { seconds: Number(line.slice(0, tab)), name: line.slice(tab + 1) }
    })
  const sum = steps.reduce((a, s) => a + s.seconds, 0)
  const whole = total ?? sum
  console.log('step durations (seconds, share of the total):')
  for (const s of steps) {
    const share = whole > 0 ? ((100 * s.seconds) / whole).toFixed(1) : '0.0'
    console.log(`${String(s.seconds).padStart(6)} s ${share.padStart(5)} %  ${s.name}`)
  }
  console.log(
    `total: ${whole} s (${minutes(whole)})${total !== undefined && total !== sum ? `; the steps: ${sum} s` : ''}`,
  )
} else if (total !== undefined) {
  console.log(`total: ${total} s (${minutes(total)})`)
}

if (reports.length > 0) {
  let passed = 0
  let failed = 0
  let skipped = 0
  for (const file of reports) {
    const r = JSON.parse(readFileSync(file, 'utf8'))
    const s = r.numPendingTests + r.numTodoTests
    console.log(`${file}: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${s} skipped`)
    passed += r.numPassedTests
    failed += r.numFailedTests
    skipped += s
  }
  console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`)
  process.exit(failed > 0 || passed === 0 ? 1 : 0)
}
