// The test PPP responder without pptpd: the bundled program spawned with pipes (no tty, so no raw
// mode), HDLC frames in and out built with the shared codec, and a minimal client made of the
// client-side automaton, policies, MS-CHAPv2 and MPPE driving it. Each scenario must end the way
// its failure class says, and the responder's log must say what it did, never the password.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeHdlcFrame, HdlcDecoder } from '../../shared/probers/pptp-login/hdlc.js';
import type { ResponderLogEntry } from '../support/pptpd-login.js';
import { RESPONDER_BUNDLE } from '../support/pptpd-login.js';
import type { ScenarioFile } from '../support/ppp-responder/scenario.js';
import { MinimalPppClient, type TestClientOptions, type TestClientOutcome } from '../support/ppp-responder/test-client.js';

const USER = 'probe';
const PASSWORD = 'Pa55-w0rd!unit';
/** What pptpd 1.4.0 passes (see test/support/ppp-responder/main.ts), with our options in front. */
const PPTPD_ARGS = ['local', 'file', '/etc/ppp/options.pptpd', '115200', '10.1.0.1:10.1.0.2', 'ipparam', '127.0.0.1', 'remotenumber', '127.0.0.1'];
/** Short timers: the Stopping pause and retransmissions are the responder's restartMs. */
const RESTART_MS = 300;

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

interface Run {
  outcome: TestClientOutcome;
  log: ResponderLogEntry[];
  logText: string;
  exitCode: number | null;
  stderr: string;
}

function events(log: readonly ResponderLogEntry[]): string[] {
  return log.map((e) => e.event).filter((e) => e !== 'tx' && e !== 'rx');
}

/** Spawns the responder with pipes, drives it with the minimal client, and collects the outcome and the log. */
async function runResponder(
  scenario: Partial<ScenarioFile> & Pick<ScenarioFile, 'scenario'>,
  client: Partial<TestClientOptions> = {},
  options: { garbageFirst?: Buffer; extraArgs?: string[] } = {},
): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'ppp-responder-unit-'));
  dirs.push(dir);
  const scenarioPath = join(dir, 'scenario.json');
  const logPath = join(dir, 'responder.log');
  writeFileSync(scenarioPath, JSON.stringify({ user: USER, password: PASSWORD, restartMs: RESTART_MS, maxLifetimeMs: 15_000, ...scenario }));
  const child = spawn(process.execPath, [RESPONDER_BUNDLE, '--scenario', scenarioPath, '--log', logPath, ...(options.extraArgs ?? []), ...PPTPD_ARGS], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  child.stdin.on('error', () => undefined); // the responder may exit first
  if (options.garbageFirst) child.stdin.write(options.garbageFirst);

  const ppp = new MinimalPppClient({
    user: USER,
    password: PASSWORD,
    restartMs: RESTART_MS,
    maxConfigure: 4,
    authTimeoutMs: 800,
    echoTimeoutMs: 800,
    deadlineMs: 8000,
    closeTimeoutMs: 1000,
    ...client,
    send: (frame) => {
      if (child.stdin.writable) child.stdin.write(encodeHdlcFrame(frame));
    },
  });
  const decoder = new HdlcDecoder();
  child.stdout.on('data', (chunk: Buffer) => decoder.push(chunk, (frame) => ppp.receive(frame)));
  ppp.start();
  const outcome = await ppp.outcome;
  // The responder ends by itself after a Terminate exchange; closing its input ends it otherwise.
  const exitCode = await Promise.race([exited, new Promise<'running'>((r) => setTimeout(() => r('running'), 4 * RESTART_MS + 500))]).then((code) => {
    if (code !== 'running') return code;
    child.stdin.end();
    return exited;
  });
  const logText = readFileSync(logPath, 'utf8');
  const log = logText
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as ResponderLogEntry);
  return { outcome, log, logText, exitCode, stderr };
}

