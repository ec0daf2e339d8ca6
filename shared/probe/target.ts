// Target strings as users write them: `host`, `host:port`, `[ipv6]:port`, `[ipv6]` or a bare IPv6 address.
// A host must be what it looks like. The system resolver still reads the legacy inet_aton forms (`1.2.3`
// is 1.2.0.3, `0x7f.1` and `2130706433` are 127.0.0.1, `010.0.0.1` is 8.0.0.1), so a typo in an address
// would send probes to a host nobody configured; numeric-looking hosts must be a dotted quad or are refused.
import { PptpMonitorError } from '../common/errors.js';
import type { ProbeTarget } from './types.js';

/**
 * The port of a target that names none: PPTP's control connection (RFC 2637), where every prober of a
 * PPTP gateway starts. The codec calls the same number PPTP_PORT; the contract cannot import a prober.
 */
export const DEFAULT_TARGET_PORT = 1723;

/** A target string that is not `host`, `host:port` or `[ipv6]:port`, or names a host no gateway can have. */
export class TargetParseError extends PptpMonitorError<'invalid_target'> {
  override readonly name = 'TargetParseError';

  constructor(message: string) {
    super('invalid_target', message);
  }
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const HEXTET = /^[0-9a-fA-F]{1,4}$/;
const HOST_LABEL = /^(?!-)[A-Za-z0-9_-]{1,63}(?<!-)$/;
/** A label the resolver reads as a number: decimal, octal (leading 0) or hex (0x). */
const NUMERIC_LABEL = /^(0x[0-9a-fA-F]*|\d+)$/;
/** `scheme://` as in http://gw.example: someone pasted a URL. */
const URL_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;
/** RFC 1035 limit on a full domain name, in characters. */
const MAX_HOSTNAME_CHARS = 253;

export const TARGET_FORMS = 'host, host:port or [ipv6]:port';

/** The eight 16-bit groups of an IPv6 literal (an IPv4 tail as the last two), or undefined if it is not one. */
function ipv6Groups(text: string): number[] | undefined {
  // Zone ids (fe80::1%eth0) name an interface of this host: meaningless in a config probed from the cloud.
  if (!text.includes(':') || text.includes('%')) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parse = (half: string): number[] | undefined => {
    if (half === '') return [];
    const parts = half.split(':');
    const groups: number[] = [];
    for (const [i, part] of parts.entries()) {
      if (i === parts.length - 1 && part.includes('.')) {
        if (!IPV4.test(part)) return undefined;
        const [a = 0, b = 0, c = 0, d = 0] = part.split('.').map(Number);
        groups.push((a << 8) | b, (c << 8) | d);
      } else if (HEXTET.test(part)) {
        groups.push(parseInt(part, 16));
      } else {
        return undefined;
      }
    }
    return groups;
  };
  const head = parse(halves[0]!);
  const tail = halves.length === 2 ? parse(halves[1]!) : [];
  if (head === undefined || tail === undefined) return undefined;
  // An IPv4 tail is only allowed at the very end.
  if (halves.length === 2 && halves[0]!.includes('.')) return undefined;
  if (halves.length === 1) return head.length === 8 ? head : undefined;
  const missing = 8 - head.length - tail.length;
  return missing >= 1 ? [...head, ...new Array<number>(missing).fill(0), ...tail] : undefined;
}

/** 4 or 6 for an IP literal (no DNS lookup needed), undefined for a name. */
export function ipLiteralFamily(host: string): 4 | 6 | undefined {
  if (IPV4.test(host)) return 4;
  if (ipv6Groups(host) !== undefined) return 6;
  return undefined;
}

/**
 * What inet_aton (and so the system resolver) makes of a numeric-looking host: `1.2.3` is 1.2.0.3, the last
 * number filling the bytes left. Undefined where inet_aton refuses it too (then the resolver asks DNS).
 */
function legacyIpv4Reading(host: string): string | undefined {
  const parts = host.split('.');
  if (parts.length > 4) return undefined;
  const numbers: number[] = [];
  for (const part of parts) {
    let n: number;
    if (/^0x[0-9a-fA-F]+$/.test(part)) n = parseInt(part.slice(2), 16);
    else if (/^0[0-7]*$/.test(part)) n = parseInt(part, 8);
    else if (/^[1-9]\d*$/.test(part)) n = Number(part);
    else return undefined;
    numbers.push(n);
  }
  const last = numbers.pop()!;
  if (numbers.some((n) => n > 255) || last >= 2 ** (8 * (4 - numbers.length))) return undefined;
  const bytes = [...numbers];
  for (let shift = 8 * (3 - numbers.length); shift >= 0; shift -= 8) bytes.push(Math.floor(last / 2 ** shift) % 256);
  return bytes.join('.');
}

/** Why a dotted-quad IPv4 address cannot be a gateway's, or undefined when it can. */
function specialIpv4(address: string): string | undefined {
  const [a = 0] = address.split('.').map(Number);
  if (a === 0) return 'a "this network" address (0.0.0.0/8)';
  if (address === '255.255.255.255') return 'the broadcast address (255.255.255.255)';
  if (a >= 224 && a <= 239) return 'a multicast address (224.0.0.0/4)';
  if (a >= 240) return 'a reserved address (240.0.0.0/4)';
  return undefined;
}

/** Why an IPv6 address cannot be a gateway's, or undefined when it can. */
function specialIpv6(groups: readonly number[]): string | undefined {
  if (groups.every((g) => g === 0)) return 'the unspecified address (::)';
  if ((groups[0]! & 0xff00) === 0xff00) return 'an IPv6 multicast address (ff00::/8)';
  const mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
  if (mapped) return specialIpv4(`${groups[6]! >> 8}.${groups[6]! & 0xff}.${groups[7]! >> 8}.${groups[7]! & 0xff}`);
  return undefined;
}

/**
 * What is wrong with a host that is, or looks like, an IP address: a numeric form other than a dotted
 * quad, or an address no gateway can have (unspecified, broadcast, multicast, reserved). Undefined for
 * names and for ordinary addresses, loopback included (tests and the local simulator use it). The text
 * starts with the host, quoted, so that it reads on its own after a config path or a target.
 */
export function addressProblem(host: string): string | undefined {
  const name = host.endsWith('.') ? host.slice(0, -1) : host;
  if (name !== '' && name.split('.').every((label) => NUMERIC_LABEL.test(label)) && !IPV4.test(host)) {
    const reading = legacyIpv4Reading(host);
    const readAs = reading === undefined ? '' : `; a resolver would read it as ${reading}`;
    return `'${host}' looks like an IPv4 address but is not one (four decimal numbers 0-255 expected${readAs})`;
  }
  const groups = IPV4.test(host) ? undefined : ipv6Groups(host);
  const special = IPV4.test(host) ? specialIpv4(host) : groups === undefined ? undefined : specialIpv6(groups);
  return special === undefined ? undefined : `'${host}' is ${special}, which no gateway can have`;
}

/** Whether the text starts like a URL (`http://...`), which is never a target or a host. */
export function looksLikeUrl(text: string): boolean {
  return URL_SCHEME.test(text);
}

/**
 * One spelling per host, for telling whether two targets probe the same one: names in lower case without
 * a trailing dot, IPv6 as eight groups, an IPv4-mapped IPv6 address as its IPv4 address.
 */
export function canonicalHost(host: string): string {
  if (IPV4.test(host)) return host;
  const groups = ipv6Groups(host);
  if (groups === undefined) return (host.endsWith('.') ? host.slice(0, -1) : host).toLowerCase();
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `${groups[6]! >> 8}.${groups[6]! & 0xff}.${groups[7]! >> 8}.${groups[7]! & 0xff}`;
  }
  return groups.map((g) => g.toString(16)).join(':');
}

