/**
 * A progress bar on standard error while files are analysed, only when standard error is a
 * terminal (and not with --quiet): CI logs and redirected output stay clean.
 */
import { Presets, SingleBar } from 'cli-progress';

export interface Progress {
  update(done: number, total: number): void;
  stop(): void;
}

const NONE: Progress = { update() {}, stop() {} };

export function createProgress(options: { quiet?: boolean; stream?: NodeJS.WriteStream } = {}): Progress {
  const stream = options.stream ?? process.stderr;
  if (options.quiet || stream.isTTY !== true || process.env.CI) return NONE;
  const bar = new SingleBar(
    {
      stream,
      format: 'gplcheck {bar} {value}/{total} files  {percentage}%  {duration_formatted}',
      hideCursor: true,
      clearOnComplete: true,
      // analysis in this thread does not yield to timers: draw on every update
      synchronousUpdate: true,
      fps: 10,
    },
    Presets.shades_classic,
  );
  let started = false;
  return {
    update(done, total) {
      if (!started) {
        bar.start(total, done);
        started = true;
      } else {
        bar.setTotal(total);
        bar.update(done);
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
