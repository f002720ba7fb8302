/** Records the settlement of `promise` under `label` in `log` (`label!` when it rejects), and returns it. */
export function logSettled<T>(promise: Promise<T>, log: string[], label: string): Promise<T> {
  promise.then(
    () => log.push(label),
    () => log.push(`${label}!`),
  );
  return promise;
}
