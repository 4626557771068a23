/** capabilities(): what the provider has, probed once; and the advice when a spec asks for what it lacks. */

import { NotSupportedOnPlatformError } from '../errors.js'
import { call, type NativeAlgorithmCapability, type NativeCapabilities, native, type Provider } from '../native.js'
import type { Algorithm, Curve } from '../registry.js'
import type { ResolvedSpec } from './spec.js'

export interface Capabilities {
  provider: Provider
  providerVersion: string
  runtime: { node: string; platform: string; arch: string; openssl?: string }
  algorithms: Record<string, NativeAlgorithmCapability>
}

let cached: NativeCapabilities | undefined

export function nativeCapabilities(): NativeCapabilities {
  if (!cached) {
    const binding = native()
    cached = call(() => binding.capabilities())
  }
  return cached
}

/** What this runtime's provider really has (probed at run time, not assumed). */
export function capabilities(): Capabilities {
  const c = nativeCapabilities()
  const runtime: Capabilities['runtime'] = { node: process.version, platform: process.platform, arch: process.arch }
  if (process.versions.openssl) runtime.openssl = process.versions.openssl
  return {
    provider: c.provider,
    providerVersion: c.providerVersion,
    runtime,
    algorithms: structuredClone(c.algorithms),
  }
}

function advice(provider: Provider, algorithm: Algorithm, curve?: Curve): string {
  if (algorithm === 'ML-DSA' || algorithm === 'ML-KEM') {
    return provider === 'openssl'
      ? 'ML-DSA and ML-KEM need OpenSSL 3.5 or later: run on Node.js 24 or later'
      : 'ML-DSA and ML-KEM need a Windows build whose CNG has them (Windows 11 24H2 / Windows Server 2025 or later)'
  }
  if (provider === 'cng' && (curve === 'Ed25519' || curve === 'Ed448' || curve === 'X448')) {
    return `Windows CNG has no ${curve}; the OpenSSL backend (Linux, macOS) has it`
  }
  return 'this provider was built without it'
}

export function requireCapability(r: ResolvedSpec): void {
  const c = nativeCapabilities()
  const a = c.algorithms[r.algorithm]
  const what = r.parameterSet ? `${r.algorithm}-${r.parameterSet}` : r.curve ? `${r.algorithm} ${r.curve}` : r.algorithm
  const missing =
    !a?.supported ||
    (r.parameterSet !== undefined && !a.parameterSets?.includes(r.parameterSet)) ||
    (r.native.curve !== undefined && !a.curves?.includes(r.native.curve))
  if (missing) {
    const runtime = `Node.js ${process.version} with ${c.provider === 'openssl' ? 'OpenSSL' : 'CNG'} ${c.providerVersion}`
    throw new NotSupportedOnPlatformError(
      `${what} is not available in this runtime (${runtime})${a?.note ? `: ${a.note}` : ''}. ${advice(c.provider, r.algorithm, r.curve)}.`,
    )
  }
}
