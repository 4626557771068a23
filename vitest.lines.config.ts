/**
 * The Node 22 and Node 26 lines of CI (.ci/run): every test file EXCEPT the ones whose outcome
 * does not depend on the Node line or its OpenSSL, which run under Node 24 only (the full
 * `npm test`, with the PostgreSQL cluster). Those files drive the service, the JWK store and the
 * CLI through child processes and the file system: their code under test is our TypeScript, the
 * same on every line, and what it reaches of the runtime (the addon, node:crypto, jose's
 * WebCrypto, workers, the GC) is judged per line by the in-process suites that stay here.
 *
 * Run: `npm test -- --config vitest.lines.config.ts` (prints what it leaves out).
 */
import { defineConfig } from 'vitest/config'
import base from './vitest.config.js'

/** Run under Node 24 only (CI's full `npm test`); the reason is above. */
export const NODE24_ONLY = [
  'test/server.test.ts',
  // also needs PLATFORM_KEYGEN_TEST_PG_URL: the PostgreSQL suite runs on one line
  'test/server-postgres.test.ts',
  'test/store.test.ts',
  'test/cli-*.test.ts',
]

console.log(`vitest.lines.config.ts: under Node 24 only (not on this line): ${NODE24_ONLY.join(', ')}`)

export default defineConfig({
  test: {
    ...base.test,
    exclude: [...(base.test?.exclude ?? []), ...NODE24_ONLY],
  },
})
