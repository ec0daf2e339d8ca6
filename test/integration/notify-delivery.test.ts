// Delivery to the on-call services, over real loopback sockets to receivers that check each request
// against the service's documented schema: firing, reminder and resolve pair up by key on every service;
// 429 (Retry-After honoured), 5xx, refused connections and timeouts are retried; other 4xx and redirects
// are not; and no key, webhook URL or HMAC secret appears in a log line, an outcome or a printed body.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createNotifier, deliver, slackRequest, type DestinationDelivery, type ReadyDestination } from '../../shared/alerts/destinations/index.js';
import type { RenderContext } from '../../shared/alerts/render.js';
import type { Notification } from '../../shared/sla/notification.js';
import { startAlertmanagerReceiver, startJsonReceiver } from '../support/receivers/alertmanager.js';
import { startOpsgenie } from '../support/receivers/opsgenie.js';
import { startPagerDuty } from '../support/receivers/pagerduty.js';
import type { Receiver } from '../support/receivers/server.js';
import { startSlack } from '../support/receivers/slack.js';
import { startTeams } from '../support/receivers/teams.js';

const MINUTE_MS = 60_000;
const T0_MS = Date.UTC(2026, 10, 24, 10, 0, 0);
const KEY = `hq-gw/down/${new Date(T0_MS).toISOString()}`;
const ROUTING_KEY = 'PDKEY0123456789abcdef0123456789x';
const GENIE_KEY = 'genie-api-key-5b8e0c9a';
const SLACK_PATH = '/services/T0001/B0001/slackSECRETpath42';
const TEAMS_SIG = 'teamsSIGNATUREsecret77';
const HMAC = 'hmac-secret-value-31';
const AM_PATH = '/alerts/amTOKENpath9';
const JSON_PATH = '/hook/jsonTOKENpath8';
const SECRETS = [ROUTING_KEY, GENIE_KEY, SLACK_PATH, TEAMS_SIG, HMAC, AM_PATH, JSON_PATH];
const CTX: RenderContext = { runbookBaseUrl: 'https://runbooks.example.com/pptp/', dashboardUrl: 'https://dash.example.com/d/hq-gw', target: { owner: 'netops' } };

const firing: Notification = {
  status: 'firing',
  severity: 'page',
  target: 'hq-gw',
  policy: 'down',
  startsAt: T0_MS,
  at: T0_MS + 3 * MINUTE_MS,
  dedupKey: KEY,
  regions: { all: ['eu-west-1', 'us-east-1'], affected: ['eu-west-1', 'us-east-1'] },
  failureClasses: { connect_timeout: 6 },
  dominantFailureClass: 'connect_timeout',
  slo: 99.9,
  errorBudgetRemaining: 0.8,
};
const reminder: Notification = { ...firing, status: 'reminder', at: T0_MS + 63 * MINUTE_MS };
const resolved: Notification = { ...firing, status: 'resolved', endsAt: T0_MS + 70 * MINUTE_MS, at: T0_MS + 73 * MINUTE_MS };

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((r) => r.close()));
});
async function keep<R extends { close(): Promise<void> }>(r: Promise<R>): Promise<R> {
  const started = await r;
  open.push(started);
  return started;
}

/** Sleeps recorded, not slept: the tests assert on the waits deliver() chose. */
function recordingSleep(): { sleeps: number[]; sleep: (ms: number) => Promise<void> } {
  const sleeps: number[] = [];
  return { sleeps, sleep: async (ms) => void sleeps.push(ms) };
}

function noSecretIn(text: string): void {
  for (const secret of SECRETS) expect(text, `a secret (${secret.slice(0, 4)}...) leaked`).not.toContain(secret);
}

