/**
 * `fetch` for the examples: the global fetch, cancelled by the task's signal.
 *
 * Node's fetch (undici) leaves its abort listener on the signal it was given until that signal is garbage
 * collected, so a long-lived signal (an executor's, a server's) would collect one listener per request. These
 * helpers give each request its own signal, forward the caller's abort to it, and abort it once the body has
 * been read (a no-op for a finished request), which lets the listener go at once.
 */

/** A response read to the end. */
export interface TextResponse {
  status: number;
  contentType: string;
  text: string;
}

/** GETs `url` and reads the body as text; rejects with `signal.reason` when `signal` aborts first. */
export async function fetchText(url: string, signal?: AbortSignal): Promise<TextResponse> {
  signal?.throwIfAborted();
  const request = new AbortController();
  const forward = () => request.abort(signal?.reason);
  signal?.addEventListener('abort', forward, { once: true });
  try {
    const res = await fetch(url, { signal: request.signal });
    return { status: res.status, contentType: res.headers.get('content-type') ?? '', text: await res.text() };
  } finally {
    signal?.removeEventListener('abort', forward);
    request.abort();
  }
}

/** GETs `url` and parses the body as JSON; rejects on a status other than 2xx, naming the status. */
export async function fetchJson<T>(url: string, signal?: AbortSignal): Promise<T> {
  const res = await fetchText(url, signal);
  if (res.status < 200 || res.status > 299) throw new Error(`GET ${url} answered ${res.status}`);
  return JSON.parse(res.text) as T;
}
