/**
 * The npm package as users get it: `npm pack` holds the prebuilt addon and
 * nothing it does not need, publint is clean, and the tarball installs into
 * an empty project with no C++ toolchain reachable — then `import`, `require`
 * and the `platform-keygen` bin all generate keys.
 *
 * How "no compiler was used" is shown, not assumed:
 *  - PATH holds one directory of our own: `node`, `sh`, and traps named cc,
 *    c++, gcc, g++, clang, clang++, make, gmake, python, python3, cmake, ld,
 *    ar and node-gyp that record their call and fail; CC, CXX, LINK and AR
 *    point at traps too. npm prepends only node_modules/.bin folders and its
 *    node-gyp shim; whichever node-gyp runs (npm's bundled one does), it must
 *    find python and make, then a compiler, and each of those is a trap.
 *  - The install must succeed, no trap may have been called, the installed
 *    package must have no build/ folder, and node-gyp-build must resolve the
 *    addon to prebuilds/linux-x64/.
 *
 * Self-contained: it runs `npm run prebuildify` (in a copy of the build inputs)
 * when prebuilds/linux-x64 is missing; that needs the toolchain, which the
 * dev machine and CI have. It
 * packs with --ignore-scripts, so it uses the dist/ that `npm test` built and
 * never rebuilds it under other tests.
 */
import { execFileSync, type SpawnSyncReturns, spawnSync } from 'node:child_process'
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkJsExample, commandLines, jsExamples, shBlocks } from './readme-blocks.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const ARCH = `${process.platform}-${process.arch}`
const WORK = mkdtempSync(join(tmpdir(), 'pk-package-'))
afterAll(() => rmSync(WORK, { recursive: true, force: true }))

/** npm's CLI script, run with the node under test (so Node 20 and 24 each install their own way). */
function npmCli(): string {
  const candidates = [
    join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js'),
    join(
      dirname(realpathSync(execFileSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim())),
      'npm-cli.js',
    ),
  ]
  const found = candidates.find((c) => existsSync(c))
  if (!found) throw new Error(`npm-cli.js not found (looked at ${candidates.join(', ')})`)
  return found
}
const NPM = npmCli()

function run(
  file: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; input?: string },
): SpawnSyncReturns<string> {
  const r = spawnSync(file, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    encoding: 'utf8',
    input: options.input ?? '',
    maxBuffer: 64 << 20,
  })
  if (r.error) throw r.error
  return r
}

function walk(dir: string, base = dir): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name), base) : [relative(base, join(dir, e.name)).split('\\').join('/')],
  )
}

/**
 * `npm run prebuildify` (prebuildify --napi --strip), run in a copy of the package's build inputs:
 * node-gyp rebuilds ./build, and the other suites running beside this one load the addon from
 * the work tree's build/Release. The result is copied into the work tree's prebuilds/.
 */
function buildPrebuild(target: string): void {
  const copy = join(WORK, 'prebuild-src')
  mkdirSync(copy)
  for (const f of ['package.json', 'binding.gyp']) cpSync(join(ROOT, f), join(copy, f))
  cpSync(join(ROOT, 'native'), join(copy, 'native'), { recursive: true })
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'), 'junction')
  const r = run(process.execPath, [NPM, 'run', 'prebuildify'], { cwd: copy })
  if (r.status !== 0) throw new Error(`npm run prebuildify failed:\n${r.stdout}\n${r.stderr}`)
  mkdirSync(target, { recursive: true })
  for (const f of readdirSync(join(copy, 'prebuilds', ARCH))) cpSync(join(copy, 'prebuilds', ARCH, f), join(target, f))
}

