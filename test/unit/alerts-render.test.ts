// renderAlert: exact subjects per policy and status, runbook links, the per-protocol bodies, and the SNS
// limits (subject 100 printable ASCII characters, message 256 KiB, one-line SMS) under hostile inputs.
import { describe, expect, it } from 'vitest';
import {
  MAX_LIST_LINES,
  SMS_MAX_CHARS,
  SNS_MESSAGE_MAX_BYTES,
  SNS_SUBJECT_MAX_CHARS,
  renderAlert,
  type HttpsAlertBody,
  type RenderContext,
  type RenderedAlert,
} from '../../shared/alerts/render.js';
import { shortDuration } from '../../shared/alerts/render-format.js';
import { FAILURE_CLASSES, FAILURE_CLASS_INFO } from '../../shared/probe/failure-classes.js';
import { runbookUrlFor } from '../../shared/sla/runbooks.js';
import type { Notification } from '../../shared/sla/notification.js';

const MINUTE_MS = 60_000;
const T0_MS = Date.UTC(2026, 10, 24, 10, 0, 0);
const T0_ISO = '2026-11-24T10:00:00.000Z';
const REGIONS = ['eu-west-1', 'us-east-1', 'ap-southeast-2'];
const CTX: RenderContext = {
  runbookBaseUrl: 'https://runbooks.example.com/pptp/',
  dashboardUrl: 'https://console.aws.amazon.com/cloudwatch/home#dashboards:name=pptp-hq-gw',
  target: { owner: 'netops', tags: { site: 'hq', env: 'prod' }, host: 'vpn.example.com' },
};

function notification(overrides: Partial<Notification> = {}): Notification {
  const policy = overrides.policy ?? 'down';
  return {
    status: 'firing',
    severity: 'page',
    target: 'hq-gw',
    policy,
    startsAt: T0_MS,
    at: T0_MS + 12 * MINUTE_MS,
    dedupKey: `hq-gw/${policy}/${T0_ISO}`,
    regions: { all: REGIONS, affected: REGIONS },
    failureClasses: { connect_timeout: 33, connection_reset: 2 },
    dominantFailureClass: 'connect_timeout',
    slo: 99.9,
    errorBudgetRemaining: 0.42,
    downIntervals: 12,
    lastServer: { hostname: 'local', vendor: 'linux', firmwareRevision: 0 },
    ...overrides,
  };
}

interface Bodies {
  default: string;
  email: string;
  sms: string;
  https: HttpsAlertBody;
}

function bodies(alert: RenderedAlert): Bodies {
  const outer = JSON.parse(alert.message) as Record<string, unknown>;
  expect(Object.keys(outer).sort()).toEqual(['default', 'email', 'https', 'lambda', 'sms']);
  for (const value of Object.values(outer)) expect(typeof value).toBe('string');
  return { ...(outer as Omit<Bodies, 'https'>), https: JSON.parse(outer['https'] as string) as HttpsAlertBody };
}

/** What SNS counts against its 256 KiB: message, subject and every attribute's name, type and value. */
function snsSizeBytes(alert: RenderedAlert): number {
  const attrs = Object.entries(alert.messageAttributes).reduce(
    (sum, [name, v]) => sum + Buffer.byteLength(name) + Buffer.byteLength(v.DataType) + Buffer.byteLength(v.StringValue),
    0,
  );
  return Buffer.byteLength(alert.message) + Buffer.byteLength(alert.subject) + attrs;
}

const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;

function expectWithinSnsLimits(alert: RenderedAlert): void {
  expect(alert.subject.length).toBeLessThanOrEqual(SNS_SUBJECT_MAX_CHARS);
  expect(alert.subject).toMatch(PRINTABLE_ASCII);
  expect(alert.subject).toMatch(/^[A-Za-z0-9\p{P}]/u); // SNS: starts with a letter, number or punctuation mark
  expect(snsSizeBytes(alert)).toBeLessThan(SNS_MESSAGE_MAX_BYTES);
  const { sms } = bodies(alert);
  expect(sms.length).toBeLessThanOrEqual(SMS_MAX_CHARS);
  expect(sms).not.toMatch(/\n/);
}

