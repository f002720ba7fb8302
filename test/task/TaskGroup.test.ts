import { AsyncLocalStorage } from 'node:async_hooks';
import { describe, expect, it, vi } from 'vitest';
import { CancelledError, TimeoutError } from '../../src/core/errors.js';
import type { AsyncTask } from '../../src/task/AsyncTask.js';
import { TaskGroup, taskGroup } from '../../src/task/TaskGroup.js';
import { sleep } from '../../src/time/sleep.js';
import { fakeClock } from '../support/leakCheck.js';
import { deferred, flush, neverSettles, track, until } from '../support/work.js';

describe('taskGroup', () => {
  it('resolves to the body result once every child has finished', async () => {
    const gate = deferred();
    const seen: string[] = [];
    const run = taskGroup(async (tg) => {
      tg.createTask(async (signal) => seen.push(await until(gate.promise, signal, 'a')));
      tg.createTask(async (signal) => seen.push(await until(gate.promise, signal, 'b')));
      return 'body';
    });
    const state = track(run);
    await flush();
    expect(state.settled).toBe(false);
    gate.resolve();
    await expect(run).resolves.toBe('body');
    expect(seen).toEqual(['a', 'b']);
  });

  it('aborts the siblings and the body with a CancelledError caused by the first failure', async () => {
    const boom = new Error('boom');
    const fail = deferred();
    let siblingReason: unknown;
    let bodyReason: unknown;
    let group: TaskGroup | undefined;
    const run = taskGroup(async (tg) => {
      group = tg;
      tg.createTask(async (signal) => {
        try {
          await neverSettles(signal);
        } catch (error) {
          siblingReason = error;
          throw error;
        }
      });
      tg.createTask(async () => {
        await fail.promise;
        throw boom;
      });
      try {
        await neverSettles(tg.signal);
      } catch (error) {
        bodyReason = error;
        throw error;
      }
    });
    fail.resolve();
    await expect(run).rejects.toBe(boom);
    expect(siblingReason).toBeInstanceOf(CancelledError);
    expect((siblingReason as CancelledError).cause).toBe(boom);
    expect(bodyReason).toBe(siblingReason);
    expect(group!.signal.aborted).toBe(true);
    expect(group!.errors).toEqual([boom]);
  });

  it('settles only after a child that ignores its signal has finished its work', async () => {
    const late = deferred();
    const finished: string[] = [];
    const run = taskGroup(async (tg) => {
      tg.createTask(async () => {
        await late.promise; // ignores its signal on purpose
        finished.push('stubborn');
      });
      tg.createTask(() => Promise.reject(new Error('first')));
    });
    const state = track(run);
    await flush();
    expect(state.settled).toBe(false);
    expect(finished).toEqual([]);
    late.resolve();
    await expect(run).rejects.toThrow('first');
    expect(finished).toEqual(['stubborn']);
  });

  it('lists every non-cancellation error in tg.errors, in the order they happened', async () => {
    const first = new Error('first');
    const unwinding = new Error('cleanup failed');
    let group: TaskGroup | undefined;
    const run = taskGroup((tg) => {
      group = tg;
      tg.createTask(async (signal) => {
        await neverSettles(signal).catch(() => {});
        throw unwinding;
      });
      tg.createTask(async (signal) => neverSettles(signal)); // rejects with its cancellation: not listed
      tg.createTask(() => Promise.reject(first));
    });
    await expect(run).rejects.toBe(first);
    expect(group!.errors).toEqual([first, unwinding]);
  });

  it('does not fail when one child is cancelled', async () => {
    const gate = deferred();
    let cancelled: Promise<unknown> | undefined;
    const run = taskGroup(async (tg) => {
      const victim = tg.createTask(async (signal) => neverSettles(signal));
      const keeper = tg.createTask(async (signal) => until(gate.promise, signal, 'kept'));
      cancelled = victim.execute().catch((error: unknown) => error);
      victim.cancel();
      expect(victim.status).toBe('cancelled');
      gate.resolve();
      return keeper;
    });
    await expect(run).resolves.toBe('kept');
    expect(await cancelled).toBeInstanceOf(CancelledError);
  });

  it('does not fail when a child rejects with a cancellation of its own', async () => {
    const run = taskGroup((tg) => {
      const t = tg.createTask(() => Promise.reject(new CancelledError('not a failure')));
      t.catch(() => {});
      return 'fine';
    });
    await expect(run).resolves.toBe('fine');
  });

  it('rejects with the external abort reason unchanged and keeps errors thrown while unwinding', async () => {
    const controller = new AbortController();
    const reason = { why: 'user left' };
    const unwinding = new Error('unwinding');
    const childReasons: unknown[] = [];
    let group: TaskGroup | undefined;
    const run = taskGroup(
      async (tg) => {
        group = tg;
        tg.createTask(async (signal) => {
          await neverSettles(signal).catch((e: unknown) => childReasons.push(e));
          throw unwinding;
        });
        tg.createTask(async (signal) => neverSettles(signal).catch((e: unknown) => childReasons.push(e)));
        await neverSettles(tg.signal);
      },
      { signal: controller.signal },
    );
    await flush();
    controller.abort(reason);
    await expect(run).rejects.toBe(reason);
    expect(childReasons).toEqual([reason, reason]);
    expect(group!.signal.reason).toBe(reason);
    expect(group!.errors).toEqual([unwinding]);
  });

  it('rejects at once without running the body when the signal is already aborted', async () => {
    let ran = false;
    const run = taskGroup(
      () => {
        ran = true;
      },
      { signal: AbortSignal.abort('early') },
    );
    await expect(run).rejects.toBe('early');
    expect(ran).toBe(false);
  });

  it('awaits children spawned while the group drains', async () => {
    const gate = deferred();
    const order: string[] = [];
    const run = taskGroup((tg) => {
      tg.createTask(async (signal) => {
        await until(gate.promise, signal, undefined);
        tg.createTask(async () => {
          await flush();
          order.push('grandchild');
        });
        order.push('child');
      });
      return 'body done';
    });
    await flush();
    gate.resolve();
    await expect(run).resolves.toBe('body done');
    expect(order).toEqual(['child', 'grandchild']);
  });

  it('throws from createTask once the group has settled', async () => {
    let group: TaskGroup | undefined;
    await taskGroup((tg) => {
      group = tg;
    });
    expect(() => group!.createTask(() => 1)).toThrow(Error);
    expect(() => group!.createTask(() => 1)).toThrow(/already settled/);
  });

  it('returns an already-cancelled task that never runs from createTask while the group aborts', async () => {
    const boom = new Error('boom');
    const stubborn = deferred();
    let group: TaskGroup | undefined;
    const run = taskGroup((tg) => {
      group = tg;
      tg.createTask(() => stubborn.promise); // keeps the aborting group from settling
      tg.createTask(() => Promise.reject(boom));
    });
    await flush();
    expect(group!.signal.aborted).toBe(true);
    let ran = false;
    const late = group!.createTask(() => {
      ran = true;
    });
    expect(late.status).toBe('cancelled');
    expect(late.error).toBe(group!.signal.reason);
    expect(ran).toBe(false);
    stubborn.resolve();
    await expect(run).rejects.toBe(boom);
  });

  it('fails the parent with the first error of a nested group that fails', async () => {
    const inner = new Error('inner failure');
    let parentSibling: unknown;
    const run = taskGroup((outer) => {
      outer.createTask((signal) =>
        taskGroup(
          (tg) => {
            tg.createTask(async (s) => neverSettles(s));
            tg.createTask(() => Promise.reject(inner));
          },
          { signal },
        ),
      );
      outer.createTask(async (signal) => neverSettles(signal).catch((e: unknown) => (parentSibling = e)));
    });
    await expect(run).rejects.toBe(inner);
    expect((parentSibling as Error).cause).toBe(inner);
  });

  it('fails the group with TimeoutError when a child outlives its timeout', async () => {
    const clock = fakeClock();
    let group: TaskGroup | undefined;
    const run = taskGroup(
      (tg) => {
        group = tg;
        tg.createTask(async (signal) => neverSettles(signal), { timeout: 100, name: 'slow' });
      },
      { clock },
    );
    const failed = expect(run).rejects.toBeInstanceOf(TimeoutError);
    await clock.advance(99);
    expect(group!.signal.aborted).toBe(false);
    await clock.advance(1);
    await failed;
    expect(group!.errors).toHaveLength(1);
  });

  it('fails the group when the body throws, aborting the children first', async () => {
    const bodyError = new Error('body');
    let childReason: unknown;
    let group: TaskGroup | undefined;
    const run = taskGroup((tg) => {
      group = tg;
      tg.createTask(async (signal) => neverSettles(signal).catch((e: unknown) => (childReason = e)));
      throw bodyError;
    });
    await expect(run).rejects.toBe(bodyError);
    expect((childReason as Error).cause).toBe(bodyError);
    expect(group!.errors).toEqual([bodyError]);
  });

  it('lists a child error once when the body rethrows it after awaiting the child', async () => {
    const boom = new Error('boom');
    let group: TaskGroup | undefined;
    const run = taskGroup(async (tg) => {
      group = tg;
      await tg.createTask(() => Promise.reject(boom));
    });
    await expect(run).rejects.toBe(boom);
    expect(group!.errors).toEqual([boom]);
  });

  it('fails the group when a child throws synchronously', async () => {
    const boom = new Error('sync');
    const run = taskGroup((tg) => {
      tg.createTask(() => {
        throw boom;
      });
    });
    await expect(run).rejects.toBe(boom);
  });

  it('lets the body wait on tg.signal so its sleeps stop with the group', async () => {
    const clock = fakeClock();
    const boom = new Error('boom');
    const run = taskGroup(
      async (tg) => {
        tg.createTask(async (signal) => {
          await sleep(10, { clock, signal });
          throw boom;
        });
        await sleep(1000, { clock, signal: tg.signal });
        return 'never';
      },
      { clock },
    );
    const failed = expect(run).rejects.toBe(boom);
    await clock.advance(10);
    await failed;
  });

  it('throws TypeError or RangeError synchronously on bad input', () => {
    expect(() => taskGroup(42 as never)).toThrow(TypeError);
    expect(() => taskGroup(() => {}, { signal: 'x' as never })).toThrow(TypeError);
    expect(() => new TaskGroup({ clock: {} as never })).toThrow(TypeError);
    const tg = new TaskGroup();
    expect(() => tg.createTask('nope' as never)).toThrow(/createTask fn must be a function/);
    expect(() => tg.createTask(() => 1, { timeout: Number.NaN })).toThrow(RangeError);
    expect(() => tg.createTask(() => 1, { name: 3 as never })).toThrow(TypeError);
    return tg.join();
  });
});

