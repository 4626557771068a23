// clang-format over the C++ sources: checks (default) or rewrites (--fix).
import { execFileSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const files = []
const walk = (dir) => {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    if (e.isDirectory()) walk(p)
    else if (/\.(cc|h)$/.test(e.name)) files.push(p)
  }
}
walk(join(root, 'native'))
const args = process.argv.includes('--fix') ? ['-i', ...files] : ['--dry-run', '--Werror', ...files]
try {
  execFileSync('clang-format', args, { stdio: 'inherit' })
} catch (err) {
  if (err.code === 'ENOENT') console.error('clang-format not found: apt-get install clang-format')
  process.exit(1)
}
console.log(`clang-format: ${files.length} files ${process.argv.includes('--fix') ? 'formatted' : 'clean'}`)
