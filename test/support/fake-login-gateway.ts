// A scripted PPTP gateway in memory for login-session unit tests: a PAC on a fake TCP socket (the
// real codec) and a PPP server over enhanced GRE on a MemoryGreNetwork, built from the same pure
// blocks the probe uses but playing the other side (the authenticator's MS-CHAPv2, server-side MPPE
// keys, its own LCP/IPCP/CCP policies). Everything runs on one FakeClock; nothing touches a network.
// Like pppd with require-mppe-128, it starts IPCP only once CCP is open and answers an IPCP request
// that comes earlier with Terminate-Ack. Knobs in GatewayScript make it fail, or turn hostile.
import { FakeClock } from './fake-io.js';
import { mulberry32 } from './prng.js';
import type { ConnectRequest, ProbeSocket, SocketFactory, SocketHandlers } from '../../shared/probe/deps.js';
import { ControlMessageType, PptpFramer, encodeMessage, type ControlMessage, type EncodableMessage } from '../../shared/probers/pptp/index.js';
import { CcpPolicy, MPPE_128_STATELESS } from '../../shared/probers/pptp-login/ccp-policy.js';
import { ChapCode, ControlCode, IcmpType, IP_PROTOCOL_ICMP, IpcpOption, LcpOption, PapCode, PppProtocol } from '../../shared/probers/pptp-login/constants.js';
import { decodeChapPacket, encodeChapChallenge, encodeChapResult, chapMd5Response, isChallengeOrResponse } from '../../shared/probers/pptp-login/chap.js';
import { decodeControlPacket, encodeControlPacket, encodeOptions, type ConfigOption } from '../../shared/probers/pptp-login/control-packet.js';
import { encodeGre } from '../../shared/probers/pptp-login/gre.js';
import { GreLink } from '../../shared/probers/pptp-login/gre-link.js';
import { MemoryGreNetwork, MemoryGreTransport } from '../../shared/probers/pptp-login/gre-transport-memory.js';
import { decodeIcmp, encodeIcmpEcho } from '../../shared/probers/pptp-login/icmp.js';
import { decodeIpv4, encodeIpv4, internetChecksum, parseIpv4 } from '../../shared/probers/pptp-login/ipv4.js';
import { deriveMppeStartKeys } from '../../shared/probers/pptp-login/mppe-keys.js';
import { MppeStatelessDecryptor, MppeStatelessEncryptor } from '../../shared/probers/pptp-login/mppe.js';
import { generateAuthenticatorResponse, generateNtResponse } from '../../shared/probers/pptp-login/ms-chap-v2.js';
import { NegotiationAutomaton, type CancelTimer } from '../../shared/probers/pptp-login/negotiation-automaton.js';
import { combineJudgements, type NegotiationPolicy, type PeerRequestVerdict } from '../../shared/probers/pptp-login/negotiation-policy.js';
import { authProtocolOption, ipAddressOption, magicNumberOption, readIpAddress, type AuthMethod } from '../../shared/probers/pptp-login/options.js';
import { decodePapRequest } from '../../shared/probers/pptp-login/pap.js';
import { decodePppFrame, encodePppFrame } from '../../shared/probers/pptp-login/ppp-frame.js';

export const GATEWAY_ADDRESS = '192.0.2.1';
export const PROBE_ADDRESS = '198.51.100.7';
export const GATEWAY_TUNNEL_ADDRESS = '10.0.0.1';
export const ASSIGNED_ADDRESS = '10.0.0.100';
export const GATEWAY_CALL_ID = 0x4242;
export const USERNAME = 'monitor';
export const PASSWORD = 'correct horse';
/** One-way delay of every packet and TCP segment, in ms. */
export const LATENCY_MS = 2;

