/**
 * The floor of a streaming map: a hand-written bounded, ordered pipeline over an async source. It keeps at most
 * `concurrency` calls in flight in a window of promises and hands results to `consume` in input order, awaiting
 * the oldest call whenever the window is full. No cancellation, no error handling beyond the first throw.
 */
export async function boundedPipeline<T, R>(
  source: AsyncIterable<T>,
  fn: (item: T) => R | PromiseLike<R>,
  concurrency: number,
  consume: (result: R) => void,
): Promise<void> {
  const window: (R | PromiseLike<R>)[] = new Array(concurrency);
  let head = 0;
  let size = 0;
  for await (const item of source) {
    if (size === concurrency) {
      consume(await window[head]!);
      head = (head + 1) % concurrency;
      size--;
    }
    window[(head + size) % concurrency] = fn(item);
    size++;
  }
  while (size > 0) {
    consume(await window[head]!);
    head = (head + 1) % concurrency;
    size--;
  }
}
