// The deadline middleware without Lambda: a fake context's remaining time, fake timers, and middy's
// request object as the middleware sees it.
import type middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { deadline, DEADLINE_DEFAULTS } from '../../functions/middleware/deadline.js';

type TestContext = Context & Record<'deadline' | 'publishDeadline', AbortSignal>;

/** A request as middy hands it to a middleware; the context has only what the middleware reads (the signals come from it). */
function request(remainingMs: number): middy.Request<unknown, unknown, Error, TestContext> {
  const context = { getRemainingTimeInMillis: () => remainingMs } as unknown as TestContext;
  return { context, event: {}, response: null, error: null, internal: {} };
}

describe('deadline middleware', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('puts a signal on the context that fires the margin before the Lambda deadline', async () => {
    // Prepare
    const middleware = deadline({ marginMs: 4000 });
    const req = request(10_000);
    // Act
    await middleware.before?.(req);
    const signal = req.context.deadline;
    // Assess
    expect(signal).toBeInstanceOf(AbortSignal);
    vi.advanceTimersByTime(5_999);
    expect(signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(signal.aborted).toBe(true);
  });

  it('defaults to a 2 s margin under `deadline`, and takes another context key for a second margin', async () => {
    const req = request(3_000);
    await deadline().before?.(req);
    await deadline({ marginMs: 500, contextKey: 'publishDeadline' }).before?.(req);
    expect(DEADLINE_DEFAULTS).toEqual({ marginMs: 2000, contextKey: 'deadline' });
    vi.advanceTimersByTime(1_000);
    expect(req.context.deadline.aborted).toBe(true);
    expect(req.context.publishDeadline.aborted).toBe(false);
    vi.advanceTimersByTime(1_500);
    expect(req.context.publishDeadline.aborted).toBe(true);
  });

  it('fires at once when less time is left than the margin', async () => {
    const req = request(1_000);
    await deadline().before?.(req);
    vi.advanceTimersByTime(0);
    expect(req.context.deadline.aborted).toBe(true);
  });

  it('cancels its timer after the handler, on success and on error alike', async () => {
    const middleware = deadline();
    expect(middleware.after).toBe(middleware.onError);
    for (const end of [middleware.after, middleware.onError]) {
      const req = request(10_000);
      await middleware.before?.(req);
      await end?.(req);
      expect(vi.getTimerCount()).toBe(0);
      vi.advanceTimersByTime(10_000);
      expect(req.context.deadline.aborted).toBe(false);
    }
  });

  it('rejects an unknown option name and a negative margin', () => {
    expect(() => deadline({ marginMS: 1000 } as never)).toThrow("deadline middleware: unknown option 'marginMS' (known: marginMs, contextKey)");
    expect(() => deadline({ marginMs: -1 })).toThrow('deadline middleware: marginMs must be a number of ms ≥ 0, got -1');
  });
});
