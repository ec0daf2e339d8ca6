// The pptp-login prober behind the prober contract (shared/probers/pptp-login/login-prober.ts) against
// the scripted in-memory gateway on a fake clock: what a login result becomes as a ProbeResult, its JSON,
// its human row and its history line; one attempt whatever is asked; the password read from its source
// when the login starts and found in no output; the GRE transport opened by the first login and closed
// when the last one ends; and the two ways this machine, not the gateway, can refuse to run a login.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PLAIN, formatResult } from '../../shared/cli/format-human.js';
import { toResultJson } from '../../shared/cli/result-json.js';
import { datumsForResult } from '../../shared/metrics/datums.js';
import type { ProbeDeps } from '../../shared/probe/deps.js';
import { FAILURE_CLASSES, FAILURE_CLASS_INFO } from '../../shared/probe/failure-classes.js';
import type { ProbeResult } from '../../shared/probe/types.js';
import { PPTP_LOGIN_FAILURE_CLASSES } from '../../shared/probers/pptp-login/login-check-options.js';
import { createGreTransportLease, type ClosableGreTransport } from '../../shared/probers/pptp-login/gre-transport-lease.js';
import { GreTransportError } from '../../shared/probers/pptp-login/gre-transport.js';
import { createPptpLoginProber, pptpLoginOptionsFor, type PptpLoginOptions } from '../../shared/probers/pptp-login/login-prober.js';
import { PasswordUnavailableError, passwordProvider, readPassword } from '../../shared/probers/pptp-login/password-source.js';
import { PPTP_CONTROL_FAILURE_CLASSES } from '../../shared/probers/pptp/options.js';
import { recordOfLine, resultLine } from '../../shared/store/result-line.js';
import { ASSIGNED_ADDRESS, FakeLoginGateway, GATEWAY_ADDRESS, GATEWAY_TUNNEL_ADDRESS, PASSWORD, USERNAME, type GatewayScript } from '../support/fake-login-gateway.js';

const STEP_MS = 5;

interface Run {
  gateway: FakeLoginGateway;
  result: ProbeResult;
  opened: number;
  closed: number;
}

/** Every output a login result reaches: the JSON, the human row, the history line, the metric points. */
function everyOutput(result: ProbeResult): string {
  return [
    JSON.stringify(result),
    JSON.stringify(toResultJson(result)),
    formatResult(result, PLAIN),
    JSON.stringify(resultLine(result, { region: 'local', intervalStart: 0 })),
    JSON.stringify(datumsForResult(result, { target: 'hq-login', region: 'local', intervalStart: 0 })),
  ].join('\n');
}

/** Runs one login through the prober, driving the gateway's fake clock until the result is in. */
async function probe(script: GatewayScript, options: Partial<PptpLoginOptions> = {}, host = GATEWAY_ADDRESS, resolve?: ProbeDeps['resolve']): Promise<Run> {
  // Prepare
  const gateway = new FakeLoginGateway(script);
  const counts = { opened: 0, closed: 0 };
  const transport: ClosableGreTransport = { open: (...args) => gateway.probeTransport.open(...args), close: () => void counts.closed++ };
  const lease = createGreTransportLease(() => {
    counts.opened++;
    return transport;
  }, 0);
  const prober = createPptpLoginProber({ transport: lease, randomBytes: gateway.randomBytes });
  const deps: ProbeDeps = {
    clock: gateway.clock,
    timers: gateway.clock.timersApi,
    connect: gateway.connect,
    resolve: resolve ?? (async () => ({ address: GATEWAY_ADDRESS, family: 4 })),
  };
  // Act
  let result: ProbeResult | undefined;
  let failure: unknown;
  prober.probe({ target: host, host, port: 1723 }, { username: USERNAME, password: async () => PASSWORD, timeoutMs: 5000, ...options }, deps).then(
    (r) => void (result = r),
    (err: unknown) => void (failure = err ?? new Error('rejected')),
  );
  for (let t = 0; result === undefined && failure === undefined && t < 20_000; t += STEP_MS) {
    for (let i = 0; i < 5; i++) await Promise.resolve();
    gateway.clock.advance(STEP_MS);
  }
  if (failure !== undefined) throw failure;
  if (result === undefined) throw new Error('the login never finished');
  expect(lease.open).toBe(false); // closed as soon as the last login ended (idleCloseMs 0)
  return { gateway, result, ...counts };
}

