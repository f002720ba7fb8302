import { describe, expect, it } from 'vitest';
import { Emitter } from '../../src/observe/Emitter.js';

interface Events {
  tick: { n: number };
  done: undefined;
}

describe('Emitter', () => {
  it('delivers each payload to the listeners of that event, in subscription order', () => {
    const events = new Emitter<Events>();
    const seen: string[] = [];
    events.on('tick', ({ n }) => seen.push(`a${n}`));
    events.on('tick', ({ n }) => seen.push(`b${n}`));
    events.on('done', () => seen.push('done'));
    events.emit('tick', { n: 1 });
    events.emit('done', undefined);
    expect(seen).toEqual(['a1', 'b1', 'done']);
  });

  it('stops calling a listener once its unsubscribe function is called, and a second call does nothing', () => {
    const events = new Emitter<Events>();
    const seen: number[] = [];
    const off = events.on('tick', ({ n }) => seen.push(n));
    const fn = ({ n }: { n: number }) => seen.push(n * 10);
    const offTwin = events.on('tick', fn);
    events.on('tick', fn);
    events.emit('tick', { n: 1 });
    off();
    off();
    offTwin();
    offTwin();
    events.emit('tick', { n: 2 });
    expect(seen).toEqual([1, 10, 10, 20]);
    expect(events.listenerCount('tick')).toBe(1);
  });

  it('skips a listener unsubscribed during delivery and holds a new one until the next event', () => {
    const events = new Emitter<Events>();
    const seen: string[] = [];
    let offB: () => void = () => {};
    events.on('tick', ({ n }) => {
      seen.push(`a${n}`);
      offB();
      events.on('tick', ({ n: m }) => seen.push(`late${m}`));
    });
    offB = events.on('tick', ({ n }) => seen.push(`b${n}`));
    events.emit('tick', { n: 1 });
    expect(seen).toEqual(['a1']);
    events.emit('tick', { n: 2 });
    expect(seen).toEqual(['a1', 'a2', 'late2']);
  });

  it('keeps delivering after a listener throws and hands the error to onListenerError', () => {
    const errors: [unknown, string][] = [];
    const events = new Emitter<Events>({ onListenerError: (error, event) => errors.push([error, event]) });
    const boom = new Error('boom');
    const seen: number[] = [];
    events.on('tick', () => {
      throw boom;
    });
    events.on('tick', ({ n }) => seen.push(n));
    expect(() => events.emit('tick', { n: 7 })).not.toThrow();
    expect(seen).toEqual([7]);
    expect(errors).toEqual([[boom, 'tick']]);
  });

  it('counts listeners per event and in total, and clear() removes them all', () => {
    const events = new Emitter<Events>();
    const seen: number[] = [];
    events.on('tick', ({ n }) => seen.push(n));
    events.on('done', () => seen.push(-1));
    expect(events.listenerCount('tick')).toBe(1);
    expect(events.listenerCount()).toBe(2);
    events.clear();
    events.emit('tick', { n: 1 });
    events.emit('done', undefined);
    expect(seen).toEqual([]);
    expect(events.listenerCount()).toBe(0);
  });

  it('does nothing when an event has no listener', () => {
    const events = new Emitter<Events>();
    expect(() => events.emit('tick', { n: 1 })).not.toThrow();
  });

  it('rejects a listener or an error handler that is not a function', () => {
    const events = new Emitter<Events>();
    expect(() => events.on('tick', 'nope' as never)).toThrow(TypeError);
    expect(() => new Emitter({ onListenerError: 42 as never })).toThrow(/onListenerError/);
  });
});
