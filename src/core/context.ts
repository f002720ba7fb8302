/**
 * Carries the submitter's AsyncLocalStorage context to work that starts later (SPEC §2.9). On Node an
 * `AsyncResource` (about 76 bytes) captures it, far cheaper than `AsyncLocalStorage.snapshot()`; elsewhere there
 * is no context to carry and capture returns undefined. `node:async_hooks` is reached lazily through
 * `process.getBuiltinModule`, so the core loads on any JavaScript runtime.
 */
/**
 * What Ferris needs of a captured context (Node's `AsyncResource` has it). Declared here rather than imported
 * from `node:async_hooks`, so the published declarations compile in a project without Node's types.
 */
export interface CapturedContext {
  runInAsyncScope<This, A extends unknown[], R>(
    fn: (this: This, ...args: A) => R,
    thisArg?: This,
    ...args: A
  ): R;
}

type AsyncResourceCtor = new (type: string) => CapturedContext;

const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
const hooks = proc?.getBuiltinModule?.('node:async_hooks') as
  | { AsyncResource: AsyncResourceCtor }
  | undefined;
const AsyncResourceImpl: AsyncResourceCtor | undefined = hooks?.AsyncResource;

/** A captured execution context. */
export type Context = CapturedContext | undefined;

/** Captures the current context (the caller's), to run work in it later. */
export function captureContext(): Context {
  return AsyncResourceImpl === undefined ? undefined : new AsyncResourceImpl('ferris.work');
}

/** Calls `fn(arg)` inside a captured context (or directly when there is none). */
export function runInContext<A, R>(context: Context, fn: (arg: A) => R, arg: A): R {
  return context === undefined ? fn(arg) : context.runInAsyncScope(fn, undefined, arg);
}

/** Calls `fn` with `this` set to `self` and the argument `arg` inside a captured context (no closure needed). */
export function callInContext<S, A, R>(context: Context, fn: (this: S, arg: A) => R, self: S, arg: A): R {
  return context === undefined ? fn.call(self, arg) : context.runInAsyncScope(fn, self, arg);
}
