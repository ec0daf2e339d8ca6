// Real pptpd, our GRE against theirs (issue 11): Debian's pptpd 1.4.0 in a namespace the test
// creates, with the test PPP responder as its `ppp` program. The test opens the control connection
// and an Outgoing-Call with the project's PPTP codec, then speaks enhanced GRE to pptpd through a
// raw socket; pptpd turns each GRE payload into an HDLC frame on the responder's pty and checks the
// FCS of every frame coming back. A minimal PPP client drives each scenario through that path.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openPptpGreCall, rawGreUnavailableReason, type PptpGreCall } from '../support/pptp-gre-call.js';
import { GATEWAY_LOCAL_IP, GATEWAY_REMOTE_IP, startPptpdLogin, type PptpdLoginGateway, type ResponderLogEntry } from '../support/pptpd-login.js';
import { requirePptpd } from '../support/pptpd.js';
import type { ScenarioFile } from '../support/ppp-responder/scenario.js';
import { MinimalPppClient, type TestClientOptions, type TestClientOutcome } from '../support/ppp-responder/test-client.js';

const USER = 'probe';
const PASSWORD = 'Gre-through-pptpd!1';
/** The responder's Restart timer, in ms: short, so that its Stopping pause does not slow the suite. */
const RESPONDER_RESTART_MS = 400;

function events(log: readonly ResponderLogEntry[]): string[] {
  return log.map((e) => e.event).filter((e) => e !== 'tx' && e !== 'rx');
}

