import { buildReport, efficiencyGain, Recorder } from 'ferris/report';
import { describe, expect, it } from 'vitest';
import { fakeClock } from '../support/leakCheck.js';
import { sampleRun } from './fixture.js';

const num = expect.any(Number);
const str = expect.any(String);
const bool = expect.any(Boolean);

describe('buildReport', () => {
  it("keeps every field of the template's JSON report, with its type", async () => {
    const { report } = await sampleRun(fakeClock());
    expect(report).toMatchObject({
      status: 'completed',
      module: 'sample',
      execution_mode: 'async',
      core_functionality: {
        basic_async_example: {
          operation: str,
          status: 'success',
          async_execution: true,
          data: { answer: 42 },
        },
        concurrent_async_example: {
          operation: 'concurrent_async_operations',
          status: 'completed',
          total_tasks: num,
          successful_tasks: num,
          failed_tasks: num,
          execution_time: num,
          tasks_per_second: num,
        },
        async_integration_example: { operation: str, status: 'success', phases_completed: 3 },
      },
      error_handling: {
        timeout_handled: bool,
        exception_recovery_handled: bool,
        concurrent_error_handled: bool,
      },
      performance: {
        total_execution_time: num,
        async_operations_per_second: num,
        concurrent_tasks_per_second: num,
        error_rate: num,
      },
      execution_summary: {
        total_async_operations: num,
        concurrent_tasks_executed: num,
        errors_encountered: num,
        success_rate: num,
        async_efficiency_gain: str,
      },
    });
  });

  it('counts the tasks it recorded: successes, failures, times in seconds and rates', async () => {
    const { report } = await sampleRun(fakeClock());
    const concurrent = report.core_functionality.concurrent_async_example;
    // Items 10, 20, 30 (fails), 40 at concurrency 2: the last one settles at 60 ms.
    expect(concurrent).toMatchObject({
      total_tasks: 4,
      successful_tasks: 3,
      failed_tasks: 1,
      execution_time: 0.06,
    });
    expect(concurrent.tasks_per_second).toBeCloseTo(4 / 0.06, 1);
    expect(report.core_functionality.resilience_example).toMatchObject({
      operation: 'retry_with_backoff',
      total_tasks: 1,
      successful_tasks: 1,
    });
    // 7 tasks settled (4 + 2 writes + 1 flaky), 1 failed.
    expect(report.execution_summary).toMatchObject({
      total_async_operations: 7,
      concurrent_tasks_executed: 4,
      errors_encountered: 1,
      success_rate: 0.857,
    });
    expect(report.performance.error_rate).toBe(0.143);
    expect(report.performance.concurrent_tasks_per_second).toBe(concurrent.tasks_per_second);
    expect(report.metrics.retries).toBe(1);
    expect(report.metrics.max_concurrency).toBe(2);
    expect(report.metrics.breaker_transitions).toEqual([
      { at: expect.any(Number), name: 'api', from: 'closed', to: 'open' },
    ]);
    expect(report.timeline.tasks).toHaveLength(7);
    expect(report.timeline.lanes).toBe(2);
  });

  it('states the efficiency gain from the measured baseline, as "<n>x_vs_sync"', async () => {
    const { report } = await sampleRun(fakeClock());
    expect(report.execution_summary.async_efficiency_gain).toBe('3.0x_vs_sync');
    expect(report.baseline).toEqual({ async_time: 0.2, sync_time: 0.6 });
    expect(efficiencyGain(0.5, 1.7)).toBe('3.4x_vs_sync');
    expect(efficiencyGain(0, 1)).toBe('not_measured');
  });

  it('says "not_measured" without a baseline, and fails the run when a scenario failed', () => {
    const recorder = new Recorder({ clock: fakeClock() });
    const report = buildReport(recorder, {
      basic: { status: 'success', data: null },
      concurrent: { operation: 'concurrent_async_operations' },
      integration: { status: 'success', phases_completed: 3 },
      scenarios: { broken_example: { operation: 'x', status: 'failed' } },
      errorHandling: {
        timeout_handled: false,
        exception_recovery_handled: false,
        concurrent_error_handled: false,
      },
    });
    expect(report.execution_summary.async_efficiency_gain).toBe('not_measured');
    expect(report.baseline).toBeNull();
    expect(report.status).toBe('failed');
    expect(report.module).toBe('ferris');
    expect(report.execution_summary.success_rate).toBe(1);
    expect(report.performance.error_rate).toBe(0);
  });

  it('round-trips through JSON unchanged', async () => {
    const { report } = await sampleRun(fakeClock());
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });
});
