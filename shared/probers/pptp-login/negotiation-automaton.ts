// The Option Negotiation Automaton of RFC 1661 §4, generic over LCP, IPCP and CCP: received packets
// and administrative commands become the events of §4.3, the table in negotiation-table.ts gives
// the actions and next state, and this class carries the actions out (§4.4). The protocol's own
// choices live in a NegotiationPolicy. Pure: packets leave through a callback and the one Restart
// timer is scheduled through an injected function, so tests drive it with a fake clock and a probe
// with timers bounded by its deadline.
//
// Beyond the table: §4.5 asks for loop detection. Max-Failure bounds the Naks we send (§4.6: after
// that they become Rejects); here it also bounds the Naks we accept before the layer opens: after
// Max-Failure of them, the next one closes the layer ('not_converging') instead of being answered
// with yet another request, which a peer that Naks forever would answer forever. Rejects that
// remove options do not count: they only shrink the request, so they cannot loop, and a conforming
// peer's Max-Failure turns its sixth Nak into exactly such a Reject.
import { CONTROL_HEADER_BYTES, ControlCode, DEFAULT_MAX_CONFIGURE, DEFAULT_MAX_FAILURE, DEFAULT_MAX_TERMINATE, DEFAULT_MRU_BYTES, DEFAULT_RESTART_MS, PppProtocol } from './constants.js';
import type { ConfigOption, ControlPacket } from './control-packet.js';
import { containsOption, decodeControlPacket, decodeEcho, decodeOptions, decodeProtocolReject, encodeCodeReject, encodeControlPacket, encodeEcho, encodeOptions, sameOptions } from './control-packet.js';
import { LoginDecodeError } from './errors.js';
import type { NegotiationFailure, NegotiationPolicy, PeerRequestVerdict } from './negotiation-policy.js';
import { TIMER_STATES, TRANSITIONS, type AutomatonAction, type AutomatonEvent, type AutomatonState } from './negotiation-table.js';

export type { AutomatonState } from './negotiation-table.js';

/** Cancels a scheduled callback; calling it after the callback ran is harmless. */
export type CancelTimer = () => void;
export type ScheduleTimer = (delayMs: number, onExpiry: () => void) => CancelTimer;

export interface AutomatonConfig {
  /** 'LCP', 'IPCP', 'CCP': names the protocol in messages. */
  name: string;
  schedule: ScheduleTimer;
  /** LCP also has Protocol-Reject, Echo and Discard (RFC 1661 §5.7-§5.9); an NCP Code-Rejects them. */
  isLcp?: boolean;
  /** Further codes the protocol defines (CCP's Reset-Request and Reset-Ack), handed to `extraPacket`. */
  extraCodes?: readonly number[];
  restartMs?: number;
  maxConfigure?: number;
  maxTerminate?: number;
  maxFailure?: number;
  /** The peer's MRU, which bounds the copy in a Code-Reject. */
  peerMruBytes?: number;
  /** Our negotiated Magic-Number for LCP echo packets; zero until negotiated (RFC 1661 §5.8). */
  localMagic?: () => number;
}

export interface AutomatonHooks {
  /** An encoded control packet, to send with this protocol's PPP Protocol number. */
  send(packet: Buffer): void;
  thisLayerUp?(): void;
  thisLayerDown?(): void;
  thisLayerStarted?(): void;
  /** The layer finished; `failure` says why when it was not an orderly close. */
  thisLayerFinished?(failure: NegotiationFailure | undefined): void;
  /** A packet or event the RFC says to ignore; told for logs and tests. */
  discarded?(reason: string): void;
  /** LCP: the peer Protocol-Rejected a protocol (an NCP, usually); stop sending it (RXJ+). */
  protocolRejected?(protocol: number): void;
  /** LCP: an Echo-Reply arrived. */
  echoReply?(identifier: number, data: Uint8Array): void;
  extraPacket?(packet: ControlPacket): void;
}

/** Codes whose Code-Reject is catastrophic (RXJ-): the negotiation cannot work without them. */
const FUNDAMENTAL_CODES: ReadonlySet<number> = new Set([1, 2, 3, 4, 5, 6, 7]);

/** What an event's actions need from the packet that caused it. */
interface EventContext {
  packet?: ControlPacket;
  /** The received packet's bytes up to its Length, for a Code-Reject. */
  raw?: Uint8Array;
  verdict?: PeerRequestVerdict;
  options?: ConfigOption[];
}

