// The login session against a scripted in-memory gateway (test/support/fake-login-gateway.ts) on a
// fake clock: a full MS-CHAPv2 + MPPE + IPCP + echo login, then each way a login fails, and hostile
// peers. Every case checks the class, the stage timings, that teardown went out, and that the
// result came within the deadline + 50 ms.
import { describe, expect, it } from 'vitest';
import { ControlCode, PppProtocol } from '../../shared/probers/pptp-login/constants.js';
import { FAILURE_CLASS_INFO } from '../../shared/probe/failure-classes.js';
import { PPTP_LOGIN_FAILURE_CLASSES } from '../../shared/probers/pptp-login/login-check-options.js';
import { runLoginSession } from '../../shared/probers/pptp-login/login-session.js';
import { DEFAULT_LOGIN_OPTIONS, type LoginOptions, type LoginResult, type LoginTimings } from '../../shared/probers/pptp-login/login-types.js';
import { ControlMessageType } from '../../shared/probers/pptp/index.js';
import { MemoryGreNetwork, MemoryGreTransport } from '../../shared/probers/pptp-login/gre-transport-memory.js';
import { FakeClock } from '../support/fake-io.js';
import { ASSIGNED_ADDRESS, FakeLoginGateway, GATEWAY_ADDRESS, GATEWAY_CALL_ID, GATEWAY_TUNNEL_ADDRESS, LATENCY_MS, PASSWORD, USERNAME, type GatewayScript } from '../support/fake-login-gateway.js';

const DEADLINE_SLACK_MS = 50;
const STEP_MS = 5;

interface Run {
  gateway: FakeLoginGateway;
  result: LoginResult;
  /** ms from start to the result, on the fake clock. */
  elapsedMs: number;
  options: LoginOptions;
}

function login(script: GatewayScript, overrides: Partial<LoginOptions> = {}, password = PASSWORD): Run {
  // Prepare
  const gateway = new FakeLoginGateway(script);
  const options: LoginOptions = { ...DEFAULT_LOGIN_OPTIONS, timeoutMs: 5000, ...overrides };
  let result: LoginResult | undefined;
  let doneAt = 0;
  const startedAt = gateway.clock.now();
  // Act
  runLoginSession(
    { address: GATEWAY_ADDRESS, port: 1723 },
    { username: USERNAME, password },
    options,
    { clock: gateway.clock, timers: gateway.clock.timersApi, connect: gateway.connect, gre: gateway.probeTransport, randomBytes: gateway.randomBytes },
    (r) => {
      if (result) throw new Error('done called twice');
      result = r;
      doneAt = gateway.clock.now();
    },
  );
  for (let t = 0; !result && t < options.timeoutMs + 5000; t += STEP_MS) gateway.clock.advance(STEP_MS);
  if (!result) throw new Error('the login never finished');
  // Let what the probe sent last (teardown at the deadline) reach the gateway.
  gateway.clock.advance(50);
  return { gateway, result, elapsedMs: doneAt - startedAt, options };
}

const TIMING_KEYS: readonly (keyof LoginTimings)[] = ['connectMs', 'controlMs', 'callMs', 'greMs', 'lcpMs', 'authMs', 'ccpMs', 'ipcpMs', 'dataMs', 'totalMs'];

/** Every key present; those listed are numbers ≥ 0, the rest undefined. */
function expectTimings(timings: LoginTimings, measured: readonly (keyof LoginTimings)[]): void {
  expect(Object.keys(timings).sort()).toEqual([...TIMING_KEYS].sort());
  for (const key of TIMING_KEYS) {
    if (measured.includes(key) || key === 'totalMs') {
      expect(timings[key], key).toBeTypeOf('number');
      expect(timings[key]!, key).toBeGreaterThanOrEqual(0);
    } else expect(timings[key], key).toBeUndefined();
  }
}

function lcpCodes(run: Run): number[] {
  return run.gateway.log.ppp.filter((p) => p.protocol === PppProtocol.Lcp).map((p) => p.code);
}

function controlTypes(run: Run): number[] {
  return run.gateway.log.control.map((m) => m.type);
}

