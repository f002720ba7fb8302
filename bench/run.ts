/**
 * `npm run bench [-- --only map,executor] [--quick] [--json out.json] [--rounds n] [--source dist|src] [--no-build]`
 *
 * Runs every row of every selected suite (bench/suites.ts) in its own child process, round after round in a
 * rotating order so that the machine's noise falls on all rows of a benchmark alike, then prints one table per
 * benchmark: the median ns/op of all timed repetitions, each row's ratio to its group's floor, and PASS/MISS
 * for SPEC §4's targets. Exits 1 if a row crashed; a missed target is reported, not failed.
 *
 * The Ferris rows measure the built package by default, as users run it: `npm run build` first, then each
 * child imports `dist/index.js`. `--source src` measures the TypeScript sources under tsx instead, and
 * `--no-build` reuses the `dist/` already there.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildResult } from './harness.js';
import { type RowFigures, type RowSpec, type Suite, suites } from './suites.js';
import { type RowReport, renderSuite } from './table.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

interface Options {
  only: readonly string[] | undefined;
  quick: boolean;
  json: string | undefined;
  rounds: number;
  /** Where the Ferris rows load Ferris from: the built package or the sources under tsx. */
  source: 'dist' | 'src';
  /** Build before measuring `dist` (default); `--no-build` reuses the `dist/` already there. */
  build: boolean;
}

