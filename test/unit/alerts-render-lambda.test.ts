// The `lambda` entry of the SNS message: the notification round-trips unchanged, hostile sizes are cut to
// a bounded form that still parses and keeps the whole Publish under SNS's 256 KiB, and the parser refuses
// anything that is not a notification with the path of the first bad field.
import { describe, expect, it } from 'vitest';
import { renderAlert, SNS_MESSAGE_MAX_BYTES } from '../../shared/alerts/render.js';
import { LAMBDA_PAYLOAD_FORMAT, LAMBDA_PAYLOAD_MAX_BYTES, looksLikeLambdaPayload, parseLambdaPayload, renderLambdaPayload } from '../../shared/alerts/render-lambda.js';
import { FAILURE_CLASSES } from '../../shared/probe/failure-classes.js';
import type { Notification } from '../../shared/sla/notification.js';

const T0_MS = Date.UTC(2026, 10, 24, 10, 0, 0);
const MINUTE_MS = 60_000;

const latencyResolved: Notification = {
  status: 'resolved',
  severity: 'ticket',
  target: 'hq-gw',
  policy: 'latency',
  startsAt: T0_MS,
  endsAt: T0_MS + 40 * MINUTE_MS,
  at: T0_MS + 55 * MINUTE_MS,
  dedupKey: `hq-gw/latency/${new Date(T0_MS).toISOString()}`,
  regions: { all: ['eu-west-1', 'us-east-1', 'office-berlin'], affected: ['eu-west-1', 'office-berlin'] },
  failureClasses: { connect_timeout: 2, control_timeout: 1 },
  dominantFailureClass: 'connect_timeout',
  slo: 99.9,
  errorBudgetRemaining: -0.25,
  rule: 'ticket: 1d and 2h burn above 3x',
  burnRates: [{ window: '1d', rate: 3.4, intervals: 1440, badIntervals: 5 }],
  latency: { thresholdMs: 250, p95ByRegion: { 'eu-west-1': 412.5, 'office-berlin': 390 } },
  downIntervals: 0,
  lastServer: { hostname: 'local', vendor: 'linux', firmwareRevision: 1 },
};

const sizeInMessage = (payload: string): number => Buffer.byteLength(JSON.stringify(payload));

