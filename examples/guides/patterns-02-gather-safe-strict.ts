/**
 * Gathering with error handling (patterns guide, "Concurrency Patterns" > Gather with Error Handling;
 * essential guide, Best Practices 2 "Handle Exceptions Properly"; asyncio guide, "Basic Usage" > Error
 * Handling). Two ways to fetch many URLs when some fail:
 *
 * - safe (`fetch_all_safe`): `gather(fns, { returnExceptions: true })` runs everything to the end and puts
 *   each error in its URL's place; the caller sorts successes from failures;
 * - strict (`fetch_all_strict`): a task group fails fast. The first error aborts the other fetches (a slow
 *   one is cut short instead of running to the end), and the group rejects with that error once they have
 *   all stopped; `tg.errors` lists every failure.
 *
 * The URLs are served by a loopback server: two pages, a 500, a 404 and a slow page (300 ms).
 *
 * Run: npx tsx examples/guides/patterns-02-gather-safe-strict.ts
 */
import { gather, type TaskGroup, taskGroup } from 'ferris';
import { HttpError, HttpSession } from './support/HttpSession.js';
import { isMain } from './support/isMain.js';
import { startServer } from './support/server.js';

export async function main() {
  await using server = await startServer();
  await using session = new HttpSession(server.url);
  const fetchUrl = async (path: string, signal: AbortSignal) => {
    const res = await session.get(path, { signal });
    if (!res.ok) throw new HttpError(path, res.status); // raise_for_status()
    return `${path}: ${res.text.length} characters`;
  };

  // Safe: results or exceptions, in input order.
  const paths = ['/html', '/status/500', '/json', '/status/404'];
  const safe = await gather(
    paths.map((path) => (signal: AbortSignal) => fetchUrl(path, signal)),
    { returnExceptions: true },
  );
  for (const result of safe)
    console.log(
      result instanceof Error ? `[expected] Task failed: ${result.message}` : `Task succeeded: ${result}`,
    );

  // Strict: the first failure aborts the rest and rejects the group.
  const cancelled: string[] = [];
  let group: TaskGroup | undefined;
  let strictError: unknown;
  try {
    await taskGroup(async (tg) => {
      group = tg;
      for (const path of ['/html', '/delay/300', '/status/500'])
        tg.createTask(async (signal) => {
          try {
            return await fetchUrl(path, signal);
          } catch (error) {
            if (signal.aborted && !(error instanceof HttpError)) cancelled.push(path);
            throw error;
          }
        });
    });
  } catch (error) {
    strictError = error;
  }
  console.log(`[expected] Strict fetch failed fast: ${(strictError as Error).message}`);
  console.log(`Cancelled because of it: ${cancelled.join(', ')}`);
  console.log(`[expected] Group errors: ${group?.errors.map((e) => (e as Error).message).join('; ')}`);
  return {
    safe: safe.map((r) => (r instanceof Error ? r.message : r)),
    strictError,
    cancelled,
    groupErrors: group?.errors ?? [],
  };
}

if (isMain(import.meta.url)) await main();
