/**
 * A one-line progress indicator on stderr, shown only when stderr is a
 * terminal (never in pipes, files or CI logs), for work that takes more than
 * a second: RSA ≥ 4096, DSA and DH parameter generation, --count batches.
 */

const FRAMES = ['|', '/', '-', '\\']

export interface Progress {
  /** Updates the text (e.g. "3/10"). */
  update(detail: string): void
  /** Erases the line before other output to the same terminal; the next tick redraws it. */
  clear(): void
  /** Erases the line for good; idempotent. */
  stop(): void
}

const silent: Progress = { update() {}, clear() {}, stop() {} }

export function startProgress(label: string, enabled: boolean, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!enabled || !stream.isTTY) return silent
  let frame = 0
  let detail = ''
  let stopped = false
  const draw = (): void => {
    frame = (frame + 1) % FRAMES.length
    stream.write(`\r\x1b[K${FRAMES[frame]} ${label}${detail ? ` ${detail}` : ''}`)
  }
  draw()
  const timer = setInterval(draw, 120)
  timer.unref()
  return {
    update(d: string) {
      detail = d
      if (!stopped) draw()
    },
    clear() {
      if (!stopped) stream.write('\r\x1b[K')
    },
    stop() {
      if (stopped) return
      stopped = true
      clearInterval(timer)
      stream.write('\r\x1b[K')
    },
  }
}
