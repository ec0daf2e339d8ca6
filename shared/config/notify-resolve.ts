// `notify:` resolved (defaults applied: both severities, the service's endpoint), and the rule that needs
// the runner: the Lambda functions read secrets from SSM only. Called by resolve.ts.
import { show, type PathProblem } from './format.js';
import type { ConfigRunner } from './login-rules.js';
import { DESTINATION_NAME, ENV_IN_LAMBDA, DEFAULT_NOTIFY_SEVERITIES, NOTIFY_TYPES, OPSGENIE_API_URLS, PAGERDUTY_EVENTS_URL, SECRET_FIELDS, type OpsgenieRegion } from './notify-rules.js';
import type { ParsedDestination } from './notify-schema.js';
import type { NotifyDestination, NotifyType, SecretRef } from './types.js';
import { isRecord as isMapping } from '../common/is-record.js';

/**
 * The rules across destinations, judged on the file as written (also when some destinations are invalid,
 * so every problem shows at once): names are unique, and the secret references are ones the runner can
 * read. Only 'lambda' has such a rule: the local monitor refuses an `ssm:` reference when it would read it
 * (run, notify-test), not here, so that backtests and reports of a deployed config still load it.
 */
export function notifyCrossProblems(raw: unknown, runner: ConfigRunner): PathProblem[] {
  if (!Array.isArray(raw)) return [];
  const problems: PathProblem[] = [];
  const names = new Set<string>();
  raw.forEach((destination: unknown, i) => {
    if (!isMapping(destination)) return;
    const name = destination.name;
    if (typeof name === 'string' && DESTINATION_NAME.test(name)) {
      if (names.has(name)) problems.push({ path: ['notify', i, 'name'], problem: `duplicate destination name ${show(name)}` });
      names.add(name);
    }
    if (runner !== 'lambda' || !(NOTIFY_TYPES as readonly unknown[]).includes(destination.type)) return;
    for (const key of Object.keys(SECRET_FIELDS[destination.type as NotifyType])) {
      const ref = destination[key];
      if (isMapping(ref) && ref.env !== undefined && ref.ssm === undefined) problems.push({ path: ['notify', i, key, 'env'], problem: ENV_IN_LAMBDA });
    }
  });
  return problems;
}

/** The destinations of a `notify:` that passed the schema, with every default applied. */
export function resolveNotify(parsed: readonly ParsedDestination[]): NotifyDestination[] {
  return parsed.map((d): NotifyDestination => {
    const severities = [...(d.severities ?? DEFAULT_NOTIFY_SEVERITIES)];
    const common = { name: d.name, severities };
    const ref = (key: string): SecretRef => {
      const value = d[key] as SecretRef | undefined;
      if (value === undefined) throw new Error('resolveConfig called on an invalid config');
      return 'env' in value ? { env: value.env } : { ssm: value.ssm };
    };
    const optionalRef = (key: string): { hmacSecret?: SecretRef } => (d[key] === undefined ? {} : { hmacSecret: ref(key) });
    switch (d.type) {
      case 'pagerduty':
        return { ...common, type: 'pagerduty', routingKey: ref('routingKey'), endpoint: (d.endpoint as string | undefined) ?? PAGERDUTY_EVENTS_URL };
      case 'opsgenie':
        return { ...common, type: 'opsgenie', apiKey: ref('apiKey'), endpoint: (d.endpoint as string | undefined) ?? OPSGENIE_API_URLS[((d.region as OpsgenieRegion | undefined) ?? 'us')] };
      case 'slack':
        return { ...common, type: 'slack', webhookUrl: ref('webhookUrl') };
      case 'teams':
        return { ...common, type: 'teams', webhookUrl: ref('webhookUrl') };
      case 'alertmanager':
        return { ...common, type: 'alertmanager', url: ref('url'), ...optionalRef('hmacSecret') };
      case 'json':
        return { ...common, type: 'json', url: ref('url'), ...optionalRef('hmacSecret') };
      case 'chatbot':
        return { ...common, type: 'chatbot', topic: d['topic'] as string };
    }
  });
}
