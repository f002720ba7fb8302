import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/Clock.js';
import {
  assertFunction,
  assertObject,
  assertSource,
  booleanOption,
  clockOption,
  concurrencyOption,
  describe as describeValue,
  durationOption,
  finiteOption,
  functionOption,
  integerOption,
  isThenable,
  limiterOption,
  optionsBag,
  signalOption,
  stringOption,
  timeoutOption,
  waitOptions,
} from '../../src/core/validate.js';
import { fakeClock } from '../support/leakCheck.js';

const inf = Number.POSITIVE_INFINITY;

/** Runs `fn`, expecting it to throw an error of class `type` whose message is exactly `message`. */
function throws(fn: () => unknown, type: typeof TypeError | typeof RangeError, message: string): void {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(type);
  expect((thrown as Error).message).toBe(message);
}

describe('describe (how a received value is shown in messages)', () => {
  it('shows strings quoted, functions by name, bigints and symbols, arrays by length and objects by class', () => {
    expect(describeValue('x')).toBe('"x"');
    expect(describeValue(function named() {})).toBe('function named');
    expect(describeValue(() => {})).toBe('function (anonymous)');
    expect(describeValue(3n)).toBe('3n');
    expect(describeValue(Symbol('s'))).toBe('Symbol(s)');
    expect(describeValue(null)).toBe('null');
    expect(describeValue(undefined)).toBe('undefined');
    expect(describeValue(Number.NaN)).toBe('NaN');
    expect(describeValue([1, 2])).toBe('an array of length 2');
    expect(describeValue({})).toBe('an object');
    expect(describeValue(Object.create(null))).toBe('an object');
    expect(describeValue(new Map())).toBe('a Map');
  });
});

describe('assertFunction and assertObject', () => {
  it('accept a function and an object, and name the option and value otherwise', () => {
    expect(() => assertFunction('fn', () => 1)).not.toThrow();
    throws(() => assertFunction('X fn', 42), TypeError, 'X fn must be a function, got 42.');
    expect(() => assertObject('opts', {})).not.toThrow();
    expect(() => assertObject('opts', [])).not.toThrow();
    throws(() => assertObject('X opts', null), TypeError, 'X opts must be an object, got null.');
    throws(() => assertObject('X opts', 'a'), TypeError, 'X opts must be an object, got "a".');
  });
});

describe('concurrencyOption', () => {
  it('accepts integers >= 1 and Infinity, and gives the fallback for undefined', () => {
    expect(concurrencyOption('c', undefined, 7)).toBe(7);
    expect(concurrencyOption('c', 1, 7)).toBe(1);
    expect(concurrencyOption('c', 64, 7)).toBe(64);
    expect(concurrencyOption('c', inf, 7)).toBe(inf);
  });

  it('throws a TypeError for a non-number and a RangeError for NaN, 0, fractions and -Infinity', () => {
    throws(
      () => concurrencyOption('X concurrency', '2', 1),
      TypeError,
      'X concurrency must be a number, got "2".',
    );
    throws(
      () => concurrencyOption('X concurrency', Number.NaN, 1),
      RangeError,
      'X concurrency must not be NaN.',
    );
    for (const [bad, shown] of [
      [0, '0'],
      [1.5, '1.5'],
      [-1, '-1'],
      [-inf, '-Infinity'],
    ] as const)
      throws(
        () => concurrencyOption('X concurrency', bad, 1),
        RangeError,
        `X concurrency must be an integer >= 1 or Infinity, got ${shown}.`,
      );
  });
});

describe('timeoutOption', () => {
  it('accepts any number but NaN, 0 and negatives included, and reads undefined as Infinity', () => {
    expect(timeoutOption('t', undefined)).toBe(inf);
    expect(timeoutOption('t', 0)).toBe(0);
    expect(timeoutOption('t', -5)).toBe(-5);
    expect(timeoutOption('t', 250)).toBe(250);
    expect(timeoutOption('t', inf)).toBe(inf);
  });

  it('throws a TypeError for a non-number and a RangeError for NaN', () => {
    throws(() => timeoutOption('X timeout', null), TypeError, 'X timeout must be a number, got null.');
    throws(() => timeoutOption('X timeout', Number.NaN), RangeError, 'X timeout must not be NaN.');
  });
});

describe('durationOption', () => {
  it('accepts durations >= 0 and Infinity, and gives the fallback for undefined', () => {
    expect(durationOption('d', undefined, 10)).toBe(10);
    expect(durationOption('d', 0, 10)).toBe(0);
    expect(durationOption('d', 2.5, 10)).toBe(2.5);
    expect(durationOption('d', inf, 10)).toBe(inf);
  });

  it('throws a RangeError for a negative duration or NaN and a TypeError for a non-number', () => {
    throws(() => durationOption('X maxWait', -1, 10), RangeError, 'X maxWait must be >= 0 ms, got -1.');
    throws(() => durationOption('X maxWait', Number.NaN, 10), RangeError, 'X maxWait must not be NaN.');
    throws(() => durationOption('X maxWait', true, 10), TypeError, 'X maxWait must be a number, got true.');
  });
});

