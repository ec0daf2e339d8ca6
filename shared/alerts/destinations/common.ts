// What every on-call formatter shares: the request shape, the facts of an alert taken from the SNS
// renderer (so a page reads the same in every tool), and small pure helpers (lengths, links, keys).
import { createHash } from 'node:crypto';
import packageJson from '../../../package.json' with { type: 'json' };
import type { Notification } from '../../sla/notification.js';
import { renderAlert, type HttpsAlertBody, type RenderContext } from '../render.js';
import { boundedKey, listInline, longDuration } from '../render-format.js';

/** What a formatter returns: one HTTP request, sent as is by deliver.ts. */
export interface HttpRequest {
  url: string;
  method: 'POST';
  headers: Record<string, string>;
  body: string;
}

/** `pptp-monitor/<version>` on every request, so a receiver's logs say who called. */
export const USER_AGENT = `pptp-monitor/${packageJson.version}`;

export const JSON_HEADERS: Readonly<Record<string, string>> = { 'content-type': 'application/json', 'user-agent': USER_AGENT };

export interface FormatOptions {
  /** A test notification (notify-test): every summary and text says TEST, and tools that tag get a test tag. */
  test?: boolean;
}

export const TEST_PREFIX = '[TEST] ';
export const TEST_NOTE = 'TEST notification sent by pptp-monitor notify-test: nothing is wrong, no action is needed.';

/** The facts of one alert every formatter draws on. */
export interface AlertFacts {
  /** The SNS subject (at most 100 printable ASCII characters), '[TEST] ' first for a test. */
  summary: string;
  /** The incident paragraph of the `https` body (what, where, since when, why), TEST-marked for a test. */
  description: string;
  /** The runbook as rendered; repo-relative with the default runbook base. */
  runbookUrl: string;
  /** The runbook when it is an absolute http(s) URL: services reject a relative link, so only then is it a link. */
  runbookLink: string | undefined;
  dashboardLink: string | undefined;
  /** The `https` body as the SNS path sends it (unchanged bytes) and parsed. */
  httpsText: string;
  https: HttpsAlertBody;
  /** 'resolved', else 'firing' (a reminder re-fires the same key). */
  firing: boolean;
  /** 'FIRING (page)', 'STILL FIRING (reminder) (page)', 'RESOLVED (ticket)'; 'TEST ' first for a test. */
  headline: string;
  /** '2 of 3 locations: eu-west-1, us-east-1'. */
  where: string;
  /** How long so far (firing) or in all (resolved), spelled out: '12 min', '1 h 5 min'. */
  lasted: string;
  /** When it ended (resolved only), ms. */
  endedAt: number | undefined;
}

function absoluteLink(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? url : undefined;
  } catch {
    return undefined;
  }
}

export function alertFacts(n: Notification, ctx: RenderContext, options: FormatOptions = {}): AlertFacts {
  const alert = renderAlert(n, ctx);
  const httpsText = (JSON.parse(alert.message) as { https: string }).https;
  const https = JSON.parse(httpsText) as HttpsAlertBody;
  const test = options.test === true;
  const firing = n.status !== 'resolved';
  const statusWord = n.status === 'resolved' ? 'RESOLVED' : n.status === 'reminder' ? 'STILL FIRING (reminder)' : 'FIRING';
  const { affected, all } = n.regions;
  const end = n.endsAt ?? n.at;
  return {
    summary: `${test ? TEST_PREFIX : ''}${alert.subject}`,
    description: test ? `${TEST_NOTE} ${https.description}` : https.description,
    runbookUrl: alert.runbookUrl,
    runbookLink: absoluteLink(alert.runbookUrl),
    dashboardLink: absoluteLink(ctx.dashboardUrl),
    httpsText,
    https,
    firing,
    headline: `${test ? 'TEST ' : ''}${statusWord} (${n.severity})`,
    where: `${affected.length} of ${all.length} locations${affected.length > 0 ? `: ${listInline(affected)}` : ''}`,
    lasted: longDuration((firing ? n.at : end) - n.startsAt),
    endedAt: firing ? undefined : end,
  };
}

/** `text` cut to `max` characters (UTF-16 code units, as the services count them), marked with '...'. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  // Never split a surrogate pair: a lone half is invalid JSON text for some parsers.
  let cut = max - 3;
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut--;
  return `${text.slice(0, cut)}...`;
}

/**
 * The incident's dedup key within a service's limit: the SNS path's bounded key (256 characters), and
 * tighter limits the same way (head + '#' + hash of the whole key), so it stays one key per incident.
 */
export function keyWithin(key: string, max: number): string {
  const bounded = boundedKey(key);
  if (bounded.length <= max) return bounded;
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 16);
  return `${key.slice(0, max - hash.length - 1)}#${hash}`;
}

/** Seconds of an instant, ISO 8601 without milliseconds (what Adaptive Cards' DATE()/TIME() accept). */
export function isoSeconds(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}
