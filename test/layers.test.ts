/**
 * The import directions between the source folders (docs/design.md, "Layers"):
 * a module imports only from its own layer or the layers below it. The check
 * reads every import of every file under src/ (static, type-only, dynamic and
 * re-exports), so a new upward import fails here, and a new folder or
 * top-level file must be given a layer first.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src')

/** Lowest first. A unit is a folder of src/ or a top-level file (without .ts). */
const LAYERS: readonly (readonly string[])[] = [
  ['errors', 'root', 'package-root', 'fs'],
  ['registry'],
  ['native', 'random'],
  ['formats'],
  ['keypair', 'operations'],
  ['generate', 'import'],
  ['jose'],
  ['store'],
  ['apinizer', 'platform-keys'],
  ['server'],
  ['cli', 'index'],
]

const layerOf = new Map<string, number>(LAYERS.flatMap((units, i) => units.map((u) => [u, i] as const)))

function unitOf(file: string): string {
  const rel = relative(SRC, file).split(/[\\/]/)
  return rel.length > 1 ? (rel[0] as string) : (rel[0] as string).replace(/\.(d\.)?[jt]s$/, '')
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name)
    if (e.isDirectory()) return sourceFiles(p)
    return e.name.endsWith('.ts') ? [p] : []
  })
}

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g

interface Edge {
  file: string
  from: string
  to: string
}

/** Every import between two different units. */
function edges(): Edge[] {
  const out: Edge[] = []
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8')
    for (const m of text.matchAll(IMPORT)) {
      const target = resolve(dirname(file), m[1] as string)
      const from = unitOf(file)
      const to = unitOf(target)
      if (from !== to) out.push({ file: relative(SRC, file), from, to })
    }
  }
  return out
}

/** The edges that run upward (or touch a unit without a layer), as readable lines. */
function violations(list: readonly Edge[]): string[] {
  return list.flatMap((e) => {
    const a = layerOf.get(e.from)
    const b = layerOf.get(e.to)
    if (a === undefined) return [`${e.file}: ${e.from} has no layer`]
    if (b === undefined) return [`${e.file}: imports ${e.to}, which has no layer`]
    return b > a ? [`${e.file}: ${e.from} (layer ${a}) imports ${e.to} (layer ${b})`] : []
  })
}

describe('import directions between the source folders', () => {
  const all = edges()

  it('reads the imports of the whole tree', () => {
    // the tree has cross-folder imports in every layer above the errors module
    expect(all.length).toBeGreaterThan(100)
    const units = new Set(all.flatMap((e) => [e.from, e.to]))
    for (const u of ['registry', 'native', 'formats', 'generate', 'store', 'apinizer', 'cli'])
      expect(units).toContain(u)
  })

  it('every folder and top-level file of src/ has a layer', () => {
    const units = new Set(sourceFiles(SRC).map(unitOf))
    expect([...units].filter((u) => !layerOf.has(u))).toEqual([])
  })

  it('no module imports from a layer above its own', () => {
    expect(violations(all)).toEqual([])
  })

  it('the issue-13 cases stay fixed: the store, the formats and the registry import nothing above them', () => {
    const to = (from: string) => new Set(all.filter((e) => e.from === from).map((e) => e.to))
    expect([...to('store')].filter((u) => ['apinizer', 'generate', 'server', 'cli'].includes(u))).toEqual([])
    expect([...to('formats')].filter((u) => ['generate', 'jose', 'keypair', 'operations'].includes(u))).toEqual([])
    expect([...to('registry')]).toEqual(['errors'])
  })

  it('the check finds an upward import, and an import of a unit without a layer', () => {
    expect(
      violations([
        { file: 'store/x.ts', from: 'store', to: 'apinizer' },
        { file: 'formats/y.ts', from: 'formats', to: 'generate' },
        { file: 'formats/z.ts', from: 'formats', to: 'registry' },
        { file: 'jose/w.ts', from: 'jose', to: 'nowhere' },
      ]),
    ).toEqual([
      'store/x.ts: store (layer 7) imports apinizer (layer 8)',
      'formats/y.ts: formats (layer 3) imports generate (layer 5)',
      'jose/w.ts: imports nowhere, which has no layer',
    ])
  })
})
