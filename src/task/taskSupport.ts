import { type Clock, systemClock } from '../core/Clock.js';
import { FerrisWarning } from '../core/errors.js';
import type { ClockOptions } from '../core/types.js';
import { clockOption, optionsBag, signalOption, stringOption, timeoutOption } from '../core/validate.js';

/*
 * Private pieces of AsyncTask: its rare settings, the check that lets work that takes no signal skip creating
 * one, and the report of failures nobody read.
 */

/** Where a task is in its life: it moves from 'pending' to 'running' to one of the three final states, once. */
export type TaskStatus = 'pending' | 'running' | 'fulfilled' | 'rejected' | 'cancelled';

/**
 * An AsyncTask's state is one small integer: the status code in the low bits, plus a flag set once someone reads the
 * outcome. One field instead of two keeps the object small (an executor holds one per queued submission).
 * @internal
 */
export const PENDING = 0;
export const RUNNING = 1;
export const FULFILLED = 2;
export const REJECTED = 3;
export const CANCELLED = 4;
export const STATUS = 7;
export const READ = 8;
/** The owner decided at hand-over whether the work takes a signal (see {@link takesNoSignal}). */
export const DECIDED = 16;
/** ... and found that it takes none. */
export const NO_SIGNAL = 32;
export const STATUSES: readonly TaskStatus[] = ['pending', 'running', 'fulfilled', 'rejected', 'cancelled'];
export type Final = typeof FULFILLED | typeof REJECTED | typeof CANCELLED;

let captured: ((value: unknown) => void) | undefined;
/** The one promise executor of every AsyncTask (no closure per task): it keeps `resolve` for {@link takeCaptured}. @internal */
export const capture = (resolve: (value: never) => void): void => {
  captured = resolve as (value: unknown) => void;
};
/** The `resolve` that {@link capture} was just given (and forgets it). @internal */
export function takeCaptured(): (value: unknown) => void {
  const resolve = captured as (value: unknown) => void;
  captured = undefined;
  return resolve;
}

/** A task's rare settings, allocated only when it has a timeout, a signal or a clock of its own. @internal */
export class Limits {
  constructor(
    readonly clock: Clock,
    readonly timeout: number,
    readonly signal: AbortSignal | undefined,
  ) {}
}

/** The options an `AsyncTask` reads (its public `AsyncTaskOptions`). @internal */
export interface TaskOptionsIn extends ClockOptions {
  name?: string | undefined;
  timeout?: number | undefined;
  signal?: AbortSignal | undefined;
}

/** A task's checked options: its label, and its rare settings when it has any. @internal */
export interface TaskSettings {
  name: string | undefined;
  limits: Limits | undefined;
}

/** The settings of a task made without options. @internal */
export const NO_OPTIONS: TaskSettings = Object.freeze({ name: undefined, limits: undefined });

/** Checks an `AsyncTask`'s options; allocates `Limits` only for a timeout, a signal or a clock of its own. @internal */
export function readTaskOptions(options: TaskOptionsIn): TaskSettings {
  const o = optionsBag('AsyncTask options', options);
  const name = stringOption('AsyncTask options.name', o.name);
  const timeout = timeoutOption('AsyncTask options.timeout', o.timeout);
  const signal = signalOption('AsyncTask options.signal', o.signal);
  const clock = o.clock === undefined ? systemClock : clockOption('AsyncTask options.clock', o.clock);
  const limited = timeout !== Number.POSITIVE_INFINITY || signal !== undefined || clock !== systemClock;
  return { name, limits: limited ? new Limits(clock, timeout, signal) : undefined };
}

const toSource = Function.prototype.toString;
const OPEN = 40; // (
const CLOSE = 41; // )
const SPACE = 32;
const LOWER_A = 97;

/**
 * Whether `fn` is an arrow function with an empty parameter list (`() => ...` or `async () => ...`), which
 * cannot read the signal it would be called with: it has no parameter and no `arguments` of its own. Such work
 * is called without a signal, so no AbortController is made for it (about 1 µs and 760 bytes on Node 20).
 * Anything else (a parameter, rest or default parameters, a `function`, a method, a bound function) gets its
 * signal. Costs one `length` read, and for zero-length functions a look at the first characters of the source.
 * @internal
 */
export function takesNoSignal(fn: (...args: never[]) => unknown): boolean {
  if (fn.length !== 0) return false;
  return scanEmptyArrow(toSource.call(fn));
}

/** Whether a function's source starts as `() =>` or `async () =>` (spaces allowed). */
function scanEmptyArrow(s: string): boolean {
  let i: number;
  const first = s.charCodeAt(0);
  if (first === OPEN) i = 1;
  else if (first === LOWER_A && s.startsWith('async')) {
    i = 5;
    while (s.charCodeAt(i) === SPACE) i++;
    if (s.charCodeAt(i) !== OPEN) return false;
    i++;
  } else return false;
  let c = s.charCodeAt(i);
  while (c === SPACE) c = s.charCodeAt(++i);
  return c === CLOSE;
}

/**
 * Answers {@link takesNoSignal} for an owner, as `kOwn` flags, and remembers the answer for the last
 * zero-length function: work submitted again and again as the same function pays for the look at its source
 * once. The owner calls `forget()` when nothing of its runs, so it holds no function of finished work.
 * @internal
 */
export class SignalQuestion {
  #work: unknown = undefined;
  #flags = 0;

  flags(fn: (...args: never[]) => unknown): number {
    if (fn.length !== 0) return DECIDED;
    if (fn === this.#work) return this.#flags;
    const flags = takesNoSignal(fn) ? DECIDED | NO_SIGNAL : DECIDED;
    this.#work = fn;
    this.#flags = flags;
    return flags;
  }

  forget(): void {
    this.#work = undefined;
  }
}

/** The code of the warning for a task failure nobody read. */
export const UNOBSERVED_TASK_ERROR = 'FERRIS_UNOBSERVED_TASK_ERROR';

interface Unread {
  name: string;
  error: unknown;
  stillUnread(): boolean;
}

const proc = (globalThis as { process?: { emitWarning?: (warning: Error) => void } }).process;
const nextMacrotask: (fn: () => void) => void =
  typeof (globalThis as { setImmediate?: unknown }).setImmediate === 'function'
    ? (fn) => {
        (globalThis as unknown as { setImmediate(fn: () => void): void }).setImmediate(fn);
      }
    : (fn) => {
        globalThis.setTimeout(fn, 0);
      };

let unread: Unread[] = [];

/**
 * Reports a task failure nobody has read yet, unless someone reads it before the next macrotask (the same
 * grace Node gives a rejected promise before it calls the rejection unhandled). One check serves every
 * failure of a turn. Reported once, through `process.emitWarning` as a {@link FerrisWarning}.
 * @internal
 */
export function reportIfUnread(name: string, error: unknown, stillUnread: () => boolean): void {
  if (unread.length === 0) nextMacrotask(checkUnread);
  unread.push({ name, error, stillUnread });
}

function checkUnread(): void {
  const batch = unread;
  unread = [];
  for (const entry of batch) {
    if (!entry.stillUnread()) continue;
    const warning = new FerrisWarning(
      `Task ${entry.name} failed and nobody read its outcome (await it, attach a handler, read task.error, or listen to its executor's taskSettled event): ${describeError(entry.error)}`,
      UNOBSERVED_TASK_ERROR,
      { cause: entry.error },
    );
    if (proc?.emitWarning !== undefined) proc.emitWarning(warning);
    else console.warn(warning);
  }
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