describe('finiteOption', () => {
  it('accepts finite numbers and gives the fallback for undefined', () => {
    expect(finiteOption('f', undefined, 3)).toBe(3);
    expect(finiteOption('f', -2, 3)).toBe(-2);
  });

  it('throws a RangeError for Infinity and NaN and a TypeError for a non-number', () => {
    throws(
      () => finiteOption('X start', inf, 0),
      RangeError,
      'X start must be a finite number, got Infinity.',
    );
    throws(() => finiteOption('X start', Number.NaN, 0), RangeError, 'X start must not be NaN.');
    throws(() => finiteOption('X start', {}, 0), TypeError, 'X start must be a number, got an object.');
  });
});

describe('integerOption', () => {
  it('accepts integers >= min, Infinity only when allowed, and gives the fallback for undefined', () => {
    expect(integerOption('i', undefined, 4)).toBe(4);
    expect(integerOption('i', 0, 4)).toBe(0);
    expect(integerOption('i', 5, 4, 5)).toBe(5);
    expect(integerOption('i', inf, 4, 0, true)).toBe(inf);
  });

  it('throws a RangeError naming min (and Infinity when allowed) for values below it, fractions and Infinity', () => {
    throws(() => integerOption('X n', -1, 0), RangeError, 'X n must be an integer >= 0, got -1.');
    throws(() => integerOption('X n', 0.5, 0, 1), RangeError, 'X n must be an integer >= 1, got 0.5.');
    throws(() => integerOption('X n', inf, 0), RangeError, 'X n must be an integer >= 0, got Infinity.');
    throws(
      () => integerOption('X n', -2, 0, 0, true),
      RangeError,
      'X n must be an integer >= 0 or Infinity, got -2.',
    );
    throws(() => integerOption('X n', '1', 0), TypeError, 'X n must be a number, got "1".');
  });
});

describe('signalOption', () => {
  it('accepts an AbortSignal and undefined', () => {
    const signal = new AbortController().signal;
    expect(signalOption('s', signal)).toBe(signal);
    expect(signalOption('s', undefined)).toBeUndefined();
  });

  it('throws a TypeError for anything else, naming the option and value', () => {
    throws(() => signalOption('X signal', {}), TypeError, 'X signal must be an AbortSignal, got an object.');
    throws(() => signalOption('X signal', null), TypeError, 'X signal must be an AbortSignal, got null.');
    throws(
      () => signalOption('X signal', { aborted: false }),
      TypeError,
      'X signal must be an AbortSignal, got an object.',
    );
  });
});

describe('clockOption', () => {
  it('accepts a Clock and gives the system clock for undefined', () => {
    const clock = fakeClock();
    expect(clockOption('c', clock)).toBe(clock);
    expect(clockOption('c', undefined)).toBe(systemClock);
  });

  it('throws a TypeError for anything without now(), setTimeout() and clearTimeout()', () => {
    const message = 'X clock must be a Clock with now(), setTimeout() and clearTimeout(), got';
    throws(() => clockOption('X clock', 1), TypeError, `${message} 1.`);
    throws(() => clockOption('X clock', { now: () => 0 }), TypeError, `${message} an object.`);
    throws(() => clockOption('X clock', null), TypeError, `${message} null.`);
  });
});

describe('optionsBag', () => {
  it('gives {} for undefined and the object itself otherwise', () => {
    expect(optionsBag('o', undefined)).toEqual({});
    const bag = { a: 1 };
    expect(optionsBag('o', bag)).toBe(bag);
  });

  it('throws a TypeError for a non-object', () => {
    throws(() => optionsBag('X options', 5 as never), TypeError, 'X options must be an object, got 5.');
  });
});

describe('assertSource', () => {
  it('accepts iterables and async iterables', () => {
    expect(() => assertSource('src', [1])).not.toThrow();
    expect(() => assertSource('src', 'abc')).not.toThrow();
    expect(() => assertSource('src', (async function* () {})())).not.toThrow();
  });

  it('throws a TypeError for anything else', () => {
    throws(
      () => assertSource('X items', 3),
      TypeError,
      'X items must be an Iterable or AsyncIterable, got 3.',
    );
    throws(
      () => assertSource('X items', undefined),
      TypeError,
      'X items must be an Iterable or AsyncIterable, got undefined.',
    );
  });
});

