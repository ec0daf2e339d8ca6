// Login targets in monitor.yml (`check: pptp-login` with a `login:` mapping): what they resolve to for
// the local monitor, every problem with its exact message, the refusal for the Lambda regions naming the
// fix, and configs without login targets resolving and packaging byte for byte as before check kinds.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatConfigError, parseConfig, type ConfigResult, type ResolvedConfig } from '../../shared/config/index.js';
import { packConfig, packProbeConfig, unpackConfig } from '../../shared/config/packaged.js';
import { probeConfigOf } from '../../shared/config/probe-config.js';

/** Strips the indentation common to all lines, so YAML can be written indented in the test. */
function y(strings: TemplateStringsArray, ...values: unknown[]): string {
  const text = strings.reduce((out, s, i) => out + s + (i < values.length ? String(values[i]) : ''), '').replace(/^\n/, '');
  const lines = text.split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)![0].length));
  return lines.map((l) => l.slice(indent)).join('\n');
}

function errorsOf(result: ConfigResult): string[] {
  if (result.ok) throw new Error('expected errors, the config is valid');
  return result.errors.map(formatConfigError);
}

const local = (text: string): ConfigResult => parseConfig(text, 'monitor.yml', { runner: 'local' });
const lambda = (text: string): ConfigResult => parseConfig(text, 'monitor.yml');

function resolvedLocally(text: string): ResolvedConfig {
  const result = local(text);
  if (!result.ok) throw new Error(`expected a valid config, got:\n${result.errors.map(formatConfigError).join('\n')}`);
  return result.config;
}

const HEAD = y`
  version: 1
  homeRegion: eu-central-1
  defaults:
    regions: [eu-central-1, eu-west-1]
    attempts: 2
    timeout: 4000
  targets:
    - name: hq
      host: vpn.hq.example.com
`;

const LAMBDA_PROBLEM = (host: string, regions: string): string =>
  `'pptp-login' cannot run in the AWS regions it lists (${regions}), where Lambda runs the probes: a login sends GRE through a raw socket, which Lambda does not allow; ` +
  `probe it from agents only (declare one under agents and list its name in regions; 'pptp-monitor agent --location <name>' runs it on a host with CAP_NET_RAW), log in once with 'pptp-monitor check ${host} --login <user> --password-env <VAR>', ` +
  `or run this file with the local monitor ('pptp-monitor run --config <file>', checked as it reads it by 'pptp-monitor validate --local <file>')`;

