/**
 * Runs every guide example's `main()` in-process and checks what it prints and returns. Timing is never
 * asserted: the examples sleep for real (a few ms), so only their results are stable.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { RetryError } from 'ferris';
import { describe, expect, it } from 'vitest';
import { HttpError } from '../../examples/guides/support/HttpSession.js';
import { captureConsole } from '../support/console.js';

const { output, lines } = captureConsole();
const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => i + from);
const guidesDir = new URL('../../examples/guides/', import.meta.url);

describe('essential guide examples', () => {
  it('importing an example runs nothing until main() is called', async () => {
    await import('../../examples/guides/patterns-01-timeouts.js');
    expect(lines()).toEqual([]);
  });

  it('01 basics runs the tasks one after the other, then at once, then as started tasks', async () => {
    const { main } = await import('../../examples/guides/essentials-01-basics.js');
    const three = ['Result from Task-1', 'Result from Task-2', 'Result from Task-3'];
    expect(await main()).toEqual({
      sequential: three.slice(0, 2),
      concurrent: three,
      fetched: ['Data', 'Data', 'Data'],
      processed: 'DATA',
    });
    expect(lines().filter((l) => l.startsWith('Starting'))).toHaveLength(5);
    expect(output()).toContain(
      'Tasks fetch-1 fulfilled, fetch-2 fulfilled, fetch-3 fulfilled: Data, Data, Data',
    );
    expect(output()).toContain('process_data() returned DATA');
  });

  it('02 http client turns every failure into a value and reuses one session', async () => {
    const { main } = await import('../../examples/guides/essentials-02-http-client.js');
    const { results, safe, requests, connections } = await main();
    expect(results.map((r) => [r.success, r.status])).toEqual([
      [true, 200],
      [true, 200],
      [true, 404],
      [false, undefined],
    ]);
    expect(results[3]?.error).toContain('ECONNREFUSED');
    expect(safe.json).toMatchObject({ slideshow: { title: 'Sample Slide Show' } });
    expect(safe.serverError).toEqual({ error: 'HTTP 503' });
    expect(safe.slow).toEqual({ error: 'Request timeout' });
    expect((safe.down as { error: string }).error).toMatch(/^Client error: .*ECONNREFUSED/);
    expect(requests).toBe(8);
    expect(connections).toBeLessThan(7); // 7 requests reached the server, some over a reused connection
    expect(output()).toContain('One session sent all 8 requests over');
    // The deliberate failures say they are expected; the successes do not.
    expect(output()).toMatch(/\[expected\] http:\/\/127\.0\.0\.1:\d+\/: failed \(.*ECONNREFUSED/);
    expect(output()).toContain("[expected] safe_fetch serverError: { error: 'HTTP 503' }");
    expect(output()).toMatch(/^safe_fetch json:/m);
  });

  it('03 producer/consumer processes every item, then the pipeline stops its workers', async () => {
    const { main } = await import('../../examples/guides/essentials-03-producer-consumer.js');
    const { consumed, processed } = await main();
    expect([...consumed].sort()).toEqual(
      range(10, 1)
        .map((i) => `Producer-1-Item-${i}`)
        .sort(),
    );
    expect([...processed].sort()).toEqual(
      range(20, 1)
        .map((i) => `ITEM-${i}`)
        .sort(),
    );
    expect(output()).toContain('Produced: Producer-1-Item-10');
    expect(output()).toContain('Consumers processed 10 items, then timed out waiting for more');
    expect(output()).toContain('Pipeline processed 20 items with 5 workers');
  });

  it('04 rate limiter admits every request and refuses a call on an empty bucket', async () => {
    const { main } = await import('../../examples/guides/essentials-04-rate-limiter.js');
    const { results, searches, refused } = await main();
    expect(results).toEqual(range(10, 1).map((i) => `Request to https://api.example.com/items/${i}`));
    expect(searches).toEqual(['results for ferris', 'results for tokio']);
    expect(refused).toBe(true);
    expect(output()).toContain('a third call right now is refused');
  });

  it('05 task group exits the block once every task has its result', async () => {
    const { main } = await import('../../examples/guides/essentials-05-task-group.js');
    expect(await main()).toEqual({
      results: ['Result from Task-1', 'Result from Task-2', 'Result from Task-3'],
      statuses: ['fulfilled', 'fulfilled', 'fulfilled'],
      lengths: [10, 11],
    });
    expect(output()).toContain('taskGroup() resolved to [ 10, 11 ]');
  });

  it('06 context managers dispose of resources in reverse order, on a throw too', async () => {
    const { main } = await import('../../examples/guides/essentials-06-context-managers.js');
    const { events, afterBlock, thrown } = await main();
    expect(afterBlock).toBe('Not connected');
    expect(thrown).toBe('query failed halfway');
    expect(events).toEqual([
      'Connecting to postgresql://localhost',
      'Disconnecting from postgresql://localhost',
      'Queries: Results for: SELECT * FROM users | Results for: SELECT * FROM orders',
      'A query after the block: Not connected',
      'Connecting to postgres://primary',
      'Connecting to postgres://replica',
      'Disconnecting from postgres://replica',
      'Disconnecting from postgres://primary',
      '[expected] The block threw "query failed halfway"; both connections were closed first',
      'Database stopped',
      'Maintenance while the database is stopped',
      'Database started',
      'After the block the database is running',
    ]);
  });

  it('07 file operations write, read back and measure files in a temp directory', async () => {
    const { main } = await import('../../examples/guides/essentials-07-file-operations.js');
    const { content, sizes } = await main();
    expect(content).toBe('Hello, async world!\nSecond line');
    expect(sizes).toEqual(range(6, 1).map((i) => ({ filename: `file-${i}.txt`, size: 10 * i })));
    expect(output()).toContain('file-6.txt: 60 characters');
  });

  it('08 API aggregator falls back to an empty value for the call that failed', async () => {
    const { main } = await import('../../examples/guides/essentials-08-api-aggregator.js');
    const results = await main();
    expect(results.map((r) => r.user)).toEqual(
      [101, 102, 103, 104].map((id) => ({ user_id: id, name: `User-${id}` })),
    );
    expect(results[0]?.orders).toEqual([{ order_id: 'ORD-101-001', amount: 99.99 }]);
    expect(results.map((r) => r.preferences)).toEqual([
      { theme: 'dark', notifications: true },
      { theme: 'dark', notifications: true },
      {},
      { theme: 'dark', notifications: true },
    ]);
    expect(output()).toContain('Aggregated 4 users with 12 API calls');
  });

  it('09 background tasks run 3 at a time and keep a failure in its place', async () => {
    const { main } = await import('../../examples/guides/essentials-09-background-tasks.js');
    const { results, busy, stats } = await main();
    expect(results.slice(0, 4)).toEqual([
      'Email sent to alice@example.com: Welcome',
      'Daily Sales report generated',
      'Backup of user_db completed',
      'Email sent to bob@example.com: Newsletter',
    ]);
    expect((results[4] as Error).message).toBe('Database missing_db does not exist');
    expect(busy).toMatchObject({ running: 3, queued: 2 });
    expect(stats).toMatchObject({ completed: 4, failed: 1, running: 0, queued: 0 });
    expect(output()).toContain('[expected] Task failed: Database missing_db does not exist');
  });

  it('10 web scraper reports successes, failures and the words it read', async () => {
    const { main } = await import('../../examples/guides/essentials-10-web-scraper.js');
    const { summary, results } = await main();
    expect(summary).toEqual({ successful: 18, failed: 2, totalWords: 603 });
    expect(results.filter((r) => !r.success).map((r) => new URL(r.url).pathname)).toEqual([
      '/articles/7',
      '/articles/14',
    ]);
    expect(results[0]).toMatchObject({ title: 'Article 1', wordCount: 5, success: true });
    expect(output()).toContain('[expected] Failed: /articles/7 (HTTP 404), /articles/14 (HTTP 404)');
  });

  it('11 async vs sync gets the same results, and only blocking starves a timer', async () => {
    const { main } = await import('../../examples/guides/essentials-11-async-vs-sync.js');
    const { syncResults, asyncResults, firedDuringSync, firedDuringAsync } = await main();
    expect(syncResults).toEqual(range(5).map((i) => `Result from https://site${i}.com`));
    expect(asyncResults).toEqual(syncResults);
    expect(firedDuringSync).toBe(false);
    expect(firedDuringAsync).toBe(true);
    expect(output()).toMatch(/Speedup: \d+\.\d\dx/);
  });
});

describe('asyncio guide examples', () => {
  it('01 wait(FIRST_COMPLETED) returns the fastest task and the rest are cancelled', async () => {
    const { main } = await import('../../examples/guides/asyncio-01-wait-first-completed.js');
    expect(await main()).toEqual({
      done: ['mirror-2'],
      winner: ['Data from mirror-2'],
      pending: ['mirror-1', 'mirror-3'],
      statuses: ['cancelled', 'fulfilled', 'cancelled'],
      aborted: ['mirror-1', 'mirror-3'],
    });
  });

  it('02 async iterators and generators yield rows, and a stream closes its source on break', async () => {
    const { main } = await import('../../examples/guides/asyncio-02-async-iterators.js');
    const { fromClass, fromGenerator, firstSix, pulled } = await main();
    const rows = range(3).map((i) => [i, `value-${i}`]);
    expect(fromClass).toEqual(rows);
    expect(fromGenerator).toEqual(rows);
    expect(firstSix).toEqual(range(6).map((i) => `${i}:VALUE-${i}`));
    expect(pulled).toBeGreaterThanOrEqual(6);
    expect(pulled).toBeLessThan(20);
    expect(output()).toMatch(/The generator was closed after producing \d+ of 1000 rows/);
  });
});

describe('patterns guide examples', () => {
  it('01 timeouts fall back to a default or report the timeout, and stop the work', async () => {
    const { main } = await import('../../examples/guides/patterns-01-timeouts.js');
    expect(await main()).toEqual({
      fastWithDefault: 'fast result',
      slowWithDefault: 'default',
      fast: 'fast result',
      slow: 'Operation timed out',
      stoppedBy: ['TimeoutError', 'TimeoutError'],
    });
    expect(output()).toContain('[expected] slow: Operation timed out');
    expect(output()).toMatch(/^fast: fast result$/m);
    expect(output()).toContain('[expected] The long operations were stopped by: TimeoutError, TimeoutError');
  });

  it('02 gather keeps errors in place when safe, and a task group fails fast when strict', async () => {
    const { main } = await import('../../examples/guides/patterns-02-gather-safe-strict.js');
    const { safe, strictError, cancelled, groupErrors } = await main();
    expect(safe).toEqual([
      '/html: 148 characters',
      'GET /status/500 answered HTTP 500',
      '/json: 54 characters',
      'GET /status/404 answered HTTP 404',
    ]);
    expect(strictError).toBeInstanceOf(HttpError);
    expect((strictError as HttpError).status).toBe(500);
    expect(cancelled).toEqual(['/delay/300']);
    expect(groupErrors).toEqual([strictError]);
    expect(output()).toContain('[expected] Task failed: GET /status/500 answered HTTP 500');
  });

  it('03 semaphore client never has more than 3 requests in flight', async () => {
    const { main } = await import('../../examples/guides/patterns-03-semaphore-client.js');
    expect(await main()).toEqual({
      statuses: range(10).map(() => 200),
      clientPeak: 3,
      squares: range(10).map((n) => n * n),
      peak: 3,
      viaOption: [2, 3, 4],
    });
  });

  it('04 every Ferris error is a FerrisError, application errors keep their cause', async () => {
    const { main } = await import('../../examples/guides/patterns-04-error-base-class.js');
    const { rows, allFerris } = await main();
    expect(rows.map((r) => [r.name, r.ferris, r.app])).toEqual([
      ['TimeoutError', true, false],
      ['QueueFullError', true, false],
      ['QueueEmptyError', true, false],
      ['CircuitOpenError', true, false],
      ['RetryError', true, false],
      ['PaymentDeclinedError', false, true],
      ['RangeError', false, false],
    ]);
    expect(rows[4]?.cause).toBe('still failing');
    expect(rows[5]?.cause).toBe('insufficient funds');
    expect(allFerris).toBe(true);
    expect(output()).toContain('[expected] open circuit: CircuitOpenError (a FerrisError)');
  });

  it('05 retry recovers a flaky endpoint, gives up with RetryError, and skips client errors', async () => {
    const { main } = await import('../../examples/guides/patterns-05-retry-backoff.js');
    const { flaky, flakyCalls, down, missing, log } = await main();
    expect(flaky).toEqual({ ok: true });
    expect(flakyCalls).toBe(3);
    expect(down).toBeInstanceOf(RetryError);
    expect((down as RetryError).errors).toHaveLength(3);
    expect((down as RetryError).cause).toBeInstanceOf(HttpError);
    expect(missing).toBeInstanceOf(HttpError);
    expect((missing as HttpError).status).toBe(404);
    expect(log).toEqual([
      '/flaky: attempt 1 failed (GET /flaky answered HTTP 503), retrying in 5 ms',
      '/flaky: attempt 2 failed (GET /flaky answered HTTP 503), retrying in 10 ms',
      '/down: attempt 1 failed (GET /down answered HTTP 503), retrying in 5 ms',
      '/down: attempt 2 failed (GET /down answered HTTP 503), retrying in 10 ms',
    ]);
    for (const line of log) expect(output()).toContain(`[expected] ${line}`);
    expect(output()).toContain('[expected] /down gave up: RetryError with 3 errors');
    expect(output()).toContain('[expected] /status/404 was not retried: HttpError');
  });

  it('06 connection pool serves 20 queries with 5 connections and closes them all', async () => {
    const { main } = await import('../../examples/guides/patterns-06-connection-pool.js');
    const { rows, busy, after, openAfterClose, afterClose } = await main();
    expect(rows).toHaveLength(20);
    for (const r of rows)
      expect(r).toEqual([
        { id: 1, name: 'Ada' },
        { id: 2, name: 'Grace' },
      ]);
    expect(busy).toMatchObject({ created: 5, borrowed: 0, pending: 0 });
    expect(after).toMatchObject({ size: 0, borrowed: 0, created: 5, destroyed: 5 });
    expect(openAfterClose).toBe(0);
    expect(afterClose).toBe(true);
    expect(output()).toContain('[expected] acquire() after close(): PoolClosedError');
  });

  it('07 batching sends 1000 items in 10 calls, 5 at a time, and groups single calls', async () => {
    const { main } = await import('../../examples/guides/patterns-07-batching.js');
    const { results, batchCalls, peak, single, batchSizes } = await main();
    const lengths = range(1000).map((i) => `item-${i}`.length);
    expect(results).toEqual(lengths);
    expect(peak).toBe(5);
    expect(single).toEqual(lengths.slice(0, 120));
    expect(batchSizes.reduce((a, b) => a + b, 0)).toBe(120);
    expect(Math.max(...batchSizes)).toBeLessThanOrEqual(50);
    expect(batchCalls).toBe(batchSizes.length);
    expect(output()).toContain('1000 results from 10 API calls, at most 5 at once');
  });
});

describe('CPU work on worker threads', () => {
  it('08 run_in_executor ports to exec and to run, with the same digests as the main thread', async () => {
    const { main } = await import('../../examples/guides/patterns-08-run-in-executor.js');
    const { single, exec, run } = await main();
    expect(single).toHaveLength(8);
    expect(new Set(single).size).toBe(8);
    expect(exec).toEqual(single);
    expect(run).toEqual(single);
    expect(output()).toContain('Same digests on every path: true');
    expect(output()).toMatch(/pool\.exec \(run_in_executor\) +\d+ ms/);
  });

  it('09 reads files on the event loop, hashes them on threads and writes the manifest in input order', async () => {
    const { main } = await import('../../examples/guides/patterns-09-io-cpu-pipeline.js');
    const { manifest, matches } = await main();
    expect(manifest).toHaveLength(12);
    expect(manifest.map((line) => line.split(/\s+/)[2])).toEqual(
      range(12).map((i) => `input-${String(i).padStart(2, '0')}.txt`),
    );
    expect(manifest.map((line) => Number(line.split(/\s+/)[1]))).toEqual(
      range(12).map((i) => `file ${i}\n`.length * (200 + i * 50)),
    );
    expect(matches).toBe(true);
    expect(output()).toContain('Hashed 12 files on 2 threads');
  });
});

describe('composition example', () => {
  it('retries the flaky calls, opens the breaker in an outage and closes it after recovery', async () => {
    const { main } = await import('../../examples/guides/composition.js');
    const { flaky, outage, outageRequests, recovered, transitions, finalState, breaker } = await main();
    expect(flaky.results).toEqual(range(12).map((id) => ({ id, value: id * id })));
    expect(flaky).toMatchObject({ calls: 16, retries: 4, serverRequests: 16, breakerState: 'closed' });
    expect(flaky.pool.created).toBeLessThanOrEqual(4);
    expect(flaky.connections).toBe(flaky.pool.created);
    expect(outage).toEqual([
      'item 100: RetryError',
      'item 101: CircuitOpenError',
      'item 102: CircuitOpenError',
    ]);
    expect(outageRequests).toBe(5);
    expect(recovered).toEqual({ id: 103, value: 103 * 103 });
    expect(transitions).toEqual(['closed -> open', 'open -> half-open', 'half-open -> closed']);
    expect(finalState).toBe('closed');
    expect(breaker).toMatchObject({ rejected: 2, failures: 9 });
    expect(output()).toContain('16 calls (12 items + 4 retries); the server saw 16');
    expect(output()).toMatch(/Pool after close: \{[^}]*destroyed: [1-4]/);
    expect(output()).toContain(
      '[expected] item 2: attempt 1 failed (GET /items/2 answered HTTP 503), retrying',
    );
    expect(output()).toContain('[expected] item 101: CircuitOpenError (breaker open)');
    expect(output()).toMatch(/^ {2}item 103|After recovery: item 103/m);
  });
});

describe('guides run-all and README', () => {
  const files = readdirSync(guidesDir)
    .filter((f) => f.endsWith('.ts') && f !== 'run-all.ts')
    .sort();

  it('run-all lists every example file and runs them all in order without a failure', async () => {
    const { guideExamples, runAll } = await import('../../examples/guides/run-all.js');
    expect(guideExamples.map((e) => e.file).sort()).toEqual(files);
    expect(await runAll()).toEqual([]);
    const headers = lines().filter((l) => l.startsWith('\n=== '));
    expect(headers).toHaveLength(guideExamples.length);
    expect(headers[0]).toContain('1/23 Basic async/await (examples/guides/essentials-01-basics.ts)');
    expect(output()).toContain('All 23 guide examples ran.');
  });

  it('the README has a row for every example file', () => {
    const readme = readFileSync(new URL('README.md', guidesDir), 'utf8');
    for (const file of files) expect(readme).toContain(`| \`${file}\``);
  });
});
