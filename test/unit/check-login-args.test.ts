// `pptp-monitor check --login`: what the flags become, and every usage error with its exact message.
import { describe, expect, it } from 'vitest';
import { parseCheckArgs } from '../../shared/cli/check-args.js';
import { UsageError } from '../../shared/cli/usage-error.js';

describe('parseCheckArgs with --login', () => {
  it('reads a login: user, password source, traffic stage, auth; a 10 s deadline and 1 attempt unless told', () => {
    const args = parseCheckArgs(['vpn.example.com', '--login', 'CORP\\monitor', '--password-env', 'VPN_PASSWORD', '--json']);
    expect(args.login).toEqual({ username: 'CORP\\monitor', password: { env: 'VPN_PASSWORD' }, data: true, auth: ['mschapv2'] });
    expect(args.probe).toMatchObject({ timeoutMs: 10_000, attempts: 1 });
    expect(args.json).toBe(true);
    const file = parseCheckArgs(['192.0.2.1:1724', '--login=monitor', '--password-file=/run/secrets/vpn', '--no-data', '--auth', 'mschapv2,chap-md5', '--timeout', '3000', '--attempts', '1']);
    expect(file.login).toEqual({ username: 'monitor', password: { file: '/run/secrets/vpn' }, data: false, auth: ['mschapv2', 'chap-md5'] });
    expect(file.probe.timeoutMs).toBe(3000);
    expect(file.targets).toEqual([{ target: '192.0.2.1:1724', host: '192.0.2.1', port: 1724 }]);
  });

  it('leaves a control probe as it was without --login', () => {
    const args = parseCheckArgs(['gw']);
    expect(args.login).toBeUndefined();
    expect(args.probe).toMatchObject({ timeoutMs: 5000, attempts: 1, echo: true, call: false });
  });

  it.each([
    [['gw', '--login', 'monitor'], '--login needs a password source: --password-env <VAR> or --password-file <path> (never the password itself on the command line)'],
    [['gw', '--login', 'monitor', '--password-env', 'P', '--password-file', '/p'], '--password-env and --password-file both given: use one password source'],
    [['gw', '--login'], '--login needs a user name'],
    [['gw', '--login', ''], '--login needs a user name'],
    [['gw', '--login', 'a\u0007b', '--password-env', 'P'], '--login must be a user name of 1-256 characters without control characters'],
    [['gw', '--login', 'monitor', '--password-env'], '--password-env needs the name of an environment variable'],
    [['gw', '--login', 'monitor', '--password-env', 'VPN-PASSWORD'], "--password-env must be the name of an environment variable (letters, digits and _, not starting with a digit), got 'VPN-PASSWORD'"],
    [['gw', '--login', 'monitor', '--password-file'], '--password-file needs a path'],
    [
      ['gw', '--login', 'monitor', '--password', 'hunter2'],
      '--password is not accepted: a password on the command line is visible to every user of this machine (ps, /proc) and stays in the shell history; use --password-env <VAR> or --password-file <path>',
    ],
    [['gw', '--password-env', 'P'], '--password-env needs --login <username>'],
    [['gw', '--password-file', '/p'], '--password-file needs --login <username>'],
    [['gw', '--no-data'], '--no-data needs --login <username>'],
    [['gw', '--auth', 'pap'], '--auth needs --login <username>'],
    [['gw', '--login', 'm', '--password-env', 'P', '--auth', 'mschapv2,ntlm'], "--auth must be a comma-separated list of mschapv2, chap-md5, pap, got 'mschapv2,ntlm'"],
    [['gw', '--login', 'm', '--password-env', 'P', '--auth', 'pap,pap'], "--auth lists 'pap' twice"],
    [['gw', '--login', 'm', '--password-env', 'P', '--auth'], '--auth needs a value (a comma-separated list of mschapv2, chap-md5, pap)'],
    [['gw', '--login', 'm', '--password-env', 'P', '--no-data=yes'], '--no-data takes no value'],
    [['gw', '--login', 'm', '--password-env', 'P', '--call'], '--call is for the control probe; a login always places a call'],
    [['gw', '--login', 'm', '--password-env', 'P', '--no-echo'], '--no-echo is for the control probe; a login sends no Echo-Request'],
    [['gw', '--login', 'm', '--password-env', 'P', '--attempts', '3'], '--attempts: a login makes 1 attempt (a retried login after a refused password walks the account toward a lockout), got 3'],
    [['[2001:db8::1]', '--login', 'm', '--password-env', 'P'], "--login needs an IPv4 gateway or a host name with an IPv4 address (GRE runs over IPv4), got '[2001:db8::1]'"],
  ])('rejects %j: %s', (argv, message) => {
    expect(() => parseCheckArgs(argv)).toThrow(new UsageError(message));
  });
});
