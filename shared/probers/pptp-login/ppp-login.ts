// The PPP side of a login (RFC 1661 §3 phases): LCP, then authentication, then CCP with MPPE, then
// IPCP, then IPv4 through the tunnel. This class owns the three negotiation automatons, the auth
// client and the MPPE state, routes each received frame to the right one, and tells the session
// what happened; the session decides what comes next and what a failure means. Pure: frames leave
// through a callback and timers come from the session's ScheduleTimer.
//
// Frames that arrive for a layer we have not started yet (the gateway's Challenge racing our view
// of LCP Opened, its CCP request racing the Success) are held, a few per protocol, and replayed when
// the layer starts, rather than dropped and left to the peer's 3-second retransmission.
import { CcpPolicy } from './ccp-policy.js';
import { ControlCode, PppProtocol } from './constants.js';
import { encodeControlPacket, encodeProtocolReject } from './control-packet.js';
import { LoginDecodeError } from './errors.js';
import { IpcpPolicy } from './ipcp-policy.js';
import { LcpPolicy, type LcpNegotiated } from './lcp-policy.js';
import { AuthClient, type AuthOutcome } from './login-auth.js';
import { deriveMppeStartKeys } from './mppe-keys.js';
import { MppeStatelessDecryptor, MppeStatelessEncryptor } from './mppe.js';
import { NegotiationAutomaton, type ScheduleTimer } from './negotiation-automaton.js';
import type { NegotiationFailure, NegotiationPolicy } from './negotiation-policy.js';
import type { AuthMethod } from './options.js';
import { decodePppFrame, encodePppFrame, type PppFrame } from './ppp-frame.js';
import { RecordingPolicy } from './recording-policy.js';

/** Frames held per protocol for a layer that has not started yet. */
const EARLY_FRAMES_PER_PROTOCOL = 4;
/**
 * Configure-Requests a layer accepts from the gateway before it opens. A conforming peer sends at
 * most Max-Configure (10) retransmissions plus a few after Naks; one that re-requests what we
 * reject, forever, would otherwise loop at network speed (the automaton bounds only the Naks it receives).
 */
export const MAX_PEER_CONFIGURE_REQUESTS = 32;

export type PppLayer = 'LCP' | 'CCP' | 'IPCP';

export interface PppLoginHooks {
  /** A PPP frame (Address/Control and Protocol included) to carry in GRE. */
  sendFrame(frame: Uint8Array): void;
  lcpUp(negotiated: Readonly<LcpNegotiated>): void;
  /** LCP left the Opened state (the gateway renegotiates); lcpUp follows if it opens again. */
  lcpDown(): void;
  authDone(outcome: AuthOutcome): void;
  /** CCP opened; `encrypted` is true when MPPE 128-bit stateless holds in both directions. */
  ccpUp(encrypted: boolean): void;
  ipcpUp(): void;
  /** A layer ended: a failure of negotiation, the peer's Terminate, or our own close completing. */
  layerFinished(layer: PppLayer, failure: NegotiationFailure | undefined): void;
  /** An IPv4 datagram arrived through the tunnel (decrypted when MPPE is on). */
  datagram(datagram: Uint8Array): void;
  /** Something was ignored; for the counters and a note. */
  discarded(reason: string): void;
}

export interface PppLoginConfig {
  username: string;
  password: string;
  allowedAuth: readonly AuthMethod[];
  restartMs: number;
  schedule: ScheduleTimer;
  randomBytes: (count: number) => Uint8Array;
}

function randomUint32(randomBytes: (count: number) => Uint8Array): number {
  return Buffer.from(randomBytes(4)).readUInt32BE(0);
}

export class PppLogin {
  readonly lcpPolicy: RecordingPolicy<LcpPolicy>;
  readonly ccpPolicy = new RecordingPolicy('CCP', new CcpPolicy());
  readonly ipcpPolicy = new RecordingPolicy('IPCP', new IpcpPolicy());
  private readonly lcp: NegotiationAutomaton;
  private ccp: NegotiationAutomaton | undefined;
  private ipcp: NegotiationAutomaton | undefined;
  private auth: AuthClient | undefined;
  private encryptor: MppeStatelessEncryptor | undefined;
  private decryptor: MppeStatelessDecryptor | undefined;
  private ntResponse: Buffer | undefined;
  private readonly early = new Map<number, Uint8Array[]>();
  private lcpStarted = false;
  /** No CCP in this login (no MPPE keys, none required): the gateway's CCP gets Protocol-Reject. */
  private ccpDeclined = false;
  private protocolRejectId = 0;
  private closed = false;
  /** An LCP Terminate-Request went out (ours on close, or the automaton's when negotiation failed). */
  lcpTerminateSent = false;

