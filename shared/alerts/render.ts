// Renders one evaluator Notification into what SNS needs: a Subject, a per-protocol Message for
// `MessageStructure: 'json'`, and MessageAttributes a subscription can filter on. Pure: no I/O, no clock
// (every instant comes from the notification), so the same notification always renders the same bytes.
//
// SNS limits this file is written against (Publish API reference):
//   * Subject: at most 100 characters, ASCII text, no line breaks or control characters, and it must
//     start with a letter, number or punctuation mark. SNS rejects the whole Publish otherwise, so the
//     subject is sanitized and truncated here rather than trusted.
//   * Message: 256 KiB in total, counting the message, the subject and the message attributes. The
//     size is bounded by construction: every list is capped at MAX_LIST_LINES entries and every free
//     text field (target name, owner, tags, host, server identity, rule) at MAX_FIELD_CHARS, and each
//     cap says so in the text it shortens.
//   * With `MessageStructure: 'json'` the Message is a JSON object of strings keyed by protocol, and
//     must have `default`. SNS delivers `https` to https subscriptions, `email` to email ones, `sms`
//     to phone numbers and `default` to every other protocol (http, sqs, lambda, email-json).
import { createHash } from 'node:crypto';
import { FAILURE_CLASSES, FAILURE_CLASS_INFO, isFailureClass } from '../probe/failure-classes.js';
import type { Notification, PolicyName, Severity } from '../sla/notification.js';
import { runbookUrlFor } from '../sla/runbooks.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../common/time.js';

/** SNS Publish: longest Subject, in characters. */
export const SNS_SUBJECT_MAX_CHARS = 100;
/** SNS Publish: largest message (message + subject + attributes), in bytes (256 KiB). */
export const SNS_MESSAGE_MAX_BYTES = 256 * 1024;
/** Longest `sms` body, in characters: one SMS segment of 7-bit text is 160; leave room for a sender prefix. */
export const SMS_MAX_CHARS = 140;
/** Most entries listed per list (regions, failure classes, burn rates, latency rows, tags). */
export const MAX_LIST_LINES = 20;
/** Longest free-text field copied into a body (target, owner, tag, host, server identity, rule), in characters. */
export const MAX_FIELD_CHARS = 256;

const ELLIPSIS = '...'; // ASCII on purpose: SNS rejects a Subject with the Unicode ellipsis.

/** The MessageAttributeValue shape of the SNS API, kept structural so this pure module needs no SDK. */
export interface StringMessageAttribute {
  DataType: 'String';
  StringValue: string;
}

export interface AlertMessageAttributes {
  /** Routing: a pager subscription filters on `{"severity": ["page"]}`. */
  severity: StringMessageAttribute & { StringValue: Severity };
  /** firing | reminder | resolved (the raw notification status, unlike the https body's firing | resolved). */
  status: StringMessageAttribute;
  target: StringMessageAttribute;
  policy: StringMessageAttribute & { StringValue: PolicyName };
}

export interface RenderedAlert {
  /** At most SNS_SUBJECT_MAX_CHARS printable ASCII characters. */
  subject: string;
  /** JSON object with `default`, `email`, `sms` and `https` strings, for `MessageStructure: 'json'`. */
  message: string;
  messageAttributes: AlertMessageAttributes;
  runbookUrl: string;
}

export interface RenderContext {
  /** Directory of the runbooks (ResolvedConfig/ResolvedTarget.runbookBaseUrl); a missing trailing '/' is added. */
  runbookBaseUrl: string;
  /** Full link to the target's dashboard, when there is one. */
  dashboardUrl?: string;
  /** From the ResolvedTarget: a ResolvedTarget can be passed as is. `host` is optional extra context. */
  target?: { owner?: string | undefined; tags?: Record<string, string>; host?: string };
}

/**
 * The `https` body: Alertmanager-like, so webhook receivers and on-call tools (PagerDuty, Opsgenie,
 * incident.io) can map it without a custom parser. Those tools model an alert as firing or resolved and
 * nothing else, so a reminder is sent as `status: 'firing'` with `repeat: true`: it re-fires the same
 * dedupKey (merged into the open incident) instead of being an unknown status that some tools drop.
 * `repeat` is always present (false unless a reminder) so the key set never varies.
 */