describe('renderAlert subject', () => {
  it.each<[string, Partial<Notification>, string]>([
    ['down firing', {}, '[PAGE] hq-gw DOWN in 3/3 regions: connect_timeout'],
    ['down firing without a dominant class', { dominantFailureClass: undefined, failureClasses: {} }, '[PAGE] hq-gw DOWN in 3/3 regions'],
    ['down resolved', { status: 'resolved', endsAt: T0_MS + 12 * MINUTE_MS, at: T0_MS + 13 * MINUTE_MS }, '[RESOLVED] hq-gw DOWN (lasted 12m)'],
    ['down reminder', { status: 'reminder', at: T0_MS + 65 * MINUTE_MS }, '[REMINDER] hq-gw DOWN in 3/3 regions: connect_timeout (for 1h 5m)'],
    [
      'error_budget firing (the lower rate of the rule windows)',
      {
        policy: 'error_budget',
        severity: 'ticket',
        rule: 'ticket: 1d and 2h burn above 3x',
        burnRates: [
          { window: '1d', rate: 4.14, intervals: 1440, badIntervals: 6 },
          { window: '2h', rate: 5.5, intervals: 120, badIntervals: 1 },
        ],
      },
      '[TICKET] hq-gw error budget burning 4.1x (1d/2h)',
    ],
    ['error_budget resolved', { policy: 'error_budget', severity: 'ticket', status: 'resolved', endsAt: T0_MS + 185 * MINUTE_MS }, '[RESOLVED] hq-gw error budget burn (lasted 3h 5m)'],
    [
      'latency firing (worst p95 of the affected regions)',
      {
        policy: 'latency',
        severity: 'ticket',
        regions: { all: REGIONS, affected: ['eu-west-1', 'us-east-1'] },
        latency: { thresholdMs: 250, p95ByRegion: { 'eu-west-1': 412.4, 'us-east-1': 300, 'ap-southeast-2': 120 } },
      },
      '[TICKET] hq-gw SLOW: p95 control 412 ms > 250 ms in 2/3 regions',
    ],
    ['latency resolved', { policy: 'latency', severity: 'ticket', status: 'resolved', endsAt: T0_MS + 26 * 60 * MINUTE_MS }, '[RESOLVED] hq-gw SLOW (lasted 1d 2h)'],
    ['no_data firing, one region', { policy: 'no_data', regions: { all: REGIONS, affected: ['eu-west-1'] } }, '[PAGE] hq-gw NO DATA from eu-west-1'],
    ['no_data firing, several regions', { policy: 'no_data', severity: 'ticket', regions: { all: REGIONS, affected: ['eu-west-1', 'us-east-1'] } }, '[TICKET] hq-gw NO DATA from 2/3 regions'],
    ['no_data resolved', { policy: 'no_data', status: 'resolved', endsAt: T0_MS + 30 * 1000 }, '[RESOLVED] hq-gw NO DATA (lasted 30s)'],
  ])('%s', (_name, overrides, expected) => {
    // Prepare / Act
    const alert = renderAlert(notification(overrides), CTX);
    // Assess
    expect(alert.subject).toBe(expected);
    expectWithinSnsLimits(alert);
  });

  it('truncates a very long target name with an ASCII ellipsis and keeps the rest of the subject', () => {
    const target = `gateway-${'x'.repeat(300)}`;
    const alert = renderAlert(notification({ target, dedupKey: `${target}/down/${T0_ISO}` }), CTX);
    expect(alert.subject).toHaveLength(SNS_SUBJECT_MAX_CHARS);
    expect(alert.subject.startsWith('[PAGE] gateway-xxx')).toBe(true);
    expect(alert.subject.endsWith('... DOWN in 3/3 regions: connect_timeout')).toBe(true);
    expectWithinSnsLimits(alert);
  });

  it('turns line breaks, control characters and non-ASCII in a name into something SNS accepts', () => {
    const alert = renderAlert(notification({ target: 'hq\r\ngw\u0007-zürich\u2026' }), CTX);
    expect(alert.subject).toBe('[PAGE] hq gw?-z?rich? DOWN in 3/3 regions: connect_timeout');
    expectWithinSnsLimits(alert);
  });

  it('cuts the tail when even a shortened name does not make room (hostile region name)', () => {
    const alert = renderAlert(notification({ policy: 'no_data', regions: { all: ['r'.repeat(200)], affected: ['r'.repeat(200)] } }), CTX);
    expect(alert.subject).toHaveLength(SNS_SUBJECT_MAX_CHARS);
    expect(alert.subject.endsWith('rrr...')).toBe(true);
  });

  it('formats durations in whole units', () => {
    expect([0, 59_999, 60_000, 3_599_999, 3_600_000, 86_400_000 + 3_600_000 * 4 + 1].map(shortDuration)).toEqual(['0s', '59s', '1m', '59m', '1h', '1d 4h']);
  });
});

