/**
 * The "old OpenSSL" check of CI (.ci/run): a runtime whose OpenSSL is 3.0 has no ML-DSA / ML-KEM,
 * and every way to ask for them must fail with ERR_NOT_SUPPORTED_ON_PLATFORM (naming the OpenSSL
 * found) — the library, the jose drop-in, sync calls, key import and the CLI — and what
 * OpenSSL 3.2 brought (PKCS#1 v1.5 implicit rejection, Ed448 context strings) must be refused
 * before 3.2 rather than done wrong (test/operations*.test.ts). Node 20 is past end of life and
 * outside package.json's engines, but a Node ≥ 22 built against a system OpenSSL 3.0 (Debian and
 * Ubuntu package their node that way) behaves the same, so these files run under the machine's
 * Node 20, the only OpenSSL 3.0 node here. Their `runIf(!PQ)` / `skipIf(PQ)` tests are the point;
 * PLATFORM_KEYGEN_REQUIRE_NO_PQ=1 makes test/pq.test.ts fail if the runtime has ML-DSA after all,
 * so those tests cannot quietly skip.
 *
 * Run: `PLATFORM_KEYGEN_REQUIRE_NO_PQ=1 npx vitest run --config vitest.old-openssl.config.ts`.
 */
import { defineConfig } from 'vitest/config'
import base from './vitest.config.js'

export const OLD_OPENSSL = [
  'test/pq.test.ts',
  'test/sync.test.ts',
  'test/generate-keys.test.ts',
  'test/jose-keypair.test.ts',
  'test/operations.test.ts',
  'test/operations-bad-inputs.test.ts',
  'test/cli-errors.test.ts',
  'test/cli-keygen.test.ts',
  'test/cli-jose.test.ts',
]

export default defineConfig({
  test: {
    ...base.test,
    include: OLD_OPENSSL,
  },
})
