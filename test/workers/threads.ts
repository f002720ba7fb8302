/**
 * Counts the worker threads this test process starts, through `process.on('worker')` and each worker's
 * `exit` (process.getActiveResourcesInfo() misses idle, unref'd workers). `trackThreads()` fails any test
 * that leaves a thread alive, and offers a way to wait for the count to drop without sleeping.
 */
import type { Worker } from 'node:worker_threads';
import { afterEach, expect } from 'vitest';
import { TASKS } from './fixtures/paths.js';

const live = new Set<Worker>();
let started = 0;
const waiters: { n: number; resolve: () => void }[] = [];

process.on('worker', (worker: Worker) => {
  live.add(worker);
  started++;
  worker.once('exit', () => {
    live.delete(worker);
    for (const w of [...waiters])
      if (live.size <= w.n) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
  });
});

/** Threads alive now. */
export const liveThreads = (): number => live.size;

/** Threads started since the process began. */
export const startedThreads = (): number => started;

/** Resolves once at most `n` threads are alive. */
export function untilLiveAtMost(n: number): Promise<void> {
  if (live.size <= n) return Promise.resolve();
  return new Promise((resolve) => waiters.push({ n, resolve }));
}

/** Installs the after-each check: no test may leave a worker thread alive. */
export function trackThreads(): void {
  afterEach(() => {
    expect(liveThreads(), 'worker threads still alive after the test').toBe(0);
  });
}

/** A shared Int32Array of `n` zeros, for hand-offs with tasks. */
export const flags = (n = 2): Int32Array => new Int32Array(new SharedArrayBuffer(n * 4));

/** Resolves once `flag[index]` is no longer `value` (Atomics.waitAsync: the main thread never blocks). */
export async function untilChanged(flag: Int32Array, index: number, value: number): Promise<void> {
  while (Atomics.load(flag, index) === value) {
    const r = waitAsync(flag, index, value);
    if (r.async) await r.value;
  }
}

/** Resolves once `flag[index]` is at least `n`. */
export async function untilAtLeast(flag: Int32Array, index: number, n: number): Promise<void> {
  for (let v = Atomics.load(flag, index); v < n; v = Atomics.load(flag, index))
    await untilChanged(flag, index, v);
}

// Atomics.waitAsync is in Node 20 but not in the ES2023 lib the project compiles against.
const waitAsync = (
  Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number): { async: boolean; value: unknown } }
).waitAsync;

/** Releases `gate` tasks waiting on `flag[1]`. */
export function open(flag: Int32Array): void {
  Atomics.store(flag, 1, 1);
  Atomics.notify(flag, 1);
}

export { TASKS };
