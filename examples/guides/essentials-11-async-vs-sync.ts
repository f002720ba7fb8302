/**
 * Async vs sync I/O (essential guide, "Basic Async/Await" > Key Differences: Async vs Sync, and
 * "Performance Comparison" > Async vs Sync I/O). Five simulated I/O calls of 0.5 s (10 ms here):
 *
 * - sync: `time.sleep()` blocks the whole thread. Its JavaScript twin is `Atomics.wait`, which really does
 *   block: while it waits, not even a 1 ms timer can fire;
 * - async: `await sleep()` yields to the event loop, so the five waits overlap (`gather`) and the timer fires
 *   in the meantime.
 *
 * The timings printed vary from run to run; the blocked timer does not.
 *
 * Run: npx tsx examples/guides/essentials-11-async-vs-sync.ts
 */
import { gather, sleep } from 'ferris';
import { isMain } from './support/isMain.js';

const blocker = new Int32Array(new SharedArrayBuffer(4));

/** `time.sleep(ms)`: blocks the thread; nothing else runs. */
function blockingSleep(ms: number): void {
  Atomics.wait(blocker, 0, 0, ms);
}

function syncIoOperations(urls: string[]): { results: string[]; elapsed: number } {
  const start = performance.now();
  const results: string[] = [];
  for (const url of urls) {
    blockingSleep(10); // simulated I/O delay
    results.push(`Result from ${url}`);
  }
  return { results, elapsed: performance.now() - start };
}

async function asyncIoOperations(urls: string[]): Promise<{ results: string[]; elapsed: number }> {
  const start = performance.now();
  const fetchUrl = async (url: string, signal: AbortSignal) => {
    await sleep(10, { signal }); // simulated I/O delay
    return `Result from ${url}`;
  };
  const results = await gather(urls.map((url) => (signal: AbortSignal) => fetchUrl(url, signal)));
  return { results, elapsed: performance.now() - start };
}

/** Starts a 1 ms timer, runs `operation`, and tells whether the timer fired while it ran. */
async function timerFiresDuring(operation: () => unknown): Promise<boolean> {
  let fired = false;
  const timer = sleep(1).then(() => {
    fired = true;
  });
  await operation();
  const firedDuring = fired;
  await timer;
  return firedDuring;
}

export async function main() {
  const urls = Array.from({ length: 5 }, (_, i) => `https://site${i}.com`);
  const sync = syncIoOperations(urls);
  const async = await asyncIoOperations(urls);
  console.log(`Sync time: ${sync.elapsed.toFixed(0)} ms`);
  console.log(`Async time: ${async.elapsed.toFixed(0)} ms`);
  console.log(`Speedup: ${(sync.elapsed / async.elapsed).toFixed(2)}x`);

  const firedDuringSync = await timerFiresDuring(() => blockingSleep(10));
  const firedDuringAsync = await timerFiresDuring(() => sleep(10));
  console.log(`A 1 ms timer fired during a blocking 10 ms sleep: ${firedDuringSync}`);
  console.log(`A 1 ms timer fired during an awaited 10 ms sleep: ${firedDuringAsync}`);
  return {
    syncResults: sync.results,
    asyncResults: async.results,
    speedup: sync.elapsed / async.elapsed,
    firedDuringSync,
    firedDuringAsync,
  };
}

if (isMain(import.meta.url)) await main();
