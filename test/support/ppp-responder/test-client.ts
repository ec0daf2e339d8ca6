// A minimal PPP client for the responder's tests, built from the client-side blocks of
// shared/probers/pptp-login: LCP, IPCP and CCP through the shared automaton and policies, MS-CHAPv2
// (verifying the authenticator response), CHAP-MD5 and PAP, stateless MPPE, an LCP echo and an ICMP
// echo through the tunnel. It is transport-agnostic (PPP frames in and out), so the unit tests run
// it over HDLC on pipes and the integration tests over enhanced GRE through the real pptpd. It is
// not the login probe (shared/probers/pptp-login/login-session*): it names how a scenario ended,
// so the tests can tell that the responder played it, and no more.
import { randomBytes } from 'node:crypto';
import { CcpPolicy } from '../../../shared/probers/pptp-login/ccp-policy.js';
import { chapMd5Response, decodeChapPacket, encodeChapResponse, isChallengeOrResponse, isChapResult } from '../../../shared/probers/pptp-login/chap.js';
import { ChapCode, ControlCode, IcmpType, IP_PROTOCOL_ICMP, PapCode, PppProtocol } from '../../../shared/probers/pptp-login/constants.js';
import { encodeProtocolReject } from '../../../shared/probers/pptp-login/control-packet.js';
import { LoginDecodeError } from '../../../shared/probers/pptp-login/errors.js';
import { decodeIcmp, encodeIcmpEcho } from '../../../shared/probers/pptp-login/icmp.js';
import { IpcpPolicy } from '../../../shared/probers/pptp-login/ipcp-policy.js';
import { decodeIpv4, encodeIpv4, formatIpv4 } from '../../../shared/probers/pptp-login/ipv4.js';
import { LcpPolicy } from '../../../shared/probers/pptp-login/lcp-policy.js';
import { deriveMppeStartKeys } from '../../../shared/probers/pptp-login/mppe-keys.js';
import { MppeStatelessDecryptor, MppeStatelessEncryptor } from '../../../shared/probers/pptp-login/mppe.js';
import { describeMsChapV2Error, parseMsChapV2Failure, parseMsChapV2Success } from '../../../shared/probers/pptp-login/ms-chap-v2-messages.js';
import { MSCHAPV2_CHALLENGE_BYTES, checkAuthenticatorResponse, encodeResponseValue, generateNtResponse } from '../../../shared/probers/pptp-login/ms-chap-v2.js';
import { NegotiationAutomaton } from '../../../shared/probers/pptp-login/negotiation-automaton.js';
import type { AuthMethod } from '../../../shared/probers/pptp-login/options.js';
import { decodePapReply, encodePapRequest } from '../../../shared/probers/pptp-login/pap.js';
import { decodePppFrame, encodePppFrame } from '../../../shared/probers/pptp-login/ppp-frame.js';

export type TestClientFailure =
  | 'lcp_failed'
  | 'auth_rejected'
  | 'auth_silent'
  | 'bad_authenticator'
  | 'mppe_refused'
  | 'no_address'
  | 'no_traffic'
  | 'peer_terminated'
  | 'deadline';

export type TestClientStage = 'lcp' | 'auth' | 'ccp' | 'ipcp' | 'data';

export interface TestClientOutcome {
  ok: boolean;
  failure: { kind: TestClientFailure; message: string } | undefined;
  /** Stages that completed, in order. */
  stages: TestClientStage[];
  auth: AuthMethod | undefined;
  /** E= of an MS-CHAPv2 Failure. */
  mschapError: number | undefined;
  mppe: boolean;
  localAddress: string | undefined;
  peerAddress: string | undefined;
  lcpEchoAnswered: boolean;
  icmpEchoAnswered: boolean;
  /** The LCP Terminate exchange finished (ours acknowledged, or the peer's acknowledged by us). */
  terminated: boolean;
}