describe('TaskGroup class form', () => {
  it('waits for the children at the end of an await using block', async () => {
    const gate = deferred();
    const done: string[] = [];
    const block = (async () => {
      await using tg = new TaskGroup();
      tg.createTask(async (signal) => done.push(await until(gate.promise, signal, 'child')));
      done.push('block end');
    })();
    const state = track(block);
    await flush();
    expect(done).toEqual(['block end']);
    expect(state.settled).toBe(false);
    gate.resolve();
    await block;
    expect(done).toEqual(['block end', 'child']);
  });

  it('throws the group error from the end of an await using block', async () => {
    const boom = new Error('boom');
    const block = (async () => {
      await using tg = new TaskGroup();
      tg.createTask(() => Promise.reject(boom));
    })();
    await expect(block).rejects.toBe(boom);
  });

  it('settles through join(), which returns the same promise every time', async () => {
    const tg = new TaskGroup();
    const t = tg.createTask(async () => 7);
    const joined = tg.join();
    expect(tg.join()).toBe(joined);
    expect(tg[Symbol.asyncDispose]()).toBe(joined);
    await joined;
    expect(await t).toBe(7);
    expect(tg.errors).toEqual([]);
  });

  it('removes its listener from the external signal once it settles', async () => {
    const controller = new AbortController();
    const tg = new TaskGroup({ signal: controller.signal });
    tg.createTask(async () => 1);
    await tg.join();
    // The leak check would report a listener left on this live signal; aborting now changes nothing.
    controller.abort();
    expect(tg.signal.aborted).toBe(false);
  });
});

