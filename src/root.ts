/**
 * The package's root folder, where node-gyp-build looks for build/ and
 * prebuilds/. This is the ES module version; scripts/build-ts.mjs swaps in
 * a __dirname-based one for the CommonJS build.
 */
import { fileURLToPath } from 'node:url'
import { findPackageRoot } from './package-root.js'

export const packageRoot: string = findPackageRoot(fileURLToPath(new URL('.', import.meta.url)))
