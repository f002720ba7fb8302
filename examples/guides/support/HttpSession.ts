/**
 * The guides' `aiohttp.ClientSession` / `httpx.AsyncClient`, in a few lines of user code over `node:http`
 * (it is not part of Ferris): a base URL, its own keep-alive connections (reused from request to request, as
 * the essential guide's "Use Session Objects" advises), a request counter, and a `close()` that cancels what
 * is in flight and ends the connections. `await using session = new HttpSession(url)` is the guides' `async
 * with ClientSession() as session:`.
 *
 * Each request listens to its caller's signal only while it runs, so a long-lived signal (a map's, a
 * group's) collects no listeners.
 */
import { Agent, type ClientRequest, request } from 'node:http';

/** A response read to the end. */
export interface HttpResponse {
  url: string;
  status: number;
  /** `true` for a 2xx status. */
  ok: boolean;
  text: string;
}

/** A response whose status was not 2xx, thrown by {@link HttpSession.getJson} (`raise_for_status()`). */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly url: string,
    readonly status: number,
  ) {
    super(`GET ${url} answered HTTP ${status}`);
  }
}

/** Options of one request. */
export interface RequestOptions {
  /** Cancels the request: it rejects with `signal.reason`. */
  signal?: AbortSignal | undefined;
}

/** Options of an {@link HttpSession}. */
export interface HttpSessionOptions {
  /** The most connections the session opens at once. @default Infinity */
  maxSockets?: number;
}

export class HttpSession implements AsyncDisposable {
  readonly #agent: Agent;
  readonly #inFlight = new Set<ClientRequest>();
  #closed = false;
  #requests = 0;

  /** @param baseUrl Prefixed to paths that start with `/`. */
  constructor(
    readonly baseUrl = '',
    options: HttpSessionOptions = {},
  ) {
    this.#agent = new Agent({ keepAlive: true, maxSockets: options.maxSockets ?? Number.POSITIVE_INFINITY });
  }

  /** Requests sent so far. */
  get requests(): number {
    return this.#requests;
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** GETs `path` and reads the body; any status resolves. Rejects on a network error or an abort. */
  get(path: string, options: RequestOptions = {}): Promise<HttpResponse> {
    if (this.#closed) return Promise.reject(new Error('The session is closed.'));
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const url = path.startsWith('/') ? `${this.baseUrl}${path}` : path;
    this.#requests++;
    return new Promise<HttpResponse>((resolve, reject) => {
      const req = request(url, { agent: this.#agent }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (part: string) => {
          text += part;
        });
        res.on('error', fail);
        res.on('end', () => {
          done();
          const status = res.statusCode ?? 0;
          resolve({ url, status, ok: status >= 200 && status < 300, text });
        });
      });
      const onAbort = () => req.destroy(signal?.reason);
      const done = () => {
        signal?.removeEventListener('abort', onAbort);
        this.#inFlight.delete(req);
      };
      function fail(error: unknown) {
        done();
        reject(signal?.aborted ? signal.reason : error);
      }
      req.on('error', fail);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#inFlight.add(req);
      req.end();
    });
  }

  /** GETs `path` and parses the body as JSON. @throws HttpError for a status other than 2xx. */
  async getJson<T>(path: string, options?: RequestOptions): Promise<T> {
    const res = await this.get(path, options);
    if (!res.ok) throw new HttpError(path, res.status);
    return JSON.parse(res.text) as T;
  }

  /** Cancels the requests in flight and ends the connections; later calls reject. Safe to call twice. */
  async close(): Promise<void> {
    this.#closed = true;
    const reason = new Error('The session was closed.');
    for (const req of this.#inFlight) req.destroy(reason);
    this.#agent.destroy();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
