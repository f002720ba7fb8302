/**
 * An API data aggregator (essential guide, "Real-World Applications" > API Data Aggregator). For each user,
 * three API calls run at once (`gather(..., { returnExceptions: true })`), and a failed call becomes an
 * empty value instead of failing the user; the users are aggregated concurrently too.
 *
 * The guide's `AsyncAPIAggregator` is an async context manager that owns a session: here it is disposable,
 * and `await using` closes the session. Its `ClientTimeout(total=10)` is a `withTimeout` around each call
 * (200 ms). The calls go to a loopback server standing in for the user, order and preference APIs (0.3 /
 * 0.4 / 0.2 s become 6 / 8 / 4 ms); user 103's preference service answers HTTP 500, so that user gets the
 * guide's fallback `{}`.
 *
 * Run: npx tsx examples/guides/essentials-08-api-aggregator.ts
 */
import { gather, withTimeout } from 'ferris';
import { HttpSession } from './support/HttpSession.js';
import { isMain } from './support/isMain.js';
import { startServer } from './support/server.js';

interface User {
  user_id: number;
  name: string;
}
interface Order {
  order_id: string;
  amount: number;
}
type Preferences = Record<string, unknown>;

class AsyncApiAggregator implements AsyncDisposable {
  readonly #session: HttpSession;

  constructor(
    baseUrl: string,
    readonly timeout = 200,
  ) {
    this.#session = new HttpSession(baseUrl);
  }

  get requests(): number {
    return this.#session.requests;
  }

  #get<T>(path: string, signal: AbortSignal): Promise<T> {
    return withTimeout((s) => this.#session.getJson<T>(path, { signal: s }), this.timeout, { signal });
  }

  fetchUserData(userId: number, signal: AbortSignal) {
    return this.#get<User>(`/users/${userId}`, signal);
  }

  fetchUserOrders(userId: number, signal: AbortSignal) {
    return this.#get<Order[]>(`/users/${userId}/orders`, signal);
  }

  fetchUserPreferences(userId: number, signal: AbortSignal) {
    return this.#get<Preferences>(`/users/${userId}/preferences`, signal);
  }

  /** All of one user's data at once; a failed call falls back to `null` / `[]` / `{}`. */
  async aggregateUserData(userId: number) {
    const [user, orders, preferences] = await gather(
      [
        (signal) => this.fetchUserData(userId, signal),
        (signal) => this.fetchUserOrders(userId, signal),
        (signal) => this.fetchUserPreferences(userId, signal),
      ],
      { returnExceptions: true },
    );
    return {
      user: user instanceof Error ? null : (user as User),
      orders: orders instanceof Error ? [] : (orders as Order[]),
      preferences: preferences instanceof Error ? {} : (preferences as Preferences),
    };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.#session.close();
  }
}

export async function main() {
  await using server = await startServer((url) => {
    const m = /^\/users\/(\d+)(\/orders|\/preferences)?$/.exec(url.pathname);
    if (!m) return undefined;
    const id = Number(m[1]);
    if (m[2] === '/orders') return { body: [{ order_id: `ORD-${id}-001`, amount: 99.99 }], delay: 8 };
    if (m[2] === '/preferences') {
      if (id === 103) return { status: 500, body: { error: 'preference service unavailable' }, delay: 4 };
      return { body: { theme: 'dark', notifications: true }, delay: 4 };
    }
    return { body: { user_id: id, name: `User-${id}` }, delay: 6 };
  });
  await using aggregator = new AsyncApiAggregator(server.url);
  const userIds = [101, 102, 103, 104];
  const results = await gather(userIds.map((id) => () => aggregator.aggregateUserData(id)));
  for (const r of results)
    console.log(`${r.user?.name}: ${r.orders.length} order(s), preferences ${JSON.stringify(r.preferences)}`);
  console.log(`Aggregated ${results.length} users with ${aggregator.requests} API calls`);
  return results;
}

if (isMain(import.meta.url)) await main();
