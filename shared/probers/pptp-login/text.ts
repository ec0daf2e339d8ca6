// Peer-supplied text (CHAP and PAP messages, CHAP names) ends up in logs, alerts and terminals:
// keep it printable and short.

/** Longest peer text kept, in characters; the rest is cut off (RFC 1994 and 1334 set no limit). */
export const MAX_PEER_TEXT_CHARS = 256;

/** Printable ASCII only: any other byte becomes '?', and the result is cut at `maxChars`. */
export function printableText(bytes: Uint8Array, maxChars = MAX_PEER_TEXT_CHARS): string {
  let out = '';
  const end = Math.min(bytes.length, maxChars);
  for (let i = 0; i < end; i++) {
    const c = bytes[i]!;
    out += c >= 0x20 && c <= 0x7e ? String.fromCharCode(c) : '?';
  }
  return out;
}