export interface TestClientOptions {
  user: string;
  password: string;
  /** Sends one PPP frame (Address/Control, Protocol, Information) to the responder. */
  send(frame: Buffer): void;
  allowedAuth?: AuthMethod[];
  /** Insist on MPPE after MS-CHAPv2 (CCP refused is then a failure). Default true. */
  requireMppe?: boolean;
  /** Restart timer of the automatons, in ms. */
  restartMs?: number;
  maxConfigure?: number;
  /** How long an answer to our authentication may take, in ms. */
  authTimeoutMs?: number;
  /** How long the LCP and ICMP echo replies may take, in ms. */
  echoTimeoutMs?: number;
  /** Whole-login deadline, in ms. */
  deadlineMs?: number;
  /** How long to wait for the Terminate-Ack when closing, in ms. */
  closeTimeoutMs?: number;
  /**
   * Wait for the gateway's first LCP packet before sending ours (default true). pptpd delivers no
   * GRE to its ppp program until that program has written something, and a spawned responder reads
   * nothing until Node has started: Configure-Requests we retransmit meanwhile queue up, and the
   * late copy reopens LCP once it is Opened (RFC 1661 §4.1, RCR in Opened). The responder always
   * speaks first, so waiting costs nothing.
   */
  passive?: boolean;
}

const ICMP_IDENTIFIER = 0x7074; // "pt"
const ICMP_DATA = Buffer.from('pptp-monitor responder test', 'latin1');
const LCP_ECHO_DATA = Buffer.from('lcp echo', 'latin1');

export class MinimalPppClient {
  readonly outcome: Promise<TestClientOutcome>;
  private resolveOutcome!: (outcome: TestClientOutcome) => void;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly lcpPolicy: LcpPolicy;
  private readonly lcp: NegotiationAutomaton;
  private readonly ipcpPolicy = new IpcpPolicy();
  private readonly ccpPolicy = new CcpPolicy();
  private ipcp: NegotiationAutomaton | undefined;
  private ccp: NegotiationAutomaton | undefined;
  private readonly result: TestClientOutcome = {
    ok: false,
    failure: undefined,
    stages: [],
    auth: undefined,
    mschapError: undefined,
    mppe: false,
    localAddress: undefined,
    peerAddress: undefined,
    lcpEchoAnswered: false,
    icmpEchoAnswered: false,
    terminated: false,
  };
  private phase: 'establish' | 'authenticate' | 'network' | 'data' | 'closing' | 'resolved' = 'establish';
  private mschap: { authenticatorChallenge: Buffer; peerChallenge: Buffer; ntResponse: Buffer; identifier: number } | undefined;
  private papIdentifier = 0;
  private cancelAuthTimer: (() => void) | undefined;
  private mppe: { encryptor: MppeStatelessEncryptor; decryptor: MppeStatelessDecryptor } | undefined;
  private lcpRejectIdentifier = 0x40;

  constructor(private readonly options: TestClientOptions) {
    this.outcome = new Promise((resolve) => (this.resolveOutcome = resolve));
    const restartMs = options.restartMs ?? 500;
    const maxConfigure = options.maxConfigure ?? 6;
    this.lcpPolicy = new LcpPolicy({ allowedAuth: options.allowedAuth ?? ['mschapv2', 'chap-md5', 'pap'], nextMagic: () => randomBytes(4).readUInt32BE(0) });
    this.lcp = new NegotiationAutomaton(
      { name: 'LCP', schedule: this.schedule, isLcp: true, restartMs, maxConfigure, localMagic: () => this.lcpPolicy.negotiated.localMagic ?? 0 },
      this.lcpPolicy,
      {
        send: (packet) => this.sendFrame(PppProtocol.Lcp, packet),
        thisLayerUp: () => this.lcpUp(),
        thisLayerDown: () => this.lcpDown(),
        thisLayerFinished: (failure) => this.lcpFinished(failure?.message),
        protocolRejected: (protocol) => {
          if (protocol === PppProtocol.Ccp && this.needsMppe()) this.fail('mppe_refused', 'the gateway Protocol-Rejected CCP');
        },
        echoReply: () => {
          this.result.lcpEchoAnswered = true;
          this.maybeDone();
        },
      },
    );
    this.automatonOptions = { restartMs, maxConfigure };
  }

  private readonly automatonOptions: { restartMs: number; maxConfigure: number };

  start(): void {
    this.after(this.options.deadlineMs ?? 10_000, () => this.fail('deadline', `no outcome within ${this.options.deadlineMs ?? 10_000} ms`));
    this.lcp.open();
    if (!(this.options.passive ?? true)) this.lcp.up();
  }

