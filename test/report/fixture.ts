import { asyncParallelMap, CircuitBreaker, retry, sleep } from 'ferris';
import { buildReport, Recorder, type RunReport } from 'ferris/report';
import type { FakeClock } from 'ferris/testing';

/**
 * A small run on a fake clock: 4 concurrent items (one fails), 2 integration writes, a retried call and a
 * breaker that opens; then its report with a measured 0.2 s vs 0.6 s baseline.
 */
export async function sampleRun(clock: FakeClock): Promise<{ recorder: Recorder; report: RunReport }> {
  const recorder = new Recorder({ clock });
  const item = recorder.track(
    'op',
    async (ms: number, _i: number, signal: AbortSignal) => {
      await sleep(ms, { clock, signal });
      if (ms === 30) throw new Error('item <30> failed');
      return ms;
    },
    { scenario: 'concurrent' },
  );
  const map = asyncParallelMap(item, [10, 20, 30, 40], { maxConcurrent: 2, stopOnError: false }).catch(
    () => null,
  );
  await clock.runAll();
  await map;
  const write = recorder.track('write', async () => 'ok', { scenario: 'files' });
  await write();
  await write();
  let calls = 0;
  const breaker = new CircuitBreaker({ failureThreshold: 1, clock });
  recorder.attachBreaker(breaker, 'api');
  const flaky = recorder.track(
    'flaky',
    () =>
      retry(
        async () => {
          if (++calls === 1) throw new Error('once');
          return 1;
        },
        { attempts: 2, backoff: { initial: 5, jitter: 'none' }, clock, onRetry: recorder.onRetry() },
      ),
    { scenario: 'resilience' },
  );
  const flakyDone = flaky();
  await clock.runAll();
  await flakyDone;
  await breaker.run(() => Promise.reject(new Error('down'))).catch(() => {});
  recorder.close();
  const report = buildReport(recorder, {
    module: 'sample',
    basic: { status: 'success', data: { answer: 42 } },
    concurrent: { operation: 'concurrent_async_operations', scenario: 'concurrent' },
    integration: { status: 'success', phases_completed: 3 },
    scenarios: { resilience_example: { operation: 'retry_with_backoff', scenario: 'resilience' } },
    errorHandling: {
      timeout_handled: true,
      exception_recovery_handled: true,
      concurrent_error_handled: false,
    },
    baseline: { asyncSeconds: 0.2, syncSeconds: 0.6 },
  });
  return { recorder, report };
}
