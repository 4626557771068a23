import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { packageRoot } from '../root.js'

/** The version in the package's own package.json. */
export function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version?: unknown }
  return typeof manifest.version === 'string' ? manifest.version : '0.0.0'
}
