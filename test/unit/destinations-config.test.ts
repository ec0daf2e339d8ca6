// `notify:` in monitor.yml: what it resolves to (defaults: both severities, the service endpoints), every
// problem with its exact message (a secret written in clear is refused without echoing it), the runner
// rule (Lambda reads SSM only), and the packaged form's check at a Lambda's init.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { formatConfigError, parseConfig, type ConfigResult, type ResolvedConfig } from '../../shared/config/index.js';
import { packConfig, unpackConfig } from '../../shared/config/packaged.js';
import { isResolvedConfig } from '../../shared/config/resolved-shape.js';

const HEAD = 'version: 1\nhomeRegion: eu-central-1\ntargets:\n  - { name: gw, host: 192.0.2.1, regions: [eu-central-1] }\n';
const lambda = (notify: string): ConfigResult => parseConfig(`${HEAD}notify:\n${notify}`, 'monitor.yml', { runner: 'lambda' });
const local = (notify: string): ConfigResult => parseConfig(`${HEAD}notify:\n${notify}`, 'monitor.yml', { runner: 'local' });

function errorsOf(result: ConfigResult): string[] {
  if (result.ok) throw new Error('expected errors, the config is valid');
  return result.errors.map(formatConfigError);
}
function configOf(result: ConfigResult): ResolvedConfig {
  if (!result.ok) throw new Error(result.errors.map(formatConfigError).join('\n'));
  return result.config;
}

const CLEAR =
  ': write { env: VARIABLE } for the local monitor or { ssm: /parameter/name } for a SecureString parameter in AWS SSM, and keep the value there';
const REF_RULE = 'must be { env: VARIABLE } (the local monitor) or { ssm: /parameter/name } (an SSM SecureString parameter, for AWS)';
const ENV_IN_LAMBDA =
  "the Lambda functions read secrets from AWS SSM Parameter Store only (an environment variable would be written, in clear, into the CloudFormation template): write { ssm: <SecureString parameter name> }; { env: ... } is for the local monitor ('pptp-monitor validate --local' checks a file for it)";

describe('notify: resolved', () => {
  it('applies the defaults: both severities, the PagerDuty endpoint, the Opsgenie region URL (us, or eu)', () => {
    const config = configOf(
      lambda(
        [
          '  - { name: oncall, type: pagerduty, routingKey: { ssm: /pptp-monitor/pagerduty-routing-key } }',
          '  - { name: genie, type: opsgenie, apiKey: { ssm: /pptp-monitor/opsgenie-key }, region: eu, severities: [page] }',
          '  - { name: genie-us, type: opsgenie, apiKey: { ssm: /pptp-monitor/opsgenie-key } }',
          '  - { name: ops-chat, type: slack, webhookUrl: { ssm: /pptp-monitor/slack }, severities: [ticket] }',
          '  - { name: teams, type: teams, webhookUrl: { ssm: /pptp-monitor/teams } }',
          '  - { name: am, type: alertmanager, url: { ssm: /pptp-monitor/am-url }, hmacSecret: { ssm: /pptp-monitor/am-hmac } }',
          '  - { name: hook, type: json, url: { ssm: /pptp-monitor/hook } }',
          '  - { name: pd-proxy, type: pagerduty, routingKey: { ssm: /p/k }, endpoint: "https://pd-proxy.example.com/v2/enqueue" }',
          '',
        ].join('\n'),
      ),
    );
    expect(config.notify).toEqual([
      { name: 'oncall', severities: ['page', 'ticket'], type: 'pagerduty', routingKey: { ssm: '/pptp-monitor/pagerduty-routing-key' }, endpoint: 'https://events.pagerduty.com/v2/enqueue' },
      { name: 'genie', severities: ['page'], type: 'opsgenie', apiKey: { ssm: '/pptp-monitor/opsgenie-key' }, endpoint: 'https://api.eu.opsgenie.com' },
      { name: 'genie-us', severities: ['page', 'ticket'], type: 'opsgenie', apiKey: { ssm: '/pptp-monitor/opsgenie-key' }, endpoint: 'https://api.opsgenie.com' },
      { name: 'ops-chat', severities: ['ticket'], type: 'slack', webhookUrl: { ssm: '/pptp-monitor/slack' } },
      { name: 'teams', severities: ['page', 'ticket'], type: 'teams', webhookUrl: { ssm: '/pptp-monitor/teams' } },
      { name: 'am', severities: ['page', 'ticket'], type: 'alertmanager', url: { ssm: '/pptp-monitor/am-url' }, hmacSecret: { ssm: '/pptp-monitor/am-hmac' } },
      { name: 'hook', severities: ['page', 'ticket'], type: 'json', url: { ssm: '/pptp-monitor/hook' } },
      { name: 'pd-proxy', severities: ['page', 'ticket'], type: 'pagerduty', routingKey: { ssm: '/p/k' }, endpoint: 'https://pd-proxy.example.com/v2/enqueue' },
    ]);
  });

  it('leaves notify out of a config that has none (so it packages as before), and packs and unpacks one that has', () => {
    const without = configOf(parseConfig(HEAD, 'monitor.yml'));
    expect('notify' in without).toBe(false);
    const config = configOf(lambda('  - { name: oncall, type: pagerduty, routingKey: { ssm: /pptp-monitor/pd } }\n'));
    expect(unpackConfig(packConfig(config), 'c.json').notify).toEqual(config.notify);
  });

  it('accepts env references for the local monitor, and ssm ones too (a deployed config still backtests)', () => {
    const config = configOf(local('  - { name: chat, type: slack, webhookUrl: { env: SLACK_WEBHOOK_URL } }\n  - { name: pd, type: pagerduty, routingKey: { ssm: /pptp/pd } }\n'));
    expect(config.notify?.map((d) => ('webhookUrl' in d ? d.webhookUrl : 'routingKey' in d ? d.routingKey : undefined))).toEqual([{ env: 'SLACK_WEBHOOK_URL' }, { ssm: '/pptp/pd' }]);
  });
});

