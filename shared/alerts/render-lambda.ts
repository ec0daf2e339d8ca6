// The `lambda` key of the SNS message: the Notification itself, serialized, for the notifier function
// subscribed to the page and ticket topics. SNS hands a Lambda subscriber the `lambda` string of a
// `MessageStructure: json` message (else `default`), so the notifier gets the facts rather than a text it
// would have to parse back. Pure: `renderLambdaPayload` bounds the size, `parseLambdaPayload` checks every
// field at the edge and builds a new object from the known fields only, so nothing unchecked flows on.
//
// Size: the payload is a string inside the message's JSON, so it is counted as it is sent (escaped). A
// notification of a config-valid target is a few KB; only hostile sizes (1 MB names, thousands of
// regions) need the clipped or minimal form, which the payload then says it is.
import { FAILURE_CLASSES, isFailureClass, type FailureClass } from '../probe/failure-classes.js';
import { SEVERITIES, type BurnRate, type IdentityView, type Notification, type NotificationStatus, type PolicyName } from '../sla/notification.js';
import { boundedKey, clip } from './render-format.js';
import { MAX_LIST_LINES } from './render-limits.js';
import { isRecord as isFields } from '../common/is-record.js';

/** The format tag of the payload; a consumer refuses any other. Bump the number on an incompatible change. */
export const LAMBDA_PAYLOAD_FORMAT = 'pptp-monitor/notification@1';

/**
 * Largest `lambda` entry, in bytes as it stands escaped in the SNS message. renderAlert gives it less when
 * the other entries leave less of SNS's 256 KiB (they reach ~77 KB with hostile sizes, ~200 KB with
 * control characters in every free-text field).
 */
export const LAMBDA_PAYLOAD_MAX_BYTES = 128 * 1024;

/** What the `lambda` entry adds to the message besides its escaped value (`,"lambda":`), with room, in bytes. */
export const LAMBDA_ENTRY_OVERHEAD_BYTES = 64;

/** Characters kept of each free-text field in the minimal form (its strings may escape to 7 bytes a character). */
const MINIMAL_FIELD_CHARS = 64;

export interface LambdaPayload {
  format: typeof LAMBDA_PAYLOAD_FORMAT;
  /** 'full' as emitted; 'clipped' (free text and lists shortened as the renderer does); 'minimal' (identity and regions only). */
  form: 'full' | 'clipped' | 'minimal';
  notification: Notification;
}

const escapedBytes = (payload: LambdaPayload): number => Buffer.byteLength(JSON.stringify(JSON.stringify(payload)));

const clipList = (items: readonly string[], chars = Infinity): string[] => items.slice(0, MAX_LIST_LINES).map((s) => (chars === Infinity ? clip(s) : s.slice(0, chars)));

function clipped(n: Notification): Notification {
  const out: Notification = {
    ...n,
    target: clip(n.target),
    dedupKey: boundedKey(n.dedupKey),
    regions: { all: clipList(n.regions.all), affected: clipList(n.regions.affected) },
  };
  if (n.rule !== undefined) out.rule = clip(n.rule);
  if (n.burnRates !== undefined) out.burnRates = n.burnRates.slice(0, MAX_LIST_LINES).map((r) => ({ ...r, window: clip(r.window) }));
  if (n.latency !== undefined) out.latency = { thresholdMs: n.latency.thresholdMs, p95ByRegion: Object.fromEntries(Object.entries(n.latency.p95ByRegion).slice(0, MAX_LIST_LINES).map(([r, v]) => [clip(r), v])) };
  if (n.lastServer !== undefined) out.lastServer = { hostname: clip(n.lastServer.hostname), vendor: clip(n.lastServer.vendor), firmwareRevision: n.lastServer.firmwareRevision };
  return out;
}

function minimal(n: Notification): Notification {
  const out: Notification = {
    status: n.status,
    severity: n.severity,
    target: n.target.slice(0, MINIMAL_FIELD_CHARS),
    policy: n.policy,
    startsAt: n.startsAt,
    at: n.at,
    dedupKey: boundedKey(n.dedupKey),
    regions: { all: clipList(n.regions.all, MINIMAL_FIELD_CHARS), affected: clipList(n.regions.affected, MINIMAL_FIELD_CHARS) },
    failureClasses: Object.fromEntries(Object.entries(n.failureClasses).filter(([cls]) => isFailureClass(cls))),
    slo: n.slo,
    ...(n.errorBudgetRemaining !== undefined ? { errorBudgetRemaining: n.errorBudgetRemaining } : {}),
  };
  if (n.endsAt !== undefined) out.endsAt = n.endsAt;
  if (n.dominantFailureClass !== undefined) out.dominantFailureClass = n.dominantFailureClass;
  return out;
}

