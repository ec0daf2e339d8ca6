// PagerDuty Events API v2 (https://events.pagerduty.com/v2/enqueue), as documented in "Send an Alert
// Event" and the Events API v2 overview (developer.pagerduty.com, PagerDuty/developer-docs):
//   * routing_key (the 32-character integration key), event_action trigger | acknowledge | resolve,
//     dedup_key at most 255 characters;
//   * payload.summary (required, at most 1024 characters), payload.source (required), payload.severity
//     (required: critical | error | warning | info), payload.timestamp, component, group, class,
//     custom_details (object); links [{ href (required), text }]; client, client_url;
//   * a trigger with the dedup_key of an open alert is added to it, so a reminder is another trigger with
//     the same key; a resolve needs only routing_key, event_action and dedup_key;
//   * 202 { status: 'success', message: 'Event processed', dedup_key } on success; 400 is not retried,
//     429 and 5xx are; a request body is at most 512 KB.
// Pure.
import { PAGERDUTY_EVENTS_URL } from '../../config/notify-rules.js';
import type { Notification } from '../../sla/notification.js';
import type { RenderContext } from '../render.js';
import { classesByCount, clip } from '../render-format.js';
import { alertFacts, JSON_HEADERS, keyWithin, truncate, type FormatOptions, type HttpRequest } from './common.js';

/** payload.summary: at most 1024 characters. */
export const PAGERDUTY_SUMMARY_MAX_CHARS = 1024;
/** dedup_key: at most 255 characters. */
export const PAGERDUTY_DEDUP_KEY_MAX_CHARS = 255;
/** A whole event: at most 512 KB (our trigger is a few KB: every list is capped by the renderer). */
export const PAGERDUTY_MAX_EVENT_BYTES = 512 * 1024;
/** What PagerDuty shows as the monitoring tool. */
export const PAGERDUTY_CLIENT = 'pptp-monitor';

export interface PagerDutySettings {
  /** The integration's routing key (a secret: it is in the body, so never log a PagerDuty body unredacted). */
  routingKey: string;
  /** Default: the Events API v2 enqueue URL. */
  endpoint?: string;
}

export interface PagerDutyTrigger {
  routing_key: string;
  event_action: 'trigger';
  dedup_key: string;
  payload: {
    summary: string;
    source: string;
    severity: 'critical' | 'warning';
    timestamp: string;
    component: string;
    group?: string;
    class: string;
    custom_details: Record<string, unknown>;
  };
  links: Array<{ href: string; text: string }>;
  client: string;
  client_url?: string;
}

export interface PagerDutyResolve {
  routing_key: string;
  event_action: 'resolve';
  dedup_key: string;
}

export function pagerDutyEvent(n: Notification, ctx: RenderContext, routingKey: string, options: FormatOptions = {}): PagerDutyTrigger | PagerDutyResolve {
  const dedupKey = keyWithin(n.dedupKey, PAGERDUTY_DEDUP_KEY_MAX_CHARS);
  if (n.status === 'resolved') return { routing_key: routingKey, event_action: 'resolve', dedup_key: dedupKey };
  const facts = alertFacts(n, ctx, options);
  const { https } = facts;
  const links: PagerDutyTrigger['links'] = [];
  if (facts.runbookLink) links.push({ href: facts.runbookLink, text: `Runbook: ${https.policy === 'down' || https.policy === 'error_budget' ? (n.dominantFailureClass ?? https.policy) : https.policy}` });
  if (facts.dashboardLink) links.push({ href: facts.dashboardLink, text: 'Dashboard' });
  const details: Record<string, unknown> = {
    status: n.status,
    policy: n.policy,
    severity: n.severity,
    description: facts.description,
    locations_affected: https.regions,
    locations: facts.where,
    starts_at: https.startsAt,
    evaluated_at: new Date(n.at).toISOString(),
    failure_classes: Object.fromEntries(classesByCount(n)),
    error_budget_remaining: n.errorBudgetRemaining,
    slo_percent: n.slo,
    runbook: facts.runbookUrl,
    dedup_key: dedupKey,
  };
  if (n.rule !== undefined) details['rule'] = clip(n.rule);
  if (n.latency !== undefined) details['latency'] = n.latency;
  if (options.test) details['test'] = true;
  const trigger: PagerDutyTrigger = {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: dedupKey,
    payload: {
      summary: truncate(facts.summary, PAGERDUTY_SUMMARY_MAX_CHARS),
      // The affected system: the gateway as configured (its host when the caller knows it).
      source: ctx.target?.host ?? https.target,
      // A page is an outage someone must act on now; a ticket is a degradation for working hours.
      severity: n.severity === 'page' ? 'critical' : 'warning',
      timestamp: new Date(n.at).toISOString(),
      component: https.target,
      // The team that owns the gateway groups its incidents.
      ...(https.labels.owner !== undefined ? { group: https.labels.owner } : {}),
      // The failure class when probes failed, else the policy (latency, no_data): what kind of problem.
      class: n.dominantFailureClass ?? n.policy,
      custom_details: details,
    },
    links,
    client: PAGERDUTY_CLIENT,
    ...(facts.dashboardLink ? { client_url: facts.dashboardLink } : {}),
  };
  return trigger;
}

/** The Events API v2 request for one notification: trigger (firing, reminder) or resolve. */
export function pagerDutyRequest(n: Notification, ctx: RenderContext, settings: PagerDutySettings, options: FormatOptions = {}): HttpRequest {
  return { url: settings.endpoint ?? PAGERDUTY_EVENTS_URL, method: 'POST', headers: { ...JSON_HEADERS }, body: JSON.stringify(pagerDutyEvent(n, ctx, settings.routingKey, options)) };
}