describe('renderLambdaPayload', () => {
  it('carries the notification unchanged, every optional field included, and is what renderAlert puts under `lambda`', () => {
    // Act
    const payload = renderLambdaPayload(latencyResolved);
    const parsed = parseLambdaPayload(payload);
    // Assess
    expect(parsed).toEqual({ ok: true, payload: { format: LAMBDA_PAYLOAD_FORMAT, form: 'full', notification: latencyResolved } });
    expect((JSON.parse(renderAlert(latencyResolved, { runbookBaseUrl: 'docs/runbooks/' }).message) as { lambda: string }).lambda).toBe(payload);
  });

  it('cuts hostile sizes to a form that still parses, within its budget and the SNS message limit', () => {
    // Prepare: a 1 MB name, 10,000 regions, megabytes of rule and server identity, control characters everywhere.
    const ugly = '\u0001"\\'.repeat(100_000);
    const regions = Array.from({ length: 10_000 }, (_, i) => `region-${i}-${ugly.slice(0, 600)}`);
    const n: Notification = {
      ...latencyResolved,
      target: 'z'.repeat(1_000_000),
      dedupKey: `${'z'.repeat(1_000_000)}/latency/x`,
      regions: { all: regions, affected: regions },
      failureClasses: Object.fromEntries(FAILURE_CLASSES.map((cls) => [cls, 1])),
      rule: ugly,
      burnRates: regions.map((window) => ({ window, rate: 1, intervals: 1, badIntervals: 1 })),
      latency: { thresholdMs: 250, p95ByRegion: Object.fromEntries(regions.map((r) => [r, 300])) },
      lastServer: { hostname: ugly, vendor: ugly, firmwareRevision: 1 },
    };
    // Act
    const payload = renderLambdaPayload(n);
    const parsed = parseLambdaPayload(payload);
    const alert = renderAlert(n, { runbookBaseUrl: 'docs/runbooks/', target: { owner: ugly, tags: Object.fromEntries(regions.map((r) => [r, r])) } });
    // Assess
    expect(sizeInMessage(payload)).toBeLessThanOrEqual(LAMBDA_PAYLOAD_MAX_BYTES);
    expect(Buffer.byteLength(alert.message) + Buffer.byteLength(alert.subject) + 200).toBeLessThan(SNS_MESSAGE_MAX_BYTES);
    if (!parsed.ok) throw new Error(parsed.problem);
    expect(parsed.payload.form).not.toBe('full');
    // The identity a pager merges on survives: the same bounded key the https body carries.
    expect(parsed.payload.notification.dedupKey).toMatch(/^z+#[0-9a-f]{16}$/);
    expect(parsed.payload.notification).toMatchObject({ status: 'resolved', severity: 'ticket', policy: 'latency', startsAt: T0_MS, endsAt: T0_MS + 40 * MINUTE_MS });
    expect(parsed.payload.notification.regions.all.length).toBeLessThanOrEqual(20);
  });

  it('uses the clipped form (renderer caps, every field kept) when shortening the free text is enough', () => {
    const regions = Array.from({ length: 400 }, (_, i) => `region-${i}-${'q'.repeat(300)}`);
    const parsed = parseLambdaPayload(renderLambdaPayload({ ...latencyResolved, regions: { all: regions, affected: regions } }));
    if (!parsed.ok) throw new Error(parsed.problem);
    expect(parsed.payload.form).toBe('clipped');
    expect(parsed.payload.notification.regions.all).toHaveLength(20);
    expect(parsed.payload.notification.regions.all[0]).toHaveLength(256);
    expect(parsed.payload.notification.lastServer).toEqual(latencyResolved.lastServer);
  });
});

describe('parseLambdaPayload', () => {
  const valid = JSON.parse(renderLambdaPayload(latencyResolved)) as { notification: Record<string, unknown> };
  const withNotification = (change: (n: Record<string, unknown>) => void): string => {
    const copy = structuredClone(valid);
    change(copy.notification);
    return JSON.stringify(copy);
  };

  it.each([
    ['not JSON', '{"format":', 'not JSON'],
    ['another format', JSON.stringify({ ...valid, format: 'pptp-monitor/notification@2' }), `format: must be ${LAMBDA_PAYLOAD_FORMAT}`],
    ['a missing target', withNotification((n) => delete n['target']), 'notification.target: must be a non-empty string'],
    ['an unknown status', withNotification((n) => (n['status'] = 'acknowledged')), 'notification.status: must be one of firing, reminder, resolved'],
    ['a time that is not a number', withNotification((n) => (n['at'] = '2026-11-24T10:00:00Z')), 'notification.at: must be a finite number'],
    ['an unknown failure class', withNotification((n) => (n['failureClasses'] = { gremlins: 1 })), 'notification.failureClasses key "gremlins": must be a failure class'],
    ['a region that is not a string', withNotification((n) => (n['regions'] = { all: [1], affected: [] })), 'notification.regions.all[0]: must be a string'],
    ['a resolved notice without its end', withNotification((n) => delete n['endsAt']), 'notification.endsAt: a resolved notification must say when the problem ended'],
  ])('refuses %s, naming the field', (_what, text, problem) => {
    const parsed = parseLambdaPayload(text);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.problem).toContain(problem);
  });

  it('leaves fields it does not know behind (a newer evaluator may add some) and keeps the rest', () => {
    const parsed = parseLambdaPayload(withNotification((n) => (n['futureField'] = { anything: true })));
    expect(parsed).toEqual({ ok: true, payload: { format: LAMBDA_PAYLOAD_FORMAT, form: 'full', notification: latencyResolved } });
  });

  it('tells our payloads (even broken ones) from foreign messages on the topic', () => {
    expect(looksLikeLambdaPayload(withNotification((n) => delete n['target']))).toBe(true);
    expect(looksLikeLambdaPayload('test page: please ignore')).toBe(false);
    expect(looksLikeLambdaPayload(JSON.stringify({ AlarmName: 'pptp-monitor-prod-probes-stopped-eu-west-1', NewStateValue: 'ALARM' }))).toBe(false);
  });
});
