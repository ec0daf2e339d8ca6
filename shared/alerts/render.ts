// Renders one evaluator Notification into what SNS needs: a Subject, a per-protocol Message for
// `MessageStructure: 'json'`, and MessageAttributes a subscription can filter on. Pure: no I/O, no clock
// (every instant comes from the notification), so the same notification always renders the same bytes.
// This file holds the entry, the subject and the SMS line; the email text, the https body, the shared
// formatters and the SNS limits they are written against are in the render-*.ts files beside it.
import { groupHeadline } from './render-group.js';
import type { Notification, PolicyName, Severity } from '../sla/notification.js';
import { runbookUrlFor } from '../sla/runbooks.js';
import { clip, formatRate, hhmm, shortDuration } from './render-format.js';
import { renderHttpsBody } from './render-https.js';
import { LAMBDA_ENTRY_OVERHEAD_BYTES, LAMBDA_PAYLOAD_MAX_BYTES, renderLambdaPayload } from './render-lambda.js';
import { ELLIPSIS, SMS_MAX_CHARS, SNS_MESSAGE_MAX_BYTES, SNS_SUBJECT_MAX_CHARS } from './render-limits.js';
import { renderText } from './render-text.js';

export type { HttpsAlertBody } from './render-https.js';
export { MAX_LIST_LINES, SMS_MAX_CHARS, SNS_MESSAGE_MAX_BYTES, SNS_SUBJECT_MAX_CHARS } from './render-limits.js';

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
  /**
   * JSON object with `default`, `email`, `sms`, `https` and `lambda` strings, for `MessageStructure: 'json'`
   * (`lambda`: the notification itself for the notifier function, render-lambda.ts).
   */
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

const POLICY_LABEL: Readonly<Record<PolicyName, string>> = {
  down: 'DOWN',
  latency: 'SLOW',
  no_data: 'NO DATA',
  error_budget: 'error budget burn',
  redundancy_lost: 'REDUNDANCY LOST',
  membership_wrong: 'GROUP MEMBERSHIP WRONG',
  failover: 'FAILOVER',
  failover_flapping: 'FAILOVER FLAPPING',
  firmware_change: 'IDENTITY CHANGED',
};

export function renderAlert(n: Notification, ctx: RenderContext): RenderedAlert {
  const target = clip(n.target);
  const runbookUrl = runbookUrlFor(n, ctx.runbookBaseUrl);
  const subject = renderSubject(n);
  const email = renderText(n, ctx, subject, runbookUrl);
  const https = renderHttpsBody(n, ctx, subject, runbookUrl);
  const messageAttributes: AlertMessageAttributes = {
    severity: { DataType: 'String', StringValue: n.severity },
    status: { DataType: 'String', StringValue: n.status },
    // SNS rejects an empty String attribute; a target always has a name, but do not let a bug become a rejected page.
    target: { DataType: 'String', StringValue: target === '' ? '(unnamed)' : target },
    policy: { DataType: 'String', StringValue: n.policy },
  };
  const bodies = { default: email, email, sms: renderSms(n, subject), https: JSON.stringify(https) };
  // The notification for the notifier function gets what the other entries leave of SNS's limit.
  const attributeBytes = Object.entries(messageAttributes).reduce((sum, [name, v]) => sum + Buffer.byteLength(name) + Buffer.byteLength(v.DataType) + Buffer.byteLength(v.StringValue), 0);
  const used = Buffer.byteLength(JSON.stringify(bodies)) + Buffer.byteLength(subject) + attributeBytes + LAMBDA_ENTRY_OVERHEAD_BYTES;
  const message = JSON.stringify({ ...bodies, lambda: renderLambdaPayload(n, Math.min(LAMBDA_PAYLOAD_MAX_BYTES, SNS_MESSAGE_MAX_BYTES - used)) });
  return { subject, message, messageAttributes, runbookUrl };
}

// ---------------------------------------------------------------- subject

function renderSubject(n: Notification): string {
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
  if (n.group !== undefined || n.identity !== undefined || n.failovers !== undefined) return groupHeadline(n);
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
    default:
      return groupHeadline(n);
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
function asciiLine(text: string): string {
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