export class NegotiationAutomaton {
  private current: AutomatonState = 'initial';
  private restartCount = 0;
  private cancelTimer: CancelTimer | undefined;
  private nextIdentifier = 1;
  /**
   * Our outstanding Configure-Request. `answered` is set by its first valid reply: a retransmission keeps
   * the Identifier (RFC 1661 §5.1), so a peer that was slow to start may answer both copies, and the
   * second answer must not count as a new one (in Opened it would restart the negotiation; pppd keeps the
   * same guard, `seen_ack`).
   */
  private request: { identifier: number; options: ConfigOption[]; answered?: boolean } | undefined;
  private naksSent = 0;
  private naksReceived = 0;
  private lastFailure: NegotiationFailure | undefined;

  constructor(
    private readonly config: AutomatonConfig,
    private readonly policy: NegotiationPolicy,
    private readonly hooks: AutomatonHooks,
  ) {}

  get state(): AutomatonState {
    return this.current;
  }

  /** Why the layer last finished badly; cleared when it opens. */
  get failure(): NegotiationFailure | undefined {
    return this.lastFailure;
  }

  up(): void {
    this.fire('up');
  }

  down(): void {
    this.fire('down');
  }

  open(): void {
    this.naksReceived = 0;
    this.fire('open');
  }

  /** Administrative Close; `failure` records why when the caller closes because something went wrong. */
  close(failure?: NegotiationFailure): void {
    if (failure) this.lastFailure = failure;
    this.fire('close');
  }

  /** LCP Echo-Request, allowed only in the Opened state (RFC 1661 §5.8). Returns whether it was sent. */
  sendEchoRequest(data: Uint8Array): boolean {
    if (this.current !== 'opened') return false;
    this.hooks.send(encodeEcho(ControlCode.EchoRequest, this.newIdentifier(), { magicNumber: this.config.localMagic?.() ?? 0, data }));
    return true;
  }

  /** Feeds one received control packet (the Information of a PPP frame of this protocol). */
  receive(bytes: Uint8Array): void {
    const packet = this.decode(() => decodeControlPacket(bytes), 'packet');
    if (!packet) return;
    const raw = bytes.subarray(0, CONTROL_HEADER_BYTES + packet.data.length);
    switch (packet.code) {
      case ControlCode.ConfigureRequest:
        return this.receiveConfigureRequest(packet);
      case ControlCode.ConfigureAck:
      case ControlCode.ConfigureNak:
      case ControlCode.ConfigureReject:
        return this.receiveConfigureReply(packet);
      case ControlCode.TerminateRequest:
        if (this.current === 'opened') this.lastFailure = { code: 'peer_terminated', message: `${this.config.name}: peer sent Terminate-Request` };
        return this.fire('rtr', { packet });
      case ControlCode.TerminateAck:
        return this.fire('rta', { packet });
      case ControlCode.CodeReject:
        return this.receiveReject(packet.data[0] !== undefined && FUNDAMENTAL_CODES.has(packet.data[0]), `Code-Reject of code ${String(packet.data[0])}`);
    }
    if (this.config.isLcp && packet.code >= ControlCode.ProtocolReject && packet.code <= ControlCode.DiscardRequest) {
      return this.receiveLcpMaintenance(packet);
    }
    if (this.config.extraCodes?.includes(packet.code)) return this.hooks.extraPacket?.(packet);
    this.fire('ruc', { packet, raw });
  }

  private receiveConfigureRequest(packet: ControlPacket): void {
    const options = this.decode(() => decodeOptions(packet.data), 'Configure-Request');
    if (!options) return;
    // Judge only where the table answers with sca/scn; elsewhere the request gets sta or nothing.
    const judged = ['stopped', 'req-sent', 'ack-rcvd', 'ack-sent', 'opened'].includes(this.current);
    const verdict = judged ? this.limitNaks(this.policy.judgeRequest(options), options) : undefined;
    this.fire(verdict === undefined || verdict.kind === 'ack' ? 'rcr+' : 'rcr-', { packet, verdict, options });
  }