export interface GatewayScript {
  /** Answer to SCCRQ: a result code, or silence. */
  control?: 'ok' | 'reject' | 'silent';
  /** Outgoing-Call-Reply result code (1 = connected), or silence. */
  callResult?: number | 'silent';
  /** The Outgoing-Call-Reply names another call than the one the probe placed. */
  replyForOtherCall?: boolean;
  /** Close the control connection this long after accepting the call (pptpd whose pppd cannot start). */
  dropCallAfterMs?: number;
  /** 'none': no GRE from the gateway reaches the probe; 'one_way': the probe's GRE never reaches the gateway. */
  gre?: 'ok' | 'none' | 'one_way';
  /** The gateway sends its GRE with another Call ID (it answers for a call that is not ours). */
  wrongCallId?: boolean;
  /** What the gateway asks for in LCP. */
  auth?: AuthMethod | 'none';
  /** The password the gateway's account database holds. */
  password?: string;
  /** 'silent': no Success/Failure; 'no_challenge': never sends one; 'bad_authenticator': Success with a wrong S=. */
  authResult?: 'verify' | 'silent' | 'no_challenge' | 'bad_authenticator';
  /** MS-CHAPv2 E= code of a failure. */
  failureCode?: number;
  /** 'reject': Configure-Reject of MPPE; 'protocol_reject': no CCP at all; 'offer_40bit': Nak toward 40-bit stateful. */
  ccp?: 'mppe' | 'reject' | 'protocol_reject' | 'offer_40bit';
  /** 'reject_address': Configure-Reject of IP-Address (no pool); 'silent': no IPCP answers at all. */
  ipcp?: 'assign' | 'reject_address' | 'silent';
  /** 'silent': echo requests through the tunnel get no reply; 'unreachable': ICMP port unreachable. */
  data?: 'echo' | 'silent' | 'unreachable';
  /** Hostile behaviours. */
  hostile?: 'gre_flood' | 'malformed_ppp' | 'lcp_nak_loop' | 'lcp_request_loop';
  /** No answer to LCP Terminate-Request / Call-Clear / Stop (teardown must still end). */
  silentTeardown?: boolean;
}

/** What the gateway saw, for assertions. */
export interface GatewayLog {
  control: ControlMessage[];
  /** PPP control packets received: protocol and code. */
  ppp: Array<{ protocol: number; code: number }>;
  greReceived: number;
  echoRequests: number;
  authResponses: number;
  /** Our IPCP requests the gateway answered with Terminate-Ack because CCP was not open yet. */
  earlyIpcpTerminateAcks: number;
}

const toBytes = (text: string): Buffer => parseIpv4(text);

/** Server-side LCP: ask for the script's authentication and a Magic-Number; accept the probe's options. */
class ServerLcpPolicy implements NegotiationPolicy {
  private naks = 0;
  constructor(
    private readonly script: GatewayScript,
    private readonly random: () => number,
  ) {}
  buildRequest(): ConfigOption[] {
    const auth = this.script.auth ?? 'mschapv2';
    const options = [magicNumberOption(0x10000000 + Math.floor(this.random() * 0x0fffffff))];
    return auth === 'none' ? options : [authProtocolOption(auth), ...options];
  }
  judgeRequest(options: readonly ConfigOption[]): PeerRequestVerdict {
    if (this.script.hostile === 'lcp_nak_loop') {
      // Never satisfied: a new Magic-Number every time, forever.
      this.naks++;
      return combineJudgements(options, (o) => (o.type === LcpOption.MagicNumber ? { kind: 'nak', option: magicNumberOption(0x20000000 + this.naks) } : { kind: 'ack' }));
    }
    return { kind: 'ack' };
  }
  onNak(): undefined {
    return undefined;
  }
  onReject(): undefined {
    return undefined;
  }
}

/** Server-side IPCP: states its own address, Naks 0.0.0.0 with the pool address. */
class ServerIpcpPolicy implements NegotiationPolicy {
  constructor(private readonly script: GatewayScript) {}
  buildRequest(): ConfigOption[] {
    return [ipAddressOption(IpcpOption.IpAddress, toBytes(GATEWAY_TUNNEL_ADDRESS))];
  }
  judgeRequest(options: readonly ConfigOption[]): PeerRequestVerdict {
    return combineJudgements(options, (o) => {
      if (o.type !== IpcpOption.IpAddress) return { kind: 'reject' };
      if (this.script.ipcp === 'reject_address') return { kind: 'reject' };
      return readIpAddress(o).equals(toBytes(ASSIGNED_ADDRESS)) ? { kind: 'ack' } : { kind: 'nak', option: ipAddressOption(IpcpOption.IpAddress, toBytes(ASSIGNED_ADDRESS)) };
    });
  }
  onNak(): undefined {
    return undefined;
  }
  onReject(): undefined {
    return undefined;
  }
}

/** Server-side CCP variants. */
class RejectingCcpPolicy implements NegotiationPolicy {
  constructor(private readonly offer40: boolean) {}
  buildRequest(): ConfigOption[] {
    return [];
  }
  judgeRequest(options: readonly ConfigOption[]): PeerRequestVerdict {
    if (this.offer40) {
      const data = Buffer.alloc(4);
      data.writeUInt32BE(0x20, 0); // 40-bit, stateful
      return combineJudgements(options, () => ({ kind: 'nak', option: { type: 18, data } }));
    }
    return combineJudgements(options, () => ({ kind: 'reject' }));
  }
  onNak(): undefined {
    return undefined;
  }
  onReject(): undefined {
    return undefined;
  }
}

