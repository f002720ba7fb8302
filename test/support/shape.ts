/** Whether `name` is an accessor with a getter (not a method, not a data property) on `proto` or its chain. */
export function isGetter(proto: object, name: string): boolean {
  for (let p: object | null = proto; p !== null; p = Object.getPrototypeOf(p)) {
    const d = Object.getOwnPropertyDescriptor(p, name);
    if (d !== undefined) return typeof d.get === 'function' && d.value === undefined;
  }
  return false;
}
