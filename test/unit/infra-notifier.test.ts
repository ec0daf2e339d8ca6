// The home stack's notifier from buildStack, per shape of `alerts:` and `notify:`: nothing of it without
// destinations (or without its artifact), one subscription per distinct topic, a subscription in the topic's
// own region for a ticket topic elsewhere, and the parameters of the role taken from every destination.
import { describe, expect, it } from 'vitest';
import type { CfnResource } from '../../infra/cfn.js';
import { ssmParametersOf } from '../../infra/notifier.js';
import { buildStack, type StackOptions } from '../../infra/stack.js';
import { parseConfig, type ResolvedConfig } from '../../shared/config/index.js';

function config(yamlText: string): ResolvedConfig {
  const result = parseConfig(yamlText, 'test.yml');
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.config;
}

const BASE = `
version: 1
homeRegion: eu-central-1
targets:
  - { name: hq-gw, host: vpn.hq.example.com, regions: [eu-central-1, eu-west-1] }
`;
const NOTIFY = `
notify:
  - { name: oncall, type: pagerduty, routingKey: { ssm: /pm/pd } }
  - { name: am, type: alertmanager, url: { ssm: am-url }, hmacSecret: { ssm: /pm/pd } }
`;

const OPTIONS: StackOptions = {
  service: 'pptp-monitor',
  stage: 'test',
  region: 'eu-central-1',
  artifacts: { probe: 'p.zip', evaluate: 'e.zip', report: 'r.zip', notify: 'n.zip' },
};

const home = (yamlText: string, options: Partial<StackOptions> = {}) => buildStack(config(yamlText), { ...OPTIONS, ...options });
const ofType = (resources: Record<string, CfnResource>, type: CfnResource['Type']) => Object.entries(resources).filter(([, r]) => r.Type === type);
const NOTIFIER_TYPES: ReadonlyArray<CfnResource['Type']> = ['AWS::SQS::Queue', 'AWS::SNS::Subscription', 'AWS::Lambda::Permission'];

describe('buildStack: the notifier', () => {
  it('creates nothing of it without notify:, even with its artifact at hand', () => {
    const stack = home(BASE);
    expect(Object.keys(stack.functions).sort()).toEqual(['evaluate', 'probe', 'report']);
    for (const type of NOTIFIER_TYPES) expect(ofType(stack.resources.Resources, type)).toEqual([]);
    expect(Object.keys(stack.resources.Resources).filter((id) => /Notif/.test(id))).toEqual([]);
    expect(JSON.stringify(stack.resources.Resources['EvaluatorStateTable'])).not.toContain('TimeToLive');
    expect(Object.keys(stack.resources.Outputs)).not.toContain('NotifyDeadLetterQueueUrl');
  });

  it('creates nothing of it without its artifact, and nothing in a probe region', () => {
    const { notify: _omitted, ...artifacts } = OPTIONS.artifacts;
    expect(Object.keys(home(BASE + NOTIFY, { artifacts }).functions)).not.toContain('notify');
    const probeRegion = home(BASE + NOTIFY, { region: 'eu-west-1' });
    expect(Object.keys(probeRegion.functions)).toEqual(['probe']);
    expect(Object.keys(probeRegion.resources.Resources).filter((id) => /Notif/.test(id))).toEqual([]);
  });

  it('subscribes once to a topic that takes both pages and tickets', () => {
    const stack = home(`${BASE}alerts: { page: netops-alerts, ticket: netops-alerts }\n${NOTIFY}`);
    expect(ofType(stack.resources.Resources, 'AWS::SNS::Subscription').map(([id, r]) => [id, r.Properties])).toEqual([
      ['NotifyPageSubscription', { TopicArn: { Ref: 'PageTopic' }, Protocol: 'lambda', Endpoint: { 'Fn::GetAtt': ['NotifyLambdaFunction', 'Arn'] } }],
    ]);
    expect(ofType(stack.resources.Resources, 'AWS::Lambda::Permission').map(([id]) => id)).toEqual(['NotifyPagePermission']);
  });

  it('subscribes in its own region to a ticket topic named by ARN elsewhere', () => {
    const ticket = 'arn:aws:sns:us-east-1:123456789012:netops-tickets';
    const stack = home(`${BASE}alerts: { ticket: '${ticket}' }\n${NOTIFY}`);
    expect(stack.resources.Resources['NotifyTicketSubscription']).toMatchObject({ Properties: { TopicArn: ticket, Region: 'us-east-1' } });
    expect(stack.resources.Resources['NotifyTicketPermission']).toMatchObject({ Properties: { SourceArn: ticket, Principal: 'sns.amazonaws.com' } });
    expect(stack.resources.Resources['NotifyPageSubscription']?.Properties).not.toHaveProperty('Region');
  });

  it('grants GetParameter on each parameter the destinations name, once, as its ARN spells it', () => {
    const c = config(BASE + NOTIFY);
    expect(ssmParametersOf(c.notify ?? [])).toEqual(['/pm/pd', 'am-url']);
    const role = JSON.stringify(home(BASE + NOTIFY).resources.Resources['NotifierRole']);
    expect(role).toContain('"Resource":[{"Fn::Sub":"arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/pm/pd"},{"Fn::Sub":"arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/am-url"}]');
    expect(role).not.toMatch(/ssm:GetParameters|ssm:\*|parameter\/\*/);
  });
});