describe('ppp-responder over pipes', () => {
  it('plays success: MS-CHAPv2 verified both ways, MPPE 128-bit stateless, the address pptpd names, echoes answered', async () => {
    // Act
    const run = await runResponder({ scenario: 'success' });
    // Assess
    expect(run.outcome).toMatchObject({
      ok: true,
      failure: undefined,
      stages: ['lcp', 'auth', 'ccp', 'ipcp', 'data'],
      auth: 'mschapv2',
      mppe: true,
      localAddress: '10.1.0.2',
      peerAddress: '10.1.0.1',
      lcpEchoAnswered: true,
      icmpEchoAnswered: true,
      terminated: true,
    });
    expect(events(run.log)).toEqual(
      expect.arrayContaining(['start', 'scenario', 'lcp_opened', 'chap_challenge', 'chap_response', 'auth_success', 'ccp_opened', 'ipcp_opened', 'icmp_echo_replied', 'lcp_finished', 'exit']),
    );
    expect(run.log.find((e) => e.event === 'ccp_opened')).toMatchObject({ mppe: '128-bit stateless' });
    expect(run.log.find((e) => e.event === 'icmp_echo_replied')).toMatchObject({ encrypted: true, to: '10.1.0.2' });
    // No tty (node's 'pipe' stdio is a socket pair): no raw mode, and the fds are reported as such.
    expect(events(run.log)).not.toContain('tty_raw');
    expect(run.log[0]).toMatchObject({ event: 'start', fds: { 0: expect.stringContaining('(socket)'), 1: expect.stringContaining('(socket)') } });
    expect(run.log[0]!['ignoredArgs']).toEqual(['local', '115200', 'remotenumber', '127.0.0.1']);
    // The client's Terminate-Request ends the link; the responder exits by itself after its Stopping pause.
    expect(run.log.find((e) => e.event === 'exit')).toMatchObject({ reason: expect.stringContaining('peer_terminated'), hdlcDiscarded: { bad_fcs: 0 } });
    expect(run.exitCode).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.logText).not.toContain(PASSWORD);
  });

  it('answers E=691 to a wrong password in the success scenario, then terminates the link', async () => {
    const run = await runResponder({ scenario: 'success' }, { password: 'not-the-password' });
    expect(run.outcome.failure?.kind).toBe('auth_rejected');
    expect(run.outcome.mschapError).toBe(691);
    expect(run.log.find((e) => e.event === 'auth_failure')).toMatchObject({ reason: 'wrong user or password' });
    expect(run.log.find((e) => e.event === 'exit')).toMatchObject({ reason: 'refused: authentication failed: wrong user or password' });
    expect(run.logText).not.toContain(PASSWORD);
  });

  it('plays auth_rejected: E=691 R=0 for the right password', async () => {
    const run = await runResponder({ scenario: 'auth_rejected' });
    expect(run.outcome).toMatchObject({ ok: false, failure: { kind: 'auth_rejected' }, mschapError: 691, stages: ['lcp'], terminated: true });
    expect(run.outcome.failure?.message).toBe('MS-CHAPv2 Failure 691 ERROR_AUTHENTICATION_FAILURE: Authentication failed');
    expect(events(run.log)).not.toContain('auth_success');
    expect(run.exitCode).toBe(0);
  });

  it('plays auth_silent: the Response is never answered', async () => {
    const run = await runResponder({ scenario: 'auth_silent' });
    expect(run.outcome).toMatchObject({ ok: false, failure: { kind: 'auth_silent' }, stages: ['lcp'] });
    expect(events(run.log)).toContain('auth_response_ignored');
    expect(events(run.log)).not.toContain('auth_success');
    expect(events(run.log)).not.toContain('auth_failure');
  });

  it('plays bad_authenticator: Success whose S= does not verify', async () => {
    const run = await runResponder({ scenario: 'bad_authenticator' });
    expect(run.outcome).toMatchObject({ ok: false, failure: { kind: 'bad_authenticator' }, stages: ['lcp'] });
    expect(run.log.find((e) => e.event === 'auth_success')).toMatchObject({ scenario: 'bad_authenticator' });
  });

  it.each([
    ['configure-reject', 'CCP: the peer rejected MPPE'],
    ['protocol-reject', 'the gateway Protocol-Rejected CCP'],
  ] as const)('plays mppe_refused by %s', async (mppeRefusal, message) => {
    const run = await runResponder({ scenario: 'mppe_refused', mppeRefusal });
    expect(run.outcome).toMatchObject({ ok: false, failure: { kind: 'mppe_refused', message }, mppe: false });
    expect(run.outcome.stages).not.toContain('ccp');
    if (mppeRefusal === 'protocol-reject') expect(run.log.find((e) => e.event === 'protocol_reject')).toMatchObject({ protocol: 'CCP' });
  });

  it.each([
    ['reject', 'IPCP: the peer rejected IP-Address; it will not assign the probe an address'],
    ['silent', 'IPCP: no reply to 4 Configure-Requests'],
  ] as const)('plays no_address by %s', async (noAddress, message) => {
    const run = await runResponder({ scenario: 'no_address', noAddress });
    expect(run.outcome).toMatchObject({ ok: false, failure: { kind: 'no_address', message }, localAddress: undefined });
    expect(run.outcome.stages).not.toContain('ipcp');
    if (noAddress === 'silent') expect(events(run.log)).toContain('ipcp_request_ignored');
  });

  it('plays no_traffic: the LCP echo is answered, the ICMP echo through MPPE is dropped', async () => {
    const run = await runResponder({ scenario: 'no_traffic' });
    expect(run.outcome).toMatchObject({ ok: false, failure: { kind: 'no_traffic' }, stages: ['lcp', 'auth', 'ccp', 'ipcp'], lcpEchoAnswered: true, icmpEchoAnswered: false });
    expect(run.log.find((e) => e.event === 'icmp_echo_dropped')).toMatchObject({ encrypted: true });
  });

  it('plays terminate: LCP Terminate-Request once IPCP is open', async () => {
    const run = await runResponder({ scenario: 'terminate' });
    expect(run.outcome).toMatchObject({ ok: false, failure: { kind: 'peer_terminated' }, terminated: true });
    expect(run.outcome.stages).toEqual(expect.arrayContaining(['lcp', 'auth', 'ccp', 'ipcp']));
    expect(events(run.log)).toEqual(expect.arrayContaining(['ipcp_opened', 'terminate_request', 'lcp_finished']));
    expect(run.log.find((e) => e.event === 'exit')).toMatchObject({ reason: 'refused: scenario terminate' });
  });

  it.each(['chap-md5', 'pap'] as const)('logs in with %s and echoes in the clear (no MPPE keys without MS-CHAPv2)', async (auth) => {
    const run = await runResponder({ scenario: 'success', auth });
    expect(run.outcome).toMatchObject({ ok: true, auth, mppe: false, stages: ['lcp', 'auth', 'ipcp', 'data'] });
    expect(run.log.find((e) => e.event === 'icmp_echo_replied')).toMatchObject({ encrypted: false });
    expect(run.logText).not.toContain(PASSWORD);
  });

  it.each(['chap-md5', 'pap'] as const)('rejects a wrong %s password', async (auth) => {
    const run = await runResponder({ scenario: 'success', auth }, { password: 'wrong' });
    expect(run.outcome.failure?.kind).toBe('auth_rejected');
    expect(run.log.find((e) => e.event === 'auth_failure')).toMatchObject({ reason: 'wrong user or password' });
  });

  it('discards a frame with a bad FCS and garbage before the first flag, then plays the scenario', async () => {
    // Prepare: an LCP Configure-Request with its last FCS octet flipped, after bytes that are no frame at all.
    const frame = encodeHdlcFrame(Buffer.from([0xff, 0x03, 0xc0, 0x21, 0x01, 0x09, 0x00, 0x04]));
    frame[frame.length - 2] = frame[frame.length - 2]! ^ 0x01;
    const garbage = Buffer.concat([Buffer.from('noise without flags'), frame]);
    // Act
    const run = await runResponder({ scenario: 'success' }, {}, { garbageFirst: garbage });
    // Assess
    expect(run.outcome.ok).toBe(true);
    expect(run.log.find((e) => e.event === 'exit')).toMatchObject({ hdlcDiscarded: { bad_fcs: 2 } });
  });

  it('exits 2 with every scenario problem in one log line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ppp-responder-unit-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ scenario: 'sometimes', user: 'probe', password: '', restartMs: 5, colour: 'blue' }));
    const child = spawn(process.execPath, [RESPONDER_BUNDLE, '--scenario', join(dir, 'bad.json'), '--log', join(dir, 'log')], { stdio: ['pipe', 'pipe', 'pipe'] });
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(2);
    const log = readFileSync(join(dir, 'log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as ResponderLogEntry);
    expect(log.at(-1)).toMatchObject({
      event: 'usage_error',
      message:
        'invalid scenario: unknown key "colour"; scenario must be one of success, auth_rejected, auth_silent, bad_authenticator, mppe_refused, no_address, no_traffic, terminate, not "sometimes"; password must be a string of 1 to 255 characters; restartMs must be an integer number of milliseconds from 50 to 10000',
    });
  });
});
