// An Alertmanager webhook receiver, played: the version "4" payload exactly as the <webhook_config>
// documentation lists it (every key, its type; labels and annotations maps of strings; RFC 3339 times;
// endsAt Go's zero time while firing; a 16-hex fingerprint), our User-Agent, and, when it is given the
// HMAC secret, the signature verified with the documented recipe written here independently of the code
// under test: HMAC-SHA256(secret, "<X-PPTP-Monitor-Timestamp>.<raw body>") in hex, prefixed 'sha256=',
// compared in constant time, the timestamp within 5 minutes. Answers 200, or 400 / 401 when it refuses.
// Also plays the `json` destination's receiver (the https body's keys), with the same signature rule.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { dateTime, isObject, jsonRequestHeaders, oneOf, str, stringMap, type Problems } from './checks.js';
import { Incidents, startReceiver, type Receiver, type ServiceModel } from './server.js';

const ZERO_TIME = '0001-01-01T00:00:00Z';
const TOP = ['version', 'groupKey', 'truncatedAlerts', 'status', 'receiver', 'groupLabels', 'commonLabels', 'commonAnnotations', 'externalURL', 'alerts'];
const ALERT = ['status', 'labels', 'annotations', 'startsAt', 'endsAt', 'generatorURL', 'fingerprint'];
/** The keys of the https body (render-https.ts), all always present. */
const HTTPS_KEYS = ['status', 'repeat', 'severity', 'target', 'policy', 'startsAt', 'endsAt', 'regions', 'failureClasses', 'summary', 'description', 'runbook_url', 'dashboard_url', 'dedupKey', 'labels', 'annotations'];

export interface WebhookReceiver extends Receiver {
  url: string;
  incidents: Incidents;
  /** Bodies accepted, parsed. */
  accepted: Array<Record<string, unknown>>;
}

function sameKeys(p: Problems, path: string, v: Record<string, unknown>, keys: readonly string[]): void {
  const got = Object.keys(v).sort();
  const want = [...keys].sort();
  if (JSON.stringify(got) !== JSON.stringify(want)) p.push(`${path}: keys must be exactly ${want.join(', ')}, got ${got.join(', ')}`);
}

/** The documented verification recipe, from scratch. */
export function checkSignature(p: Problems, headers: Record<string, unknown>, body: string, secret: string, nowMs: number): void {
  const timestamp = headers['x-pptp-monitor-timestamp'];
  const signature = headers['x-pptp-monitor-signature'];
  if (typeof timestamp !== 'string' || typeof signature !== 'string') return void p.push('signature: headers missing');
  const expected = `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
  if (expected.length !== signature.length || !timingSafeEqual(Buffer.from(expected), Buffer.from(signature))) p.push('signature: does not verify');
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > 300) p.push('signature: timestamp more than 5 minutes from now');
}

export function validateAlertmanager(p: Problems, m: unknown): void {
  if (!isObject(m)) return void p.push('body: must be a JSON object');
  sameKeys(p, 'message', m, TOP);
  oneOf(p, 'version', m.version, ['4']);
  str(p, 'groupKey', m.groupKey, { min: 1 });
  if (typeof m.truncatedAlerts !== 'number' || !Number.isInteger(m.truncatedAlerts)) p.push('truncatedAlerts: must be an integer');
  oneOf(p, 'status', m.status, ['firing', 'resolved']);
  str(p, 'receiver', m.receiver, { min: 1 });
  for (const key of ['groupLabels', 'commonLabels', 'commonAnnotations'] as const) stringMap(p, key, m[key]);
  str(p, 'externalURL', m.externalURL);
  if (!Array.isArray(m.alerts) || m.alerts.length === 0) return void p.push('alerts: a non-empty list');
  m.alerts.forEach((a: unknown, i) => {
    const at = `alerts[${i}]`;
    if (!isObject(a)) return void p.push(`${at}: must be an object`);
    sameKeys(p, at, a, ALERT);
    oneOf(p, `${at}.status`, a.status, ['firing', 'resolved']);
    stringMap(p, `${at}.labels`, a.labels);
    stringMap(p, `${at}.annotations`, a.annotations);
    if (isObject(a.labels) && typeof a.labels.alertname !== 'string') p.push(`${at}.labels.alertname: required`);
    dateTime(p, `${at}.startsAt`, a.startsAt);
    dateTime(p, `${at}.endsAt`, a.endsAt);
    if ((a.status === 'firing') !== (a.endsAt === ZERO_TIME)) p.push(`${at}.endsAt: must be ${ZERO_TIME} exactly while firing, a real time once resolved`);
    str(p, `${at}.generatorURL`, a.generatorURL);
    if (typeof a.fingerprint !== 'string' || !/^[0-9a-f]{16}$/.test(a.fingerprint)) p.push(`${at}.fingerprint: 16 hex digits`);
  });
}

async function startWebhook(path: string, secret: string | undefined, validateBody: (p: Problems, json: unknown) => void, keyOf: (json: Record<string, unknown>) => [string, string]): Promise<WebhookReceiver> {
  const incidents = new Incidents();
  const accepted: Array<Record<string, unknown>> = [];
  const model: ServiceModel = {
    validate: (req) => {
      if (req.path !== path) return ['path: not found'];
      const p: Problems = [];
      jsonRequestHeaders(p, req.headers);
      if (secret !== undefined) checkSignature(p, req.headers, req.body, secret, Date.now());
      validateBody(p, req.json);
      return p;
    },
    answer: (req) => {
      if (req.problems[0] === 'path: not found') return { status: 404, body: '' };
      if (req.problems.some((x) => x.startsWith('signature:'))) return { status: 401, body: 'bad signature' };
      if (req.problems.length > 0) return { status: 400, body: req.problems.join('\n') };
      const body = req.json as Record<string, unknown>;
      accepted.push(body);
      const [key, event] = keyOf(body);
      incidents.record(key, event);
      return { status: 200, body: '' };
    },
  };
  const receiver = await startReceiver(model);
  return { ...receiver, url: `${receiver.base}${path}`, incidents, accepted };
}

/** An Alertmanager webhook receiver on loopback; with `secret`, unsigned or badly signed requests get 401. */
export function startAlertmanagerReceiver(path: string, secret?: string): Promise<WebhookReceiver> {
  return startWebhook(path, secret, validateAlertmanager, (m) => {
    const alert = (m.alerts as Array<Record<string, unknown>>)[0] ?? {};
    return [String(alert.fingerprint), String(alert.status)];
  });
}

/** A receiver of the `json` body (the SNS https body): every key present, keyed by dedupKey. */
export function startJsonReceiver(path: string, secret?: string): Promise<WebhookReceiver> {
  return startWebhook(
    path,
    secret,
    (p, json) => {
      if (!isObject(json)) return void p.push('body: must be a JSON object');
      sameKeys(p, 'body', json, HTTPS_KEYS);
      oneOf(p, 'status', json.status, ['firing', 'resolved']);
      str(p, 'dedupKey', json.dedupKey, { min: 1 });
    },
    (b) => [String(b.dedupKey), String(b.status)],
  );
}
