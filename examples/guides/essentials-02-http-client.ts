/**
 * An async HTTP client (essential guide, "Async HTTP Requests" > Basic HTTP Client and Error Handling in
 * Async HTTP, and Best Practices 1 "Use Session Objects"; asyncio guide, "Integration with Libraries" > HTTP
 * Requests). One session serves every request, the URLs are fetched at once, and each failure becomes a
 * value instead of an exception.
 *
 * - `fetch_multiple_urls`: `gather(..., { returnExceptions: true })` over a loopback server standing in for
 *   site1.com..site3.com, plus a host that is down (a closed local port).
 * - `safe_fetch`: `withTimeout` is aiohttp's `ClientTimeout(total=...)`; a timeout, an HTTP error status and
 *   a client (network) error each map to the guide's `{ error }` value. The guide's 5 s timeout is 25 ms.
 *
 * Run: npx tsx examples/guides/essentials-02-http-client.ts
 */
import { gather, TimeoutError, withTimeout } from 'ferris';
import { HttpSession } from './support/HttpSession.js';
import { isMain } from './support/isMain.js';
import { describeError, refusedUrl } from './support/net.js';
import { startServer } from './support/server.js';

interface FetchResult {
  url: string;
  status?: number;
  contentLength?: number;
  error?: string;
  success: boolean;
}

/** The guide's `fetch_url(session, url)`. */
async function fetchUrl(session: HttpSession, url: string, signal: AbortSignal): Promise<FetchResult> {
  try {
    const res = await session.get(url, { signal });
    return { url, status: res.status, contentLength: res.text.length, success: true };
  } catch (error) {
    return { url, error: describeError(error), success: false };
  }
}

/** The guide's `fetch_multiple_urls(urls)`: one session, every URL at once. */
async function fetchMultipleUrls(session: HttpSession, urls: string[]): Promise<unknown[]> {
  return gather(
    urls.map((url) => (signal: AbortSignal) => fetchUrl(session, url, signal)),
    { returnExceptions: true },
  );
}

/** The guide's `safe_fetch(session, url, timeout)`: JSON on 200, an `{ error }` value otherwise. */
async function safeFetch(session: HttpSession, url: string, timeout = 25): Promise<unknown> {
  try {
    const res = await withTimeout((signal) => session.get(url, { signal }), timeout);
    if (res.status === 200) return JSON.parse(res.text);
    return { error: `HTTP ${res.status}` };
  } catch (error) {
    if (error instanceof TimeoutError) return { error: 'Request timeout' };
    return { error: `Client error: ${describeError(error)}` };
  }
}

export async function main() {
  const server = await startServer();
  const down = await refusedUrl('/');
  const session = new HttpSession(server.url);
  try {
    const urls = [`${server.url}/html`, `${server.url}/json`, `${server.url}/status/404`, down];
    const results = (await fetchMultipleUrls(session, urls)) as FetchResult[];
    for (const r of results)
      console.log(
        r.success
          ? `${r.url}: HTTP ${r.status}, ${r.contentLength} characters`
          : `[expected] ${r.url}: failed (${r.error})`,
      );

    const safe = {
      json: await safeFetch(session, '/json'),
      serverError: await safeFetch(session, '/status/503'),
      slow: await safeFetch(session, '/delay/500'),
      down: await safeFetch(session, down),
    };
    for (const [name, value] of Object.entries(safe))
      console.log(`${'error' in (value as object) ? '[expected] ' : ''}safe_fetch ${name}:`, value);
    // Session reuse: the server saw the requests arrive over a few kept-alive connections.
    console.log(`One session sent all ${session.requests} requests over ${server.connections} connections`);
    return { results, safe, requests: session.requests, connections: server.connections };
  } finally {
    await session.close();
    await server.close();
  }
}

if (isMain(import.meta.url)) await main();
