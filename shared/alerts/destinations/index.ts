// The public API of the on-call destinations: formatters (pure, one per service), delivery, secrets,
// and the notifier that ties them together. See README.md beside this file.
export { alertFacts, keyWithin, truncate, USER_AGENT, TEST_PREFIX, TEST_NOTE, type AlertFacts, type FormatOptions, type HttpRequest } from './common.js';
export { pagerDutyEvent, pagerDutyRequest, type PagerDutyResolve, type PagerDutySettings, type PagerDutyTrigger } from './pagerduty.js';
export { opsgenieBase, opsgenieRequest, type OpsgenieClose, type OpsgenieCreate, type OpsgenieSettings } from './opsgenie.js';
export { escapeMrkdwn, slackMessage, slackRequest, type SlackSettings } from './slack.js';
export { teamsCard, teamsRequest, type TeamsSettings } from './teams.js';
export { ALERT_NAMES, alertmanagerMessage, alertmanagerRequest, type AlertmanagerAlert, type AlertmanagerMessage, type AlertmanagerSettings } from './alertmanager.js';
export { jsonBody, jsonRequest, type JsonSettings } from './json.js';
export { CHATBOT_LIMITS, chatbotMessage, type AmazonQNotification } from './chatbot.js';
export { SIGNATURE_HEADER, SIGNATURE_TOLERANCE_S, signatureHeaders, TIMESTAMP_HEADER, verifySignature, type SignatureVerdict } from './signature.js';
export { DEFAULT_DELIVERY_POLICY, deliver, hostOf, redact, retryAfterMs, type DeliverOptions, type DeliveryOutcome, type DeliveryPolicy } from './deliver.js';
export { envSecretReader, readDestinations, SecretUnavailableError, secretsOf, type ReadyDestination, type ReadyDestinations, type SecretReader } from './secrets.js';
export { createNotifier, deliveryLine, requestFor, type DestinationDelivery, type Notifier, type NotifierOptions } from './notifier.js';
export { localDestinations, WEBHOOK_DESTINATION, type WebhookFlag } from './local.js';
