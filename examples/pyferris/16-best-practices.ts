/**
 * Best practices (PyFerris "Best Practices" > Async Function Design): bound the concurrency, handle each
 * item's error, drop the failures. The seed leaves `actual_processing` undefined; here it parses a number
 * and squares it, and fails on input that is not a number.
 *
 * First the seed's shape (a semaphore inside the callback), then the same with Ferris's `maxConcurrent`
 * option, which needs no semaphore and also stops pulling new items while the limit is reached.
 *
 * Run: npx tsx examples/pyferris/16-best-practices.ts
 */
import { asyncParallelMap, Semaphore, sleep } from 'ferris';
import { isMain } from '../support/isMain.js';

let running = 0;
let peak = 0;

/** The real work: 1 ms of I/O, then a result or an error. */
async function actualProcessing(item: string, signal: AbortSignal): Promise<number> {
  running++;
  peak = Math.max(peak, running);
  try {
    await sleep(1, { signal });
    const n = Number(item);
    if (!Number.isFinite(n)) throw new TypeError(`not a number: ${JSON.stringify(item)}`);
    return n * n;
  } finally {
    running--;
  }
}

const logError = (item: string, error: unknown) =>
  console.error(
    `[expected] Error processing ${item}: ${error instanceof Error ? error.message : String(error)}`,
  );

/** The seed's good async function design, ported as is. */
export async function wellDesignedAsyncFunction(items: string[], maxConcurrent = 10): Promise<number[]> {
  const semaphore = new Semaphore(maxConcurrent);
  async function processWithLimit(item: string, _index: number, signal: AbortSignal): Promise<number | null> {
    using _permit = await semaphore.acquire({ signal });
    try {
      return await actualProcessing(item, signal);
    } catch (error) {
      logError(item, error);
      return null;
    }
  }
  const results = await asyncParallelMap(processWithLimit, items);
  return results.filter((r): r is number => r !== null);
}

/** The same with Ferris's concurrency option. */
export async function withMaxConcurrent(items: string[], maxConcurrent = 10): Promise<number[]> {
  const results = await asyncParallelMap(
    (item: string, _index, signal) =>
      actualProcessing(item, signal).catch((error: unknown) => {
        logError(item, error);
        return null;
      }),
    items,
    { maxConcurrent },
  );
  return results.filter((r): r is number => r !== null);
}

export async function main() {
  const items = ['1', '2', 'three', '4', '5', 'six', '7', '8', '9', '10'];

  peak = 0;
  const viaSemaphore = await wellDesignedAsyncFunction(items, 3);
  const semaphorePeak = peak;
  console.log(
    `Semaphore: ${viaSemaphore.length} results [${viaSemaphore.join(', ')}], at most ${semaphorePeak} at once`,
  );

  peak = 0;
  const viaOption = await withMaxConcurrent(items, 3);
  const optionPeak = peak;
  console.log(
    `maxConcurrent: ${viaOption.length} results [${viaOption.join(', ')}], at most ${optionPeak} at once`,
  );
  return { viaSemaphore, semaphorePeak, viaOption, optionPeak };
}

if (isMain(import.meta.url)) await main();
