// A Slack incoming webhook, played: POST to its secret path, JSON with `text` and Block Kit `blocks`,
// checked against the Block Kit reference's limits (50 blocks; header plain_text 150; section text 3,000
// or 10 fields of 2,000; actions 25 elements; button text 75, url 3,000, style primary | danger; context 10
// elements) and mrkdwn's escaping (a bare & < > is a control character: only entities, <!date^...|...>
// and <url|text> may use them). Answers 200 `ok`, 404 `no_service` for another path, 400
// `invalid_blocks` / `invalid_payload`.
import { absoluteUrl, isObject, jsonRequestHeaders, oneOf, onlyKeys, str, type Problems } from './checks.js';
import { Incidents, startReceiver, type Receiver, type ServiceModel } from './server.js';

export interface SlackReceiver extends Receiver {
  /** The webhook URL (its path is the secret). */
  url: string;
  /** Messages accepted, in order. */
  messages: Array<{ text: string; blocks: Array<Record<string, unknown>> }>;
  incidents: Incidents;
}

/** mrkdwn text: & only in an entity, < > only in Slack's own <...> forms. */
function mrkdwn(p: Problems, path: string, text: string): void {
  const rest = text.replace(/<!date\^\d+\^[^|>]+\|[^<>]*>/g, '').replace(/<https?:\/\/[^|<>\s]+(\|[^<>]*)?>/g, '');
  if (/[<>]/.test(rest)) p.push(`${path}: a bare < or > (escape it as &lt; &gt;)`);
  if (/&(?!(amp|lt|gt);)/.test(rest)) p.push(`${path}: a bare & (escape it as &amp;)`);
}

function textObject(p: Problems, path: string, v: unknown, o: { max: number; plainOnly?: boolean }): void {
  if (!isObject(v)) return void p.push(`${path}: must be a text object`);
  oneOf(p, `${path}.type`, v.type, o.plainOnly ? ['plain_text'] : ['plain_text', 'mrkdwn']);
  str(p, `${path}.text`, v.text, { min: 1, max: o.max });
  if (v.type === 'mrkdwn' && typeof v.text === 'string') mrkdwn(p, `${path}.text`, v.text);
}

export function validateBlocks(p: Problems, blocks: unknown): void {
  if (!Array.isArray(blocks) || blocks.length > 50) return void p.push('blocks: a list of at most 50');
  blocks.forEach((b: unknown, i) => {
    const at = `blocks[${i}]`;
    if (!isObject(b)) return void p.push(`${at}: must be an object`);
    switch (b.type) {
      case 'header':
        return textObject(p, `${at}.text`, b.text, { max: 150, plainOnly: true });
      case 'section':
        if (b.text === undefined && b.fields === undefined) p.push(`${at}: needs text or fields`);
        if (b.text !== undefined) textObject(p, `${at}.text`, b.text, { max: 3000 });
        if (b.fields !== undefined) {
          if (!Array.isArray(b.fields) || b.fields.length > 10) p.push(`${at}.fields: at most 10`);
          else b.fields.forEach((f: unknown, j) => textObject(p, `${at}.fields[${j}]`, f, { max: 2000 }));
        }
        return;
      case 'actions':
        if (!Array.isArray(b.elements) || b.elements.length === 0 || b.elements.length > 25) return void p.push(`${at}.elements: 1 to 25`);
        b.elements.forEach((e: unknown, j) => {
          const el = `${at}.elements[${j}]`;
          if (!isObject(e) || e.type !== 'button') return void p.push(`${el}: only buttons are expected`);
          onlyKeys(p, el, e, ['type', 'text', 'url', 'action_id', 'style', 'value']);
          textObject(p, `${el}.text`, e.text, { max: 75, plainOnly: true });
          absoluteUrl(p, `${el}.url`, e.url, 3000);
          str(p, `${el}.action_id`, e.action_id, { max: 255, required: false });
          if (e.style !== undefined) oneOf(p, `${el}.style`, e.style, ['primary', 'danger']);
        });
        return;
      case 'context':
        if (!Array.isArray(b.elements) || b.elements.length === 0 || b.elements.length > 10) return void p.push(`${at}.elements: 1 to 10`);
        b.elements.forEach((e: unknown, j) => textObject(p, `${at}.elements[${j}]`, e, { max: 3000 }));
        return;
      case 'divider':
        return;
      default:
        p.push(`${at}.type: unknown block type ${JSON.stringify(b.type)}`);
    }
  });
}

/** A Slack incoming webhook on loopback at /services/<team>/<bot>/<secret>. */
export async function startSlack(secretPath: string): Promise<SlackReceiver> {
  const messages: SlackReceiver['messages'] = [];
  const incidents = new Incidents();
  const model: ServiceModel = {
    validate: (req) => {
      const p: Problems = [];
      if (req.path !== secretPath) return ['path: no such webhook'];
      jsonRequestHeaders(p, req.headers);
      const m = req.json;
      if (!isObject(m)) return [...p, 'body: must be a JSON object'];
      str(p, 'text', m.text, { min: 1, max: 40_000 });
      if (typeof m.text === 'string') mrkdwn(p, 'text', m.text);
      validateBlocks(p, m.blocks);
      return p;
    },
    answer: (req) => {
      const plain = { 'content-type': 'text/html' };
      if (req.problems[0] === 'path: no such webhook') return { status: 404, headers: plain, body: 'no_service' };
      if (req.problems.length > 0) return { status: 400, headers: plain, body: isObject(req.json) ? 'invalid_blocks' : 'invalid_payload' };
      const m = req.json as SlackReceiver['messages'][number];
      messages.push(m);
      // The dedup key is in the context line, as `key`: it pairs a firing message with its resolved one.
      const key = /Dedup key: `([^`]+)`/.exec(JSON.stringify(m.blocks).replace(/\\"/g, '"'))?.[1] ?? '';
      incidents.record(key, /RESOLVED/.test(m.text) ? 'resolved' : 'firing');
      return { status: 200, headers: plain, body: 'ok' };
    },
  };
  const receiver = await startReceiver(model);
  return { ...receiver, url: `${receiver.base}${secretPath}`, messages, incidents };
}
