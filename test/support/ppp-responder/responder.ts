// The PPP server that pptpd talks to in the tests: the gateway's side of a PPTP login, built from
// the pure blocks in shared/probers/pptp-login (automaton, codecs, MS-CHAPv2, MPPE). It sees PPP
// frames only (main.ts does the HDLC framing on the pty) and does no I/O of its own: frames, log
// lines, timers and randomness go through ResponderIo, so the same class runs behind pptpd and in
// a unit test. Phases follow RFC 1661 §3.2: LCP, then authentication, then CCP and IPCP together,
// then IP: ICMP echo requests to our own address are answered, through MPPE when CCP opened it.
import { decodeControlPacket, encodeControlPacket, encodeProtocolReject } from '../../../shared/probers/pptp-login/control-packet.js';
import { CcpPolicy } from '../../../shared/probers/pptp-login/ccp-policy.js';
import { ControlCode, IcmpType, IP_PROTOCOL_ICMP, PppProtocol } from '../../../shared/probers/pptp-login/constants.js';
import { LoginDecodeError } from '../../../shared/probers/pptp-login/errors.js';
import { decodeIcmp, encodeIcmpEcho } from '../../../shared/probers/pptp-login/icmp.js';
import { decodeIpv4, encodeIpv4, formatIpv4, parseIpv4 } from '../../../shared/probers/pptp-login/ipv4.js';
import { deriveMppeStartKeys } from '../../../shared/probers/pptp-login/mppe-keys.js';
import { MppeStatelessDecryptor, MppeStatelessEncryptor } from '../../../shared/probers/pptp-login/mppe.js';
import { NegotiationAutomaton, type ScheduleTimer } from '../../../shared/probers/pptp-login/negotiation-automaton.js';
import type { NegotiationFailure } from '../../../shared/probers/pptp-login/negotiation-policy.js';
import { decodePppFrame, encodePppFrame } from '../../../shared/probers/pptp-login/ppp-frame.js';
import { ServerAuthenticator, type AuthenticationResult } from './authenticator.js';
import { FALLBACK_LOCAL_ADDRESS, FALLBACK_REMOTE_ADDRESS, type Scenario } from './scenario.js';
import { PROTOCOL_NAMES, RefusingCcpPolicy, ServerIpcpPolicy, ServerLcpPolicy } from './server-policies.js';

/** TTL of echo replies. */
const REPLY_TTL = 64;

export interface ResponderIo {
  /** One PPP frame (Address, Control, Protocol, Information) to send; main.ts HDLC-frames it. */
  send(frame: Buffer): void;
  /** One log line; never given the password. */
  log(event: string, fields?: Record<string, unknown>): void;
  schedule: ScheduleTimer;
  random(bytes: number): Buffer;
  /** LCP finished (or never can): the program exits, as pppd does when the link is down. */
  finished(reason: string): void;
}

export interface ResponderAddresses {
  /** From pptpd's "local:remote" argument, when it passes one. */
  local: string | undefined;
  remote: string | undefined;
}

type Phase = 'establish' | 'authenticate' | 'network' | 'terminate';

export class PppResponder {
  private phase: Phase = 'establish';
  private readonly lcpPolicy: ServerLcpPolicy;
  private readonly lcp: NegotiationAutomaton;
  private readonly ipcp: NegotiationAutomaton;
  private readonly ipcpPolicy: ServerIpcpPolicy;
  private readonly ccpPolicy: CcpPolicy | RefusingCcpPolicy;
  /** Undefined when CCP is Protocol-Rejected instead of negotiated. */
  private readonly ccp: NegotiationAutomaton | undefined;
  private readonly authenticator: ServerAuthenticator;
  private readonly localAddress: Buffer;
  private readonly remoteAddress: Buffer;
  private ntResponse: Buffer | undefined;
  private mppe: { encryptor: MppeStatelessEncryptor; decryptor: MppeStatelessDecryptor } | undefined;
  private lcpIdentifier = 0x80;
  private done = false;

