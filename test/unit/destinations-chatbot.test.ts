// Amazon Q Developer in chat applications: the custom notification a `chatbot` destination publishes
// (version 1.0, source custom, client-markdown content, one thread per incident), its caps under hostile
// text, and `type: chatbot` in monitor.yml (an SNS topic ARN, no secret; refused by the local monitor).
import { describe, expect, it } from 'vitest';
import { CHATBOT_LIMITS, chatbotMessage, localDestinations } from '../../shared/alerts/destinations/index.js';
import type { RenderContext } from '../../shared/alerts/render.js';
import { formatConfigError, parseConfig } from '../../shared/config/index.js';
import { packConfig, unpackConfig } from '../../shared/config/packaged.js';
import type { Notification } from '../../shared/sla/notification.js';

const T0_MS = Date.UTC(2026, 10, 24, 10, 0, 0);
const MINUTE_MS = 60_000;
const CTX: RenderContext = { runbookBaseUrl: 'https://runbooks.example.com/pptp/', dashboardUrl: 'https://dash.example.com/d/hq-gw', target: { owner: 'netops' } };
const firing: Notification = {
  status: 'firing',
  severity: 'page',
  target: 'hq-gw',
  policy: 'down',
  startsAt: T0_MS,
  at: T0_MS + 3 * MINUTE_MS,
  dedupKey: `hq-gw/down/${new Date(T0_MS).toISOString()}`,
  regions: { all: ['eu-west-1', 'us-east-1'], affected: ['eu-west-1', 'us-east-1'] },
  failureClasses: { connect_timeout: 6 },
  dominantFailureClass: 'connect_timeout',
  slo: 99.9,
  errorBudgetRemaining: 0.8,
};
const resolved: Notification = { ...firing, status: 'resolved', endsAt: T0_MS + 30 * MINUTE_MS, at: T0_MS + 33 * MINUTE_MS };
const TOPIC = 'arn:aws:sns:eu-central-1:123456789012:netops-amazon-q';

describe('chatbotMessage', () => {
  it('builds the custom notification Amazon Q Developer renders, firing and resolve in one thread', () => {
    // Act
    const open = chatbotMessage(firing, CTX);
    const closed = chatbotMessage(resolved, CTX);
    // Assess
    expect(open).toMatchObject({ version: '1.0', source: 'custom', content: { textType: 'client-markdown' }, metadata: { eventType: 'pptp-monitor-firing', relatedResources: ['hq-gw'] } });
    expect(open.content.title).toBe('🚨 [PAGE] hq-gw DOWN in 2/2 regions: connect_timeout');
    expect(open.content.description).toContain('Where: 2 of 2 locations: eu-west-1, us-east-1');
    expect(open.content.description).toContain('Failure classes: connect_timeout 6');
    expect(open.content.nextSteps).toEqual(['Runbook: https://runbooks.example.com/pptp/connect_timeout.md', 'Dashboard: https://dash.example.com/d/hq-gw', `Dedup key: ${firing.dedupKey}`]);
    expect(open.content.keywords).toEqual(['page', 'firing', 'down', 'hq-gw', 'connect_timeout']);
    expect(closed.content.title).toMatch(/^✅ \[RESOLVED\] hq-gw DOWN \(lasted 30m\)/);
    expect(closed.metadata.threadId).toBe(firing.dedupKey);
    expect(open.metadata.threadId).toBe(closed.metadata.threadId);
    expect(open.id).not.toBe(closed.id);
    expect(chatbotMessage({ ...firing, severity: 'ticket' }, CTX).content.title.startsWith('⚠️ ')).toBe(true);
  });

  it('keeps hostile text within its caps and out of Slack markup (no mentions or links from config or gateway text)', () => {
    const message = chatbotMessage({ ...firing, target: 'z'.repeat(5000) }, { ...CTX, target: { owner: '<!channel> <https://evil.example|click>' } });
    expect(message.content.title.length).toBeLessThanOrEqual(CHATBOT_LIMITS.titleChars);
    expect(message.content.description.length).toBeLessThanOrEqual(CHATBOT_LIMITS.descriptionChars);
    expect(message.metadata.threadId.length).toBeLessThanOrEqual(CHATBOT_LIMITS.threadIdChars);
    expect(JSON.stringify(message.content)).not.toMatch(/[<>]/);
  });

  it('marks a test notification in its title and keywords', () => {
    const message = chatbotMessage(firing, CTX, { test: true });
    expect(message.content.title).toMatch(/^🚨 \[TEST\] /);
    expect(message.content.keywords).toContain('test');
  });
});

describe('type: chatbot in monitor.yml', () => {
  const HEAD = 'version: 1\nhomeRegion: eu-central-1\ntargets:\n  - { name: gw, host: 192.0.2.1, regions: [eu-central-1] }\nnotify:\n';

  it('takes an SNS topic ARN and no secret, and survives packaging', () => {
    const result = parseConfig(`${HEAD}  - { name: q-chat, type: chatbot, topic: '${TOPIC}', severities: [page] }\n`);
    if (!result.ok) throw new Error(result.errors.map(formatConfigError).join('\n'));
    expect(result.config.notify).toEqual([{ name: 'q-chat', type: 'chatbot', topic: TOPIC, severities: ['page'] }]);
    expect(unpackConfig(packConfig(result.config), 'config.json').notify).toEqual(result.config.notify);
  });

  it('refuses a topic that is not an ARN, and a key of another type, with what it takes', () => {
    const result = parseConfig(`${HEAD}  - { name: q-chat, type: chatbot, topic: netops-amazon-q, webhookUrl: { ssm: /x } }\n`);
    expect(result.ok ? [] : result.errors.map(formatConfigError)).toEqual([
      "notify[0].topic: must be the ARN of the SNS topic your Amazon Q Developer chat channel is configured with (arn:aws:sns:<region>:<account>:<name>), got 'netops-amazon-q'",
      'notify[0].webhookUrl: unknown key for type chatbot (its keys: name, type, severities, topic)',
    ]);
  });

  it('is refused by the local monitor, which publishes to no SNS topic', async () => {
    const { ready, problems } = await localDestinations({ notify: [{ name: 'q-chat', type: 'chatbot', topic: TOPIC, severities: ['page', 'ticket'] }] }, undefined, {});
    expect(ready).toEqual([]);
    expect(problems).toEqual(["notify destination 'q-chat' (chatbot): an Amazon Q Developer (chatbot) destination is published to by the notifier function in AWS only; leave it out of the local monitor's config"]);
  });
});
