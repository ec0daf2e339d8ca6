// One login, as a Windows or pppd client does it, from user space: the control connection and an
// Outgoing-Call (login-control.ts), enhanced GRE (gre-link.ts), PPP up to an address and an echo
// through the tunnel (ppp-login.ts), then a clean teardown whatever happened: LCP
// Terminate-Request, Call-Clear-Request, Stop-Control-Connection-Request.
//
// A callback state machine, like the control probe's attempt, for the same reason: every stage is
// timed from the packet that ended it, with no event-loop hops from awaits in between. One deadline
// covers everything. When it fires, the stage in progress is classified (login-classify.ts), what
// is left of teardown goes out at once without waiting, and the result is delivered in the same
// turn: a silent or hostile gateway costs the deadline, never more. Every timer the session or its
// parts set goes through `schedule`, and `finish` cancels them all.
import { isIP } from 'node:net';
import type { TimerHandle } from '../../probe/deps.js';
import { GreTransportError, type GreChannel } from './gre-transport.js';
import { GreLink } from './gre-link.js';
import { classifyDrop, classifyTimeout, type Classified, type LoginEvidence } from './login-classify.js';
import { ControlChannel, type ControlFailure } from './login-control.js';
import type { FailureClass } from '../../probe/failure-classes.js';
import type { LoginCredentials, LoginDeps, LoginFailure, LoginOptions, LoginResult, LoginStage } from './login-types.js';
import { formatIpv4 } from './ipv4.js';
import type { CancelTimer } from './negotiation-automaton.js';
import type { NegotiationFailure } from './negotiation-policy.js';
import { PppLogin, type PppLayer } from './ppp-login.js';
import { TunnelEcho } from './tunnel-echo.js';
import type { AuthOutcome } from './login-auth.js';

/** Pause before repeating the first ICMP echo of the traffic stage, in ms (see sendEcho). */
export const FIRST_ECHO_REPEAT_MS = 200;

/** GRE packets a login accepts from the gateway; a real one needs under 100. More is a flood. */
export const MAX_GRE_PACKETS_FROM_PEER = 1000;
/** Call IDs tried when another session of this process already uses one toward the same gateway. */
const CALL_ID_ATTEMPTS = 16;

export interface LoginTarget {
  /** The gateway's IPv4 address (GRE runs over IPv4 only). */
  address: string;
  port: number;
}

function u16(bytes: Uint8Array): number {
  return ((bytes[0] ?? 0) << 8) | (bytes[1] ?? 0);
}

/**
 * Runs one login and calls `done` with the result, exactly once. Throws GreTransportError, before
 * anything is sent, when the GRE transport cannot work here (no CAP_NET_RAW, no koffi): that is this
 * machine's problem, not the gateway's, and must not be recorded as an outage.
 */
export function runLoginSession(target: LoginTarget, credentials: LoginCredentials, options: LoginOptions, deps: LoginDeps, done: (result: LoginResult) => void): void {
  if (isIP(target.address) !== 4) throw new TypeError(`a login needs the gateway's IPv4 address, not "${target.address}"`);
  new LoginSession(target, credentials, options, deps, done).start();
}

/** runLoginSession as a promise. */
export function loginSession(target: LoginTarget, credentials: LoginCredentials, options: LoginOptions, deps: LoginDeps): Promise<LoginResult> {
  return new Promise((resolve) => runLoginSession(target, credentials, options, deps, resolve));
}

class LoginSession {
  private state: 'running' | 'teardown' | 'done' = 'running';
  private stage: LoginStage = 'connect';
  private stageStartedAt = 0;
  private startedAt = 0;
  private deadlineAt = 0;
  private callAcceptedAt: number | undefined;
  private lcpStartedAt = 0;
  private readonly live = new Set<TimerHandle>();
  private deadlineTimer: TimerHandle | undefined;
  private teardownTimer: CancelTimer | undefined;
  private echoTimer: CancelTimer | undefined;
  private channel!: GreChannel;
  private link!: GreLink;
  private control!: ControlChannel;
  private readonly ppp: PppLogin;
  private echo: TunnelEcho | undefined;
  private dataStartedAt = 0;
  private greDeliveries = 0;
  private discards = 0;
  private lastDiscard: string | undefined;
  private readonly result: LoginResult;