describe('every service: trigger, reminder and resolve pair up by key', () => {
  it('opens one incident per service and closes it with the same key, every request valid for its service', async () => {
    // Prepare
    const pd = await keep(startPagerDuty(ROUTING_KEY));
    const og = await keep(startOpsgenie(GENIE_KEY));
    const slack = await keep(startSlack(SLACK_PATH));
    const teams = await keep(startTeams('/workflows/abc/triggers/manual/paths/invoke', TEAMS_SIG));
    const am = await keep(startAlertmanagerReceiver(AM_PATH, HMAC));
    const hook = await keep(startJsonReceiver(JSON_PATH, HMAC));
    const both = ['page', 'ticket'] as const;
    const destinations: ReadyDestination[] = [
      { name: 'oncall', type: 'pagerduty', severities: both, routingKey: ROUTING_KEY, endpoint: `${pd.base}/v2/enqueue` },
      { name: 'genie', type: 'opsgenie', severities: both, apiKey: GENIE_KEY, endpoint: og.base },
      { name: 'chat', type: 'slack', severities: both, webhookUrl: slack.url },
      { name: 'teams', type: 'teams', severities: both, webhookUrl: teams.url },
      { name: 'am', type: 'alertmanager', severities: both, url: am.url, hmacSecret: HMAC },
      { name: 'hook', type: 'json', severities: both, url: hook.url, hmacSecret: HMAC },
    ];
    const notifier = createNotifier({ destinations });
    // Act
    const outcomes: DestinationDelivery[] = [];
    for (const n of [firing, reminder, resolved]) outcomes.push(...(await notifier.notify(n, CTX)));
    // Assess
    expect(outcomes.map((o) => [o.destination, o.ok, o.status, o.attempts])).toEqual(
      [firing, reminder, resolved].flatMap(() => [
        ['oncall', true, 202, 1],
        ['genie', true, 202, 1],
        ['chat', true, 200, 1],
        ['teams', true, 202, 1],
        ['am', true, 200, 1],
        ['hook', true, 200, 1],
      ]),
    );
    for (const r of [pd, og, slack, teams, am, hook] as Receiver[]) expect(r.requests.flatMap((q) => q.problems)).toEqual([]);
    expect([...pd.incidents.events]).toEqual([[KEY, ['trigger', 'trigger', 'resolve']]]);
    expect([...og.incidents.events]).toEqual([[KEY, ['create', 'close']]]);
    expect(og.counts.get(KEY)).toBe(2);
    expect([...slack.incidents.events]).toEqual([[KEY, ['firing', 'firing', 'resolved']]]);
    expect([...teams.incidents.events]).toEqual([[KEY, ['firing', 'firing', 'resolved']]]);
    const [fingerprint] = [...am.incidents.events.keys()];
    expect([...am.incidents.events]).toEqual([[fingerprint, ['firing', 'firing', 'resolved']]]);
    expect([...hook.incidents.events]).toEqual([[KEY, ['firing', 'firing', 'resolved']]]);
    expect(pd.incidents.open('trigger')).toEqual([]);
  });

  it('sends a destination only the severities it takes', async () => {
    const slack = await keep(startSlack(SLACK_PATH));
    const notifier = createNotifier({ destinations: [{ name: 'tickets', type: 'slack', severities: ['ticket'], webhookUrl: slack.url }] });
    expect(await notifier.notify(firing, CTX)).toEqual([]);
    expect(await notifier.notify({ ...firing, severity: 'ticket' }, CTX)).toMatchObject([{ destination: 'tickets', ok: true }]);
    expect(slack.requests).toHaveLength(1);
  });
});

