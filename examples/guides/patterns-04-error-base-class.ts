/**
 * One base class for a library's errors (patterns guide, "Error Handling in Async" > Structured Error
 * Handling). The guide defines `AsyncOperationError(message, cause)`. JavaScript errors carry a `cause`
 * natively (`new Error(message, { cause })`), so a user-level base class is two lines; and every error Ferris
 * throws on purpose extends one exported base, `FerrisError`, so one `instanceof` catches them all while
 * each keeps its own class: `TimeoutError`, `QueueFullError`, `CircuitOpenError`, `RetryError`...
 *
 * Programming mistakes (a negative permit count, a non-function as work) are not Ferris errors: they throw
 * the built-in `TypeError`/`RangeError`, synchronously.
 *
 * Run: npx tsx examples/guides/patterns-04-error-base-class.ts
 */
import {
  CircuitBreaker,
  CircuitOpenError,
  FerrisError,
  Queue,
  QueueEmptyError,
  QueueFullError,
  RetryError,
  retry,
  Semaphore,
  TimeoutError,
  withTimeout,
} from 'ferris';
import { isMain } from './support/isMain.js';

/** The guide's `AsyncOperationError`: a base class of the application's own errors, with a cause. */
class AsyncOperationError extends Error {
  override name = 'AsyncOperationError';
}

class PaymentDeclinedError extends AsyncOperationError {
  override name = 'PaymentDeclinedError';
}

/** Runs `fn` and describes what it threw. */
async function classify(label: string, fn: () => unknown) {
  try {
    await fn();
    return { label, name: 'none', ferris: false, app: false, cause: undefined };
  } catch (error) {
    const e = error as Error;
    const cause = e.cause instanceof Error ? e.cause.message : undefined;
    return {
      label,
      name: e.name,
      ferris: error instanceof FerrisError,
      app: error instanceof AsyncOperationError,
      cause,
    };
  }
}

export async function main() {
  const breaker = new CircuitBreaker({ failureThreshold: 1, resetTimeout: 60_000 });
  await breaker.run(() => Promise.reject(new Error('service down'))).catch(() => {});
  const full = new Queue<number>({ maxsize: 1 });
  full.putNowait(1);

  const rows = [
    await classify('withTimeout', () => withTimeout(() => new Promise(() => {}), 1)),
    await classify('putNowait on a full queue', () => full.putNowait(2)),
    await classify('getNowait on an empty queue', () => new Queue<number>().getNowait()),
    await classify('open circuit', () => breaker.run(() => 'never called')),
    await classify('retry ran out', () =>
      retry(
        () => {
          throw new Error('still failing');
        },
        { attempts: 2, backoff: { initial: 1, jitter: 'none' } },
      ),
    ),
    await classify('application error', () => {
      throw new PaymentDeclinedError('card declined', { cause: new Error('insufficient funds') });
    }),
    await classify('programming mistake', () => new Semaphore(-1)),
  ];
  for (const r of rows)
    console.log(
      `[expected] ${r.label}: ${r.name}${r.ferris ? ' (a FerrisError)' : ''}${r.app ? ' (an AsyncOperationError)' : ''}` +
        (r.cause ? `, cause: ${r.cause}` : ''),
    );
  const classes = [TimeoutError, QueueFullError, QueueEmptyError, CircuitOpenError, RetryError];
  const allFerris = classes.every((c) => c.prototype instanceof FerrisError);
  console.log(`${classes.map((c) => c.name).join(', ')} all extend FerrisError: ${allFerris}`);
  return { rows, allFerris };
}

if (isMain(import.meta.url)) await main();
