/**
 * Retry with exponential backoff (patterns guide, "Error Handling in Async" > Structured Error Handling,
 * `resilient_fetch(url, retries=3, backoff=1.0)`). The guide's loop is Ferris's `retry(fn, { attempts,
 * backoff, retryIf })`: `attempts` counts calls, the first included; the delay after failed attempt n is
 * `initial * factor^(n-1)` (here 5 ms, then 10 ms: the guide's 1 s, 2 s), randomised by `jitter` unless it
 * is 'none'. When every attempt fails it rejects with `RetryError`, which lists each attempt's error and has
 * the last one as `cause` (the guide's `AsyncOperationError(..., last_error)`).
 *
 * Three loopback endpoints: one that fails twice with 503 and then answers, one that is always down, and
 * one that answers 404, which `retryIf` does not retry (a client error will not get better).
 *
 * Run: npx tsx examples/guides/patterns-05-retry-backoff.ts
 */
import { RetryError, retry } from 'ferris';
import { HttpError, HttpSession } from './support/HttpSession.js';
import { isMain } from './support/isMain.js';
import { startServer } from './support/server.js';

/** Worth another attempt: a 5xx answer or a network error, not a 4xx. */
const isTransient = (error: unknown) => !(error instanceof HttpError) || error.status >= 500;

export async function main() {
  let flakyCalls = 0;
  await using server = await startServer((url) => {
    if (url.pathname === '/flaky')
      return ++flakyCalls <= 2 ? { status: 503, body: 'try again' } : { body: { ok: true } };
    if (url.pathname === '/down') return { status: 503, body: 'down for maintenance' };
    return undefined;
  });
  await using session = new HttpSession(server.url);
  const log: string[] = [];

  /** The guide's `resilient_fetch`. */
  const resilientFetch = (path: string, retries = 3, backoff = 5) =>
    retry((signal) => session.getJson<unknown>(path, { signal }), {
      attempts: retries,
      backoff: { initial: backoff, factor: 2, jitter: 'none' },
      retryIf: isTransient,
      onRetry: (error, attempt, delay) => {
        const line = `${path}: attempt ${attempt} failed (${(error as Error).message}), retrying in ${delay} ms`;
        log.push(line);
        console.log(`[expected] ${line}`);
      },
    });

  const flaky = await resilientFetch('/flaky');
  console.log(`/flaky answered ${JSON.stringify(flaky)} after ${flakyCalls} calls`);

  const down = await resilientFetch('/down').catch((error: unknown) => error);
  if (down instanceof RetryError)
    console.log(
      `[expected] /down gave up: RetryError with ${down.errors.length} errors, cause: ${(down.cause as Error).message}`,
    );

  const missing = await resilientFetch('/status/404').catch((error: unknown) => error);
  console.log(
    `[expected] /status/404 was not retried: ${(missing as Error).name}: ${(missing as Error).message}`,
  );
  return { flaky, flakyCalls, down, missing, log };
}

if (isMain(import.meta.url)) await main();
