// The `json` destination: the `https` body of the SNS alert (render-https.ts), byte for byte, POSTed to a
// URL of the user's, optionally signed (signature.ts). A test notification's summaries say [TEST]; no key
// is added, so a receiver's parser sees the shape it always sees. Pure.
import type { Notification } from '../../sla/notification.js';
import type { HttpsAlertBody, RenderContext } from '../render.js';
import { alertFacts, JSON_HEADERS, TEST_PREFIX, type FormatOptions, type HttpRequest } from './common.js';
import { signatureHeaders } from './signature.js';

export interface JsonSettings {
  url: string;
  hmacSecret?: string;
  /** The signing instant, ms. */
  nowMs?: number;
}

export function jsonBody(n: Notification, ctx: RenderContext, options: FormatOptions = {}): string {
  const facts = alertFacts(n, ctx, options);
  if (!options.test) return facts.httpsText;
  const marked: HttpsAlertBody = {
    ...facts.https,
    summary: `${TEST_PREFIX}${facts.https.summary}`,
    description: facts.description,
    annotations: { ...facts.https.annotations, summary: `${TEST_PREFIX}${facts.https.annotations.summary}`, description: facts.description },
  };
  return JSON.stringify(marked);
}

export function jsonRequest(n: Notification, ctx: RenderContext, settings: JsonSettings, options: FormatOptions = {}): HttpRequest {
  const body = jsonBody(n, ctx, options);
  const signed = settings.hmacSecret !== undefined ? signatureHeaders(body, settings.hmacSecret, settings.nowMs ?? Date.now()) : {};
  return { url: settings.url, method: 'POST', headers: { ...JSON_HEADERS, ...signed }, body };
}