  constructor(
    private readonly config: PppLoginConfig,
    private readonly hooks: PppLoginHooks,
  ) {
    this.lcpPolicy = new RecordingPolicy('LCP', new LcpPolicy({ allowedAuth: config.allowedAuth, nextMagic: () => randomUint32(config.randomBytes) }));
    this.lcp = new NegotiationAutomaton(
      { name: 'LCP', schedule: config.schedule, isLcp: true, restartMs: config.restartMs, localMagic: () => this.lcpPolicy.inner.negotiated.localMagic ?? 0 },
      this.lcpPolicy,
      {
        send: (packet) => this.sendPacket(PppProtocol.Lcp, packet),
        thisLayerUp: () => this.hooks.lcpUp(this.lcpPolicy.inner.negotiated),
        thisLayerDown: () => this.hooks.lcpDown(),
        thisLayerFinished: (failure) => this.hooks.layerFinished('LCP', failure),
        protocolRejected: (protocol) => this.onProtocolRejected(protocol),
        discarded: (reason) => this.hooks.discarded(reason),
      },
    );
  }

  get lcpNegotiated(): Readonly<LcpNegotiated> {
    return this.lcpPolicy.inner.negotiated;
  }

  /** The name the gateway's CHAP Challenge gave (pppd's `name` option), once one came. */
  get authPeerName(): string | undefined {
    return this.auth?.peerName;
  }

  /** Whether the auth client sent its Response (or PAP request) yet. */
  get authResponded(): boolean {
    return this.auth?.responded ?? false;
  }

  get lcpOpened(): boolean {
    return this.lcp.state === 'opened';
  }

  /** The addresses IPCP settled: ours and the gateway's own, as 4-byte buffers. */
  get ipcpNegotiated(): IpcpPolicy['negotiated'] {
    return this.ipcpPolicy.inner.negotiated;
  }

  /** LCP: Open then Up (the call is the lower layer): our first Configure-Request goes out now. */
  startLcp(): void {
    this.lcpStarted = true;
    this.lcp.open();
    this.lcp.up();
    this.replay(PppProtocol.Lcp);
  }

  startAuth(method: AuthMethod): void {
    this.auth = new AuthClient(
      { method, username: this.config.username, password: this.config.password, randomBytes: this.config.randomBytes, papRetryMs: this.config.restartMs },
      {
        send: (protocol, packet) => this.sendPacket(protocol, packet),
        done: (outcome) => {
          if (outcome.kind === 'success') this.ntResponse = outcome.ntResponse;
          this.hooks.authDone(outcome);
        },
        schedule: this.config.schedule,
        discarded: (reason) => this.hooks.discarded(reason),
      },
    );
    this.auth.start();
    this.replay(this.auth.protocol);
  }

  /** Abandons an authentication that has not answered anything yet (LCP went down before it began). */
  stopAuth(): void {
    this.auth?.close();
    this.auth = undefined;
  }

  /** No CCP for this login: what the gateway sent and sends for CCP is Protocol-Rejected. */
  declineCcp(): void {
    this.ccpDeclined = true;
    const held = this.early.get(PppProtocol.Ccp) ?? [];
    this.early.delete(PppProtocol.Ccp);
    for (const information of held) this.reject(PppProtocol.Ccp, information);
  }

  /** CCP with MPPE 128-bit stateless; keys from the MS-CHAPv2 exchange (RFC 3079 §3). */
  startCcp(): void {
    this.ccp = this.ncp('CCP', this.ccpPolicy, PppProtocol.Ccp, () => this.onCcpUp(), [ControlCode.ResetRequest, ControlCode.ResetAck]);
    this.replay(PppProtocol.Ccp);
  }

  startIpcp(): void {
    this.ipcp = this.ncp('IPCP', this.ipcpPolicy, PppProtocol.Ipcp, () => this.hooks.ipcpUp());
    this.replay(PppProtocol.Ipcp);
  }

