import { describe, expect, it } from 'vitest';
import { TimeoutError, WorkerError } from '../../src/redis/index.js';
import { assertSerializable, decodeError, encodeError } from '../../src/redis/wire.js';

describe('the wire format of DistributedExecutor', () => {
  it('carries an error across as its own class with message, code and stack', () => {
    const original = Object.assign(new TypeError('bad'), { code: 'E_BAD' });
    const revived = decodeError(encodeError(original).message, 'q', '1');
    expect(revived).toBeInstanceOf(TypeError);
    expect(revived).toMatchObject({ message: 'bad', code: 'E_BAD', stack: original.stack });
    expect(decodeError(encodeError(new TimeoutError()).message, 'q', '1')).toBeInstanceOf(TimeoutError);
  });

  it('turns a reason BullMQ wrote itself (a job stalled too often) into a WorkerError', () => {
    const error = decodeError('job stalled more than allowable limit', 'thumbnails', '42');
    expect(error).toBeInstanceOf(WorkerError);
    expect(error.message).toMatch(/Job 42 of DistributedExecutor "thumbnails"/);
    expect((error.cause as Error).message).toBe('job stalled more than allowable limit');
  });

  it('accepts plain JSON data and names the first value JSON would not carry', () => {
    expect(() => assertSerializable('data', { a: [1, 'x', null, { b: true }], d: new Date() })).not.toThrow();
    expect(() => assertSerializable('data', { a: [1, undefined] })).toThrow(/the value\.a\[1\] is undefined/);
    expect(() => assertSerializable('data', { n: Number.NaN })).toThrow(/the value\.n is NaN/);
    expect(() => assertSerializable('data', new Map())).toThrow(/a Map/);
    expect(() => assertSerializable('data', Symbol('s'))).toThrow(/Symbol\(s\)/);
  });
});