describe('booleanOption', () => {
  it('accepts true and false and gives the fallback for undefined', () => {
    expect(booleanOption('b', true, false)).toBe(true);
    expect(booleanOption('b', false, true)).toBe(false);
    expect(booleanOption('b', undefined, true)).toBe(true);
  });

  it('throws a TypeError for truthy or falsy non-booleans', () => {
    throws(() => booleanOption('X immediate', 1, false), TypeError, 'X immediate must be a boolean, got 1.');
    throws(
      () => booleanOption('X immediate', 'yes', false),
      TypeError,
      'X immediate must be a boolean, got "yes".',
    );
    throws(
      () => booleanOption('X immediate', null, false),
      TypeError,
      'X immediate must be a boolean, got null.',
    );
  });
});

describe('stringOption', () => {
  it('accepts strings (the empty one too) and undefined', () => {
    expect(stringOption('s', 'job')).toBe('job');
    expect(stringOption('s', '')).toBe('');
    expect(stringOption('s', undefined)).toBeUndefined();
  });

  it('throws a TypeError for anything else', () => {
    throws(() => stringOption('X name', 7), TypeError, 'X name must be a string, got 7.');
    throws(() => stringOption('X name', null), TypeError, 'X name must be a string, got null.');
  });
});

describe('functionOption', () => {
  it('accepts a function and undefined', () => {
    const fn = () => 1;
    expect(functionOption('f', fn)).toBe(fn);
    expect(functionOption('f', undefined)).toBeUndefined();
  });

  it('throws a TypeError for anything else', () => {
    throws(() => functionOption('X onError', 'log'), TypeError, 'X onError must be a function, got "log".');
    throws(() => functionOption('X onError', {}), TypeError, 'X onError must be a function, got an object.');
  });
});

describe('waitOptions', () => {
  it('keeps undefined as undefined and an unset timeout unset', () => {
    expect(waitOptions('Thing.wait', undefined)).toBeUndefined();
    expect(waitOptions('Thing.wait', {})).toEqual({ signal: undefined, timeout: undefined });
  });

  it('returns the checked signal and timeout', () => {
    const signal = new AbortController().signal;
    const o = waitOptions('Thing.wait', { signal, timeout: 0 });
    expect(o?.signal).toBe(signal);
    expect(o?.timeout).toBe(0);
  });

  it('names the method in each message: a non-object, a bad signal, a NaN or non-number timeout', () => {
    throws(
      () => waitOptions('Thing.wait', 3 as never),
      TypeError,
      'Thing.wait options must be an object, got 3.',
    );
    throws(
      () => waitOptions('Thing.wait', { signal: 'x' as never }),
      TypeError,
      'Thing.wait options.signal must be an AbortSignal, got "x".',
    );
    throws(
      () => waitOptions('Thing.wait', { timeout: Number.NaN }),
      RangeError,
      'Thing.wait options.timeout must not be NaN.',
    );
    throws(
      () => waitOptions('Thing.wait', { timeout: '5' as never }),
      TypeError,
      'Thing.wait options.timeout must be a number, got "5".',
    );
  });
});

describe('limiterOption', () => {
  it('accepts anything with acquire() and undefined', () => {
    const limiter = { acquire: async () => {} };
    expect(limiterOption('l', limiter)).toBe(limiter);
    expect(limiterOption('l', undefined)).toBeUndefined();
  });

  it('throws a TypeError for anything without acquire()', () => {
    const message = 'X limiter must be an object with acquire(tokens, options), got';
    throws(() => limiterOption('X limiter', {}), TypeError, `${message} an object.`);
    throws(() => limiterOption('X limiter', null), TypeError, `${message} null.`);
    throws(() => limiterOption('X limiter', () => {}), TypeError, `${message} function (anonymous).`);
  });
});

describe('isThenable', () => {
  // Thenables built without a `then` literal, which the linter rightly flags elsewhere.
  const withThen = <T extends object>(target: T, then: unknown): T =>
    Object.defineProperty(target, 'then', { value: then });

  it('is true for promises and any object or function with a then method', () => {
    expect(isThenable(Promise.resolve(1))).toBe(true);
    expect(isThenable(withThen({}, () => {}))).toBe(true);
    expect(
      isThenable(
        withThen(
          () => {},
          () => {},
        ),
      ),
    ).toBe(true);
  });

  it('is false for plain values, null, and a then that is not a function', () => {
    expect(isThenable(undefined)).toBe(false);
    expect(isThenable(null)).toBe(false);
    expect(isThenable(1)).toBe(false);
    expect(isThenable('then')).toBe(false);
    expect(isThenable(withThen({}, 1))).toBe(false);
    expect(isThenable(() => {})).toBe(false);
  });
});
