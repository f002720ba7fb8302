/**
 * Comprehensive error handling (PyFerris "Error Handling and Debugging" > Comprehensive Error Handling):
 * sort each failure by kind, log it, and turn it into a status the caller can count. The seed's 0.1 s call
 * is 2 ms here; its `logging` becomes a small logger with Python's default `LEVEL:name:message` format.
 *
 * Ferris addition: network errors are the kind worth retrying, so the risky call runs under `retry`, which
 * tries it 3 times with a short backoff when (and only when) the error is a `ConnectionError`. A value
 * error is not retried and arrives as itself; a network error that outlasts its attempts arrives as a
 * `RetryError` holding every attempt's error (`cause` is the last).
 *
 * Run: npx tsx examples/pyferris/15-robust-error-handling.ts
 */
import { asyncParallelMap, RetryError, retry, sleep } from 'ferris';
import { isMain } from '../support/isMain.js';

/** Python's ConnectionError: the network failed. */
class ConnectionError extends Error {
  override name = 'ConnectionError';
}

/** Python's `logging.basicConfig(level=INFO)` output, written to stderr. */
const logger = {
  warning: (message: string) => console.warn(`[expected] WARNING:robust:${message}`),
  error: (message: string) => console.error(`[expected] ERROR:robust:${message}`),
};

type Status = 'success' | 'network_error' | 'value_error' | 'unknown_error';
type Outcome = { item: number; status: Status; result?: number; error?: string; attempts: number };

export async function main() {
  const calls = new Map<number, number>();

  async function riskyOperation(item: number, signal: AbortSignal): Promise<number> {
    calls.set(item, (calls.get(item) ?? 0) + 1);
    await sleep(2, { signal });
    if (item % 5 === 0) throw new ConnectionError(`Network error for item ${item}`);
    if (item % 7 === 0) throw new RangeError(`Invalid value: ${item}`);
    return item * 2;
  }

  async function safeWrapper(item: number, _index: number, signal: AbortSignal): Promise<Outcome> {
    const outcome = (status: Status, more: Partial<Outcome>): Outcome => ({
      item,
      status,
      attempts: calls.get(item) ?? 0,
      ...more,
    });
    try {
      const result = await retry((s) => riskyOperation(item, s), {
        attempts: 3,
        backoff: { initial: 1, max: 4, jitter: 'none' },
        retryIf: (error) => error instanceof ConnectionError,
        signal,
      });
      return outcome('success', { result });
    } catch (error) {
      if (error instanceof RetryError && error.cause instanceof ConnectionError) {
        logger.warning(
          `Connection error for item ${item} after ${error.errors.length} attempts: ${error.cause.message}`,
        );
        return outcome('network_error', { error: error.cause.message });
      }
      if (error instanceof RangeError) {
        logger.error(`Value error for item ${item}: ${error.message}`);
        return outcome('value_error', { error: error.message });
      }
      logger.error(`Unexpected error for item ${item}: ${String(error)}`);
      return outcome('unknown_error', { error: String(error) });
    }
  }

  const items = Array.from({ length: 20 }, (_, i) => i);
  const results = await asyncParallelMap(safeWrapper, items);

  const count = (status: Status) => results.filter((r) => r.status === status).length;
  console.log(
    `Results: ${count('success')} success, ${count('network_error')} network errors, ` +
      `${count('value_error')} value errors, ${count('unknown_error')} unknown errors`,
  );
  return results;
}

if (isMain(import.meta.url)) await main();