  /** Sends an IPv4 datagram through the tunnel, encrypted when MPPE is on. */
  sendDatagram(datagram: Uint8Array): void {
    if (this.encryptor) this.sendPacket(PppProtocol.CompressedDatagram, this.encryptor.encrypt(PppProtocol.Ip, datagram));
    else this.sendPacket(PppProtocol.Ip, datagram);
  }

  /**
   * LCP Close: Terminate-Request now, and layerFinished('LCP') on Terminate-Ack or after the retries.
   * Returns whether a Terminate-Request went out (none when LCP had already ended or never began).
   */
  terminate(): boolean {
    if (!this.lcpStarted || this.closed) return this.lcpTerminateSent;
    this.lcp.close();
    return this.lcpTerminateSent;
  }

  /** Whether LCP is still negotiating or open (a Terminate-Request would be sent). */
  get lcpActive(): boolean {
    return ['opened', 'req-sent', 'ack-rcvd', 'ack-sent', 'closing', 'stopping'].includes(this.lcp.state);
  }

  /** Stops everything at once (timers included); no hook is called afterwards. */
  close(): void {
    this.closed = true;
    this.auth?.close();
  }

  /** One PPP frame from the GRE payload. */
  receive(payload: Uint8Array): void {
    if (this.closed) return;
    let frame: PppFrame;
    try {
      frame = decodePppFrame(payload);
    } catch (err) {
      if (!(err instanceof LoginDecodeError)) throw err;
      this.hooks.discarded(`malformed PPP frame: ${err.message}`);
      return;
    }
    const { protocol, information } = frame;
    switch (protocol) {
      case PppProtocol.Lcp:
        if (!this.lcpStarted) return this.hold(protocol, information);
        this.lcp.receive(information);
        return this.checkConverging(this.lcp, this.lcpPolicy.record.requestsFromPeer);
      case PppProtocol.Chap:
      case PppProtocol.Pap:
        if (this.auth && this.auth.protocol === protocol) return this.auth.receive(information);
        if (!this.auth && this.lcpStarted) return this.hold(protocol, information);
        return this.hooks.discarded(`${protocol === PppProtocol.Pap ? 'PAP' : 'CHAP'} packet outside authentication`);
      case PppProtocol.Ccp:
        if (this.ccpDeclined) return this.reject(protocol, information);
        if (!this.ccp) return this.holdOrReject(protocol, information);
        this.ccp.receive(information);
        return this.checkConverging(this.ccp, this.ccpPolicy.record.requestsFromPeer);
      case PppProtocol.Ipcp:
        if (!this.ipcp) return this.holdOrReject(protocol, information);
        this.ipcp.receive(information);
        return this.checkConverging(this.ipcp, this.ipcpPolicy.record.requestsFromPeer);
      case PppProtocol.CompressedDatagram:
        return this.receiveEncrypted(information);
      case PppProtocol.Ip:
        // With MPPE on, the gateway must not send IP in the clear; a real client drops it too.
        if (this.decryptor) return this.hooks.discarded('unencrypted IP while MPPE is on');
        return this.ipcp?.state === 'opened' ? this.hooks.datagram(information) : this.hooks.discarded('IP before IPCP opened');
      default:
        return this.reject(protocol, information);
    }
  }

  private ncp(name: 'CCP' | 'IPCP', policy: NegotiationPolicy, protocol: number, up: () => void, extraCodes: readonly number[] = []): NegotiationAutomaton {
    const automaton: NegotiationAutomaton = new NegotiationAutomaton(
      { name, schedule: this.config.schedule, restartMs: this.config.restartMs, peerMruBytes: this.lcpNegotiated.peerMruBytes, extraCodes },
      policy,
      {
        send: (packet) => this.sendPacket(protocol, packet),
        thisLayerUp: up,
        thisLayerFinished: (failure) => this.hooks.layerFinished(name, failure),
        discarded: (reason) => this.hooks.discarded(reason),
        // Stateless MPPE needs no history reset; answer a Reset-Request so the peer stops asking (RFC 1962 §5).
        extraPacket: (packet) => {
          if (packet.code === ControlCode.ResetRequest) this.sendPacket(protocol, encodeControlPacket({ code: ControlCode.ResetAck, identifier: packet.identifier, data: new Uint8Array(0) }));
        },
      },
    );
    automaton.open();
    automaton.up();
    return automaton;
  }

