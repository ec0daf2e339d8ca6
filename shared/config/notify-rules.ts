// The rules of `notify:` (on-call destinations) that need no zod: the destination types and their keys,
// the service endpoints, and the exact texts of every problem. notify-schema.ts wraps them in zod,
// resolve.ts applies the runner rule (Lambda reads SSM only), notify-shape.ts checks the packaged form.
//
// A secret (routing key, API key, webhook URL, HMAC secret) is never written in the file: it is named,
// as an SSM SecureString parameter (`{ ssm: /name }`, read by the Lambda functions with their role) or an
// environment variable (`{ env: NAME }`, read by the local monitor). A config file is committed, copied
// into artifacts and printed in reviews; a webhook URL in it is a credential anyone can post with.
import { show } from './format.js';
import { isEnvName, isSsmParameterName } from './login-rules.js';
import type { NotifyType } from './types.js';

export const NOTIFY_TYPES: readonly NotifyType[] = ['pagerduty', 'opsgenie', 'slack', 'teams', 'alertmanager', 'json', 'chatbot'];
/** The types `run --webhook-format` can send to a URL: every type but chatbot, which is an SNS topic. */
export const WEBHOOK_FORMATS: readonly NotifyType[] = NOTIFY_TYPES.filter((t) => t !== 'chatbot');
export const NOTIFY_SEVERITIES = ['page', 'ticket', 'info'] as const;
/** What a destination receives when it does not say: incidents, not the informational events. */
export const DEFAULT_NOTIFY_SEVERITIES = ['page', 'ticket'] as const;

/** PagerDuty Events API v2: one endpoint for trigger, acknowledge and resolve events. */
export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';
/** Opsgenie API base URL per account region (the alert API is under /v2/alerts). */
export const OPSGENIE_API_URLS = { us: 'https://api.opsgenie.com', eu: 'https://api.eu.opsgenie.com' } as const;
export type OpsgenieRegion = keyof typeof OPSGENIE_API_URLS;

/** The keys holding a secret reference, per type, and why each is a secret (said when one is written in clear). */
export const SECRET_FIELDS: Readonly<Record<NotifyType, Readonly<Record<string, string>>>> = {
  pagerduty: { routingKey: 'a PagerDuty routing key lets anyone who reads it open incidents on your service' },
  opsgenie: { apiKey: 'an Opsgenie API key lets anyone who reads it create and close alerts' },
  slack: { webhookUrl: 'a Slack webhook URL lets anyone who reads it post to the channel' },
  teams: { webhookUrl: 'a Teams workflow URL lets anyone who reads it post to the channel' },
  alertmanager: { url: 'a webhook URL often carries a token and lets anyone who reads it send alerts', hmacSecret: 'an HMAC secret lets anyone who reads it sign forged alerts' },
  json: { url: 'a webhook URL often carries a token and lets anyone who reads it send alerts', hmacSecret: 'an HMAC secret lets anyone who reads it sign forged alerts' },
  // The channel is authorised in the AWS console; publishing to the topic takes IAM permission, not a secret.
  chatbot: {},
};

/** Every key a destination of each type may have, in the order they are listed in messages. */
export const NOTIFY_KEYS: Readonly<Record<NotifyType, readonly string[]>> = {
  pagerduty: ['name', 'type', 'severities', 'routingKey', 'endpoint'],
  opsgenie: ['name', 'type', 'severities', 'apiKey', 'region', 'endpoint'],
  slack: ['name', 'type', 'severities', 'webhookUrl'],
  teams: ['name', 'type', 'severities', 'webhookUrl'],
  alertmanager: ['name', 'type', 'severities', 'url', 'hmacSecret'],
  json: ['name', 'type', 'severities', 'url', 'hmacSecret'],
  chatbot: ['name', 'type', 'severities', 'topic'],
};

export const CHATBOT_TOPIC_RULE = 'must be the ARN of the SNS topic your Amazon Q Developer chat channel is configured with (arn:aws:sns:<region>:<account>:<name>)';
export function isSnsTopicArn(text: string): boolean {
  return /^arn:aws:sns:[a-z]{2}(-[a-z]+)+-\d:\d{12}:[A-Za-z0-9_-]{1,256}$/.test(text);
}

/** What the local monitor says of a chatbot destination: it has no SNS client for it. */
export function chatbotLocallyProblem(where: string): string {
  return `${where}: an Amazon Q Developer (chatbot) destination is published to by the notifier function in AWS only; leave it out of the local monitor's config`;
}

export const DESTINATION_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const DESTINATION_NAME_RULE = 'must be 1-63 lowercase letters, digits or hyphens, starting with a letter or digit (the name is what logs and notify-test --destination show)';
export const NOTIFY_TYPE_RULE = `must be one of ${NOTIFY_TYPES.join(', ')}`;
export const SEVERITIES_RULE = "must be a list of 'page', 'ticket' and 'info'";
export const DESTINATION_FORM = 'must be a mapping with name, type and the settings of that type';
export const SECRET_REF_RULE = 'must be { env: VARIABLE } (the local monitor) or { ssm: /parameter/name } (an SSM SecureString parameter, for AWS)';
export const SSM_PARAMETER_RULE = "must be an SSM parameter name such as '/pptp-monitor/pagerduty-routing-key' (letters, digits, _ . - and / between parts, at most 2048 characters, not starting with aws or ssm)";
export const ENDPOINT_RULE = 'must be an https:// URL (http:// only to this machine: 127.0.0.1, [::1] or localhost)';
export const REGION_AND_ENDPOINT = 'set region or endpoint, not both (endpoint replaces the region\'s API URL)';

export { isEnvName, isSsmParameterName };

/** A secret written in clear: never echoed (the value is the secret), said why, and what to write instead. */
export function literalSecretProblem(why: string): string {
  return `must name the secret, not hold it (${why}): write { env: VARIABLE } for the local monitor or { ssm: /parameter/name } for a SecureString parameter in AWS SSM, and keep the value there`;
}

/** A value that is neither a string nor a reference; only its kind is shown, as it may still be a secret. */
export function notASecretRefProblem(value: unknown): string {
  const kind = Array.isArray(value) ? 'a list' : value === null ? 'null' : typeof value === 'object' ? 'a mapping' : `a ${typeof value}`;
  return `${SECRET_REF_RULE}, got ${kind}`;
}

export function unknownDestinationKey(type: NotifyType): string {
  return `unknown key for type ${type} (its keys: ${NOTIFY_KEYS[type].join(', ')})`;
}

/** The Lambda functions read secrets from SSM: an environment variable would be written into the template. */
export const ENV_IN_LAMBDA =
  'the Lambda functions read secrets from AWS SSM Parameter Store only (an environment variable would be written, in clear, into the CloudFormation template): ' +
  "write { ssm: <SecureString parameter name> }; { env: ... } is for the local monitor ('pptp-monitor validate --local' checks a file for it)";

/** What the local monitor says of an `ssm:` reference it would have to read: it has no SSM client. */
export function ssmLocallyProblem(where: string, parameter: string): string {
  return (
    `${where} is { ssm: ${show(parameter)} }: pptp-monitor does not read AWS SSM Parameter Store on this machine; ` +
    'write { env: <VARIABLE> } in a config for the local monitor and export the secret in that variable'
  );
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** https://, or http:// to this machine (a local receiver, tests): a secret never crosses a network in clear. */
export function isEndpointUrl(text: string): boolean {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return false;
  }
  if (url.username !== '' || url.password !== '' || url.hostname === '') return false;
  return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
}
