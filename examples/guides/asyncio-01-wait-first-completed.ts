/**
 * Task management (asyncio guide, "Advanced Patterns" > Task Management): start three fetches, take the
 * first one that completes with `wait(..., { returnWhen: 'FIRST_COMPLETED' })`, then cancel the others. As in
 * asyncio, `wait` is not a scope: the pending tasks keep running until you cancel them. A cancelled task is
 * 'cancelled' at once, and its work sees its signal abort (here `sleep` stops early and clears its timer).
 *
 * The three fetches take 4, 12 and 20 ms (the guide's are all 1 s, which leaves the winner to chance).
 *
 * Run: npx tsx examples/guides/asyncio-01-wait-first-completed.ts
 */
import { AsyncTask, sleep, wait } from 'ferris';
import { isMain } from './support/isMain.js';

export async function main() {
  const aborted: string[] = [];
  const fetchData = (name: string, ms: number) => async (signal: AbortSignal) => {
    const noteAbort = () => aborted.push(name);
    signal.addEventListener('abort', noteAbort, { once: true });
    try {
      await sleep(ms, { signal }); // rejects at once when the task is cancelled
      return `Data from ${name}`;
    } finally {
      signal.removeEventListener('abort', noteAbort);
    }
  };
  const tasks = [
    new AsyncTask(fetchData('mirror-1', 12), { name: 'mirror-1' }),
    new AsyncTask(fetchData('mirror-2', 4), { name: 'mirror-2' }),
    new AsyncTask(fetchData('mirror-3', 20), { name: 'mirror-3' }),
  ];

  const { done, pending } = await wait(tasks, { returnWhen: 'FIRST_COMPLETED' });
  for (const task of pending) task.cancel(); // cancel the remaining tasks

  const winner = done.map((t) => t.result);
  console.log(`First completed: ${done.map((t) => t.name).join(', ')} -> ${winner.join(', ')}`);
  console.log(`Cancelled: ${pending.map((t) => `${t.name} (${t.status})`).join(', ')}`);
  console.log(`Their work saw the abort: ${aborted.join(', ')}`);
  return {
    done: done.map((t) => t.name),
    winner,
    pending: pending.map((t) => t.name),
    statuses: tasks.map((t) => t.status),
    aborted,
  };
}

if (isMain(import.meta.url)) await main();
