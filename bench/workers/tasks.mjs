// The tasks of bench/workers.bench.ts, shared by every pool (plain JavaScript, so no row loads a TypeScript
// loader in its threads). `cpu(n)` spins through n rounds of integer arithmetic: ~2 ms for CPU_ROUNDS on the
// 2-core benchmark machine.

export const CPU_ROUNDS = 2_000_000;

export function tiny(x) {
  return x + 1;
}

export function cpu(rounds) {
  let h = 2166136261;
  for (let i = 0; i < rounds; i++) h = Math.imul(h ^ i, 16777619) >>> 0;
  return h;
}
