// The local monitor's destinations: every `notify:` destination of its config, secrets read from the
// environment (it has no SSM client: an `ssm:` reference is refused with what to write instead), and the
// `run --webhook <url> --webhook-format <type> [--webhook-key-env <VAR>]` destination beside them. Read once
// at start, so a missing variable stops `run` before its first probe rather than at the first page.
import type { NotifyType, ResolvedConfig } from '../../config/types.js';
import { envSecretReader, readDestinations, type ReadyDestination, type ReadyDestinations } from './secrets.js';

/** The --webhook flags as parsed. */
export interface WebhookFlag {
  url: string;
  format: NotifyType;
  /** The environment variable holding the routing key (pagerduty), API key (opsgenie) or HMAC secret (alertmanager, json). */
  keyEnv?: string;
}

/** The name the --webhook destination goes by in every line printed about it. */
export const WEBHOOK_DESTINATION = '--webhook';

function webhookDestination(flag: WebhookFlag & { format: Exclude<NotifyType, 'chatbot'> }, key: string | undefined): ReadyDestination {
  const common = { name: WEBHOOK_DESTINATION, severities: ['page', 'ticket'] as const };
  switch (flag.format) {
    case 'pagerduty':
      return { ...common, type: 'pagerduty', routingKey: key ?? '', endpoint: flag.url };
    case 'opsgenie':
      return { ...common, type: 'opsgenie', apiKey: key ?? '', endpoint: flag.url };
    case 'slack':
    case 'teams':
      return { ...common, type: flag.format, webhookUrl: flag.url };
    case 'alertmanager':
    case 'json':
      return { ...common, type: flag.format, url: flag.url, ...(key !== undefined ? { hmacSecret: key } : {}) };
  }
}

export async function localDestinations(config: Pick<ResolvedConfig, 'notify'>, webhook: WebhookFlag | undefined, env: Readonly<Record<string, string | undefined>>): Promise<ReadyDestinations> {
  const { ready, problems } = await readDestinations(config.notify ?? [], envSecretReader(env));
  if (webhook !== undefined) {
    const key = webhook.keyEnv !== undefined ? env[webhook.keyEnv] : undefined;
    const format = webhook.format;
    // run-args refuses it already; the type still allows it (an Amazon Q topic is not a URL).
    if (format === 'chatbot') problems.push('--webhook-format chatbot: an Amazon Q Developer destination is an SNS topic, not a webhook');
    else if (webhook.keyEnv !== undefined && (key === undefined || key === '')) problems.push(`--webhook-key-env ${webhook.keyEnv}: the environment variable ${webhook.keyEnv} is not set (or empty); export the key in it`);
    else ready.push(webhookDestination({ ...webhook, format }, key));
  }
  return { ready, problems };
}