/**
 * The `lambda` entry for `n`: the whole notification when it fits `maxBytes` (escaped, as it stands in the
 * message), else the clipped form, else the minimal one (bounded by construction: about 50 strings of at
 * most 256 characters, the dedup key, or 64).
 */
export function renderLambdaPayload(n: Notification, maxBytes: number = LAMBDA_PAYLOAD_MAX_BYTES): string {
  for (const payload of [
    { format: LAMBDA_PAYLOAD_FORMAT, form: 'full', notification: n },
    { format: LAMBDA_PAYLOAD_FORMAT, form: 'clipped', notification: clipped(n) },
  ] as const satisfies readonly LambdaPayload[]) {
    if (escapedBytes(payload) <= maxBytes) return JSON.stringify(payload);
  }
  return JSON.stringify({ format: LAMBDA_PAYLOAD_FORMAT, form: 'minimal', notification: minimal(n) } satisfies LambdaPayload);
}

// ---------------------------------------------------------------- parse

export type ParsedLambdaPayload = { ok: true; payload: LambdaPayload } | { ok: false; problem: string };

/** Thrown inside the checks below with the path of the first bad field; never escapes parseLambdaPayload. */
class PayloadProblem extends Error {
  override readonly name = 'PayloadProblem';
}

type Fields = Readonly<Record<string, unknown>>;

function fields(v: unknown, path: string): Fields {
  if (!isFields(v)) throw new PayloadProblem(`${path}: must be an object`);
  return v;
}

function text(v: unknown, path: string, nonEmpty = false): string {
  if (typeof v !== 'string' || (nonEmpty && v === '')) throw new PayloadProblem(`${path}: must be a${nonEmpty ? ' non-empty' : ''} string`);
  return v;
}

function num(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new PayloadProblem(`${path}: must be a finite number`);
  return v;
}

function oneOf<T extends string>(v: unknown, values: readonly T[], path: string): T {
  const found = values.find((x) => x === v);
  if (found === undefined) throw new PayloadProblem(`${path}: must be one of ${values.join(', ')}`);
  return found;
}

function texts(v: unknown, path: string): string[] {
  if (!Array.isArray(v)) throw new PayloadProblem(`${path}: must be a list of strings`);
  return v.map((s, i) => text(s, `${path}[${i}]`));
}

const optional = <T>(o: Fields, key: string, check: (v: unknown, path: string) => T): T | undefined => (o[key] === undefined ? undefined : check(o[key], `notification.${key}`));

const STATUSES: readonly NotificationStatus[] = ['firing', 'reminder', 'resolved'];
const POLICIES: readonly PolicyName[] = ['down', 'error_budget', 'latency', 'no_data', 'redundancy_lost', 'membership_wrong', 'failover', 'failover_flapping', 'firmware_change'];

function failureClassCounts(v: unknown, path: string): Partial<Record<FailureClass, number>> {
  const o = fields(v, path);
  const out: Partial<Record<FailureClass, number>> = {};
  for (const [key, count] of Object.entries(o)) {
    if (!isFailureClass(key)) throw new PayloadProblem(`${path} key ${JSON.stringify(key.slice(0, 40))}: must be a failure class of shared/probe/failure-classes.ts`);
    out[key] = num(count, `${path}.${key}`);
  }
  return out;
}

function burnRate(v: unknown, path: string): BurnRate {
  const o = fields(v, path);
  return { window: text(o['window'], `${path}.window`), rate: num(o['rate'], `${path}.rate`), intervals: num(o['intervals'], `${path}.intervals`), badIntervals: num(o['badIntervals'], `${path}.badIntervals`) };
}

function identityView(v: unknown, path: string): IdentityView {
  const o = fields(v, path);
  const view: IdentityView = { fingerprint: num(o['fingerprint'], `${path}.fingerprint`), firmwareRevision: num(o['firmwareRevision'], `${path}.firmwareRevision`) };
  const hostname = optional(o, 'hostname', text);
  const vendor = optional(o, 'vendor', text);
  const member = optional(o, 'member', text);
  if (hostname !== undefined) view.hostname = hostname;
  if (vendor !== undefined) view.vendor = vendor;
  if (member !== undefined) view.member = member;
  return view;
}

