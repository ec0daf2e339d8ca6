// The monthly report's SNS message: a short subject, the Markdown report for email/default, a one-line
// SMS and the JSON report for https subscribers, kept under SNS's 256 KiB with the cut said in the text.
import { SNS_MESSAGE_MAX_BYTES } from '../alerts/render-limits.js';
import { slaTargets } from '../sla/report-groups.js';
import type { SlaReport } from '../sla/report.js';
import { renderJson } from './render-json.js';
import { renderMarkdown } from './render-md.js';

/** Room left for the JSON envelope, attributes and escaping overhead. */
const BODY_BUDGET_BYTES = Math.floor((SNS_MESSAGE_MAX_BYTES - 8 * 1024) / 2);

export interface ReportSummary {
  subject: string;
  message: string;
  messageAttributes: Record<string, { DataType: 'String'; StringValue: string }>;
  belowSlo: string[];
}

function clip(text: string, maxBytes: number, note: string): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  const room = maxBytes - Buffer.byteLength(note) - 4;
  return `${Buffer.from(text).subarray(0, Math.max(0, room)).toString('utf8').replace(/\uFFFD+$/, '')}\n\n${note}`;
}

/**
 * `part`: this report is one of several (a large fleet's report is split over invocations); the subject says which.
 * The counts are of the SLA's targets: a gateway group's members are left out (their downtime is the
 * group's redundancy lost; its virtual address carries the SLA), as every format's group section says.
 */
export function reportSummary(report: SlaReport, fullReportHint: string, part?: { shard: number; shards: number }): ReportSummary {
  const month = new Date(report.fromMs).toISOString().slice(0, 7);
  const counted = slaTargets(report);
  const belowSlo = counted.filter((t) => t.verdict === 'missed').map((t) => t.target);
  const partOf = part ? ` (part ${part.shard + 1}/${part.shards})` : '';
  const subject = `[REPORT] PPTP SLA ${month}${partOf}: ${counted.length} target(s), ${belowSlo.length} below SLO`.slice(0, 100);
  const cut = `(cut to fit an SNS message; the full report: ${fullReportHint})`;
  const markdown = clip(renderMarkdown(report), BODY_BUDGET_BYTES, cut);
  const json = renderJson(report);
  const https = Buffer.byteLength(json) <= BODY_BUDGET_BYTES ? json : JSON.stringify({ truncated: true, note: cut, from: new Date(report.fromMs).toISOString(), to: new Date(report.toMs).toISOString(), belowSlo });
  const sms = `PPTP SLA ${month}: ${belowSlo.length}/${counted.length} below SLO${belowSlo.length ? `: ${belowSlo.slice(0, 3).join(', ')}` : ''}`.slice(0, 140);
  return {
    subject,
    message: JSON.stringify({ default: markdown, email: markdown, sms, https }),
    messageAttributes: { kind: { DataType: 'String', StringValue: 'report' }, severity: { DataType: 'String', StringValue: 'ticket' } },
    belowSlo,
  };
}
