/**
 * What users install is what is tested: this file builds the package, packs it with `npm pack`, installs the
 * tarball into a fresh consumer project and compiles a strict ESM consumer and a CommonJS consumer against it,
 * with TypeScript's defaults otherwise (`types` unset, no `@types/node`, no `lib`, `target` ES2022). It then
 * runs the CommonJS consumer, which loads the ES module through `require()` (Node.js >= 20.19), and checks that
 * the packed README links only to files that ship or to absolute URLs.
 */
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const tscBin = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

let work = '';
let consumer = '';

function run(file: string, args: string[], cwd: string): string {
  return execFileSync(file, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs tsc in the consumer; resolves to its diagnostics ('' when the program compiles). */
function tsc(project: string): string {
  try {
    return run(
      process.execPath,
      [join(consumer, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project],
      consumer,
    );
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    return `${e.stdout ?? ''}${e.stderr ?? ''}` || String(error);
  }
}

const ESM_CONSUMER = `
import { AsyncExecutor, Bulkhead, ResourcePool, asyncParallelMap, taskGroup, type AsyncTask } from 'ferris';
import { FakeClock } from 'ferris/testing';

const clock = new FakeClock();
await using executor = new AsyncExecutor({ maxWorkers: 2 });
const task: AsyncTask<number> = executor.submitAsync(async (signal: AbortSignal) => (signal.aborted ? 0 : 1));
const doubled: number[] = await asyncParallelMap(async (x: number) => x * 2, [1, 2, 3], { maxConcurrent: 2 });
const sum: number = await taskGroup(async (tg) => (await tg.createTask(() => 1)) + (await task));
const bulkhead = new Bulkhead({ maxConcurrent: 1, clock });
await using pool = new ResourcePool({ create: () => ({ id: 1 }), destroy: () => {}, max: 1, maxWaiting: 0 });
export const out = { doubled, sum, stats: bulkhead.stats(), pool: pool.stats() };
`;

const CJS_CONSUMER = `
import type { AsyncExecutorOptions } from 'ferris';
import { asyncParallelMap, QueueFullError } from 'ferris';

const options: AsyncExecutorOptions = { maxWorkers: 2 };
async function main(): Promise<void> {
  const ferris = await import('ferris');
  const executor = new ferris.AsyncExecutor(options);
  const values: number[] = await asyncParallelMap(async (x: number) => x + 1, [1, 2]);
  await executor.shutdown();
  console.log(JSON.stringify({ values, queueFull: new QueueFullError().name }));
}
void main();
`;

/** The Node-only entries, as their users have them: with Node's types, and the Redis clients they use. */
const NODE_CONSUMER = `
import { Recorder, buildReport, loadConfig, monitor, renderHtml } from 'ferris/report';
import { DistributedExecutor, RedisRateLimiter, RedisSemaphore } from 'ferris/redis';
import { WorkerPool, createSharedArray } from 'ferris/workers';

const recorder = new Recorder();
const timed = monitor(async (x: number) => x + 1, { name: 'plus one' });
const shared: Int32Array = createSharedArray('int32', 4);
export const out = { recorder, timed, buildReport, loadConfig, renderHtml, shared, pool: WorkerPool };
export type Classes = [typeof DistributedExecutor, typeof RedisRateLimiter, typeof RedisSemaphore];
`;

/**
 * `types: []` is what TypeScript's default amounts to in a project without `@types` packages; it is spelled out
 * because this consumer folder also holds `@types/node` for the Node-only entries.
 */
const compilerOptions = { target: 'ES2022', module: 'nodenext', strict: true, types: [] as string[] };

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'ferris-consumer-'));
  run(npm, ['run', 'build'], root);
  const packed = JSON.parse(run(npm, ['pack', '--json', '--pack-destination', work], root)) as {
    filename: string;
  }[];
  const tarball = join(work, packed[0]!.filename);
  consumer = join(work, 'consumer');
  mkdirSync(consumer);
  writeFileSync(
    join(consumer, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
  );
  // Its dependencies (those of ferris/report) come from the npm cache that the repository's own install filled.
  run(
    npm,
    ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock', tarball],
    consumer,
  );
  // The repository's TypeScript (>= 5.8), as the consumer's own.
  symlinkSync(join(root, 'node_modules', 'typescript'), join(consumer, 'node_modules', 'typescript'), 'dir');
  // What a user of the Node-only entries has besides: Node's types, and ioredis and bullmq for ferris/redis.
  for (const dep of ['@types', 'ioredis', 'bullmq'])
    symlinkSync(join(root, 'node_modules', dep), join(consumer, 'node_modules', dep), 'dir');
  writeFileSync(join(consumer, 'esm.ts'), ESM_CONSUMER);
  writeFileSync(join(consumer, 'node.ts'), NODE_CONSUMER);
  writeFileSync(
    join(consumer, 'tsconfig.node.json'),
    JSON.stringify({
      compilerOptions: { ...compilerOptions, noEmit: true, types: ['node'] },
      files: ['node.ts'],
    }),
  );
  writeFileSync(join(consumer, 'cjs.cts'), CJS_CONSUMER);
  writeFileSync(
    join(consumer, 'tsconfig.esm.json'),
    JSON.stringify({ compilerOptions: { ...compilerOptions, noEmit: true }, files: ['esm.ts'] }),
  );
  writeFileSync(
    join(consumer, 'tsconfig.cjs.json'),
    JSON.stringify({ compilerOptions: { ...compilerOptions, outDir: 'out' }, files: ['cjs.cts'] }),
  );
}, 120_000);