describe('renderAlert runbook link', () => {
  it.each<[Partial<Notification>, string]>([
    [{ policy: 'down' }, 'connect_timeout.md'],
    [{ policy: 'error_budget', dominantFailureClass: 'call_dropped' }, 'call_dropped.md'],
    [{ policy: 'down', dominantFailureClass: undefined }, 'down.md'],
    [{ policy: 'error_budget', dominantFailureClass: undefined }, 'error_budget.md'],
    // latency and no_data have their own runbook even when some probes failed on the way
    [{ policy: 'latency' }, 'latency.md'],
    [{ policy: 'no_data' }, 'no_data.md'],
  ])('%o links %s', (overrides, file) => {
    const alert = renderAlert(notification(overrides), CTX);
    expect(alert.runbookUrl).toBe(`https://runbooks.example.com/pptp/${file}`);
    const { email, https } = bodies(alert);
    expect(email).toContain(`Runbook:   ${alert.runbookUrl}`);
    expect(https.runbook_url).toBe(alert.runbookUrl);
    expect(https.annotations.runbook_url).toBe(alert.runbookUrl);
  });

  it('adds the missing slash to a base URL', () => {
    expect(runbookUrlFor({ policy: 'latency' }, 'https://runbooks.example.com/pptp')).toBe('https://runbooks.example.com/pptp/latency.md');
  });
});

