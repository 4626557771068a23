/**
 * vitest setup (vitest.config.ts): Node's "The X448 / ML-DSA-65 … Web Crypto API algorithm is an
 * experimental feature" ExperimentalWarnings, printed once per test process when the jose
 * drop-in makes such CryptoKeys, are kept off the test report. Every other warning goes out.
 */
const WEBCRYPTO_EXPERIMENTAL = /Web Crypto API algorithm is an experimental feature/
const emit = process.emitWarning
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  if (WEBCRYPTO_EXPERIMENTAL.test(typeof warning === 'string' ? warning : warning.message)) return
  return (emit as (...a: unknown[]) => void).call(process, warning, ...rest)
}) as typeof process.emitWarning
