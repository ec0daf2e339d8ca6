// PagerDuty Events API v2, played: POST /v2/enqueue, checked as "Send an Alert Event" documents it
// (routing_key of 32 characters, event_action, dedup_key at most 255, payload.summary at most 1024,
// source, severity critical | error | warning | info, links with href, a body at most 512 KB), answered
// 202 { status: 'success', message: 'Event processed', dedup_key } or 400 { status: 'invalid event',
// message: 'Event object is invalid', errors }. A trigger opens the dedup key's alert (or adds to it), a
// resolve closes an open one; a resolve for a key with no open alert is dropped, as PagerDuty does.
import { absoluteUrl, dateTime, isObject, jsonRequestHeaders, oneOf, onlyKeys, str, type Problems } from './checks.js';
import { Incidents, startReceiver, type Receiver, type ServiceModel } from './server.js';

const TOP_KEYS = ['routing_key', 'event_action', 'dedup_key', 'payload', 'images', 'links', 'client', 'client_url'];
const PAYLOAD_KEYS = ['summary', 'source', 'severity', 'timestamp', 'component', 'group', 'class', 'custom_details'];
/** A resolve or acknowledge needs these and nothing else (the brief's and the docs' example). */
const FOLLOW_UP_KEYS = ['routing_key', 'event_action', 'dedup_key'];

export interface PagerDutyReceiver extends Receiver {
  incidents: Incidents;
  /** Events accepted, in order. */
  accepted: Array<Record<string, unknown>>;
}

export function validatePagerDuty(req: { method: string; path: string; headers: Record<string, unknown>; body: string; json: unknown }, routingKey: string): Problems {
  const p: Problems = [];
  if (req.method !== 'POST' || req.path !== '/v2/enqueue') p.push(`${req.method} ${req.path}: the Events API v2 takes POST /v2/enqueue`);
  jsonRequestHeaders(p, req.headers);
  if (Buffer.byteLength(req.body) > 512 * 1024) p.push('body: at most 512 KB');
  const e = req.json;
  if (!isObject(e)) return [...p, 'body: must be a JSON object'];
  onlyKeys(p, 'event', e, TOP_KEYS);
  str(p, 'routing_key', e.routing_key, { min: 32, max: 32 });
  if (typeof e.routing_key === 'string' && e.routing_key.length === 32 && e.routing_key !== routingKey) p.push('routing_key: no integration has this key');
  oneOf(p, 'event_action', e.event_action, ['trigger', 'acknowledge', 'resolve']);
  str(p, 'dedup_key', e.dedup_key, { min: 1, max: 255, required: e.event_action !== 'trigger' });
  if (e.event_action !== 'trigger') {
    onlyKeys(p, 'event', e, FOLLOW_UP_KEYS);
    return p;
  }
  const payload = e.payload;
  if (!isObject(payload)) return [...p, 'payload: required object'];
  onlyKeys(p, 'payload', payload, PAYLOAD_KEYS);
  str(p, 'payload.summary', payload.summary, { min: 1, max: 1024 });
  str(p, 'payload.source', payload.source, { min: 1 });
  oneOf(p, 'payload.severity', payload.severity, ['critical', 'error', 'warning', 'info']);
  if (payload.timestamp !== undefined) dateTime(p, 'payload.timestamp', payload.timestamp);
  for (const key of ['component', 'group', 'class'] as const) str(p, `payload.${key}`, payload[key], { required: false });
  if (payload.custom_details !== undefined && !isObject(payload.custom_details)) p.push('payload.custom_details: must be an object');
  if (e.links !== undefined) {
    if (!Array.isArray(e.links)) p.push('links: must be a list');
    else
      e.links.forEach((link: unknown, i) => {
        if (!isObject(link)) return void p.push(`links[${i}]: must be an object`);
        onlyKeys(p, `links[${i}]`, link, ['href', 'text']);
        absoluteUrl(p, `links[${i}].href`, link.href);
        str(p, `links[${i}].text`, link.text, { required: false });
      });
  }
  str(p, 'client', e.client, { required: false });
  if (e.client_url !== undefined) absoluteUrl(p, 'client_url', e.client_url);
  return p;
}

/** A PagerDuty Events API v2 on loopback that knows one integration (its 32-character routing key). */
export async function startPagerDuty(routingKey: string): Promise<PagerDutyReceiver> {
  const incidents = new Incidents();
  const accepted: Array<Record<string, unknown>> = [];
  const model: ServiceModel = {
    validate: (req) => validatePagerDuty(req, routingKey),
    answer: (req) => {
      if (req.problems.length > 0) return { status: 400, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 'invalid event', message: 'Event object is invalid', errors: req.problems }) };
      const e = req.json as Record<string, unknown>;
      const key = String(e.dedup_key);
      accepted.push(e);
      const open = incidents.open('trigger').includes(key);
      if (e.event_action === 'trigger') incidents.record(key, 'trigger');
      else if (open) incidents.record(key, String(e.event_action));
      return { status: 202, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 'success', message: 'Event processed', dedup_key: key }) };
    },
  };
  return { ...(await startReceiver(model)), incidents, accepted };
}
