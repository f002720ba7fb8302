import { PoolClosedError } from '../core/errors.js';
import { isCancellation, linkSignal } from '../core/signals.js';
import type { Emitter } from '../observe/Emitter.js';
import { call } from './internal.js';
import type { DestroyReason, PoolConfig, ResourcePoolEvents } from './options.js';

/** What the pool does when a `create` or `destroy` it started has settled. @internal */
export interface FactoryHooks<R> {
  /** A new, distinct resource is ready to lend. */
  created(resource: R): void;
  /** A `create` failed (or returned a resource the pool already holds); its slot is free again. */
  createFailed(error: unknown): void;
  /** A `validate` settled: `ok` is false when it returned a falsy value, threw or rejected. */
  validated(resource: R, ok: boolean): void;
  /** A `destroy` settled (a failing one included); the resource's slot is free again. */
  destroyed(): void;
}

/**
 * The private half of {@link ResourcePool} that makes, checks and unmakes resources: it calls the user's
 * `create`, `validate` and `destroy` hooks, counts what is in flight and in total, refuses a duplicate from `create`, emits `create`,
 * `destroy` and `error` events, and hands the outcome to the pool through {@link FactoryHooks}.
 *
 * Invariants: `creating`, `validating` and `destroying` count the hooks in flight; every created resource is destroyed at
 * most once, and `live` holds exactly the created ones not yet destroyed.
 * @internal
 */
export class Factory<R> {
  creating = 0;
  validating = 0;
  destroying = 0;
  created = 0;
  destroyed = 0;
  /** Every resource created and not yet destroyed, to refuse a duplicate from `create`. */
  readonly #live = new Set<R>();
  /** Aborts when the pool closes: its signal is the one `create` receives. */
  readonly #closing = linkSignal(undefined);

  constructor(
    readonly config: PoolConfig<R>,
    readonly events: Emitter<ResourcePoolEvents<R>>,
    readonly hooks: FactoryHooks<R>,
  ) {}

  /** Resources on their way to a waiter: creates and validations in flight. */
  get supplying(): number {
    return this.creating + this.validating;
  }

  /** Starts `n` creates (the pool's `min`); resolves to the first of their errors, or `undefined`. */
  createMany(n: number): Promise<unknown> {
    const all: Promise<unknown>[] = [];
    for (let i = 0; i < n; i++) all.push(new Promise<unknown>((settled) => this.create(settled)));
    return Promise.all(all).then((errors) => errors.find((e) => e !== undefined));
  }

  /** Starts one `create`; `settled` (startup creates only) receives its error, or undefined on success. */
  create(settled?: (error: unknown) => void): void {
    this.creating++;
    call(
      this.config.create,
      this.#closing.signal,
      (resource) => {
        if (this.#live.has(resource)) {
          this.#failed(
            new TypeError('ResourcePool options.create returned a resource the pool already holds.'),
            settled,
          );
          return;
        }
        this.creating--;
        this.created++;
        this.#live.add(resource);
        this.events.emit('create', { resource });
        settled?.(undefined);
        this.hooks.created(resource);
      },
      (error) => this.#failed(error, settled),
    );
  }

  /** Starts `validate(resource)` (the pool has one); the resource's slot stays taken until it settles. */
  validate(resource: R, validate: (resource: R) => unknown): void {
    this.validating++;
    const done = (ok: unknown) => {
      this.validating--;
      this.hooks.validated(resource, Boolean(ok));
    };
    call(validate, resource, done, (error) => {
      this.events.emit('error', { error, phase: 'validate' });
      done(false);
    });
  }

  /** Starts the one `destroy` of `resource`; its slot stays taken until that settles. */
  destroy(resource: R, reason: DestroyReason): void {
    this.destroying++;
    const done = () => {
      this.destroying--;
      this.destroyed++;
      this.#live.delete(resource);
      this.events.emit('destroy', { resource, reason });
      this.hooks.destroyed();
    };
    call(this.config.destroy, resource, done, (error) => {
      this.events.emit('error', { error, phase: 'destroy' });
      done();
    });
  }

  /** Aborts the signal of every `create` in flight and to come: the pool is closing. */
  close(): void {
    this.#closing.abort(new PoolClosedError());
  }

  #failed(error: unknown, settled: ((error: unknown) => void) | undefined): void {
    this.creating--;
    settled?.(error ?? new Error('ResourcePool options.create failed with no reason.'));
    // A create cut short by close() is no failure worth an event.
    if (!(this.#closing.aborted && isCancellation(error, this.#closing.signal)))
      this.events.emit('error', { error, phase: 'create' });
    this.hooks.createFailed(error);
  }
}
