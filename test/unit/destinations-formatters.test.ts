// The on-call formatters, pure: each request checked against its service's documented schema (the same
// checks the receivers in test/support/receivers apply), and what each must say: severity mapping, one
// dedup key per incident, resolve events with only what the API requires, links only when absolute,
// the limits of each field under hostile input, Slack's escaping, the HMAC recipe, and `json` unchanged.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { renderAlert, type RenderContext } from '../../shared/alerts/render.js';
import {
  alertmanagerRequest,
  jsonRequest,
  opsgenieRequest,
  pagerDutyRequest,
  signatureHeaders,
  slackRequest,
  teamsRequest,
  verifySignature,
  type HttpRequest,
} from '../../shared/alerts/destinations/index.js';
import type { Notification } from '../../shared/sla/notification.js';
import { validateAlertmanager, checkSignature } from '../support/receivers/alertmanager.js';
import { validateOpsgenie } from '../support/receivers/opsgenie.js';
import { validatePagerDuty } from '../support/receivers/pagerduty.js';
import { validateBlocks } from '../support/receivers/slack.js';
import { validateTeamsMessage } from '../support/receivers/teams.js';

const MINUTE_MS = 60_000;
const T0_MS = Date.UTC(2026, 10, 24, 10, 0, 0);
const T0_ISO = '2026-11-24T10:00:00.000Z';
const ROUTING_KEY = 'R0123456789abcdef0123456789abcde';
const CTX: RenderContext = {
  runbookBaseUrl: 'https://runbooks.example.com/pptp/',
  dashboardUrl: 'https://console.aws.amazon.com/cloudwatch/home#dashboards:name=pptp-hq-gw',
  target: { owner: 'netops', tags: { site: 'hq' } },
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
    regions: { all: ['eu-west-1', 'us-east-1', 'ap-southeast-2'], affected: ['eu-west-1', 'us-east-1'] },
    failureClasses: { connect_timeout: 33, connection_reset: 2 },
    dominantFailureClass: 'connect_timeout',
    slo: 99.9,
    errorBudgetRemaining: 0.42,
    ...overrides,
  };
}
const resolved = (o: Partial<Notification> = {}): Notification => notification({ status: 'resolved', endsAt: T0_MS + 20 * MINUTE_MS, at: T0_MS + 23 * MINUTE_MS, ...o });
const json = (r: HttpRequest): Record<string, unknown> => JSON.parse(r.body) as Record<string, unknown>;
const asReceived = (r: HttpRequest) => {
  const url = new URL(r.url);
  return { method: r.method, path: url.pathname, query: url.searchParams, headers: r.headers, body: r.body, json: JSON.parse(r.body) as unknown };
};
/** A notification built to overflow every field: a huge target name, owner, rule, 500 regions. */
const hostile = (): Notification =>
  notification({
    target: `gw-${'x'.repeat(5000)}<@U123>&`,
    dedupKey: `gw-${'x'.repeat(5000)}/down/${T0_ISO}`,
    rule: 'r'.repeat(10_000),
    regions: { all: Array.from({ length: 500 }, (_, i) => `loc-${i}-${'y'.repeat(300)}`), affected: Array.from({ length: 500 }, (_, i) => `loc-${i}-${'y'.repeat(300)}`) },
  });
const HOSTILE_CTX: RenderContext = { ...CTX, target: { owner: `Net<ops> & ${'o'.repeat(5000)}`, tags: {} } };

