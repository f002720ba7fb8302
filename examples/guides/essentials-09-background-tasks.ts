/**
 * A background task processor (essential guide, "Real-World Applications" > Background Task Processor). The
 * guide's `AsyncTaskProcessor(max_workers=3)` is a semaphore plus a list of tasks; Ferris's `AsyncExecutor`
 * is exactly that, with a queue: `submitAsync(fn)` returns a task at once, at most 3 run at a time, the rest
 * wait their turn (higher `priority` first). `process_all_tasks()` is `wait(tasks)`, after which each task
 * holds its result or its error (the guide's `gather(..., return_exceptions=True)`); `await using` shuts the
 * executor down at the end.
 *
 * A fifth task, a backup of a database that does not exist, fails to show that one failure does not stop the
 * others. The guide's 0.5 / 1.0 / 2.0 s jobs take 10 / 20 / 40 ms.
 *
 * Run: npx tsx examples/guides/essentials-09-background-tasks.ts
 */
import { AsyncExecutor, type AsyncTask, sleep, wait } from 'ferris';
import { isMain } from './support/isMain.js';

async function sendEmail(recipient: string, subject: string, signal: AbortSignal): Promise<string> {
  await sleep(10, { signal });
  return `Email sent to ${recipient}: ${subject}`;
}

async function generateReport(reportType: string, signal: AbortSignal): Promise<string> {
  await sleep(20, { signal });
  return `${reportType} report generated`;
}

async function backupDatabase(dbName: string, signal: AbortSignal): Promise<string> {
  await sleep(40, { signal });
  if (dbName === 'missing_db') throw new Error(`Database ${dbName} does not exist`);
  return `Backup of ${dbName} completed`;
}

class AsyncTaskProcessor implements AsyncDisposable {
  readonly #executor: AsyncExecutor;
  #tasks: AsyncTask<string>[] = [];

  constructor(maxWorkers = 5) {
    this.#executor = new AsyncExecutor({ maxWorkers, name: 'background' });
  }

  addTask(name: string, fn: (signal: AbortSignal) => Promise<string>): AsyncTask<string> {
    const task = this.#executor.submitAsync(fn, { name });
    this.#tasks.push(task);
    return task;
  }

  get stats() {
    return this.#executor.stats();
  }

  /** Waits for every task added so far; each result is the value or the error in its place. */
  async processAllTasks(): Promise<unknown[]> {
    const tasks = this.#tasks;
    this.#tasks = [];
    await wait(tasks); // ALL_COMPLETED; never rejects because of a task's error
    return tasks.map((task) => (task.status === 'fulfilled' ? task.result : task.error));
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.#executor.shutdown();
  }
}

export async function main() {
  await using processor = new AsyncTaskProcessor(3);
  processor.addTask('welcome', (s) => sendEmail('alice@example.com', 'Welcome', s));
  processor.addTask('report', (s) => generateReport('Daily Sales', s));
  processor.addTask('backup', (s) => backupDatabase('user_db', s));
  processor.addTask('newsletter', (s) => sendEmail('bob@example.com', 'Newsletter', s));
  processor.addTask('backup-missing', (s) => backupDatabase('missing_db', s));
  const busy = processor.stats;
  console.log(`Submitted 5 tasks: ${busy.running} running, ${busy.queued} queued`);

  const results = await processor.processAllTasks();
  for (const r of results)
    console.log(r instanceof Error ? `[expected] Task failed: ${r.message}` : `Task done: ${r}`);
  const { completed, failed } = processor.stats;
  console.log(`Executor stats: ${completed} completed, ${failed} failed`);
  return { results, busy, stats: processor.stats };
}

if (isMain(import.meta.url)) await main();
