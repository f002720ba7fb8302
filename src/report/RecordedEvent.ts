import type { MonitorSample } from './monitor.js';

/**
 * One event of a run, as a sink receives it. `at` is milliseconds since the recorder was made (its clock).
 * Task events carry the task's `id`, `name` and `scenario`.
 */
export type RecordedEvent =
  | { type: 'queued' | 'started'; at: number; id: number; name: string; scenario: string }
  | {
      type: 'finished' | 'failed' | 'cancelled';
      at: number;
      id: number;
      name: string;
      scenario: string;
      duration: number;
      error?: string;
    }
  | { type: 'retried'; at: number; id?: number; name?: string; attempt: number; delay: number; error: string }
  | { type: 'limiterWait'; at: number; id?: number; tokens: number; waited: number }
  | { type: 'breakerState'; at: number; name: string; from: string; to: string }
  | { type: 'poolAcquire' | 'poolRelease' | 'poolCreate' | 'poolDestroy'; at: number; name: string }
  | { type: 'queuePut' | 'queueGet'; at: number; name: string }
  | { type: 'monitor'; at: number; name: string; sample: MonitorSample };

/** Receives every event a `Recorder` records, as it happens (e.g. the OpenTelemetry sink). */
export type RecorderSink = (event: RecordedEvent) => void;