  /** One PPP frame from the responder. */
  receive(frame: Uint8Array): void {
    if (this.phase === 'resolved') return;
    let protocol: number;
    let information: Uint8Array;
    try {
      ({ protocol, information } = decodePppFrame(frame));
    } catch (err) {
      if (err instanceof LoginDecodeError) return;
      throw err;
    }
    switch (protocol) {
      case PppProtocol.Lcp:
        if (this.lcp.state === 'starting') this.lcp.up(); // passive: the gateway spoke first
        return this.lcp.receive(information);
      case PppProtocol.Chap:
        return this.receiveChap(information);
      case PppProtocol.Pap:
        return this.receivePap(information);
      case PppProtocol.Ccp:
        if (this.ccp) return this.ccp.receive(information);
        if (this.phase === 'network' || this.phase === 'data') return this.protocolReject(protocol, information);
        return;
      case PppProtocol.Ipcp:
        return this.ipcp?.receive(information);
      case PppProtocol.CompressedDatagram:
        return this.receiveEncrypted(information);
      case PppProtocol.Ip:
        return this.mppe ? undefined : this.receiveIp(information);
      default:
        return this.protocolReject(protocol, information);
    }
  }

  // ---- LCP and authentication ----

  private lcpUp(): void {
    this.result.stages.push('lcp');
    const auth = this.lcpPolicy.negotiated.auth;
    this.result.auth = auth;
    this.phase = 'authenticate';
    if (auth === undefined) return this.authenticated();
    this.cancelAuthTimer = this.after(this.options.authTimeoutMs ?? 3000, () => this.fail('auth_silent', `no answer to ${auth} within ${this.options.authTimeoutMs ?? 3000} ms`));
    if (auth === 'pap') this.sendPap();
  }

  private sendPap(): void {
    if (this.phase !== 'authenticate') return;
    this.papIdentifier = (this.papIdentifier + 1) & 0xff;
    this.sendFrame(PppProtocol.Pap, encodePapRequest(this.papIdentifier, this.options.user, this.options.password));
    this.after(this.automatonOptions.restartMs, () => this.sendPap());
  }

  private receivePap(information: Uint8Array): void {
    if (this.phase !== 'authenticate' || this.result.auth !== 'pap') return;
    try {
      const reply = decodePapReply(information);
      if (reply.code === PapCode.AuthenticateAck) return this.authenticated();
      this.fail('auth_rejected', `PAP Authenticate-Nak: ${reply.message}`);
    } catch (err) {
      if (!(err instanceof LoginDecodeError)) throw err;
    }
  }

  private receiveChap(information: Uint8Array): void {
    const auth = this.result.auth;
    if (this.phase !== 'authenticate' || (auth !== 'mschapv2' && auth !== 'chap-md5')) return;
    let packet;
    try {
      packet = decodeChapPacket(information);
    } catch (err) {
      if (err instanceof LoginDecodeError) return;
      throw err;
    }
    if (packet.code === ChapCode.Challenge && isChallengeOrResponse(packet)) {
      if (auth === 'chap-md5') {
        this.sendFrame(PppProtocol.Chap, encodeChapResponse(packet.identifier, chapMd5Response(packet.identifier, this.options.password, packet.value), this.options.user));
        return;
      }
      if (packet.value.length !== MSCHAPV2_CHALLENGE_BYTES) return;
      // A retransmitted Challenge gets the same Response (same peer challenge); a new one a new Response.
      if (!this.mschap || !this.mschap.authenticatorChallenge.equals(packet.value)) {
        const peerChallenge = randomBytes(MSCHAPV2_CHALLENGE_BYTES);
        const ntResponse = generateNtResponse(packet.value, peerChallenge, this.options.user, this.options.password);
        this.mschap = { authenticatorChallenge: Buffer.from(packet.value), peerChallenge, ntResponse, identifier: packet.identifier };
      }
      this.sendFrame(PppProtocol.Chap, encodeChapResponse(packet.identifier, encodeResponseValue(this.mschap.peerChallenge, this.mschap.ntResponse), this.options.user));
      return;
    }
    if (!isChapResult(packet)) return;
    if (auth === 'chap-md5') {
      if (packet.code === ChapCode.Success) return this.authenticated();
      return this.fail('auth_rejected', `CHAP Failure: ${packet.message.toString('latin1')}`);
    }
    const mschap = this.mschap;
    if (!mschap || packet.identifier !== mschap.identifier) return;
    if (packet.code === ChapCode.Failure) {
      const failure = parseMsChapV2Failure(packet.message);
      this.result.mschapError = failure.errorCode;
      return this.fail('auth_rejected', `MS-CHAPv2 Failure ${describeMsChapV2Error(failure.errorCode)}: ${failure.message}`);
    }
    const success = parseMsChapV2Success(packet.message);
    const verified =
      success.authenticatorResponse !== undefined &&
      checkAuthenticatorResponse(this.options.password, mschap.ntResponse, mschap.peerChallenge, mschap.authenticatorChallenge, this.options.user, success.authenticatorResponse);
    if (!verified) return this.fail('bad_authenticator', 'the MS-CHAPv2 authenticator response does not verify');
    const keys = deriveMppeStartKeys(this.options.password, mschap.ntResponse, 128, 'client');
    this.mppe = {
      encryptor: new MppeStatelessEncryptor(keys.sendStartKey),
      decryptor: new MppeStatelessDecryptor(keys.receiveStartKey, this.lcpPolicy.negotiated.peerPfc),
    };
    this.authenticated();
  }

