/**
 * Quick start (PyFerris "Async Operations" > Quick Start): map an async function over a few URLs at once.
 *
 * The seed also creates an `AsyncExecutor` that it never uses; `asyncParallelMap` needs none, so it is left
 * out here (02-executor.ts shows the executor). Durations: the seed's 0.1 s sleep is 2 ms here.
 *
 * Run: npx tsx examples/pyferris/01-quick-start.ts
 */
import { asyncParallelMap, sleep } from 'ferris';
import { isMain } from '../support/isMain.js';

/** Stands in for a network request: waits, then answers. Stops at once if the map is cancelled. */
async function fetchData(url: string, _index: number, signal: AbortSignal): Promise<string> {
  await sleep(2, { signal });
  return `Data from ${url}`;
}

export async function main(): Promise<string[]> {
  const urls = ['api.example.com/1', 'api.example.com/2', 'api.example.com/3'];
  // All three run concurrently; the results come back in input order.
  const results = await asyncParallelMap(fetchData, urls);
  console.log(results);
  // [ 'Data from api.example.com/1', 'Data from api.example.com/2', 'Data from api.example.com/3' ]
  return results;
}

if (isMain(import.meta.url)) await main();