  constructor(
    private readonly target: LoginTarget,
    credentials: LoginCredentials,
    private readonly options: LoginOptions,
    private readonly deps: LoginDeps,
    private readonly done: (result: LoginResult) => void,
  ) {
    this.result = {
      address: target.address,
      port: target.port,
      ok: false,
      timings: { connectMs: undefined, controlMs: undefined, callMs: undefined, greMs: undefined, lcpMs: undefined, authMs: undefined, ccpMs: undefined, ipcpMs: undefined, dataMs: undefined, totalMs: 0 },
      teardown: { lcpTerminate: false, callClear: false, stopControl: false },
      gre: { sent: 0, received: 0, malformed: 0, outOfOrder: 0, dropped: 0, strayFromPeer: 0 },
      notes: [],
    };
    this.ppp = new PppLogin(
      { username: credentials.username, password: credentials.password, allowedAuth: options.auth, restartMs: options.restartMs, schedule: this.schedule, randomBytes: deps.randomBytes },
      {
        sendFrame: (frame) => this.link.send(frame),
        lcpUp: () => this.onLcpUp(),
        lcpDown: () => this.onLcpDown(),
        authDone: (outcome) => this.onAuthDone(outcome),
        ccpUp: (encrypted) => this.onCcpUp(encrypted),
        ipcpUp: () => this.onIpcpUp(),
        layerFinished: (layer, failure) => this.onLayerFinished(layer, failure),
        datagram: (datagram) => this.onDatagram(datagram),
        discarded: (reason) => {
          this.discards++;
          this.lastDiscard = reason;
        },
      },
    );
  }

  start(): void {
    const { clock, timers, signal } = this.deps;
    this.startedAt = this.stageStartedAt = clock.now();
    this.deadlineAt = this.startedAt + this.options.timeoutMs;
    const callId = this.openChannel();
    this.link = new GreLink(this.channel, this.schedule, clock.now, this.options.greAckDelayMs, {
      onPayload: (payload) => this.ppp.receive(payload),
    });
    this.result.callId = callId;
    this.control = new ControlChannel(
      { address: this.target.address, port: this.target.port, callId, callSerialNumber: u16(this.deps.randomBytes(2)), hostname: this.options.hostname, vendor: this.options.vendor },
      this.deps.connect,
      clock.now,
      {
        connected: (at, localPort) => this.onConnected(at, localPort),
        controlUp: (at, server) => this.onControlUp(at, server),
        callUp: (at, peerCallId) => this.onCallUp(at, peerCallId),
        failed: (failure, afterCall) => this.onControlFailed(failure, afterCall),
        closed: (note) => this.onControlClosed(note),
      },
    );
    this.deadlineTimer = timers.set(this.options.timeoutMs, () => this.timeUp(`no progress within the ${Math.round(this.options.timeoutMs)} ms deadline`));
    if (signal?.aborted) return this.timeUp('aborted before the login started');
    signal?.addEventListener('abort', this.onAbort, { once: true });
    this.control.start();
  }

  /** A random non-zero Call ID that no other session of this process uses toward this gateway. */
  private openChannel(): number {
    for (let attempt = 0; ; attempt++) {
      const callId = u16(this.deps.randomBytes(2)) || 1;
      try {
        this.channel = this.deps.gre.open(this.target.address, callId, { onPacket: (gre) => this.onGre(gre) });
        return callId;
      } catch (err) {
        if (!(err instanceof GreTransportError) || err.code !== 'call_id_in_use' || attempt + 1 >= CALL_ID_ATTEMPTS) throw err;
      }
    }
  }

  // ---- timers ----

  /** Every timer of the session and its parts: bounded by nothing but `finish`, which clears them all. */
  private readonly schedule = (delayMs: number, fn: () => void): CancelTimer => {
    if (this.state === 'done') return () => {};
    const handle = this.deps.timers.set(delayMs, () => {
      this.live.delete(handle);
      if (this.state !== 'done') fn();
    });
    this.live.add(handle);
    return () => {
      this.deps.timers.clear(handle);
      this.live.delete(handle);
    };
  };

