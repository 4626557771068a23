import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The Wine suite runs on its own (npm run test:windows).
    exclude: ['test/windows/**', 'node_modules/**'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // keeps Node's WebCrypto ExperimentalWarnings (X448, ML-DSA) off the report; lets the worker
    // read vitest's replies between tests (test/setup-yield.ts: a loaded machine, blocking tests)
    setupFiles: ['test/setup-warnings.ts', 'test/setup-yield.ts'],
  },
})
