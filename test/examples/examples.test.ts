/**
 * Runs every example's `main()` in-process, as `npm start` does, and checks what it prints and returns.
 * Timing is never asserted: the examples sleep for real (a few ms), so only their results are stable.
 */

import { readdir, readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { captureConsole } from '../support/console.js';

const { output, lines } = captureConsole();
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('PyFerris async-operations examples', () => {
  it('importing an example runs nothing until main() is called', async () => {
    await import('../../examples/pyferris/03-task.js');
    expect(lines()).toEqual([]);
  });

  it('01 quick start maps fetchData over the three URLs in input order', async () => {
    const { main } = await import('../../examples/pyferris/01-quick-start.js');
    const expected = [
      'Data from api.example.com/1',
      'Data from api.example.com/2',
      'Data from api.example.com/3',
    ];
    expect(await main()).toEqual(expected);
    for (const line of expected) expect(output()).toContain(`'${line}'`);
  });

  it('02 executor runs submitted functions and mapAsync, then shuts down', async () => {
    const { main } = await import('../../examples/pyferris/02-executor.js');
    const { result1, result2, doubled, stats } = await main();
    expect([result1, result2]).toEqual([10, true]);
    expect(doubled).toEqual([2, 4, 6]);
    expect(stats).toMatchObject({ failed: 0, cancelled: 0, running: 0, queued: 0, maxWorkers: 10 });
    expect(stats.completed).toBeGreaterThanOrEqual(2);
    expect(output()).toContain('Processed: 10, Valid: true');
    expect(output()).toContain('Task process is fulfilled, task validate is fulfilled');
    expect(output()).toContain('mapAsync doubled [1, 2, 3] to [2, 4, 6]');
  });

  it('03 task resolves within its timeout and rejects with TimeoutError past it', async () => {
    const { main } = await import('../../examples/pyferris/03-task.js');
    expect(await main()).toEqual({
      result: 'Completed after 40 ms',
      status: 'fulfilled',
      slowStatus: 'rejected',
      timedOut: true,
    });
    expect(output()).toContain('Task result: Completed after 40 ms');
    expect(output()).toMatch(/\[expected\] Task too_slow is rejected: .*timed out after 10 ms/);
  });

  it('04 parallel map fetches every loopback /delay URL', async () => {
    const { main } = await import('../../examples/pyferris/04-parallel-map.js');
    const bodies = await main();
    expect(bodies.map((b) => (JSON.parse(b) as { delay: number }).delay)).toEqual([20, 40, 20]);
    expect(output()).toContain('Fetched 3 responses');
  });

  it('05 parallel filter keeps the valid emails in input order', async () => {
    const { main } = await import('../../examples/pyferris/05-parallel-filter.js');
    const valid = ['user@example.com', 'admin@company.org', 'contact@site.net'];
    expect(await main()).toEqual(valid);
    expect(output()).toContain('Valid emails:');
    for (const email of valid) expect(output()).toContain(`'${email}'`);
    expect(output()).not.toContain('test@test');
  });

  it('06 concurrent data processing groups the shaped records by type', async () => {
    const { main } = await import('../../examples/pyferris/06-concurrent-data-processing.js');
    const grouped = await main();
    expect([...grouped.keys()]).toEqual(['user', 'order', 'product']);
    expect(grouped.get('user')).toEqual([
      { id: 1, name: 'User 1', type: 'user' },
      { id: 3, name: 'User 3', type: 'user' },
    ]);
    expect(grouped.get('order')).toEqual([{ id: 2, total: 99.99, type: 'order' }]);
    expect(lines()).toEqual([
      'Processed records by type:',
      '  user: 2 items',
      '  order: 1 items',
      '  product: 1 items',
    ]);
  });

  it('07 error handling turns failures into values, or collects them all with stopOnError: false', async () => {
    const { main } = await import('../../examples/pyferris/07-error-handling.js');
    const { successes, failures, aggregate, onErrorItems } = await main();
    expect(successes).toBe(6);
    expect(failures.map((f) => f.item)).toEqual([0, 3, 6, 9]);
    expect(aggregate?.errors.map((e: Error) => e.message)).toEqual(
      [0, 3, 6, 9].map((i) => `Item ${i} caused an error`),
    );
    expect(onErrorItems).toEqual([0, 3, 6, 9]);
    expect(output()).toContain('Successful operations: 6');
    expect(output()).toContain('Failed operations: 4');
    expect(output()).toContain('  [expected] Item 9: Item 9 caused an error');
    expect(output()).toContain('[expected] stopOnError: false rejected with 4 errors');
  });

  it('08 rate limiting never runs more than 3 operations at once and throttles through a limiter', async () => {
    const { main } = await import('../../examples/pyferris/08-rate-limiting.js');
    const { results, peak, throttled } = await main();
    expect(results).toEqual(range(10).map((i) => `Processed ${i}`));
    expect(peak).toBe(3);
    expect(throttled).toEqual(range(10).map((i) => `Called API for ${i}`));
    expect(output()).toMatch(/Processed 10 items in \d+ ms/);
    expect(output()).toContain("Results: [ 'Processed 0', 'Processed 1', 'Processed 2' ] ...");
  });

  it('09 pipeline runs fetch, process and filter stages, staged and streaming alike', async () => {
    const { main } = await import('../../examples/pyferris/09-pipeline.js');
    const expected = [1, 2, 3, 4].map((i) => `DATA_FROM_API${i}_PROCESSED`);
    expect(await main()).toEqual({ filteredData: expected, streamed: expected });
    expect(lines().slice(0, 3)).toEqual(['Fetched 4 items', 'Processed 4 items', 'Filtered to 4 items']);
  });

  it('10 shared memory: four worker threads write every result and add exact totals into shared arrays', async () => {
    const { main } = await import('../../examples/pyferris/10-shared-memory.js');
    const { finalResults, total, processed, steps } = await main();
    expect(finalResults).toEqual(range(20).map((item) => item * (Math.floor(item / 5) + 1)));
    expect(finalResults.slice(0, 10)).toEqual([0, 1, 2, 3, 4, 10, 12, 14, 16, 18]);
    expect(total).toBe(finalResults.reduce((a, b) => a + b, 0));
    expect(processed).toBe(20);
    expect(steps).toBe(200_000);
    expect(output()).toContain('Processed 20 items across 4 workers (5 + 5 + 5 + 5)');
    expect(output()).toContain('Work steps counted by 4 threads at once: 200000 (expected 200000)');
  });

  it('11 batching processes 100 items in 10 chunks and batches single calls', async () => {
    const { main } = await import('../../examples/pyferris/11-batching.js');
    const { finalResults, batchCount, oneByOne, batchSizes } = await main();
    const doubled = range(100).map((i) => i * 2);
    expect(finalResults).toEqual(doubled);
    expect(batchCount).toBe(10);
    expect(oneByOne).toEqual(doubled);
    expect(batchSizes.reduce((a, b) => a + b, 0)).toBe(100);
    expect(Math.max(...batchSizes)).toBeLessThanOrEqual(10);
    expect(output()).toContain('Processed 100 items in 10 batches');
  });

  it('12 connection pool serves 20 queries with at most 5 connections and closes them', async () => {
    const { main } = await import('../../examples/pyferris/12-connection-pool.js');
    const { results, peak, stats, after } = await main();
    expect(results).toHaveLength(20);
    for (const [i, r] of results.entries())
      expect(r).toMatch(new RegExp(`^Query ${i} result \\(connection_[0-4]\\)$`));
    expect(peak).toBe(5);
    expect(stats.created).toBe(5);
    expect(after).toMatchObject({ size: 0, borrowed: 0, destroyed: 5 });
    expect(output()).toContain('Executed 20 database queries');
  });

  it('13 web scraping reads title, text and links of every loopback page', async () => {
    const { main } = await import('../../examples/pyferris/13-web-scraping.js');
    const pages = await main();
    expect(pages.map((p) => p.title)).toEqual([1, 2, 3, 4, 5].map((n) => `Page ${n}`));
    expect(pages[1]?.links).toEqual(['/page1', '/page3']);
    expect(pages.every((p) => p.success && p.size > 10)).toBe(true);
    expect(output()).toContain('Scraped 5 URLs');
    expect(output()).toContain('Valid content from 5 URLs');
    expect(output()).toMatch(/ {2}\/page1 "Page 1": \d+ characters, links \/page2/);
  });

  it('14 API aggregation merges three calls per user into profiles and totals', async () => {
    const { main } = await import('../../examples/pyferris/14-api-aggregation.js');
    const { userProfiles, totalRevenue, avgRevenue, requests } = await main();
    expect(userProfiles.map((p) => p.profile.email)).toEqual(
      [1, 2, 3, 4, 5].map((i) => `user${i}@example.com`),
    );
    expect(userProfiles[0]?.preferences).toEqual({ theme: 'dark', notifications: true, language: 'en' });
    expect(totalRevenue).toBeCloseTo(1249.9, 6);
    expect(avgRevenue).toBeCloseTo(249.98, 6);
    expect(requests).toBe(15);
    expect(output()).toContain('Aggregated data for 5 users');
    expect(output()).toContain('Total revenue: $1249.90');
    expect(output()).toContain('Average revenue per user: $249.98');
  });

  it('15 robust error handling retries network errors only and counts each kind', async () => {
    const { main } = await import('../../examples/pyferris/15-robust-error-handling.js');
    const results = await main();
    const of = (status: string) => results.filter((r) => r.status === status).map((r) => r.item);
    expect(of('network_error')).toEqual([0, 5, 10, 15]);
    expect(of('value_error')).toEqual([7, 14]);
    expect(of('success')).toHaveLength(14);
    expect(results.find((r) => r.item === 5)?.attempts).toBe(3);
    expect(results.find((r) => r.item === 7)).toMatchObject({ attempts: 1, error: 'Invalid value: 7' });
    expect(results.find((r) => r.item === 4)).toMatchObject({ result: 8, attempts: 1 });
    expect(output()).toContain('Results: 14 success, 4 network errors, 2 value errors, 0 unknown errors');
    expect(output()).toContain('[expected] WARNING:robust:Connection error for item 5 after 3 attempts');
    expect(output()).toContain('[expected] ERROR:robust:Value error for item 14: Invalid value: 14');
  });

  it('16 best practices bound concurrency and drop failed items, with a semaphore or maxConcurrent', async () => {
    const { main } = await import('../../examples/pyferris/16-best-practices.js');
    const squares = [1, 4, 16, 25, 49, 64, 81, 100];
    expect(await main()).toEqual({
      viaSemaphore: squares,
      semaphorePeak: 3,
      viaOption: squares,
      optionPeak: 3,
    });
    expect(output()).toContain('[expected] Error processing three: not a number: "three"');
  });

  it('17 resource management closes the session and the server when the block exits', async () => {
    const { main } = await import('../../examples/pyferris/17-resource-management.js');
    const { results, titles, sessionClosed } = await main();
    expect(results).toHaveLength(10);
    expect(new Set(titles)).toEqual(new Set(['Example Domain']));
    expect(sessionClosed).toBe(true);
    expect(output()).toContain('Fetched 10 pages while the session was open: yes');
    expect(output()).toContain('Session closed after the block: true');
  });

  it('run-all runs every PyFerris example in page order with a header each', async () => {
    const { pyferrisExamples, runAll } = await import('../../examples/run-all.js');
    const failed = await runAll(pyferrisExamples);
    expect(failed).toEqual([]);
    const headers = lines().filter((line) => line.includes('==='));
    expect(headers).toHaveLength(17);
    expect(headers[0]).toContain('1/17 Quick start (examples/pyferris/01-quick-start.ts)');
    expect(headers[16]).toContain('17/17 Resource management (examples/pyferris/17-resource-management.ts)');
    expect(output()).toContain('All 17 examples ran.');
  });

  it('run-all lists every file of examples/pyferris in page order, then the guide examples', async () => {
    const { allExamples } = await import('../../examples/run-all.js');
    const { guideExamples } = await import('../../examples/guides/run-all.js');
    const files = (await allExamples()).map((e) => e.file);
    const onDisk = (await readdir(new URL('../../examples/pyferris/', import.meta.url)))
      .filter((f) => f.endsWith('.ts'))
      .sort()
      .map((f) => `pyferris/${f}`);
    expect(files.slice(0, onDisk.length)).toEqual(onDisk);
    expect(files.slice(onDisk.length)).toEqual(guideExamples.map((e) => `guides/${e.file}`));
  });

  it('the README has a row for every PyFerris example', async () => {
    const readme = await readFile(new URL('../../examples/README.md', import.meta.url), 'utf8');
    const { pyferrisExamples } = await import('../../examples/run-all.js');
    for (const e of pyferrisExamples)
      expect(readme).toMatch(new RegExp(`\\| \`${e.file.replace('pyferris/', '')}\` +\\|`));
  });
});