describe('login targets in monitor.yml', () => {
  it('resolves a login target for the local monitor: its kind and settings, 1 attempt whatever defaults say, the defaults\' timeout', () => {
    const config = resolvedLocally(
      HEAD +
        y`
        - name: hq-login
          host: vpn.hq.example.com
          port: 1724
          check: pptp-login
          login:
            username: CORP\\monitor
            passwordEnv: HQ_VPN_PASSWORD
        - name: branch-login
          host: 198.51.100.20
          check: pptp-login
          timeout: 8000
          login: { username: monitor, passwordFile: /etc/pptp-monitor/branch.password, data: false, auth: [mschapv2, chap-md5] }
      `.replace(/^/gm, '  '),
    );
    const [hq, hqLogin, branch] = config.targets;
    expect(hq).not.toHaveProperty('check');
    expect(hq).not.toHaveProperty('login');
    expect(hq!.attempts).toBe(2);
    expect(hqLogin).toMatchObject({ check: 'pptp-login', attempts: 1, timeout: 4000, login: { username: 'CORP\\monitor', password: { env: 'HQ_VPN_PASSWORD' }, data: true, auth: ['mschapv2'] } });
    expect(branch).toMatchObject({ check: 'pptp-login', attempts: 1, timeout: 8000, login: { username: 'monitor', password: { file: '/etc/pptp-monitor/branch.password' }, data: false, auth: ['mschapv2', 'chap-md5'] } });
    // The resolved config holds where the password is, never a password.
    expect(Object.keys(hqLogin!.login!)).toEqual(['username', 'password', 'data', 'auth']);
  });

  it('gives a login target a 10 s deadline when neither it nor defaults set one', () => {
    const config = resolvedLocally(y`
      version: 1
      homeRegion: eu-central-1
      defaults: { regions: [eu-central-1] }
      targets:
        - { name: gw, host: 192.0.2.1 }
        - { name: gw-login, host: 192.0.2.2, check: pptp-login, login: { username: u, passwordEnv: P } }
    `);
    expect(config.targets.map((t) => t.timeout)).toEqual([5000, 10_000]);
  });

  it('refuses a login target for the Lambda regions, naming them and the fix (validate without --local, package)', () => {
    const text = HEAD + '  - { name: hq-login, host: vpn.hq.example.com, port: 1724, check: pptp-login, login: { username: u, passwordEnv: P } }\n';
    expect(errorsOf(lambda(text))).toEqual([`targets[1].check: ${LAMBDA_PROBLEM('vpn.hq.example.com', 'eu-central-1, eu-west-1')}`]);
    expect(local(text).ok).toBe(true);
  });

  it('names the target\'s own regions in the Lambda refusal', () => {
    const text = HEAD + '  - { name: paris-login, host: 198.51.100.20, regions: [eu-west-3], check: pptp-login, login: { username: u, passwordEnv: P } }\n';
    expect(errorsOf(lambda(text))).toEqual([`targets[1].check: ${LAMBDA_PROBLEM('198.51.100.20', 'eu-west-3')}`]);
  });

  it('reports every problem of login targets at once, with exact messages', () => {
    const text = y`
      version: 1
      homeRegion: eu-central-1
      defaults:
        regions: [eu-central-1]
        check: pptp-login
        login: { username: u, passwordEnv: P }
      targets:
        - { name: a, host: 192.0.2.1, check: pptp-login }
        - { name: b, host: 192.0.2.2, login: { username: x, passwordEnv: X } }
        - name: c
          host: 2001:db8::1
          check: pptp-login
          attempts: 3
          checks: { call: true }
          login: { username: '', passwordEnv: 1X, passwordFile: /x }
        - { name: d, host: 192.0.2.4, check: pptp-logon, login: { username: u, passwordSsm: /pptp/d/password, auth: [mschapv2, ntlm] } }
        - { name: e, host: 192.0.2.5, check: pptp-login, login: { username: u, passwordSsm: 'bad name!' } }
        - { name: f, host: 192.0.2.6, check: pptp-login, login: { username: u } }
        - { name: g, host: 192.0.2.7, check: pptp-login, login: { username: u, passwordFile: /x, auth: [pap, pap], data: maybe, colour: red } }
        - { name: h, host: 192.0.2.8, check: pptp-login, login: { username: u, passwordEnv: P, passwordFile: /p, passwordSsm: /p } }
        - { name: i, host: 192.0.2.9, check: pptp-login, login: { username: "tab\tname", passwordEnv: P, auth: [] } }
        - { name: j, host: 192.0.2.10, check: pptp-login, login: [u, p] }
    `;
    expect(errorsOf(local(text))).toEqual([
      'defaults.check: not allowed in defaults: set check and login on each target that logs in',
      'defaults.login: not allowed in defaults: set check and login on each target that logs in',
      "targets[0].login: required for check 'pptp-login': a mapping with username and passwordEnv or passwordFile",
      "targets[1].login: only for check 'pptp-login' (add check: pptp-login to this target)",
      "targets[2].host: a pptp-login check needs an IPv4 address or a host name with one (it runs GRE over IPv4), got '2001:db8::1'",
      'targets[2].attempts: a pptp-login check makes 1 attempt per interval (a retried login after a refused password walks the account toward a lockout), got 3',
      'targets[2].checks: are the switches of a pptp-control check; a pptp-login check has none (its traffic stage is login.data)',
      'targets[2].login: has passwordEnv and passwordFile: give one password source',
      "targets[2].login.username: must be a user name of 1-256 characters without control characters, got ''",
      "targets[2].login.passwordEnv: must be the name of an environment variable (letters, digits and _, not starting with a digit), got '1X'",
      "targets[3].check: must be one of pptp-control, pptp-login, got 'pptp-logon'",
      'targets[3].login.passwordSsm: reading the password from AWS SSM Parameter Store (SecureString) is not supported yet; use passwordEnv or passwordFile (on an agent host: a variable in agent.env, or a systemd credential as deploy/agent/INSTALL.md shows)',
      "targets[3].login.auth[1]: must be one of mschapv2, chap-md5, pap, got 'ntlm'",
      "targets[4].login.passwordSsm: must be an SSM parameter name such as '/pptp-monitor/hq-gw/password' (letters, digits, _ . - and / between parts, at most 2048 characters), got 'bad name!'",
      'targets[5].login: needs a password source: passwordEnv (the name of an environment variable) or passwordFile (a file holding only the password)',
      'targets[6].login.auth: must not list a method twice',
      "targets[6].login.data: must be true or false, got 'maybe'",
      'targets[6].login.colour: unknown key',
      'targets[7].login: has passwordEnv and passwordFile and passwordSsm: give one password source',
      'targets[7].login.passwordSsm: reading the password from AWS SSM Parameter Store (SecureString) is not supported yet; use passwordEnv or passwordFile (on an agent host: a variable in agent.env, or a systemd credential as deploy/agent/INSTALL.md shows)',
      "targets[8].login.username: must be a user name of 1-256 characters without control characters, got 'tab\\u0009name'",
      'targets[8].login.auth: must list at least one authentication method',
      'targets[9].login: must be a mapping with username and passwordEnv or passwordFile, got a list',
    ]);
  });

  it('judges a login target\'s latency objective against its own (10 s) default deadline', () => {
    const text = y`
      version: 1
      homeRegion: eu-central-1
      defaults: { regions: [eu-central-1] }
      targets:
        - { name: gw-login, host: 192.0.2.2, check: pptp-login, latency: { controlP95Ms: 7000 }, login: { username: u, passwordEnv: P } }
        - { name: gw, host: 192.0.2.3, latency: { controlP95Ms: 7000 } }
    `;
    expect(errorsOf(local(text))).toEqual(['targets[1].latency.controlP95Ms: must be less than the timeout (5000 ms), got 7000']);
  });
});