describe('notify: problems, with their exact messages', () => {
  it('refuses every secret written in clear, saying why and what to write, and never echoes it', () => {
    const secrets = ['0123456789abcdef0123456789abcdef', 'https://hooks.slack.com/services/T000/B000/XXXXSECRET', 'genie-key-123456', 'https://example.webhook.office.com/x?sig=SECRETSIG', 'https://am.example.com/hook?token=AMTOKEN', 'hmac-secret-value'];
    const [pd, slack, genie, teams, am, hmac] = secrets;
    const result = lambda(
      [
        `  - { name: a, type: pagerduty, routingKey: ${pd} }`,
        `  - { name: b, type: slack, webhookUrl: "${slack}" }`,
        `  - { name: c, type: opsgenie, apiKey: ${genie} }`,
        `  - { name: d, type: teams, webhookUrl: "${teams}" }`,
        `  - { name: e, type: alertmanager, url: "${am}", hmacSecret: ${hmac} }`,
        '',
      ].join('\n'),
    );
    expect(errorsOf(result)).toEqual([
      `notify[0].routingKey: must name the secret, not hold it (a PagerDuty routing key lets anyone who reads it open incidents on your service)${CLEAR}`,
      `notify[1].webhookUrl: must name the secret, not hold it (a Slack webhook URL lets anyone who reads it post to the channel)${CLEAR}`,
      `notify[2].apiKey: must name the secret, not hold it (an Opsgenie API key lets anyone who reads it create and close alerts)${CLEAR}`,
      `notify[3].webhookUrl: must name the secret, not hold it (a Teams workflow URL lets anyone who reads it post to the channel)${CLEAR}`,
      `notify[4].url: must name the secret, not hold it (a webhook URL often carries a token and lets anyone who reads it send alerts)${CLEAR}`,
      `notify[4].hmacSecret: must name the secret, not hold it (an HMAC secret lets anyone who reads it sign forged alerts)${CLEAR}`,
    ]);
    const printed = errorsOf(result).join('\n');
    for (const secret of secrets) expect(printed).not.toContain(secret);
  });

  it('refuses env references where the Lambda functions will read them, and names the field', () => {
    expect(errorsOf(lambda('  - { name: am, type: alertmanager, url: { ssm: /am/url }, hmacSecret: { env: AM_HMAC } }\n'))).toEqual([`notify[0].hmacSecret.env: ${ENV_IN_LAMBDA}`]);
  });

  it('names each malformed field, and keys that belong to another type', () => {
    const result = local(
      [
        '  - { name: Oncall, type: pagerduty, routingKey: { env: 1PD }, webhookUrl: { env: X } }',
        '  - { name: genie, type: opsgenie, apiKey: { env: K, ssm: /k }, region: eu, endpoint: "https://og.example.com" }',
        '  - { name: genie, type: pager }',
        '  - { name: chat, type: slack, webhookUrl: { envv: X }, severities: [] }',
        '  - { name: am, type: alertmanager, url: { env: AM }, hmacSecret: 42, severities: [page, page] }',
        '  - { name: hook, type: json }',
        '  - { name: pd2, type: pagerduty, routingKey: { ssm: aws/pd }, endpoint: "http://pd.example.com/v2/enqueue" }',
        '  - 5',
        '',
      ].join('\n'),
    );
    expect(errorsOf(result)).toEqual([
      "notify[0].name: must be 1-63 lowercase letters, digits or hyphens, starting with a letter or digit (the name is what logs and notify-test --destination show), got 'Oncall'",
      "notify[0].routingKey.env: must be the name of an environment variable (letters, digits and _, not starting with a digit), got '1PD'",
      'notify[0].webhookUrl: unknown key for type pagerduty (its keys: name, type, severities, routingKey, endpoint)',
      'notify[1].apiKey: has env and ssm: give one',
      "notify[1].endpoint: set region or endpoint, not both (endpoint replaces the region's API URL)",
      "notify[2].name: duplicate destination name 'genie'",
      "notify[2].type: must be one of pagerduty, opsgenie, slack, teams, alertmanager, json, chatbot, got 'pager'",
      `notify[3].webhookUrl.envv: unknown key: ${REF_RULE}`,
      'notify[3].severities: must list at least one severity (or leave severities out: both)',
      `notify[4].hmacSecret: ${REF_RULE}, got a number`,
      'notify[4].severities: must not list a severity twice',
      `notify[5].url: required: ${REF_RULE}`,
      "notify[6].routingKey.ssm: must be an SSM parameter name such as '/pptp-monitor/pagerduty-routing-key' (letters, digits, _ . - and / between parts, at most 2048 characters, not starting with aws or ssm), got 'aws/pd'",
      "notify[6].endpoint: must be an https:// URL (http:// only to this machine: 127.0.0.1, [::1] or localhost), got 'http://pd.example.com/v2/enqueue'",
      'notify[7]: must be a mapping with name, type and the settings of that type, got 5',
    ]);
  });

  it('refuses an empty list and a destination without a type', () => {
    expect(errorsOf(parseConfig(`${HEAD}notify: []\n`, 'monitor.yml'))).toEqual(['notify: must list at least one destination (or leave notify out)']);
    expect(errorsOf(local('  - { name: x, webhookUrl: { env: X } }\n'))).toEqual(['notify[0].type: required: must be one of pagerduty, opsgenie, slack, teams, alertmanager, json, chatbot']);
  });

  it('accepts http:// endpoints to this machine only (a local receiver), https:// anywhere', () => {
    expect(configOf(local('  - { name: pd, type: pagerduty, routingKey: { env: PD }, endpoint: "http://127.0.0.1:8080/v2/enqueue" }\n')).notify?.[0]).toMatchObject({ endpoint: 'http://127.0.0.1:8080/v2/enqueue' });
    expect(errorsOf(local('  - { name: pd, type: pagerduty, routingKey: { env: PD }, endpoint: "http://10.0.0.1/v2/enqueue" }\n'))).toEqual([
      "notify[0].endpoint: must be an https:// URL (http:// only to this machine: 127.0.0.1, [::1] or localhost), got 'http://10.0.0.1/v2/enqueue'",
    ]);
  });
});