  private readonly onAbort = (): void => this.timeUp('aborted (invocation deadline)');

  private timeUp(why: string): void {
    if (this.state === 'done') return;
    if (this.state === 'running') this.failWith(classifyTimeout(this.stage, this.evidence(), why));
    else this.result.notes.push(`teardown cut short while waiting for ${this.control.waitingFor}: ${why}`);
    this.teardownNow();
  }

  // ---- control connection ----

  private onConnected(at: number, localPort: number | undefined): void {
    this.result.timings.connectMs = at - this.stageStartedAt;
    if (localPort !== undefined) this.result.localPort = localPort;
    this.enter('control', at);
  }

  private onControlUp(at: number, server: LoginResult['server']): void {
    this.result.timings.controlMs = at - this.stageStartedAt;
    if (server) this.result.server = server;
    // The Outgoing-Call-Request leaves in this same turn.
    this.enter('call', this.deps.clock.now());
  }

  private onCallUp(at: number, peerCallId: number): void {
    if (this.state !== 'running') return;
    this.result.timings.callMs = at - this.stageStartedAt;
    this.result.peerCallId = peerCallId;
    this.callAcceptedAt = this.lcpStartedAt = at;
    this.link.setPeerCallId(peerCallId);
    // GRE may have raced the reply over TCP; it is held by then and counts from acceptance.
    const first = this.link.stats.firstReceivedAt;
    if (first !== undefined) this.result.timings.greMs = Math.max(0, first - at);
    this.enter('lcp', at);
    this.ppp.startLcp();
  }

  private onControlFailed(failure: ControlFailure, afterCall: boolean): void {
    if (this.state === 'teardown') {
      // Typically the gateway's Call-Disconnect-Notify or close after our LCP Terminate: the call is
      // gone, so teardown goes on without a Call-Clear (or without the control side at all).
      this.result.notes.push(`during teardown: ${failure.message}`);
      return;
    }
    if (this.state !== 'running') return;
    const extra = { code: failure.code, resultCode: failure.resultCode, errorCode: failure.errorCode, causeCode: failure.causeCode };
    if (!afterCall) return this.failWith({ class: failure.class, stage: this.stage, message: failure.message }, extra);
    this.failWith(classifyDrop(this.stage, this.evidence(), failure.message, failure.class), extra);
  }

  private onControlClosed(note: string | undefined): void {
    if (note) this.result.notes.push(note);
    this.finish();
  }

  // ---- GRE ----

  private onGre(gre: Uint8Array): void {
    if (this.state === 'done') return;
    this.greDeliveries++;
    if (this.greDeliveries > MAX_GRE_PACKETS_FROM_PEER) {
      if (this.state === 'running') {
        this.failWith({ class: 'protocol_error', stage: this.stage, code: 'gre_flood', message: `the gateway sent more than ${MAX_GRE_PACKETS_FROM_PEER} GRE packets for our call` });
      }
      return;
    }
    const before = this.link.stats.received;
    this.link.receive(gre);
    if (before === 0 && this.link.stats.received === 1 && this.callAcceptedAt !== undefined && this.result.timings.greMs === undefined) {
      this.result.timings.greMs = this.deps.clock.now() - this.callAcceptedAt;
    }
  }

  // ---- PPP ----

  private onLcpUp(): void {
    if (this.state !== 'running' || this.stage !== 'lcp') return;
    const now = this.deps.clock.now();
    this.result.timings.lcpMs = now - this.lcpStartedAt;
    const method = this.ppp.lcpNegotiated.auth;
    this.result.authProtocol = method ?? 'none';
    if (method === undefined) {
      return this.failWith({ class: 'lcp_failed', stage: 'lcp', code: 'no_authentication', message: 'the gateway asked for no authentication: anyone could log in, and no MPPE keys can be derived' });
    }
    this.enter('auth', now);
    this.ppp.startAuth(method);
  }