/** A Notification from untrusted JSON: every field checked, unknown fields left behind (a newer writer may add some). */
function notificationFrom(v: unknown): Notification {
  const o = fields(v, 'notification');
  const regions = fields(o['regions'], 'notification.regions');
  const n: Notification = {
    status: oneOf(o['status'], STATUSES, 'notification.status'),
    severity: oneOf(o['severity'], SEVERITIES, 'notification.severity'),
    target: text(o['target'], 'notification.target', true),
    policy: oneOf(o['policy'], POLICIES, 'notification.policy'),
    startsAt: num(o['startsAt'], 'notification.startsAt'),
    at: num(o['at'], 'notification.at'),
    dedupKey: text(o['dedupKey'], 'notification.dedupKey', true),
    regions: { all: texts(regions['all'], 'notification.regions.all'), affected: texts(regions['affected'], 'notification.regions.affected') },
    failureClasses: failureClassCounts(o['failureClasses'], 'notification.failureClasses'),
    slo: num(o['slo'], 'notification.slo'),
  };
  const budgetLeft = optional(o, 'errorBudgetRemaining', num);
  if (budgetLeft !== undefined) n.errorBudgetRemaining = budgetLeft;
  const endsAt = optional(o, 'endsAt', num);
  if (endsAt !== undefined) n.endsAt = endsAt;
  const dominant = optional(o, 'dominantFailureClass', (x, path) => oneOf(x, FAILURE_CLASSES, path));
  if (dominant !== undefined) n.dominantFailureClass = dominant;
  const rule = optional(o, 'rule', text);
  if (rule !== undefined) n.rule = rule;
  const burnRates = optional(o, 'burnRates', (x, path) => {
    if (!Array.isArray(x)) throw new PayloadProblem(`${path}: must be a list`);
    return x.map((r, i) => burnRate(r, `${path}[${i}]`));
  });
  if (burnRates !== undefined) n.burnRates = burnRates;
  const latency = optional(o, 'latency', (x, path) => {
    const l = fields(x, path);
    const p95 = fields(l['p95ByRegion'], `${path}.p95ByRegion`);
    return { thresholdMs: num(l['thresholdMs'], `${path}.thresholdMs`), p95ByRegion: Object.fromEntries(Object.entries(p95).map(([r, ms]) => [r, num(ms, `${path}.p95ByRegion.${r}`)])) };
  });
  if (latency !== undefined) n.latency = latency;
  const downIntervals = optional(o, 'downIntervals', num);
  if (downIntervals !== undefined) n.downIntervals = downIntervals;
  const lastServer = optional(o, 'lastServer', (x, path) => {
    const s = fields(x, path);
    return { hostname: text(s['hostname'], `${path}.hostname`), vendor: text(s['vendor'], `${path}.vendor`), firmwareRevision: num(s['firmwareRevision'], `${path}.firmwareRevision`) };
  });
  if (lastServer !== undefined) n.lastServer = lastServer;
  const group = optional(o, 'group', (x, path) => {
    const g = fields(x, path);
    return { name: text(g['name'], `${path}.name`), members: texts(g['members'], `${path}.members`), down: texts(g['down'], `${path}.down`), serving: texts(g['serving'], `${path}.serving`) };
  });
  if (group !== undefined) n.group = group;
  const identity = optional(o, 'identity', (x, path) => {
    const i = fields(x, path);
    return { from: identityView(i['from'], `${path}.from`), to: identityView(i['to'], `${path}.to`) };
  });
  if (identity !== undefined) n.identity = identity;
  const failovers = optional(o, 'failovers', (x, path) => {
    if (!Array.isArray(x)) throw new PayloadProblem(`${path}: must be a list`);
    return x.map((at, i) => num(at, `${path}[${i}]`));
  });
  if (failovers !== undefined) n.failovers = failovers;
  if (n.status === 'resolved' && n.endsAt === undefined) throw new PayloadProblem('notification.endsAt: a resolved notification must say when the problem ended');
  return n;
}

/** Whether `text` claims to be our payload (a format tag of ours), valid or not: a foreign message on the topic does not. */
export function looksLikeLambdaPayload(text: string): boolean {
  try {
    const v: unknown = JSON.parse(text);
    return isFields(v) && typeof v['format'] === 'string' && v['format'].startsWith('pptp-monitor/notification@');
  } catch {
    return false;
  }
}

/** The payload of a `lambda` entry, or the first problem with it (a path and what was expected, never the value). */
export function parseLambdaPayload(textIn: string): ParsedLambdaPayload {
  let v: unknown;
  try {
    v = JSON.parse(textIn);
  } catch {
    return { ok: false, problem: 'not JSON' };
  }
  try {
    const o = fields(v, 'payload');
    if (o['format'] !== LAMBDA_PAYLOAD_FORMAT) throw new PayloadProblem(`format: must be ${LAMBDA_PAYLOAD_FORMAT}`);
    const form = oneOf(o['form'], ['full', 'clipped', 'minimal'] as const, 'form');
    return { ok: true, payload: { format: LAMBDA_PAYLOAD_FORMAT, form, notification: notificationFrom(o['notification']) } };
  } catch (err) {
    if (err instanceof PayloadProblem) return { ok: false, problem: err.message };
    throw err;
  }
}