describe('pptp-login prober', () => {
  it('carries a successful login into ProbeResult: control timings, every stage, address, auth protocol, MPPE', async () => {
    const { result, opened, closed } = await probe({});
    expect(result).toMatchObject({ target: GATEWAY_ADDRESS, host: GATEWAY_ADDRESS, port: 1723, address: GATEWAY_ADDRESS, ok: true, attempts: 1 });
    expect(result.failure).toBeUndefined();
    for (const key of ['connectMs', 'controlMs', 'callMs', 'totalMs'] as const) expect(result.timings[key], key).toBeTypeOf('number');
    expect(result.timings.echoMs).toBeUndefined();
    expect(result.timings.dnsMs).toBeUndefined(); // an IP literal
    const login = result.login!;
    expect(Object.keys(login.timings).sort()).toEqual(['authMs', 'ccpMs', 'dataMs', 'greMs', 'ipcpMs', 'lcpMs']);
    for (const [key, ms] of Object.entries(login.timings)) expect(ms, key).toBeGreaterThanOrEqual(0);
    // peerName: the Name of the gateway's CHAP Challenge (the fake gateway's pppd `name`), part of its identity.
    expect(login).toMatchObject({ assignedAddress: ASSIGNED_ADDRESS, gatewayTunnelAddress: GATEWAY_TUNNEL_ADDRESS, authProtocol: 'mschapv2', mppe: 'mppe-128-stateless', peerName: 'fake-gw' });
    expect([opened, closed]).toEqual([1, 1]);
    expect(everyOutput(result)).not.toContain(PASSWORD);
  });

  it('writes the login into the JSON, the human row and the history line', async () => {
    const { result } = await probe({});
    const json = toResultJson(result);
    expect(Object.keys(json.timings)).toEqual(['connectMs', 'controlMs', 'callMs', 'greMs', 'lcpMs', 'authMs', 'ccpMs', 'ipcpMs', 'dataMs', 'totalMs']);
    expect(json.login).toEqual({ assignedAddress: ASSIGNED_ADDRESS, gatewayTunnelAddress: GATEWAY_TUNNEL_ADDRESS, authProtocol: 'mschapv2', mppe: 'mppe-128-stateless', peerName: 'fake-gw' });
    const row = formatResult(result, PLAIN);
    expect(row).toMatch(/^UP {4}192\.0\.2\.1 {2}connect [\d.]+ ms {2}control [\d.]+ ms {2}call [\d.]+ ms {2}gre [\d.]+ ms {2}lcp [\d.]+ ms {2}auth [\d.]+ ms {2}ccp [\d.]+ ms {2}ipcp [\d.]+ ms {2}data [\d.]+ ms {2}total [\d.]+ ms$/m);
    expect(row).toContain(`      login: address ${ASSIGNED_ADDRESS} (gateway ${GATEWAY_TUNNEL_ADDRESS}), MS-CHAPv2, MPPE 128-bit stateless`);
    const line = resultLine(result, { region: 'local', intervalStart: Date.UTC(2026, 0, 1) });
    expect(Object.keys(line)).toEqual(['v', 'interval', 'target', 'region', 'ok', 'attempts', 'totalMs', 'connectMs', 'controlMs', 'callMs', 'greMs', 'lcpMs', 'authMs', 'ccpMs', 'ipcpMs', 'dataMs', 'server', 'assignedAddress', 'authProtocol', 'mppe']);
    expect(line).toMatchObject({ assignedAddress: ASSIGNED_ADDRESS, authProtocol: 'mschapv2', mppe: 'mppe-128-stateless' });
    // The history keeps the PPP name with the SCCRP identity, so a backtest tells pptpd machines apart as the live monitor did.
    expect(line.server?.peerName).toBe('fake-gw');
    expect(recordOfLine(line).server?.peerName).toBe('fake-gw');
  });

  it('classifies E=691 as auth_rejected with the code and message, phase auth, one attempt even when three are asked', async () => {
    const { gateway, result } = await probe({}, { password: async () => 'wrong password', attempts: 3 });
    expect(result.ok).toBe(false);
    expect(result.attempts).toBe(1);
    expect(gateway.log.authResponses).toBe(1);
    expect(result.failure).toMatchObject({ class: 'auth_rejected', phase: 'auth', authErrorCode: 691 });
    expect(result.failure!.authMessage).toContain('691 ERROR_AUTHENTICATION_FAILURE');
    const json = toResultJson(result);
    expect(json.failure).toMatchObject({ class: 'auth_rejected', phase: 'auth', authErrorCode: 691, runbook: 'docs/runbooks/auth_rejected.md' });
    expect(json.timings.authMs).toBeUndefined();
    // Who rejected us is known from its Challenge: with several gateways behind one address, the one saying 691.
    expect(json.login).toEqual({ authProtocol: 'mschapv2', peerName: 'fake-gw' });
    const row = formatResult(result, PLAIN);
    expect(row).toContain('DOWN  192.0.2.1  auth_rejected in auth after');
    expect(row).toContain(FAILURE_CLASS_INFO.auth_rejected.explanation);
    expect(resultLine(result, { region: 'local', intervalStart: 0 })).toMatchObject({ failureClass: 'auth_rejected' });
    expect(everyOutput(result)).not.toContain('wrong password');
  });

  it('names what LCP refused in the human row', async () => {
    const { result } = await probe({ auth: 'pap' });
    expect(result.failure?.class).toBe('lcp_failed');
    expect(result.failure?.rejected?.length).toBeGreaterThan(0);
    expect(formatResult(result, PLAIN)).toContain(`      refused: ${result.failure!.rejected!.join('; ')}`);
    expect(toResultJson(result).failure?.rejected).toEqual(result.failure!.rejected);
  });

  it('skips the traffic stage with data off', async () => {
    const { result, gateway } = await probe({}, { data: false });
    expect(result.ok).toBe(true);
    expect(result.login?.timings.dataMs).toBeUndefined();
    expect(gateway.log.echoRequests).toBe(0);
    expect(toResultJson(result).timings.dataMs).toBeUndefined();
  });

  it('reports no GRE from the gateway as gre_blocked, with the control connection timed', async () => {
    const { result } = await probe({ gre: 'none' }, { timeoutMs: 3000 });
    expect(result.failure?.class).toBe('gre_blocked');
    expect(result.failure?.phase).toBe('gre');
    expect(result.timings.callMs).toBeTypeOf('number');
  });

  it('resolves a host name to IPv4 and times the lookup', async () => {
    const asked: Array<4 | 6 | undefined> = [];
    const { result } = await probe({}, {}, 'vpn.example.com', async (_host, _signal, family) => {
      asked.push(family);
      return { address: GATEWAY_ADDRESS, family: 4 };
    });
    expect(asked).toEqual([4]);
    expect(result).toMatchObject({ ok: true, host: 'vpn.example.com', address: GATEWAY_ADDRESS });
    expect(result.timings.dnsMs).toBeTypeOf('number');
  });

  it('refuses an IPv6 gateway as network_unreachable without sending anything', async () => {
    const { result, gateway } = await probe({}, {}, '2001:db8::1');
    expect(result.failure).toMatchObject({ class: 'network_unreachable', code: 'ipv6_unsupported', phase: 'connect' });
    expect(gateway.log.control).toHaveLength(0);
  });

  it('rejects, before any packet, when the password cannot be read, and opens no socket', async () => {
    const gateway = new FakeLoginGateway({});
    let opened = 0;
    const lease = createGreTransportLease(() => {
      opened++;
      return { open: (...args) => gateway.probeTransport.open(...args), close: () => undefined };
    }, 0);
    const prober = createPptpLoginProber({ transport: lease, randomBytes: gateway.randomBytes });
    const deps: ProbeDeps = { clock: gateway.clock, timers: gateway.clock.timersApi, connect: gateway.connect, resolve: async () => ({ address: GATEWAY_ADDRESS, family: 4 }) };
    await expect(prober.probe({ target: GATEWAY_ADDRESS, host: GATEWAY_ADDRESS, port: 1723 }, { username: USERNAME, password: passwordProvider({ env: 'NO_SUCH_VARIABLE_HERE' }, {}) }, deps)).rejects.toThrow(
      new PasswordUnavailableError('env_unset', 'environment variable NO_SUCH_VARIABLE_HERE', 'not set'),
    );
    expect(opened).toBe(0);
    expect(gateway.log.control).toHaveLength(0);
  });

  it('rejects with the transport error (no CAP_NET_RAW) and leaves nothing open', async () => {
    const gateway = new FakeLoginGateway({});
    const lease = createGreTransportLease(() => {
      throw new GreTransportError('permission_denied', 'cannot open a raw GRE socket: Operation not permitted (CAP_NET_RAW missing)');
    }, 0);
    const prober = createPptpLoginProber({ transport: lease, randomBytes: gateway.randomBytes });
    const deps: ProbeDeps = { clock: gateway.clock, timers: gateway.clock.timersApi, connect: gateway.connect, resolve: async () => ({ address: GATEWAY_ADDRESS, family: 4 }) };
    const err: unknown = await prober.probe({ target: GATEWAY_ADDRESS, host: GATEWAY_ADDRESS, port: 1723 }, { username: USERNAME, password: async () => PASSWORD }, deps).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GreTransportError);
    expect((err as GreTransportError).code).toBe('permission_denied');
    expect(lease.open).toBe(false);
    expect(gateway.log.control).toHaveLength(0);
    expect(gateway.clock.pendingTimers).toBe(0);
  });

  it('builds a configured login target\'s options: its deadline, one attempt, its settings, the password from its source', async () => {
    const options = pptpLoginOptionsFor({ timeout: 8000, login: { username: 'CORP\\monitor', password: { env: 'HQ_PW' }, data: false, auth: ['mschapv2', 'chap-md5'] } });
    expect(options).toMatchObject({ timeoutMs: 8000, attempts: 1, username: 'CORP\\monitor', data: false, auth: ['mschapv2', 'chap-md5'], requireMppe: true });
    expect(JSON.stringify(options)).not.toContain('HQ_PW'); // the source stays inside the provider
  });

  it('lists every class a login reports in taxonomy order, and the control probe\'s are the first thirteen', () => {
    const order = (classes: readonly string[]): number[] => classes.map((c) => FAILURE_CLASSES.indexOf(c as never));
    expect(order(PPTP_LOGIN_FAILURE_CLASSES)).toEqual([...order(PPTP_LOGIN_FAILURE_CLASSES)].sort((a, b) => a - b));
    expect(PPTP_CONTROL_FAILURE_CLASSES).toEqual(FAILURE_CLASSES.slice(0, 13));
    expect(FAILURE_CLASSES.slice(13)).toEqual(['gre_blocked', 'gre_one_way', 'lcp_failed', 'auth_rejected', 'auth_timeout', 'auth_spoofed', 'encryption_refused', 'no_address', 'no_traffic']);
    expect(PPTP_LOGIN_FAILURE_CLASSES.filter((c) => !PPTP_CONTROL_FAILURE_CLASSES.includes(c))).toEqual(FAILURE_CLASSES.slice(13));
  });
});