  private onLcpDown(): void {
    if (this.state !== 'running') return;
    // Our Ack lost, the gateway repeats its request: LCP reopens. Harmless before authentication
    // began; after it, the gateway restarts the whole login, which a probe reports, not follows.
    if (this.stage === 'auth' && !this.ppp.authResponded) {
      this.ppp.stopAuth();
      this.stage = 'lcp';
      this.result.notes.push('LCP renegotiated before authentication');
      return;
    }
    this.failWith({ class: 'lcp_failed', stage: this.stage, code: 'lcp_renegotiated', message: `the gateway restarted LCP negotiation during ${this.stage}` });
  }

  private onAuthDone(outcome: AuthOutcome): void {
    if (this.state !== 'running') return;
    const now = this.deps.clock.now();
    const peerName = this.ppp.authPeerName;
    if (peerName !== undefined) this.result.peerName = peerName;
    if (outcome.kind === 'rejected') {
      return this.failWith({ class: 'auth_rejected', stage: 'auth', message: outcome.message, code: 'rejected' }, outcome.code === undefined ? { authMessage: outcome.message } : { authErrorCode: outcome.code, authMessage: outcome.message });
    }
    if (outcome.kind === 'spoofed') return this.failWith({ class: 'auth_spoofed', stage: 'auth', code: 'authenticator_mismatch', message: outcome.message });
    this.result.timings.authMs = now - this.stageStartedAt;
    if (outcome.ntResponse) {
      this.enter('ccp', now);
      this.ppp.startCcp();
      return;
    }
    if (this.options.requireMppe) {
      return this.failWith({ class: 'encryption_refused', stage: 'ccp', code: 'no_mppe_keys', message: `MPPE keys come from MS-CHAPv2, but the gateway authenticated us with ${this.result.authProtocol ?? 'another method'}` });
    }
    this.result.mppe = 'none';
    this.ppp.declineCcp();
    this.startIpcp(now);
  }

  private onCcpUp(encrypted: boolean): void {
    if (this.state !== 'running' || this.stage !== 'ccp') return;
    const now = this.deps.clock.now();
    this.result.timings.ccpMs = now - this.stageStartedAt;
    if (!encrypted && this.options.requireMppe) {
      return this.failWith({ class: 'encryption_refused', stage: 'ccp', code: 'not_both_ways', message: 'CCP opened without MPPE 128-bit stateless in both directions' });
    }
    this.result.mppe = encrypted ? 'mppe-128-stateless' : 'none';
    this.startIpcp(now);
  }

  /** After CCP: pppd with require-mppe-128 answers an IPCP request sent before CCP is open with Terminate-Ack. */
  private startIpcp(now: number): void {
    this.enter('ipcp', now);
    this.ppp.startIpcp();
  }

  private onIpcpUp(): void {
    if (this.state !== 'running' || this.stage !== 'ipcp') return;
    const now = this.deps.clock.now();
    const { localAddress, peerAddress } = this.ppp.ipcpNegotiated;
    if (!localAddress) return this.failWith({ class: 'no_address', stage: 'ipcp', code: 'zero_address', message: 'IPCP opened with address 0.0.0.0: the gateway assigned none' });
    this.result.timings.ipcpMs = now - this.stageStartedAt;
    this.result.assignedAddress = formatIpv4(localAddress);
    if (peerAddress) this.result.gatewayTunnelAddress = formatIpv4(peerAddress);
    if (!this.options.data) return this.succeed();
    if (!peerAddress) {
      this.result.notes.push('the gateway stated no tunnel address of its own: traffic stage skipped');
      return this.succeed();
    }
    this.enter('data', now);
    this.dataStartedAt = now;
    this.echo = new TunnelEcho(localAddress, peerAddress, u16(this.deps.randomBytes(2)));
    this.sendEcho();
  }

  private readonly sendEcho = (): void => {
    if (this.state !== 'running' || !this.echo) return;
    // pppd lets IP through only once it has acknowledged IPCP and configured ppp0, a moment after we see
    // IPCP open: against real pppd (test/qemu) the first echo is acknowledged in GRE and never answered.
    // So the first repeat comes soon; later ones wait dataRetryMs.
    const first = !this.echoRepeated;
    this.echoRepeated = true;
    this.ppp.sendDatagram(this.echo.nextRequest());
    this.echoTimer = this.schedule(first ? Math.min(FIRST_ECHO_REPEAT_MS, this.options.dataRetryMs) : this.options.dataRetryMs, this.sendEcho);
  };
  private echoRepeated = false;

