/**
 * Runs every example, printing a header before each (`npm run examples`): first the PyFerris page's examples in
 * page order (`pyferris/`), then the guides' examples (`guides/`, in the order `guides/run-all.ts` lists).
 * Each example is imported on its turn, so one that fails to load or throws is reported and the rest still
 * run; the exit code is 1 if any failed.
 *
 * Run: npm run examples   (or: npx tsx examples/run-all.ts)
 */
import { isMain } from './support/isMain.js';

/** An example: where it lives (under examples/), what it shows, and how to load it. */
export interface ExampleEntry {
  file: string;
  title: string;
  load: () => Promise<{ main: () => Promise<unknown> }>;
}

/** The PyFerris "Async Operations" examples, in page order. */
export const pyferrisExamples: ExampleEntry[] = [
  {
    file: 'pyferris/01-quick-start.ts',
    title: 'Quick start',
    load: () => import('./pyferris/01-quick-start.js'),
  },
  {
    file: 'pyferris/02-executor.ts',
    title: 'AsyncExecutor',
    load: () => import('./pyferris/02-executor.js'),
  },
  {
    file: 'pyferris/03-task.ts',
    title: 'AsyncTask with a timeout',
    load: () => import('./pyferris/03-task.js'),
  },
  {
    file: 'pyferris/04-parallel-map.ts',
    title: 'asyncParallelMap over HTTP',
    load: () => import('./pyferris/04-parallel-map.js'),
  },
  {
    file: 'pyferris/05-parallel-filter.ts',
    title: 'asyncParallelFilter',
    load: () => import('./pyferris/05-parallel-filter.js'),
  },
  {
    file: 'pyferris/06-concurrent-data-processing.ts',
    title: 'Concurrent data processing',
    load: () => import('./pyferris/06-concurrent-data-processing.js'),
  },
  {
    file: 'pyferris/07-error-handling.ts',
    title: 'Error handling',
    load: () => import('./pyferris/07-error-handling.js'),
  },
  {
    file: 'pyferris/08-rate-limiting.ts',
    title: 'Rate limiting and throttling',
    load: () => import('./pyferris/08-rate-limiting.js'),
  },
  {
    file: 'pyferris/09-pipeline.ts',
    title: 'Pipeline processing',
    load: () => import('./pyferris/09-pipeline.js'),
  },
  {
    file: 'pyferris/10-shared-memory.ts',
    title: 'Shared memory',
    load: () => import('./pyferris/10-shared-memory.js'),
  },
  { file: 'pyferris/11-batching.ts', title: 'Batching', load: () => import('./pyferris/11-batching.js') },
  {
    file: 'pyferris/12-connection-pool.ts',
    title: 'Connection pooling',
    load: () => import('./pyferris/12-connection-pool.js'),
  },
  {
    file: 'pyferris/13-web-scraping.ts',
    title: 'Web scraping',
    load: () => import('./pyferris/13-web-scraping.js'),
  },
  {
    file: 'pyferris/14-api-aggregation.ts',
    title: 'API data aggregation',
    load: () => import('./pyferris/14-api-aggregation.js'),
  },
  {
    file: 'pyferris/15-robust-error-handling.ts',
    title: 'Comprehensive error handling',
    load: () => import('./pyferris/15-robust-error-handling.js'),
  },
  {
    file: 'pyferris/16-best-practices.ts',
    title: 'Best practices: async function design',
    load: () => import('./pyferris/16-best-practices.js'),
  },
  {
    file: 'pyferris/17-resource-management.ts',
    title: 'Resource management',
    load: () => import('./pyferris/17-resource-management.js'),
  },
];

/** Every example: the PyFerris ones, then the guides' (listed by `guides/run-all.ts`). */
export async function allExamples(): Promise<ExampleEntry[]> {
  const { guideExamples } = await import('./guides/run-all.js');
  return [...pyferrisExamples, ...guideExamples.map((e) => ({ ...e, file: `guides/${e.file}` }))];
}

/** Runs `examples` in order (default: all of them); resolves to the files of those that failed. */
export async function runAll(examples?: ExampleEntry[]): Promise<string[]> {
  const list = examples ?? (await allExamples());
  const failed: string[] = [];
  for (const [i, example] of list.entries()) {
    console.log(`\n=== ${i + 1}/${list.length} ${example.title} (examples/${example.file}) ===`);
    try {
      const { main } = await example.load();
      await main();
    } catch (error) {
      failed.push(example.file);
      console.error(`!!! examples/${example.file} failed:`, error);
    }
  }
  console.log(
    failed.length === 0
      ? `\nAll ${list.length} examples ran.`
      : `\n${failed.length} of ${list.length} examples failed: ${failed.join(', ')}`,
  );
  return failed;
}

if (isMain(import.meta.url)) {
  const failed = await runAll();
  if (failed.length > 0) process.exitCode = 1;
}
