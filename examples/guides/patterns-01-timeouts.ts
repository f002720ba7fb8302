/**
 * Timeouts (patterns guide, "Asyncio Fundamentals" > Proper Async Function Structure; asyncio guide,
 * "Advanced Patterns" > Timeouts; essential guide, Best Practices 3 "Use Timeouts"). `asyncio.wait_for(coro,
 * timeout)` is `withTimeout(fn, ms)`: when the time is up the work's signal aborts and the call rejects with
 * `TimeoutError` at once, without waiting for the work. The patterns guide's `with_timeout(coro, timeout,
 * default)` is built in: `withTimeout(fn, ms, { fallback })` resolves to the fallback instead.
 *
 * The guides' 5 s timeouts are 20 ms; the "long operation" takes 200 ms, the fast one 2 ms.
 *
 * Run: npx tsx examples/guides/patterns-01-timeouts.ts
 */
import { sleep, TimeoutError, withTimeout } from 'ferris';
import { isMain } from './support/isMain.js';

/** Why each long operation stopped (its signal's reason), to show the work itself was told. */
const stoppedBy: string[] = [];

async function longOperation(signal: AbortSignal): Promise<string> {
  try {
    await sleep(200, { signal });
    return 'long result';
  } catch (error) {
    stoppedBy.push((error as Error).name);
    throw error;
  }
}

const fastOperation = async (signal: AbortSignal) => {
  await sleep(2, { signal });
  return 'fast result';
};

/** The patterns guide's `with_timeout(coro, timeout, default)`. */
function withDefault<T, D>(fn: (signal: AbortSignal) => Promise<T>, timeout: number, fallback: D) {
  return withTimeout(fn, timeout, { fallback });
}

/** The asyncio guide's `main()` / the essential guide's `operation_with_timeout()`. */
async function operationWithTimeout(fn: (signal: AbortSignal) => Promise<string>): Promise<string> {
  try {
    return await withTimeout(fn, 20);
  } catch (error) {
    if (error instanceof TimeoutError) return 'Operation timed out';
    throw error;
  }
}

export async function main() {
  stoppedBy.length = 0;
  const results = {
    fastWithDefault: await withDefault(fastOperation, 20, 'default'),
    slowWithDefault: await withDefault(longOperation, 20, 'default'),
    fast: await operationWithTimeout(fastOperation),
    slow: await operationWithTimeout(longOperation),
  };
  for (const [name, value] of Object.entries(results))
    console.log(`${value === 'Operation timed out' ? '[expected] ' : ''}${name}: ${value}`);
  console.log(`[expected] The long operations were stopped by: ${stoppedBy.join(', ')}`);
  return { ...results, stoppedBy: [...stoppedBy] };
}

if (isMain(import.meta.url)) await main();