export class FakeLoginGateway {
  readonly clock: FakeClock;
  readonly network: MemoryGreNetwork;
  /** This gateway's address on the network. */
  readonly address: string;
  /** The probe's transport: hand this to the session. */
  readonly probeTransport: MemoryGreTransport;
  readonly log: GatewayLog = { control: [], ppp: [], greReceived: 0, echoRequests: 0, authResponses: 0, earlyIpcpTerminateAcks: 0 };
  private readonly random: () => number;
  private readonly gatewayTransport: MemoryGreTransport;
  private socketHandlers: SocketHandlers | undefined;
  private socketOpen = false;
  private readonly framer = new PptpFramer();
  private probeCallId: number | undefined;
  private link: GreLink | undefined;
  private lcp: NegotiationAutomaton | undefined;
  private ccp: NegotiationAutomaton | undefined;
  private ipcp: NegotiationAutomaton | undefined;
  private challenge: Buffer | undefined;
  private encryptor: MppeStatelessEncryptor | undefined;
  private decryptor: MppeStatelessDecryptor | undefined;
  private greSequence = 0;

  /**
   * `shared` puts several gateways on one clock and network, all reached through one probe transport
   * (as one agent process reaches many gateways through its one raw socket).
   */
  constructor(
    readonly script: GatewayScript = {},
    seed = 1,
    shared?: { clock: FakeClock; network: MemoryGreNetwork; probeTransport: MemoryGreTransport; address: string },
  ) {
    this.random = mulberry32(seed);
    this.clock = shared?.clock ?? new FakeClock();
    this.address = shared?.address ?? GATEWAY_ADDRESS;
    this.network = shared?.network ?? new MemoryGreNetwork({ schedule: (delayMs, fn) => void this.clock.timersApi.set(delayMs, fn), latencyMs: LATENCY_MS });
    const address = this.address;
    if (script.gre === 'none') this.network.drop((source) => source === address);
    if (script.gre === 'one_way') this.network.drop((source, destination) => source === PROBE_ADDRESS && destination === address);
    this.probeTransport = shared?.probeTransport ?? new MemoryGreTransport(this.network, PROBE_ADDRESS);
    this.gatewayTransport = new MemoryGreTransport(this.network, address);
  }

  /** Deterministic random bytes for the probe (the same seed gives the same Call ID and challenges). */
  readonly randomBytes = (count: number): Uint8Array => {
    const out = new Uint8Array(count);
    for (let i = 0; i < count; i++) out[i] = Math.floor(this.random() * 256);
    return out;
  };

  /** The probe's TCP socket factory: every connection reaches this gateway's PAC. */
  readonly connect: SocketFactory = (_request: ConnectRequest, handlers: SocketHandlers): ProbeSocket => {
    this.socketHandlers = handlers;
    this.socketOpen = true;
    this.later(() => handlers.onConnect());
    return {
      write: (bytes) => {
        const copy = Buffer.from(bytes);
        this.later(() => this.framer.push(copy, (m) => void this.onControl(m)));
      },
      destroy: () => {
        this.socketOpen = false;
      },
      localPort: () => 40_000,
    };
  };

  /** Control connection still open on the probe's side. */
  get probeSocketOpen(): boolean {
    return this.socketOpen;
  }

  private schedule = (delayMs: number, fn: () => void): CancelTimer => {
    const handle = this.clock.timersApi.set(delayMs, fn);
    return () => this.clock.timersApi.clear(handle);
  };

  private later(fn: () => void, delayMs = LATENCY_MS): void {
    this.clock.timersApi.set(delayMs, fn);
  }

  private reply(message: EncodableMessage): void {
    const bytes = encodeMessage(message);
    this.later(() => {
      if (this.socketOpen) this.socketHandlers?.onData(bytes);
    });
  }

  // ---- the PAC ----

