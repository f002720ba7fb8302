/**
 * Worker pools: `--n` tasks submitted at once to a pool of `--threads` threads, every result awaited.
 * `--workload tiny` runs `x + 1` (messaging cost), `--workload cpu` runs ~2 ms of integer arithmetic (the
 * speedup over one thread). Rows (`--impl`): ferris (`WorkerPool.run`), piscina, tinypool, workerpool (thread
 * workers), and single (floor: the same function in a plain loop on the main thread). Every pool keeps
 * `--threads` threads alive from the start; the untimed warm-up run also starts them. Reports ns per task,
 * and as metrics tasks/s, the child's peak RSS (MB, threads included: they share the process), the cores it
 * used during its timed runs (CPU time over wall time) and the cores the rest of the machine used meanwhile
 * (Linux `/proc/stat`): a CPU speedup needs both cores, so a run with a core busy elsewhere measured the
 * machine, not the pool.
 *
 * The Ferris row imports the built package (`dist/`, as users run it) when `npm run build` has made it, and
 * the sources otherwise (its threads then load tsx as well, which costs memory and start-up time).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { emit, expectEqual, flag, intFlag, main, parseFlags, timeRuns, timingFlags } from './harness.js';
import { CPU_ROUNDS, cpu, tiny } from './workers/tasks.mjs';

const tasksFile = fileURLToPath(new URL('./workers/tasks.mjs', import.meta.url));
const workerpoolScript = fileURLToPath(new URL('./workers/workerpoolWorker.mjs', import.meta.url));

type Workload = 'tiny' | 'cpu';

/** One pool: `run` sends one task, `close` stops the threads. */
interface Runner {
  run(name: Workload, arg: number): Promise<number>;
  close(): Promise<void>;
}

/** The built package if it is at least as new as every source file of `ferris/workers`, else the sources. */
async function ferrisModule(): Promise<typeof import('../src/workers/index.js')> {
  const built = new URL('../dist/workers/index.js', import.meta.url);
  const sources = new URL('../src/workers/', import.meta.url);
  const newest = Math.max(...readdirSync(sources).map((f) => statSync(new URL(f, sources)).mtimeMs));
  if (existsSync(built) && statSync(built).mtimeMs >= newest)
    return (await import(built.href)) as typeof import('../src/workers/index.js');
  console.error('ferris row: dist/ is missing or older than src/workers, so it runs from the sources');
  return import('../src/workers/index.js');
}

/** The machine's busy and total CPU time so far (USER_HZ ticks), or undefined where /proc/stat is missing. */
function machineTicks(): { busy: number; total: number } | undefined {
  try {
    const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] as string).trim().split(/\s+/).slice(1);
    const ticks = fields.map(Number);
    const total = ticks.reduce((a, b) => a + b, 0);
    const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0); // idle + iowait
    return { busy: total - idle, total };
  } catch {
    return undefined;
  }
}

/** Runs `run` and measures the cores this process used meanwhile, and those the rest of the machine used. */
async function withCores<R>(run: () => Promise<R>, cores: number[], elsewhere: number[]): Promise<R> {
  const cpu0 = process.cpuUsage();
  const m0 = machineTicks();
  const t0 = process.hrtime.bigint();
  const result = await run();
  const wallUs = Number(process.hrtime.bigint() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const m1 = machineTicks();
  const mine = (cpu.user + cpu.system) / wallUs;
  cores.push(mine);
  if (m0 !== undefined && m1 !== undefined && m1.total > m0.total) {
    // The machine's CPU count times its busy share, minus this process's part.
    const share = (m1.busy - m0.busy) / (m1.total - m0.total);
    elsewhere.push(Math.max(0, share * availableParallelism() - mine));
  }
  return result;
}

async function implementation(impl: string, threads: number): Promise<Runner> {
  switch (impl) {
    case 'ferris': {
      const { WorkerPool } = await ferrisModule();
      const pool = new WorkerPool({ filename: tasksFile, minThreads: threads, maxThreads: threads });
      return { run: (name, arg) => pool.run<number>(name, arg), close: () => pool.close() };
    }
    case 'piscina': {
      const { Piscina } = await import('piscina');
      const pool = new Piscina({ filename: tasksFile, minThreads: threads, maxThreads: threads });
      return { run: (name, arg) => pool.run(arg, { name }), close: () => pool.destroy() };
    }
    case 'tinypool': {
      const { Tinypool } = await import('tinypool');
      const pool = new Tinypool({ filename: tasksFile, minThreads: threads, maxThreads: threads });
      return { run: (name, arg) => pool.run(arg, { name }), close: () => pool.destroy() };
    }
    case 'workerpool': {
      const { default: workerpool } = await import('workerpool');
      const pool = workerpool.pool(workerpoolScript, {
        minWorkers: threads,
        maxWorkers: threads,
        workerType: 'thread',
      });
      return {
        run: (name, arg) => pool.exec(name, [arg]) as unknown as Promise<number>,
        close: async () => {
          await pool.terminate();
        },
      };
    }
    case 'single':
      return {
        run: (name, arg) => Promise.resolve(name === 'tiny' ? tiny(arg) : cpu(arg)),
        close: () => Promise.resolve(),
      };
    default:
      throw new Error(`unknown --impl ${impl}`);
  }
}

main(async () => {
  const flags = parseFlags();
  const impl = flag(flags, 'impl');
  const workload = flag(flags, 'workload') as Workload;
  if (workload !== 'tiny' && workload !== 'cpu') throw new Error(`unknown --workload ${workload}`);
  const n = intFlag(flags, 'n');
  const threads = intFlag(flags, 'threads');
  const runner = await implementation(impl, threads);
  const arg = (i: number): number => (workload === 'tiny' ? i : CPU_ROUNDS);
  const expected = workload === 'tiny' ? (n * (n + 1)) / 2 : cpu(CPU_ROUNDS) * n;

  async function once(): Promise<number> {
    if (impl === 'single') {
      // The floor: the same calls in a plain loop, one after the other, on this thread.
      let sum = 0;
      for (let i = 0; i < n; i++) sum += workload === 'tiny' ? tiny(arg(i)) : cpu(arg(i));
      return sum;
    }
    const calls = new Array<Promise<number>>(n);
    for (let i = 0; i < n; i++) calls[i] = runner.run(workload, arg(i));
    const results = await Promise.all(calls);
    let sum = 0;
    for (const r of results) sum += r;
    return sum;
  }

  // Per run, warm-up included; the timed runs are the last ones.
  const cores: number[] = [];
  const elsewhere: number[] = [];
  const nsPerOp = await timeRuns(() => withCores(once, cores, elsewhere), {
    ops: n,
    ...timingFlags(flags),
    check: (sum) => expectEqual(sum, expected, 'the sum of the results'),
  });
  await runner.close();
  const middle = (values: number[]): number =>
    [...values].sort((a, b) => a - b)[values.length >> 1] as number;
  const timed = (values: number[]): number[] => values.slice(values.length - nsPerOp.length);
  const metrics: Record<string, number> = {
    tasksPerSec: 1e9 / middle(nsPerOp),
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    cores: middle(timed(cores)),
  };
  if (elsewhere.length === cores.length) metrics.elsewhere = middle(timed(elsewhere));
  emit({ nsPerOp, metrics });
});
