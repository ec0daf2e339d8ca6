// A hostile PPTP gateway at the wire: a real TCP listener on port 1723 and a real raw GRE socket
// (RawGreTransport, koffi), run in a process inside a gateway namespace of a login topology. The
// control connection is a well-behaved PAC (hostile-peers.ts replies, a Call ID of its own per
// call); what it does on GRE once the call is accepted is the behaviour, read from a file at each
// call so that one peer process can play every behaviour in turn. The in-memory versions of the same behaviours are FakeLoginGateway's
// (test/unit/login-session.test.ts); this one meets the probe's raw socket, poll loop and demultiplexer.
//
//   silent         accepts the call, never sends GRE (a GRE peer that stays quiet: error 619 as seen
//                  by the probe, and the benchmark's deadline bound)
//   flood          LCP Echo-Requests for our call, 20,000 as fast as the socket takes them
//   malformed_ppp  a real LCP (asking for MS-CHAPv2) interleaved with undecodable PPP, and LCP
//                  Echo-Requests whose GRE Payload Length lies; then never a challenge
//   lcp_nak_loop   Naks our Magic-Number with a new value every time, forever
//   wrong_call_id  a real LCP, but every GRE packet keyed with another Call ID than ours
import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { ControlMessageType, PptpFramer, encodeMessage, type ControlMessage } from '../../shared/probers/pptp/index.js';
import { ControlCode, LcpOption, PppProtocol } from '../../shared/probers/pptp-login/constants.js';
import { encodeControlPacket, type ConfigOption } from '../../shared/probers/pptp-login/control-packet.js';
import { encodeGre } from '../../shared/probers/pptp-login/gre.js';
import { GreLink } from '../../shared/probers/pptp-login/gre-link.js';
import type { GreChannel } from '../../shared/probers/pptp-login/gre-transport.js';
import { RawGreTransport } from '../../shared/probers/pptp-login/gre-transport-raw.js';
import { NegotiationAutomaton, type CancelTimer } from '../../shared/probers/pptp-login/negotiation-automaton.js';
import { combineJudgements, type NegotiationPolicy, type PeerRequestVerdict } from '../../shared/probers/pptp-login/negotiation-policy.js';
import { authProtocolOption, magicNumberOption } from '../../shared/probers/pptp-login/options.js';
import { encodePppFrame } from '../../shared/probers/pptp-login/ppp-frame.js';
import { callDisconnectNotify, echoReply, startReply } from './hostile-peers.js';

export const HOSTILE_GRE_BEHAVIOURS = ['silent', 'flood', 'malformed_ppp', 'lcp_nak_loop', 'wrong_call_id'] as const;
export type HostileGreBehaviour = (typeof HOSTILE_GRE_BEHAVIOURS)[number];

/** The peer's Call IDs: one per call, so that concurrent calls from one client are told apart. */
const FIRST_PEER_CALL_ID = 0x4000;
/** Packets a flood sends, and how many go out per event-loop turn. */
const FLOOD_PACKETS = 20_000;
const FLOOD_BURST = 200;
/** Pause between two rounds of malformed packets, in ms, and how many rounds at most. */
const MALFORMED_EVERY_MS = 50;
const MALFORMED_ROUNDS = 100;
/** The Payload Length a lying packet states. */
export const LYING_PAYLOAD_LENGTH = 200;

function readBehaviour(path: string): HostileGreBehaviour {
  const text = readFileSync(path, 'utf8').trim();
  const found = HOSTILE_GRE_BEHAVIOURS.find((b) => b === text);
  if (!found) throw new Error(`unknown hostile GRE behaviour "${text}" (one of ${HOSTILE_GRE_BEHAVIOURS.join(', ')})`);
  return found;
}

/** Server-side LCP: asks for MS-CHAPv2 and a Magic-Number; Acks the probe's request, or Naks its Magic-Number forever. */
class HostileLcpPolicy implements NegotiationPolicy {
  private naks = 0;
  constructor(private readonly nakForever: boolean) {}
  buildRequest(): ConfigOption[] {
    return [authProtocolOption('mschapv2'), magicNumberOption(0x5eed0001)];
  }
  judgeRequest(options: readonly ConfigOption[]): PeerRequestVerdict {
    if (!this.nakForever) return { kind: 'ack' };
    this.naks++;
    return combineJudgements(options, (o) => (o.type === LcpOption.MagicNumber ? { kind: 'nak', option: magicNumberOption(0x20000000 + this.naks) } : { kind: 'ack' }));
  }
  onNak(): undefined {
    return undefined;
  }
  onReject(): undefined {
    return undefined;
  }
}

/** One accepted call: its GRE channel and every timer, all stopped when the control connection goes. */
class HostileCall {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly channel: GreChannel;
  private stopped = false;
  private sequence = 0;
  /** The GRE link of the behaviours that speak LCP. */
  private link: GreLink | undefined;

  constructor(
    transport: RawGreTransport,
    clientAddress: string,
    readonly peerCallId: number,
    private readonly probeCallId: number,
    private readonly behaviour: HostileGreBehaviour,
  ) {
    this.channel = transport.open(clientAddress, peerCallId, { onPacket: (gre) => this.link?.receive(gre) });
  }

