// A Teams workflow webhook ("Post to a channel when a webhook request is received"), played: POST to its
// signed URL (path and `sig` query), a `message` with one Adaptive Card attachment (contentType
// application/vnd.microsoft.card.adaptive, content type AdaptiveCard, version 1.4 at most), body elements
// of known types with their required fields, actions Action.OpenUrl with an absolute url, and the whole
// message at most 28 KB. Answers 202 Accepted (the workflow runs afterwards), 401 for a wrong signature,
// 400 for a card Teams would refuse.
import { absoluteUrl, isObject, jsonRequestHeaders, oneOf, onlyKeys, str, type Problems } from './checks.js';
import { Incidents, startReceiver, type Receiver, type ServiceModel } from './server.js';

export interface TeamsReceiver extends Receiver {
  url: string;
  /** Cards accepted, in order. */
  cards: Array<Record<string, unknown>>;
  incidents: Incidents;
}

function element(p: Problems, path: string, e: unknown): void {
  if (!isObject(e)) return void p.push(`${path}: must be an object`);
  switch (e.type) {
    case 'TextBlock':
      str(p, `${path}.text`, e.text, { min: 1 });
      if (e.color !== undefined) oneOf(p, `${path}.color`, e.color, ['Default', 'Dark', 'Light', 'Accent', 'Good', 'Warning', 'Attention']);
      return;
    case 'Container':
      if (e.style !== undefined) oneOf(p, `${path}.style`, e.style, ['default', 'emphasis', 'good', 'attention', 'warning', 'accent']);
      if (!Array.isArray(e.items)) return void p.push(`${path}.items: required list`);
      e.items.forEach((item: unknown, i) => element(p, `${path}.items[${i}]`, item));
      return;
    case 'FactSet':
      if (!Array.isArray(e.facts)) return void p.push(`${path}.facts: required list`);
      e.facts.forEach((f: unknown, i) => {
        if (!isObject(f)) return void p.push(`${path}.facts[${i}]: must be an object`);
        onlyKeys(p, `${path}.facts[${i}]`, f, ['title', 'value']);
        str(p, `${path}.facts[${i}].title`, f.title);
        str(p, `${path}.facts[${i}].value`, f.value);
      });
      return;
    default:
      p.push(`${path}.type: unknown element ${JSON.stringify(e.type)}`);
  }
}

export function validateTeamsMessage(p: Problems, m: unknown, rawBytes: number): void {
  if (rawBytes > 28 * 1024) p.push(`message: at most 28 KB, got ${rawBytes} bytes`);
  if (!isObject(m)) return void p.push('body: must be a JSON object');
  oneOf(p, 'type', m.type, ['message']);
  if (!Array.isArray(m.attachments) || m.attachments.length === 0) return void p.push('attachments: a non-empty list');
  m.attachments.forEach((a: unknown, i) => {
    const at = `attachments[${i}]`;
    if (!isObject(a)) return void p.push(`${at}: must be an object`);
    oneOf(p, `${at}.contentType`, a.contentType, ['application/vnd.microsoft.card.adaptive']);
    const card = a.content;
    if (!isObject(card)) return void p.push(`${at}.content: must be an Adaptive Card`);
    oneOf(p, `${at}.content.type`, card.type, ['AdaptiveCard']);
    oneOf(p, `${at}.content.version`, card.version, ['1.0', '1.1', '1.2', '1.3', '1.4']);
    if (!Array.isArray(card.body) || card.body.length === 0) p.push(`${at}.content.body: a non-empty list`);
    else card.body.forEach((e: unknown, j) => element(p, `${at}.content.body[${j}]`, e));
    if (card.actions !== undefined) {
      if (!Array.isArray(card.actions)) return void p.push(`${at}.content.actions: must be a list`);
      card.actions.forEach((action: unknown, j) => {
        const ap = `${at}.content.actions[${j}]`;
        if (!isObject(action)) return void p.push(`${ap}: must be an object`);
        oneOf(p, `${ap}.type`, action.type, ['Action.OpenUrl']);
        str(p, `${ap}.title`, action.title, { min: 1 });
        absoluteUrl(p, `${ap}.url`, action.url);
      });
    }
  });
}

/** A Teams workflow webhook on loopback at `path?...&sig=<signature>`. */
export async function startTeams(path: string, signature: string): Promise<TeamsReceiver> {
  const cards: TeamsReceiver['cards'] = [];
  const incidents = new Incidents();
  const model: ServiceModel = {
    validate: (req) => {
      if (req.path !== path || req.query.get('sig') !== signature) return ['url: not this workflow, or a wrong signature'];
      const p: Problems = [];
      jsonRequestHeaders(p, req.headers);
      validateTeamsMessage(p, req.json, Buffer.byteLength(req.body));
      return p;
    },
    answer: (req) => {
      if (req.problems[0]?.startsWith('url:')) return { status: 401, body: '' };
      if (req.problems.length > 0) return { status: 400, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: { code: 'InvalidRequestContent', message: req.problems.join('; ') } }) };
      const card = ((req.json as { attachments: Array<{ content: Record<string, unknown> }> }).attachments[0]?.content ?? {}) as Record<string, unknown>;
      cards.push(card);
      const text = JSON.stringify(card);
      const key = /"title":"Dedup key","value":"([^"]+)"/.exec(text)?.[1] ?? '';
      incidents.record(key, /"RESOLVED/.test(text) || /\[RESOLVED\]/.test(text) ? 'resolved' : 'firing');
      return { status: 202, body: '' };
    },
  };
  const receiver = await startReceiver(model);
  return { ...receiver, url: `${receiver.base}${path}?api-version=1&sig=${signature}`, cards, incidents };
}
