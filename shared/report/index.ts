// Renderers of the SLA report (shared/sla/report.ts builds it). Pure: value in, text out; the CLI and the
// report Lambda decide where the text goes.
import type { SlaReport } from '../sla/report.js';
import { renderCsv } from './render-csv.js';
import { renderHtml } from './render-html.js';
import { renderJson } from './render-json.js';
import { renderMarkdown } from './render-md.js';

export const REPORT_FORMATS = ['md', 'csv', 'html', 'json'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export function isReportFormat(value: string): value is ReportFormat {
  return (REPORT_FORMATS as readonly string[]).includes(value);
}

export function renderReport(report: SlaReport, format: ReportFormat): string {
  switch (format) {
    case 'md':
      return renderMarkdown(report);
    case 'csv':
      return renderCsv(report);
    case 'html':
      return renderHtml(report);
    case 'json':
      return renderJson(report);
  }
}

export { renderCsv, csvField, CSV_COLUMNS, CSV_GROUP_COLUMNS } from './render-csv.js';
export { renderHtml } from './render-html.js';
export { escapeHtml } from './escape-html.js';
export { heatColour } from './heat-strip.js';
export { renderJson, reportToJson, type JsonReport, type JsonTargetReport, type JsonGroupReport, type JsonPercentiles, type JsonIncident } from './render-json.js';
export { renderMarkdown, escapeMarkdown } from './render-md.js';
export * from './format.js';