  private schedule = (delayMs: number, fn: () => void): CancelTimer => {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.stopped) fn();
    }, delayMs);
    this.timers.add(timer);
    return () => {
      clearTimeout(timer);
      this.timers.delete(timer);
    };
  };

  start(): void {
    switch (this.behaviour) {
      case 'silent':
        return;
      case 'flood':
        return this.flood();
      case 'malformed_ppp':
        this.startLcp(false, this.probeCallId);
        return this.malformed();
      case 'lcp_nak_loop':
        return this.startLcp(true, this.probeCallId);
      case 'wrong_call_id':
        return this.startLcp(false, (this.probeCallId + 1) & 0xffff);
    }
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.channel.close();
  }

  private startLcp(nakForever: boolean, keyedFor: number): void {
    this.link = new GreLink(this.channel, this.schedule, () => performance.now(), 50, {
      onPayload: (payload) => {
        // Only LCP is spoken here: Address/Control (2) and Protocol (2) precede it, uncompressed.
        if (payload.length > 4 && payload[2] === 0xc0 && payload[3] === 0x21) lcp.receive(payload.subarray(4));
      },
    });
    this.link.setPeerCallId(keyedFor);
    const lcp = new NegotiationAutomaton(
      { name: 'LCP', schedule: this.schedule, isLcp: true, restartMs: 300, maxFailure: 1_000_000, maxConfigure: 1_000_000 },
      new HostileLcpPolicy(nakForever),
      { send: (packet) => this.link?.send(encodePppFrame({ protocol: PppProtocol.Lcp, information: packet })) },
    );
    lcp.open();
    lcp.up();
  }

  private rawGre(payload: Uint8Array): Buffer {
    return encodeGre({ kind: 'data', callId: this.probeCallId, sequence: 0x10000 + this.sequence++, ack: undefined, payload });
  }

  private flood(): void {
    let sent = 0;
    const echo = encodePppFrame({ protocol: PppProtocol.Lcp, information: encodeControlPacket({ code: ControlCode.EchoRequest, identifier: 1, data: Buffer.alloc(4) }) });
    const burst = (): void => {
      if (this.stopped) return;
      for (let i = 0; i < FLOOD_BURST && sent < FLOOD_PACKETS; i++, sent++) this.channel.send(this.rawGre(echo));
      if (sent < FLOOD_PACKETS) setImmediate(burst);
    };
    burst();
  }

  private malformed(): void {
    const garbage = [Buffer.from([0xff, 0x05]), Buffer.from([0xc0, 0x21, 0x01, 0x01, 0xff, 0xff]), Buffer.from([0xff, 0x03, 0xc0, 0x21, 0x01, 0x01, 0x00, 0x02]), Buffer.alloc(0)];
    let round = 0;
    const send = (): void => {
      for (const payload of garbage) this.link?.send(payload);
      // A well-formed LCP Echo-Request whose GRE Payload Length says 200 (12 bytes follow): only a
      // check of the length catches it, Wireshark's PPP dissector finds nothing wrong.
      const lying = this.rawGre(encodePppFrame({ protocol: PppProtocol.Lcp, information: encodeControlPacket({ code: ControlCode.EchoRequest, identifier: round & 0xff, data: Buffer.alloc(4) }) }));
      lying.writeUInt16BE(LYING_PAYLOAD_LENGTH, 4);
      this.channel.send(lying);
      if (++round < MALFORMED_ROUNDS) this.schedule(MALFORMED_EVERY_MS, send);
    };
    send();
  }
}

export interface HostileGrePeer {
  /** Calls accepted so far. */
  readonly calls: number;
  close(): Promise<void>;
}

/**
 * Listens on `listen`:1723 in the current network namespace; each accepted call plays the behaviour
 * named in `behaviourFile` at that moment.
 */
export function startHostileGrePeer(listen: string, behaviourFile: string): Promise<HostileGrePeer> {
  const transport = new RawGreTransport();
  const live = new Set<Socket>();
  let calls = 0;
  const server: Server = createServer((socket) => {
    live.add(socket);
    const framer = new PptpFramer();
    let call: HostileCall | undefined;
    const T = ControlMessageType;
    const onMessage = (message: ControlMessage): void => {
      switch (message.type) {
        case T.StartControlConnectionRequest:
          return void socket.write(startReply());
        case T.EchoRequest:
          return void socket.write(echoReply(message));
        case T.OutgoingCallRequest: {
          const peerCallId = FIRST_PEER_CALL_ID + (calls++ % 0x4000);
          socket.write(
            encodeMessage({ type: T.OutgoingCallReply, callId: peerCallId, peerCallId: message.callId, resultCode: 1, errorCode: 0, causeCode: 0, connectSpeed: 10_000_000, packetRecvWindowSize: 16, packetProcessingDelay: 0, physicalChannelId: 0 }),
          );
          call?.stop();
          call = new HostileCall(transport, socket.remoteAddress?.replace(/^::ffff:/, '') ?? '', peerCallId, message.callId, readBehaviour(behaviourFile));
          call.start();
          return;
        }
        case T.CallClearRequest:
          call?.stop();
          return void socket.write(callDisconnectNotify({ callId: call?.peerCallId ?? 0 }, 4));
        case T.StopControlConnectionRequest:
          socket.write(encodeMessage({ type: T.StopControlConnectionReply, resultCode: 1, errorCode: 0 }));
          return void socket.end();
        default:
          return;
      }
    };
    socket.on('data', (chunk) => {
      try {
        framer.push(chunk, onMessage);
      } catch {
        socket.destroy();
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      call?.stop();
      live.delete(socket);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(1723, listen, () =>
      resolve({
        get calls() {
          return calls;
        },
        close: () =>
          new Promise<void>((done) => {
            for (const socket of live) socket.destroy();
            transport.close();
            server.close(() => done());
          }),
      }),
    );
  });
}
