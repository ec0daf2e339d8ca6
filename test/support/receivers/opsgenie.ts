// Opsgenie's Alert API, played: POST /v2/alerts (create) and POST /v2/alerts/{identifier}/close with
// identifierType id | tiny | alias, `Authorization: GenieKey <key>`, checked against the Create and Close
// Alert requests' documented fields and limits (message 1-130, alias 512, description 15,000, at most 20
// tags of 50, details strings totalling 8,000, entity 512, source 100, priority P1-P5; close: user and
// source 100, note 25,000). Answers 202 { result: 'Request will be processed', took, requestId }, 401 for a
// wrong key and 422 for an invalid body. A create with the alias of an open alert adds to it (count), as
// Opsgenie de-duplicates; a close closes it.
import { randomUUID } from 'node:crypto';
import { isObject, jsonRequestHeaders, oneOf, onlyKeys, str, type Problems } from './checks.js';
import { Incidents, startReceiver, type Receiver, type ServiceModel } from './server.js';

const CREATE_KEYS = ['message', 'alias', 'description', 'responders', 'visibleTo', 'actions', 'tags', 'details', 'entity', 'source', 'priority', 'user', 'note'];
const CLOSE_KEYS = ['user', 'source', 'note'];

export interface OpsgenieReceiver extends Receiver {
  incidents: Incidents;
  /** Per alias, how many creates it received while open (Opsgenie's de-duplication count). */
  counts: Map<string, number>;
}

type Req = { method: string; path: string; query: URLSearchParams; headers: Record<string, unknown>; json: unknown };

function closeAlias(path: string): string | undefined {
  const m = /^\/v2\/alerts\/([^/]+)\/close$/.exec(path);
  return m ? decodeURIComponent(m[1] ?? '') : undefined;
}

export function validateOpsgenie(req: Req, apiKey: string): Problems {
  const p: Problems = [];
  jsonRequestHeaders(p, req.headers);
  if (req.headers['authorization'] !== `GenieKey ${apiKey}`) p.push('authorization: must be GenieKey <the integration key>');
  const body = req.json;
  if (!isObject(body)) return [...p, 'body: must be a JSON object'];
  if (req.method === 'POST' && req.path === '/v2/alerts') {
    onlyKeys(p, 'create', body, CREATE_KEYS);
    str(p, 'message', body.message, { min: 1, max: 130 });
    str(p, 'alias', body.alias, { max: 512, required: false });
    str(p, 'description', body.description, { max: 15_000, required: false });
    str(p, 'entity', body.entity, { max: 512, required: false });
    str(p, 'source', body.source, { max: 100, required: false });
    if (body.priority !== undefined) oneOf(p, 'priority', body.priority, ['P1', 'P2', 'P3', 'P4', 'P5']);
    if (body.tags !== undefined) {
      if (!Array.isArray(body.tags) || body.tags.length > 20) p.push('tags: a list of at most 20');
      else body.tags.forEach((t: unknown, i) => str(p, `tags[${i}]`, t, { min: 1, max: 50 }));
    }
    if (body.details !== undefined) {
      if (!isObject(body.details)) p.push('details: must be an object of strings');
      else {
        let total = 0;
        for (const [k, v] of Object.entries(body.details)) {
          if (typeof v !== 'string') p.push(`details.${k}: must be a string`);
          total += k.length + String(v).length;
        }
        if (total > 8000) p.push(`details: at most 8000 characters in all, got ${total}`);
      }
    }
    return p;
  }
  const alias = closeAlias(req.path);
  if (req.method === 'POST' && alias !== undefined) {
    oneOf(p, 'identifierType', req.query.get('identifierType'), ['id', 'tiny', 'alias']);
    str(p, 'identifier', alias, { min: 1, max: 512 });
    onlyKeys(p, 'close', body, CLOSE_KEYS);
    str(p, 'user', body.user, { max: 100, required: false });
    str(p, 'source', body.source, { max: 100, required: false });
    str(p, 'note', body.note, { max: 25_000, required: false });
    return p;
  }
  return [...p, `${req.method} ${req.path}: not an Alert API request`];
}

/** An Opsgenie Alert API on loopback that accepts one integration key. */
export async function startOpsgenie(apiKey: string): Promise<OpsgenieReceiver> {
  const incidents = new Incidents();
  const counts = new Map<string, number>();
  const reply = (status: number, extra: Record<string, unknown>) => ({
    status,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...extra, took: 0.004, requestId: randomUUID() }),
  });
  const model: ServiceModel = {
    validate: (req) => validateOpsgenie(req, apiKey),
    answer: (req) => {
      if (req.headers['authorization'] !== `GenieKey ${apiKey}`) return reply(401, { message: 'Key format is not valid!' });
      if (req.problems.length > 0) return reply(422, { message: 'Request body is not processable', errors: req.problems });
      const body = req.json as Record<string, unknown>;
      const alias = closeAlias(req.path);
      if (alias === undefined) {
        const key = String(body.alias ?? body.message);
        if (!incidents.open('create').includes(key)) {
          incidents.record(key, 'create');
          counts.set(key, 1);
        } else counts.set(key, (counts.get(key) ?? 0) + 1);
      } else if (incidents.open('create').includes(alias)) incidents.record(alias, 'close');
      return reply(202, { result: 'Request will be processed' });
    },
  };
  return { ...(await startReceiver(model)), incidents, counts };
}
