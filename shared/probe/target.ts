// Target strings as users write them: `host`, `host:port`, `[ipv6]:port`, `[ipv6]` or a bare IPv6 address.
import { PPTP_PORT } from '../pptp/constants.js';
import type { ProbeTarget } from './types.js';

export class TargetParseError extends Error {
  override readonly name = 'TargetParseError';
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^[0-9a-fA-F:.]+$/;
const HOST_LABEL = /^(?!-)[A-Za-z0-9_-]{1,63}(?<!-)$/;
/** RFC 1035 limit on a full domain name, in characters. */
const MAX_HOSTNAME_CHARS = 253;

/** 4 or 6 for an IP literal (no DNS lookup needed), undefined for a name. */
export function ipLiteralFamily(host: string): 4 | 6 | undefined {
  if (IPV4.test(host)) return 4;
  if (host.includes(':') && IPV6.test(host) && host.split('::').length <= 2) return 6;
  return undefined;
}

function parsePort(text: string, input: string): number {
  if (!/^\d{1,5}$/.test(text)) throw new TargetParseError(`invalid target '${input}': port '${text}' is not a number from 1 to 65535`);
  const port = Number(text);
  if (port < 1 || port > 65535) throw new TargetParseError(`invalid target '${input}': port ${port} is not from 1 to 65535`);
  return port;
}

function checkHost(host: string, input: string): void {
  if (host === '') throw new TargetParseError(`invalid target '${input}': the host is empty`);
  if (ipLiteralFamily(host)) return;
  if (host.includes(':')) throw new TargetParseError(`invalid target '${input}': '${host}' is not a valid IPv6 address`);
  const name = host.endsWith('.') ? host.slice(0, -1) : host;
  if (name.length > MAX_HOSTNAME_CHARS || !name.split('.').every((label) => HOST_LABEL.test(label))) {
    throw new TargetParseError(`invalid target '${input}': '${host}' is not a valid host name or IP address`);
  }
}

export function parseTarget(input: string, defaultPort: number = PPTP_PORT): ProbeTarget {
  const text = input.trim();
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