function parseOptions(argv: readonly string[]): Options {
  const options: Options = {
    only: undefined,
    quick: false,
    json: undefined,
    rounds: 0,
    source: 'dist',
    build: true,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${arg} needs a value`);
      return next;
    };
    if (arg === '--quick') options.quick = true;
    else if (arg === '--only') options.only = value().split(',').filter(Boolean);
    else if (arg === '--json') options.json = value();
    else if (arg === '--rounds') options.rounds = Number(value());
    else if (arg === '--no-build') options.build = false;
    else if (arg === '--source') {
      const source = value();
      if (source !== 'dist' && source !== 'src')
        throw new Error(`--source must be dist or src, got ${source}`);
      options.source = source;
    } else
      throw new Error(
        `unknown option ${arg} (use --only a,b --quick --json file --rounds n --source dist|src --no-build)`,
      );
  }
  if (options.rounds === 0) options.rounds = options.quick ? 1 : 3;
  if (!Number.isInteger(options.rounds) || options.rounds < 1)
    throw new Error('--rounds must be an integer >= 1');
  const names = suites.map((s) => s.name);
  for (const name of options.only ?? []) {
    if (!names.includes(name)) throw new Error(`unknown benchmark ${name} (known: ${names.join(', ')})`);
  }
  return options;
}

/** Runs per child process: `warmup` untimed, then up to `reps` timed until they have taken `budget-ms`. */
function timing(quick: boolean): Record<string, number> {
  return quick ? { reps: 2, warmup: 1, 'budget-ms': 300 } : { reps: 5, warmup: 1, 'budget-ms': 1000 };
}

const childTimeoutMs = 180_000;

type ChildOutcome = { ok: true; result: ChildResult } | { ok: false; error: string };

function runChild(file: string, flags: Record<string, string | number>): Promise<ChildOutcome> {
  const args = ['--expose-gc', '--import', 'tsx', file];
  for (const [key, value] of Object.entries(flags)) args.push(`--${key}`, String(value));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), childTimeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((l) => l.startsWith('@@result '));
      if (code === 0 && line !== undefined) {
        resolve({ ok: true, result: JSON.parse(line.slice('@@result '.length)) as ChildResult });
        return;
      }
      const why = signal === 'SIGKILL' ? `killed after ${childTimeoutMs / 1000} s` : `exit code ${code}`;
      const tail = stderr.trim().split('\n').slice(-6).join('\n      ');
      resolve({ ok: false, error: `${why}${tail ? `\n      ${tail}` : ''}` });
    });
  });
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

async function runSuite(suite: Suite, options: Options): Promise<RowReport[]> {
  const specs = suite.rows(options.quick);
  const built =
    existsSync(path.join(root, suite.needs)) &&
    (options.source === 'src' || existsSync(path.join(root, 'dist', 'index.js')));
  const reports: RowReport[] = specs.map((spec) => ({
    group: spec.group,
    impl: spec.impl,
    label: spec.label,
    floor: spec.floor === true,
    status: spec.ferris === true && !built ? 'not built yet' : 'ok',
    samples: [],
    metrics: {},
    metricSamples: {},
    targets: [],
  }));
  if (!built)
    console.error(
      `  ${suite.name}: ${suite.needs} does not exist: the Ferris rows are skipped (not built yet)`,
    );
  const live = specs
    .map((spec, i) => ({ spec, report: reports[i] as RowReport }))
    .filter((r) => r.report.status === 'ok');
  for (let round = 0; round < options.rounds; round++) {
    process.stderr.write(`  ${suite.name}: round ${round + 1}/${options.rounds} `);
    const start = live.length === 0 ? 0 : (round * Math.ceil(live.length / options.rounds)) % live.length;
    const order = [...live.slice(start), ...live.slice(0, start)];
    for (const { spec, report } of order) {
      if (report.status !== 'ok') continue;
      const outcome = await runChild(suite.file, {
        impl: spec.impl,
        source: options.source,
        ...spec.flags,
        ...timing(options.quick),
      });
      process.stderr.write(outcome.ok ? '.' : 'x');
      if (!outcome.ok) {
        report.status = 'crashed';
        report.error = outcome.error;
        continue;
      }
      report.samples.push(...outcome.result.nsPerOp);
      for (const [key, value] of Object.entries(outcome.result.metrics)) {
        report.metricSamples[key] = [...(report.metricSamples[key] ?? []), value];
      }
    }
    process.stderr.write('\n');
  }
  for (const report of reports) {
    if (report.status !== 'ok' || report.samples.length === 0) continue;
    report.median = median(report.samples);
    for (const [key, values] of Object.entries(report.metricSamples)) report.metrics[key] = median(values);
  }
  judge(suite, specs, reports);
  return reports;
}

/** Fills in each row's ratio to its group's floor and each Ferris row's targets. */
function judge(suite: Suite, specs: readonly RowSpec[], reports: RowReport[]): void {
  const groups = [...new Set(specs.map((s) => s.group))];
  for (const group of groups) {
    const rows = reports.filter((r) => r.group === group);
    const floor = rows.find((r) => r.floor)?.median;
    const figures = new Map<string, RowFigures>();
    for (const row of rows) {
      if (row.median === undefined) continue;
      figures.set(row.impl, { median: row.median, metrics: row.metrics });
      if (floor !== undefined) row.ratioToFloor = row.median / floor;
    }
    const ferris = rows.find((r) => r.impl === 'ferris');
    if (ferris === undefined) continue;
    for (const target of suite.targets.filter((t) => t.group === group)) {
      const verdict = target.judge(figures);
      if (verdict !== undefined) ferris.targets.push({ text: target.text, ...verdict });
    }
  }
}

function commandLine(): string {
  const args = process.argv.slice(2).join(' ');
  if (process.env.npm_lifecycle_event === 'bench') return `npm run bench${args ? ` -- ${args}` : ''}`;
  return `tsx bench/run.ts${args ? ` ${args}` : ''}`;
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  if (options.source === 'dist' && options.build) {
    process.stderr.write('  building dist/ (npm run build)\n');
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const build = spawnSync(npm, ['run', 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
    if (build.status !== 0) throw new Error('npm run build failed: the built package cannot be measured');
  }
  const started = new Date();
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const load = os.loadavg().map((x) => x.toFixed(2));
  console.log(`# Ferris benchmark\n`);
  console.log(`command: ${commandLine()}`);
  console.log(`node:    ${process.version} (${process.platform}-${process.arch}, V8 ${process.versions.v8})`);
  console.log(`date:    ${started.toISOString()}`);
  console.log(`machine: ${os.cpus().length} x ${cpu}, load average ${load.join(' ')} at start`);
  console.log(
    `runs:    ${options.rounds} round(s) x one process per row; ${JSON.stringify(timing(options.quick))}`,
  );
  console.log(
    options.source === 'dist'
      ? `ferris:  dist/ (the built package, as users run it${options.build ? '; built by npm run build just now' : ''})`
      : 'ferris:  src/ (the TypeScript sources, under tsx)',
  );
  console.log('Quote the ratios, not the absolute times: the machine is shared and noisy.');
  if (options.quick)
    console.log(
      '--quick is a smoke run: small inputs, one round, code not fully optimised yet. PASS/MISS here means nothing; judge targets on a full run.',
    );
  const selected = suites.filter((s) => options.only === undefined || options.only.includes(s.name));
  const results: { name: string; title: string; unit: string; rows: RowReport[] }[] = [];
  for (const suite of selected) {
    const rows = await runSuite(suite, options);
    console.log(`\n${renderSuite(suite, suite.title(options.quick), rows)}`);
    results.push({ name: suite.name, title: suite.title(options.quick), unit: suite.unit, rows });
  }
  const seconds = (Date.now() - started.getTime()) / 1000;
  console.log(
    `\ntotal ${seconds.toFixed(0)} s, load average ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')} at end`,
  );
  const crashed = results.flatMap((s) =>
    s.rows.filter((r) => r.status === 'crashed').map((r) => `${s.name}/${r.label}`),
  );
  if (options.json !== undefined) {
    const report = {
      command: commandLine(),
      node: process.version,
      v8: process.versions.v8,
      platform: `${process.platform}-${process.arch}`,
      date: started.toISOString(),
      machine: {
        cpus: os.cpus().length,
        model: cpu,
        loadAtStart: load.map(Number),
        loadAtEnd: os.loadavg().map((x) => Number(x.toFixed(2))),
      },
      quick: options.quick,
      rounds: options.rounds,
      source: options.source,
      timing: timing(options.quick),
      seconds,
      suites: results,
    };
    writeFileSync(path.resolve(options.json), `${JSON.stringify(report, null, 2)}\n`);
    console.log(`wrote ${options.json}`);
  }
  if (crashed.length > 0) {
    console.log(`\n${crashed.length} row(s) crashed: ${crashed.join(', ')}`);
    return 1;
  }
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 2;
  },
);
