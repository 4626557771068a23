#!/usr/bin/env node
// Checks what `npm pack` would publish, before it is published:
//  - every required prebuild is there: prebuilds/<platform>-<arch>/platform-keygen*.node, with
//    the libc tag when one is asked for (linux-x64:musl → a file tagged .musl.);
//  - every prebuild in the tarball is a binary for the platform and CPU its folder names
//    (ELF e_machine, Mach-O cputype, PE machine), so a mislabelled artifact cannot ship;
//  - nothing a user does not need is in it (sources, tests, build output, tooling).
//
//   node scripts/pack-check.mjs                      # requires this machine's platform-arch
//   node scripts/pack-check.mjs --require linux-x64:glibc,linux-x64:musl,darwin-arm64,...
//
// Exit code 0 when all is well, 1 otherwise (each problem on stderr).
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')

const requireArg = process.argv.indexOf('--require')
const required = (requireArg > 0 ? (process.argv[requireArg + 1] ?? '') : `${process.platform}-${process.arch}`)
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean)

const npm = process.env.npm_execpath
const packArgs = ['pack', '--dry-run', '--json', '--ignore-scripts']
const out = npm
  ? execFileSync(process.execPath, [npm, ...packArgs], { cwd: root, encoding: 'utf8' })
  : execFileSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', packArgs, {
      cwd: root,
      encoding: 'utf8',
      shell: process.platform === 'win32',
    })
const files = JSON.parse(out)[0].files.map((f) => f.path.split('\\').join('/'))
const problems = []

const UNWANTED =
  /^(src|test|build|build-cmake|build-win32|scripts|bench|cmake|node_modules|\.cache|\.github|coverage)\/|^(CMakeLists\.txt|tsconfig.*\.json|biome\.json|vitest\.config\.ts|package-lock\.json)$|\.tgz$|\.tmp$/
for (const f of files) if (UNWANTED.test(f)) problems.push(`${f} should not be in the package`)
for (const f of [
  'package.json',
  'bin/platform-keygen.js',
  'dist/esm/index.js',
  'dist/cjs/index.js',
  'dist/esm/cli/main.js',
  'binding.gyp',
]) {
  if (!files.includes(f)) problems.push(`${f} is missing from the package`)
}

const prebuilds = files.filter((f) => f.startsWith('prebuilds/') && f.endsWith('.node'))
for (const r of required) {
  const [target, libc] = r.split(':')
  const found = prebuilds.filter((f) => {
    const [, dir, name] = f.split('/')
    return (
      dir === target && /^platform-keygen(\.[a-z0-9]+)*\.node$/.test(name) && (!libc || name.split('.').includes(libc))
    )
  })
  if (found.length === 0) problems.push(`no prebuild for ${r}`)
}

/** The platform and CPU a binary was built for, read from its header. */
function binaryTarget(buf) {
  if (buf.readUInt32BE(0) === 0x7f454c46) {
    const machine = buf.readUInt16LE(18)
    return `linux-${{ 62: 'x64', 183: 'arm64', 40: 'arm', 3: 'ia32' }[machine] ?? `machine${machine}`}`
  }
  const macho = buf.readUInt32LE(0)
  if (macho === 0xfeedfacf) {
    const cpu = buf.readUInt32LE(4)
    return `darwin-${{ 16777223: 'x64', 16777228: 'arm64' }[cpu] ?? `cpu${cpu.toString(16)}`}`
  }
  if (buf.toString('latin1', 0, 2) === 'MZ') {
    const pe = buf.readUInt32LE(0x3c)
    if (buf.toString('latin1', pe, pe + 4) !== 'PE\0\0') return 'not a PE file'
    const machine = buf.readUInt16LE(pe + 4)
    return `win32-${{ 34404: 'x64', 43620: 'arm64', 332: 'ia32' }[machine] ?? `machine${machine.toString(16)}`}`
  }
  return 'unknown format'
}

for (const f of prebuilds) {
  const dir = f.split('/')[1]
  const target = binaryTarget(readFileSync(join(root, f)))
  if (target !== dir) problems.push(`${f} is a ${target} binary, not ${dir}`)
}

if (problems.length > 0) {
  for (const p of problems) process.stderr.write(`pack-check: ${p}\n`)
  process.exit(1)
}
process.stdout.write(`pack-check: ${files.length} files; prebuilds: ${prebuilds.join(', ')}\n`)