describe('pagerDutyRequest', () => {
  it('triggers with critical severity for a page and warning for a ticket, the dedup key, class, links and client', () => {
    const page = pagerDutyRequest(notification(), CTX, { routingKey: ROUTING_KEY });
    expect(page.url).toBe('https://events.pagerduty.com/v2/enqueue');
    expect(validatePagerDuty(asReceived(page), ROUTING_KEY)).toEqual([]);
    const event = json(page);
    expect(event).toMatchObject({
      routing_key: ROUTING_KEY,
      event_action: 'trigger',
      dedup_key: `hq-gw/down/${T0_ISO}`,
      payload: { summary: '[PAGE] hq-gw DOWN in 2/3 regions: connect_timeout', source: 'hq-gw', severity: 'critical', timestamp: '2026-11-24T10:12:00.000Z', component: 'hq-gw', group: 'netops', class: 'connect_timeout' },
      links: [
        { href: 'https://runbooks.example.com/pptp/connect_timeout.md', text: 'Runbook: connect_timeout' },
        { href: CTX.dashboardUrl, text: 'Dashboard' },
      ],
      client: 'pptp-monitor',
      client_url: CTX.dashboardUrl,
    });
    const ticket = json(pagerDutyRequest(notification({ severity: 'ticket', policy: 'latency', dominantFailureClass: undefined, latency: { thresholdMs: 250, p95ByRegion: { 'eu-west-1': 400 } } }), CTX, { routingKey: ROUTING_KEY }));
    expect(ticket).toMatchObject({ payload: { severity: 'warning', class: 'latency' } });
  });

  it('re-triggers a reminder under the same key, and resolves with only routing_key, event_action and dedup_key', () => {
    const reminder = json(pagerDutyRequest(notification({ status: 'reminder', at: T0_MS + 60 * MINUTE_MS }), CTX, { routingKey: ROUTING_KEY }));
    expect(reminder).toMatchObject({ event_action: 'trigger', dedup_key: `hq-gw/down/${T0_ISO}` });
    const resolve = pagerDutyRequest(resolved(), CTX, { routingKey: ROUTING_KEY, endpoint: 'http://127.0.0.1:9/v2/enqueue' });
    expect(resolve.url).toBe('http://127.0.0.1:9/v2/enqueue');
    expect(json(resolve)).toEqual({ routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: `hq-gw/down/${T0_ISO}` });
  });

  it('keeps a hostile notification inside the documented limits (summary 1024, dedup_key 255), still one key per incident', () => {
    const request = pagerDutyRequest(hostile(), HOSTILE_CTX, { routingKey: ROUTING_KEY });
    expect(validatePagerDuty(asReceived(request), ROUTING_KEY)).toEqual([]);
    const key = (json(request) as { dedup_key: string }).dedup_key;
    expect(key.length).toBeLessThanOrEqual(255);
    expect((json(pagerDutyRequest({ ...hostile(), status: 'resolved', endsAt: T0_MS }, HOSTILE_CTX, { routingKey: ROUTING_KEY })) as { dedup_key: string }).dedup_key).toBe(key);
  });

  it('links nothing when the runbook base is repo-relative (PagerDuty refuses a relative href)', () => {
    const event = json(pagerDutyRequest(notification(), { runbookBaseUrl: 'docs/runbooks/' }, { routingKey: ROUTING_KEY }));
    expect(event['links']).toEqual([]);
    expect((event['payload'] as { custom_details: { runbook: string } }).custom_details.runbook).toBe('docs/runbooks/connect_timeout.md');
  });
});