  constructor(
    private readonly scenario: Scenario,
    addresses: ResponderAddresses,
    private readonly io: ResponderIo,
  ) {
    this.localAddress = parseIpv4(scenario.localAddress ?? addresses.local ?? FALLBACK_LOCAL_ADDRESS);
    this.remoteAddress = parseIpv4(scenario.remoteAddress ?? addresses.remote ?? FALLBACK_REMOTE_ADDRESS);
    const schedule = io.schedule;
    this.lcpPolicy = new ServerLcpPolicy({ auth: scenario.auth, nextMagic: () => io.random(4).readUInt32BE(0) });
    this.lcp = new NegotiationAutomaton(
      { name: 'LCP', schedule, isLcp: true, restartMs: scenario.restartMs, localMagic: () => this.lcpPolicy.negotiated.localMagic ?? 0 },
      this.lcpPolicy,
      {
        send: (packet) => this.sendFrame(PppProtocol.Lcp, packet),
        thisLayerUp: () => this.lcpUp(),
        thisLayerDown: () => this.lcpDown(),
        thisLayerFinished: (failure) => this.lcpFinished(failure),
        discarded: (reason) => io.log('discarded', { reason }),
        protocolRejected: (protocol) => io.log('protocol_rejected_by_client', { protocol: PROTOCOL_NAMES[protocol] ?? protocol }),
        echoReply: (identifier) => io.log('lcp_echo_reply', { identifier }),
      },
    );
    this.authenticator = new ServerAuthenticator(
      { method: scenario.auth, scenario: scenario.name, user: scenario.user, password: scenario.password, name: scenario.authenticatorName, restartMs: scenario.restartMs, schedule, random: io.random },
      { send: (protocol, packet) => this.sendFrame(protocol, packet), log: io.log, done: (result) => this.authenticated(result) },
    );
    // MPPE keys come from MS-CHAPv2 only (RFC 3079): after CHAP-MD5 or PAP, CCP is refused like a pppd without MPPE.
    const refuseMppe = scenario.name === 'mppe_refused' || scenario.auth !== 'mschapv2';
    this.ccpPolicy = refuseMppe ? new RefusingCcpPolicy() : new CcpPolicy();
    const protocolRejectCcp = refuseMppe && (scenario.auth !== 'mschapv2' || scenario.mppeRefusal === 'protocol-reject');
    this.ccp = protocolRejectCcp
      ? undefined
      : new NegotiationAutomaton({ name: 'CCP', schedule, restartMs: scenario.restartMs, extraCodes: [ControlCode.ResetRequest, ControlCode.ResetAck] }, this.ccpPolicy, {
          send: (packet) => this.sendFrame(PppProtocol.Ccp, packet),
          thisLayerUp: () => this.ccpUp(),
          thisLayerDown: () => this.ccpDown(),
          thisLayerFinished: (failure) => io.log('ccp_finished', { failure }),
          discarded: (reason) => io.log('discarded', { reason }),
          extraPacket: (packet) => this.ccpReset(packet.code, packet.identifier),
        });
    this.ipcpPolicy = new ServerIpcpPolicy({ localAddress: this.localAddress, remoteAddress: this.remoteAddress, assignAddress: scenario.name !== 'no_address' });
    this.ipcp = new NegotiationAutomaton({ name: 'IPCP', schedule, restartMs: scenario.restartMs }, this.ipcpPolicy, {
      send: (packet) => this.sendFrame(PppProtocol.Ipcp, packet),
      thisLayerUp: () => this.ipcpUp(),
      thisLayerDown: () => io.log('ipcp_down'),
      thisLayerFinished: (failure) => io.log('ipcp_finished', { failure }),
      discarded: (reason) => io.log('discarded', { reason }),
    });
  }

  /** The pty is open: LCP starts at once, as pppd does in `local` mode. */
  start(): void {
    this.io.log('lcp_start', { auth: this.scenario.auth, local: formatIpv4(this.localAddress), remote: formatIpv4(this.remoteAddress) });
    this.lcp.open();
    this.lcp.up();
  }

  /** The pty closed or the program is told to stop: LCP goes down without a Terminate exchange. */
  hangUp(reason: string): void {
    if (this.done) return;
    this.io.log('hang_up', { reason });
    this.lcp.down();
    this.finish(reason);
  }

