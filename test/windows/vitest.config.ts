// The Wine suite on its own (npm run test:windows): one node.exe process under
// Wine, driven from beforeAll, so long timeouts and no parallel files.
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/windows/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 600_000,
    pool: 'forks',
    fileParallelism: false,
  },
})