function parsePort(text: string, input: string): number {
  if (!/^\d{1,5}$/.test(text)) throw new TargetParseError(`invalid target '${input}': port '${text}' is not a number from 1 to 65535`);
  const port = Number(text);
  if (port < 1 || port > 65535) throw new TargetParseError(`invalid target '${input}': port ${port} is not from 1 to 65535`);
  return port;
}

function checkHost(host: string, input: string): void {
  if (host === '') throw new TargetParseError(`invalid target '${input}': the host is empty`);
  const problem = addressProblem(host);
  if (problem !== undefined) throw new TargetParseError(`invalid target '${input}': ${problem}`);
  if (ipLiteralFamily(host)) return;
  if (host.includes(':')) throw new TargetParseError(`invalid target '${input}': '${host}' is not a valid IPv6 address`);
  const name = host.endsWith('.') ? host.slice(0, -1) : host;
  if (name.length > MAX_HOSTNAME_CHARS || !name.split('.').every((label) => HOST_LABEL.test(label))) {
    throw new TargetParseError(`invalid target '${input}': '${host}' is not a valid host name or IP address`);
  }
}

export function parseTarget(input: string, defaultPort: number = DEFAULT_TARGET_PORT): ProbeTarget {
  const text = input.trim();
  // Checked first: split at its colons, a URL gives a baffling "port '//host' is not a number".
  if (looksLikeUrl(text)) throw new TargetParseError(`invalid target '${input}': a URL is not a target; give ${TARGET_FORMS}`);
  let host: string;
  let port = defaultPort;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) throw new TargetParseError(`invalid target '${input}': missing ']' after the IPv6 address`);
    host = text.slice(1, close);
    const rest = text.slice(close + 1);
    if (rest !== '') {
      if (!rest.startsWith(':')) throw new TargetParseError(`invalid target '${input}': expected ':port' after ']'`);
      port = parsePort(rest.slice(1), input);
    }
    if (ipLiteralFamily(host) !== 6) throw new TargetParseError(`invalid target '${input}': '${host}' is not a valid IPv6 address`);
  } else {
    const colons = text.split(':').length - 1;
    if (colons === 1) {
      const at = text.indexOf(':');
      host = text.slice(0, at);
      port = parsePort(text.slice(at + 1), input);
    } else {
      host = text; // no colon, or a bare IPv6 address
    }
  }
  checkHost(host, input);
  return { target: input, host, port };
}

/** The ProbeTarget of a configured target: results report it under its config name. */
export function probeTargetFor(target: { name: string; host: string; port: number }): ProbeTarget {
  return { target: target.name, host: target.host, port: target.port };
}