export interface HttpsAlertBody {
  status: 'firing' | 'resolved';
  repeat: boolean;
  severity: Severity;
  target: string;
  policy: PolicyName;
  startsAt: string;
  endsAt: string | null;
  /** Affected regions, at most MAX_LIST_LINES. */
  regions: string[];
  /** Failed probes per failure class. */
  failureClasses: Record<string, number>;
  summary: string;
  description: string;
  runbook_url: string;
  dashboard_url: string | null;
  dedupKey: string;
  labels: { target: string; policy: PolicyName; severity: Severity; owner?: string };
  annotations: { summary: string; description: string; runbook_url: string };
}

const POLICY_LABEL: Readonly<Record<PolicyName, string>> = {
  down: 'DOWN',
  latency: 'SLOW',
  no_data: 'NO DATA',
  error_budget: 'error budget burn',
};

export function renderAlert(n: Notification, ctx: RenderContext): RenderedAlert {
  const target = clip(n.target);
  const runbookUrl = runbookUrlFor(n, ctx.runbookBaseUrl);
  const subject = renderSubject(n);
  const email = renderText(n, ctx, subject, runbookUrl);
  const https = renderHttpsBody(n, ctx, subject, runbookUrl);
  const message = JSON.stringify({ default: email, email, sms: renderSms(n, subject), https: JSON.stringify(https) });
  const messageAttributes: AlertMessageAttributes = {
    severity: { DataType: 'String', StringValue: n.severity },
    status: { DataType: 'String', StringValue: n.status },
    // SNS rejects an empty String attribute; a target always has a name, but do not let a bug become a rejected page.
    target: { DataType: 'String', StringValue: target === '' ? '(unnamed)' : target },
    policy: { DataType: 'String', StringValue: n.policy },
  };
  return { subject, message, messageAttributes, runbookUrl };
}

// ---------------------------------------------------------------- subject

export function renderSubject(n: Notification): string {
  const tag = n.status === 'resolved' ? '[RESOLVED]' : n.status === 'reminder' ? '[REMINDER]' : `[${n.severity.toUpperCase()}]`;
  let rest: string;
  if (n.status === 'resolved') {
    rest = `${POLICY_LABEL[n.policy]} (lasted ${shortDuration((n.endsAt ?? n.at) - n.startsAt)})`;
  } else {
    rest = whatIsWrong(n);
    if (n.status === 'reminder') rest += ` (for ${shortDuration(n.at - n.startsAt)})`;
  }
  return fitSubject(`${tag} `, asciiLine(n.target), ` ${asciiLine(rest)}`);
}

/** The firing headline after the target name: `DOWN in 3/3 regions: connect_timeout` and the like. */
function whatIsWrong(n: Notification): string {
  const { affected, all } = n.regions;
  const share = `${affected.length}/${all.length} regions`;
  switch (n.policy) {
    case 'down':
      return `DOWN in ${share}${n.dominantFailureClass ? `: ${n.dominantFailureClass}` : ''}`;
    case 'error_budget': {
      // The rule fires when every one of its windows burns above the threshold, so the lowest rate is the
      // one all windows have at least: the honest headline. Windows read long/short, as the rule is written.
      // burnRates lists every window; the headline shows the fired rule's pair ('page: 1h and 5m burn above 14.4x').
      const ruleWindows = /(\d+[mhd]) and (\d+[mhd])/.exec(n.rule ?? '');
      const all = n.burnRates ?? [];
      const rates = ruleWindows ? all.filter((r) => r.window === ruleWindows[1] || r.window === ruleWindows[2]) : all;
      if (rates.length === 0) return 'error budget burning';
      const lowest = Math.min(...rates.map((r) => r.rate));
      return `error budget burning ${formatRate(lowest)} (${rates.map((r) => r.window).join('/')})`;
    }
    case 'latency': {
      const worst = worstP95(n);
      if (worst === undefined || n.latency === undefined) return `SLOW in ${share}`;
      return `SLOW: p95 control ${Math.round(worst)} ms > ${n.latency.thresholdMs} ms in ${share}`;
    }
    case 'no_data':
      return affected.length === 1 ? `NO DATA from ${affected[0]}` : `NO DATA from ${share}`;
  }
}

/** Highest p95 among the affected regions (all listed regions when none of them has a figure). */
function worstP95(n: Notification): number | undefined {
  const p95 = n.latency?.p95ByRegion ?? {};
  const inAffected = n.regions.affected.map((r) => p95[r]).filter((v): v is number => v !== undefined);
  const values = inAffected.length > 0 ? inAffected : Object.values(p95);
  return values.length > 0 ? Math.max(...values) : undefined;
}

