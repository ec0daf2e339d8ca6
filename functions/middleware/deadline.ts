// The invocation's deadline as an AbortSignal on the context: it fires `marginMs` before Lambda would
// stop the function, so the work in flight is cut short by us (AWS calls abort, probes report what they
// saw, retries stop) and the handler still logs and returns, instead of being frozen mid-write. Ours
// rather than middy's `timeoutEarlyInMillis`, which answers in the handler's place when it fires.
//
// Two margins for one invocation (the probe function stops probing 4 s before the end, and publishing
// 1 s before) are two instances under two context keys.
import type middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { rejectUnknownOptions } from '../../shared/common/options.js';

export interface DeadlineOptions<Key extends string = 'deadline'> {
  /** How long before the Lambda deadline the signal fires, in ms. */
  marginMs?: number;
  /** The context property the signal is put on. */
  contextKey?: Key;
}

export const DEADLINE_DEFAULTS = { marginMs: 2000, contextKey: 'deadline' } as const;

/** What the default instance adds to the context; a handler tested without middy may go without it. */
export interface DeadlineContext {
  deadline: AbortSignal;
}

export function deadline<Key extends string = 'deadline'>(options: DeadlineOptions<Key> = {}): middy.MiddlewareObj<unknown, unknown, Error, Context & Record<Key, AbortSignal>> {
  rejectUnknownOptions('deadline middleware', options, Object.keys(DEADLINE_DEFAULTS));
  const marginMs = options.marginMs ?? DEADLINE_DEFAULTS.marginMs;
  const contextKey: string = options.contextKey ?? DEADLINE_DEFAULTS.contextKey;
  if (!(Number.isFinite(marginMs) && marginMs >= 0)) throw new RangeError(`deadline middleware: marginMs must be a number of ms ≥ 0, got ${marginMs}`);
  // Per invocation, keyed by its context: a container runs one invocation at a time, but nothing here relies on it.
  const timers = new WeakMap<object, NodeJS.Timeout>();

  const before: middy.MiddlewareFn<unknown, unknown, Error, Context> = (request) => {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), Math.max(0, request.context.getRemainingTimeInMillis() - marginMs));
    // The invocation's own work keeps the process alive; this timer alone must not.
    timer.unref();
    timers.set(request.context, timer);
    Object.assign(request.context, { [contextKey]: controller.signal });
  };
  // One function for both paths, so a failed invocation leaves no timer behind either.
  const cleanup: middy.MiddlewareFn<unknown, unknown, Error, Context> = (request) => {
    clearTimeout(timers.get(request.context));
    timers.delete(request.context);
  };
  return { name: 'deadline', before, after: cleanup, onError: cleanup };
}
