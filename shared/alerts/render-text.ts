// The `email` (and `default`) text of an alert: what, since when, where, why (failure classes with their
// explanations and likely causes), the budget and burn rates, latency per region, and where to look next.
// Pure; every list and free-text field is capped (render-limits.ts).
import { FAILURE_CLASS_INFO, isFailureClass } from '../probe/failure-classes.js';
import type { Notification } from '../sla/notification.js';
import type { RenderContext } from './render.js';
import { boundedKey, budget, capNote, classesByCount, clip, formatRate, iso, longDuration, policyPhrase } from './render-format.js';
import { MAX_LIST_LINES } from './render-limits.js';
import { groupLines } from './render-group.js';

export function renderText(n: Notification, ctx: RenderContext, subject: string, runbookUrl: string): string {
  return [subject, '', ...whatAndWhen(n, ctx), ...whereLines(n), ...failureLines(n), '', ...groupLines(n), ...budgetLines(n), ...latencyLines(n), '', ...whoAndLinks(n, ctx, runbookUrl)].join('\n');
}

function whatAndWhen(n: Notification, ctx: RenderContext): string[] {
  const lines: string[] = [];
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
  return lines;
}

function whereLines(n: Notification): string[] {
  const lines = [`Regions:   ${n.regions.affected.length} of ${n.regions.all.length} affected${capNote(n.regions.affected.length)}`];
  for (const region of n.regions.all.slice(0, MAX_LIST_LINES)) {
    lines.push(`  ${n.regions.affected.includes(region) ? '*' : ' '} ${clip(region)}`);
  }
  const notListed = n.regions.affected.filter((r) => !n.regions.all.includes(r)).slice(0, MAX_LIST_LINES);
  for (const region of notListed) lines.push(`  * ${clip(region)}`);
  if (n.regions.all.length > MAX_LIST_LINES) lines.push(`  ... and ${n.regions.all.length - MAX_LIST_LINES} more regions (first ${MAX_LIST_LINES} listed)`);
  if (n.downIntervals !== undefined) lines.push(`Down for:  ${n.downIntervals} consecutive intervals`);
  return lines;
}

/** A latency incident's evidence is its control times (latencyLines); failures belong to other incidents. */
function failureLines(n: Notification): string[] {
  if (n.policy === 'latency') return [];
  const classes = classesByCount(n);
  if (classes.length === 0) return ['', 'Failure classes: none recorded'];
  const lines = ['', `Failure classes seen (failed probes)${capNote(classes.length)}:`];
  for (const [cls, count] of classes.slice(0, MAX_LIST_LINES)) {
    lines.push(`  ${cls}: ${count}`);
    if (!isFailureClass(cls)) continue;
    const info = FAILURE_CLASS_INFO[cls];
    lines.push(`    ${info.explanation}`);
    lines.push('    Likely causes:');
    for (const cause of info.likelyCauses) lines.push(`      - ${cause}`);
  }
  return lines;
}

function budgetLines(n: Notification): string[] {
  if (n.errorBudgetRemaining === undefined) return [];
  const lines = [`Error budget left: ${budget(n.errorBudgetRemaining)} of the ${n.slo}% availability SLO`];
  if (n.rule) lines.push(`Rule: ${clip(n.rule)}`);
  const rates = n.burnRates ?? [];
  if (rates.length > 0) {
    lines.push(`Burn rates${capNote(rates.length)}:`);
    lines.push(`  ${'window'.padEnd(8)}${'rate'.padStart(10)}  bad/intervals`);
    for (const r of rates.slice(0, MAX_LIST_LINES)) {
      lines.push(`  ${clip(r.window).padEnd(8)}${formatRate(r.rate).padStart(10)}  ${r.badIntervals}/${r.intervals}`);
    }
  }
  return lines;
}

function latencyLines(n: Notification): string[] {
  if (!n.latency) return [];
  const { thresholdMs } = n.latency;
  const rows = Object.entries(n.latency.p95ByRegion);
  const lines = ['', `Latency, p95 control time per region (threshold ${thresholdMs} ms)${capNote(rows.length)}:`];
  for (const [region, p95] of rows.slice(0, MAX_LIST_LINES)) {
    lines.push(`  ${clip(region).padEnd(16)}${`${Math.round(p95)} ms`.padStart(10)}${p95 > thresholdMs ? '  over' : ''}`);
  }
  return lines;
}

function whoAndLinks(n: Notification, ctx: RenderContext, runbookUrl: string): string[] {
  const lines: string[] = [];
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
  return lines;
}
