/**
 * Moved to src/fs/atomic.ts, the one atomic file writer; kept so that code written against this
 * path (src/server/file-store.ts, src/platform-keys/tpm-records.ts) still builds.
 */
export {
  fsyncDirectory,
  processAlive,
  removeDeadTemps,
  tempPathFor,
  writeFileAtomic,
  writeNewFile,
} from '../fs/atomic.js'
