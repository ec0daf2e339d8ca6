// The `https` body of an alert (the JSON webhook receivers and on-call tools get) and the short incident
// description it and the annotations carry. Pure.
import { FAILURE_CLASS_INFO, isFailureClass } from '../probe/failure-classes.js';
import type { Notification, PolicyName, Severity } from '../sla/notification.js';
import type { RenderContext } from './render.js';
import { boundedKey, budget, classesByCount, clip, iso, listInline, longDuration, policyPhrase } from './render-format.js';
import { MAX_LIST_LINES } from './render-limits.js';
import { groupHeadline } from './render-group.js';

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

export function renderHttpsBody(n: Notification, ctx: RenderContext, subject: string, runbookUrl: string): HttpsAlertBody {
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
  if ((n.policy === 'error_budget' || n.policy === 'down') && n.errorBudgetRemaining !== undefined) parts.push(`Error budget left: ${budget(n.errorBudgetRemaining)} of the ${n.slo}% SLO.`);
  if (n.dominantFailureClass && isFailureClass(n.dominantFailureClass)) {
    parts.push(`Most probes failed with ${n.dominantFailureClass}: ${FAILURE_CLASS_INFO[n.dominantFailureClass].explanation}`);
  }
  if (n.group !== undefined || n.identity !== undefined || n.failovers !== undefined) parts.push(`${groupHeadline(n)}.`);
  if (n.status === 'reminder') parts.push('Reminder: the incident is still open.');
  return parts.join(' ');
}
