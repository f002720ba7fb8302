import type { Clock } from '../core/Clock.js';
import { type ConnectionHandle, Script, unavailable } from './connection.js';
import type { RedisPermit } from './RedisSemaphore.js';

const renewScript = new Script('semaphoreRenew.lua', 1);
const releaseScript = new Script('semaphoreRelease.lua', 1);

function ignore(): void {}

/** One permit handed out by a `RedisSemaphore`, identified in Redis by its holder id. */
export class Permit implements RedisPermit {
  #released = false;
  lost = false;
  constructor(
    readonly id: string,
    readonly give: (id: string) => Promise<void>,
  ) {}

  get released(): boolean {
    return this.#released;
  }

  release(): Promise<void> {
    if (this.#released) return Promise.resolve();
    this.#released = true;
    return this.give(this.id);
  }

  /** Marks the permit released without asking Redis (its owner releases it in bulk). */
  forget(): void {
    this.#released = true;
  }

  [Symbol.dispose](): void {
    this.release().catch(ignore);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.release();
  }
}

/**
 * The permits one `RedisSemaphore` holds, by holder id, and their leases: renewed together every `lease / 3`
 * ms while any is held (a permit whose lease Redis reports gone is marked `lost` and dropped), and given back
 * through the release script, which announces each release on `channel`.
 */
export class HeldPermits {
  readonly #held = new Map<string, Permit>();
  #renew: unknown = undefined;
  #closed = false;

  constructor(
    readonly redis: ConnectionHandle,
    readonly key: string,
    readonly channel: string,
    readonly lease: number,
    readonly clock: Clock,
  ) {}

  /** How many permits are held now. */
  get size(): number {
    return this.#held.size;
  }

  /** Holds the permit `id` that Redis granted, and renews its lease until it is released. */
  hold(id: string): Permit {
    const permit = new Permit(id, (held) => {
      if (!this.#held.delete(held)) return Promise.resolve();
      if (this.#held.size === 0) this.#stopRenewing();
      return this.give([held]);
    });
    this.#held.set(id, permit);
    if (this.#renew === undefined) this.#scheduleRenewal();
    return permit;
  }

  /** Gives the permits `ids` back in Redis. Rejects with `RedisUnavailableError` when Redis cannot be reached. */
  async give(ids: string[]): Promise<void> {
    try {
      await releaseScript.run(this.redis.ready(), [this.key], [this.channel, ...ids]);
    } catch (error) {
      throw unavailable(error);
    }
  }

  /** Stops renewing and gives every held permit back at once (a failure is ignored: the leases run out). */
  async releaseAll(): Promise<void> {
    this.#closed = true;
    const ids = [...this.#held.keys()];
    for (const permit of this.#held.values()) permit.forget();
    this.#held.clear();
    this.#stopRenewing();
    if (ids.length > 0) await this.give(ids).catch(ignore);
  }

  #scheduleRenewal(): void {
    const handle = this.clock.setTimeout(() => this.#renewNow(), Math.floor(this.lease / 3));
    // A held permit alone does not keep the process alive: a process that exits loses its lease anyway.
    (handle as { unref?: () => void } | undefined)?.unref?.();
    this.#renew = handle;
  }

  #renewNow(): void {
    const ids = [...this.#held.keys()];
    if (ids.length === 0) {
      this.#renew = undefined;
      return;
    }
    renewScript.run(this.redis.ready(), [this.key], [this.lease, ...ids]).then(
      (lost) => {
        for (const id of lost as string[]) {
          const permit = this.#held.get(id);
          if (permit !== undefined) permit.lost = true;
          this.#held.delete(id);
        }
      },
      // Redis is unreachable: try again at the next turn; the lease runs out if it stays away.
      ignore,
    );
    if (this.#held.size > 0 && !this.#closed) this.#scheduleRenewal();
    else this.#renew = undefined;
  }

  #stopRenewing(): void {
    if (this.#renew === undefined) return;
    this.clock.clearTimeout(this.#renew);
    this.#renew = undefined;
  }
}