  private onControl(message: ControlMessage): void {
    this.log.control.push(message);
    const T = ControlMessageType;
    switch (message.type) {
      case T.StartControlConnectionRequest:
        if (this.script.control === 'silent') return;
        this.reply({
          type: T.StartControlConnectionReply,
          protocolVersion: 0x0100,
          resultCode: this.script.control === 'reject' ? 4 : 1,
          errorCode: 0,
          framingCapabilities: 1,
          bearerCapabilities: 1,
          maxChannels: 0,
          firmwareRevision: 1,
          hostname: 'fake-gw',
          vendor: 'test',
        });
        return;
      case T.OutgoingCallRequest: {
        if (this.script.callResult === 'silent') return;
        const result = this.script.callResult ?? 1;
        const peerCallId = this.script.replyForOtherCall ? (message.callId + 1) & 0xffff : message.callId;
        this.reply({ type: T.OutgoingCallReply, callId: GATEWAY_CALL_ID, peerCallId, resultCode: result, errorCode: 0, causeCode: 0, connectSpeed: 10_000_000, packetRecvWindowSize: 64, packetProcessingDelay: 0, physicalChannelId: 0 });
        if (result === 1) this.later(() => this.startCall(message.callId));
        if (result === 1 && this.script.dropCallAfterMs !== undefined) {
          this.later(() => {
            if (this.socketOpen) this.socketHandlers?.onEnd();
          }, this.script.dropCallAfterMs + LATENCY_MS);
        }
        return;
      }
      case T.CallClearRequest:
        if (!this.script.silentTeardown) this.reply({ type: T.CallDisconnectNotify, callId: GATEWAY_CALL_ID, resultCode: 4, errorCode: 0, causeCode: 0, callStatistics: '' });
        return;
      case T.StopControlConnectionRequest:
        if (!this.script.silentTeardown) this.reply({ type: T.StopControlConnectionReply, resultCode: 1, errorCode: 0 });
        return;
      default:
        return;
    }
  }

  // ---- GRE and PPP ----

  private startCall(probeCallId: number): void {
    this.probeCallId = probeCallId;
    const channel = this.gatewayTransport.open(PROBE_ADDRESS, GATEWAY_CALL_ID, { onPacket: (gre) => this.onGre(gre) });
    this.link = new GreLink(channel, this.schedule, this.clock.now, 50, { onPayload: (payload) => this.onPpp(payload) });
    this.link.setPeerCallId(this.script.wrongCallId ? (probeCallId + 1) & 0xffff : probeCallId);
    this.lcp = new NegotiationAutomaton(
      { name: 'LCP', schedule: this.schedule, isLcp: true, restartMs: 3000, maxFailure: 1000 },
      new ServerLcpPolicy(this.script, this.random),
      {
        send: (packet) => this.sendPpp(PppProtocol.Lcp, packet),
        thisLayerUp: () => (this.script.hostile === 'lcp_request_loop' ? this.renegotiateForever() : this.startAuth()),
      },
    );
    this.lcp.open();
    this.lcp.up();
    if (this.script.hostile === 'gre_flood') this.flood();
    if (this.script.hostile === 'malformed_ppp') this.sendMalformed();
  }

  private onGre(gre: Uint8Array): void {
    this.log.greReceived++;
    this.link?.receive(gre);
  }

  private sendPpp(protocol: number, information: Uint8Array): void {
    this.link?.send(encodePppFrame({ protocol, information }));
  }

  private onPpp(payload: Uint8Array): void {
    const frame = decodePppFrame(payload);
    const { protocol, information } = frame;
    if (protocol !== PppProtocol.CompressedDatagram && protocol !== PppProtocol.Ip) {
      try {
        this.log.ppp.push({ protocol, code: decodeControlPacket(information).code });
      } catch {
        this.log.ppp.push({ protocol, code: -1 });
      }
    }
    switch (protocol) {
      case PppProtocol.Lcp:
        return this.lcp?.receive(information);
      case PppProtocol.Chap:
        return this.onChap(information);
      case PppProtocol.Pap:
        return this.onPap(information);
      case PppProtocol.Ccp:
        if (this.script.ccp === 'protocol_reject') return this.protocolReject(protocol, information);
        return this.ccp?.receive(information);
      case PppProtocol.Ipcp:
        if (!this.ipcp) {
          // pppd with require-mppe-128 before CCP is open: Terminate-Ack to any IPCP packet.
          const packet = decodeControlPacket(information);
          if (packet.code === ControlCode.ConfigureRequest) this.log.earlyIpcpTerminateAcks++;
          this.sendPpp(PppProtocol.Ipcp, encodeControlPacket({ code: ControlCode.TerminateAck, identifier: packet.identifier, data: new Uint8Array(0) }));
          return;
        }
        if (this.script.ipcp === 'silent') return;
        return this.ipcp.receive(information);
      case PppProtocol.CompressedDatagram:
        if (!this.decryptor) return;
        return this.onIp(this.decryptor.decrypt(information).information);
      case PppProtocol.Ip:
        return this.encryptor ? undefined : this.onIp(information);
      default:
        return;
    }
  }

