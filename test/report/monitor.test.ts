import { sleep } from 'ferris';
import { type MonitorSample, monitor, Recorder } from 'ferris/report';
import { describe, expect, it } from 'vitest';
import { fakeClock } from '../support/leakCheck.js';

describe('monitor', () => {
  it("measures each call with the template's fields and passes the result through", async () => {
    const clock = fakeClock();
    const samples: MonitorSample[] = [];
    const load = monitor(
      async (id: number) => {
        await sleep(40, { clock });
        return { id };
      },
      { name: 'load', sink: (s) => samples.push(s), clock },
    );
    const call = load(7);
    await clock.advance(40);
    expect(await call).toEqual({ id: 7 });
    expect(samples).toHaveLength(1);
    const [sample] = samples;
    expect(sample).toMatchObject({ name: 'load', async_time: 0.04, ok: true, slow: false });
    expect(sample?.execution_time).toBeGreaterThanOrEqual(0);
    expect(typeof sample?.memory_used).toBe('number');
    expect(sample?.cpu_percent).toBeGreaterThanOrEqual(0);
    expect(sample?.efficiency_ratio).toBeGreaterThanOrEqual(0);
    expect(Object.keys(sample?.event_loop_delay ?? {}).sort()).toEqual(['max', 'mean', 'min', 'p50', 'p99']);
  });

  it('measures a call that rejects too, and rejects with its error unchanged', async () => {
    const samples: MonitorSample[] = [];
    const boom = new Error('boom');
    const failing = monitor(
      async function failingJob() {
        throw boom;
      },
      { sink: (s) => samples.push(s) },
    );
    await expect(failing()).rejects.toBe(boom);
    expect(samples).toMatchObject([{ name: 'failingJob', ok: false }]);
  });

  it('logs every sample to a logger and warns, as the template does, when a call took longer than slowMs', async () => {
    const clock = fakeClock();
    const lines: [string, string][] = [];
    const logger = {
      info: (message: string) => lines.push(['info', message]),
      warn: (message: string) => lines.push(['warn', message]),
    };
    const job = monitor((ms: number) => sleep(ms, { clock }), {
      name: 'job',
      sink: logger,
      slowMs: 100,
      clock,
    });
    const fast = job(50);
    await clock.advance(50);
    await fast;
    const slow = job(150);
    await clock.advance(150);
    await slow;
    expect(lines).toEqual([
      ['info', 'job async performance'],
      ['info', 'job async performance'],
      ['warn', 'job: async operation took longer than expected (150 ms > 100 ms)'],
    ]);
  });

  it('hands its samples to a Recorder sink, which puts them in the report', async () => {
    const recorder = new Recorder({ clock: fakeClock() });
    await monitor(async () => 1, { name: 'x', sink: recorder })();
    const events = recorder.events();
    expect(events).toMatchObject([{ type: 'monitor', name: 'x', sample: { name: 'x', ok: true } }]);
  });

  it('throws synchronously on bad arguments, naming them', () => {
    expect(() => monitor(42 as never)).toThrow(TypeError);
    expect(() => monitor(async () => 1, { slowMs: -1 })).toThrow(/slowMs/);
    expect(() => monitor(async () => 1, { sink: 'console' as never })).toThrow(/options\.sink/);
  });
});
