/**
 * AsyncTask (PyFerris "Core Components" > AsyncTask): one unit of work with a name, a status and a timeout.
 *
 * The seed's task sleeps 2 s under a 5 s timeout; here it sleeps 40 ms under a 100 ms timeout. A second task
 * shows what the seed only promises: when the timeout comes first, `execute()` rejects with `TimeoutError`
 * and the work's signal aborts, so the sleep inside it stops too.
 *
 * Run: npx tsx examples/pyferris/03-task.ts
 */
import { AsyncTask, sleep, TimeoutError } from 'ferris';
import { isMain } from '../support/isMain.js';

async function longRunningTask(duration: number, signal: AbortSignal): Promise<string> {
  await sleep(duration, { signal });
  return `Completed after ${duration} ms`;
}

export async function main() {
  const task = new AsyncTask((signal) => longRunningTask(40, signal), {
    name: 'data_processing',
    timeout: 100,
  });
  const result = await task.execute();
  console.log(`Task result: ${result}`);
  console.log(`Task ${task.name} is ${task.status} (isDone: ${task.isDone})`);

  const slow = new AsyncTask((signal) => longRunningTask(40, signal), { name: 'too_slow', timeout: 10 });
  let timedOut = false;
  try {
    await slow.execute();
  } catch (error) {
    if (!(error instanceof TimeoutError)) throw error;
    timedOut = true;
    console.log(`[expected] Task ${slow.name} is ${slow.status}: ${error.message}`);
  }
  return { result, status: task.status, slowStatus: slow.status, timedOut };
}

if (isMain(import.meta.url)) await main();
