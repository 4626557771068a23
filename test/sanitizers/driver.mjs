/**
 * The sanitizer / valgrind driver (scripts/sanitizers.sh, scripts/valgrind.sh).
 *
 *   node --expose-gc test/sanitizers/driver.mjs full        every algorithm × every export and operation, error paths,
 *                                                          2,000 keys concurrently, 5,000 dropped to the GC
 *   node test/sanitizers/driver.mjs workers                 worker teardown with keys held, and workers
 *                                                          terminated with RSA-4096 generations pending
 *   node --expose-gc test/sanitizers/driver.mjs valgrind    a small generate → export (every format) → destroy
 *                                                          loop over every algorithm, error paths, GC
 *   node test/sanitizers/driver.mjs exit                    process.exit() with live handles and pending generations
 *
 * Loads the package from dist/esm, and the addon named by PLATFORM_KEYGEN_NATIVE
 * (the instrumented build). Prints one JSON line of counts; exits non-zero
 * on any failed check.
 */
import {
  check,
  DIST,
  dropToGc,
  everyAlgorithm,
  everyOperation,
  NATIVE,
  nativeErrorPaths,
  releasedByGc,
  workers,
} from './exercise.mjs'

const mode = process.argv[2] ?? 'full'
const pk = await import(DIST)
const { native } = await import(NATIVE)
const binding = native()
const started = binding.liveHandles().process
const report = {
  mode,
  node: process.version,
  openssl: process.versions.openssl,
  addon: process.env.PLATFORM_KEYGEN_NATIVE,
}

if (mode === 'exit') {
  globalThis.keep = []
  for (let i = 0; i < 20; i++) globalThis.keep.push(await pk.generateKey({ algorithm: 'ECDH_P384' }))
  for (let i = 0; i < 4; i++) pk.generateKey({ algorithm: 'RSA', length: 4096 }).then((k) => globalThis.keep.push(k))
  for (let i = 0; i < 50; i++) pk.generateKey({ algorithm: 'ECDSA_P256' }).then((k) => globalThis.keep.push(k))
  report.live = binding.liveHandles().process
  console.log(JSON.stringify(report))
  process.exit(0)
}

if (mode === 'workers') {
  report.workers = []
  for (let i = 0; i < 3; i++) report.workers.push(await workers(binding, { rsaBits: 4096 }))
} else {
  check(typeof globalThis.gc === 'function', 'run with --expose-gc')
  const small = mode === 'valgrind'
  report.algorithms = await everyAlgorithm(pk, { small, rounds: small ? 2 : 3 })
  report.nativeErrors = await nativeErrorPaths(binding)
  const beforeOperations = binding.liveHandles().process
  report.operations = await everyOperation(pk, binding, { small })
  await releasedByGc(binding, beforeOperations)
  if (!small) {
    const many = await Promise.all(Array.from({ length: 2000 }, () => pk.generateKey({ algorithm: 'ECDSA_P256' })))
    const xs = new Set(many.map((k) => k.publicKey.export({ format: 'jwk' }).x))
    check(xs.size === many.length, 'concurrent keys are distinct')
    for (const k of many) k.destroy()
    report.concurrent = many.length
  }
  report.gc = await dropToGc(pk, binding, small ? 300 : 5000)
}

const ended = binding.liveHandles().process
check(ended === started, `every handle released (started ${started}, ended ${ended})`)
report.liveHandles = { started, ended }
console.log(JSON.stringify(report))