  /** One PPP frame from pptpd (HDLC removed, FCS checked). */
  receive(frame: Uint8Array): void {
    if (this.done) return;
    let protocol: number;
    let information: Uint8Array;
    try {
      ({ protocol, information } = decodePppFrame(frame));
    } catch (err) {
      if (!(err instanceof LoginDecodeError)) throw err;
      return this.io.log('discarded', { reason: `PPP frame: ${err.message}` });
    }
    switch (protocol) {
      case PppProtocol.Lcp:
        return this.lcp.receive(information);
      case PppProtocol.Chap:
      case PppProtocol.Pap:
        // After the answer the authenticator still repeats it for a retransmitted Response.
        if (this.phase === 'authenticate' || this.phase === 'network') return this.authenticator.receive(protocol, information);
        return this.io.log('discarded', { reason: `${PROTOCOL_NAMES[protocol]} outside the authentication phase` });
      case PppProtocol.Ccp:
        if (!this.ccp) return this.protocolReject(protocol, information);
        return this.inNetworkPhase(protocol) ? this.ccp.receive(information) : undefined;
      case PppProtocol.Ipcp:
        if (!this.inNetworkPhase(protocol)) return;
        if (this.scenario.name === 'no_address' && this.scenario.noAddress === 'silent' && isConfigureRequest(information)) {
          return this.io.log('ipcp_request_ignored', { scenario: 'no_address' });
        }
        return this.ipcp.receive(information);
      case PppProtocol.CompressedDatagram:
        return this.inNetworkPhase(protocol) ? this.receiveEncrypted(information) : undefined;
      case PppProtocol.Ip:
        if (!this.inNetworkPhase(protocol)) return;
        // With MPPE up, a clear-text datagram would bypass the encryption the client agreed to.
        if (this.mppe) return this.io.log('discarded', { reason: 'unencrypted IP while MPPE is negotiated' });
        return this.receiveIp(information, false);
      default:
        return this.protocolReject(protocol, information);
    }
  }

  // ---- phases ----

  private lcpUp(): void {
    const negotiated = this.lcpPolicy.negotiated;
    this.io.log('lcp_opened', { peerMru: negotiated.peerMruBytes, localMagic: negotiated.localMagic, peerMagic: negotiated.peerMagic });
    this.phase = 'authenticate';
    this.authenticator.start();
  }

  private authenticated(result: AuthenticationResult): void {
    if (!result.ok) {
      // pppd closes the link when authentication fails: Terminate-Request right after the Failure.
      this.phase = 'terminate';
      return this.lcp.close({ code: 'refused', message: `authentication failed: ${result.reason}` });
    }
    this.ntResponse = result.ntResponse;
    this.phase = 'network';
    this.io.log('network_phase');
    if (this.ccp) {
      this.ccp.open();
      this.ccp.up();
    }
    this.ipcp.open();
    this.ipcp.up();
  }

  private ccpUp(): void {
    const policy = this.ccpPolicy;
    const negotiated = policy instanceof CcpPolicy ? policy.negotiated : { sendEncrypted: false, receiveEncrypted: false };
    if (negotiated.sendEncrypted && negotiated.receiveEncrypted && this.ntResponse) {
      const keys = deriveMppeStartKeys(this.scenario.password, this.ntResponse, 128, 'server');
      this.mppe = {
        encryptor: new MppeStatelessEncryptor(keys.sendStartKey),
        decryptor: new MppeStatelessDecryptor(keys.receiveStartKey, this.lcpPolicy.negotiated.peerMayCompressProtocol),
      };
    }
    this.io.log('ccp_opened', { mppe: this.mppe ? '128-bit stateless' : 'none' });
  }

  private ccpDown(): void {
    this.mppe = undefined;
    this.io.log('ccp_down');
  }

  /** Stateless MPPE needs no resets (RFC 3078 §8.1); a Reset-Request is acknowledged anyway. */
  private ccpReset(code: number, identifier: number): void {
    this.io.log('ccp_reset', { code });
    if (code === ControlCode.ResetRequest) this.sendFrame(PppProtocol.Ccp, encodeControlPacket({ code: ControlCode.ResetAck, identifier, data: new Uint8Array(0) }));
  }

  private ipcpUp(): void {
    const client = this.ipcpPolicy.negotiated.clientAddress;
    this.io.log('ipcp_opened', { local: formatIpv4(this.localAddress), client: client ? formatIpv4(client) : undefined });
    if (this.scenario.name !== 'terminate') return;
    const terminate = (): void => {
      this.io.log('terminate_request', { scenario: 'terminate' });
      this.phase = 'terminate';
      this.lcp.close({ code: 'refused', message: 'scenario terminate' });
    };
    // At once by default: from here on nothing is answered, so the client sees the tunnel drop, not an echo.
    if (this.scenario.terminateAfterMs === 0) terminate();
    else this.io.schedule(this.scenario.terminateAfterMs, terminate);
  }

