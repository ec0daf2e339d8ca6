// From `notify:` as configured (secrets named) to destinations ready to send to (secrets read), through a
// SecretReader port: the local monitor reads environment variables (envSecretReader); the AWS notifier
// passes a reader of SSM SecureString parameters. Every problem names the destination and the field, never
// a value.
import { PptpMonitorError } from '../../common/errors.js';
import { chatbotLocallyProblem, isEndpointUrl, ssmLocallyProblem } from '../../config/notify-rules.js';
import type { NotifyDestination, NotifySeverity, SecretRef } from '../../config/types.js';

/** A secret could not be read: the message says why, in words that follow '<destination> <field>: '. */
export class SecretUnavailableError extends PptpMonitorError<'secret-unavailable'> {
  override readonly name = 'SecretUnavailableError';

  constructor(message: string, options?: { cause?: unknown }) {
    super('secret-unavailable', message, options);
  }
}

/** Reads one secret; throws SecretUnavailableError (or anything, wrapped by the caller) when it cannot. */
export type SecretReader = (ref: SecretRef, where: string) => Promise<string>;

/** The local monitor's reader: environment variables only (it has no SSM client, see README). */
export function envSecretReader(env: Readonly<Record<string, string | undefined>>): SecretReader {
  return async (ref, where) => {
    if ('ssm' in ref) throw new SecretUnavailableError(ssmLocallyProblem(where, ref.ssm));
    const value = env[ref.env];
    if (value === undefined || value === '') throw new SecretUnavailableError(`${where} is { env: ${ref.env} }: the environment variable ${ref.env} is not set (or empty); export the secret in it`);
    return value;
  };
}

interface ReadyCommon {
  name: string;
  severities: readonly NotifySeverity[];
}

/** A destination with its secrets read: what the formatters and deliver() take. Never log one. */
export type ReadyDestination =
  | (ReadyCommon & { type: 'pagerduty'; routingKey: string; endpoint: string })
  | (ReadyCommon & { type: 'opsgenie'; apiKey: string; endpoint: string })
  | (ReadyCommon & { type: 'slack' | 'teams'; webhookUrl: string })
  | (ReadyCommon & { type: 'alertmanager' | 'json'; url: string; hmacSecret?: string });

/**
 * A secret URL and the parts of it that are the credential: its path and query (Slack's
 * /services/T/B/<token>), and each query value (Teams' `sig`), which a service may echo on their own.
 */
function urlSecrets(url: string): string[] {
  try {
    const parsed = new URL(url);
    const pathAndQuery = `${parsed.pathname}${parsed.search}`;
    return [url, ...(pathAndQuery.length > 1 ? [pathAndQuery] : []), ...[...parsed.searchParams.values()]];
  } catch {
    return [url];
  }
}

/** The secret values of a ready destination, for redact() and for tests that prove none leaks. */
export function secretsOf(d: ReadyDestination): string[] {
  switch (d.type) {
    case 'pagerduty':
      return [d.routingKey];
    case 'opsgenie':
      return [d.apiKey];
    case 'slack':
    case 'teams':
      return urlSecrets(d.webhookUrl);
    case 'alertmanager':
    case 'json':
      return [...urlSecrets(d.url), ...(d.hmacSecret !== undefined ? [d.hmacSecret] : [])];
  }
}

const URL_RULE = 'is not an https:// URL (http:// is accepted only to this machine: 127.0.0.1, [::1] or localhost)';

export interface ReadyDestinations {
  ready: ReadyDestination[];
  /** One line per secret that could not be read or is not usable, '<name> (<type>) <field>: ...'. */
  problems: string[];
}

/** Reads every secret of `destinations`; reports every problem at once rather than the first. */
export async function readDestinations(destinations: readonly NotifyDestination[], read: SecretReader): Promise<ReadyDestinations> {
  const problems: string[] = [];
  const ready: ReadyDestination[] = [];
  for (const d of destinations) {
    const label = (field: string): string => `notify destination '${d.name}' (${d.type}): ${field}`;
    const secret = async (field: string, ref: SecretRef, isUrl = false): Promise<string | undefined> => {
      try {
        const value = await read(ref, label(field));
        // The value is a secret: say what is wrong with it, never what it is.
        if (isUrl && !isEndpointUrl(value)) {
          problems.push(`${label(field)} ${'env' in ref ? `from $${ref.env}` : `from SSM ${ref.ssm}`} ${URL_RULE}`);
          return undefined;
        }
        return value;
      } catch (err) {
        problems.push(err instanceof SecretUnavailableError ? err.message : `${label(field)}: cannot be read (${err instanceof Error ? err.name : 'error'})`);
        return undefined;
      }
    };
    const common = { name: d.name, severities: d.severities };
    switch (d.type) {
      case 'pagerduty': {
        const routingKey = await secret('routingKey', d.routingKey);
        if (routingKey !== undefined) ready.push({ ...common, type: 'pagerduty', routingKey, endpoint: d.endpoint });
        break;
      }
      case 'opsgenie': {
        const apiKey = await secret('apiKey', d.apiKey);
        if (apiKey !== undefined) ready.push({ ...common, type: 'opsgenie', apiKey, endpoint: d.endpoint });
        break;
      }
      case 'slack':
      case 'teams': {
        const webhookUrl = await secret('webhookUrl', d.webhookUrl, true);
        if (webhookUrl !== undefined) ready.push({ ...common, type: d.type, webhookUrl });
        break;
      }
      case 'alertmanager':
      case 'json': {
        const url = await secret('url', d.url, true);
        const hmacSecret = d.hmacSecret !== undefined ? await secret('hmacSecret', d.hmacSecret) : undefined;
        if (url !== undefined && (d.hmacSecret === undefined || hmacSecret !== undefined)) ready.push({ ...common, type: d.type, url, ...(hmacSecret !== undefined ? { hmacSecret } : {}) });
        break;
      }
      case 'chatbot':
        // Not an HTTP request with secrets: the AWS notifier publishes it to its SNS topic itself (notify-cycle).
        problems.push(chatbotLocallyProblem(`notify destination '${d.name}' (chatbot)`));
        break;
    }
  }
  return { ready, problems };
}