describe('the GRE transport lease', () => {
  it('opens on the first login, shares one transport, and closes only after the last one has been idle', async () => {
    let opened = 0;
    let closed = 0;
    const lease = createGreTransportLease(() => {
      opened++;
      return { open: () => ({ send: () => undefined, stats: () => ({ delivered: 0, dropped: 0, strayFromPeer: 0, lastStrayCallId: undefined, sendErrors: 0, lastSendError: undefined }), close: () => undefined }), close: () => void closed++ };
    }, 20);
    expect(lease.open).toBe(false);
    const a = lease.acquire();
    const b = lease.acquire();
    expect(a).toBe(b);
    lease.release();
    expect(lease.open).toBe(true);
    lease.release();
    expect([opened, closed, lease.open]).toEqual([1, 0, true]); // idle, not closed yet
    const c = lease.acquire(); // a login within the grace period reuses it
    expect(c).toBe(a);
    lease.release();
    await new Promise((r) => setTimeout(r, 60));
    expect([opened, closed, lease.open]).toEqual([1, 1, false]);
    lease.acquire(); // the next login opens afresh
    expect(opened).toBe(2);
    lease.close();
    expect([closed, lease.open]).toEqual([2, false]);
  });
});

describe('password sources', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pw-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads an environment variable, and names an unset or empty one without a value', async () => {
    await expect(readPassword({ env: 'PW' }, { PW: 's3cret' })).resolves.toBe('s3cret');
    await expect(readPassword({ env: 'PW' }, {})).rejects.toThrow(/^environment variable PW: not set$/);
    await expect(readPassword({ env: 'PW' }, { PW: '' })).rejects.toThrow(/^environment variable PW: is empty$/);
  });

  it('reads a file without its one trailing newline, and says what is wrong with a missing, empty or huge one', async () => {
    const file = (name: string, text: string): string => {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    };
    await expect(readPassword({ file: file('lf', 'pa ss\n') })).resolves.toBe('pa ss');
    await expect(readPassword({ file: file('crlf', 'pass\r\n') })).resolves.toBe('pass');
    await expect(readPassword({ file: file('two', 'pass\n\n') })).resolves.toBe('pass\n');
    await expect(readPassword({ file: file('empty', '\n') })).rejects.toThrow(`password file ${join(dir, 'empty')}: is empty`);
    await expect(readPassword({ file: join(dir, 'missing') })).rejects.toThrow(`password file ${join(dir, 'missing')}: file not found`);
    await expect(readPassword({ file: dir })).rejects.toThrow(`password file ${dir}: is a directory, not a file`);
    const huge = file('huge', 'x'.repeat(5000));
    const err: unknown = await readPassword({ file: huge }).catch((e: unknown) => e);
    expect((err as Error).message).toBe(`password file ${huge}: larger than 4096 bytes, so not a password file`);
    expect((err as Error).message).not.toContain('xxxx');
  });
});
