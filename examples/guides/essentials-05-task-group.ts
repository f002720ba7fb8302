/**
 * Task groups (essential guide, "Async Concurrency Patterns" > Task Groups). `async with
 * asyncio.TaskGroup() as tg:` is `await using tg = new TaskGroup()`: the block exits only after every task
 * created in it has finished, and a failing task would cancel the others and fail the block (see
 * `patterns-02-gather-safe-strict.ts`). `task.result` is the guide's `task.result()`.
 *
 * The functional form, `await taskGroup(async (tg) => { ... })`, also sees errors thrown by the body itself
 * and resolves to what the body returns; it is shown second.
 *
 * Run: npx tsx examples/guides/essentials-05-task-group.ts
 */
import { type AsyncTask, TaskGroup, taskGroup } from 'ferris';
import { asyncTask } from './essentials-01-basics.js';
import { isMain } from './support/isMain.js';

export async function main() {
  let tasks: AsyncTask<string>[];
  {
    await using tg = new TaskGroup();
    tasks = [
      tg.createTask((signal) => asyncTask('Task-1', 20, signal), { name: 'Task-1' }),
      tg.createTask((signal) => asyncTask('Task-2', 10, signal), { name: 'Task-2' }),
      tg.createTask((signal) => asyncTask('Task-3', 16, signal), { name: 'Task-3' }),
    ];
  } // all tasks completed successfully here
  const results = tasks.map((task) => task.result);
  console.log('All tasks completed:', results);

  const lengths = await taskGroup(async (tg) => {
    const words = ['structured', 'concurrency'].map((w) => tg.createTask(async () => w.length));
    return Promise.all(words);
  });
  console.log('taskGroup() resolved to', lengths);
  return { results, statuses: tasks.map((t) => t.status), lengths };
}

if (isMain(import.meta.url)) await main();