describe('deliver: retries', () => {
  it('waits exactly what Retry-After asks after a 429, then delivers', async () => {
    const slack = await keep(startSlack(SLACK_PATH));
    slack.failNext({ status: 429, headers: { 'retry-after': '2' }, body: 'rate_limited' });
    const { sleeps, sleep } = recordingSleep();
    const outcome = await deliver('chat', slackRequest(firing, CTX, { webhookUrl: slack.url }), { sleep, random: () => 0 });
    expect(outcome).toEqual({ destination: 'chat', host: new URL(slack.url).host, ok: true, status: 200, attempts: 2 });
    expect(sleeps).toEqual([2000]);
    expect(slack.requests.map((r) => r.status)).toEqual([429, 200]);
  });

  it('backs off exponentially (full jitter) over 5xx, then delivers', async () => {
    const pd = await keep(startPagerDuty(ROUTING_KEY));
    pd.failNext({ status: 503 }, { status: 502 });
    const { sleeps, sleep } = recordingSleep();
    const notifier = createNotifier({ destinations: [{ name: 'oncall', type: 'pagerduty', severities: ['page'], routingKey: ROUTING_KEY, endpoint: `${pd.base}/v2/enqueue` }], deliver: { sleep, random: () => 1 } });
    const [outcome] = await notifier.notify(firing, CTX);
    expect(outcome).toMatchObject({ ok: true, status: 202, attempts: 3 });
    expect(sleeps).toEqual([1000, 2000]);
    expect([...pd.incidents.events]).toEqual([[KEY, ['trigger']]]);
  });

  it('does not retry a 400, and says what the service answered', async () => {
    const slack = await keep(startSlack(SLACK_PATH));
    slack.failNext({ status: 400, body: 'invalid_blocks' });
    const { sleeps, sleep } = recordingSleep();
    const outcome = await deliver('chat', slackRequest(firing, CTX, { webhookUrl: slack.url }), { sleep });
    expect(outcome).toMatchObject({ ok: false, status: 400, attempts: 1, error: 'HTTP 400: invalid_blocks' });
    expect(sleeps).toEqual([]);
  });

  it('gives up at once when Retry-After is longer than it may wait, and says when to try again', async () => {
    const slack = await keep(startSlack(SLACK_PATH));
    slack.failNext({ status: 429, headers: { 'retry-after': '600' } });
    const outcome = await deliver('chat', slackRequest(firing, CTX, { webhookUrl: slack.url }), { sleep: recordingSleep().sleep });
    expect(outcome).toMatchObject({ ok: false, status: 429, attempts: 1, retryAfterMs: 600_000, error: 'HTTP 429 (asked to retry after 600 s)' });
  });

  it('retries a refused connection up to the last try, and a try that gets no answer in time', async () => {
    const closed = await keep(startSlack(SLACK_PATH));
    const url = closed.url;
    await open.pop()?.close();
    const { sleeps, sleep } = recordingSleep();
    const refused = await deliver('chat', slackRequest(firing, CTX, { webhookUrl: url }), { sleep, random: () => 0.5 });
    expect(refused).toMatchObject({ ok: false, attempts: 4, error: 'network error (ECONNREFUSED)' });
    expect(sleeps).toEqual([500, 1000, 2000]);
    const silent: Server = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    open.push({ close: () => new Promise<void>((resolve) => (silent.closeAllConnections(), silent.close(() => resolve()))) });
    const slow = await deliver('chat', slackRequest(firing, CTX, { webhookUrl: `http://127.0.0.1:${(silent.address() as AddressInfo).port}${SLACK_PATH}` }), { sleep, policy: { timeoutMs: 150, attempts: 2 } });
    expect(slow).toMatchObject({ ok: false, attempts: 2, error: 'no answer within 150 ms' });
  });

  it('does not follow a redirect (the body carries a key)', async () => {
    const pd = await keep(startPagerDuty(ROUTING_KEY));
    pd.failNext({ status: 302, headers: { location: 'http://127.0.0.1:9/elsewhere' } });
    const notifier = createNotifier({ destinations: [{ name: 'oncall', type: 'pagerduty', severities: ['page'], routingKey: ROUTING_KEY, endpoint: `${pd.base}/v2/enqueue` }] });
    const [outcome] = await notifier.notify(firing, CTX);
    expect(outcome).toMatchObject({ ok: false, status: 302, attempts: 1, error: 'HTTP 302: a redirect, not followed' });
  });

  it('signs each try afresh, so a retried request still verifies at the receiver', async () => {
    const am = await keep(startAlertmanagerReceiver(AM_PATH, HMAC));
    am.failNext({ status: 500 });
    let clock = Date.now();
    const notifier = createNotifier({
      destinations: [{ name: 'am', type: 'alertmanager', severities: ['page'], url: am.url, hmacSecret: HMAC }],
      deliver: { sleep: async () => undefined },
      now: () => (clock += 7000),
    });
    const [outcome] = await notifier.notify(firing, CTX);
    expect(outcome).toMatchObject({ ok: true, attempts: 2 });
    const [first, second] = am.requests.map((r) => Number(r.headers['x-pptp-monitor-timestamp']));
    expect(second! - first!).toBe(7);
    expect(am.requests[1]?.problems).toEqual([]);
  });

  it('is refused (401, not retried) with a wrong HMAC secret', async () => {
    const am = await keep(startAlertmanagerReceiver(AM_PATH, HMAC));
    const [outcome] = await createNotifier({ destinations: [{ name: 'am', type: 'alertmanager', severities: ['page'], url: am.url, hmacSecret: 'not-the-secret' }] }).notify(firing, CTX);
    expect(outcome).toMatchObject({ ok: false, status: 401, attempts: 1 });
    expect(am.requests[0]?.problems).toEqual(['signature: does not verify']);
  });
});

