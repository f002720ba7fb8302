/**
 * asyncParallelMap over HTTP (PyFerris "Parallel Async Operations" > async_parallel_map): fetch several URLs
 * at once. The seed calls httpbin.org/delay/N with aiohttp; here a loopback server answers `/delay/N` after
 * N milliseconds (the seed's 1, 2, 1 s become 20, 40, 20 ms), and the global `fetch` gets each item's signal,
 * so cancelling the map cancels the requests.
 *
 * Run: npx tsx examples/pyferris/04-parallel-map.ts
 */
import { asyncParallelMap } from 'ferris';
import { fetchText } from '../support/http.js';
import { isMain } from '../support/isMain.js';
import { startLoopbackServer } from '../support/loopbackServer.js';

export async function main(): Promise<string[]> {
  const server = await startLoopbackServer();
  try {
    const urls = [`${server.url}/delay/20`, `${server.url}/delay/40`, `${server.url}/delay/20`];
    // The seed's `lambda url: fetch_url(session, url)`: the per-item callback closes over what it needs.
    const fetchUrl = async (url: string, _index: number, signal: AbortSignal) =>
      (await fetchText(url, signal)).text;
    const results = await asyncParallelMap(fetchUrl, urls);
    console.log(`Fetched ${results.length} responses`);
    for (const body of results) console.log(`  ${body}`);
    return results;
  } finally {
    await server.close();
  }
}

if (isMain(import.meta.url)) await main();
