/**
 * API data aggregation (PyFerris "Real-World Examples" > API Data Aggregation): for each user, call three
 * APIs at once (`gather`), merge the answers into a profile, and do that for every user concurrently. A
 * loopback server plays the three APIs; the seed's 0.1 / 0.15 / 0.08 s calls answer in 2 / 3 / 2 ms.
 *
 * Cancellation is structured: if one of a user's three calls fails, `gather` aborts the other two, and the
 * map aborts the other users.
 *
 * Run: npx tsx examples/pyferris/14-api-aggregation.ts
 */
import { asyncParallelMap, gather } from 'ferris';
import { fetchJson } from '../support/http.js';
import { isMain } from '../support/isMain.js';
import { type Reply, startLoopbackServer } from '../support/loopbackServer.js';

interface User {
  user_id: number;
  name: string;
  email: string;
}
interface Order {
  order_id: string;
  amount: number;
}
interface Preferences {
  theme: string;
  notifications: boolean;
  language: string;
}
interface Profile {
  profile: User;
  orders: Order[];
  preferences: Preferences;
  total_spent: number;
}

/** The three user APIs. */
function userApi(url: URL): Reply | undefined {
  const match = /^\/users\/(\d+)(?:\/(orders|preferences))?$/.exec(url.pathname);
  if (!match) return undefined;
  const id = Number(match[1]);
  if (match[2] === 'orders')
    return {
      delay: 3,
      body: [
        { order_id: `order_${id}_1`, amount: 99.99 },
        { order_id: `order_${id}_2`, amount: 149.99 },
      ],
    };
  if (match[2] === 'preferences')
    return { delay: 2, body: { theme: 'dark', notifications: true, language: 'en' } };
  return { delay: 2, body: { user_id: id, name: `User ${id}`, email: `user${id}@example.com` } };
}

export async function main() {
  const server = await startLoopbackServer({ routes: userApi });
  try {
    const api = (path: string) => `${server.url}${path}`;

    async function aggregateUserProfile(
      userId: number,
      _index: number,
      signal: AbortSignal,
    ): Promise<Profile> {
      // The three calls at once; gather hands each its own signal, aborted when a sibling fails or when
      // the map cancels this user (gather's `signal` option).
      const [profile, orders, preferences] = await gather(
        [
          (s: AbortSignal) => fetchJson<User>(api(`/users/${userId}`), s),
          (s: AbortSignal) => fetchJson<Order[]>(api(`/users/${userId}/orders`), s),
          (s: AbortSignal) => fetchJson<Preferences>(api(`/users/${userId}/preferences`), s),
        ],
        { signal },
      );
      return {
        profile,
        orders,
        preferences,
        total_spent: orders.reduce((sum, order) => sum + order.amount, 0),
      };
    }

    const userIds = [1, 2, 3, 4, 5];
    const userProfiles = await asyncParallelMap(aggregateUserProfile, userIds);

    const totalUsers = userProfiles.length;
    const totalRevenue = userProfiles.reduce((sum, p) => sum + p.total_spent, 0);
    const avgRevenue = totalRevenue / totalUsers;
    console.log(`Aggregated data for ${totalUsers} users`);
    console.log(`Total revenue: $${totalRevenue.toFixed(2)}`);
    console.log(`Average revenue per user: $${avgRevenue.toFixed(2)}`);
    return { userProfiles, totalRevenue, avgRevenue, requests: server.requests };
  } finally {
    await server.close();
  }
}

if (isMain(import.meta.url)) await main();
