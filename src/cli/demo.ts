import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { FerrisConfig } from '../report/config.js';
import { renderHtml } from '../report/htmlReport.js';
import { monitor } from '../report/monitor.js';
import { Recorder } from '../report/Recorder.js';
import { buildReport, type RunReport, type ScenarioInput, type ScenarioReport } from '../report/RunReport.js';
import type { DemoContext, Scenario, ScenarioResult } from './DemoContext.js';
import { barProgress, type Progress, plainProgress } from './progress.js';
import { basicExample, scenariosOf, sequentialScraping } from './scenarios.js';
import { startDemoServer } from './server.js';

/** Options of {@link runDemo}. */
export interface DemoOptions {
  config: FerrisConfig;
  /** Directory of ferris-report.json and ferris-report.html. */
  out: string;
  /** Requests per second of the scraping scenarios. */
  rate: number;
  /** A `redis://` URL: also run the scraping on a DistributedExecutor there (`web_scraping_distributed`). */
  redis?: string | undefined;
  /** Draw progress bars (only on a TTY). */
  progress: boolean;
  /** Print the JSON report on stdout (the human output goes to stderr). */
  json: boolean;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

/** What the demo produced. */
export interface DemoOutcome {
  report: RunReport;
  jsonPath: string;
  htmlPath: string;
  /** 0 when every scenario did what it should, 1 otherwise. */
  exitCode: 0 | 1;
}

const errorText = (error: unknown) =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);

/**
 * Runs `ferris demo`: starts the loopback API, runs every scenario for real while a Recorder watches, runs the
 * scraping again sequentially for the efficiency gain, then writes the JSON and HTML reports and prints a
 * summary. Everything it opened (server, sockets, temp files) is closed before it resolves.
 */