/** The teardown the gateway saw: LCP Terminate-Request when LCP ran, Call-Clear when the call was up, always Stop. */
function expectTeardown(run: Run, parts: { lcp: boolean; callClear: boolean; lcpReachesGateway?: boolean }): void {
  const { result } = run;
  if (parts.lcp) {
    expect(result.teardown.lcpTerminate).toBe(true);
    if (parts.lcpReachesGateway !== false) expect(lcpCodes(run)).toContain(ControlCode.TerminateRequest);
  }
  if (parts.callClear) {
    expect(result.teardown.callClear).toBe(true);
    expect(controlTypes(run)).toContain(ControlMessageType.CallClearRequest);
  }
  expect(result.teardown.stopControl).toBe(true);
  expect(controlTypes(run)).toContain(ControlMessageType.StopControlConnectionRequest);
  expect(run.gateway.probeSocketOpen).toBe(false);
  expect(run.gateway.probeTransport.openChannels).toBe(0);
}

function expectWithinDeadline(run: Run): void {
  expect(run.elapsedMs).toBeLessThanOrEqual(run.options.timeoutMs + DEADLINE_SLACK_MS);
  expect(run.result.timings.totalMs).toBe(run.elapsedMs);
}

describe('runLoginSession', () => {
  it('logs in with MS-CHAPv2, MPPE-128 stateless and IPCP, and gets an echo reply through the encrypted tunnel', () => {
    const run = login({});
    const { result } = run;
    expect(result.failure).toBeUndefined();
    expect(result.ok).toBe(true);
    expect(result.authProtocol).toBe('mschapv2');
    expect(result.mppe).toBe('mppe-128-stateless');
    expect(result.assignedAddress).toBe(ASSIGNED_ADDRESS);
    expect(result.gatewayTunnelAddress).toBe(GATEWAY_TUNNEL_ADDRESS);
    expect(result.peerCallId).toBe(GATEWAY_CALL_ID);
    expect(result.server?.hostname).toBe('fake-gw');
    expectTimings(result.timings, TIMING_KEYS);
    // One-way latency is 2 ms: each exchange is a round trip of 4 ms on the fake clock.
    expect(result.timings.controlMs).toBe(4);
    expect(result.timings.callMs).toBe(4);
    expect(result.timings.dataMs).toBe(4);
    expect(run.gateway.log.echoRequests).toBe(1);
    // CCP first: the gateway (like pppd with require-mppe-128) never saw an IPCP request before CCP opened.
    expect(run.gateway.log.earlyIpcpTerminateAcks).toBe(0);
    expectTeardown(run, { lcp: true, callClear: true });
    expectWithinDeadline(run);
    expect(JSON.stringify(result)).not.toContain(PASSWORD);
  });

  it('classifies E=691 as auth_rejected with the code and message kept, and never retries', () => {
    const run = login({}, {}, 'wrong password');
    const failure = run.result.failure!;
    expect(failure.class).toBe('auth_rejected');
    expect(failure.stage).toBe('auth');
    expect(failure.authErrorCode).toBe(691);
    expect(failure.authMessage).toContain('691 ERROR_AUTHENTICATION_FAILURE');
    expect(failure.authMessage).toContain('Authentication failure');
    expect(run.gateway.log.authResponses).toBe(1);
    expectTimings(run.result.timings, ['connectMs', 'controlMs', 'callMs', 'greMs', 'lcpMs']);
    expectTeardown(run, { lcp: true, callClear: true });
    expectWithinDeadline(run);
    expect(JSON.stringify(run.result)).not.toContain('wrong password');
  });

  it('keeps other MS-CHAPv2 E= codes (648 password expired)', () => {
    const run = login({ failureCode: 648 });
    expect(run.result.failure?.class).toBe('auth_rejected');
    expect(run.result.failure?.authErrorCode).toBe(648);
    expect(run.result.failure?.authMessage).toContain('ERROR_PASSWD_EXPIRED');
  });

  it('classifies an unanswered response as auth_timeout at the deadline', () => {
    const run = login({ authResult: 'silent' });
    expect(run.result.failure?.class).toBe('auth_timeout');
    expect(run.result.failure?.code).toBe('no_result');
    expect(run.gateway.log.authResponses).toBe(1);
    expectTimings(run.result.timings, ['connectMs', 'controlMs', 'callMs', 'greMs', 'lcpMs']);
    expectTeardown(run, { lcp: true, callClear: true });
    expect(run.elapsedMs).toBeGreaterThanOrEqual(run.options.timeoutMs);
    expectWithinDeadline(run);
  });

  it('classifies a missing challenge as auth_timeout (no_challenge)', () => {
    const run = login({ authResult: 'no_challenge' });
    expect(run.result.failure?.class).toBe('auth_timeout');
    expect(run.result.failure?.code).toBe('no_challenge');
    expectWithinDeadline(run);
  });

  it('raises auth_spoofed when the Success message carries an authenticator response that does not verify', () => {
    const run = login({ authResult: 'bad_authenticator' });
    expect(run.result.failure?.class).toBe('auth_spoofed');
    expect(run.result.failure?.stage).toBe('auth');
    expect(run.result.mppe).toBeUndefined();
    expectTeardown(run, { lcp: true, callClear: true });
    expectWithinDeadline(run);
  });

  it('classifies a gateway that rejects MPPE as encryption_refused, naming what was refused', () => {
    const run = login({ ccp: 'reject' });
    const failure = run.result.failure!;
    expect(failure.class).toBe('encryption_refused');
    expect(failure.stage).toBe('ccp');
    expect(failure.rejected?.join(' ')).toContain('MPPE (128-bit stateless)');
    expectTimings(run.result.timings, ['connectMs', 'controlMs', 'callMs', 'greMs', 'lcpMs', 'authMs']);
    expectTeardown(run, { lcp: true, callClear: true });
    expectWithinDeadline(run);
  });

  it('classifies a gateway offering only 40-bit stateful MPPE as encryption_refused', () => {
    const run = login({ ccp: 'offer_40bit' });
    expect(run.result.failure?.class).toBe('encryption_refused');
    expect(run.result.failure?.message).toContain('40-bit');
  });

  it('classifies a gateway without CCP (Protocol-Reject) as encryption_refused, or carries on unencrypted when MPPE is not required', () => {
    expect(login({ ccp: 'protocol_reject' }).result.failure?.class).toBe('encryption_refused');
    const relaxed = login({ ccp: 'protocol_reject' }, { requireMppe: false });
    expect(relaxed.result.ok).toBe(true);
    expect(relaxed.result.mppe).toBe('none');
  });

  it('classifies CHAP-MD5 with MPPE required as encryption_refused (no keys), and logs in with it when allowed and MPPE is not required', () => {
    const refused = login({ auth: 'chap-md5' }, { auth: ['mschapv2', 'chap-md5'] });
    expect(refused.result.failure?.class).toBe('encryption_refused');
    expect(refused.result.failure?.code).toBe('no_mppe_keys');
    const ok = login({ auth: 'chap-md5' }, { auth: ['chap-md5'], requireMppe: false });
    expect(ok.result.failure).toBeUndefined();
    expect(ok.result.authProtocol).toBe('chap-md5');
  });

  it('logs in with PAP only where allowed, and reports a PAP Nak as auth_rejected', () => {
    const ok = login({ auth: 'pap' }, { auth: ['pap'], requireMppe: false });
    expect(ok.result.ok).toBe(true);
    expect(ok.result.authProtocol).toBe('pap');
    const nak = login({ auth: 'pap' }, { auth: ['pap'], requireMppe: false }, 'nope');
    expect(nak.result.failure?.class).toBe('auth_rejected');
    expect(nak.result.failure?.authMessage).toContain('Login incorrect');
    // Not allowed: LCP Naks PAP toward MS-CHAPv2; this gateway insists, so LCP never agrees.
    const refused = login({ auth: 'pap' });
    expect(refused.result.failure?.class).toBe('lcp_failed');
  });

  it('classifies an IP-Address reject as no_address', () => {
    const run = login({ ipcp: 'reject_address' });
    expect(run.result.failure?.class).toBe('no_address');
    expect(run.result.failure?.stage).toBe('ipcp');
    expectTimings(run.result.timings, ['connectMs', 'controlMs', 'callMs', 'greMs', 'lcpMs', 'authMs', 'ccpMs']);
    expectTeardown(run, { lcp: true, callClear: true });
    expectWithinDeadline(run);
  });

  it('classifies an IPCP that never answers as no_address at the deadline', () => {
    const run = login({ ipcp: 'silent' });
    expect(run.result.failure?.class).toBe('no_address');
    expectWithinDeadline(run);
  });

  it('classifies no GRE at all after the call was accepted as gre_blocked', () => {
    const run = login({ gre: 'none' });
    const failure = run.result.failure!;
    expect(failure.class).toBe('gre_blocked');
    expect(failure.stage).toBe('gre');
    expect(failure.message).toContain('619');
    expectTimings(run.result.timings, ['connectMs', 'controlMs', 'callMs']);
    expectTeardown(run, { lcp: true, callClear: true });
    expectWithinDeadline(run);
  });

  it('classifies GRE that only flows from the gateway as gre_one_way', () => {
    const run = login({ gre: 'one_way' });
    expect(run.result.failure?.class).toBe('gre_one_way');
    expect(run.result.gre.received).toBeGreaterThan(0);
    expectTimings(run.result.timings, ['connectMs', 'controlMs', 'callMs', 'greMs']);
    expectTeardown(run, { lcp: true, callClear: true, lcpReachesGateway: false });
    expectWithinDeadline(run);
  });

  it('classifies an echo without reply as no_traffic, and an ICMP unreachable as no_traffic with its cause', () => {
    const silent = login({ data: 'silent' });
    expect(silent.result.failure?.class).toBe('no_traffic');
    expect(silent.gateway.log.echoRequests).toBeGreaterThan(1); // repeated every dataRetryMs
    expectTimings(silent.result.timings, ['connectMs', 'controlMs', 'callMs', 'greMs', 'lcpMs', 'authMs', 'ccpMs', 'ipcpMs']);
    expectTeardown(silent, { lcp: true, callClear: true });
    expectWithinDeadline(silent);
    const unreachable = login({ data: 'unreachable' });
    expect(unreachable.result.failure?.class).toBe('no_traffic');
    expect(unreachable.result.failure?.message).toContain('destination unreachable');
  });

  it('skips the traffic stage when switched off', () => {
    const run = login({ data: 'silent' }, { data: false });
    expect(run.result.ok).toBe(true);
    expect(run.result.timings.dataMs).toBeUndefined();
    expect(run.gateway.log.echoRequests).toBe(0);
  });

  it('keeps the control classes for control-phase failures', () => {
    const rejected = login({ control: 'reject' });
    expect(rejected.result.failure?.class).toBe('control_rejected');
    expectTeardown(rejected, { lcp: false, callClear: false });
    const callRejected = login({ callResult: 4 });
    expect(callRejected.result.failure?.class).toBe('call_rejected');
    expect(callRejected.result.failure?.resultCode).toBe(4);
    expectTeardown(callRejected, { lcp: false, callClear: false });
    const silent = login({ control: 'silent' });
    expect(silent.result.failure?.class).toBe('control_timeout');
    expectWithinDeadline(silent);
  });

  it('classifies a call dropped at once, before any GRE, as call_dropped', () => {
    const run = login({ gre: 'none', dropCallAfterMs: 1 });
    expect(run.result.failure?.class).toBe('call_dropped');
    expect(run.result.teardown.lcpTerminate).toBe(true);
    expectWithinDeadline(run);
  });

  it('ends at once when aborted, classified by the stage in progress', () => {
    const controller = new AbortController();
    const gateway = new FakeLoginGateway({ authResult: 'silent' });
    let result: LoginResult | undefined;
    runLoginSession(
      { address: GATEWAY_ADDRESS, port: 1723 },
      { username: USERNAME, password: PASSWORD },
      { ...DEFAULT_LOGIN_OPTIONS, timeoutMs: 5000 },
      { clock: gateway.clock, timers: gateway.clock.timersApi, connect: gateway.connect, gre: gateway.probeTransport, randomBytes: gateway.randomBytes, signal: controller.signal },
      (r) => (result = r),
    );
    gateway.clock.advance(200);
    expect(result).toBeUndefined();
    controller.abort();
    expect(result?.failure?.class).toBe('auth_timeout');
    expect(result?.failure?.message).toContain('aborted');
    expect(result?.timings.totalMs).toBe(200);
    expect(result?.teardown.lcpTerminate).toBe(true);
  });

  describe('hostile gateways', () => {
    it('a GRE flood ends in a classified failure with bounded work', () => {
      const run = login({ hostile: 'gre_flood' });
      expect(run.result.failure?.class).toBe('protocol_error');
      expect(run.result.failure?.code).toBe('gre_flood');
      expectTeardown(run, { lcp: true, callClear: true });
      expectWithinDeadline(run);
    });

    it('malformed PPP and lying GRE lengths are counted and ignored', () => {
      const run = login({ hostile: 'malformed_ppp' });
      expect(run.result.ok).toBe(true); // the real LCP still gets through
      expect(run.result.gre.malformed).toBeGreaterThan(0);
      expect(run.result.notes.join(' ')).toMatch(/PPP packet\(s\) ignored/);
    });

    it('an LCP peer that Naks forever is stopped as lcp_failed (not converging)', () => {
      const run = login({ hostile: 'lcp_nak_loop' });
      expect(run.result.failure?.class).toBe('lcp_failed');
      expect(run.result.failure?.rejected?.join(' ')).toContain('Magic-Number');
      expectTeardown(run, { lcp: true, callClear: true });
      expectWithinDeadline(run);
    });

    it('an LCP peer that renegotiates forever is stopped as lcp_failed', () => {
      const run = login({ hostile: 'lcp_request_loop' });
      expect(run.result.failure?.class).toBe('lcp_failed');
      expect(run.result.failure?.message).toMatch(/renegotiat|without agreeing/);
      expectTeardown(run, { lcp: true, callClear: true });
      expectWithinDeadline(run);
    });

    it('a peer answering for another Call ID is gre_blocked, with the stray Call ID named', () => {
      const run = login({ wrongCallId: true });
      expect(run.result.failure?.class).toBe('gre_blocked');
      expect(run.result.failure?.code).toBe('wrong_call_id');
      expect(run.result.gre.strayFromPeer).toBeGreaterThan(0);
      expectWithinDeadline(run);
    });

    it('an Outgoing-Call-Reply for another call is a protocol_error, and the control connection is still stopped', () => {
      const run = login({ replyForOtherCall: true });
      expect(run.result.failure?.class).toBe('protocol_error');
      expect(run.result.failure?.code).toBe('wrong_call_id');
      expectTeardown(run, { lcp: false, callClear: false });
    });

    it('teardown ends within the deadline when the gateway answers none of it', () => {
      const run = login({ silentTeardown: true, authResult: 'silent' });
      expect(run.result.failure?.class).toBe('auth_timeout');
      expectWithinDeadline(run);
    });
  });
});