  private protocolReject(protocol: number, information: Uint8Array): void {
    const data = Buffer.alloc(2 + information.length);
    data.writeUInt16BE(protocol, 0);
    data.set(information, 2);
    this.sendPpp(PppProtocol.Lcp, encodeControlPacket({ code: ControlCode.ProtocolReject, identifier: 99, data }));
  }

  private startAuth(): void {
    const auth = this.script.auth ?? 'mschapv2';
    if (auth === 'none') return this.startCcp();
    if (auth === 'pap' || this.script.authResult === 'no_challenge') return;
    this.challenge = Buffer.from(this.randomBytes(auth === 'mschapv2' ? 16 : 8));
    this.sendPpp(PppProtocol.Chap, encodeChapChallenge(7, this.challenge, 'fake-gw'));
  }

  private onChap(information: Uint8Array): void {
    const packet = decodeChapPacket(information);
    if (packet.code !== ChapCode.Response || !isChallengeOrResponse(packet) || !this.challenge) return;
    this.log.authResponses++;
    if (this.script.authResult === 'silent') return;
    const password = this.script.password ?? PASSWORD;
    if ((this.script.auth ?? 'mschapv2') === 'chap-md5') {
      const ok = chapMd5Response(packet.identifier, password, this.challenge).equals(packet.value);
      this.sendPpp(PppProtocol.Chap, encodeChapResult(ok ? ChapCode.Success : ChapCode.Failure, packet.identifier, ok ? 'Welcome' : 'Bad password'));
      if (ok) this.startCcp();
      return;
    }
    const peerChallenge = packet.value.subarray(0, 16);
    const ntResponse = packet.value.subarray(24, 48);
    const expected = generateNtResponse(this.challenge, peerChallenge, packet.name, password);
    if (!expected.equals(ntResponse) || this.script.failureCode !== undefined) {
      const code = this.script.failureCode ?? 691;
      this.sendPpp(PppProtocol.Chap, encodeChapResult(ChapCode.Failure, packet.identifier, `E=${code} R=0 C=00112233445566778899AABBCCDDEEFF V=3 M=Authentication failure`));
      return;
    }
    let authenticator = generateAuthenticatorResponse(password, ntResponse, peerChallenge, this.challenge, packet.name);
    if (this.script.authResult === 'bad_authenticator') authenticator = `S=${'0'.repeat(40)}`;
    this.sendPpp(PppProtocol.Chap, encodeChapResult(ChapCode.Success, packet.identifier, `${authenticator} M=Access granted`));
    this.keys = deriveMppeStartKeys(password, ntResponse, 128, 'server');
    this.startCcp();
  }

  /** MPPE keys from the MS-CHAPv2 exchange; in use once CCP opens. */
  private keys: { sendStartKey: Buffer; receiveStartKey: Buffer } | undefined;

  private onPap(information: Uint8Array): void {
    const request = decodePapRequest(information);
    this.log.authResponses++;
    if (this.script.authResult === 'silent') return;
    const ok = request.password.toString('utf8') === (this.script.password ?? PASSWORD);
    const message = Buffer.from(ok ? 'Login ok' : 'Login incorrect');
    const data = Buffer.concat([Buffer.from([message.length]), message]);
    this.sendPpp(PppProtocol.Pap, encodeControlPacket({ code: ok ? PapCode.AuthenticateAck : PapCode.AuthenticateNak, identifier: request.identifier, data }));
    if (ok) this.startCcp();
  }

  private startCcp(): void {
    if ((this.script.auth ?? 'mschapv2') !== 'mschapv2' || this.script.ccp === 'protocol_reject') return this.startIpcp();
    const policy = this.script.ccp === 'reject' || this.script.ccp === 'offer_40bit' ? new RejectingCcpPolicy(this.script.ccp === 'offer_40bit') : new CcpPolicy();
    this.ccp = new NegotiationAutomaton({ name: 'CCP', schedule: this.schedule, restartMs: 3000 }, policy, {
      send: (packet) => this.sendPpp(PppProtocol.Ccp, packet),
      thisLayerUp: () => {
        if (this.keys) {
          this.encryptor = new MppeStatelessEncryptor(this.keys.sendStartKey);
          this.decryptor = new MppeStatelessDecryptor(this.keys.receiveStartKey);
        }
        this.startIpcp();
      },
    });
    this.ccp.open();
    this.ccp.up();
  }

