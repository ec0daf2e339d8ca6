// The HMAC-SHA256 signature of a webhook body (alertmanager and json destinations with an hmacSecret), so
// a receiver can tell our requests from forged ones and refuse replays:
//
//   X-PPTP-Monitor-Timestamp: <unix seconds when the request was made>
//   X-PPTP-Monitor-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>
//
// To verify: read the raw body bytes (before any JSON parsing), compute the HMAC over the timestamp header,
// a '.', and the body, compare with a constant-time comparison, and refuse a timestamp further than
// SIGNATURE_TOLERANCE_S from your clock. The timestamp is inside the signed text, so it cannot be changed
// to replay an old request; within the tolerance, a receiver that must never act twice keys on the
// fingerprint and status it has already seen. Each retry is signed afresh (deliver.ts builds the request
// per attempt), so a request retried after a long Retry-After still verifies.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-pptp-monitor-signature';
export const TIMESTAMP_HEADER = 'x-pptp-monitor-timestamp';
/** How far a receiver should accept a timestamp from its own clock, in seconds (5 minutes). */
export const SIGNATURE_TOLERANCE_S = 5 * 60;

function hmacHex(secret: string, timestamp: string, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');
}

/** The two headers for a body signed at `nowMs`. */
export function signatureHeaders(body: string, secret: string, nowMs: number): Record<string, string> {
  const timestamp = String(Math.floor(nowMs / 1000));
  return { [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: `sha256=${hmacHex(secret, timestamp, body)}` };
}

export type SignatureVerdict = { ok: true } | { ok: false; reason: 'missing' | 'malformed' | 'mismatch' | 'stale' };

/** The receiver's side of the recipe above, for users who write one in TypeScript. */
export function verifySignature(body: string, headers: { timestamp: string | undefined; signature: string | undefined }, secret: string, nowMs: number): SignatureVerdict {
  const { timestamp, signature } = headers;
  if (timestamp === undefined || signature === undefined) return { ok: false, reason: 'missing' };
  const m = /^sha256=([0-9a-f]{64})$/.exec(signature);
  if (m === null || !/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'malformed' };
  const expected = Buffer.from(hmacHex(secret, timestamp, body), 'hex');
  if (!timingSafeEqual(expected, Buffer.from(m[1] ?? '', 'hex'))) return { ok: false, reason: 'mismatch' };
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > SIGNATURE_TOLERANCE_S) return { ok: false, reason: 'stale' };
  return { ok: true };
}
