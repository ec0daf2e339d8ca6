// Local mode's optional webhook: POSTs each alert's `https` body (the on-call-tool JSON) to a URL, with
// retries; a delivery that still fails is reported to the caller with the whole body, never dropped.

import { abortableSleep } from '../aws/retry.js';

/** Tries per delivery, the first included; backoff doubles from the base. */
export const WEBHOOK_ATTEMPTS = 3;
export const WEBHOOK_BACKOFF_BASE_MS = 500;
/** Per-try timeout, in ms. */
export const WEBHOOK_TIMEOUT_MS = 5000;

export type WebhookOutcome = { ok: true; status: number } | { ok: false; error: string };

export async function postWebhook(url: string, body: string, sleep: (ms: number) => Promise<void> = abortableSleep): Promise<WebhookOutcome> {
  let last = 'not attempted';
  for (let attempt = 1; attempt <= WEBHOOK_ATTEMPTS; attempt++) {
    try {
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS) });
      await response.arrayBuffer();
      if (response.ok) return { ok: true, status: response.status };
      last = `HTTP ${response.status}`;
      // A 4xx other than 429 will not get better by repeating it.
      if (response.status < 500 && response.status !== 429) break;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    if (attempt < WEBHOOK_ATTEMPTS) await sleep(WEBHOOK_BACKOFF_BASE_MS * 2 ** (attempt - 1));
  }
  return { ok: false, error: last };
}