  private startIpcp(): void {
    this.ipcp = new NegotiationAutomaton({ name: 'IPCP', schedule: this.schedule, restartMs: 3000 }, new ServerIpcpPolicy(this.script), {
      send: (packet) => {
        if (this.script.ipcp !== 'silent') this.sendPpp(PppProtocol.Ipcp, packet);
      },
    });
    this.ipcp.open();
    this.ipcp.up();
  }

  private onIp(datagram: Uint8Array): void {
    const ip = decodeIpv4(datagram);
    if (ip.protocol !== IP_PROTOCOL_ICMP) return;
    const icmp = decodeIcmp(ip.payload);
    if (icmp.kind !== 'echo' || icmp.type !== IcmpType.EchoRequest) return;
    this.log.echoRequests++;
    if (this.script.data === 'silent') return;
    let payload: Buffer;
    if (this.script.data === 'unreachable') {
      const quoted = Buffer.from(datagram.subarray(0, 28));
      const body = Buffer.alloc(8 + quoted.length);
      body[0] = IcmpType.DestinationUnreachable;
      body[1] = 3;
      quoted.copy(body, 8);
      body.writeUInt16BE(internetChecksum(body), 2);
      payload = body;
    } else {
      payload = encodeIcmpEcho({ type: IcmpType.EchoReply, identifier: icmp.identifier, sequence: icmp.sequence, data: icmp.data });
    }
    const reply = encodeIpv4({ source: ip.destination, destination: ip.source, protocol: IP_PROTOCOL_ICMP, ttl: 64, identification: 1, payload });
    if (this.encryptor) this.sendPpp(PppProtocol.CompressedDatagram, this.encryptor.encrypt(PppProtocol.Ip, reply));
    else this.sendPpp(PppProtocol.Ip, reply);
  }

  // ---- hostile ----

  /** Bursts of valid-looking LCP Echo-Requests for our call, far more than any login needs. */
  private flood(): void {
    let sent = 0;
    const burst = (): void => {
      if (!this.probeCallId) return;
      for (let i = 0; i < 200 && sent < 20_000; i++, sent++) {
        const lcp = encodeControlPacket({ code: ControlCode.EchoRequest, identifier: i & 0xff, data: Buffer.alloc(4) });
        this.link?.send(encodePppFrame({ protocol: PppProtocol.Lcp, information: lcp }));
      }
      if (sent < 20_000) this.later(burst, 1);
    };
    burst();
  }

  /** GRE with garbage PPP inside, and GRE whose Payload Length lies, instead of LCP. */
  private sendMalformed(): void {
    const garbage = [Buffer.from([0xff, 0x05]), Buffer.from([0xc0, 0x21, 0x01, 0x01, 0xff, 0xff]), Buffer.from([0xff, 0x03, 0xc0, 0x21, 0x01, 0x01, 0x00, 0x02]), Buffer.alloc(0)];
    let round = 0;
    const send = (): void => {
      for (const payload of garbage) this.link?.send(payload);
      const lying = encodeGre({ kind: 'data', callId: this.probeCallId ?? 0, sequence: this.greSequence++, ack: undefined, payload: Buffer.from([0xff, 0x03, 0xc0, 0x21]) });
      lying.writeUInt16BE(200, 4);
      this.gatewayTransportSend(lying);
      if (++round < 50) this.later(send, 100);
    };
    send();
  }

  /** Once LCP is open, a fresh Configure-Request every 50 ms: the link never settles. */
  private renegotiateForever(): void {
    let identifier = 100;
    const again = (): void => {
      const options = encodeOptions([magicNumberOption(0x30000000 + identifier)]);
      this.sendPpp(PppProtocol.Lcp, encodeControlPacket({ code: ControlCode.ConfigureRequest, identifier: identifier++ & 0xff, data: options }));
      this.later(again, 50);
    };
    again();
  }

  /** Packets outside the GreLink (hostile ones) leave from the gateway's address as they are. */
  private gatewayTransportSend(gre: Uint8Array): void {
    this.hostileChannel ??= this.gatewayTransport.open(PROBE_ADDRESS, 0xfffe, { onPacket: () => {} });
    this.hostileChannel.send(gre);
  }

  private hostileChannel: ReturnType<MemoryGreTransport['open']> | undefined;
}

