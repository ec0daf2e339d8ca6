// Secrets read for the local monitor: environment variables only, every problem at once with its exact
// text (an `ssm:` reference refused, saying what to write; a variable unset; a URL that is not https), and
// never the value; the --webhook flag's destination beside the config's; redaction of what a service
// might echo back (a key, a webhook's path, a query signature).
import { describe, expect, it } from 'vitest';
import { localDestinations, readDestinations, envSecretReader, redact, secretsOf } from '../../shared/alerts/destinations/index.js';
import type { NotifyDestination } from '../../shared/config/types.js';

const both = ['page', 'ticket'] as ('page' | 'ticket')[];
const CONFIGURED: NotifyDestination[] = [
  { name: 'oncall', type: 'pagerduty', severities: both, routingKey: { env: 'PD_KEY' }, endpoint: 'https://events.pagerduty.com/v2/enqueue' },
  { name: 'genie', type: 'opsgenie', severities: both, apiKey: { ssm: '/pptp-monitor/opsgenie-key' }, endpoint: 'https://api.opsgenie.com' },
  { name: 'chat', type: 'slack', severities: ['ticket'], webhookUrl: { env: 'SLACK_URL' } },
  { name: 'am', type: 'alertmanager', severities: both, url: { env: 'AM_URL' }, hmacSecret: { env: 'AM_HMAC' } },
];

describe('readDestinations with the environment', () => {
  it('reads every secret, keeping configured order, severities and endpoints', async () => {
    const env = { PD_KEY: 'pd-key-0123456789', SLACK_URL: 'https://hooks.slack.com/services/T/B/tok', AM_URL: 'http://127.0.0.1:9093/hook', AM_HMAC: 'hmac-abcdef' };
    const { ready, problems } = await readDestinations(
      CONFIGURED.filter((d) => d.name !== 'genie'),
      envSecretReader(env),
    );
    expect(problems).toEqual([]);
    expect(ready).toEqual([
      { name: 'oncall', type: 'pagerduty', severities: both, routingKey: 'pd-key-0123456789', endpoint: 'https://events.pagerduty.com/v2/enqueue' },
      { name: 'chat', type: 'slack', severities: ['ticket'], webhookUrl: 'https://hooks.slack.com/services/T/B/tok' },
      { name: 'am', type: 'alertmanager', severities: both, url: 'http://127.0.0.1:9093/hook', hmacSecret: 'hmac-abcdef' },
    ]);
  });

  it('reports every problem at once: ssm refused locally, a variable unset, a URL that is not https, never a value', async () => {
    const env = { PD_KEY: '', SLACK_URL: 'http://hooks.example.com/services/T/B/plain-http-token', AM_URL: 'https://am.example.com/x', AM_HMAC: undefined };
    const { ready, problems } = await readDestinations(CONFIGURED, envSecretReader(env));
    expect(ready).toEqual([]);
    expect(problems).toEqual([
      "notify destination 'oncall' (pagerduty): routingKey is { env: PD_KEY }: the environment variable PD_KEY is not set (or empty); export the secret in it",
      "notify destination 'genie' (opsgenie): apiKey is { ssm: '/pptp-monitor/opsgenie-key' }: pptp-monitor does not read AWS SSM Parameter Store on this machine; write { env: <VARIABLE> } in a config for the local monitor and export the secret in that variable",
      "notify destination 'chat' (slack): webhookUrl from $SLACK_URL is not an https:// URL (http:// is accepted only to this machine: 127.0.0.1, [::1] or localhost)",
      "notify destination 'am' (alertmanager): hmacSecret is { env: AM_HMAC }: the environment variable AM_HMAC is not set (or empty); export the secret in it",
    ]);
    expect(problems.join('\n')).not.toContain('plain-http-token');
  });
});

describe('localDestinations', () => {
  it('adds the --webhook destination with its key from the named variable, or says the variable is unset', async () => {
    const flag = { url: 'https://events.pagerduty.com/v2/enqueue', format: 'pagerduty' as const, keyEnv: 'PD' };
    expect(await localDestinations({}, flag, { PD: 'k-0123456789' })).toEqual({
      ready: [{ name: '--webhook', severities: ['page', 'ticket'], type: 'pagerduty', routingKey: 'k-0123456789', endpoint: flag.url }],
      problems: [],
    });
    expect(await localDestinations({}, flag, {})).toEqual({ ready: [], problems: ['--webhook-key-env PD: the environment variable PD is not set (or empty); export the key in it'] });
    expect((await localDestinations({}, { url: 'http://10.0.0.5/hook', format: 'json' }, {})).ready).toEqual([{ name: '--webhook', severities: ['page', 'ticket'], type: 'json', url: 'http://10.0.0.5/hook' }]);
  });
});

describe('redact', () => {
  it('hides a webhook URL whole, its path and query alone, and a query signature alone', () => {
    const secrets = secretsOf({ name: 't', type: 'teams', severities: both, webhookUrl: 'https://x.example.com/workflows/abc/invoke?api-version=1&sig=SIGsecret123' });
    const text = redact('posted to https://x.example.com/workflows/abc/invoke?api-version=1&sig=SIGsecret123; /workflows/abc/invoke?api-version=1&sig=SIGsecret123; sig SIGsecret123', secrets);
    expect(text).toBe('posted to <redacted>; <redacted>; sig <redacted>');
  });
});