/** prefix + name + rest within SNS_SUBJECT_MAX_CHARS: the target name gives way first, then the tail. */
function fitSubject(prefix: string, name: string, rest: string): string {
  const whole = `${prefix}${name}${rest}`;
  if (whole.length <= SNS_SUBJECT_MAX_CHARS) return whole;
  const roomForName = SNS_SUBJECT_MAX_CHARS - prefix.length - rest.length;
  // Keep at least a few characters of the name; below that, cutting the tail instead is more useful.
  if (roomForName >= ELLIPSIS.length + 4) return `${prefix}${name.slice(0, roomForName - ELLIPSIS.length)}${ELLIPSIS}${rest}`;
  return `${whole.slice(0, SNS_SUBJECT_MAX_CHARS - ELLIPSIS.length)}${ELLIPSIS}`;
}

/** One line of printable ASCII: whitespace and line breaks become a space, anything else outside 0x20-0x7e a '?'. */
export function asciiLine(text: string): string {
  return text
    .replace(/\s+/g, ' ')
    .replace(/[^\x20-\x7e]/g, '?')
    .trim();
}

// ---------------------------------------------------------------- sms

function renderSms(n: Notification, subject: string): string {
  const when = n.status === 'resolved' ? `ended ${hhmm(n.endsAt ?? n.at)}` : `since ${hhmm(n.startsAt)}`;
  const line = `${subject} ${when}`;
  return line.length <= SMS_MAX_CHARS ? line : `${line.slice(0, SMS_MAX_CHARS - ELLIPSIS.length)}${ELLIPSIS}`;
}

// ---------------------------------------------------------------- https (JSON) body

function renderHttpsBody(n: Notification, ctx: RenderContext, subject: string, runbookUrl: string): HttpsAlertBody {
  const description = describeIncident(n);
  const owner = ctx.target?.owner;
  const labels: HttpsAlertBody['labels'] = { target: clip(n.target), policy: n.policy, severity: n.severity };
  if (owner !== undefined) labels.owner = clip(owner);
  return {
    status: n.status === 'resolved' ? 'resolved' : 'firing',
    repeat: n.status === 'reminder',
    severity: n.severity,
    target: clip(n.target),
    policy: n.policy,
    startsAt: iso(n.startsAt),
    endsAt: n.status === 'resolved' ? iso(n.endsAt ?? n.at) : null,
    regions: n.regions.affected.slice(0, MAX_LIST_LINES).map(clip),
    failureClasses: Object.fromEntries(classesByCount(n).slice(0, MAX_LIST_LINES)),
    summary: subject,
    description,
    runbook_url: runbookUrl,
    dashboard_url: ctx.dashboardUrl ?? null,
    dedupKey: boundedKey(n.dedupKey),
    labels,
    annotations: { summary: subject, description, runbook_url: runbookUrl },
  };
}

/** A short paragraph: what, where, since when, and the dominant failure class's explanation. */
function describeIncident(n: Notification): string {
  const target = clip(n.target);
  const { affected, all } = n.regions;
  const where = `${affected.length} of ${all.length} probe regions${affected.length > 0 ? ` (${listInline(affected)})` : ''}`;
  if (n.status === 'resolved') {
    const end = n.endsAt ?? n.at;
    return `${target}: the ${policyPhrase(n.policy)} incident that started ${iso(n.startsAt)} resolved at ${iso(end)} after ${longDuration(end - n.startsAt)}.`;
  }
  const parts = [`${target}: ${policyPhrase(n.policy)} in ${where} since ${iso(n.startsAt)} (for ${longDuration(n.at - n.startsAt)}).`];
  if (n.policy === 'error_budget' && n.rule) parts.push(`Rule: ${clip(n.rule)}.`);
  if (n.policy === 'error_budget' || n.policy === 'down') parts.push(`Error budget left: ${budget(n.errorBudgetRemaining)} of the ${n.slo}% SLO.`);
  if (n.dominantFailureClass && isFailureClass(n.dominantFailureClass)) {
    parts.push(`Most probes failed with ${n.dominantFailureClass}: ${FAILURE_CLASS_INFO[n.dominantFailureClass].explanation}`);
  }
  if (n.status === 'reminder') parts.push('Reminder: the incident is still open.');
  return parts.join(' ');
}

function policyPhrase(policy: PolicyName): string {
  switch (policy) {
    case 'down':
      return 'DOWN';
    case 'error_budget':
      return 'error budget burning too fast';
    case 'latency':
      return 'SLOW (control time p95 above the threshold)';
    case 'no_data':
      return 'NO DATA (the monitoring is blind, the gateway is not implicated)';
  }
}

