/**
 * The child side of the benchmark: every `*.bench.ts` file runs one row in its own process. It parses
 * `--key value` flags, runs the row's operation once to warm up (and check its result), then times `--reps`
 * repetitions with a full GC before each, and prints one `@@result {json}` line that `run.ts` reads.
 */

/** Flags of one child process, as strings. */
export type Flags = Readonly<Record<string, string>>;

/** Parses `--key value` pairs (a flag without a value is `'true'`). */
export function parseFlags(argv: readonly string[] = process.argv.slice(2)): Flags {
  const flags: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i];
    if (key === undefined || !key.startsWith('--')) throw new Error(`unexpected argument ${String(key)}`);
    const value = argv[i + 1];
    if (value === undefined || value.startsWith('--')) flags[key.slice(2)] = 'true';
    else {
      flags[key.slice(2)] = value;
      i++;
    }
  }
  return flags;
}

/** Reads a required flag. */
export function flag(flags: Flags, name: string): string {
  const value = flags[name];
  if (value === undefined) throw new Error(`missing --${name}`);
  return value;
}

/** Reads a flag as a positive integer, or `Infinity` for 'unbounded'. */
export function intFlag(flags: Flags, name: string): number {
  const raw = flag(flags, name);
  if (raw === 'unbounded') return Number.POSITIVE_INFINITY;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be an integer >= 1, got ${raw}`);
  return value;
}

/**
 * Where the Ferris rows load Ferris from, by the child's `--source` flag: `dist` (the default) is the built
 * package's entry, `dist/index.js`, plain JavaScript as users run it; `src` is the TypeScript sources under tsx.
 * The path is computed, so typechecking does not need a build; the type is the sources' entry.
 */
export async function loadFerris(flags: Flags = parseFlags()): Promise<typeof import('../src/index.js')> {
  const source = flags.source ?? 'dist';
  if (source !== 'dist' && source !== 'src') throw new Error(`--source must be dist or src, got ${source}`);
  const entry = new URL(source === 'dist' ? '../dist/index.js' : '../src/index.ts', import.meta.url);
  return (await import(entry.href)) as typeof import('../src/index.js');
}

/** `ferris/report` from the same place as {@link loadFerris}. */
export async function loadReport(
  flags: Flags = parseFlags(),
): Promise<typeof import('../src/report/index.js')> {
  const source = flags.source ?? 'dist';
  const entry = new URL(
    source === 'dist' ? '../dist/report/index.js' : '../src/report/index.ts',
    import.meta.url,
  );
  return (await import(entry.href)) as typeof import('../src/report/index.js');
}

/** Runs a full GC when the process was started with `--expose-gc`. */
export function collect(): void {
  globalThis.gc?.();
}

/** Heap bytes in use after a full GC (needs `--expose-gc`). */
export function heapAfterGc(): number {
  if (globalThis.gc === undefined) throw new Error('heap figures need node --expose-gc');
  globalThis.gc();
  globalThis.gc();
  return process.memoryUsage().heapUsed;
}

/** Lets pending callbacks, microtasks and immediates run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** What a child reports: nanoseconds per operation of each timed repetition, plus any other figures. */
export interface ChildResult {
  nsPerOp: number[];
  metrics: Record<string, number>;
}

/**
 * Times `once` (which performs `ops` operations and returns something to check): `warmup` untimed runs, then
 * up to `reps` timed ones, each after a full GC, stopping early once the timed runs have taken `budgetMs` in all
 * (so a slow peer gets one timed run per process, a fast row all `reps`).
 * `check` throws if a result is wrong, so a broken implementation cannot post a fast time.
 */
export async function timeRuns<R>(
  once: () => Promise<R>,
  options: { ops: number; reps: number; warmup: number; budgetMs: number; check: (result: R) => void },
): Promise<number[]> {
  for (let i = 0; i < options.warmup; i++) options.check(await once());
  const samples: number[] = [];
  let spentNs = 0;
  for (let i = 0; i < options.reps; i++) {
    collect();
    await settle();
    const t0 = process.hrtime.bigint();
    const result = await once();
    const t1 = process.hrtime.bigint();
    options.check(result);
    samples.push(Number(t1 - t0) / options.ops);
    spentNs += Number(t1 - t0);
    if (spentNs / 1e6 >= options.budgetMs) break;
  }
  return samples;
}

/** Reads the timing flags shared by every bench file. */
export function timingFlags(flags: Flags): { reps: number; warmup: number; budgetMs: number } {
  return {
    reps: intFlag(flags, 'reps'),
    warmup: Number(flags.warmup ?? '1'),
    budgetMs: Number(flags['budget-ms'] ?? '3000'),
  };
}

let finished = false;

/** Prints the result line for `run.ts`. */
export function emit(result: ChildResult): void {
  process.stdout.write(`@@result ${JSON.stringify(result)}\n`);
}

/** Throws unless `actual === expected`. */
export function expectEqual(actual: unknown, expected: unknown, what: string): void {
  if (actual !== expected)
    throw new Error(`wrong result: ${what} is ${String(actual)}, expected ${String(expected)}`);
}

/**
 * Runs a child's main function; any error is printed and the process exits with 1. If the event loop empties
 * before `fn` settles, some promise was never settled (a lost wake-up): that is reported and exits with 3.
 */
export function main(fn: () => Promise<void>): void {
  process.on('exit', (code) => {
    if (code === 0 && !finished) {
      console.error(
        'the event loop emptied before the row finished: a promise was never settled (lost wake-up?)',
      );
      process.exitCode = 3;
    }
  });
  fn().then(
    () => {
      finished = true;
      process.exit(0);
    },
    (error: unknown) => {
      console.error(error instanceof Error ? (error.stack ?? error.message) : error);
      process.exit(1);
    },
  );
}