/** A prebuild older than any native source or binding.gyp was built from other code: rebuild it. */
function stale(dir: string): boolean {
  const built = Math.min(...readdirSync(dir).map((n) => statSync(join(dir, n)).mtimeMs))
  const sources = execFileSync('git', ['ls-files', 'native', 'binding.gyp'], { cwd: ROOT, encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
  return sources.some((f) => existsSync(join(ROOT, f)) && statSync(join(ROOT, f)).mtimeMs > built)
}

interface Packed {
  tarball: string
  files: string[]
}
let packed: Packed

beforeAll(() => {
  for (const f of ['dist/esm/index.js', 'dist/cjs/index.js', 'dist/esm/cli/main.js']) {
    if (!existsSync(join(ROOT, f)))
      throw new Error(`${f} is missing: run \`npm run build:ts\` first (\`npm test\` does)`)
  }
  const prebuilds = join(ROOT, 'prebuilds', ARCH)
  if (!existsSync(prebuilds) || !readdirSync(prebuilds).some((n) => n.endsWith('.node')) || stale(prebuilds)) {
    rmSync(prebuilds, { recursive: true, force: true })
    buildPrebuild(prebuilds)
  }
  const dest = join(WORK, 'pack')
  mkdirSync(dest)
  const r = run(process.execPath, [NPM, 'pack', '--ignore-scripts', '--json', '--pack-destination', dest], {
    cwd: ROOT,
  })
  if (r.status !== 0) throw new Error(`npm pack failed:\n${r.stderr}`)
  const [info] = JSON.parse(r.stdout) as { filename: string; files: { path: string }[] }[]
  if (!info) throw new Error('npm pack printed no result')
  packed = { tarball: join(dest, info.filename), files: info.files.map((f) => f.path).sort() }
}, 300_000)

describe.skipIf(ARCH !== 'linux-x64')('npm pack', () => {
  it('holds exactly: package.json, README, the bin, binding.gyp, the tracked native sources, dist (less the CLI types and CJS copy), prebuilds', () => {
    const native = execFileSync('git', ['ls-files', 'native'], { cwd: ROOT, encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
    const dist = walk(join(ROOT, 'dist'))
      .map((f) => `dist/${f}`)
      .filter((f) => !f.startsWith('dist/cjs/cli/') && !(f.startsWith('dist/esm/cli/') && f.endsWith('.d.ts')))
    const prebuilds = walk(join(ROOT, 'prebuilds')).map((f) => `prebuilds/${f}`)
    const expected = [
      'package.json',
      'bin/platform-keygen.js',
      'binding.gyp',
      ...(existsSync(join(ROOT, 'README.md')) ? ['README.md'] : []),
      ...(existsSync(join(ROOT, 'LICENSE')) ? ['LICENSE'] : []),
      ...native,
      ...dist,
      ...prebuilds,
    ].sort()
    expect(packed.files).toEqual(expected)
  })

  it('carries the linux-x64 prebuild (prebuildify --napi --strip), and the win32-x64 one exactly when it was built', () => {
    const linux = packed.files.filter((f) => f.startsWith('prebuilds/linux-x64/'))
    expect(linux.length).toBeGreaterThanOrEqual(1)
    for (const f of linux) {
      expect(f).toMatch(/^prebuilds\/linux-x64\/platform-keygen(\.[a-z0-9]+)*\.node$/)
      const elf = readFileSync(join(ROOT, f))
      expect(elf.subarray(0, 4)).toEqual(Buffer.from([0x7f, 0x45, 0x4c, 0x46]))
      // --strip: no symbol table section name left in the file
      expect(elf.includes(Buffer.from('.symtab\0'))).toBe(false)
    }
    const win = packed.files.filter((f) => f.startsWith('prebuilds/win32-x64/'))
    const built = walk(join(ROOT, 'prebuilds', 'win32-x64')).filter((f) => f.endsWith('.node'))
    expect(win).toHaveLength(built.length)
    for (const f of win) expect(readFileSync(join(ROOT, f)).subarray(0, 2).toString('latin1')).toBe('MZ')
  })

  it('holds nothing a user does not need (sources, tests, build output, tooling)', () => {
    const unwanted =
      /^(src|test|build|build-cmake|build-win32|scripts|bench|cmake|node_modules|\.cache|\.github|coverage)\/|^(CMakeLists\.txt|tsconfig.*\.json|biome\.json|vitest\.config\.ts|package-lock\.json)$|\.tgz$|\.tmp$/
    expect(packed.files.filter((f) => unwanted.test(f))).toEqual([])
    expect(packed.files.filter((f) => f.startsWith('dist/cjs/cli/'))).toEqual([])
    expect(statSync(packed.tarball).size).toBeLessThan(4 << 20)
  })

  it('package.json: exports map with types for import and require, bin, engines', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))
    expect(pkg.exports['.']).toEqual({
      import: { types: './dist/esm/index.d.ts', default: './dist/esm/index.js' },
      require: { types: './dist/cjs/index.d.ts', default: './dist/cjs/index.js' },
    })
    expect(pkg.bin).toEqual({ 'platform-keygen': 'bin/platform-keygen.js' })
    for (const f of [
      'bin/platform-keygen.js',
      'dist/esm/index.d.ts',
      'dist/esm/index.js',
      'dist/cjs/index.d.ts',
      'dist/cjs/index.js',
      'dist/esm/cli/main.js',
    ]) {
      expect(packed.files).toContain(f)
    }
    expect(readFileSync(join(ROOT, 'bin/platform-keygen.js'), 'utf8')).toMatch(/^#!\/usr\/bin\/env node\n/)
    expect(JSON.parse(readFileSync(join(ROOT, 'dist/cjs/package.json'), 'utf8'))).toEqual({ type: 'commonjs' })
  })

  it('scripts/pack-check.mjs: each prebuild is a binary for the platform and CPU its folder names', () => {
    const r = run(process.execPath, [join(ROOT, 'scripts', 'pack-check.mjs'), '--require', ARCH], { cwd: ROOT })
    expect(r.stderr.split('\n').filter((l) => l.startsWith('pack-check:'))).toEqual([])
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(/^pack-check: \d+ files; prebuilds: .*prebuilds\/linux-x64\//)
    // and it refuses a release without the targets it is told to require
    const missing = run(process.execPath, [join(ROOT, 'scripts', 'pack-check.mjs'), '--require', 'linux-x64:musl'], {
      cwd: ROOT,
    })
    expect(missing.status).toBe(1)
    expect(missing.stderr).toContain('pack-check: no prebuild for linux-x64:musl')
  })

  it('publint --strict finds nothing to fix', () => {
    const publint = join(ROOT, 'node_modules', 'publint', 'src', 'cli.js')
    const r = run(process.execPath, [publint, '--strict'], { cwd: ROOT })
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0)
    expect(r.stdout).not.toMatch(/Errors:|Warnings:/)
  })
})

const TRAPS = [
  'cc',
  'c++',
  'gcc',
  'g++',
  'clang',
  'clang++',
  'make',
  'gmake',
  'python',
  'python3',
  'cmake',
  'ld',
  'ar',
  'node-gyp',
]

/** The environment variables that say how to reach the npm registry, as this process has them. */
function networkEnv(): NodeJS.ProcessEnv {
  const keep =
    /^(NODE_EXTRA_CA_CERTS|SSL_CERT_FILE|SSL_CERT_DIR|(HTTPS?|NO|ALL)_PROXY|npm_config_(registry|cafile|ca|proxy|https_proxy|noproxy|strict_ssl))$/i
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => keep.test(k)))
}