describe('configs without login targets', () => {
  // Digests of what `npm run package` wrote for the two shipped configs before check kinds existed
  // (commit 748ee90, computed then): a config without a login target resolves and packs byte for byte.
  const BEFORE = {
    'monitor.example.yml': { config: '3259af3858bbc4eae11a40d44dc3d14d12c90040001242f4bf61314df44ead54', probe: 'ecbbed2070636c72b3c12eaeff43abef93f6c3f0c0e3231b61a9a90f62412d30' },
    'monitor.local.yml': { config: '16d23c3b389e7420af87f08895ff4206d63b8b01ad14713f43fdef8ccca5f6f7', probe: '2831360b7bcfd16b3cc342c26f1655e1c6805e24cec9bd6e9c483d9a12c658a3' },
  } as const;
  const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

  for (const [file, digests] of Object.entries(BEFORE)) {
    it(`packs ${file} exactly as before, for Lambda and for the local monitor alike`, () => {
      const text = readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');
      for (const result of [lambda(text), local(text)]) {
        if (!result.ok) throw new Error('fixture');
        expect(sha256(packConfig(result.config))).toBe(digests.config);
        expect(sha256(packProbeConfig(probeConfigOf(result.config)))).toBe(digests.probe);
      }
    });
  }

  it('refuses to pack, or unpack, a config that holds a login target (hand-made or a resolver bug): a Lambda cannot probe it', () => {
    const result = local(HEAD + '  - { name: hq-login, host: 192.0.2.1, check: pptp-login, login: { username: u, passwordEnv: P } }\n');
    if (!result.ok) throw new Error('fixture');
    const problem = "config.targets[1].check: a pptp-login check cannot run in AWS Lambda (no raw sockets): its regions must all be agents; 'pptp-monitor validate' refuses such a config before packaging";
    expect(() => packConfig(result.config)).toThrow(`config to package: ${problem}`);
    // A forged artifact with a matching digest is refused at the Lambda's init.
    const body = JSON.stringify(result.config);
    const forged = `${JSON.stringify({ format: 'pptp-monitor/resolved-config@1', sha256: createHash('sha256').update(body).digest('hex') })}\n${body}\n`;
    expect(() => unpackConfig(forged, 'c.json')).toThrow(`c.json: ${problem}`);
  });
});