  /** After Max-Failure Naks without an Ack, Naks become Rejects of the offending options (RFC 1661 §4.6). */
  private limitNaks(verdict: PeerRequestVerdict, requested: readonly ConfigOption[]): PeerRequestVerdict {
    if (verdict.kind !== 'nak' || this.naksSent < (this.config.maxFailure ?? DEFAULT_MAX_FAILURE)) return verdict;
    const nakedTypes = new Set(verdict.options.map((o) => o.type));
    const rejected = requested.filter((o) => nakedTypes.has(o.type));
    return rejected.length > 0 ? { kind: 'reject', options: rejected } : { kind: 'ack' };
  }

  private receiveConfigureReply(packet: ControlPacket): void {
    const event: AutomatonEvent = packet.code === ControlCode.ConfigureAck ? 'rca' : 'rcn';
    if (!['req-sent', 'ack-rcvd', 'ack-sent', 'opened'].includes(this.current)) return this.fire(event, { packet });
    // Out-of-sequence or otherwise invalid replies are silently discarded (RFC 1661 §4.3, §5.2-§5.4).
    const request = this.request;
    if (!request || packet.identifier !== request.identifier) return this.discard(`reply ${packet.identifier} to no outstanding request`);
    if (request.answered) return this.discard(`second reply to request ${packet.identifier} (an answer to its retransmission)`);
    const options = this.decode(() => decodeOptions(packet.data), 'reply');
    if (!options) return;
    if (event === 'rca') {
      if (!sameOptions(options, request.options)) return this.discard('Configure-Ack that does not match our request');
      request.answered = true;
      this.policy.onAcked?.(options);
      return this.fire('rca', { packet });
    }
    const isReject = packet.code === ControlCode.ConfigureReject;
    if (isReject && !options.every((o) => containsOption(request.options, o))) return this.discard('Configure-Reject of options we did not request');
    request.answered = true;
    // A Reject that removes options is progress (the request only shrinks); Naks and empty Rejects are not.
    if (!isReject || options.length === 0) this.naksReceived++;
    if (this.naksReceived > (this.config.maxFailure ?? DEFAULT_MAX_FAILURE)) {
      return this.close({ code: 'not_converging', message: `${this.config.name}: ${this.naksReceived} Configure-Naks without converging` });
    }
    const refusal = isReject ? this.policy.onReject(options) : this.policy.onNak(options);
    if (refusal) return this.close(refusal);
    this.fire('rcn', { packet });
  }

  private receiveReject(catastrophic: boolean, what: string): void {
    if (catastrophic) this.lastFailure = { code: 'catastrophic_reject', message: `${this.config.name}: ${what}` };
    this.fire(catastrophic ? 'rxj-' : 'rxj+');
  }

  private receiveLcpMaintenance(packet: ControlPacket): void {
    // Protocol-Reject, Echo and Discard count only in the Opened state (RFC 1661 §5.7-§5.9).
    if (this.current !== 'opened') return this.discard(`code ${packet.code} outside the Opened state`);
    if (packet.code === ControlCode.ProtocolReject) {
      const reject = this.decode(() => decodeProtocolReject(packet), 'Protocol-Reject');
      if (!reject) return;
      if (reject.rejectedProtocol !== PppProtocol.Lcp) this.hooks.protocolRejected?.(reject.rejectedProtocol);
      return this.receiveReject(reject.rejectedProtocol === PppProtocol.Lcp, 'Protocol-Reject of LCP');
    }
    const echo = this.decode(() => decodeEcho(packet), 'echo');
    if (!echo) return;
    if (packet.code === ControlCode.EchoReply) this.hooks.echoReply?.(packet.identifier, echo.data);
    this.fire('rxr', { packet });
  }

  private timeout(): void {
    this.cancelTimer = undefined;
    if (!TIMER_STATES.has(this.current)) return;
    if (this.restartCount > 0) return this.fire('to+');
    if (this.current !== 'closing' && this.current !== 'stopping') {
      this.lastFailure = { code: 'no_response', message: `${this.config.name}: no reply to ${this.config.maxConfigure ?? DEFAULT_MAX_CONFIGURE} Configure-Requests` };
    }
    this.fire('to-');
  }