describe('opsgenieRequest', () => {
  it('creates with alias = dedup key, P1 for a page, P3 for a ticket, tags and details, GenieKey header', () => {
    const create = opsgenieRequest(notification(), CTX, { apiKey: 'genie-key-1', endpoint: 'https://api.eu.opsgenie.com' });
    expect(create.url).toBe('https://api.eu.opsgenie.com/v2/alerts');
    expect(create.headers['authorization']).toBe('GenieKey genie-key-1');
    expect(validateOpsgenie(asReceived(create), 'genie-key-1')).toEqual([]);
    expect(json(create)).toMatchObject({
      message: '[PAGE] hq-gw DOWN in 2/3 regions: connect_timeout',
      alias: `hq-gw/down/${T0_ISO}`,
      priority: 'P1',
      tags: ['pptp-monitor', 'target:hq-gw', 'policy:down', 'severity:page', 'class:connect_timeout', 'owner:netops'],
      entity: 'hq-gw',
      source: 'pptp-monitor',
      details: { target: 'hq-gw', policy: 'down', severity: 'page', runbook: 'https://runbooks.example.com/pptp/connect_timeout.md' },
    });
    expect(json(opsgenieRequest(notification({ severity: 'ticket' }), CTX, { apiKey: 'k' }))['priority']).toBe('P3');
  });

  it('closes by alias (escaped in the path) with identifierType=alias', () => {
    const close = opsgenieRequest(resolved(), CTX, { apiKey: 'genie-key-1' });
    expect(close.url).toBe(`https://api.opsgenie.com/v2/alerts/${encodeURIComponent(`hq-gw/down/${T0_ISO}`)}/close?identifierType=alias`);
    expect(validateOpsgenie(asReceived(close), 'genie-key-1')).toEqual([]);
    expect(Object.keys(json(close)).sort()).toEqual(['note', 'source', 'user']);
  });

  it('keeps a hostile notification inside message 130, description 15,000, 20 tags of 50, details 8,000', () => {
    const create = opsgenieRequest(hostile(), HOSTILE_CTX, { apiKey: 'k' });
    expect(validateOpsgenie(asReceived(create), 'k')).toEqual([]);
    expect((json(create)['message'] as string).length).toBeLessThanOrEqual(130);
    // A longest config-valid name (63) makes a 70-character target tag: left out, not cut into another tag.
    const name = `gw-${'a'.repeat(60)}`;
    const tags = json(opsgenieRequest(notification({ target: name, dedupKey: `${name}/down/${T0_ISO}` }), CTX, { apiKey: 'k' }))['tags'] as string[];
    expect(tags).toEqual(['pptp-monitor', 'policy:down', 'severity:page', 'class:connect_timeout', 'owner:netops']);
  });
});

describe('slackRequest', () => {
  it('is a Block Kit card: header, what, where, since (UTC ISO and the reader\'s time), runbook as a button, fallback text', () => {
    const request = slackRequest(notification(), CTX, { webhookUrl: 'https://hooks.slack.com/services/T/B/X' });
    const message = json(request) as { text: string; blocks: Array<Record<string, unknown>> };
    const problems: string[] = [];
    validateBlocks(problems, message.blocks);
    expect(problems).toEqual([]);
    expect(message.text).toBe(`[PAGE] hq-gw DOWN in 2/3 regions: connect_timeout (since ${T0_ISO})`);
    expect(message.blocks.map((b) => b['type'])).toEqual(['header', 'section', 'section', 'actions', 'context']);
    const text = JSON.stringify(message.blocks);
    expect(text).toContain('2 of 3 locations: eu-west-1, us-east-1');
    expect(text).toContain(`${T0_ISO}\\n<!date^${T0_MS / 1000}^{date_short_pretty} {time}|2026-11-24 10:00 UTC> (for 12 min)`);
    expect(message.blocks[3]).toEqual({
      type: 'actions',
      elements: [
        { type: 'button', text: { type: 'plain_text', text: 'Open runbook', emoji: false }, url: 'https://runbooks.example.com/pptp/connect_timeout.md', action_id: 'runbook', style: 'danger' },
        { type: 'button', text: { type: 'plain_text', text: 'Dashboard', emoji: false }, url: CTX.dashboardUrl, action_id: 'dashboard' },
      ],
    });
  });

  it('shows a resolved incident in its own style: check mark header, RESOLVED, a green (primary) button, start and end', () => {
    const message = json(slackRequest(resolved(), CTX, { webhookUrl: 'https://hooks.slack.com/services/T/B/X' })) as { blocks: Array<{ type: string; text?: { text: string }; elements?: Array<{ style?: string }> }> };
    expect(message.blocks[0]?.text?.text).toBe(':white_check_mark: [RESOLVED] hq-gw DOWN (lasted 20m)');
    expect(message.blocks[3]?.elements?.[0]?.style).toBe('primary');
    expect(JSON.stringify(message.blocks)).toContain(`${T0_ISO} to 2026-11-24T10:20:00.000Z`);
  });

  it('escapes Slack control characters in free text and stays in the block limits with a hostile notification', () => {
    const message = json(slackRequest(hostile(), HOSTILE_CTX, { webhookUrl: 'https://hooks.slack.com/services/T/B/X' })) as { text: string; blocks: unknown[] };
    const problems: string[] = [];
    validateBlocks(problems, message.blocks);
    expect(problems).toEqual([]);
    expect(JSON.stringify(message.blocks)).toContain('Net&lt;ops&gt; &amp; ');
    expect(JSON.stringify(message)).not.toContain('<@U123>');
  });
});

