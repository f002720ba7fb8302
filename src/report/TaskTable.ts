import { round3, type TimelineTask } from './stats.js';

/** How a recorded unit of work ended ('queued' and 'running' while it has not). */
export type TaskOutcome = 'queued' | 'running' | 'fulfilled' | 'rejected' | 'cancelled';

const OUTCOMES: readonly TaskOutcome[] = ['queued', 'running', 'fulfilled', 'rejected', 'cancelled'];
/** Outcome codes of the table (indexes into `OUTCOMES`). */
export const QUEUED = 0;
export const RUNNING = 1;
export const FULFILLED = 2;
export const REJECTED = 3;
export const CANCELLED = 4;

/** n for a label `Task-<n>` (digits only, no leading zero), else NaN. */
function defaultLabelNumber(name: string): number {
  const length = name.length;
  if (length < 6 || length > 20 || !name.startsWith('Task-') || name.charCodeAt(5) === 48) return Number.NaN;
  let n = 0;
  for (let i = 5; i < length; i++) {
    const digit = name.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return Number.NaN;
    n = n * 10 + digit;
  }
  return n;
}

/**
 * The recorded tasks, one row per task, stored column-wise in typed arrays (times as float64 ms, NaN when
 * unset; outcome as a byte) rather than as one object per task. A Recorder attached to a busy executor keeps
 * hundreds of thousands of rows: objects would each be promoted through the GC's generations, columns are
 * only grown. Errors, retries and rate-limit waits are rare and live in side maps. Row `i` is task id `i + 1`.
 */
export class TaskTable {
  size = 0;
  #queued = new Float64Array(256);
  #started = new Float64Array(256);
  #finished = new Float64Array(256);
  #outcome = new Uint8Array(256);
  /** An executor's default label `Task-<n>` is kept as n, here, instead of one retained string per task. */
  #labelNo = new Float64Array(256);
  /** Names other than a default label, by row (few: most executor tasks keep their default label). */
  #names = new Map<number, string>();
  /**
   * The scenario of each row as an index into `#scenarioNames`: a column the GC never has to walk, where an
   * array of 100k+ references would be marked again at every full collection.
   */
  #scenario = new Uint32Array(256);
  readonly #scenarioNames: string[] = [];
  readonly #scenarioIds = new Map<string, number>();
  #lastScenario: string | undefined = undefined;
  #lastScenarioId = 0;
  #errors = new Map<number, string>();
  /** When a task began waiting for its rate-limit token (rare: tracked items with a limiter), by row. */
  #waits = new Map<number, number>();
  #retries = new Map<number, number[]>();

