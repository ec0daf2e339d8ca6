// Microsoft Teams incoming webhook through Workflows ("Post to a channel when a webhook request is
// received"): a `message` whose one attachment is an Adaptive Card, as the Teams webhook documentation
// shows it: { type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive',
// contentUrl: null, content: { type: 'AdaptiveCard', version: '1.4', body, actions } }] }.
//   * Teams renders Adaptive Cards up to schema 1.5 in channels; 1.4 is what every Teams client shows;
//   * a message is at most 28 KB: the description is capped (TEAMS_TEXT_MAX_CHARS) and every list the
//     renderer copies is capped already, so a card stays far below;
//   * Action.OpenUrl needs an absolute URL; TextBlock `{{DATE(…)}}`/`{{TIME(…)}}` show an instant in the
//     reader's time zone and need RFC 3339 without fractions;
//   * the workflow answers 202 Accepted (it runs afterwards); more than 4 requests a second are throttled
//     with 429.
// A resolved card is green (container style 'good', text colour 'Good'), a firing one red ('attention'),
// a ticket amber ('warning'). Pure.
import type { Notification } from '../../sla/notification.js';
import type { RenderContext } from '../render.js';
import { alertFacts, isoSeconds, JSON_HEADERS, truncate, type FormatOptions, type HttpRequest } from './common.js';

export const TEAMS_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';
export const TEAMS_CARD_VERSION = '1.4';
/** A Teams message: at most 28 KB in all. */
export const TEAMS_MESSAGE_MAX_BYTES = 28 * 1024;
/** The description's share of it, in characters. */
export const TEAMS_TEXT_MAX_CHARS = 8000;

export interface TeamsSettings {
  /** The workflow's webhook URL (a secret: its query string carries the signature). */
  webhookUrl: string;
}

/** Both in the reader's zone, from a UTC instant (Adaptive Card text functions). */
function cardDate(ms: number): string {
  const at = isoSeconds(ms);
  return `{{DATE(${at}, SHORT)}} {{TIME(${at})}}`;
}

export function teamsCard(n: Notification, ctx: RenderContext, options: FormatOptions = {}): Record<string, unknown> {
  const facts = alertFacts(n, ctx, options);
  const { https } = facts;
  const tone = !facts.firing ? { style: 'good', color: 'Good' } : n.severity === 'page' ? { style: 'attention', color: 'Attention' } : { style: 'warning', color: 'Warning' };
  const end = facts.endedAt ?? n.at;
  const rows = [
    { title: 'Status', value: facts.headline },
    { title: 'Policy', value: n.policy },
    { title: 'Where', value: facts.where },
    facts.firing
      ? { title: 'Since', value: `${https.startsAt} (${cardDate(n.startsAt)}), for ${facts.lasted}` }
      : { title: 'Incident', value: `${https.startsAt} to ${new Date(end).toISOString()} (${cardDate(n.startsAt)} to ${cardDate(end)}), lasted ${facts.lasted}` },
  ];
  const classes = Object.entries(https.failureClasses);
  if (classes.length > 0 && n.policy !== 'latency') rows.push({ title: 'Failure classes', value: classes.map(([cls, count]) => `${cls}: ${count}`).join(', ') });
  if (https.labels.owner !== undefined) rows.push({ title: 'Owner', value: https.labels.owner });
  if (!facts.runbookLink) rows.push({ title: 'Runbook', value: facts.runbookUrl });
  rows.push({ title: 'Dedup key', value: https.dedupKey });
  const actions: Array<Record<string, string>> = [];
  if (facts.runbookLink) actions.push({ type: 'Action.OpenUrl', title: 'Open runbook', url: facts.runbookLink });
  if (facts.dashboardLink) actions.push({ type: 'Action.OpenUrl', title: 'Dashboard', url: facts.dashboardLink });
  return {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: TEAMS_CARD_VERSION,
    body: [
      {
        type: 'Container',
        style: tone.style,
        bleed: true,
        items: [{ type: 'TextBlock', text: facts.summary, weight: 'Bolder', size: 'Medium', color: tone.color, wrap: true }],
      },
      { type: 'TextBlock', text: truncate(facts.description, TEAMS_TEXT_MAX_CHARS), wrap: true },
      { type: 'FactSet', facts: rows },
    ],
    ...(actions.length > 0 ? { actions } : {}),
  };
}

export function teamsRequest(n: Notification, ctx: RenderContext, settings: TeamsSettings, options: FormatOptions = {}): HttpRequest {
  const message = { type: 'message', attachments: [{ contentType: TEAMS_CARD_CONTENT_TYPE, contentUrl: null, content: teamsCard(n, ctx, options) }] };
  return { url: settings.webhookUrl, method: 'POST', headers: { ...JSON_HEADERS }, body: JSON.stringify(message) };
}
