// Who answered a probe: the identity a gateway announces in its Start-Control-Connection-Reply (host
// name, vendor string, firmware revision; RFC 2637 §2.2), as one number. The number is what CloudWatch can
// carry (a metric value) and what the identity policies compare, so the local store, backtest and the
// deployed evaluator decide identity changes on the same thing.
//
// fingerprint = firmwareRevision · 2^32 + FNV-1a-32(host name NUL vendor): at most 2^48, so exact in a
// double (and in CloudWatch's values). The firmware revision can be read back from it; the names cannot,
// so an evaluator that only has CloudWatch's numbers says "host name or vendor changed" without them, and
// the probe logs and the local store keep the strings. Two different gateways whose names hash alike
// (1 in 2^32) would look like one: a failover between them would go unseen, never invented.

/** What a gateway says about itself in its SCCRP. */
export interface ServerIdentity {
  hostname: string;
  vendor: string;
  /** 16-bit firmware revision (RFC 2637's Firmware Revision field). */
  firmwareRevision: number;
  /**
   * A login probe's: the Name in the gateway's CHAP Challenge (pppd's `name` option). Poptop's SCCRP says
   * `local`/`linux` on every machine; this name usually does not, so it joins the names hashed.
   */
  peerName?: string;
}

const NAME_FACTOR = 2 ** 32;
const FIRMWARE_MAX = 0xffff;

/** FNV-1a, 32 bits, over UTF-8: stable across runtimes, no dependency. */
function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** The identity as one whole number in [0, 2^48). */
export function identityFingerprint(server: ServerIdentity): number {
  const firmware = Math.min(FIRMWARE_MAX, Math.max(0, Math.trunc(server.firmwareRevision)));
  const names = server.peerName === undefined ? `${server.hostname}\u0000${server.vendor}` : `${server.hostname}\u0000${server.vendor}\u0000${server.peerName}`;
  return firmware * NAME_FACTOR + fnv1a32(names);
}

/** Whether `value` can be a fingerprint (an edge check on what CloudWatch returns). */
export function isFingerprint(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0 && value < (FIRMWARE_MAX + 1) * NAME_FACTOR;
}

/** The firmware revision a fingerprint carries. */
export const fingerprintFirmware = (fingerprint: number): number => Math.floor(fingerprint / NAME_FACTOR);

/** The host-name-and-vendor part: equal for one gateway before and after a firmware update. */
export const fingerprintNames = (fingerprint: number): number => fingerprint % NAME_FACTOR;

/** `0x0102` style, as RFC 2637 and vendors print firmware revisions. */
export const formatFirmware = (revision: number): string => `0x${revision.toString(16).padStart(4, '0')}`;

/** One line for logs, notifications and the status page: `gw-a (vendor linux, firmware 0x0001)`, or the number alone. */
export function describeIdentity(fingerprint: number, server?: ServerIdentity): string {
  if (server !== undefined) return `${JSON.stringify(server.hostname)} (vendor ${JSON.stringify(server.vendor)}, firmware ${formatFirmware(server.firmwareRevision)}${server.peerName !== undefined ? `, PPP name ${JSON.stringify(server.peerName)}` : ''})`;
  return `identity ${fingerprintNames(fingerprint).toString(16).padStart(8, '0')} (firmware ${formatFirmware(fingerprintFirmware(fingerprint))})`;
}