  #grow(): void {
    // Fourfold: fewer, larger steps copy a third of what doubling copies on the way to the same size.
    const n = this.#queued.length * 4;
    const grow = <A extends Float64Array | Uint32Array | Uint8Array>(a: A): A => {
      const b = new (a.constructor as new (length: number) => A)(n);
      b.set(a);
      return b;
    };
    this.#queued = grow(this.#queued);
    this.#started = grow(this.#started);
    this.#finished = grow(this.#finished);
    this.#labelNo = grow(this.#labelNo);
    this.#scenario = grow(this.#scenario);
    this.#outcome = grow(this.#outcome);
  }

  /**
   * Adds a queued task; returns its row. `label`: its name, or the number n of a default label `Task-<n>`
   * (as an executor's task keeps it).
   */
  add(label: string | number, scenario: string, queuedAt: number): number {
    const i = this.size;
    if (i === this.#queued.length) this.#grow();
    this.size = i + 1;
    this.#queued[i] = queuedAt;
    this.#started[i] = Number.NaN;
    this.#finished[i] = Number.NaN;
    const labelNo = typeof label === 'number' ? label : defaultLabelNumber(label);
    this.#labelNo[i] = labelNo;
    if (Number.isNaN(labelNo)) this.#names.set(i, label as string);
    this.#scenario[i] = this.#scenarioId(scenario);
    return i;
  }

  /** Adds a task that already settled, in one write (`started`: NaN if it never started); returns its row. */
  addSettled(
    label: string | number,
    scenario: string,
    queued: number,
    started: number,
    finished: number,
    outcome: number,
    error: string | undefined,
  ): number {
    const i = this.add(label, scenario, queued);
    this.#started[i] = started;
    this.#finished[i] = finished;
    this.#outcome[i] = outcome;
    if (error !== undefined) this.#errors.set(i, error);
    return i;
  }

  /** The index of a scenario name (a new one gets the next). */
  #scenarioId(scenario: string): number {
    if (scenario === this.#lastScenario) return this.#lastScenarioId;
    let id = this.#scenarioIds.get(scenario);
    if (id === undefined) {
      id = this.#scenarioNames.length;
      this.#scenarioNames.push(scenario);
      this.#scenarioIds.set(scenario, id);
    }
    this.#lastScenario = scenario;
    this.#lastScenarioId = id;
    return id;
  }

  name(i: number): string {
    return this.#names.get(i) ?? `Task-${this.#labelNo[i]}`;
  }

  scenario(i: number): string {
    return this.#scenarioNames[this.#scenario[i] as number] as string;
  }

  outcome(i: number): number {
    return this.#outcome[i] as number;
  }

  startedAt(i: number): number {
    return this.#started[i] as number;
  }

  error(i: number): string | undefined {
    return this.#errors.get(i);
  }

  setWait(i: number, at: number): void {
    this.#waits.set(i, at);
  }

  start(i: number, at: number): void {
    this.#started[i] = at;
    this.#outcome[i] = RUNNING;
  }

  /** Settles row `i`; false if it had settled already. */
  finish(i: number, outcome: number, at: number, error?: string): boolean {
    if ((this.#outcome[i] as number) > RUNNING) return false;
    this.#finished[i] = at;
    this.#outcome[i] = outcome;
    if (error !== undefined) this.#errors.set(i, error);
    return true;
  }

  addRetry(i: number, at: number): void {
    const list = this.#retries.get(i);
    if (list === undefined) this.#retries.set(i, [at]);
    else list.push(at);
  }

  /**
   * The rows as timeline tasks, each with the lowest lane free at its start (a lane is free once its last
   * task finished, at that same instant included). Lanes come from the times rather than live, because an
   * executor hands a slot to the next task before it reports the previous one settled.
   */
  rows(scenario?: string): TimelineTask[] {
    const order: number[] = [];
    for (let i = 0; i < this.size; i++) if (!Number.isNaN(this.#started[i] as number)) order.push(i);
    order.sort((a, b) => (this.#started[a] as number) - (this.#started[b] as number) || a - b);
    const lanes = new Int32Array(this.size).fill(-1);
    const laneEnds: number[] = [];
    for (const i of order) {
      const start = this.#started[i] as number;
      let lane = laneEnds.findIndex((end) => end <= start);
      if (lane < 0) lane = laneEnds.length;
      const end = this.#finished[i] as number;
      laneEnds[lane] = Number.isNaN(end) ? Number.POSITIVE_INFINITY : end;
      lanes[i] = lane;
    }
    const out: TimelineTask[] = [];
    // Times are kept as recorded and handed out rounded to the microsecond.
    const time = (x: number) => (Number.isNaN(x) ? null : round3(x));
    // In order of queueing: a row written when its task settled comes after rows of tasks queued later.
    const queued = this.#queued;
    const byQueueing: number[] = [];
    for (let i = 0; i < this.size; i++)
      if (scenario === undefined || this.scenario(i) === scenario) byQueueing.push(i);
    byQueueing.sort((x, y) => (queued[x] as number) - (queued[y] as number) || x - y);
    for (const i of byQueueing) {
      const wait = this.#waits.get(i) ?? Number.NaN;
      const error = this.#errors.get(i);
      out.push({
        id: i + 1,
        name: this.name(i),
        scenario: this.scenario(i),
        lane: lanes[i] as number,
        queued_at: round3(this.#queued[i] as number),
        ...(Number.isNaN(wait) ? {} : { wait_start: round3(wait) }),
        started_at: time(this.#started[i] as number),
        finished_at: time(this.#finished[i] as number),
        outcome: OUTCOMES[this.#outcome[i] as number] as TaskOutcome,
        retries: this.#retries.get(i)?.slice() ?? [],
        ...(error !== undefined ? { error } : {}),
      });
    }
    return out;
  }
}
