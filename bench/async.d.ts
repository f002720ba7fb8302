// The part of async 3.x's `queue` that the queue benchmark uses (the package ships no types, and the bench
// must not add @types/async just for this).
declare module 'async' {
  export interface QueueObject<T> {
    push(item: T, callback: (error?: unknown) => void): void;
    length(): number;
    idle(): boolean;
    unsaturated(): Promise<void>;
    drain(): Promise<void>;
  }
  export function queue<T>(
    worker: (item: T, callback: (error?: unknown) => void) => void,
    concurrency: number,
  ): QueueObject<T>;
  const async: { queue: typeof queue };
  export default async;
}