  /** Looks the event up in the table, enters the next state, then carries out the actions in order. */
  private fire(event: AutomatonEvent, context: EventContext = {}): void {
    const cell = TRANSITIONS[event][this.current];
    if (!cell) return this.discard(`event ${event} cannot occur in state ${this.current}`);
    const [actions, next] = cell;
    this.current = next;
    if (!TIMER_STATES.has(next) && this.cancelTimer) {
      this.cancelTimer();
      this.cancelTimer = undefined;
    }
    for (const action of actions) this.act(action, event, actions.includes('str'), context);
  }

  private act(action: AutomatonAction, event: AutomatonEvent, terminating: boolean, context: EventContext): void {
    const { packet } = context;
    switch (action) {
      case 'tlu':
        this.naksReceived = 0;
        this.lastFailure = undefined;
        return this.hooks.thisLayerUp?.();
      case 'tld':
        return this.hooks.thisLayerDown?.();
      case 'tls':
        return this.hooks.thisLayerStarted?.();
      case 'tlf':
        return this.hooks.thisLayerFinished?.(this.lastFailure);
      case 'irc':
        this.restartCount = terminating ? (this.config.maxTerminate ?? DEFAULT_MAX_TERMINATE) : (this.config.maxConfigure ?? DEFAULT_MAX_CONFIGURE);
        return;
      case 'zrc':
        // Pause one Restart period in Stopping before finishing, to let the peer see the Terminate-Ack (§4.4).
        this.restartCount = 0;
        return this.startTimer();
      case 'scr':
        // A retransmission keeps its Identifier, unless the request was answered: then it MUST change (§5.1).
        if (event !== 'to+' || !this.request || this.request.answered) this.request = { identifier: this.newIdentifier(), options: this.policy.buildRequest() };
        this.transmit(ControlCode.ConfigureRequest, this.request.identifier, encodeOptions(this.request.options));
        this.restartCount--;
        return this.startTimer();
      case 'str':
        this.transmit(ControlCode.TerminateRequest, this.newIdentifier(), new Uint8Array(0));
        this.restartCount--;
        return this.startTimer();
      case 'sta':
        return this.transmit(ControlCode.TerminateAck, packet?.identifier ?? this.newIdentifier(), new Uint8Array(0));
      case 'sca':
        if (!packet || !context.options) return;
        this.naksSent = 0;
        this.policy.onPeerAcked?.(context.options);
        // The Ack carries the options exactly as received, never re-encoded (RFC 1661 §5.2).
        return this.transmit(ControlCode.ConfigureAck, packet.identifier, packet.data);
      case 'scn': {
        const verdict = context.verdict;
        if (!packet || !verdict || verdict.kind === 'ack') return;
        if (verdict.kind === 'nak') this.naksSent++;
        return this.transmit(verdict.kind === 'nak' ? ControlCode.ConfigureNak : ControlCode.ConfigureReject, packet.identifier, encodeOptions(verdict.options));
      }
      case 'scj':
        if (context.raw) this.hooks.send(encodeCodeReject(this.newIdentifier(), context.raw, this.config.peerMruBytes ?? DEFAULT_MRU_BYTES));
        return;
      case 'ser':
        if (packet?.code !== ControlCode.EchoRequest) return; // Echo-Reply and Discard-Request get no answer
        this.hooks.send(encodeEcho(ControlCode.EchoReply, packet.identifier, { magicNumber: this.config.localMagic?.() ?? 0, data: packet.data.subarray(4) }));
    }
  }

  private transmit(code: number, identifier: number, data: Uint8Array): void {
    this.hooks.send(encodeControlPacket({ code, identifier, data }));
  }

  private startTimer(): void {
    this.cancelTimer?.();
    this.cancelTimer = this.config.schedule(this.config.restartMs ?? DEFAULT_RESTART_MS, () => this.timeout());
  }

  private newIdentifier(): number {
    const id = this.nextIdentifier;
    this.nextIdentifier = (this.nextIdentifier + 1) & 0xff;
    return id;
  }

  private discard(reason: string): void {
    this.hooks.discarded?.(`${this.config.name}: ${reason}`);
  }

  /** Runs a decoder on peer bytes; a LoginDecodeError means "silently discard" (RFC 1661 §5, §6). */
  private decode<T>(fn: () => T, what: string): T | undefined {
    try {
      return fn();
    } catch (err) {
      if (!(err instanceof LoginDecodeError)) throw err;
      this.discard(`${what}: ${err.message}`);
      return undefined;
    }
  }
}
