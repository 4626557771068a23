// Running one measurement child: bench/run.mjs and bench/paired.mjs share it.
import { spawn } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')

/**
 * Runs `bin args` in the repository root and resolves with the child's `@@RESULT` JSON, or
 * { ok: false, timedOut, error } when it printed none (killed after timeoutSec).
 */
export function runChild(bin, args, timeoutSec) {
  return new Promise((resolve) => {
    const child = spawn(bin, ['--no-warnings', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => {
      stdout += d
    })
    child.stderr.on('data', (d) => {
      stderr += d
    })
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, timeoutSec * 1000)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      const line = stdout.split('\n').find((l) => l.startsWith('@@RESULT '))
      if (line) {
        try {
          return resolve(JSON.parse(line.slice(9)))
        } catch {}
      }
      const why = timedOut
        ? `timed out after ${Math.round(timeoutSec)} s (killed)`
        : `exited with ${signal ?? code}: ${stderr.trim().split('\n').slice(-1)[0] ?? ''}`
      resolve({ ok: false, timedOut, error: why })
    })
  })
}
