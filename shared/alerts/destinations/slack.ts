// Slack incoming webhook: a Block Kit message with a `text` fallback (what notifications and clients
// without blocks show). Limits applied, as the Block Kit reference documents them:
//   * at most 50 blocks per message; header: plain_text, at most 150 characters;
//   * section: text at most 3,000 characters, or at most 10 fields of at most 2,000 characters each;
//   * actions: at most 25 elements; button: text (plain_text) at most 75 characters, url at most 3,000,
//     action_id at most 255, style 'primary' or 'danger';
//   * context: at most 10 elements;
//   * mrkdwn text must escape &, < and > as &amp; &lt; &gt; (Slack's control characters);
//   * `<!date^unix^{token}|fallback>` shows an instant in each reader's own time zone.
// The webhook answers 200 `ok`; 400 invalid_payload / invalid_blocks, 403, 404 no_service, 410
// channel_is_archived are not retried; 429 (at most about one message a second) comes with Retry-After.
// Block Kit has no colour: a resolved message is told apart by its icon, its header and a green
// (primary) runbook button where a firing one has a red (danger) one. Pure.
import type { Notification } from '../../sla/notification.js';
import type { RenderContext } from '../render.js';
import { alertFacts, JSON_HEADERS, truncate, type FormatOptions, type HttpRequest } from './common.js';

export const SLACK_HEADER_MAX_CHARS = 150;
export const SLACK_SECTION_TEXT_MAX_CHARS = 3000;
export const SLACK_FIELD_MAX_CHARS = 2000;
export const SLACK_MAX_FIELDS = 10;
export const SLACK_BUTTON_TEXT_MAX_CHARS = 75;
export const SLACK_BUTTON_URL_MAX_CHARS = 3000;
/** Top-level `text` with blocks: the notification text; Slack truncates messages past 40,000 characters. */
export const SLACK_TEXT_MAX_CHARS = 3000;

export interface SlackSettings {
  /** The incoming webhook URL (a secret: its path is the credential). */
  webhookUrl: string;
}

/** Slack's control characters as entities, so a target name cannot turn into a link or a mention. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Escaped, then cut to `max` without leaving half an entity ('&am') at the end. */
function escapedWithin(text: string, max: number): string {
  const escaped = escapeMrkdwn(text);
  if (escaped.length <= max) return escaped;
  return `${escaped.slice(0, max - 3).replace(/&[a-z]{0,3}$/, '')}...`;
}

/** An instant in the reader's time zone, with the UTC time as the fallback text. */
function slackDate(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `<!date^${Math.floor(ms / 1000)}^{date_short_pretty} {time}|${iso.slice(0, 16).replace('T', ' ')} UTC>`;
}

const field = (title: string, value: string): { type: 'mrkdwn'; text: string } => ({ type: 'mrkdwn', text: truncate(`*${title}*\n${value}`, SLACK_FIELD_MAX_CHARS) });

export function slackMessage(n: Notification, ctx: RenderContext, options: FormatOptions = {}): { text: string; blocks: unknown[] } {
  const facts = alertFacts(n, ctx, options);
  const { https } = facts;
  const icon = options.test ? ':test_tube:' : !facts.firing ? ':white_check_mark:' : n.severity === 'page' ? ':rotating_light:' : ':warning:';
  const end = facts.endedAt ?? n.at;
  // UTC ISO for the record, and the reader's own clock for a human.
  const when = facts.firing
    ? `${https.startsAt}\n${slackDate(n.startsAt)} (for ${facts.lasted})`
    : `${https.startsAt} to ${new Date(end).toISOString()}\n${slackDate(n.startsAt)} to ${slackDate(end)} (lasted ${facts.lasted})`;
  const fields = [
    field('Status', facts.headline),
    field('Policy', n.policy),
    field('Where', escapeMrkdwn(facts.where)),
    field(facts.firing ? 'Since' : 'Incident', when),
  ];
  const classes = Object.entries(https.failureClasses);
  if (classes.length > 0 && n.policy !== 'latency') fields.push(field('Failure classes', escapeMrkdwn(classes.map(([cls, count]) => `${cls}: ${count}`).join(', '))));
  if (https.labels.owner !== undefined) fields.push(field('Owner', escapeMrkdwn(https.labels.owner)));
  const blocks: unknown[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(`${icon} ${facts.summary}`, SLACK_HEADER_MAX_CHARS), emoji: true } },
    { type: 'section', text: { type: 'mrkdwn', text: escapedWithin(facts.description, SLACK_SECTION_TEXT_MAX_CHARS) } },
    { type: 'section', fields: fields.slice(0, SLACK_MAX_FIELDS) },
  ];
  const buttons: unknown[] = [];
  if (facts.runbookLink && facts.runbookLink.length <= SLACK_BUTTON_URL_MAX_CHARS) {
    buttons.push({ type: 'button', text: { type: 'plain_text', text: 'Open runbook', emoji: false }, url: facts.runbookLink, action_id: 'runbook', style: facts.firing ? 'danger' : 'primary' });
  }
  if (facts.dashboardLink && facts.dashboardLink.length <= SLACK_BUTTON_URL_MAX_CHARS) {
    buttons.push({ type: 'button', text: { type: 'plain_text', text: 'Dashboard', emoji: false }, url: facts.dashboardLink, action_id: 'dashboard' });
  }
  if (buttons.length > 0) blocks.push({ type: 'actions', elements: buttons });
  // A repo-relative runbook (the default base) cannot be a button: it is named in the context line.
  const runbookNote = facts.runbookLink ? '' : `Runbook: ${escapeMrkdwn(facts.runbookUrl)} · `;
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `${runbookNote}Dedup key: \`${escapeMrkdwn(https.dedupKey)}\` · pptp-monitor` }] });
  const text = escapedWithin(`${facts.summary} (${facts.firing ? `since ${https.startsAt}` : `ended ${new Date(end).toISOString()}`})`, SLACK_TEXT_MAX_CHARS);
  return { text, blocks };
}

export function slackRequest(n: Notification, ctx: RenderContext, settings: SlackSettings, options: FormatOptions = {}): HttpRequest {
  return { url: settings.webhookUrl, method: 'POST', headers: { ...JSON_HEADERS }, body: JSON.stringify(slackMessage(n, ctx, options)) };
}
