// Alertmanager's webhook format, version "4" (prometheus.io, Configuration, <webhook_config>), so any
// receiver written for Alertmanager (and tools that ingest it) takes our alerts as they are:
//   { version: '4', groupKey, truncatedAlerts, status: 'firing' | 'resolved', receiver, groupLabels,
//     commonLabels, commonAnnotations, externalURL,
//     alerts: [{ status, labels, annotations, startsAt, endsAt, generatorURL, fingerprint }] }
// Labels and annotations are maps of strings; times are RFC 3339; a firing alert's endsAt is Go's zero
// time "0001-01-01T00:00:00Z", as Alertmanager sends it. One notification is one group of one alert, so
// the common labels and annotations are the alert's own. A reminder is sent firing again (Alertmanager's
// repeat_interval does the same). Optionally signed (signature.ts). Pure.
import { createHash } from 'node:crypto';
import type { Notification, PolicyName } from '../../sla/notification.js';
import type { RenderContext } from '../render.js';
import { alertFacts, JSON_HEADERS, type FormatOptions, type HttpRequest } from './common.js';
import { signatureHeaders } from './signature.js';

export const ALERTMANAGER_WEBHOOK_VERSION = '4';
/** Go's zero time.Time in RFC 3339: Alertmanager's endsAt of an alert that has not ended. */
export const ALERTMANAGER_ZERO_TIME = '0001-01-01T00:00:00Z';

/** alertname per policy, in Prometheus' CamelCase convention. */
export const ALERT_NAMES: Readonly<Record<PolicyName, string>> = {
  down: 'PptpGatewayDown',
  error_budget: 'PptpErrorBudgetBurn',
  latency: 'PptpGatewaySlow',
  no_data: 'PptpMonitorNoData',
  redundancy_lost: 'PptpGroupRedundancyLost',
  membership_wrong: 'PptpGroupMembershipWrong',
  failover: 'PptpGroupFailover',
  failover_flapping: 'PptpGroupFailoverFlapping',
  firmware_change: 'PptpGatewayFirmwareChange',
};

export interface AlertmanagerSettings {
  /** The receiver's URL (a secret: it often carries a token). */
  url: string;
  /** The destination's name: Alertmanager's `receiver`. */
  receiver: string;
  /** Signs the body when set (signature.ts). */
  hmacSecret?: string;
  /** The signing instant, ms; deliver.ts builds the request per attempt with the current time. */
  nowMs?: number;
}

export interface AlertmanagerAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
}

export interface AlertmanagerMessage {
  version: '4';
  groupKey: string;
  truncatedAlerts: number;
  status: 'firing' | 'resolved';
  receiver: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  alerts: AlertmanagerAlert[];
}

/** `{}:{a="x", b="y"}`: Alertmanager's group key of a route at the root grouped by these labels. */
function groupKeyOf(groupLabels: Record<string, string>): string {
  return `{}:{${Object.entries(groupLabels).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')}}`;
}

export function alertmanagerMessage(n: Notification, ctx: RenderContext, receiver: string, options: FormatOptions = {}): AlertmanagerMessage {
  const facts = alertFacts(n, ctx, options);
  const { https } = facts;
  const status = facts.firing ? 'firing' : 'resolved';
  const labels: Record<string, string> = { alertname: ALERT_NAMES[n.policy], target: https.target, policy: n.policy, severity: n.severity };
  if (https.labels.owner !== undefined) labels['owner'] = https.labels.owner;
  if (n.dominantFailureClass !== undefined) labels['failure_class'] = n.dominantFailureClass;
  if (options.test) labels['test'] = 'true';
  const annotations: Record<string, string> = { summary: facts.summary, description: facts.description, runbook_url: facts.runbookUrl, dedup_key: https.dedupKey };
  if (facts.dashboardLink) annotations['dashboard_url'] = facts.dashboardLink;
  const groupLabels = { alertname: labels['alertname'] ?? '', target: https.target };
  const alert: AlertmanagerAlert = {
    status,
    labels,
    annotations,
    startsAt: https.startsAt,
    endsAt: https.endsAt ?? ALERTMANAGER_ZERO_TIME,
    generatorURL: facts.dashboardLink ?? '',
    // Alertmanager's fingerprint is 16 hex digits of a hash of the labels; ours hashes the dedup key, so it
    // is the same for firing, reminders and resolved of one incident and differs between incidents.
    fingerprint: createHash('sha256').update(https.dedupKey).digest('hex').slice(0, 16),
  };
  return {
    version: ALERTMANAGER_WEBHOOK_VERSION,
    groupKey: groupKeyOf(groupLabels),
    truncatedAlerts: 0,
    status,
    receiver,
    groupLabels,
    commonLabels: { ...labels },
    commonAnnotations: { ...annotations },
    externalURL: facts.dashboardLink ?? '',
    alerts: [alert],
  };
}

export function alertmanagerRequest(n: Notification, ctx: RenderContext, settings: AlertmanagerSettings, options: FormatOptions = {}): HttpRequest {
  const body = JSON.stringify(alertmanagerMessage(n, ctx, settings.receiver, options));
  const signed = settings.hmacSecret !== undefined ? signatureHeaders(body, settings.hmacSecret, settings.nowMs ?? Date.now()) : {};
  return { url: settings.url, method: 'POST', headers: { ...JSON_HEADERS, ...signed }, body };
}