  private onDatagram(datagram: Uint8Array): void {
    if (this.state !== 'running' || this.stage !== 'data' || !this.echo) return;
    const match = this.echo.match(datagram);
    if (match.kind === 'reply') {
      this.result.timings.dataMs = this.deps.clock.now() - this.dataStartedAt;
      this.succeed();
    } else if (match.kind === 'icmp_error') {
      this.failWith({ class: 'no_traffic', stage: 'data', code: 'icmp_error', message: `the echo to ${this.echo.target} through the tunnel came back as ${match.description}` });
    }
  }

  private onLayerFinished(layer: PppLayer, failure: NegotiationFailure | undefined): void {
    if (this.state === 'teardown') {
      if (layer === 'LCP') this.afterLcpTerminated();
      return;
    }
    if (this.state !== 'running') return;
    const why = failure?.message ?? `${layer} closed`;
    if (layer === 'LCP') {
      if (this.stage === 'lcp') {
        const e = this.evidence();
        if (failure?.code === 'no_response') return this.failWith(classifyDropOrStall(e, why));
        const refused = this.ppp.lcpPolicy.record;
        const rejected = [...refused.refusedByPeer.map((r) => `by the gateway: ${r}`), ...refused.refusedByUs.map((r) => `by us: ${r}`)];
        return this.failWith({ class: 'lcp_failed', stage: 'lcp', code: failure?.code ?? 'closed', message: `LCP negotiation failed: ${why}${rejected.length > 0 ? ` (${rejected.join(', ')})` : ''}`, ...(rejected.length > 0 ? { rejected } : {}) });
      }
      return this.failWith(classifyDrop(this.stage, this.evidence(), `the gateway ended the link (${why})`, 'call_dropped'));
    }
    if (layer === 'CCP' && this.stage === 'ccp' && !this.options.requireMppe) {
      this.result.mppe = 'none';
      this.result.notes.push(`continuing without encryption: ${why}`);
      return this.startIpcp(this.deps.clock.now());
    }
    const cls: FailureClass = layer === 'CCP' ? 'encryption_refused' : this.stage === 'ipcp' ? 'no_address' : 'no_traffic';
    const record = layer === 'CCP' ? this.ppp.ccpPolicy.record : this.ppp.ipcpPolicy.record;
    const rejected = [...record.refusedByPeer.map((r) => `by the gateway: ${r}`), ...record.refusedByUs.map((r) => `by us: ${r}`)];
    this.failWith({ class: cls, stage: this.stage, code: failure?.code ?? 'closed', message: `${layer} failed: ${why}${rejected.length > 0 ? ` (${rejected.join(', ')})` : ''}`, ...(rejected.length > 0 ? { rejected } : {}) });
  }

  // ---- endings ----

  private evidence(): LoginEvidence {
    const stats = this.channel.stats();
    const lcp = this.ppp.lcpPolicy.record;
    return {
      greReceived: this.link.stats.received,
      greMalformed: this.link.stats.malformed,
      strayFromPeer: stats.strayFromPeer,
      lastStrayCallId: stats.lastStrayCallId,
      peerHeardUs: this.link.stats.peerAcked || lcp.repliesToUs > 0,
      peerLcpRequests: lcp.requestsFromPeer,
      lcpRefused: [...lcp.refusedByPeer.map((r) => `by the gateway: ${r}`), ...lcp.refusedByUs.map((r) => `by us: ${r}`)],
      authResponded: this.ppp.authResponded,
      sinceCallAcceptedMs: this.callAcceptedAt === undefined ? 0 : this.deps.clock.now() - this.callAcceptedAt,
    };
  }

  private enter(stage: LoginStage, at: number): void {
    this.stage = stage;
    this.stageStartedAt = at;
  }