describe.skipIf(ARCH !== 'linux-x64')('installing the tarball with no compiler on PATH', () => {
  let project: string
  let env: NodeJS.ProcessEnv
  let marker: string
  let install: SpawnSyncReturns<string>

  beforeAll(() => {
    const bin = join(WORK, 'bin')
    mkdirSync(bin)
    marker = join(WORK, 'compiler-was-called')
    symlinkSync(process.execPath, join(bin, 'node'))
    symlinkSync('/bin/sh', join(bin, 'sh'))
    for (const t of TRAPS) {
      writeFileSync(join(bin, t), `#!/bin/sh\necho "${t} $*" >> '${marker}'\nexit 1\n`)
      chmodSync(join(bin, t), 0o755)
    }
    const gypTrap = join(WORK, 'node-gyp-trap.js')
    writeFileSync(
      gypTrap,
      `require('node:fs').appendFileSync(${JSON.stringify(marker)}, 'node-gyp ' + process.argv.slice(2).join(' ') + '\\n'); process.exit(1)\n`,
    )
    project = join(WORK, 'consumer')
    mkdirSync(project)
    writeFileSync(
      join(project, 'package.json'),
      `${JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }, null, 2)}\n`,
    )
    env = {
      // how this machine reaches the registry (a TLS proxy's CA, a proxy): kept, as a user's
      // machine keeps them; only the compilers are taken away
      ...networkEnv(),
      HOME: process.env.HOME,
      PATH: bin,
      CC: join(bin, 'cc'),
      CXX: join(bin, 'c++'),
      LINK: join(bin, 'c++'),
      AR: join(bin, 'ar'),
      npm_config_node_gyp: gypTrap,
      npm_config_update_notifier: 'false',
    }
    // as the README's Install section says: the tarball beside the project's package.json,
    // `npm install ./platform-keygen-0.1.0.tgz`; let the install script talk, so a failure shows why
    const readmeInstall = commandLines(shBlocks()[2] ?? '')
    expect(readmeInstall).toEqual([`npm install ./${basename(packed.tarball)}`])
    cpSync(packed.tarball, join(project, basename(packed.tarball)))
    const [, ...readmeArgs] = (readmeInstall[0] as string).split(' ')
    install = run(
      process.execPath,
      [NPM, ...readmeArgs, '--prefer-offline', '--no-audit', '--no-fund', '--foreground-scripts'],
      { cwd: project, env },
    )
  }, 300_000)

  it('npm install succeeds, and no compiler, linker, make, python or node-gyp was called', () => {
    expect(install.status, `${install.stdout}\n${install.stderr}`).toBe(0)
    expect(existsSync(marker) ? readFileSync(marker, 'utf8') : '').toBe('')
    const pkgDir = join(project, 'node_modules', 'platform-keygen')
    expect(existsSync(join(pkgDir, 'build'))).toBe(false)
    expect(existsSync(join(pkgDir, 'prebuilds', 'linux-x64'))).toBe(true)
  })

  it('node-gyp-build resolves the addon to the prebuild', () => {
    const r = run(
      'node',
      [
        '-p',
        "require('node-gyp-build').path(require('node:path').dirname(require.resolve('platform-keygen/package.json')))",
      ],
      {
        cwd: join(project, 'node_modules', 'platform-keygen'),
        env,
      },
    )
    expect(r.stderr).toBe('')
    expect(r.stdout.trim()).toMatch(
      /\/node_modules\/platform-keygen\/prebuilds\/linux-x64\/platform-keygen(\.[a-z0-9]+)*\.node$/,
    )
  })

  it('import (ESM) generates a key; the typed errors work', () => {
    const code = `
      import { generateKey, checkKeyLength, capabilities } from 'platform-keygen'
      const key = await generateKey({ algorithm: 'ECDSA_P256' })
      const jwk = key.export({ format: 'jwk' })
      let code
      try { checkKeyLength('RSA', 2047) } catch (e) { code = e.code }
      console.log(JSON.stringify({ kty: jwk.kty, crv: jwk.crv, d: typeof jwk.d, code, provider: capabilities().provider }))
    `
    const r = run('node', ['--input-type=module', '-e', code], { cwd: project, env })
    expect(r.stderr).toBe('')
    expect(JSON.parse(r.stdout)).toEqual({
      kty: 'EC',
      crv: 'P-256',
      d: 'string',
      code: 'ERR_KEY_LENGTH',
      provider: 'openssl',
    })
  })

  it('require (CommonJS) generates a key', () => {
    const code = `
      const { generateKey } = require('platform-keygen')
      generateKey({ algorithm: 'RSA', length: 2048 }).then((key) => {
        const pem = key.export({ format: 'pem' })
        const { createPrivateKey } = require('node:crypto')
        console.log(JSON.stringify({ pem: pem.split('\\n')[0], bits: createPrivateKey(pem).asymmetricKeyDetails.modulusLength }))
      })
    `
    const r = run('node', ['-e', code], { cwd: project, env })
    expect(r.stderr).toBe('')
    expect(JSON.parse(r.stdout)).toEqual({ pem: '-----BEGIN PRIVATE KEY-----', bits: 2048 })
  })

  it('the platform-keygen/formats subpath loads in ESM and CommonJS; the main export leaves its converters out', () => {
    const esm = `
      import * as main from 'platform-keygen'
      import { generateKey } from 'platform-keygen'
      import { parseBlob, privateKeyDer, toPem, writeBlob } from 'platform-keygen/formats'
      const key = await generateKey({ algorithm: 'ECDSA_P256' })
      const { material } = parseBlob(key.export({ format: 'blob' }))
      const pem = toPem(privateKeyDer(material, 'pkcs8'), 'PRIVATE KEY')
      const back = parseBlob(writeBlob(material, 'private')).material
      console.log(JSON.stringify({
        curve: material.curve,
        samePem: pem === key.export({ format: 'pem' }),
        sameD: Buffer.from(back.d).equals(Buffer.from(material.d)),
        inMain: ['parseBlob', 'writeBlob', 'privateKeyDer', 'publicKeyDer', 'toPem', 'toOpenSsh', 'materialToJwk', 'jwkToMaterial'].filter((n) => n in main),
      }))
    `
    const r = run('node', ['--input-type=module', '-e', esm], { cwd: project, env })
    expect(r.stderr).toBe('')
    expect(JSON.parse(r.stdout)).toEqual({ curve: 'P-256', samePem: true, sameD: true, inMain: [] })
    const cjs = `
      const formats = require('platform-keygen/formats')
      const main = require('platform-keygen')
      console.log(JSON.stringify({ formats: Object.keys(formats).sort(), writeBlobInMain: 'writeBlob' in main }))
    `
    const c = run('node', ['-e', cjs], { cwd: project, env })
    expect(c.stderr).toBe('')
    expect(JSON.parse(c.stdout)).toEqual({
      formats: [
        'jwkToMaterial',
        'materialToJwk',
        'parseBlob',
        'privateKeyDer',
        'publicJwk',
        'publicKeyDer',
        'toOpenSsh',
        'toPem',
        'writeBlob',
      ],
      writeBlobInMain: false,
    })
  })

  it('the platform-keygen bin runs (node_modules/.bin)', () => {
    const binPath = join(project, 'node_modules', '.bin', 'platform-keygen')
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))
    const version = run(binPath, ['--version'], { cwd: project, env })
    expect({ status: version.status, stdout: version.stdout, stderr: version.stderr }).toEqual({
      status: 0,
      stdout: `${pkg.version}\n`,
      stderr: '',
    })
    const key = run(binPath, ['okp', '--curve', 'Ed25519', '--format', 'openssh', '--public'], { cwd: project, env })
    expect(key.stderr).toBe('')
    expect(key.stdout).toMatch(/^ssh-ed25519 [A-Za-z0-9+/=]+\n$/)
    const jwk = run(binPath, ['ES256'], { cwd: project, env })
    expect(jwk.stderr).toBe('')
    expect(JSON.parse(jwk.stdout)).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256' })
  })

  /** tsc (strict, nodenext, --traceResolution) over `files` in the project; fails with tsc's errors. */
  function typecheck(config: string, files: string[]): ReturnType<typeof run> {
    writeFileSync(
      join(project, config),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          moduleResolution: 'nodenext',
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          types: ['node'],
          typeRoots: [join(ROOT, 'node_modules', '@types')],
        },
        files,
      }),
    )
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc')
    const r = run('node', [tsc, '-p', config, '--traceResolution'], { cwd: project, env })
    expect(
      r.status,
      r.stdout
        .split('\n')
        .filter((l) => l.includes('error'))
        .join('\n'),
    ).toBe(0)
    return r
  }

  it('TypeScript resolves the types of both entry points (import from .mts, require from .cts)', () => {
    writeFileSync(
      join(project, 'a.mts'),
      "import { generateKey, type KeyPair } from 'platform-keygen'\nexport const k: Promise<KeyPair> = generateKey({ algorithm: 'RSA', length: 2048 })\n",
    )
    writeFileSync(
      join(project, 'b.cts'),
      "import pk = require('platform-keygen')\nexport const n: number = pk.checkKeyLength('RSA', 2048)\n",
    )
    const r = typecheck('tsconfig.json', ['a.mts', 'b.cts'])
    expect(r.stdout).toContain("'platform-keygen' was successfully resolved to")
    expect(r.stdout).toMatch(/node_modules\/platform-keygen\/dist\/esm\/index\.d\.ts/)
    expect(r.stdout).toMatch(/node_modules\/platform-keygen\/dist\/cjs\/index\.d\.ts/)
  })

  it('TypeScript resolves the types of platform-keygen/formats (import from .mts, require from .cts)', () => {
    writeFileSync(
      join(project, 'c.mts'),
      "import { type KeyMaterial, writeBlob } from 'platform-keygen/formats'\nexport const f: (m: KeyMaterial, k: 'public') => Uint8Array = writeBlob\n",
    )
    writeFileSync(
      join(project, 'd.cts'),
      "import formats = require('platform-keygen/formats')\nexport const pem: string = formats.toPem(new Uint8Array(1), 'PUBLIC KEY')\n",
    )
    const r = typecheck('tsconfig.formats.json', ['c.mts', 'd.cts'])
    expect(r.stdout).toMatch(/node_modules\/platform-keygen\/dist\/esm\/formats\/index\.d\.ts/)
    expect(r.stdout).toMatch(/node_modules\/platform-keygen\/dist\/cjs\/formats\/index\.d\.ts/)
  })

  it("the README's JavaScript examples run from this project and print what they say", async () => {
    const examples = jsExamples()
    expect(examples.length).toBeGreaterThanOrEqual(10)
    const probe = run(
      'node',
      [
        '--input-type=module',
        '-e',
        "import { capabilities } from 'platform-keygen'; console.log(capabilities().algorithms['ML-KEM'].supported)",
      ],
      { cwd: project, env },
    )
    expect(probe.stderr).toBe('')
    const postQuantum = probe.stdout.trim() === 'true'
    const nodeMajor = Number(process.versions.node.split('.')[0])
    for (const code of examples) await checkJsExample(code, { cwd: project, node: 'node', env, nodeMajor, postQuantum })
  }, 300_000)

  it('the installed package is the packed file list plus nothing built', () => {
    const installed = walk(join(project, 'node_modules', 'platform-keygen')).sort()
    expect(installed).toEqual(packed.files)
  })

  it('control: the same package without its prebuilds fails to install here, and the traps saw the build', () => {
    // the harness must be able to see a build: repack without prebuilds/ and install with the same PATH and env
    const copy = join(WORK, 'no-prebuilds', 'package')
    mkdirSync(dirname(copy), { recursive: true })
    execFileSync('tar', ['-xzf', packed.tarball, '-C', dirname(copy)])
    rmSync(join(copy, 'prebuilds'), { recursive: true, force: true })
    const pack = run(
      process.execPath,
      [NPM, 'pack', '--ignore-scripts', '--json', '--pack-destination', dirname(copy)],
      {
        cwd: copy,
      },
    )
    expect(pack.status, pack.stderr).toBe(0)
    const tarball = join(dirname(copy), (JSON.parse(pack.stdout) as { filename: string }[])[0]?.filename as string)
    const consumer = join(WORK, 'no-prebuilds', 'consumer')
    mkdirSync(consumer)
    writeFileSync(join(consumer, 'package.json'), '{ "name": "control", "version": "1.0.0", "private": true }\n')
    const before = existsSync(marker) ? readFileSync(marker, 'utf8') : ''
    const r = run(process.execPath, [NPM, 'install', '--prefer-offline', '--no-audit', '--no-fund', tarball], {
      cwd: consumer,
      env,
    })
    expect(r.status).not.toBe(0)
    // node-gyp (npm's own) ran and went looking for python first: a trap
    expect(r.stderr).toMatch(/gyp ERR!/)
    expect(readFileSync(marker, 'utf8').slice(before.length)).toMatch(/^(python3?|make|node-gyp|cc|c\+\+|g\+\+|gcc) /m)
    rmSync(marker, { force: true })
  })
})
