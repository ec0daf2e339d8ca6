// `pptp-monitor check --login` as users run it: the built CLI as a real process inside a namespace the
// test creates, against the real Debian pptpd running the test PPP responder (test/support/
// pptpd-login.ts), over the process's own raw GRE socket. Also the local monitor with a login target,
// a process without CAP_NET_RAW, and packaging a config with a login target. A known password is used
// throughout, and every output is searched for it: stdout and stderr of every run, the monitor's
// history files, the packaged stage directory.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProbeResultJson } from '../../shared/cli/result-json.js';
import { FAILURE_CLASS_INFO } from '../../shared/probe/failure-classes.js';
import { packageStage } from '../../infra/package.js';
import { CLI_BIN } from '../support/cli.js';
import type { RunResult } from '../support/netns.js';
import { GATEWAY_LOCAL_IP, GATEWAY_REMOTE_IP, startPptpdLogin, type PptpdLoginGateway } from '../support/pptpd-login.js';
import { requirePptpd } from '../support/pptpd.js';
import type { ScenarioFile } from '../support/ppp-responder/scenario.js';

const USER = 'monitor';
const PASSWORD = 'Cli-login-known-Pw!42';
const RESPONDER_RESTART_MS = 400;

describe('pptp-monitor check --login against real pptpd and the test PPP responder', () => {
  let gateway: PptpdLoginGateway | undefined;
  let skipReason: string | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'cli-login-'));
  const passwordFile = join(dir, 'vpn.password');
  /** Every stdout and stderr of the suite, searched for the password at the end. */
  const outputs: string[] = [];

  beforeAll(async () => {
    skipReason = await requirePptpd();
    if (skipReason) return;
    writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
    gateway = await startPptpdLogin('cli-login', { scenario: 'success', user: USER, password: PASSWORD });
  });

  afterAll(async () => {
    await gateway?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The CLI in the gateway's namespace; `env` entries go through env(1), `wrap` goes before node (setpriv). */
  async function cli(args: readonly string[], options: { scenario?: Partial<ScenarioFile>; env?: Record<string, string>; wrap?: readonly string[] } = {}): Promise<RunResult> {
    const gw = gateway!;
    gw.clearResponderLog();
    gw.setScenario({ scenario: 'success', user: USER, password: PASSWORD, restartMs: RESPONDER_RESTART_MS, maxLifetimeMs: 15_000, ...options.scenario });
    const env = Object.entries(options.env ?? {}).map(([k, v]) => `${k}=${v}`);
    const run = await gw.netns.run('env', [...env, ...(options.wrap ?? []), process.execPath, CLI_BIN, ...args], { timeoutMs: 20_000 });
    outputs.push(run.stdout, run.stderr);
    return run;
  }

  const json = (run: RunResult): ProbeResultJson[] => JSON.parse(run.stdout) as ProbeResultJson[];

  it('logs in and prints the stages, the assigned address, the auth protocol and MPPE as JSON (exit 0)', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    const run = await cli(['check', '127.0.0.1', '--login', USER, '--password-env', 'VPN_PASSWORD', '--timeout', '5000', '--json'], { env: { VPN_PASSWORD: PASSWORD } });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const [result] = json(run);
    expect(result).toMatchObject({ target: '127.0.0.1', host: '127.0.0.1', port: 1723, address: '127.0.0.1', ok: true, attempts: 1 });
    expect(Object.keys(result!.timings)).toEqual(['connectMs', 'controlMs', 'callMs', 'greMs', 'lcpMs', 'authMs', 'ccpMs', 'ipcpMs', 'dataMs', 'totalMs']);
    expect(result!.login).toEqual({ assignedAddress: GATEWAY_REMOTE_IP, gatewayTunnelAddress: GATEWAY_LOCAL_IP, authProtocol: 'mschapv2', mppe: 'mppe-128-stateless', peerName: 'pptpd-test' });
    expect(result!.failure).toBeUndefined();
    expect(gateway!.responderLog().some((e) => e.event === 'icmp_echo_replied')).toBe(true);
  });

  it('prints every stage timing and what was negotiated in the human output, password from a file', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    const run = await cli(['check', '127.0.0.1', '--login', USER, '--password-file', passwordFile, '--timeout', '5000']);
    expect(run.code).toBe(0);
    const [row, ...rest] = run.stdout.trimEnd().split('\n');
    expect(row).toMatch(/^UP {4}127\.0\.0\.1 {2}connect [\d.]+ ms {2}control [\d.]+ ms {2}call [\d.]+ ms {2}gre [\d.]+ ms {2}lcp [\d.]+ ms {2}auth [\d.]+ ms {2}ccp [\d.]+ ms {2}ipcp [\d.]+ ms {2}data [\d.]+ ms {2}total [\d.]+ ms$/);
    expect(rest[0]).toBe(`      login: address ${GATEWAY_REMOTE_IP} (gateway ${GATEWAY_LOCAL_IP}), MS-CHAPv2, MPPE 128-bit stateless`);
    expect(rest[1]).toMatch(/^ {6}server: /);
  });

  it('classifies E=691 as auth_rejected with the code and the gateway\'s message (exit 1)', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    const run = await cli(['check', '127.0.0.1', '--login', USER, '--password-env', 'VPN_PASSWORD', '--timeout', '5000', '--json'], { env: { VPN_PASSWORD: PASSWORD }, scenario: { scenario: 'auth_rejected' } });
    expect(run.code).toBe(1);
    const [result] = json(run);
    expect(result!.ok).toBe(false);
    expect(result!.failure).toMatchObject({ class: 'auth_rejected', phase: 'auth', authErrorCode: 691, runbook: 'docs/runbooks/auth_rejected.md' });
    expect(result!.failure!.authMessage).toMatch(/691/);
    expect(result!.failure!.message).toContain('MS-CHAPv2 Failure');
    expect(result!.timings.lcpMs).toBeTypeOf('number');
    expect(result!.timings.authMs).toBeUndefined();
    // One attempt: the responder saw one response, never a second try at the password.
    expect(gateway!.responderLog().filter((e) => e.event === 'chap_response')).toHaveLength(1);
    const human = await cli(['check', '127.0.0.1', '--login', USER, '--password-file', passwordFile, '--timeout', '5000'], { scenario: { scenario: 'auth_rejected' } });
    expect(human.code).toBe(1);
    const lines = human.stdout.split('\n');
    expect(lines[0]).toMatch(/^DOWN {2}127\.0\.0\.1 {2}auth_rejected in auth after [\d.]+ ms {2}connect /);
    expect(lines[1]).toBe(`      ${FAILURE_CLASS_INFO.auth_rejected.explanation}`);
    expect(lines[2]).toContain('MS-CHAPv2 Failure');
    expect(lines[3]).toBe('      runbook: docs/runbooks/auth_rejected.md');
  });

  it('skips the traffic stage with --no-data', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    const run = await cli(['check', '127.0.0.1', '--login', USER, '--password-env', 'VPN_PASSWORD', '--no-data', '--timeout', '5000', '--json'], { env: { VPN_PASSWORD: PASSWORD } });
    expect(run.code).toBe(0);
    const [result] = json(run);
    expect(result!.ok).toBe(true);
    expect(result!.timings.ipcpMs).toBeTypeOf('number');
    expect(result!.timings).not.toHaveProperty('dataMs');
    expect(gateway!.responderLog().some((e) => e.event === 'icmp_echo_replied' || e.event === 'icmp_echo_dropped')).toBe(false);
  });

  it('says exactly that CAP_NET_RAW is missing and how to grant it, exit 2, no stack trace and nothing on stdout', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    const run = await cli(['check', '127.0.0.1', '--login', USER, '--password-env', 'VPN_PASSWORD', '--json'], {
      env: { VPN_PASSWORD: PASSWORD },
      wrap: ['setpriv', '--inh-caps=-all', '--bounding-set=-net_raw'],
    });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.split('\n')).toHaveLength(2); // one line and its newline
    expect(run.stderr).toMatch(/^pptp-monitor: cannot open a raw GRE socket: Operation not permitted \(CAP_NET_RAW missing\)\. The login probe sends GRE \(IP protocol 47\) through a raw socket, which needs CAP_NET_RAW\. /);
    expect(run.stderr).toContain('run as root');
    expect(run.stderr).toContain('sudo setcap cap_net_raw+ep "$(readlink -f "$(which node)")"');
    expect(run.stderr).toContain('AmbientCapabilities=CAP_NET_RAW');
    expect(run.stderr).not.toMatch(/\n\s+at /);
    // Nothing reached the gateway: the socket is checked before the first probe.
    expect(gateway!.responderLog()).toEqual([]);
  });

  it('exits 2 with the flag and the problem for a password source that cannot be read', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    const empty = join(dir, 'empty.password');
    writeFileSync(empty, '\n');
    const cases: Array<[string[], Record<string, string>, string]> = [
      [['--password-env', 'VPN_PASSWORD'], {}, '--password-env VPN_PASSWORD: not set'],
      [['--password-env', 'VPN_PASSWORD'], { VPN_PASSWORD: '' }, '--password-env VPN_PASSWORD: is empty'],
      [['--password-file', empty], {}, `--password-file ${empty}: is empty`],
      [['--password-file', join(dir, 'missing')], {}, `--password-file ${join(dir, 'missing')}: file not found`],
    ];
    for (const [flags, env, message] of cases) {
      const run = await cli(['check', '127.0.0.1', '--login', USER, ...flags], { env });
      expect(run.code, message).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr.split('\n')[0]).toBe(`pptp-monitor: ${message}`);
    }
  });

  it('runs a login target in the local monitor and keeps its stages in the history line', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    const data = join(dir, 'data');
    const config = join(dir, 'monitor.yml');
    writeFileSync(
      config,
      [
        'version: 1',
        'homeRegion: eu-central-1',
        'defaults: { regions: [eu-central-1] }',
        'targets:',
        `  - { name: gw-login, host: 127.0.0.1, check: pptp-login, timeout: 5000, login: { username: ${USER}, passwordFile: ${passwordFile} } }`,
        '',
      ].join('\n'),
    );
    const refused = await cli(['validate', config]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^targets\[0\]\.check: 'pptp-login' cannot run in the AWS regions it lists \(eu-central-1\), where Lambda runs the probes/);
    expect((await cli(['validate', '--local', config])).stdout).toBe(`${config}: OK (1 target in 1 region)\n`);
    const run = await cli(['run', '--config', config, '--data', data, '--cycles', '1'], { scenario: { scenario: 'auth_rejected' } });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^\d\d:\d\d {2}gw-login {2}DOWN {2}auth_rejected: MS-CHAPv2 Failure 691 /m);
    const files = readdirSync(data).filter((f) => f.startsWith('results-'));
    expect(files).toHaveLength(1);
    const [line] = readFileSync(join(data, files[0]!), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(line).toMatchObject({ target: 'gw-login', region: 'local', ok: false, failureClass: 'auth_rejected', attempts: 1, authProtocol: 'mschapv2' });
    expect(line!['lcpMs']).toBeTypeOf('number');
    for (const file of readdirSync(data)) outputs.push(readFileSync(join(data, file), 'utf8'));
  });

  it('stops the local monitor at start when a login target\'s password cannot be read (exit 2)', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    const config = join(dir, 'monitor-env.yml');
    writeFileSync(config, ['version: 1', 'homeRegion: eu-central-1', 'defaults: { regions: [eu-central-1] }', 'targets:', '  - { name: gw-login, host: 127.0.0.1, check: pptp-login, login: { username: u, passwordEnv: NOT_SET_HERE } }', ''].join('\n'));
    const run = await cli(['run', '--config', config, '--data', join(dir, 'data-env'), '--cycles', '1']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('pptp-monitor run: target gw-login: login: environment variable NOT_SET_HERE: not set\n');
    expect(gateway!.responderLog()).toEqual([]);
  });

  it('packages nothing for a config with a login target, and the password is in no output of the suite', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    const root = mkdtempSync(join(dir, 'pkg-'));
    writeFileSync(
      join(root, 'monitor.yml'),
      ['version: 1', 'homeRegion: eu-central-1', 'defaults: { regions: [eu-central-1] }', 'targets:', '  - { name: gw, host: 192.0.2.1 }', `  - { name: gw-login, host: 192.0.2.2, check: pptp-login, login: { username: ${USER}, passwordFile: ${passwordFile} } }`, ''].join('\n'),
    );
    const err: unknown = await packageStage({ configPath: 'monitor.yml', stage: 'test', cloudformation: false }, root).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/^monitor\.yml is invalid; nothing was packaged:\n {2}targets\[1\]\.check: 'pptp-login' cannot run in the AWS regions it lists \(eu-central-1\), where Lambda runs the probes/);
    expect(existsSync(join(root, '.build'))).toBe(false);
    outputs.push((err as Error).message);
    expect(outputs.length).toBeGreaterThan(10);
    for (const output of outputs) expect(output).not.toContain(PASSWORD);
  });
});