  private failWith(classified: Classified, extra: Partial<LoginFailure> = {}): void {
    if (this.state !== 'running') return;
    const failure: LoginFailure = {
      class: classified.class,
      message: classified.message,
      stage: classified.stage,
      elapsedMs: this.deps.clock.now() - this.stageStartedAt,
    };
    if (classified.code !== undefined) failure.code = classified.code;
    if (classified.rejected !== undefined) failure.rejected = classified.rejected;
    for (const key of ['code', 'resultCode', 'errorCode', 'causeCode', 'authErrorCode', 'authMessage'] as const) {
      const value = extra[key];
      if (value !== undefined) Object.assign(failure, { [key]: value });
    }
    this.result.failure = failure;
    this.beginTeardown();
  }

  private succeed(): void {
    if (this.state !== 'running') return;
    this.result.ok = true;
    this.beginTeardown();
  }

  /** Graceful teardown while time remains: LCP Terminate, then Call-Clear, then Stop, each wait bounded. */
  private beginTeardown(): void {
    this.state = 'teardown';
    this.echoTimer?.();
    if (this.ppp.lcpActive) {
      this.result.teardown.lcpTerminate = this.ppp.terminate();
      this.teardownTimer = this.schedule(this.teardownWait(), () => this.afterLcpTerminated());
      return;
    }
    this.afterLcpTerminated();
  }

  private afterLcpTerminated(): void {
    if (this.state !== 'teardown') return;
    this.teardownTimer?.();
    this.control.beginTeardown();
    this.armControlWait();
  }

  /** Waits for the control channel's next teardown answer, at most teardownWaitMs; then moves it on. */
  private armControlWait(): void {
    if (this.state !== 'teardown') return;
    this.teardownTimer?.();
    this.teardownTimer = this.schedule(this.teardownWait(), () => {
      this.control.skipWait();
      this.armControlWait();
    });
  }

  private teardownWait(): number {
    return Math.max(0, Math.min(this.options.teardownWaitMs, this.deadlineAt - this.deps.clock.now()));
  }

  /** Out of time: every teardown message still due goes out now, unanswered, and the login ends. */
  private teardownNow(): void {
    if (this.state === 'done') return;
    this.state = 'teardown';
    if (this.ppp.lcpActive && !this.result.teardown.lcpTerminate) this.result.teardown.lcpTerminate = this.ppp.terminate();
    this.control.teardownNow();
    this.finish();
  }

  private finish(): void {
    if (this.state === 'done') return;
    this.state = 'done';
    const { clock, timers, signal } = this.deps;
    if (this.deadlineTimer) timers.clear(this.deadlineTimer);
    for (const handle of this.live) timers.clear(handle);
    this.live.clear();
    signal?.removeEventListener('abort', this.onAbort);
    this.ppp.close();
    this.link.close();
    this.control.release();
    const channelStats = this.channel.stats();
    this.channel.close();
    this.result.teardown.lcpTerminate = this.ppp.lcpTerminateSent;
    this.result.teardown.callClear = this.control.sent.callClear;
    this.result.teardown.stopControl = this.control.sent.stopControl;
    const link = this.link.stats;
    this.result.gre = { sent: link.sent + link.acksSent, received: link.received, malformed: link.malformed, outOfOrder: link.outOfOrder, dropped: channelStats.dropped, strayFromPeer: channelStats.strayFromPeer };
    if (channelStats.sendErrors > 0) this.result.notes.push(`${channelStats.sendErrors} GRE send(s) failed: ${channelStats.lastSendError ?? ''}`);
    if (channelStats.dropped > 0) this.result.notes.push(`${channelStats.dropped} GRE packet(s) dropped: more than the session's queue holds at once`);
    if (this.discards > 0) this.result.notes.push(`${this.discards} PPP packet(s) ignored (last: ${this.lastDiscard ?? ''})`);
    this.result.timings.totalMs = clock.now() - this.startedAt;
    this.done(this.result);
  }
}

/** LCP gave up after Max-Configure unanswered requests: the GRE evidence decides, as for the deadline. */
function classifyDropOrStall(e: LoginEvidence, why: string): Classified {
  return classifyTimeout('lcp', e, `(${why})`);
}
