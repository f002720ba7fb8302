import { describe } from '../core/validate.js';

/** The lowercase names {@link createSharedArray} accepts, one per TypedArray class. */
export type SharedArrayType =
  | 'int8'
  | 'uint8'
  | 'uint8clamped'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'float32'
  | 'float64'
  | 'bigint64'
  | 'biguint64';

interface TypedArrays {
  int8: Int8Array;
  uint8: Uint8Array;
  uint8clamped: Uint8ClampedArray;
  int16: Int16Array;
  uint16: Uint16Array;
  int32: Int32Array;
  uint32: Uint32Array;
  float32: Float32Array;
  float64: Float64Array;
  bigint64: BigInt64Array;
  biguint64: BigUint64Array;
}

/** Any TypedArray class {@link createSharedArray} accepts. */
export type TypedArray = TypedArrays[SharedArrayType];

type Element<A extends TypedArray> = A extends BigInt64Array | BigUint64Array ? bigint : number;

/**
 * The atomic helpers of a shared array: `Atomics` operations bound to it, so every read and write other
 * threads may race with goes through one place. Integer arrays only for the read-modify-write helpers;
 * `wait` needs an `int32` or `bigint64` array, as `Atomics.wait` does.
 */
export interface SharedArrayHelpers<T extends number | bigint> {
  /** Atomically adds `value` at `index`; returns the previous value. */
  add(index: number, value: T): T;
  /** Atomically reads the value at `index`. */
  load(index: number): T;
  /** Atomically writes `value` at `index`; returns `value`. */
  store(index: number, value: T): T;
  /** Writes `replacement` at `index` if it holds `expected`; returns the value it held. */
  compareExchange(index: number, expected: T, replacement: T): T;
  /**
   * Blocks this thread while the value at `index` is `value`, until `notify` or `timeout` ms (default:
   * forever); returns 'ok', 'not-equal' or 'timed-out'. Blocking the main thread stalls its event loop: use it
   * inside workers, or {@link waitAsync} on the main thread.
   */
  wait(index: number, value: T, timeout?: number): 'ok' | 'not-equal' | 'timed-out';
  /** Resolves when the value at `index` stops being `value` (after a `notify`), without blocking the thread. */
  waitAsync(index: number, value: T, timeout?: number): Promise<'ok' | 'not-equal' | 'timed-out'>;
  /** Wakes up to `count` waiters on `index` (default: all); returns how many woke. */
  notify(index: number, count?: number): number;
}

/** A TypedArray over a SharedArrayBuffer, with {@link SharedArrayHelpers}. */
export type SharedArray<A extends TypedArray = Int32Array> = A & SharedArrayHelpers<Element<A>>;

type TypedArrayClass = { new (buffer: SharedArrayBuffer): TypedArray; BYTES_PER_ELEMENT: number };

const classes: Record<SharedArrayType, TypedArrayClass> = {
  int8: Int8Array,
  uint8: Uint8Array,
  uint8clamped: Uint8ClampedArray,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  float32: Float32Array,
  float64: Float64Array,
  bigint64: BigInt64Array,
  biguint64: BigUint64Array,
};

type AtomicsArray = Int32Array;
type Waiting = {
  async: boolean;
  value: 'ok' | 'not-equal' | 'timed-out' | Promise<'ok' | 'not-equal' | 'timed-out'>;
};
const waitAsync = (Atomics as unknown as { waitAsync: (...args: unknown[]) => Waiting }).waitAsync;

/** Attaches the helpers (non-enumerable, so they never travel with the array) to a shared TypedArray. */
function withHelpers<A extends TypedArray>(array: A): SharedArray<A> {
  const a = array as unknown as AtomicsArray;
  const helpers: SharedArrayHelpers<number> = {
    add: (i, v) => Atomics.add(a, i, v),
    load: (i) => Atomics.load(a, i),
    store: (i, v) => Atomics.store(a, i, v),
    compareExchange: (i, e, r) => Atomics.compareExchange(a, i, e, r),
    wait: (i, v, timeout) => Atomics.wait(a, i, v, timeout),
    waitAsync: (i, v, timeout) => {
      const r = waitAsync(a, i, v, timeout);
      return Promise.resolve(r.value);
    },
    notify: (i, count) => Atomics.notify(a, i, count),
  };
  for (const [key, fn] of Object.entries(helpers))
    Object.defineProperty(array, key, { value: fn, enumerable: false, configurable: true, writable: true });
  return array as SharedArray<A>;
}