  private authenticated(): void {
    this.cancelAuthTimer?.();
    if (this.result.auth !== undefined) this.result.stages.push('auth');
    this.phase = 'network';
    const { restartMs, maxConfigure } = this.automatonOptions;
    if (this.needsMppe()) {
      this.ccp = new NegotiationAutomaton({ name: 'CCP', schedule: this.schedule, restartMs, maxConfigure, extraCodes: [ControlCode.ResetRequest, ControlCode.ResetAck] }, this.ccpPolicy, {
        send: (packet) => this.sendFrame(PppProtocol.Ccp, packet),
        thisLayerUp: () => {
          const { sendEncrypted, receiveEncrypted } = this.ccpPolicy.negotiated;
          if (!sendEncrypted || !receiveEncrypted) return this.fail('mppe_refused', 'CCP opened without MPPE in both directions');
          this.result.mppe = true;
          this.result.stages.push('ccp');
          this.maybeData();
        },
        thisLayerFinished: (failure) => this.fail('mppe_refused', failure?.message ?? 'CCP finished'),
      });
      this.ccp.open();
      this.ccp.up();
    } else {
      this.mppe = undefined;
    }
    this.ipcp = new NegotiationAutomaton({ name: 'IPCP', schedule: this.schedule, restartMs, maxConfigure }, this.ipcpPolicy, {
      send: (packet) => this.sendFrame(PppProtocol.Ipcp, packet),
      thisLayerUp: () => {
        const { localAddress, peerAddress } = this.ipcpPolicy.negotiated;
        if (!localAddress) return this.fail('no_address', 'IPCP opened without an address for us');
        this.result.localAddress = formatIpv4(localAddress);
        this.result.peerAddress = peerAddress ? formatIpv4(peerAddress) : undefined;
        this.result.stages.push('ipcp');
        this.maybeData();
      },
      thisLayerFinished: (failure) => this.fail('no_address', failure?.message ?? 'IPCP finished'),
    });
    this.ipcp.open();
    this.ipcp.up();
  }

  private needsMppe(): boolean {
    return this.result.auth === 'mschapv2' && (this.options.requireMppe ?? true);
  }

  // ---- data ----

  private maybeData(): void {
    if (this.phase !== 'network' || !this.result.stages.includes('ipcp')) return;
    if (this.needsMppe() && !this.result.stages.includes('ccp')) return;
    this.phase = 'data';
    const { localAddress, peerAddress } = this.ipcpPolicy.negotiated;
    this.lcp.sendEchoRequest(LCP_ECHO_DATA);
    if (!peerAddress || !localAddress) return this.fail('no_traffic', 'the gateway stated no address to echo');
    const datagram = encodeIpv4({
      source: localAddress,
      destination: peerAddress,
      protocol: IP_PROTOCOL_ICMP,
      ttl: 64,
      identification: randomBytes(2).readUInt16BE(0),
      payload: encodeIcmpEcho({ type: IcmpType.EchoRequest, identifier: ICMP_IDENTIFIER, sequence: 1, data: ICMP_DATA }),
    });
    if (this.mppe && this.needsMppe()) this.sendFrame(PppProtocol.CompressedDatagram, this.mppe.encryptor.encrypt(PppProtocol.Ip, datagram));
    else this.sendFrame(PppProtocol.Ip, datagram);
    this.after(this.options.echoTimeoutMs ?? 2000, () => {
      const missing = [this.result.icmpEchoAnswered ? '' : 'ICMP echo', this.result.lcpEchoAnswered ? '' : 'LCP echo'].filter(Boolean);
      this.fail('no_traffic', `no reply to the ${missing.join(' and ')} within ${this.options.echoTimeoutMs ?? 2000} ms`);
    });
  }