export async function runDemo(options: DemoOptions): Promise<DemoOutcome> {
  const { config } = options;
  const human = options.json ? options.stderr : options.stdout;
  const say = (line: string) => human.write(`${line}\n`);
  const recorder = new Recorder();
  const server = await startDemoServer();
  const agent = new Agent({ keepAlive: true });
  const tmp = await mkdtemp(join(tmpdir(), 'ferris-demo-'));
  const progress: Progress =
    options.progress && options.stderr.isTTY ? barProgress(options.stderr) : plainProgress(say);
  recorder.subscribe((event) => {
    if (event.type === 'finished' || event.type === 'failed' || event.type === 'cancelled')
      progress.tick(event.scenario);
  });
  const ctx: DemoContext = {
    url: server.url,
    agent,
    recorder,
    config,
    rate: options.rate,
    redis: options.redis,
    tmp,
    errors: { timeout: false, recovery: false, concurrent: false },
  };
  say(`Ferris demo: API on ${server.url}, concurrency ${config.async.maxConcurrent}, ${options.rate} req/s`);
  if (options.redis !== undefined) say(`Distributed scraping on Redis at ${new URL(options.redis).host}`);
  const scenarios = scenariosOf(options.redis !== undefined);

  const results = new Map<string, ScenarioResult & { seconds: number }>();
  const runOne = async (scenario: Scenario) => {
    progress.start(scenario.key, scenario.total(config));
    const started = performance.now();
    const run = config.performance.trackAsyncMetrics
      ? monitor(scenario.run, { name: scenario.key, sink: recorder, slowMs: 20_000 })
      : scenario.run;
    let result: ScenarioResult;
    try {
      result = await run(ctx);
    } catch (error) {
      result = { status: 'failed', details: { error: errorText(error) } };
    }
    const seconds = (performance.now() - started) / 1000;
    results.set(scenario.key, { ...result, seconds });
    progress.end(scenario.key, result.status, seconds);
  };

  let basicData: unknown;
  let basicOk = false;
  try {
    await runOne({
      key: 'basic_async_example',
      operation: 'basic_async_functionality',
      total: () => 1,
      run: async (c) => {
        basicData = await basicExample(c);
        basicOk = true;
        return { status: 'completed' };
      },
    });
    for (const scenario of scenarios) await runOne(scenario);
    if (config.performance.asyncEfficiencyGain) await runOne(sequentialScraping);
  } finally {
    progress.stop();
    agent.destroy();
    await server.close();
    await rm(tmp, { recursive: true, force: true });
  }

  const entries: Record<string, ScenarioInput> = {};
  for (const s of [...scenarios, sequentialScraping]) {
    if (s.key === 'concurrent_async_example' || s.key === 'async_integration_example') continue;
    const r = results.get(s.key);
    if (r === undefined) continue;
    entries[s.key] = {
      operation: s.operation,
      status: r.status,
      ...(r.details ? { details: r.details } : {}),
    };
  }
  const concurrent = results.get('concurrent_async_example');
  const integration = results.get('async_integration_example');
  const scraping = results.get('web_scraping_example');
  const sequential = results.get('sequential_scraping_example');
  const report = buildReport(recorder, {
    module: config.module.name,
    basic: { status: basicOk ? 'success' : 'failed', data: basicData ?? null },
    concurrent: {
      operation: 'concurrent_async_operations',
      status: concurrent?.status ?? 'failed',
      ...(concurrent?.details ? { details: concurrent.details } : {}),
    },
    integration: {
      status: integration?.status === 'completed' ? 'success' : 'failed',
      phases_completed: Number(integration?.details?.phases_completed ?? 0),
    },
    scenarios: entries,
    errorHandling: {
      timeout_handled: ctx.errors.timeout,
      exception_recovery_handled: ctx.errors.recovery,
      concurrent_error_handled: ctx.errors.concurrent,
    },
    ...(scraping && sequential && sequential.status === 'completed'
      ? { baseline: { asyncSeconds: scraping.seconds, syncSeconds: sequential.seconds } }
      : {}),
  });
  recorder.close();
  if (!config.performance.trackAsyncMetrics) {
    // Counts only: no per-task timeline.
    report.timeline.tasks = [];
    report.concurrency_over_time = [];
  }

  const out = resolve(options.out);
  const jsonPath = join(out, 'ferris-report.json');
  const htmlPath = join(out, 'ferris-report.html');
  await writeFile(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(htmlPath, renderHtml(report));
  for (const line of summaryTable(report)) say(line);
  say(`Reports: ${jsonPath}\n         ${htmlPath}`);
  // Why a scenario failed (an unreachable --redis, a broken API...), after the bars are gone.
  for (const [key, r] of results)
    if (r.status === 'failed' && r.details?.error !== undefined)
      options.stderr.write(`ferris: ${key} failed: ${String(r.details.error)}\n`);
  if (options.json) options.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  return { report, jsonPath, htmlPath, exitCode: report.status === 'completed' ? 0 : 1 };
}

/** The summary printed at the end: one row per scenario, then the run's totals. */
export function summaryTable(report: RunReport): string[] {
  const header = ['scenario', 'status', 'tasks', 'ok', 'failed', 'cancelled', 'time s', 'tasks/s'];
  const rows: string[][] = [];
  for (const [key, entry] of Object.entries(report.core_functionality)) {
    if ('total_tasks' in entry) {
      const s = entry as ScenarioReport;
      rows.push([
        key,
        s.status,
        String(s.total_tasks),
        String(s.successful_tasks),
        String(s.failed_tasks),
        String(s.cancelled_tasks),
        s.execution_time.toFixed(3),
        s.tasks_per_second.toFixed(1),
      ]);
    } else rows.push([key, entry.status, '', '', '', '', '', '']);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 || i === 1 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ');
  const p = report.performance;
  const s = report.execution_summary;
  const m = report.metrics;
  return [
    '',
    line(header),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.map(line),
    '',
    `status ${report.status}; ${s.total_async_operations} operations in ${p.total_execution_time.toFixed(2)} s ` +
      `(${p.async_operations_per_second}/s); errors ${s.errors_encountered} (error rate ${p.error_rate}); ` +
      `success rate ${s.success_rate}`,
    `latency p50 ${m.latency_ms.p50} ms, p99 ${m.latency_ms.p99} ms; peak concurrency ${m.max_concurrency}, ` +
      `effective ${m.effective_concurrency}; retries ${m.retries}; efficiency gain ${s.async_efficiency_gain}`,
    `error handling: timeout ${report.error_handling.timeout_handled}, recovery ${report.error_handling.exception_recovery_handled}, ` +
      `concurrent errors ${report.error_handling.concurrent_error_handled}`,
  ];
}