  private lcpDown(): void {
    this.io.log('lcp_down');
    this.phase = 'terminate';
    this.authenticator.stop();
    this.ccp?.down();
    this.ipcp.down();
    this.mppe = undefined;
  }

  private lcpFinished(failure: NegotiationFailure | undefined): void {
    this.io.log('lcp_finished', { failure });
    this.finish(failure ? `${failure.code}: ${failure.message}` : 'link terminated');
  }

  private finish(reason: string): void {
    if (this.done) return;
    this.done = true;
    this.authenticator.stop();
    this.io.finished(reason);
  }

  private inNetworkPhase(protocol: number): boolean {
    if (this.phase === 'network') return true;
    // NCP packets before the Network phase are silently discarded (RFC 1661 §3.4).
    this.io.log('discarded', { reason: `${PROTOCOL_NAMES[protocol] ?? protocol} in the ${this.phase} phase` });
    return false;
  }

  // ---- IP ----

  private receiveEncrypted(information: Uint8Array): void {
    if (!this.mppe) return this.protocolReject(PppProtocol.CompressedDatagram, information);
    try {
      const { protocol, information: inner } = this.mppe.decryptor.decrypt(information);
      if (protocol !== PppProtocol.Ip) return this.io.log('discarded', { reason: `MPPE carries protocol 0x${protocol.toString(16)}` });
      this.receiveIp(inner, true);
    } catch (err) {
      if (!(err instanceof LoginDecodeError)) throw err;
      this.io.log('discarded', { reason: `MPPE: ${err.message}` });
    }
  }

  private receiveIp(datagram: Uint8Array, encrypted: boolean): void {
    try {
      const packet = decodeIpv4(datagram);
      if (packet.protocol !== IP_PROTOCOL_ICMP || !packet.destination.equals(this.localAddress) || packet.isFragment) {
        return this.io.log('ip_ignored', { protocol: packet.protocol, destination: formatIpv4(packet.destination) });
      }
      const icmp = decodeIcmp(packet.payload);
      if (icmp.kind !== 'echo' || icmp.type !== IcmpType.EchoRequest) return this.io.log('ip_ignored', { icmpType: icmp.type });
      if (this.scenario.name === 'no_traffic') return this.io.log('icmp_echo_dropped', { sequence: icmp.sequence, encrypted });
      const reply = encodeIpv4({
        source: this.localAddress,
        destination: packet.source,
        protocol: IP_PROTOCOL_ICMP,
        ttl: REPLY_TTL,
        identification: this.io.random(2).readUInt16BE(0),
        payload: encodeIcmpEcho({ type: IcmpType.EchoReply, identifier: icmp.identifier, sequence: icmp.sequence, data: icmp.data }),
      });
      if (this.mppe) this.sendFrame(PppProtocol.CompressedDatagram, this.mppe.encryptor.encrypt(PppProtocol.Ip, reply));
      else this.sendFrame(PppProtocol.Ip, reply);
      this.io.log('icmp_echo_replied', { sequence: icmp.sequence, to: formatIpv4(packet.source), encrypted });
    } catch (err) {
      if (!(err instanceof LoginDecodeError)) throw err;
      this.io.log('discarded', { reason: `IP: ${err.message}` });
    }
  }

  // ---- sending ----

  /** LCP Protocol-Reject (RFC 1661 §5.7), only while LCP is Opened; otherwise the frame is dropped. */
  private protocolReject(protocol: number, information: Uint8Array): void {
    if (this.lcp.state !== 'opened') return this.io.log('discarded', { reason: `protocol 0x${protocol.toString(16)} before LCP opened` });
    this.lcpIdentifier = (this.lcpIdentifier + 1) & 0xff;
    this.sendFrame(PppProtocol.Lcp, encodeProtocolReject(this.lcpIdentifier, protocol, information, this.lcpPolicy.negotiated.peerMruBytes));
    this.io.log('protocol_reject', { protocol: PROTOCOL_NAMES[protocol] ?? `0x${protocol.toString(16)}` });
  }

  private sendFrame(protocol: number, information: Uint8Array): void {
    this.io.send(encodePppFrame({ protocol, information }));
  }
}

function isConfigureRequest(information: Uint8Array): boolean {
  try {
    return decodeControlPacket(information).code === ControlCode.ConfigureRequest;
  } catch {
    return false;
  }
}