  private receiveEncrypted(information: Uint8Array): void {
    if (!this.mppe || !this.result.mppe) return;
    try {
      const { protocol, information: inner } = this.mppe.decryptor.decrypt(information);
      if (protocol === PppProtocol.Ip) this.receiveIp(inner);
    } catch (err) {
      if (!(err instanceof LoginDecodeError)) throw err;
    }
  }

  private receiveIp(datagram: Uint8Array): void {
    try {
      const packet = decodeIpv4(datagram);
      if (packet.protocol !== IP_PROTOCOL_ICMP) return;
      const icmp = decodeIcmp(packet.payload);
      if (icmp.kind === 'echo' && icmp.type === IcmpType.EchoReply && icmp.identifier === ICMP_IDENTIFIER && Buffer.from(icmp.data).equals(ICMP_DATA)) {
        this.result.icmpEchoAnswered = true;
        this.maybeDone();
      }
    } catch (err) {
      if (!(err instanceof LoginDecodeError)) throw err;
    }
  }

  private maybeDone(): void {
    if (this.phase !== 'data' || !this.result.icmpEchoAnswered || !this.result.lcpEchoAnswered) return;
    this.result.stages.push('data');
    this.result.ok = true;
    this.close();
  }

  // ---- ending ----

  private lcpDown(): void {
    if (this.phase === 'closing' || this.phase === 'resolved') return;
    // The automaton records a Terminate-Request received while Opened; anything else that takes
    // LCP down is a renegotiation, which this minimal client does not follow.
    if (this.lcp.failure?.code === 'peer_terminated') {
      this.result.terminated = true;
      return this.fail('peer_terminated', 'the gateway sent LCP Terminate-Request');
    }
    this.fail('lcp_failed', 'LCP renegotiation (a Configure-Request or -Ack while Opened)');
  }

  private lcpFinished(message: string | undefined): void {
    if (this.phase === 'closing') {
      this.result.terminated = true;
      return this.resolve();
    }
    if (this.phase !== 'resolved') this.fail('lcp_failed', message ?? 'LCP finished');
  }

  private fail(kind: TestClientFailure, message: string): void {
    if (this.phase === 'closing' || this.phase === 'resolved') return;
    this.result.failure = { kind, message };
    this.close();
  }

  /** Terminate-Request, then the outcome once acknowledged (or after closeTimeoutMs). */
  private close(): void {
    if (this.phase === 'closing' || this.phase === 'resolved') return;
    this.phase = 'closing';
    if (this.lcp.state !== 'opened' && this.lcp.state !== 'stopping' && this.lcp.state !== 'closing') return this.resolve();
    if (this.lcp.state === 'opened') this.lcp.close();
    this.after(this.options.closeTimeoutMs ?? 2000, () => this.resolve());
  }

  private resolve(): void {
    if (this.phase === 'resolved') return;
    this.phase = 'resolved';
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.resolveOutcome({ ...this.result, stages: [...this.result.stages] });
  }

  // ---- plumbing ----

  private protocolReject(protocol: number, information: Uint8Array): void {
    if (this.lcp.state !== 'opened') return;
    this.lcpRejectIdentifier = (this.lcpRejectIdentifier + 1) & 0xff;
    this.sendFrame(PppProtocol.Lcp, encodeProtocolReject(this.lcpRejectIdentifier, protocol, information, this.lcpPolicy.negotiated.peerMruBytes));
  }

  private sendFrame(protocol: number, information: Uint8Array): void {
    if (this.phase === 'resolved') return;
    this.options.send(encodePppFrame({ protocol, information }));
  }

  private readonly schedule = (delayMs: number, fn: () => void): (() => void) => this.after(delayMs, fn);

  private after(delayMs: number, fn: () => void): () => void {
    if (this.phase === 'resolved') return () => undefined;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, delayMs);
    this.timers.add(timer);
    return () => {
      clearTimeout(timer);
      this.timers.delete(timer);
    };
  }
}
