import type { Work } from '../core/types.js';
import { assertFunction, describe } from '../core/validate.js';

/**
 * Copies an iterable of functions into an array, checking each entry (shared by gather, wait and asCompleted).
 * @internal
 * @throws TypeError naming `name[i]` for the first entry that is not a function.
 */
export function workList<T>(name: string, fns: Iterable<Work<T>>): Work<T>[] {
  if (fns === null || fns === undefined || typeof (fns as Iterable<unknown>)[Symbol.iterator] !== 'function')
    throw new TypeError(`${name} must be an iterable of functions, got ${describe(fns)}.`);
  const list = Array.from(fns);
  for (const [i, fn] of list.entries()) assertFunction(`${name}[${i}]`, fn);
  return list;
}
