#!/usr/bin/env node
// The platform-keygen executable (package.json "bin"). The CLI itself is compiled from src/cli/
// into dist/esm/cli/ by `npm run build:ts`; in a fresh checkout that has not been built yet, say so.
import('../dist/esm/cli/main.js').catch((err) => {
  if (err?.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('main.js')) {
    process.stderr.write('platform-keygen: dist/ is not built yet\n  fix: run `npm run build:ts` (or `npm install`)\n')
    process.exit(1)
  }
  throw err
})
