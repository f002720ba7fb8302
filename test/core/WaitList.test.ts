import { describe, expect, it } from 'vitest';
import { TimeoutError } from '../../src/core/errors.js';
import { WaitList } from '../../src/core/WaitList.js';
import { fakeClock } from '../support/leakCheck.js';

describe('WaitList', () => {
  it('grants waiters in FIFO order', async () => {
    const clock = fakeClock();
    const list = new WaitList<string, number>();
    const a = list.wait(undefined, clock, 1);
    const b = list.wait(undefined, clock, 2);
    expect(list.size).toBe(2);
    expect(list.peek()).toBe(1);
    list.grant('first');
    list.grant('second');
    expect(await a).toBe('first');
    expect(await b).toBe('second');
    expect(list.grant('nobody')).toBe(false);
  });

  it('removes an aborted waiter at once and rejects with the reason unchanged', async () => {
    const clock = fakeClock();
    const list = new WaitList<string>();
    const c = new AbortController();
    const cancelled: unknown[] = [];
    const a = list.wait({ signal: c.signal }, clock, undefined, (_d, e) => cancelled.push(e));
    const b = list.wait(undefined, clock, undefined);
    const reason = { why: 'stop' };
    c.abort(reason);
    await expect(a).rejects.toBe(reason);
    expect(cancelled).toEqual([reason]);
    expect(list.size).toBe(1);
    list.grant('b');
    expect(await b).toBe('b');
  });

  it('rejects with TimeoutError when the timeout passes, and a grant clears the timer', async () => {
    const clock = fakeClock();
    const list = new WaitList<string>();
    const a = list.wait({ timeout: 100 }, clock, undefined);
    const b = list.wait({ timeout: 200 }, clock, undefined);
    const timedOut = expect(a).rejects.toBeInstanceOf(TimeoutError);
    await clock.advance(100);
    await timedOut;
    list.grant('b');
    expect(await b).toBe('b');
    expect(clock.pending()).toEqual([]);
  });

  it('rejects at once without parking when the signal is already aborted', async () => {
    const clock = fakeClock();
    const list = new WaitList<string>();
    const p = list.wait({ signal: AbortSignal.abort('gone') }, clock, undefined);
    expect(list.size).toBe(0);
    await expect(p).rejects.toBe('gone');
  });

  it('ignores an abort after the grant', async () => {
    const clock = fakeClock();
    const list = new WaitList<string>();
    const c = new AbortController();
    const p = list.wait({ signal: c.signal }, clock, undefined);
    list.grant('mine');
    c.abort();
    expect(await p).toBe('mine');
  });
});
