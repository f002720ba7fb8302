/**
 * End to end: the built `ferris` bin, run as a user runs it (`node dist/cli/main.js demo ...`) in a child
 * process. The package is compiled once into node_modules/.cache (CI runs the tests before `npm run build`).
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunReport } from 'ferris/report';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type RedisServer, startRedisServer } from '../../examples/support/redisServer.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const build = join(root, 'node_modules', '.cache', 'ferris-e2e');
const bin = join(build, 'dist', 'cli', 'main.js');
let work: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  seconds: number;
  killed: boolean;
}

function run(file: string, args: string[], timeout = 60_000): Promise<Run> {
  const started = performance.now();
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { cwd: work, timeout, env: { ...process.env, NO_COLOR: '1' } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({
          code,
          stdout,
          stderr,
          seconds: (performance.now() - started) / 1000,
          killed: error?.killed ?? false,
        });
      },
    );
  });
}

const ferris = (...args: string[]) => run(process.execPath, [bin, ...args]);

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'ferris-e2e-'));
  rmSync(build, { recursive: true, force: true });
  mkdirSync(build, { recursive: true });
  // Outside the repo's package scope (node_modules stops the lookup): say the output is ESM, as package.json does.
  writeFileSync(join(build, 'package.json'), '{ "type": "module" }\n');
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = await run(
    process.execPath,
    [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', join(build, 'dist')],
    240_000,
  );
  if (result.code !== 0) throw new Error(`build failed:\n${result.stdout}${result.stderr}`);
  // As `npm run build` does: ferris/redis reads its Lua scripts next to its modules.
  cpSync(join(root, 'src', 'redis', 'scripts'), join(build, 'dist', 'redis', 'scripts'), { recursive: true });
}, 300_000);

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('ferris demo (built bin)', () => {
  it('runs every scenario, writes both reports, prints a summary, exits 0 by itself within a minute', {
    timeout: 120_000,
  }, async () => {
    const out = join(work, 'out');
    mkdirSync(out);
    const result = await ferris('demo', '--no-progress', '--out', out);
    expect(result.killed, 'the process did not exit by itself').toBe(false);
    expect(result.code, result.stderr).toBe(0);
    expect(result.seconds).toBeLessThan(60);

    const report = JSON.parse(readFileSync(join(out, 'ferris-report.json'), 'utf8')) as RunReport;
    expect(report).toMatchObject({ status: 'completed', module: 'ferris', execution_mode: 'async' });
    const core = report.core_functionality;
    expect(Object.keys(core)).toEqual([
      'basic_async_example',
      'concurrent_async_example',
      'async_integration_example',
      'web_scraping_example',
      'api_aggregation_example',
      'data_pipeline_example',
      'resilience_example',
      'connection_pool_example',
      'background_tasks_example',
      'cpu_work_example',
      'error_handling_example',
      'sequential_scraping_example',
    ]);
    // CPU work on the worker pool: every count computed on the threads matches the one-thread result.
    expect(core.cpu_work_example).toMatchObject({
      status: 'completed',
      total_tasks: 10,
      successful_tasks: 10,
    });
    expect(core.cpu_work_example).toMatchObject({ details: { threads: 4, results_match: true } });
    expect(core.concurrent_async_example).toMatchObject({
      total_tasks: 5,
      successful_tasks: 5,
      failed_tasks: 0,
    });
    expect(core.async_integration_example).toMatchObject({ status: 'success', phases_completed: 3 });
    expect(report.error_handling).toEqual({
      timeout_handled: true,
      exception_recovery_handled: true,
      concurrent_error_handled: true,
    });
    expect(report.execution_summary.async_efficiency_gain).toMatch(/^\d+\.\dx_vs_sync$/);
    expect(Number.parseFloat(report.execution_summary.async_efficiency_gain)).toBeGreaterThan(1);
    expect(report.execution_summary.errors_encountered).toBeGreaterThan(0); // the demo provokes failures on purpose
    expect(report.metrics.retries).toBeGreaterThan(0);
    expect(report.metrics.limiter.grants).toBeGreaterThan(0);
    expect(report.metrics.breaker_transitions.map((t) => t.to)).toEqual(
      expect.arrayContaining(['open', 'closed']),
    );
    expect(report.metrics.pool.acquired).toBe(report.metrics.pool.released);
    expect(report.monitor.length).toBeGreaterThanOrEqual(12);

    const html = readFileSync(join(out, 'ferris-report.html'), 'utf8');
    expect(html.match(/<rect class="task /g)).toHaveLength(report.timeline.tasks.length);
    expect(html).toContain(report.execution_summary.async_efficiency_gain);

    expect(result.stdout).toContain('sequential_scraping_example');
    expect(result.stdout).toMatch(/efficiency gain \d+\.\dx_vs_sync/);
    expect(result.stdout).toContain(join(out, 'ferris-report.json'));
  });

  it('reads the config file, lets flags override it, and prints the report with --json', {
    timeout: 120_000,
  }, async () => {
    const out = join(work, 'json');
    mkdirSync(out);
    const config = join(work, 'small.yaml');
    writeFileSync(
      config,
      'module:\n  name: small_demo\nasync:\n  concurrent_tasks: 2\n  max_concurrent: 8\nperformance:\n  async_efficiency_gain: false\n',
    );
    const result = await ferris('demo', '--config', config, '--concurrency', '3', '--json', '--out', out);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as RunReport;
    expect(report.module).toBe('small_demo');
    expect(report.core_functionality.concurrent_async_example.total_tasks).toBe(2);
    expect(report.execution_summary.async_efficiency_gain).toBe('not_measured');
    expect(report.core_functionality.sequential_scraping_example).toBeUndefined();
    expect(report.metrics.max_concurrency).toBeLessThanOrEqual(3 * 3 + 4);
    expect(result.stderr).toContain('Ferris demo'); // the human output went to stderr
    expect(JSON.parse(readFileSync(join(out, 'ferris-report.json'), 'utf8'))).toEqual(report);
  });

  it('exits 2 with a clear message on a bad flag, a bad value or a bad config', {
    timeout: 60_000,
  }, async () => {
    const flag = await ferris('demo', '--bogus');
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("ferris: Unknown option '--bogus'");

    const command = await ferris('serve');
    expect(command.code).toBe(2);
    expect(command.stderr).toContain('ferris: unknown command "serve"; the command is "demo".');

    const concurrency = await ferris('demo', '--concurrency', 'lots');
    expect(concurrency.code).toBe(2);
    expect(concurrency.stderr).toBe('ferris: --concurrency must be an integer >= 1, got "lots".\n');

    const bad = join(work, 'ferris.config.yaml');
    writeFileSync(bad, 'async:\n  max_concurrent: 4\n  timeout: "30s"\n');
    const config = await ferris('demo', '--no-progress');
    rmSync(bad);
    expect(config.code).toBe(2);
    expect(config.stderr).toBe(`ferris: ${bad}:3: async.timeout must be a number of seconds, got "30s".\n`);

    const missing = await ferris('demo', '--config', join(work, 'nope.yaml'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read the configuration file (ENOENT)');
  });

  it('prints its usage with --help and exits 0', async () => {
    const help = await ferris('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: ferris demo \[options\]/);
    for (const flag of ['--config', '--out', '--concurrency', '--rate', '--redis', '--no-progress', '--json'])
      expect(help.stdout).toContain(flag);
  });
});

describe('ferris demo --redis (built bin)', () => {
  let redis: RedisServer;

  beforeAll(async () => {
    redis = await startRedisServer();
  });

  afterAll(async () => {
    await redis?.stop();
  });

  // The efficiency baseline is off: these runs are about Redis, and it saves seconds.
  const quick = () => {
    const config = join(work, 'redis.yaml');
    writeFileSync(config, 'performance:\n  async_efficiency_gain: false\n');
    return config;
  };

  it('runs the scraping on a DistributedExecutor in that Redis, reports it, and exits 0 by itself', {
    timeout: 60_000,
  }, async () => {
    const out = join(work, 'redis-out');
    mkdirSync(out);
    const result = await ferris(
      'demo',
      '--no-progress',
      '--config',
      quick(),
      '--redis',
      redis.url,
      '--out',
      out,
    );
    expect(result.killed, 'the process did not exit by itself').toBe(false);
    expect(result.code, result.stderr).toBe(0);

    const report = JSON.parse(readFileSync(join(out, 'ferris-report.json'), 'utf8')) as RunReport;
    expect(report.status).toBe('completed');
    const keys = Object.keys(report.core_functionality);
    expect(keys.indexOf('web_scraping_distributed')).toBe(keys.indexOf('web_scraping_example') + 1);
    const expected = 40; // max(16, concurrent_tasks x 8), concurrent_tasks 5 by default
    expect(report.core_functionality.web_scraping_distributed).toMatchObject({
      operation: 'distributed_rate_limited_web_scraping',
      status: 'completed',
      total_tasks: expected,
      successful_tasks: expected,
      failed_tasks: 0,
      details: { pages: expected, redis: redis.url, queue: 'ferris-demo-scraping', rate_per_second: 50 },
    });
    // The jobs went through that Redis: BullMQ's queue lives there, and it holds no job any more.
    const { Redis } = await import('ioredis');
    const client = new Redis({ host: redis.host, port: redis.port, lazyConnect: true });
    try {
      await client.connect();
      expect(await client.exists('ferris:ferris-demo-scraping:meta')).toBe(1);
      expect(await client.llen('ferris:ferris-demo-scraping:wait')).toBe(0);
      expect(await client.zcard('ferris:ferris-demo-scraping:failed')).toBe(0);
    } finally {
      await client.quit();
    }
    expect(result.stdout).toContain(`Distributed scraping on Redis at 127.0.0.1:${redis.port}`);
    expect(result.stdout).toMatch(/web_scraping_distributed +completed/);
  });

  it('fails the distributed scenario with RedisUnavailableError and exits 1 within seconds when Redis is unreachable', {
    timeout: 60_000,
  }, async () => {
    const port = await freePort(); // nothing listens there
    const out = join(work, 'redis-down');
    mkdirSync(out);
    const result = await ferris(
      'demo',
      '--no-progress',
      '--config',
      quick(),
      '--redis',
      `redis://127.0.0.1:${port}`,
      '--out',
      out,
    );
    expect(result.killed, 'the process did not exit by itself').toBe(false);
    expect(result.code, result.stderr).toBe(1);
    expect(result.seconds).toBeLessThan(30);
    expect(result.stderr).toContain(
      `ferris: web_scraping_distributed failed: RedisUnavailableError: Redis is unavailable: connect ECONNREFUSED 127.0.0.1:${port}`,
    );
    const report = JSON.parse(readFileSync(join(out, 'ferris-report.json'), 'utf8')) as RunReport;
    expect(report.status).toBe('failed');
    expect(report.core_functionality.web_scraping_distributed).toMatchObject({ status: 'failed' });
    expect(report.core_functionality.web_scraping_example).toMatchObject({ status: 'completed' });
  });

  it('loads ioredis and bullmq only for --redis: the modules of the CLI do not import them', async () => {
    const probe = `
      import { createRequire } from 'node:module';
      const loaded = () => Object.keys(createRequire(import.meta.url).cache)
        .filter((file) => /[\\\\/]node_modules[\\\\/](ioredis|bullmq)[\\\\/]/.test(file)).length;
      const { runCli } = await import(${JSON.stringify(join(build, 'dist', 'cli', 'runCli.js'))});
      const { loadRedis } = await import(${JSON.stringify(join(build, 'dist', 'cli', 'distributedScenario.js'))});
      const before = loaded();
      await loadRedis();
      console.log(JSON.stringify({ cli: typeof runCli, before, after: loaded() }));
    `;
    const result = await run(process.execPath, ['--input-type=module', '-e', probe]);
    expect(result.code, result.stderr).toBe(0);
    const { cli, before, after } = JSON.parse(result.stdout) as {
      cli: string;
      before: number;
      after: number;
    };
    expect(cli).toBe('function');
    expect(before).toBe(0);
    expect(after).toBeGreaterThan(0); // the probe sees them once they are loaded
  });

  it('exits 2 before running anything when the --redis URL is malformed', async () => {
    for (const url of ['localhost:6379', 'http://127.0.0.1:6379', 'redis://', 'redis://127.0.0.1:99999']) {
      const result = await ferris('demo', '--redis', url);
      expect(result.code, url).toBe(2);
      expect(result.stderr).toBe(
        `ferris: --redis must be a URL such as redis://127.0.0.1:6379 (redis://[user:password@]host[:port][/db], or rediss:// for TLS), got "${url}".\n`,
      );
      expect(result.stdout).toBe('');
    }
  });
});