// ---------------------------------------------------------------- email / default text

function renderText(n: Notification, ctx: RenderContext, subject: string, runbookUrl: string): string {
  const lines: string[] = [subject, ''];
  const statusWord = n.status === 'resolved' ? 'RESOLVED' : n.status === 'reminder' ? 'STILL FIRING (reminder)' : 'FIRING';
  lines.push(`What:      ${clip(n.target)} ${policyPhrase(n.policy)}`);
  lines.push(`Status:    ${statusWord}, severity ${n.severity}`);
  if (ctx.target?.host !== undefined) lines.push(`Host:      ${clip(ctx.target.host)}`);
  lines.push(`Since:     ${iso(n.startsAt)} (for ${longDuration((n.status === 'resolved' ? (n.endsAt ?? n.at) : n.at) - n.startsAt)})`);
  if (n.status === 'resolved') {
    // endsAt is when the problem ended; `at` is when enough healthy data confirmed it: both are true, and
    // the incident's length is the first one's, as the SLA report counts it.
    const end = n.endsAt ?? n.at;
    lines.push(`Resolved:  ${iso(end)}${n.at > end ? ` (recovery confirmed ${longDuration(n.at - end)} later)` : ''}`);
  }
  lines.push(`Evaluated: ${iso(n.at)}`);
  lines.push(`Regions:   ${n.regions.affected.length} of ${n.regions.all.length} affected${capNote(n.regions.affected.length)}`);
  for (const region of n.regions.all.slice(0, MAX_LIST_LINES)) {
    lines.push(`  ${n.regions.affected.includes(region) ? '*' : ' '} ${clip(region)}`);
  }
  const notListed = n.regions.affected.filter((r) => !n.regions.all.includes(r)).slice(0, MAX_LIST_LINES);
  for (const region of notListed) lines.push(`  * ${clip(region)}`);
  if (n.regions.all.length > MAX_LIST_LINES) lines.push(`  ... and ${n.regions.all.length - MAX_LIST_LINES} more regions (first ${MAX_LIST_LINES} listed)`);
  if (n.downIntervals !== undefined) lines.push(`Down for:  ${n.downIntervals} consecutive intervals`);

  const classes = classesByCount(n);
  // A latency incident's evidence is its control times (below); failures belong to other incidents.
  if (n.policy !== 'latency') lines.push('');
  if (n.policy === 'latency') {
    // nothing: see the latency table
  } else if (classes.length === 0) lines.push('Failure classes: none recorded');
  else {
    lines.push(`Failure classes seen (failed probes)${capNote(classes.length)}:`);
    for (const [cls, count] of classes.slice(0, MAX_LIST_LINES)) {
      lines.push(`  ${cls}: ${count}`);
      if (!isFailureClass(cls)) continue;
      const info = FAILURE_CLASS_INFO[cls];
      lines.push(`    ${info.explanation}`);
      lines.push('    Likely causes:');
      for (const cause of info.likelyCauses) lines.push(`      - ${cause}`);
    }
  }

  lines.push('');
  lines.push(`Error budget left: ${budget(n.errorBudgetRemaining)} of the ${n.slo}% availability SLO`);
  if (n.rule) lines.push(`Rule: ${clip(n.rule)}`);
  const rates = n.burnRates ?? [];
  if (rates.length > 0) {
    lines.push(`Burn rates${capNote(rates.length)}:`);
    lines.push(`  ${'window'.padEnd(8)}${'rate'.padStart(10)}  bad/intervals`);
    for (const r of rates.slice(0, MAX_LIST_LINES)) {
      lines.push(`  ${clip(r.window).padEnd(8)}${formatRate(r.rate).padStart(10)}  ${r.badIntervals}/${r.intervals}`);
    }
  }

  if (n.latency) {
    const rows = Object.entries(n.latency.p95ByRegion);
    lines.push('');
    lines.push(`Latency, p95 control time per region (threshold ${n.latency.thresholdMs} ms)${capNote(rows.length)}:`);
    for (const [region, p95] of rows.slice(0, MAX_LIST_LINES)) {
      lines.push(`  ${clip(region).padEnd(16)}${`${Math.round(p95)} ms`.padStart(10)}${p95 > n.latency.thresholdMs ? '  over' : ''}`);
    }
  }

  lines.push('');
  if (n.lastServer) {
    const s = n.lastServer;
    lines.push(`Last server identity: host name "${clip(s.hostname)}", vendor "${clip(s.vendor)}", firmware revision ${s.firmwareRevision}`);
  } else lines.push('Last server identity: none seen');
  lines.push(`Owner:     ${ctx.target?.owner !== undefined ? clip(ctx.target.owner) : '(none)'}`);
  const tags = Object.entries(ctx.target?.tags ?? {});
  if (tags.length > 0) {
    lines.push(`Tags:      ${tags.slice(0, MAX_LIST_LINES).map(([k, v]) => `${clip(k)}=${clip(v)}`).join(', ')}${capNote(tags.length)}`);
  }
  lines.push(`Runbook:   ${runbookUrl}`);
  lines.push(`Dashboard: ${ctx.dashboardUrl ?? '(none configured)'}`);
  lines.push(`Dedup key: ${boundedKey(n.dedupKey)}`);
  return lines.join('\n');
}

