import cliProgress from 'cli-progress';

/**
 * Progress of an activation run on stderr: a live bar on a terminal, and one line per tenth of the work when the
 * output is a file or a pipe (CI logs, `tee`), so a long run never looks stuck.
 */
export interface ActivationProgress {
  start(totalCalls: number): void;
  tick(detail: { ok: number; failed: number }): void;
  stop(): void;
}

export function createActivationProgress(stream: NodeJS.WriteStream = process.stderr): ActivationProgress {
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream,
        format: 'activating [{bar}] {value}/{total} calls | {ok} ok, {failed} failed | eta {eta_formatted}',
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    return {
      start: (total) => bar.start(total, 0, { ok: 0, failed: 0 }),
      tick: (detail) => bar.increment(1, detail),
      stop: () => bar.stop(),
    };
  }
  let total = 0;
  let done = 0;
  let nextReport = 0;
  return {
    start(totalCalls) {
      total = totalCalls;
      nextReport = Math.max(1, Math.ceil(total / 10));
    },
    tick(detail) {
      done++;
      if (done >= nextReport || done === total) {
        stream.write(`activating: ${done}/${total} calls, ${detail.ok} ok, ${detail.failed} failed\n`);
        nextReport = done + Math.max(1, Math.ceil(total / 10));
      }
    },
    stop() {},
  };
}