/**
 * Creates a TypedArray over a new `SharedArrayBuffer`, with atomic helpers (`add`, `load`, `store`,
 * `compareExchange`, `wait`, `waitAsync`, `notify`). Passed to a worker (`pool.run(name, array)`), it is
 * shared, not copied: every thread sees the same memory. In a worker the array arrives as a plain
 * TypedArray over the same memory: call `Atomics.*` on it, or give it the helpers with {@link sharedArray}.
 * @param type A TypedArray class (`Int32Array`) or its lowercase name (`'int32'`).
 * @param lengthOrData The number of elements (all zero), or the values to copy in.
 * @throws TypeError for an unknown `type` or data that is not an array-like; RangeError for a length that
 * is not an integer >= 0.
 * @example
 * ```ts
 * const totals = createSharedArray('int32', 4);
 * await pool.map('accumulate', [0, 1, 2, 3].map((slot) => ({ totals, slot })));
 * console.log(totals.load(0));
 * ```
 */
export function createSharedArray<K extends SharedArrayType>(
  type: K,
  lengthOrData: number | ArrayLike<Element<TypedArrays[K]>>,
): SharedArray<TypedArrays[K]>;
export function createSharedArray<A extends TypedArray>(
  type: { new (buffer: ArrayBufferLike): A; BYTES_PER_ELEMENT: number },
  lengthOrData: number | ArrayLike<Element<A>>,
): SharedArray<A>;
export function createSharedArray(
  type: SharedArrayType | TypedArrayClass,
  lengthOrData: number | ArrayLike<number | bigint>,
): SharedArray<TypedArray> {
  const Class = typeof type === 'string' ? classes[type] : Object.values(classes).find((c) => c === type);
  if (Class === undefined || (typeof type === 'string' && !Object.hasOwn(classes, type)))
    throw new TypeError(
      `createSharedArray type must be a TypedArray class or one of ${Object.keys(classes).join(', ')}, got ${describe(type)}.`,
    );
  const length = typeof lengthOrData === 'number' ? lengthOrData : lengthOrData?.length;
  if (typeof lengthOrData !== 'number' && (lengthOrData === null || typeof lengthOrData !== 'object'))
    throw new TypeError(
      `createSharedArray lengthOrData must be a length or an array-like of values, got ${describe(lengthOrData)}.`,
    );
  if (typeof length !== 'number' || !Number.isInteger(length) || length < 0)
    throw new RangeError(`createSharedArray length must be an integer >= 0, got ${describe(length)}.`);
  const array = new Class(new SharedArrayBuffer(length * Class.BYTES_PER_ELEMENT));
  if (typeof lengthOrData !== 'number')
    (array as unknown as { set(d: ArrayLike<unknown>): void }).set(lengthOrData);
  return withHelpers(array);
}

/**
 * Gives a TypedArray over a SharedArrayBuffer the helpers of {@link createSharedArray} (in a worker, where
 * the array arrives without them). Returns the same array.
 * @throws TypeError if `array` is not a TypedArray over a SharedArrayBuffer.
 * @example
 * ```ts
 * // tasks.ts, inside a worker thread
 * export function count({ hits }: { hits: Int32Array }) {
 *   sharedArray(hits).add(0, 1);
 * }
 * ```
 */
export function sharedArray<A extends TypedArray>(array: A): SharedArray<A> {
  if (!ArrayBuffer.isView(array) || !(array.buffer instanceof SharedArrayBuffer) || array instanceof DataView)
    throw new TypeError(`sharedArray needs a TypedArray over a SharedArrayBuffer, got ${describe(array)}.`);
  return withHelpers(array);
}