/** Failure classes with a count above zero: most failed probes first, ties in taxonomy order, unknown names last. */
function classesByCount(n: Notification): Array<[string, number]> {
  const order = (cls: string): number => {
    const i = (FAILURE_CLASSES as readonly string[]).indexOf(cls);
    return i === -1 ? FAILURE_CLASSES.length : i;
  };
  return Object.entries(n.failureClasses as Record<string, number | undefined>)
    .filter((e): e is [string, number] => typeof e[1] === 'number' && e[1] > 0)
    .map(([cls, count]): [string, number] => [clip(cls), count])
    .sort((a, b) => b[1] - a[1] || order(a[0]) - order(b[0]));
}

// ---------------------------------------------------------------- small formatters

function capNote(count: number): string {
  return count > MAX_LIST_LINES ? ` (${count}, first ${MAX_LIST_LINES} listed)` : '';
}

/** Free text from config or the network, shortened to MAX_FIELD_CHARS so the message size stays bounded. */
function clip(text: string): string {
  return text.length <= MAX_FIELD_CHARS ? text : `${text.slice(0, MAX_FIELD_CHARS - ELLIPSIS.length)}${ELLIPSIS}`;
}

/**
 * The dedupKey embeds the target name, so it is as unbounded as the name. A key over MAX_FIELD_CHARS keeps
 * its head and gets a hash of the whole key: still the same for every notification of the incident (so
 * pagers keep merging) and still distinct between incidents. Keys of config-valid names (63 chars) pass as is.
 */
export function boundedKey(key: string): string {
  if (key.length <= MAX_FIELD_CHARS) return key;
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 16);
  return `${key.slice(0, MAX_FIELD_CHARS - hash.length - 1)}#${hash}`;
}

function listInline(items: readonly string[]): string {
  const shown = items.slice(0, MAX_LIST_LINES).map(clip).join(', ');
  return items.length > MAX_LIST_LINES ? `${shown} and ${items.length - MAX_LIST_LINES} more` : shown;
}

function formatRate(rate: number): string {
  return `${rate.toFixed(1)}x`;
}

function budget(remaining: number): string {
  const pct = (remaining * 100).toFixed(1);
  return remaining < 0 ? `none (overspent by ${(-remaining * 100).toFixed(1)}%)` : `${pct}%`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** `10:05Z`: short enough for an SMS, unambiguous about the zone. */
function hhmm(ms: number): string {
  return `${iso(ms).slice(11, 16)}Z`;
}


/** Compact, for subjects: `45s`, `12m`, `1h 5m`, `2h`, `3d 4h`. Whole units, rounded down. */
export function shortDuration(ms: number): string {
  const d = Math.max(0, ms);
  if (d < MINUTE_MS) return `${Math.floor(d / 1000)}s`;
  if (d < HOUR_MS) return `${Math.floor(d / MINUTE_MS)}m`;
  if (d < DAY_MS) {
    const m = Math.floor((d % HOUR_MS) / MINUTE_MS);
    return `${Math.floor(d / HOUR_MS)}h${m > 0 ? ` ${m}m` : ''}`;
  }
  const h = Math.floor((d % DAY_MS) / HOUR_MS);
  return `${Math.floor(d / DAY_MS)}d${h > 0 ? ` ${h}h` : ''}`;
}

/** Spelled out, for bodies: `12 min`, `1 h 5 min`, `3 d 4 h`. */
function longDuration(ms: number): string {
  return shortDuration(ms).replace(/(\d+)([smhd])/g, (_all, num: string, unit: string) => `${num} ${{ s: 's', m: 'min', h: 'h', d: 'd' }[unit as 's' | 'm' | 'h' | 'd']}`);
}
