// Builds dist/esm (ES modules) and dist/cjs (CommonJS) from src/ with tsc.
// The only source that differs is src/root.ts (import.meta.url vs __dirname):
// the CommonJS build compiles a copy of src/ with that one file swapped.
import { execFileSync } from 'node:child_process'
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
const run = (project) => execFileSync(process.execPath, [tsc, '-p', project], { cwd: root, stdio: 'inherit' })

rmSync(join(root, 'dist'), { recursive: true, force: true })
run('tsconfig.json')

const cjsSrc = join(root, '.cache', 'cjs-src')
rmSync(cjsSrc, { recursive: true, force: true })
mkdirSync(dirname(cjsSrc), { recursive: true })
cpSync(join(root, 'src'), cjsSrc, { recursive: true })
writeFileSync(
  join(cjsSrc, 'root.ts'),
  "import { findPackageRoot } from './package-root.js'\n\nexport const packageRoot: string = findPackageRoot(__dirname)\n",
)
run('tsconfig.cjs.json')
writeFileSync(join(root, 'dist', 'cjs', 'package.json'), '{ "type": "commonjs" }\n')
