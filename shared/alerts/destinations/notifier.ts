// One notification to every destination that takes its severity: the request of each destination's type
// (requestFor), delivered with retries (deliver.ts), all destinations at once so a slow one delays none.
// Runner-agnostic: the local monitor and notify-test use it with secrets from the environment; the AWS
// notifier with secrets from SSM. Nothing is logged here; the caller gets one outcome per destination.
import type { Notification } from '../../sla/notification.js';
import type { RenderContext } from '../render.js';
import { alertmanagerRequest } from './alertmanager.js';
import type { FormatOptions, HttpRequest } from './common.js';
import { deliver, redact, type DeliverOptions, type DeliveryOutcome } from './deliver.js';
import { jsonRequest } from './json.js';
import { opsgenieRequest } from './opsgenie.js';
import { pagerDutyRequest } from './pagerduty.js';
import { secretsOf, type ReadyDestination } from './secrets.js';
import { slackRequest } from './slack.js';
import { teamsRequest } from './teams.js';

/** The request a destination of its type gets for `n`; `nowMs` is the signing instant of signed types. */
export function requestFor(d: ReadyDestination, n: Notification, ctx: RenderContext, options: FormatOptions & { nowMs?: number } = {}): HttpRequest {
  const format: FormatOptions = options.test ? { test: true } : {};
  const nowMs = options.nowMs ?? Date.now();
  switch (d.type) {
    case 'pagerduty':
      return pagerDutyRequest(n, ctx, { routingKey: d.routingKey, endpoint: d.endpoint }, format);
    case 'opsgenie':
      return opsgenieRequest(n, ctx, { apiKey: d.apiKey, endpoint: d.endpoint }, format);
    case 'slack':
      return slackRequest(n, ctx, { webhookUrl: d.webhookUrl }, format);
    case 'teams':
      return teamsRequest(n, ctx, { webhookUrl: d.webhookUrl }, format);
    case 'alertmanager':
      return alertmanagerRequest(n, ctx, { url: d.url, receiver: d.name, nowMs, ...(d.hmacSecret !== undefined ? { hmacSecret: d.hmacSecret } : {}) }, format);
    case 'json':
      return jsonRequest(n, ctx, { url: d.url, nowMs, ...(d.hmacSecret !== undefined ? { hmacSecret: d.hmacSecret } : {}) }, format);
  }
}

export interface DestinationDelivery extends DeliveryOutcome {
  type: ReadyDestination['type'];
  /** On failure: the last request's body with every secret of the destination replaced by '<redacted>', to print or keep. */
  redactedBody?: string;
}

export interface NotifierOptions {
  destinations: readonly ReadyDestination[];
  /** Passed to deliver() for every destination (the secrets are added per destination). */
  deliver?: Omit<DeliverOptions, 'secrets'>;
  /** Wall clock for signatures, ms (default Date.now). */
  now?: () => number;
}

export interface Notifier {
  /** The destinations taking this notification's severity, in configured order. */
  destinationsFor(n: Pick<Notification, 'severity'>): ReadyDestination[];
  /** Formats and delivers `n` to each of them; one outcome each, in the same order. Never throws for a failed delivery. */
  notify(n: Notification, ctx: RenderContext, options?: { test?: boolean; signal?: AbortSignal }): Promise<DestinationDelivery[]>;
}

export function createNotifier(options: NotifierOptions): Notifier {
  const now = options.now ?? Date.now;
  const destinationsFor = (n: Pick<Notification, 'severity'>): ReadyDestination[] => options.destinations.filter((d) => d.severities.includes(n.severity));
  return {
    destinationsFor,
    async notify(n, ctx, call = {}) {
      return Promise.all(
        destinationsFor(n).map(async (d): Promise<DestinationDelivery> => {
          const secrets = secretsOf(d);
          let last: HttpRequest | undefined;
          // Built per try, so a signed request carries the time it is sent, not the time of the first try.
          const build = (): HttpRequest => (last = requestFor(d, n, ctx, { nowMs: now(), ...(call.test ? { test: true } : {}) }));
          const deliverOptions: DeliverOptions = { ...options.deliver, secrets, ...(call.signal ? { signal: call.signal } : {}) };
          let outcome: DeliveryOutcome;
          try {
            outcome = await deliver(d.name, build, deliverOptions);
          } catch (err) {
            // A formatter bug must not lose the page for the other destinations: it is this one's failure.
            outcome = { destination: d.name, host: '(not sent)', ok: false, attempts: 0, error: `could not be formatted (${err instanceof Error ? err.name : 'error'})` };
          }
          if (outcome.ok) return { ...outcome, type: d.type };
          return { ...outcome, type: d.type, ...(last !== undefined ? { redactedBody: redact(last.body, secrets) } : {}) };
        }),
      );
    },
  };
}

/** One line for logs and terminals: name, type, host, result, status, tries. Never a URL or a key. */
export function deliveryLine(d: DestinationDelivery): string {
  const tries = `${d.attempts} attempt${d.attempts === 1 ? '' : 's'}`;
  if (d.ok) return `${d.destination} (${d.type}, ${d.host}): sent, HTTP ${d.status ?? '?'}, ${tries}`;
  // An HTTP failure's error starts with its status ('HTTP 400: invalid_payload').
  return `${d.destination} (${d.type}, ${d.host}): failed, ${tries}: ${d.error ?? 'unknown error'}`;
}
