/**
 * The loader turns a missing native build or a runtime without OpenSSL's
 * symbols into ERR_NOT_SUPPORTED_ON_PLATFORM with advice, at the first call
 * that needs native code — importing the package never fails.
 */
import { execFileSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('..', import.meta.url))
let dir: string

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pk-loader-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Runs a snippet against a copy of the package at `pkg`; returns its one JSON line. */
function probe(pkg: string, env: Record<string, string> = {}): Record<string, unknown> {
  const code = `
    const m = await import(${JSON.stringify(join(pkg, 'dist/esm/index.js'))})
    const table = Object.keys(m.keyLengthTable).length
    try {
      m.capabilities()
      console.log(JSON.stringify({ table, loaded: true }))
    } catch (err) {
      console.log(JSON.stringify({ table, code: err.code, name: err.name, message: err.message }))
    }`
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', code], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  return JSON.parse(out)
}

describe('the native loader', () => {
  it('without any native build: import works, the first native call says how to get one', () => {
    const pkg = join(dir, 'no-build')
    mkdirSync(pkg)
    cpSync(join(root, 'dist'), join(pkg, 'dist'), { recursive: true })
    cpSync(join(root, 'package.json'), join(pkg, 'package.json'))
    mkdirSync(join(pkg, 'node_modules'))
    cpSync(join(root, 'node_modules', 'node-gyp-build'), join(pkg, 'node_modules', 'node-gyp-build'), {
      recursive: true,
    })
    const r = probe(pkg)
    expect(r.table).toBe(14)
    expect(r.code).toBe('ERR_NOT_SUPPORTED_ON_PLATFORM')
    expect(r.name).toBe('NotSupportedOnPlatformError')
    expect(r.message).toContain(`${process.platform}-${process.arch}`)
    expect(r.message).toContain('npm rebuild platform-keygen')
  })

  it('an addon whose OpenSSL symbols the runtime lacks (as under Electron): the message says so', () => {
    const src = join(dir, 'needs-symbol.c')
    const lib = join(dir, 'needs-symbol.node')
    writeFileSync(
      src,
      'extern void EVP_PKEY_platform_keygen_missing(void);\nvoid use(void) { EVP_PKEY_platform_keygen_missing(); }\n',
    )
    execFileSync('cc', ['-shared', '-fPIC', '-Wl,-z,now', '-o', lib, src])
    const r = probe(root, { PLATFORM_KEYGEN_NATIVE: lib })
    expect(r.code).toBe('ERR_NOT_SUPPORTED_ON_PLATFORM')
    expect(r.message).toMatch(/undefined symbol: EVP_PKEY_platform_keygen_missing/)
    expect(r.message).toMatch(/OpenSSL that the node binary exports/)
    expect(r.message).toMatch(/Electron/)
  })

  it('the real build loads', () => {
    expect(probe(root)).toEqual({ table: 14, loaded: true })
  })
})