describe('renderAlert bodies', () => {
  it('gives the https body exactly the agreed keys, with firing status and ISO times', () => {
    const { https } = bodies(renderAlert(notification(), CTX));
    expect(Object.keys(https).sort()).toEqual(
      ['annotations', 'dashboard_url', 'dedupKey', 'description', 'endsAt', 'failureClasses', 'labels', 'policy', 'regions', 'repeat', 'runbook_url', 'severity', 'startsAt', 'status', 'summary', 'target'].sort(),
    );
    expect(https).toMatchObject({
      status: 'firing',
      repeat: false,
      severity: 'page',
      target: 'hq-gw',
      policy: 'down',
      startsAt: T0_ISO,
      endsAt: null,
      regions: REGIONS,
      failureClasses: { connect_timeout: 33, connection_reset: 2 },
      summary: '[PAGE] hq-gw DOWN in 3/3 regions: connect_timeout',
      dashboard_url: CTX.dashboardUrl,
      dedupKey: `hq-gw/down/${T0_ISO}`,
      labels: { target: 'hq-gw', policy: 'down', severity: 'page', owner: 'netops' },
    });
    expect(Object.keys(https.annotations).sort()).toEqual(['description', 'runbook_url', 'summary']);
    expect(https.annotations.summary).toBe(https.summary);
    expect(https.annotations.description).toBe(https.description);
    expect(https.description).toContain('DOWN in 3 of 3 probe regions (eu-west-1, us-east-1, ap-southeast-2) since 2026-11-24T10:00:00.000Z (for 12 min)');
    expect(https.description).toContain(FAILURE_CLASS_INFO.connect_timeout.explanation);
  });

  it('sends a reminder as firing with repeat: true, and a resolution with endsAt', () => {
    const reminder = bodies(renderAlert(notification({ status: 'reminder' }), CTX)).https;
    expect(reminder).toMatchObject({ status: 'firing', repeat: true, endsAt: null });
    const resolved = bodies(renderAlert(notification({ status: 'resolved', endsAt: T0_MS + 12 * MINUTE_MS }), CTX)).https;
    expect(resolved).toMatchObject({ status: 'resolved', repeat: false, endsAt: '2026-11-24T10:12:00.000Z' });
  });

  it('omits the owner label and gives a null dashboard when there are none', () => {
    const { https, email } = bodies(renderAlert(notification(), { runbookBaseUrl: CTX.runbookBaseUrl }));
    expect(https.labels).toEqual({ target: 'hq-gw', policy: 'down', severity: 'page' });
    expect(https.dashboard_url).toBeNull();
    expect(email).toContain('Owner:     (none)');
  });

  it('writes a readable email with times, regions, classes and their causes, budget, server, owner and links', () => {
    const n = notification({
      policy: 'error_budget',
      rule: 'page: 1h and 5m burn above 14.4x',
      burnRates: [
        { window: '1h', rate: 16.2, intervals: 60, badIntervals: 1 },
        { window: '5m', rate: 19.98, intervals: 5, badIntervals: 1 },
      ],
      regions: { all: REGIONS, affected: ['eu-west-1'] },
      latency: { thresholdMs: 250, p95ByRegion: { 'eu-west-1': 412 } },
    });
    const { email, default: dflt } = bodies(renderAlert(n, CTX));
    expect(dflt).toBe(email);
    const expectedLines = [
      'What:      hq-gw error budget burning too fast',
      'Status:    FIRING, severity page',
      'Host:      vpn.example.com',
      'Since:     2026-11-24T10:00:00.000Z (for 12 min)',
      'Regions:   1 of 3 affected',
      '  * eu-west-1',
      '    us-east-1',
      '  connect_timeout: 33',
      `    ${FAILURE_CLASS_INFO.connect_timeout.explanation}`,
      `      - ${FAILURE_CLASS_INFO.connect_timeout.likelyCauses[0]}`,
      '  connection_reset: 2',
      'Error budget left: 42.0% of the 99.9% availability SLO',
      'Rule: page: 1h and 5m burn above 14.4x',
      '  window        rate  bad/intervals',
      '  1h           16.2x  1/60',
      '  5m           20.0x  1/5',
      '  eu-west-1           412 ms  over',
      'Last server identity: host name "local", vendor "linux", firmware revision 0',
      'Owner:     netops',
      'Tags:      site=hq, env=prod',
      'Runbook:   https://runbooks.example.com/pptp/connect_timeout.md',
      `Dashboard: ${CTX.dashboardUrl}`,
      `Dedup key: hq-gw/error_budget/${T0_ISO}`,
    ];
    const lines = email.split('\n');
    for (const line of expectedLines) expect(lines).toContain(line);
  });

  it('gives a resolved outage its own length and says separately when recovery was confirmed', () => {
    // A 3-minute outage (10:00-10:03) whose recovery three healthy intervals confirmed at 10:06.
    const n = notification({ status: 'resolved', at: T0_MS + 6 * MINUTE_MS, endsAt: T0_MS + 3 * MINUTE_MS, downIntervals: 3 });
    const alert = renderAlert(n, CTX);
    const { email, https } = bodies(alert);
    expect(alert.subject).toBe('[RESOLVED] hq-gw DOWN (lasted 3m)');
    expect(email).toContain('Since:     2026-11-24T10:00:00.000Z (for 3 min)');
    expect(email).toContain('Resolved:  2026-11-24T10:03:00.000Z (recovery confirmed 3 min later)');
    expect(email).toContain('Evaluated: 2026-11-24T10:06:00.000Z');
    expect(https.endsAt).toBe('2026-11-24T10:03:00.000Z');
  });

  it('names only the latency incident\'s evidence: control time per location, no failure classes', () => {
    const n = notification({
      policy: 'latency',
      severity: 'ticket',
      failureClasses: {},
      latency: { thresholdMs: 250, p95ByRegion: { 'eu-west-1': 412 } },
    });
    delete n.dominantFailureClass;
    const { email } = bodies(renderAlert(n, CTX));
    expect(email).not.toContain('Failure classes');
    expect(email).toContain('Latency, p95 control time per region (threshold 250 ms):');
    expect(email).toContain('  eu-west-1           412 ms  over');
  });

  it('says when the budget is overspent', () => {
    const { email } = bodies(renderAlert(notification({ errorBudgetRemaining: -0.25 }), CTX));
    expect(email).toContain('Error budget left: none (overspent by 25.0%) of the 99.9% availability SLO');
  });

  it('keeps the SMS to one line of at most 140 characters', () => {
    const { sms } = bodies(renderAlert(notification(), CTX));
    expect(sms).toBe('[PAGE] hq-gw DOWN in 3/3 regions: connect_timeout since 10:00Z');
    const long = bodies(renderAlert(notification({ target: 'y'.repeat(400) }), CTX)).sms;
    expect(long.length).toBeLessThanOrEqual(SMS_MAX_CHARS);
  });
});

describe('renderAlert message attributes', () => {
  it('carries severity, status, target and policy as SNS String attributes', () => {
    const alert = renderAlert(notification({ status: 'reminder', severity: 'ticket', policy: 'latency' }), CTX);
    expect(alert.messageAttributes).toEqual({
      severity: { DataType: 'String', StringValue: 'ticket' },
      status: { DataType: 'String', StringValue: 'reminder' },
      target: { DataType: 'String', StringValue: 'hq-gw' },
      policy: { DataType: 'String', StringValue: 'latency' },
    });
  });
});