describe('secrets stay secret', () => {
  it('keeps every key, webhook path and HMAC secret out of log lines, outcomes and the redacted body', async () => {
    // Prepare: every service fails for good (5xx, so every try is logged), one echoes the key back.
    const pd = await keep(startPagerDuty(ROUTING_KEY));
    const og = await keep(startOpsgenie(GENIE_KEY));
    const slack = await keep(startSlack(SLACK_PATH));
    const teams = await keep(startTeams('/wf', TEAMS_SIG));
    const am = await keep(startAlertmanagerReceiver(AM_PATH, HMAC));
    // Each service echoes its own secret in its error body, as a careless one might.
    const echoes: Array<[Receiver, string]> = [[pd, ROUTING_KEY], [og, GENIE_KEY], [slack, SLACK_PATH], [teams, TEAMS_SIG], [am, AM_PATH]];
    for (const [r, secret] of echoes) {
      const failing = { status: 500, body: `upstream error for ${secret}` };
      r.failNext(failing, failing, failing, failing);
    }
    const lines: string[] = [];
    const both = ['page', 'ticket'] as const;
    const notifier = createNotifier({
      destinations: [
        { name: 'oncall', type: 'pagerduty', severities: both, routingKey: ROUTING_KEY, endpoint: `${pd.base}/v2/enqueue` },
        { name: 'genie', type: 'opsgenie', severities: both, apiKey: GENIE_KEY, endpoint: og.base },
        { name: 'chat', type: 'slack', severities: both, webhookUrl: slack.url },
        { name: 'teams', type: 'teams', severities: both, webhookUrl: teams.url },
        { name: 'am', type: 'alertmanager', severities: both, url: am.url, hmacSecret: HMAC },
      ],
      deliver: { sleep: async () => undefined, log: (line) => lines.push(line) },
    });
    // Act
    const outcomes = await notifier.notify(firing, CTX);
    // Assess
    expect(outcomes.every((o) => !o.ok && o.attempts === 4)).toBe(true);
    expect(lines).toHaveLength(5 * 3);
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ level: 'WARN', message: 'delivery failed, retrying', destination: 'oncall', host: new URL(pd.base).host, attempt: 1, status: 500 });
    noSecretIn(lines.join('\n'));
    noSecretIn(JSON.stringify(outcomes));
    expect(outcomes.map((o) => o.error)).toEqual(Array(5).fill('HTTP 500: upstream error for <redacted>'));
    // The PagerDuty body holds the routing key: printed, it reads <redacted>.
    expect(outcomes[0]?.redactedBody).toContain('"routing_key":"<redacted>"');
  });
});
