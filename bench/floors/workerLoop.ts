/**
 * The floor of a bounded map: `concurrency` async workers share one index and each awaits its item in turn.
 * This is what one writes by hand when p-map is not at hand: results in input order, the first error rejects.
 */
export async function workerLoopMap<T, R>(
  fn: (item: T, index: number) => R | PromiseLike<R>,
  items: readonly T[],
  concurrency: number,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T, i);
    }
  };
  const workers: Promise<void>[] = [];
  const n = Math.min(concurrency, items.length);
  for (let k = 0; k < n; k++) workers.push(worker());
  await Promise.all(workers);
  return results;
}

/** The floor of an unbounded map: start everything at once. */
export function promiseAllMap<T, R>(
  fn: (item: T, index: number) => R | PromiseLike<R>,
  items: readonly T[],
): Promise<R[]> {
  return Promise.all(items.map(fn));
}