describe('real pptpd carrying logins to the test PPP responder', () => {
  let gateway: PptpdLoginGateway | undefined;
  let skipReason: string | undefined;

  beforeAll(async () => {
    skipReason = (await requirePptpd()) ?? rawGreUnavailableReason();
    if (skipReason && process.env['CI'] === 'true') throw new Error(`CI must run the pptpd login tests, but ${skipReason}`);
    if (skipReason) {
      console.warn(`skipping pptpd responder tests: ${skipReason}`);
      return;
    }
    gateway = await startPptpdLogin('pptpd-login', { scenario: 'success', user: USER, password: PASSWORD });
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  beforeEach(() => gateway?.clearResponderLog());

  /** One call: the scenario for the responder pptpd starts, the client over GRE, the call cleared. */
  async function login(
    gw: PptpdLoginGateway,
    scenario: Partial<ScenarioFile> & Pick<ScenarioFile, 'scenario'>,
    client: Partial<TestClientOptions> = {},
    watch: (frame: Buffer) => void = () => undefined,
  ): Promise<{ outcome: TestClientOutcome; call: PptpGreCall; droppedByPptpd: boolean }> {
    gw.setScenario({ user: USER, password: PASSWORD, restartMs: RESPONDER_RESTART_MS, maxLifetimeMs: 15_000, ...scenario });
    const call = await openPptpGreCall(gw.netns.name);
    const ppp = new MinimalPppClient({ user: USER, password: PASSWORD, authTimeoutMs: 1000, echoTimeoutMs: 1000, deadlineMs: 8000, ...client, send: (frame) => call.send(frame) });
    call.onFrame((frame) => {
      watch(frame);
      ppp.receive(frame);
    });
    ppp.start();
    const outcome = await ppp.outcome;
    // Where the responder ends the link it exits, and pptpctrl then drops the whole connection.
    const droppedByPptpd = await Promise.race([call.controlClosed.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 3 * RESPONDER_RESTART_MS + 500))]);
    await call.close();
    await gw.waitForResponderLog((e) => e.event === 'exit');
    return { outcome, call, droppedByPptpd };
  }

  it('logs in end to end: pptpd execs the responder with pppd arguments, its environment and a cooked pty the responder makes raw', async (ctx) => {
    if (!gateway) return ctx.skip(skipReason);
    // Act
    const { outcome, call } = await login(gateway, { scenario: 'success' });
    // Assess: the whole login through pptpd's GRE and HDLC.
    expect(outcome).toMatchObject({
      ok: true,
      stages: ['lcp', 'auth', 'ccp', 'ipcp', 'data'],
      auth: 'mschapv2',
      mppe: true,
      localAddress: GATEWAY_REMOTE_IP,
      peerAddress: GATEWAY_LOCAL_IP,
      lcpEchoAnswered: true,
      icmpEchoAnswered: true,
      terminated: true,
    });
    // pptpd's GRE: sequence numbers from 0, and it acknowledged ours.
    expect(call.stats.greReceived).toBeGreaterThanOrEqual(6);
    expect(call.stats.lastSequence).toBe(call.stats.greReceived - 1);
    expect(call.stats.lastAck).toBeGreaterThanOrEqual(0);
    // How pptpctrl started the responder.
    const log = gateway.responderLog();
    const start = log.find((e) => e.event === 'start')!;
    const dir = gateway.dir;
    expect(start['argv']).toEqual([
      '--scenario',
      `${dir}/scenario.json`,
      '--log',
      `${dir}/responder.log`,
      'local',
      'file',
      `${dir}/options`,
      '115200',
      `${GATEWAY_LOCAL_IP}:${GATEWAY_REMOTE_IP}`,
      'ipparam',
      '127.0.0.1',
      'remotenumber',
      '127.0.0.1',
    ]);
    expect(start['runId']).toBe(gateway.runId); // pptpd forwards its environment
    expect(start['fds']).toMatchObject({ 0: expect.stringMatching(/^\/dev\/pts\/\d+ \(character device, tty\)$/), 1: expect.stringMatching(/^\/dev\/pts\/\d+ \(character device, tty\)$/) });
    const raw = log.find((e) => e.event === 'tty_raw')!;
    expect(raw['before']).toEqual(expect.arrayContaining(['icanon', 'isig', 'icrnl', 'opost', '-echo']));
    expect(raw['after']).toEqual(expect.arrayContaining(['-icanon', '-isig', '-icrnl', '-opost', '-iexten', '-echo']));
    // Every frame pptpctrl wrote to the pty had a good FCS, and the responder's frames passed pptpctrl's check (the login worked).
    expect(log.find((e) => e.event === 'exit')).toMatchObject({ hdlcDiscarded: { bad_fcs: 0, too_short: 0, too_long: 0, aborted: 0 } });
    expect(log.find((e) => e.event === 'icmp_echo_replied')).toMatchObject({ encrypted: true, to: GATEWAY_REMOTE_IP });
    expect(JSON.stringify(log)).not.toContain(PASSWORD);
  });

  /** Each scenario: what the client must conclude, and the responder's log line that shows it played the part. */
  const scenarios: Array<[string, Partial<ScenarioFile> & Pick<ScenarioFile, 'scenario'>, Partial<TestClientOutcome>, Partial<ResponderLogEntry>]> = [
    ['auth_rejected', { scenario: 'auth_rejected' }, { failure: { kind: 'auth_rejected', message: 'MS-CHAPv2 Failure 691 ERROR_AUTHENTICATION_FAILURE: Authentication failed' }, mschapError: 691 }, { event: 'auth_failure', reason: 'scenario auth_rejected' }],
    ['auth_silent', { scenario: 'auth_silent' }, { failure: { kind: 'auth_silent', message: 'no answer to mschapv2 within 1000 ms' } }, { event: 'auth_response_ignored' }],
    ['bad_authenticator', { scenario: 'bad_authenticator' }, { failure: { kind: 'bad_authenticator', message: 'the MS-CHAPv2 authenticator response does not verify' } }, { event: 'auth_success', scenario: 'bad_authenticator' }],
    ['mppe_refused (Configure-Reject)', { scenario: 'mppe_refused' }, { failure: { kind: 'mppe_refused', message: 'CCP: the peer rejected MPPE' }, mppe: false }, { event: 'tx', protocol: 'CCP', code: 4 }],
    ['mppe_refused (Protocol-Reject)', { scenario: 'mppe_refused', mppeRefusal: 'protocol-reject' }, { failure: { kind: 'mppe_refused', message: 'the gateway Protocol-Rejected CCP' } }, { event: 'protocol_reject', protocol: 'CCP' }],
    ['no_address', { scenario: 'no_address' }, { failure: { kind: 'no_address', message: 'IPCP: the peer rejected IP-Address; it will not assign the probe an address' }, localAddress: undefined }, { event: 'tx', protocol: 'IPCP', code: 4 }],
    ['no_traffic', { scenario: 'no_traffic' }, { failure: { kind: 'no_traffic', message: 'no reply to the ICMP echo within 1000 ms' }, lcpEchoAnswered: true }, { event: 'icmp_echo_dropped', encrypted: true }],
    ['terminate', { scenario: 'terminate' }, { failure: { kind: 'peer_terminated', message: 'the gateway sent LCP Terminate-Request' }, terminated: true }, { event: 'terminate_request' }],
  ];

  it.for(scenarios)('plays %s through pptpd', async ([, scenario, expected, responderEntry], ctx) => {
    if (!gateway) return ctx.skip(skipReason);
    const { outcome } = await login(gateway, scenario);
    expect(outcome).toMatchObject({ ok: false, ...expected });
    expect(gateway.responderLog()).toContainEqual(expect.objectContaining(responderEntry));
  });

  it("discards a responder frame whose FCS is wrong: the first LCP Configure-Request only gets through when retransmitted", async (ctx) => {
    if (!gateway) return ctx.skip(skipReason);
    // Prepare: the responder spoils the FCS of its first frame (its first Configure-Request).
    const lcpConfigureRequest = Buffer.from([0xff, 0x03, 0xc0, 0x21, 0x01]);
    let requestsReceived = 0;
    // Act
    const { outcome } = await login(gateway, { scenario: 'success', badFcsFrames: 1 }, {}, (frame) => {
      if (frame.subarray(0, lcpConfigureRequest.length).equals(lcpConfigureRequest)) requestsReceived++;
    });
    // Assess
    expect(outcome.ok).toBe(true);
    const log = gateway.responderLog();
    const requestsSent = log.filter((e) => e.event === 'tx' && e['protocol'] === 'LCP' && e['code'] === 1).length;
    expect(log.filter((e) => e.event === 'tx_bad_fcs')).toHaveLength(1);
    expect(requestsSent).toBe(2);
    expect(requestsReceived).toBe(1);
  });

  it('hangs up the whole connection when the responder ends the link, as pptpd does when pppd exits', async (ctx) => {
    if (!gateway) return ctx.skip(skipReason);
    const { outcome, droppedByPptpd } = await login(gateway, { scenario: 'auth_rejected' });
    expect(outcome.failure?.kind).toBe('auth_rejected');
    expect(droppedByPptpd).toBe(true);
    expect(gateway.responderLog().find((e) => e.event === 'exit')).toMatchObject({ reason: 'refused: authentication failed: scenario auth_rejected' });
  });

  it.for(['chap-md5', 'pap'] as const)('logs in with %s and echoes in the clear (no MPPE keys without MS-CHAPv2)', async (auth, ctx) => {
    if (!gateway) return ctx.skip(skipReason);
    const { outcome } = await login(gateway, { scenario: 'success', auth });
    expect(outcome).toMatchObject({ ok: true, auth, mppe: false, stages: ['lcp', 'auth', 'ipcp', 'data'] });
    expect(gateway.responderLog()).toContainEqual(expect.objectContaining({ event: 'icmp_echo_replied', encrypted: false }));
  });
});