describe('teamsRequest', () => {
  it('is a message with one Adaptive Card 1.4: red container when firing, facts, runbook as Action.OpenUrl', () => {
    const request = teamsRequest(notification(), CTX, { webhookUrl: 'https://example.webhook.office.com/x?sig=s' });
    const message = json(request) as { type: string; attachments: Array<{ contentType: string; contentUrl: null; content: Record<string, unknown> }> };
    const problems: string[] = [];
    validateTeamsMessage(problems, message, Buffer.byteLength(request.body));
    expect(problems).toEqual([]);
    expect(message.attachments).toHaveLength(1);
    const card = message.attachments[0]!.content;
    expect(card).toMatchObject({ type: 'AdaptiveCard', version: '1.4', body: [{ type: 'Container', style: 'attention', items: [{ color: 'Attention' }] }, { type: 'TextBlock' }, { type: 'FactSet' }] });
    expect(card['actions']).toEqual([
      { type: 'Action.OpenUrl', title: 'Open runbook', url: 'https://runbooks.example.com/pptp/connect_timeout.md' },
      { type: 'Action.OpenUrl', title: 'Dashboard', url: CTX.dashboardUrl },
    ]);
    expect(JSON.stringify(card)).toContain(`${T0_ISO} ({{DATE(2026-11-24T10:00:00Z, SHORT)}} {{TIME(2026-11-24T10:00:00Z)}}), for 12 min`);
  });

  it('turns green when resolved, and stays under 28 KB with a hostile notification', () => {
    const card = (json(teamsRequest(resolved(), CTX, { webhookUrl: 'https://t.example.com/' })) as { attachments: Array<{ content: { body: Array<{ style?: string }> } }> }).attachments[0]!.content;
    expect(card.body[0]?.style).toBe('good');
    const big = teamsRequest(hostile(), HOSTILE_CTX, { webhookUrl: 'https://t.example.com/' });
    const problems: string[] = [];
    validateTeamsMessage(problems, JSON.parse(big.body), Buffer.byteLength(big.body));
    expect(problems).toEqual([]);
  });
});

