/* Pure computations over recorded tasks: latency percentiles, concurrency over time. */

/** One unit of work on the run report's timeline. Times are milliseconds since the recorder was made. */
export interface TimelineTask {
  id: number;
  name: string;
  scenario: string;
  /** The concurrency slot it ran in (0-based); -1 if it never started. */
  lane: number;
  queued_at: number;
  /** When it began waiting for a rate-limit token (only for items tracked with a limiter). */
  wait_start?: number;
  started_at: number | null;
  finished_at: number | null;
  outcome: 'queued' | 'running' | 'fulfilled' | 'rejected' | 'cancelled';
  /** When each retry of the work was scheduled. */
  retries: number[];
  error?: string;
}

/** Latency percentiles of settled tasks, in milliseconds (0 when there are none). */
export interface Latency {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** Milliseconds rounded to the microsecond, as the report hands times out. @internal */
export const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** The nearest-rank percentile `p` (0-100) of ascending `sorted`; 0 for an empty list. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

/** Latency (start to finish) percentiles of the tasks that ran and settled. */
export function latencyOf(tasks: readonly TimelineTask[]): Latency {
  const durations: number[] = [];
  for (const t of tasks)
    if (t.started_at !== null && t.finished_at !== null) durations.push(t.finished_at - t.started_at);
  durations.sort((a, b) => a - b);
  const sum = durations.reduce((a, b) => a + b, 0);
  return {
    count: durations.length,
    p50: round3(percentile(durations, 50)),
    p90: round3(percentile(durations, 90)),
    p99: round3(percentile(durations, 99)),
    max: round3(durations.at(-1) ?? 0),
    mean: round3(durations.length === 0 ? 0 : sum / durations.length),
  };
}

/**
 * How many tasks ran at each moment: `[time ms, running]` steps, one per change (simultaneous changes merged),
 * starting at `[first start, n]` and ending at 0.
 */
export function concurrencyOverTime(tasks: readonly TimelineTask[]): [number, number][] {
  const deltas = new Map<number, number>();
  for (const t of tasks) {
    if (t.started_at === null) continue;
    const end = t.finished_at ?? t.started_at;
    deltas.set(t.started_at, (deltas.get(t.started_at) ?? 0) + 1);
    deltas.set(end, (deltas.get(end) ?? 0) - 1);
  }
  const times = [...deltas.keys()].sort((a, b) => a - b);
  const out: [number, number][] = [];
  let running = 0;
  for (const time of times) {
    running += deltas.get(time) as number;
    const last = out.at(-1);
    if (last !== undefined && last[1] === running) continue;
    out.push([time, running]);
  }
  return out;
}

/** The mean number of tasks running over the span from the first start to the last finish. */
export function effectiveConcurrency(tasks: readonly TimelineTask[]): number {
  let busy = 0;
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const t of tasks) {
    if (t.started_at === null || t.finished_at === null) continue;
    busy += t.finished_at - t.started_at;
    first = Math.min(first, t.started_at);
    last = Math.max(last, t.finished_at);
  }
  const span = last - first;
  return span > 0 ? round3(busy / span) : 0;
}