  /** Closes a layer whose peer keeps requesting without ever reaching agreement. */
  private checkConverging(automaton: NegotiationAutomaton, requestsFromPeer: number): void {
    if (this.closed || requestsFromPeer <= MAX_PEER_CONFIGURE_REQUESTS) return;
    if (!['req-sent', 'ack-rcvd', 'ack-sent'].includes(automaton.state)) return;
    automaton.close({ code: 'not_converging', message: `the gateway sent ${requestsFromPeer} Configure-Requests without agreeing` });
  }

  private onCcpUp(): void {
    const negotiated = this.ccpPolicy.inner.negotiated;
    const encrypted = negotiated.sendEncrypted && negotiated.receiveEncrypted && this.ntResponse !== undefined;
    if (encrypted && this.ntResponse) {
      const keys = deriveMppeStartKeys(this.config.password, this.ntResponse, 128, 'client');
      this.encryptor = new MppeStatelessEncryptor(keys.sendStartKey);
      this.decryptor = new MppeStatelessDecryptor(keys.receiveStartKey, this.lcpNegotiated.peerPfc);
    }
    this.hooks.ccpUp(encrypted);
  }

  private receiveEncrypted(information: Uint8Array): void {
    if (!this.decryptor) return this.hooks.discarded('MPPE packet before CCP opened');
    try {
      const plain = this.decryptor.decrypt(information);
      if (plain.protocol === PppProtocol.Ip) this.hooks.datagram(plain.information);
      else this.hooks.discarded(`encrypted protocol 0x${plain.protocol.toString(16)} ignored`);
    } catch (err) {
      if (!(err instanceof LoginDecodeError)) throw err;
      this.hooks.discarded(`MPPE: ${err.message}`);
    }
  }

  private onProtocolRejected(protocol: number): void {
    // The gateway does not speak this protocol at all: the layer is finished (RXJ- for an NCP).
    const failure: NegotiationFailure = { code: 'refused', message: `the gateway sent Protocol-Reject for ${protocol === PppProtocol.Ccp ? 'CCP' : protocol === PppProtocol.Ipcp ? 'IPCP' : `protocol 0x${protocol.toString(16)}`}` };
    if (protocol === PppProtocol.Ccp && this.ccp) this.ccp.close(failure);
    else if (protocol === PppProtocol.Ipcp && this.ipcp) this.ipcp.close(failure);
  }

  /** An NCP packet before we started that NCP: hold it if we will start it, else Protocol-Reject it. */
  private holdOrReject(protocol: number, information: Uint8Array): void {
    if (this.lcp.state !== 'opened') return this.hooks.discarded(`protocol 0x${protocol.toString(16)} before LCP opened`);
    this.hold(protocol, information);
  }

  /** Protocol-Reject for a protocol we do not speak (IPv6CP, IPv6, ...), only while LCP is Opened (RFC 1661 §5.7). */
  private reject(protocol: number, information: Uint8Array): void {
    if (this.lcp.state !== 'opened') return this.hooks.discarded(`protocol 0x${protocol.toString(16)} before LCP opened`);
    this.protocolRejectId = (this.protocolRejectId + 1) & 0xff;
    this.sendPacket(PppProtocol.Lcp, encodeProtocolReject(this.protocolRejectId, protocol, information, this.lcpNegotiated.peerMruBytes));
    this.hooks.discarded(`Protocol-Reject sent for protocol 0x${protocol.toString(16)}`);
  }

  private hold(protocol: number, information: Uint8Array): void {
    let held = this.early.get(protocol);
    if (!held) this.early.set(protocol, (held = []));
    if (held.length >= EARLY_FRAMES_PER_PROTOCOL) held.shift();
    held.push(information);
  }

  private replay(protocol: number): void {
    const held = this.early.get(protocol);
    if (!held) return;
    this.early.delete(protocol);
    for (const information of held) {
      if (this.closed) return;
      this.receive(encodePppFrame({ protocol, information }));
    }
  }

  private sendPacket(protocol: number, packet: Uint8Array): void {
    if (this.closed) return;
    if (protocol === PppProtocol.Lcp && packet[0] === ControlCode.TerminateRequest) this.lcpTerminateSent = true;
    this.hooks.sendFrame(encodePppFrame({ protocol, information: packet }));
  }
}

