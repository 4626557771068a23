import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'

/** Walks up from `start` to the folder whose package.json names this package. */
export function findPackageRoot(start: string): string {
  for (let dir = start; ; ) {
    const manifest = join(dir, 'package.json')
    if (existsSync(manifest)) {
      try {
        if (JSON.parse(readFileSync(manifest, 'utf8')).name === 'platform-keygen') return dir
      } catch {
        // not ours; keep walking
      }
    }
    const up = dirname(dir)
    if (up === dir) return start
    dir = up
  }
}