describe('notify: the packaged form, checked at a Lambda init', () => {
  const packed = (): Record<string, unknown> => JSON.parse(JSON.stringify(configOf(lambda('  - { name: oncall, type: pagerduty, routingKey: { ssm: /pptp-monitor/pd } }\n'))));

  it('refuses an env reference, a literal secret, an unknown type and a duplicate name in a hand-made artifact', () => {
    const config = packed();
    const first = (config['notify'] as Array<Record<string, unknown>>)[0]!;
    config['notify'] = [
      { ...first, routingKey: { env: 'PD' } },
      { ...first, name: 'b', routingKey: 'abc' },
      { name: 'c', type: 'pager', severities: ['page'] },
      { ...first },
    ];
    const problems: string[] = [];
    expect(isResolvedConfig(config, problems)).toBe(false);
    expect(problems).toEqual([
      'config.notify[0].routingKey.ssm: required',
      "config.notify[0].routingKey: unknown field 'env'",
      "config.notify[1].routingKey: must be a mapping, got 'abc'",
      "config.notify[2].type: must be one of 'pagerduty', 'opsgenie', 'slack', 'teams', 'alertmanager', 'json', 'chatbot', got 'pager'",
      "config.notify[3].name: duplicate destination name 'oncall'",
    ]);
  });

  it('refuses, at init, an artifact whose notify was forged past the loader (digest recomputed)', () => {
    const config = packed();
    (config['notify'] as Array<Record<string, unknown>>)[0]!['webhookUrl'] = { ssm: '/x' };
    const body = JSON.stringify(config);
    const forged = `${JSON.stringify({ format: 'pptp-monitor/resolved-config@1', sha256: createHash('sha256').update(body).digest('hex') })}\n${body}\n`;
    expect(() => unpackConfig(forged, 'c.json')).toThrow("c.json: config.notify[0]: unknown field 'webhookUrl'");
  });
});
