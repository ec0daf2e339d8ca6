// The rules of monitor.yml that need no zod: limits, defaults, and the checks of single values. The
// loader's schema (schema.ts) wraps them in zod; the packaged config's check (resolved-shape.ts), which
// runs in every Lambda's cold start where zod is not bundled, applies the very same ones.
import { addressProblem, DEFAULT_TARGET_PORT, looksLikeUrl, parseTarget, TargetParseError } from '../probe/target.js';
import { CHECK_SWITCHES, DEFAULT_TARGET_ATTEMPTS, DEFAULT_TARGET_TIMEOUT_MS } from '../probers/option-schemas.js';
import { show } from './format.js';
import type { Interval, Weekday } from './types.js';

/**
 * Where alerts link when no runbookBaseUrl is set: the runbooks directory of this project's docs.
 * A runbook link is this base followed by `<failure class>.md` (or `<policy>.md`).
 */
// Repo-relative on purpose: we publish no hosted copy of the runbooks yet, and a made-up URL in an
// alert would send an on-call engineer nowhere. Deployments set their own https runbookBaseUrl.
export const DEFAULT_RUNBOOK_BASE_URL = 'docs/runbooks/';

/** Every default, in one place (documented in monitor.example.yml). */
export const CONFIG_DEFAULTS = {
  namespace: 'PPTPMonitor',
  runbookBaseUrl: DEFAULT_RUNBOOK_BASE_URL,
  port: DEFAULT_TARGET_PORT,
  interval: '1m' as Interval,
  checks: CHECK_SWITCHES,
  timeout: DEFAULT_TARGET_TIMEOUT_MS,
  attempts: DEFAULT_TARGET_ATTEMPTS,
  slo: { availability: 99.9, window: '30d' },
  down: { for: 3 },
  countsAgainstSla: false,
} as const;

export const LIMITS = {
  timeout: { min: 100, max: 60_000 },
  attempts: { min: 1, max: 5 },
  /** Locations (AWS regions and agents) a quorum may count. */
  locations: 100,
  tags: 10,
  tagKeyChars: 128,
  tagValueChars: 256,
  ownerChars: 256,
  downFor: { min: 1, max: 60 },
  latencyForMinutes: { min: 1, max: 1440 },
  durationMinutes: { min: 1, max: 7 * 24 * 60 },
  sloWindowDays: { min: 1, max: 90 },
} as const;

export const INTERVAL_MINUTES: Readonly<Record<Interval, 1 | 5>> = { '1m': 1, '5m': 5 };
export const WEEKDAYS: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

export const TARGET_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const NAME_RULE =
  'must be 1-63 lowercase letters, digits or hyphens, starting with a letter or digit (target names are CloudWatch dimension values)';

/** What is wrong with a target's host, in words that follow its path, or undefined. */
export function hostProblem(host: string): string | undefined {
  if (host === '') return 'must not be empty';
  if (host.trim() !== host) return `must not have leading or trailing spaces, got ${show(host)}`;
  if (looksLikeUrl(host)) return `must be a host name or IP address, not a URL, got ${show(host)}`;
  const address = addressProblem(host);
  if (address !== undefined) return address;
  try {
    if (parseTarget(host).host === host) return undefined;
  } catch (err) {
    if (!(err instanceof TargetParseError)) throw err;
    return `must be a host name or IP address, got ${show(host)}`;
  }
  return `must be a host name or IP address without brackets or a port (set port separately), got ${show(host)}`;
}

export const HTTPS_URL_RULE = 'must be an https:// URL';
export function isHttpsUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'https:' && url.hostname !== '' && url.username === '' && url.password === '';
  } catch {
    return false;
  }
}

const timeZoneCache = new Map<string, boolean>();
/** An IANA time zone name (Europe/Berlin, UTC) that this runtime's Intl knows. */
export function isTimeZone(name: string): boolean {
  let known = timeZoneCache.get(name);
  if (known === undefined) {
    known = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(name);
    if (known) {
      try {
        new Intl.DateTimeFormat('en-US', { timeZone: name });
      } catch {
        known = false;
      }
    }
    timeZoneCache.set(name, known);
  }
  return known;
}

const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?(Z|[+-](\d{2}):(\d{2}))$/;
/** ms since the epoch of an ISO 8601 date-time with a UTC offset, or undefined. */
export function parseIsoDateTime(text: string): number | undefined {
  const m = ISO_DATE_TIME.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s = '0', , oh = '0', om = '0'] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return undefined;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59 || Number(oh) > 14 || Number(om) > 59) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

export const ISO_RULE = "must be an ISO 8601 date-time with a UTC offset, e.g. '2025-03-01T02:00:00Z'";
export const TIME_OF_DAY_RULE = "must be a time of day 'HH:MM' from 00:00 to 23:59";
export const TIME_OF_DAY = /^([01]\d|2[0-3]):[0-5]\d$/;

export const TOPIC_RULE = 'must be an SNS topic name or ARN (arn:aws:sns:<region>:<account>:<name>)';
export function isTopic(text: string): boolean {
  return /^[A-Za-z0-9_-]{1,256}$/.test(text) || /^arn:aws:sns:[a-z]{2}(-[a-z]+)+-\d:\d{12}:[A-Za-z0-9_-]{1,256}$/.test(text);
}

export const PERCENT_RULE = 'must be a percentage above 0 and below 100, e.g. 99.9';
export const isPercent = (n: number): boolean => n > 0 && n < 100;

export const SLO_WINDOW_RULE = `must be a number of days from ${LIMITS.sloWindowDays.min}d to ${LIMITS.sloWindowDays.max}d, e.g. '30d'`;
/** The days of an SLO window such as '30d', or undefined when it is not one within the limits. */
export function sloWindowDays(window: string): number | undefined {
  const m = /^(\d{1,3})d$/.exec(window);
  if (m === null) return undefined;
  const days = Number(m[1]);
  return days >= LIMITS.sloWindowDays.min && days <= LIMITS.sloWindowDays.max ? days : undefined;
}

export const NAMESPACE_RULE = "must be 1-255 printable ASCII characters, not starting with 'AWS/'";
export const isNamespace = (ns: string): boolean => /^[\x20-\x7e]{1,255}$/.test(ns) && !ns.startsWith('AWS/');