describe('TaskGroup timeout', () => {
  it('aborts every child with a TimeoutError when the deadline passes and rejects with it after they settle', async () => {
    const clock = fakeClock();
    const reasons: unknown[] = [];
    const group = taskGroup(
      async (tg) => {
        for (let i = 0; i < 2; i++)
          tg.createTask(async (signal) => {
            await neverSettles(signal).catch((e: unknown) => {
              reasons.push(e);
              throw e;
            });
          });
      },
      { timeout: 50, clock },
    );
    const rejected = expect(group).rejects.toBeInstanceOf(TimeoutError);
    await clock.advance(49);
    expect(reasons).toEqual([]);
    await clock.advance(1);
    await rejected;
    expect(reasons).toHaveLength(2);
    for (const r of reasons) expect(r).toBeInstanceOf(TimeoutError);
  });

  it('clears its deadline timer when it finishes first', async () => {
    const clock = fakeClock();
    expect(await taskGroup(async () => 'done', { timeout: 1000, clock })).toBe('done');
    expect(clock.pending()).toEqual([]);
  });

  it('throws RangeError for a NaN timeout', () => {
    expect(() => new TaskGroup({ timeout: Number.NaN })).toThrow(RangeError);
  });
});

describe('TaskGroup, as SPEC states it', () => {
  it('taskGroup(body) resolves to the body result after every child settled; children are started by the group', async () => {
    const gate = deferred();
    const fn = vi.fn((signal: AbortSignal) => until(gate.promise, signal, 'child'));
    let child: AsyncTask<string> | undefined;
    const run = taskGroup((tg) => {
      child = tg.createTask(fn, { name: 'kid' });
      return 'body';
    });
    const state = track(run);
    await flush();
    expect(fn).toHaveBeenCalledTimes(1);
    expect(child?.name).toBe('kid');
    expect(state.settled).toBe(false);
    gate.resolve();
    expect(await run).toBe('body');
    expect(child?.result).toBe('child');
  });

  it('a failing child aborts its siblings, the body and tg.signal; the group rejects with that error after all children settle', async () => {
    const boom = new Error('boom');
    const cleanup = deferred();
    let siblingReason: unknown;
    let bodyReason: unknown;
    let group: TaskGroup | undefined;
    const run = taskGroup(async (tg) => {
      group = tg;
      tg.createTask(async (signal) => {
        await neverSettles(signal).catch((e: unknown) => {
          siblingReason = e;
        });
        await cleanup.promise;
      });
      tg.createTask(async () => {
        await Promise.resolve();
        throw boom;
      });
      await neverSettles(tg.signal).catch((e: unknown) => {
        bodyReason = e;
      });
    });
    const state = track(run);
    await flush();
    expect(siblingReason).toBeInstanceOf(CancelledError);
    expect(bodyReason).toBeInstanceOf(CancelledError);
    expect(group?.signal.aborted).toBe(true);
    expect(state.settled).toBe(false);
    cleanup.resolve();
    await expect(run).rejects.toBe(boom);
    expect(group?.errors).toEqual([boom]);
  });

  it('tg.errors lists every child error; siblings cancellation errors are not failures', async () => {
    const e1 = new Error('e1');
    const e2 = new Error('e2');
    let group: TaskGroup | undefined;
    const run = taskGroup(async (tg) => {
      group = tg;
      tg.createTask(async () => {
        await Promise.resolve();
        throw e1;
      });
      tg.createTask(async (signal) => {
        await neverSettles(signal).catch(() => undefined);
        throw e2;
      });
      tg.createTask((signal) => neverSettles(signal)); // rejects with the abort reason: a cancellation
      tg.createTask(async (signal) => {
        await neverSettles(signal).catch(() => undefined);
        throw new CancelledError();
      });
    });
    await expect(run).rejects.toBe(e1);
    expect(group?.errors).toEqual([e1, e2]);
  });

  it('a throwing body fails the group: children abort and the group rejects with the body error', async () => {
    const bad = new Error('body');
    let childReason: unknown;
    let group: TaskGroup | undefined;
    const run = taskGroup(async (tg) => {
      group = tg;
      tg.createTask((signal) =>
        neverSettles(signal).catch((e: unknown) => {
          childReason = e;
          throw e;
        }),
      );
      await Promise.resolve();
      throw bad;
    });
    await expect(run).rejects.toBe(bad);
    expect(childReason).toBeInstanceOf(CancelledError);
    expect(group?.signal.aborted).toBe(true);
  });

  it('an external abort aborts body and children at once, rejects with signal.reason unchanged, and keeps unwinding errors in tg.errors', async () => {
    const controller = new AbortController();
    const reason = { external: true };
    const unwind = new Error('cleanup failed');
    const seen: unknown[] = [];
    let group: TaskGroup | undefined;
    const run = taskGroup(
      async (tg) => {
        group = tg;
        tg.createTask(async (signal) => {
          await neverSettles(signal).catch((e: unknown) => seen.push(e));
          throw unwind;
        });
        await neverSettles(tg.signal).catch((e: unknown) => seen.push(e));
      },
      { signal: controller.signal },
    );
    await flush();
    controller.abort(reason);
    expect(group?.signal.reason).toBe(reason);
    await expect(run).rejects.toBe(reason);
    expect(seen).toEqual([reason, reason]);
    expect(group?.errors).toEqual([unwind]);
  });

  it('taskGroup with an already aborted signal rejects with its reason', async () => {
    await expect(taskGroup(() => 1, { signal: AbortSignal.abort('gone') })).rejects.toBe('gone');
  });

  it('createTask returns an already-cancelled task while the group aborts and throws after it settled', async () => {
    const boom = new Error('boom');
    let group: TaskGroup | undefined;
    let late: AsyncTask<unknown> | undefined;
    const lateFn = vi.fn();
    const run = taskGroup(async (tg) => {
      group = tg;
      tg.createTask(async () => {
        throw boom;
      });
      await neverSettles(tg.signal).catch(() => undefined);
      late = tg.createTask(lateFn);
    });
    await expect(run).rejects.toBe(boom);
    expect(late?.status).toBe('cancelled');
    await expect(late).rejects.toBeDefined();
    expect(lateFn).not.toHaveBeenCalled();
    expect(() => group!.createTask(() => 1)).toThrow(Error);
  });

  it('a nested group that fails is a failing child of its parent: the parent rejects with the inner first error', async () => {
    const inner = new Error('inner');
    const run = taskGroup(async (outer) => {
      outer.createTask(() =>
        taskGroup(async (tg) => {
          tg.createTask(async () => {
            throw inner;
          });
        }),
      );
      outer.createTask((signal) => neverSettles(signal));
    });
    await expect(run).rejects.toBe(inner);
  });

  it('await using tg = new TaskGroup() waits for the children and throws the first failure', async () => {
    const clock = fakeClock();
    const seen: string[] = [];
    const ok = (async () => {
      await using tg = new TaskGroup({ clock });
      tg.createTask(() => sleep(10, { clock }).then(() => seen.push('child')));
    })();
    const state = track(ok);
    await clock.advance(5);
    expect(state.settled).toBe(false);
    await clock.advance(5);
    await ok;
    expect(seen).toEqual(['child']);

    const boom = new Error('boom');
    const failing = (async () => {
      await using tg = new TaskGroup();
      tg.createTask(async () => {
        throw boom;
      });
    })();
    await expect(failing).rejects.toBe(boom);
  });

  it('children see the AsyncLocalStorage context of the code that created them', async () => {
    const als = new AsyncLocalStorage<string>();
    const value = await als.run('group', () =>
      taskGroup(async (tg) => {
        const t = tg.createTask(async () => {
          await Promise.resolve();
          return als.getStore();
        });
        return t;
      }),
    );
    expect(value).toBe('group');
  });
});
