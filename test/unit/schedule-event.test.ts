// The schedule event's time as the probe and evaluator handlers read it: the scheduled minute, and when an
// event has come too late to run.
import { describe, expect, it } from 'vitest';
import { PROBE_SCHEDULE_PERIOD_MS, STALE_EVENT_MARGIN_MS } from '../../shared/runners/lambda/probe-lambda-sizing.js';
import { scheduledMinute, staleEvent } from '../../shared/runners/lambda/schedule-event.js';

const MINUTE = Date.parse('2026-03-01T12:35:00Z');
const limits = { periodMs: PROBE_SCHEDULE_PERIOD_MS, marginMs: STALE_EVENT_MARGIN_MS };

describe('staleEvent', () => {
  it('lets an event run until its minute ended the margin ago, and refuses it after', () => {
    // Prepare
    const event = { time: '2026-03-01T12:35:00Z', shard: 0, shards: 1 };
    // Act
    const onTime = staleEvent(event, MINUTE + 900, limits);
    const lastChance = staleEvent(event, MINUTE + 70_000, limits);
    const late = staleEvent(event, MINUTE + 70_001, limits);
    // Assess
    expect(onTime).toBeUndefined();
    expect(lastChance).toBeUndefined();
    expect(late).toEqual({ eventTime: '2026-03-01T12:35:00Z', intervalStart: MINUTE, ageMs: 70_001, maxAgeMs: 70_000 });
  });

  it('measures the age from the scheduled minute, not from seconds the time may carry', () => {
    const late = staleEvent({ time: '2026-03-01T12:35:59Z' }, MINUTE + 75_000, limits);
    expect(late).toMatchObject({ intervalStart: MINUTE, ageMs: 75_000 });
    expect(scheduledMinute({ time: '2026-03-01T12:35:59Z' }, 0)).toBe(MINUTE);
  });

  it('never refuses an event without a usable time (a manual run is for the current minute)', () => {
    expect(staleEvent({}, MINUTE + 3_600_000, limits)).toBeUndefined();
    expect(staleEvent({ time: 'yesterday' }, MINUTE + 3_600_000, limits)).toBeUndefined();
  });

  it('does not refuse an event whose minute is still ahead of this clock', () => {
    expect(staleEvent({ time: '2026-03-01T12:36:00Z' }, MINUTE + 30_000, limits)).toBeUndefined();
  });
});
