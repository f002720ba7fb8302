import type { TransferListItem } from 'node:worker_threads';
import type { SignalScope } from '../core/signals.js';
import type { ExecFunction } from './FunctionCache.js';
import type { PoolThread } from './PoolThread.js';

/**
 * One call of `run` or `exec` inside the pool: what to run, where it is, and how to settle it.
 * `state`: 'queued' (in the pool's queue) -> 'sent' (in a thread's `inFlight`) -> 'done' (settled once).
 * @internal
 */
export class Task {
  state: 'queued' | 'sent' | 'done' = 'queued';
  seq = 0;
  thread: PoolThread | undefined = undefined;
  scope: SignalScope | undefined = undefined;

  constructor(
    /** Named export to call (`run`), or undefined for `exec`. */
    readonly name: string | undefined,
    /** The exec function (its id and source), or undefined for `run`. */
    readonly fn: ExecFunction | undefined,
    readonly arg: unknown,
    readonly transferList: readonly TransferListItem[] | undefined,
    readonly calledAt: number,
    readonly resolve: (value: unknown) => void,
    readonly reject: (error: unknown) => void,
  ) {}

  /** How the task is named in messages. */
  get label(): string {
    return this.name === undefined ? 'exec function' : `task "${this.name}"`;
  }
}
