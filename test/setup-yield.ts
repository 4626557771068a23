/**
 * vitest setup (vitest.config.ts): before each test, one turn of the event loop. A test that
 * blocks its worker (spawnSync of the CLI, openssl, npm) keeps vitest's replies to the worker
 * unread; tests run back to back through promises alone, so the replies wait until the worker's
 * next macrotask — and when a run of such tests passes 60 s (a loaded machine), vitest's RPC
 * timer fires first: "[vitest-worker]: Timeout calling onTaskUpdate", an unhandled error that
 * fails the run with every test green (vitest issues 6479, 8164). setImmediate lets the poll
 * phase read the replies between tests, so only one test blocking for 60 s could still do it.
 */
import { beforeEach } from 'vitest'

beforeEach(() => new Promise<void>((resolve) => setImmediate(resolve)))
