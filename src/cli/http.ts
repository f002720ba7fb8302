import { type Agent, request } from 'node:http';

/** A response read to the end. */
export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** An HTTP status the caller did not expect; `retryAfter` is the server's `Retry-After` in ms, if any. */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    readonly url: string,
    readonly retryAfter?: number,
  ) {
    super(`GET ${new URL(url).pathname} answered ${status}`);
  }
}

/**
 * GETs `url` with `node:http` through `agent`, reading the whole body. The request is aborted (socket
 * destroyed) when `signal` aborts, and the promise rejects with `signal.reason`.
 */
export function httpGet(url: string, agent: Agent, signal?: AbortSignal): Promise<HttpResponse> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise<HttpResponse>((resolve, reject) => {
    const req = request(url, { agent, ...(signal ? { signal } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      res.on('error', (error) => reject(signal?.aborted ? signal.reason : error));
    });
    req.on('error', (error) => reject(signal?.aborted ? signal.reason : error));
    req.end();
  });
}

/** GETs `url` and parses JSON; a status other than 2xx rejects with {@link HttpError}. */
export async function getJson<T>(url: string, agent: Agent, signal?: AbortSignal): Promise<T> {
  const res = await httpGet(url, agent, signal);
  if (res.status < 200 || res.status > 299) {
    const after = Number(res.headers['retry-after']);
    throw new HttpError(res.status, url, Number.isFinite(after) ? after * 1000 : undefined);
  }
  return JSON.parse(res.body) as T;
}