describe('alertmanagerRequest', () => {
  it('is the version 4 payload exactly: one alert, zero endsAt while firing, labels and annotations of strings', () => {
    const request = alertmanagerRequest(notification(), CTX, { url: 'https://am.example.com/hook', receiver: 'am' });
    const problems: string[] = [];
    validateAlertmanager(problems, json(request));
    expect(problems).toEqual([]);
    expect(json(request)).toMatchObject({
      version: '4',
      groupKey: '{}:{alertname="PptpGatewayDown", target="hq-gw"}',
      truncatedAlerts: 0,
      status: 'firing',
      receiver: 'am',
      groupLabels: { alertname: 'PptpGatewayDown', target: 'hq-gw' },
      commonLabels: { alertname: 'PptpGatewayDown', target: 'hq-gw', policy: 'down', severity: 'page', owner: 'netops', failure_class: 'connect_timeout' },
      externalURL: CTX.dashboardUrl,
      alerts: [{ status: 'firing', startsAt: T0_ISO, endsAt: '0001-01-01T00:00:00Z', generatorURL: CTX.dashboardUrl }],
    });
    expect(request.headers['user-agent']).toMatch(/^pptp-monitor\/\d+\.\d+\.\d+$/);
    expect(request.headers['x-pptp-monitor-signature']).toBeUndefined();
  });

  it('resolves with the real end time and the same fingerprint', () => {
    const firing = json(alertmanagerRequest(notification(), CTX, { url: 'https://x/', receiver: 'am' })) as { alerts: Array<{ fingerprint: string }> };
    const done = json(alertmanagerRequest(resolved(), CTX, { url: 'https://x/', receiver: 'am' })) as { status: string; alerts: Array<{ fingerprint: string; endsAt: string }> };
    expect(done.status).toBe('resolved');
    expect(done.alerts[0]?.endsAt).toBe('2026-11-24T10:20:00.000Z');
    expect(done.alerts[0]?.fingerprint).toBe(firing.alerts[0]?.fingerprint);
    expect(json(alertmanagerRequest(notification({ dedupKey: 'other' }), CTX, { url: 'https://x/', receiver: 'am' }))).not.toMatchObject({ alerts: [{ fingerprint: firing.alerts[0]?.fingerprint }] });
  });

  it('signs timestamp.body with HMAC-SHA256 as documented; a changed body, a wrong secret or an old timestamp fail', () => {
    const now = Date.UTC(2026, 10, 24, 10, 30);
    const request = alertmanagerRequest(notification(), CTX, { url: 'https://x/', receiver: 'am', hmacSecret: 's3cret-hmac', nowMs: now });
    const timestamp = request.headers['x-pptp-monitor-timestamp'];
    expect(timestamp).toBe(String(now / 1000));
    // The recipe, by hand: hex HMAC-SHA256 of "<timestamp>.<body>".
    expect(request.headers['x-pptp-monitor-signature']).toBe(`sha256=${createHmac('sha256', 's3cret-hmac').update(`${timestamp}.${request.body}`).digest('hex')}`);
    const problems: string[] = [];
    checkSignature(problems, request.headers, request.body, 's3cret-hmac', now + 1000);
    expect(problems).toEqual([]);
    const headers = { timestamp, signature: request.headers['x-pptp-monitor-signature'] };
    expect(verifySignature(request.body, headers, 's3cret-hmac', now)).toEqual({ ok: true });
    expect(verifySignature(`${request.body} `, headers, 's3cret-hmac', now)).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifySignature(request.body, headers, 'other', now)).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifySignature(request.body, headers, 's3cret-hmac', now + 301_000)).toEqual({ ok: false, reason: 'stale' });
    expect(verifySignature(request.body, { timestamp, signature: undefined }, 's3cret-hmac', now)).toEqual({ ok: false, reason: 'missing' });
    expect(signatureHeaders('b', 'k', now)).toEqual({ 'x-pptp-monitor-timestamp': String(now / 1000), 'x-pptp-monitor-signature': `sha256=${createHmac('sha256', 'k').update(`${now / 1000}.b`).digest('hex')}` });
  });
});

describe('jsonRequest', () => {
  it('sends the SNS https body byte for byte; a test marks the summaries [TEST] and adds no key', () => {
    const n = notification();
    const https = (JSON.parse(renderAlert(n, CTX).message) as { https: string }).https;
    expect(jsonRequest(n, CTX, { url: 'https://x/' }).body).toBe(https);
    const test = JSON.parse(jsonRequest(n, CTX, { url: 'https://x/' }, { test: true }).body) as Record<string, unknown>;
    expect(Object.keys(test)).toEqual(Object.keys(JSON.parse(https) as object));
    expect(test['summary']).toBe('[TEST] [PAGE] hq-gw DOWN in 2/3 regions: connect_timeout');
    expect(test['description']).toMatch(/^TEST notification sent by pptp-monitor notify-test: nothing is wrong, no action is needed\. hq-gw: DOWN/);
  });
});
