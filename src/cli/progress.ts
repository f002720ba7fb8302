import cliProgress from 'cli-progress';

/** Live progress of the demo's scenarios. */
export interface Progress {
  /** A scenario starts with `total` tasks expected. */
  start(key: string, total: number): void;
  /** One of its tasks settled. */
  tick(key: string): void;
  /** It ended. */
  end(key: string, status: string, seconds: number): void;
  /** Stops drawing (leaves the terminal clean). */
  stop(): void;
}

/** Plain lines, one per finished scenario (not a TTY, or `--no-progress`). */
export function plainProgress(write: (line: string) => void): Progress {
  const done = new Map<string, number>();
  return {
    start(key, total) {
      done.set(key, 0);
      write(`… ${key}: ${total} tasks`);
    },
    tick(key) {
      done.set(key, (done.get(key) ?? 0) + 1);
    },
    end(key, status, seconds) {
      const n = done.get(key) ?? 0;
      const rate = seconds > 0 ? (n / seconds).toFixed(1) : '0';
      write(
        `${status === 'completed' ? '✓' : '✗'} ${key}: ${n} tasks settled in ${seconds.toFixed(2)} s (${rate}/s), ${status}`,
      );
    },
    stop() {},
  };
}

/** A bar per scenario (done/total, rate, ETA), drawn with cli-progress on `stream` (a TTY). */
export function barProgress(stream: NodeJS.WriteStream): Progress {
  const multi = new cliProgress.MultiBar(
    {
      stream,
      format: '{mark} {key} {bar} {value}/{total} {rate}/s ETA {eta_formatted}',
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      barsize: 14,
      etaBuffer: 20,
      fps: 12,
    },
    cliProgress.Presets.shades_classic,
  );
  const bars = new Map<string, { bar: cliProgress.SingleBar; started: number; total: number }>();
  const rate = (value: number, started: number) => {
    const seconds = (performance.now() - started) / 1000;
    return seconds > 0 ? (value / seconds).toFixed(1) : '0';
  };
  return {
    start(key, total) {
      const bar = multi.create(total, 0, { key: key.padEnd(27), rate: '0', mark: '…' });
      bars.set(key, { bar, started: performance.now(), total });
    },
    tick(key) {
      const entry = bars.get(key);
      if (entry === undefined) return;
      const value = entry.bar.getProgress() * entry.total + 1;
      if (value > entry.bar.getTotal()) entry.bar.setTotal(value);
      entry.bar.increment(1, { rate: rate(value, entry.started) });
    },
    end(key, status) {
      const entry = bars.get(key);
      if (entry === undefined) return;
      const value = Math.round(entry.bar.getProgress() * entry.bar.getTotal());
      entry.bar.setTotal(Math.max(value, 1));
      entry.bar.update(value, { mark: status === 'completed' ? '✓' : '✗', rate: rate(value, entry.started) });
    },
    stop() {
      multi.stop();
    },
  };
}
