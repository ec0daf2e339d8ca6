// Opsgenie Alert API v2 (docs.opsgenie.com "Alert API"): create with `POST /v2/alerts`, close with
// `POST /v2/alerts/{identifier}/close?identifierType=alias`, header `Authorization: GenieKey <key>`, base
// https://api.opsgenie.com (EU accounts: https://api.eu.opsgenie.com). Limits applied here, as the Create
// Alert request documents them:
//   * message: required, at most 130 characters;
//   * alias: at most 512 characters; an open alert with the same alias is not created again (its count goes
//     up), so a reminder is another create with the same alias;
//   * description: at most 15,000 characters; tags: at most 20, each at most 50 characters;
//   * details: a map of strings, at most 8,000 characters in total; entity: at most 512; source: at most 100;
//   * priority: P1-P5 (default P3); close's source and user at most 100, note at most 25,000.
// Every request is answered 202 { result: 'Request will be processed', took, requestId }: it is queued, and
// Opsgenie processes it asynchronously. Pure.
import { OPSGENIE_API_URLS } from '../../config/notify-rules.js';
import type { Notification } from '../../sla/notification.js';
import type { RenderContext } from '../render.js';
import { alertFacts, JSON_HEADERS, keyWithin, truncate, type FormatOptions, type HttpRequest } from './common.js';

export const OPSGENIE_MESSAGE_MAX_CHARS = 130;
export const OPSGENIE_ALIAS_MAX_CHARS = 512;
export const OPSGENIE_DESCRIPTION_MAX_CHARS = 15_000;
export const OPSGENIE_MAX_TAGS = 20;
export const OPSGENIE_TAG_MAX_CHARS = 50;
/** details: the sum of its keys' and values' characters. */
export const OPSGENIE_DETAILS_MAX_CHARS = 8000;
export const OPSGENIE_ENTITY_MAX_CHARS = 512;
export const OPSGENIE_SOURCE_MAX_CHARS = 100;
export const OPSGENIE_NOTE_MAX_CHARS = 25_000;
export const OPSGENIE_SOURCE = 'pptp-monitor';

export interface OpsgenieSettings {
  /** The API integration's key (a secret: it is in the Authorization header). */
  apiKey: string;
  /** API base URL; default the US one. A trailing `/v2/alerts` is accepted and dropped. */
  endpoint?: string;
}

export interface OpsgenieCreate {
  message: string;
  alias: string;
  description: string;
  priority: 'P1' | 'P3';
  tags: string[];
  details: Record<string, string>;
  entity: string;
  source: string;
}

export interface OpsgenieClose {
  source: string;
  user: string;
  note: string;
}

/** Opsgenie's tags are short labels; a tag longer than the limit is dropped rather than cut into a new one. */
function tagsFor(n: Notification, ctx: RenderContext, test: boolean): string[] {
  const tags = ['pptp-monitor', `target:${n.target}`, `policy:${n.policy}`, `severity:${n.severity}`];
  if (n.dominantFailureClass !== undefined) tags.push(`class:${n.dominantFailureClass}`);
  if (ctx.target?.owner !== undefined) tags.push(`owner:${ctx.target.owner}`);
  if (test) tags.push('test');
  return tags.filter((t) => t.length <= OPSGENIE_TAG_MAX_CHARS).slice(0, OPSGENIE_MAX_TAGS);
}

/** Adds entries while the total stays within the limit; later (less important) entries give way first. */
function boundedDetails(entries: Array<[string, string]>): Record<string, string> {
  const details: Record<string, string> = {};
  let used = 0;
  for (const [key, value] of entries) {
    if (used + key.length + value.length > OPSGENIE_DETAILS_MAX_CHARS) continue;
    details[key] = value;
    used += key.length + value.length;
  }
  return details;
}

export function opsgenieBase(endpoint: string | undefined): string {
  return (endpoint ?? OPSGENIE_API_URLS.us).replace(/\/+$/, '').replace(/\/v2\/alerts$/, '');
}

/** The create (firing, reminder) or close (resolved) request of one notification. */
export function opsgenieRequest(n: Notification, ctx: RenderContext, settings: OpsgenieSettings, options: FormatOptions = {}): HttpRequest {
  const base = opsgenieBase(settings.endpoint);
  const headers = { ...JSON_HEADERS, authorization: `GenieKey ${settings.apiKey}` };
  const alias = keyWithin(n.dedupKey, OPSGENIE_ALIAS_MAX_CHARS);
  const facts = alertFacts(n, ctx, options);
  if (n.status === 'resolved') {
    const close: OpsgenieClose = { source: OPSGENIE_SOURCE, user: OPSGENIE_SOURCE, note: truncate(`${facts.summary}. ${facts.description}`, OPSGENIE_NOTE_MAX_CHARS) };
    // The alias is a path segment: '/' and ':' in it are escaped, and identifierType says what it is.
    return { url: `${base}/v2/alerts/${encodeURIComponent(alias)}/close?identifierType=alias`, method: 'POST', headers, body: JSON.stringify(close) };
  }
  const { https } = facts;
  const create: OpsgenieCreate = {
    message: truncate(facts.summary, OPSGENIE_MESSAGE_MAX_CHARS),
    alias,
    description: truncate(`${facts.description}\n\nRunbook: ${facts.runbookUrl}${facts.dashboardLink ? `\nDashboard: ${facts.dashboardLink}` : ''}`, OPSGENIE_DESCRIPTION_MAX_CHARS),
    // P1 wakes someone (a page); P3 is the working-hours queue (a ticket).
    priority: n.severity === 'page' ? 'P1' : 'P3',
    tags: tagsFor(n, ctx, options.test === true),
    details: boundedDetails([
      ['target', https.target],
      ['policy', n.policy],
      ['severity', n.severity],
      ['status', n.status],
      ['since', https.startsAt],
      ['locations', facts.where],
      ['runbook', facts.runbookUrl],
      ['dedupKey', https.dedupKey],
      ['failureClasses', Object.entries(https.failureClasses).map(([cls, count]) => `${cls}: ${count}`).join(', ') || 'none'],
      ...(facts.dashboardLink ? [['dashboard', facts.dashboardLink] as [string, string]] : []),
      ...(options.test ? [['test', 'true'] as [string, string]] : []),
    ]),
    entity: truncate(https.target, OPSGENIE_ENTITY_MAX_CHARS),
    source: OPSGENIE_SOURCE,
  };
  return { url: `${base}/v2/alerts`, method: 'POST', headers, body: JSON.stringify(create) };
}
