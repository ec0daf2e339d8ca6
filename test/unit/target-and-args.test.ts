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

  it('takes only well-formed IPv6 literals as IPv6', () => {
    for (const v6 of ['::', '::1', '2001:db8::1', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7::', '::1.2.3.4', '64:ff9b::192.0.2.1']) expect(ipLiteralFamily(v6)).toBe(6);
    for (const bad of ['1:2:3', '1:2:3:4:5:6:7:8:9', '1.2.3.4::1', 'fe80::1%eth0', '::12345', ':::']) expect(ipLiteralFamily(bad)).toBeUndefined();
  });

  it('says that a URL is not a target and shows the forms expected', () => {
    expect(() => parseTarget('http://127.0.0.1')).toThrow(
      new TargetParseError("invalid target 'http://127.0.0.1': a URL is not a target; give host, host:port or [ipv6]:port"),
    );
    expect(() => parseTarget('pptp://gw.example:1723/')).toThrow(
      new TargetParseError("invalid target 'pptp://gw.example:1723/': a URL is not a target; give host, host:port or [ipv6]:port"),
    );
  });

  const NOT_IPV4 = 'looks like an IPv4 address but is not one (four decimal numbers 0-255 expected';
  it.each([
    ['1.2.3', `'1.2.3' ${NOT_IPV4}; a resolver would read it as 1.2.0.3)`],
    ['1.2.3:1724', `'1.2.3' ${NOT_IPV4}; a resolver would read it as 1.2.0.3)`],
    ['127.1', `'127.1' ${NOT_IPV4}; a resolver would read it as 127.0.0.1)`],
    ['0x7f.1', `'0x7f.1' ${NOT_IPV4}; a resolver would read it as 127.0.0.1)`],
    ['010.0.0.1', `'010.0.0.1' ${NOT_IPV4}; a resolver would read it as 8.0.0.1)`],
    ['2130706433', `'2130706433' ${NOT_IPV4}; a resolver would read it as 127.0.0.1)`],
    ['999.1.1.1', `'999.1.1.1' ${NOT_IPV4})`],
    ['1.2.3.4.5', `'1.2.3.4.5' ${NOT_IPV4})`],
    ['0.0.0.0', `'0.0.0.0' is a "this network" address (0.0.0.0/8), which no gateway can have`],
    ['0.1.2.3:1723', `'0.1.2.3' is a "this network" address (0.0.0.0/8), which no gateway can have`],
    ['255.255.255.255', `'255.255.255.255' is the broadcast address (255.255.255.255), which no gateway can have`],
    ['224.0.0.1', `'224.0.0.1' is a multicast address (224.0.0.0/4), which no gateway can have`],
    ['239.255.255.250', `'239.255.255.250' is a multicast address (224.0.0.0/4), which no gateway can have`],
    ['240.0.0.1', `'240.0.0.1' is a reserved address (240.0.0.0/4), which no gateway can have`],
    ['[::]:1723', `'::' is the unspecified address (::), which no gateway can have`],
    ['0:0:0:0:0:0:0:0', `'0:0:0:0:0:0:0:0' is the unspecified address (::), which no gateway can have`],
    ['ff02::1', `'ff02::1' is an IPv6 multicast address (ff00::/8), which no gateway can have`],
    ['::ffff:0.0.0.0', `'::ffff:0.0.0.0' is a "this network" address (0.0.0.0/8), which no gateway can have`],
  ])('refuses %j, which is not the address it looks like or is none a gateway can have', (input, problem) => {
    expect(() => parseTarget(input)).toThrow(new TargetParseError(`invalid target '${input}': ${problem}`));
  });

  it('keeps loopback, private and ordinary addresses, and names with numbers in them', () => {
    for (const input of ['127.0.0.1', '[::1]:1723', '10.0.0.1', '1.2.3.4', '223.255.255.255', '2001:db8::1', 'gw1.example', '1.example', '0x7f.example']) {
      expect(() => parseTarget(input)).not.toThrow();
    }
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
    [['http://127.0.0.1'], "invalid target 'http://127.0.0.1': a URL is not a target; give host, host:port or [ipv6]:port"],
    [['gw', '1.2.3'], "invalid target '1.2.3': '1.2.3' looks like an IPv4 address but is not one (four decimal numbers 0-255 expected; a resolver would read it as 1.2.0.3)"],
  ])('rejects %j: %s', (argv, message) => {
    expect(() => parseCheckArgs(argv)).toThrow(new UsageError(message));
  });
});