describe('many logins through one transport', () => {
  it('runs 100 concurrent logins to 100 gateways through one probe transport, every result right', () => {
    // Prepare: one clock, one network, one probe transport (as one raw socket per process); a mix of outcomes.
    const clock = new FakeClock();
    const network = new MemoryGreNetwork({ schedule: (ms, fn) => void clock.timersApi.set(ms, fn), latencyMs: LATENCY_MS });
    const probeTransport = new MemoryGreTransport(network, '198.51.100.7');
    const scripts: Array<[GatewayScript, string | undefined]> = [
      [{}, undefined],
      [{ failureCode: 691 }, 'auth_rejected'],
      [{ gre: 'none' }, 'gre_blocked'],
      [{ ipcp: 'reject_address' }, 'no_address'],
      [{ data: 'silent' }, 'no_traffic'],
    ];
    const results = new Map<number, LoginResult>();
    const expected = new Map<number, string | undefined>();
    for (let i = 0; i < 100; i++) {
      const [script, cls] = scripts[i % scripts.length]!;
      const address = `192.0.2.${i + 1}`;
      const gateway = new FakeLoginGateway(script, i + 1, { clock, network, probeTransport, address });
      expected.set(i, cls);
      // Act
      runLoginSession(
        { address, port: 1723 },
        { username: USERNAME, password: PASSWORD },
        { ...DEFAULT_LOGIN_OPTIONS, timeoutMs: 3000 },
        { clock, timers: clock.timersApi, connect: gateway.connect, gre: probeTransport, randomBytes: gateway.randomBytes },
        (r) => results.set(i, r),
      );
    }
    for (let t = 0; results.size < 100 && t < 10_000; t += STEP_MS) clock.advance(STEP_MS);
    // Assess
    expect(results.size).toBe(100);
    for (const [i, result] of results) {
      expect(result.failure?.class, `login ${i}`).toBe(expected.get(i));
      expect(result.timings.totalMs).toBeLessThanOrEqual(3000 + DEADLINE_SLACK_MS);
      if (!expected.get(i)) expect(result.assignedAddress).toBe(ASSIGNED_ADDRESS);
    }
    expect(probeTransport.openChannels).toBe(0);
  });
});

describe('login failure classes', () => {
  it('explain every class with likely causes and a runbook', () => {
    for (const cls of PPTP_LOGIN_FAILURE_CLASSES) {
      const info = FAILURE_CLASS_INFO[cls];
      expect(info.explanation.length).toBeGreaterThan(20);
      expect(info.likelyCauses.length).toBeGreaterThanOrEqual(2);
      expect(info.runbook).toBe(`docs/runbooks/${cls}.md`);
    }
  });
});
