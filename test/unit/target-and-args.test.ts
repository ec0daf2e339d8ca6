import { describe, expect, it } from 'vitest';
import { parseCheckArgs } from '../../shared/cli/check-args.js';
import { UsageError } from '../../shared/cli/usage-error.js';
import { ipLiteralFamily, parseTarget, TargetParseError } from '../../shared/probe/index.js';

describe('parseTarget', () => {
  it.each([
    ['gw.example.com', 'gw.example.com', 1723],
    ['gw.example.com:1724', 'gw.example.com', 1724],
    ['203.0.113.9', '203.0.113.9', 1723],
    ['203.0.113.9:443', '203.0.113.9', 443],
    ['[2001:db8::1]:1723', '2001:db8::1', 1723],
    ['[::1]', '::1', 1723],
    ['2001:db8::1', '2001:db8::1', 1723],
    ['vpn-01.corp_x.example.', 'vpn-01.corp_x.example.', 1723],
  ])('parses %s', (input, host, port) => {
    expect(parseTarget(input)).toEqual({ target: input, host, port });
  });

  it.each([
    ['', "invalid target '': the host is empty"],
    [':1723', "invalid target ':1723': the host is empty"],
    ['gw:0', "invalid target 'gw:0': port 0 is not from 1 to 65535"],
    ['gw:70000', "invalid target 'gw:70000': port 70000 is not from 1 to 65535"],
    ['gw:abc', "invalid target 'gw:abc': port 'abc' is not a number from 1 to 65535"],
    ['[2001:db8::1', "invalid target '[2001:db8::1': missing ']' after the IPv6 address"],
    ['[2001:db8::1]1723', "invalid target '[2001:db8::1]1723': expected ':port' after ']'"],
    ['[gw.example]:1723', "invalid target '[gw.example]:1723': 'gw.example' is not a valid IPv6 address"],
    ['bad host', "invalid target 'bad host': 'bad host' is not a valid host name or IP address"],
    ['-gw.example', "invalid target '-gw.example': '-gw.example' is not a valid host name or IP address"],
    ['1::2::3', "invalid target '1::2::3': '1::2::3' is not a valid IPv6 address"],
  ])('rejects %j with a message that says what is wrong', (input, message) => {
    expect(() => parseTarget(input)).toThrow(new TargetParseError(message));
  });

  it('tells IP literals, which need no DNS lookup, from names', () => {
    expect(ipLiteralFamily('192.0.2.1')).toBe(4);
    expect(ipLiteralFamily('::ffff:192.0.2.1')).toBe(6);
    expect(ipLiteralFamily('256.1.1.1')).toBeUndefined();
    expect(ipLiteralFamily('gw.example')).toBeUndefined();
  });
});

describe('parseCheckArgs', () => {
  it('applies defaults and options', () => {
    const args = parseCheckArgs(['a.example', '--timeout', '800', '--attempts=3', '--no-echo', '--call', '--concurrency', '4', '--json', '--vendor', 'acme']);
    expect(args.targets.map((t) => t.host)).toEqual(['a.example']);
    expect(args.probe).toMatchObject({ timeoutMs: 800, attempts: 3, echo: false, call: true, vendor: 'acme', hostname: 'pptp-monitor' });
    expect(args).toMatchObject({ concurrency: 4, json: true });
  });

  it('defaults to a 5000 ms deadline, one attempt, echo on, no call', () => {
    const args = parseCheckArgs(['gw']);
    expect(args.probe).toMatchObject({ timeoutMs: 5000, attempts: 1, echo: true, call: false, vendor: 'pptp-monitor' });
    expect(args.json).toBe(false);
  });

  it.each([
    [[], 'check needs at least one target'],
    [['gw', '--timeout'], '--timeout needs a value (a whole number from 1 to 600000)'],
    [['gw', '--timeout', '5s'], "--timeout must be a whole number from 1 to 600000, got '5s'"],
    [['gw', '--attempts', '0'], '--attempts must be from 1 to 10, got 0'],
    [['gw', '--concurrency=99999'], '--concurrency must be from 1 to 2000, got 99999'],
    [['gw', '--json=yes'], '--json takes no value'],
    [['gw', '--tiemout', '5'], "unknown option '--tiemout'"],
    [['gw:99999'], "invalid target 'gw:99999': port 99999 is not from 1 to 65535"],
  ])('rejects %j: %s', (argv, message) => {
    expect(() => parseCheckArgs(argv)).toThrow(new UsageError(message));
  });
});