describe('renderAlert size limits', () => {
  it(`lists the failure classes with explanations, the first ${MAX_LIST_LINES} of all ${FAILURE_CLASSES.length}, and stays under the SNS limits`, () => {
    // Prepare: every class of the taxonomy at once (a login target can report 20 of the 22)
    const failureClasses = Object.fromEntries(FAILURE_CLASSES.map((cls, i) => [cls, 100 - i]));
    // Act
    const alert = renderAlert(notification({ failureClasses, dominantFailureClass: 'dns_failure' }), CTX);
    // Assess
    expectWithinSnsLimits(alert);
    const { email, https } = bodies(alert);
    expect(FAILURE_CLASSES.length).toBeGreaterThan(MAX_LIST_LINES);
    expect(email).toContain(`Failure classes seen (failed probes) (${FAILURE_CLASSES.length}, first ${MAX_LIST_LINES} listed):`);
    const listed = FAILURE_CLASSES.slice(0, MAX_LIST_LINES); // most failed first
    for (const cls of listed) {
      expect(email).toContain(`  ${cls}: ${failureClasses[cls]}`);
      expect(email).toContain(FAILURE_CLASS_INFO[cls].explanation);
    }
    for (const cls of FAILURE_CLASSES.slice(MAX_LIST_LINES)) expect(email).not.toContain(`  ${cls}: `);
    expect(Object.keys(https.failureClasses)).toEqual([...listed]);
  });

  it('lists every class a login can report with its explanation when a login target fails every way', () => {
    const loginClasses = FAILURE_CLASSES.filter((cls) => !cls.startsWith('echo_'));
    const failureClasses = Object.fromEntries(loginClasses.map((cls, i) => [cls, 100 - i]));
    const alert = renderAlert(notification({ failureClasses, dominantFailureClass: 'auth_rejected' }), CTX);
    expectWithinSnsLimits(alert);
    const { email, https } = bodies(alert);
    for (const cls of loginClasses) expect(email).toContain(FAILURE_CLASS_INFO[cls].explanation);
    expect(Object.keys(https.failureClasses)).toEqual(loginClasses);
    expect(https.runbook_url).toBe('https://runbooks.example.com/pptp/auth_rejected.md');
  });

  it(`caps lists at ${MAX_LIST_LINES} lines and says so`, () => {
    const many = Array.from({ length: 45 }, (_, i) => `region-${i}`);
    const alert = renderAlert(
      notification({
        regions: { all: many, affected: many },
        latency: { thresholdMs: 250, p95ByRegion: Object.fromEntries(many.map((r) => [r, 300])) },
        burnRates: many.map((w) => ({ window: w, rate: 2, intervals: 10, badIntervals: 1 })),
      }),
      CTX,
    );
    const { email, https } = bodies(alert);
    expect(email).toContain(`Regions:   45 of 45 affected (45, first ${MAX_LIST_LINES} listed)`);
    expect(email).toContain(`Burn rates (45, first ${MAX_LIST_LINES} listed):`);
    expect(email).toContain(`(threshold 250 ms) (45, first ${MAX_LIST_LINES} listed):`);
    expect(email).not.toContain('region-20\n');
    expect(https.regions).toHaveLength(MAX_LIST_LINES);
    expect(https.description).toContain('and 25 more');
  });

  it('stays under 256 KiB with hostile sizes everywhere (1 MB name, 10,000 regions, huge rule and tags)', () => {
    const target = 'z'.repeat(1_000_000);
    const regions = Array.from({ length: 10_000 }, (_, i) => `region-${i}-${'q'.repeat(500)}`);
    const alert = renderAlert(
      notification({
        target,
        dedupKey: `${target}/down/${T0_ISO}`,
        regions: { all: regions, affected: regions },
        failureClasses: Object.fromEntries(FAILURE_CLASSES.map((cls) => [cls, 1])),
        rule: 'r'.repeat(1_000_000),
        lastServer: { hostname: 'h'.repeat(100_000), vendor: 'v'.repeat(100_000), firmwareRevision: 1 },
      }),
      { ...CTX, target: { owner: 'o'.repeat(100_000), tags: Object.fromEntries(regions.map((r) => [r, r])) } },
    );
    expectWithinSnsLimits(alert);
    const { https } = bodies(alert);
    // A long dedupKey keeps its head plus a hash of the whole, so repeats of the incident still merge.
    expect(https.dedupKey.length).toBeLessThanOrEqual(256);
    expect(https.dedupKey).toMatch(/^zzz+#[0-9a-f]{16}$/);
    expect(renderAlert(notification({ target, dedupKey: `${target}/down/${T0_ISO}` }), CTX).message).toContain(https.dedupKey);
  });
});
