import type { Clock } from './Clock.js';
import { TimeoutError } from './errors.js';
import { onAbort } from './signals.js';
import type { WaitOptions } from './types.js';

/**
 * A fair FIFO list of parked waiters (trio's ParkingLot). Each waiter is a promise that is settled exactly once:
 * granted by the primitive (`grant`/`shift`), or removed and rejected when its signal aborts or its timeout
 * fires. Removal is O(1) (doubly linked), and every abort listener and timer of a waiter is detached the moment
 * it settles, whichever way, so nothing outlives the wait.
 *
 * Invariant: a waiter is in the list if and only if its promise is unsettled.
 */
export class WaitNode<T, D> {
  prev: WaitNode<T, D> | undefined = undefined;
  next: WaitNode<T, D> | undefined = undefined;
  /** Whether the node is linked into a list. */
  linked = false;
  resolve!: (value: T) => void;
  reject!: (error: unknown) => void;
  unlisten: (() => void) | undefined = undefined;
  timer: unknown = undefined;
  clock: Clock | undefined = undefined;
  constructor(readonly data: D) {}

  /** Removes the abort listener and the timer; safe to call twice. */
  detach(): void {
    if (this.unlisten !== undefined) {
      this.unlisten();
      this.unlisten = undefined;
    }
    if (this.clock !== undefined) {
      this.clock.clearTimeout(this.timer);
      this.clock = undefined;
    }
  }
}

/** Called when a waiter leaves by abort or timeout (not by grant), after it was unlinked. */
export type OnCancel<D> = (data: D, error: unknown) => void;

export class WaitList<T, D = undefined> {
  #head: WaitNode<T, D> | undefined = undefined;
  #tail: WaitNode<T, D> | undefined = undefined;
  #size = 0;

  /** Number of parked waiters. */
  get size(): number {
    return this.#size;
  }

  /**
   * Parks a waiter at the tail. Rejects with `signal.reason` on abort (at once if already aborted, without
   * parking) and with `TimeoutError` when `timeout` ms pass; `onCancel` then runs after the waiter is removed.
   */
  wait(options: WaitOptions | undefined, clock: Clock, data: D, onCancel?: OnCancel<D>): Promise<T> {
    const node = new WaitNode<T, D>(data);
    const signal = options?.signal;
    const promise = new Promise<T>((resolve, reject) => {
      node.resolve = resolve;
      node.reject = reject;
    });
    if (signal?.aborted) {
      node.reject(signal.reason);
      return promise;
    }
    this.#link(node);
    if (signal !== undefined)
      node.unlisten = onAbort(signal, () => this.#cancel(node, signal.reason, onCancel));
    const timeout = options?.timeout;
    if (timeout !== undefined && timeout !== Number.POSITIVE_INFINITY) {
      node.clock = clock;
      node.timer = clock.setTimeout(() => {
        node.clock = undefined;
        this.#cancel(node, new TimeoutError(undefined, { timeout }), onCancel);
      }, timeout);
    }
    return promise;
  }

  /** The data of the first waiter, without removing it. */
  peek(): D | undefined {
    return this.#head?.data;
  }

  /** Grants the first waiter `value`. Returns false when no one waits. */
  grant(value: T): boolean {
    const node = this.shift();
    if (node === undefined) return false;
    node.resolve(value);
    return true;
  }

  /** Removes and returns the first waiter, detached; the caller must settle it. */
  shift(): WaitNode<T, D> | undefined {
    const node = this.#head;
    if (node === undefined) return undefined;
    this.#unlink(node);
    node.detach();
    return node;
  }

  /** Rejects every waiter with `error`, in FIFO order. */
  rejectAll(error: unknown): void {
    for (let node = this.shift(); node !== undefined; node = this.shift()) node.reject(error);
  }

  /** Waiters' data from head to tail. */
  *[Symbol.iterator](): IterableIterator<D> {
    for (let n = this.#head; n !== undefined; n = n.next) yield n.data;
  }

  #cancel(node: WaitNode<T, D>, error: unknown, onCancel: OnCancel<D> | undefined): void {
    if (!node.linked) return;
    this.#unlink(node);
    node.detach();
    node.reject(error);
    onCancel?.(node.data, error);
  }

  #link(node: WaitNode<T, D>): void {
    node.linked = true;
    node.prev = this.#tail;
    if (this.#tail === undefined) this.#head = node;
    else this.#tail.next = node;
    this.#tail = node;
    this.#size++;
  }

  #unlink(node: WaitNode<T, D>): void {
    node.linked = false;
    if (node.prev === undefined) this.#head = node.next;
    else node.prev.next = node.next;
    if (node.next === undefined) this.#tail = node.prev;
    else node.next.prev = node.prev;
    node.prev = undefined;
    node.next = undefined;
    this.#size--;
  }
}
