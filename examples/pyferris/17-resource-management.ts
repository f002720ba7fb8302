/**
 * Resource management (PyFerris "Best Practices" > Resource Management): open a session, fetch through it
 * in parallel, and have it closed on the way out whatever happens. The seed's `async with
 * aiohttp.ClientSession()` is `await using` here, for the session and for the loopback server that stands
 * in for example.com: both close in reverse order when `main` leaves the block, on a return or a throw.
 *
 * `HttpSession` is a few lines of user code (not part of Ferris): a base URL plus one AbortController, so
 * closing the session also cancels any request still running.
 *
 * Run: npx tsx examples/pyferris/17-resource-management.ts
 */
import { asyncParallelMap } from 'ferris';
import { fetchText } from '../support/http.js';
import { isMain } from '../support/isMain.js';
import { startLoopbackServer } from '../support/loopbackServer.js';

class HttpSession implements AsyncDisposable {
  readonly #closing = new AbortController();
  #closed = false;

  constructor(readonly baseUrl: string) {}

  get closed(): boolean {
    return this.#closed;
  }

  /** GETs `path`; aborts when `signal` aborts or the session closes. */
  async get(path: string, signal: AbortSignal): Promise<string> {
    if (this.#closed) throw new Error('The session is closed.');
    const both = AbortSignal.any([signal, this.#closing.signal]);
    return (await fetchText(`${this.baseUrl}${path}`, both)).text;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.#closed = true;
    this.#closing.abort(new Error('The session was closed.'));
  }
}

export async function main() {
  let session: HttpSession;
  let results: string[];
  {
    await using server = await startLoopbackServer();
    await using s = new HttpSession(server.url);
    session = s;
    const paths = Array.from({ length: 10 }, () => '/html');
    results = await asyncParallelMap((path: string, _index, signal) => s.get(path, signal), paths);
    console.log(
      `Fetched ${results.length} pages while the session was open: ${session.closed ? 'no' : 'yes'}`,
    );
  }
  // The session and the server were closed here, in that order.
  const titles = results.map((html) => /<title>([^<]*)<\/title>/.exec(html)?.[1]);
  console.log(`Titles: ${[...new Set(titles)].join(', ')} x ${titles.length}`);
  console.log(`Session closed after the block: ${session.closed}`);
  return { results, titles, sessionClosed: session.closed };
}

if (isMain(import.meta.url)) await main();
