// Amazon Q Developer in chat applications (formerly AWS Chatbot), custom notifications: the event the
// "Custom notifications" page of its admin guide defines, published as the message of an SNS topic that a
// Slack or Teams channel is configured with:
//   { version: '1.0', source: 'custom', id, content: { textType: 'client-markdown', title, description,
//     nextSteps: [...], keywords: [...] }, metadata: { threadId, summary, eventType, relatedResources,
//     additionalContext } }
//   * version must be '1.0' and source 'custom'; everything else is optional;
//   * client-markdown is rendered in each chat client's own markdown, so the text here is plain (no Slack
//     <url|text> links or *bold*, which Teams would show as written): clients link bare URLs themselves;
//   * threadId groups updates in one thread: the incident's dedup key, so firing, reminders and the
//     resolve of an incident read as one conversation (the channel's preferences must allow threads).
// The page documents no length limits: the caps below are ours, under Slack's 3,000 characters for a
// section's text (Amazon Q renders into Slack blocks) and short enough for a Teams card. Pure.
import type { Notification } from '../../sla/notification.js';
import type { RenderContext } from '../render.js';
import { alertFacts, keyWithin, truncate, type FormatOptions } from './common.js';

/** Our caps, in characters (see above): title, description, one next step, one keyword; and list lengths. */
export const CHATBOT_LIMITS = { titleChars: 250, descriptionChars: 3000, stepChars: 500, keywordChars: 75, steps: 5, keywords: 10, threadIdChars: 128 } as const;

export interface AmazonQNotification {
  version: '1.0';
  source: 'custom';
  id: string;
  content: { textType: 'client-markdown'; title: string; description: string; nextSteps: string[]; keywords: string[] };
  metadata: { threadId: string; summary: string; eventType: string; relatedResources: string[]; additionalContext: Record<string, string> };
}

/** `<` and `>` start markup in Slack's mrkdwn; shown as look-alikes, so config or gateway text cannot inject links or mentions. */
const plain = (text: string): string => text.replace(/</g, '‹').replace(/>/g, '›');

export function chatbotMessage(n: Notification, ctx: RenderContext, options: FormatOptions = {}): AmazonQNotification {
  const facts = alertFacts(n, ctx, options);
  const { https } = facts;
  // Unicode rather than :shortcodes:, which Teams shows as written.
  const mark = !facts.firing ? '✅' : n.severity === 'page' ? '🚨' : '⚠️';
  const end = facts.endedAt ?? n.at;
  const lines = [
    facts.headline,
    `Where: ${facts.where}`,
    facts.firing ? `Since: ${https.startsAt} (${facts.lasted})` : `Incident: ${https.startsAt} to ${new Date(end).toISOString()}, lasted ${facts.lasted}`,
  ];
  const classes = Object.entries(https.failureClasses);
  if (classes.length > 0 && n.policy !== 'latency') lines.push(`Failure classes: ${classes.map(([cls, count]) => `${cls} ${count}`).join(', ')}`);
  if (https.labels.owner !== undefined) lines.push(`Owner: ${https.labels.owner}`);
  lines.push('', facts.description);
  const steps = [`Runbook: ${facts.runbookUrl}`, ...(facts.dashboardLink ? [`Dashboard: ${facts.dashboardLink}`] : []), `Dedup key: ${https.dedupKey}`];
  const keywords = [n.severity, n.status, n.policy, n.target, ...(n.dominantFailureClass ? [n.dominantFailureClass] : []), ...(options.test ? ['test'] : [])];
  return {
    version: '1.0',
    source: 'custom',
    id: keyWithin(`${n.dedupKey}/${n.status}/${n.at}`, CHATBOT_LIMITS.threadIdChars * 2),
    content: {
      textType: 'client-markdown',
      title: truncate(plain(`${mark} ${facts.summary}`), CHATBOT_LIMITS.titleChars),
      description: truncate(plain(lines.join('\n')), CHATBOT_LIMITS.descriptionChars),
      nextSteps: steps.slice(0, CHATBOT_LIMITS.steps).map((s) => truncate(plain(s), CHATBOT_LIMITS.stepChars)),
      keywords: keywords.slice(0, CHATBOT_LIMITS.keywords).map((k) => truncate(plain(k), CHATBOT_LIMITS.keywordChars)),
    },
    metadata: {
      threadId: keyWithin(n.dedupKey, CHATBOT_LIMITS.threadIdChars),
      summary: truncate(plain(facts.summary), CHATBOT_LIMITS.titleChars),
      eventType: `pptp-monitor-${n.status}`,
      relatedResources: [truncate(n.target, CHATBOT_LIMITS.keywordChars)],
      additionalContext: { severity: n.severity, status: n.status, policy: n.policy, dedupKey: https.dedupKey, startsAt: https.startsAt },
    },
  };
}