afterAll(() => {
  if (work !== '') rmSync(work, { recursive: true, force: true });
});

describe('the packed package, as a consumer installs it', () => {
  it('is compiled by TypeScript 5.8 or newer', () => {
    const version = run(process.execPath, [tscBin, '--version'], root);
    const [major, minor] = /(\d+)\.(\d+)/.exec(version)!.slice(1).map(Number) as [number, number];
    expect(major > 5 || (major === 5 && minor >= 8)).toBe(true);
  });

  it('ships its license, its README and the built entry points', () => {
    const pkg = join(consumer, 'node_modules', 'ferris');
    for (const file of ['LICENSE', 'README.md', 'package.json', 'dist/index.js', 'dist/index.d.ts'])
      expect(existsSync(join(pkg, file)), file).toBe(true);
    expect(readFileSync(join(pkg, 'LICENSE'), 'utf8')).toMatch(/MIT License/);
  });

  it('type-checks a strict ESM consumer with TypeScript defaults: no types, no lib, target ES2022', () => {
    expect(tsc('tsconfig.esm.json')).toBe('');
  });

  it('type-checks a consumer of the Node-only entries (workers, report, redis) with Node types and the Redis clients', () => {
    expect(tsc('tsconfig.node.json')).toBe('');
  });

  it('type-checks a CommonJS consumer (.cts, module nodenext) and runs it through require()', () => {
    expect(tsc('tsconfig.cjs.json')).toBe('');
    const output = run(process.execPath, [join(consumer, 'out', 'cjs.cjs')], consumer);
    expect(JSON.parse(output)).toEqual({ values: [2, 3], queueFull: 'QueueFullError' });
  });

  it('has a README whose links are absolute or point to files that ship', () => {
    const pkg = join(consumer, 'node_modules', 'ferris');
    const readme = readFileSync(join(pkg, 'README.md'), 'utf8');
    const links = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!);
    expect(links.length).toBeGreaterThan(0);
    const broken = links.filter(
      (link) => !/^(https?:|mailto:|#)/.test(link) && !existsSync(join(pkg, link.split('#')[0]!)),
    );
    expect(broken).toEqual([]);
  });
});
