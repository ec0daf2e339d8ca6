// The probe's LCP choices (RFC 1661 §6, RFC 1662 §7.1, RFC 1994 §3, RFC 2759 §2). We ask for a
// Magic-Number and nothing else: the probe can receive every frame form and any size a gateway
// sends, so MRU, PFC and ACFC are not worth a round trip. Of the peer's requests we accept MRU,
// ACCM, PFC, ACFC and the authentication protocols the target allows, and Nak any other
// authentication protocol toward the most preferred allowed one (MS-CHAPv2 first).
import { DEFAULT_MRU_BYTES, LcpOption } from './constants.js';
import type { ConfigOption } from './control-packet.js';
import type { NegotiationFailure, NegotiationPolicy, OptionJudgement, PeerRequestVerdict } from './negotiation-policy.js';
import { combineJudgements } from './negotiation-policy.js';
import {
  accmOption,
  authProtocolOption,
  magicNumberOption,
  mruOption,
  readAccm,
  readAuthProtocol,
  readMagicNumber,
  readMru,
  type AuthMethod,
} from './options.js';
import { LoginDecodeError } from './errors.js';

/** Smallest peer MRU accepted, in bytes: pppd's floor; below it even an echo through MPPE would not fit. */
export const MIN_PEER_MRU_BYTES = 128;

export interface LcpPolicyConfig {
  /** Authentication the probe will perform, most preferred first; empty means none (authentication is rejected). */
  allowedAuth: readonly AuthMethod[];
  /** A fresh random non-zero Magic-Number (injected: tests choose it). */
  nextMagic: () => number;
}

/** What LCP settled, from the probe's point of view. */
export interface LcpNegotiated {
  /** Our Magic-Number once the peer acknowledged it; undefined if it rejected the option (none in use). */
  localMagic: number | undefined;
  peerMagic: number | undefined;
  /** How the gateway wants us to authenticate; undefined when it asked for no authentication. */
  auth: AuthMethod | undefined;
  /** Largest Information the peer can receive (RFC 1661 §6.1). */
  peerMruBytes: number;
  peerAccm: number | undefined;
  /** The peer can receive compressed Protocol / Address-and-Control fields: we may send them. */
  peerPfc: boolean;
  peerAcfc: boolean;
}

function readOrUndefined<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (err) {
    if (err instanceof LoginDecodeError) return undefined;
    throw err;
  }
}

export class LcpPolicy implements NegotiationPolicy {
  private magic = 0;
  private magicRejected = false;
  private state: LcpNegotiated = {
    localMagic: undefined,
    peerMagic: undefined,
    auth: undefined,
    peerMruBytes: DEFAULT_MRU_BYTES,
    peerAccm: undefined,
    peerPfc: false,
    peerAcfc: false,
  };

  constructor(private readonly config: LcpPolicyConfig) {
    this.magic = this.freshMagic();
  }

  get negotiated(): Readonly<LcpNegotiated> {
    return this.state;
  }

  buildRequest(): ConfigOption[] {
    return this.magicRejected ? [] : [magicNumberOption(this.magic)];
  }

  judgeRequest(options: readonly ConfigOption[]): PeerRequestVerdict {
    return combineJudgements(options, (option) => this.judge(option));
  }

  private judge(option: ConfigOption): OptionJudgement {
    switch (option.type) {
      case LcpOption.Mru: {
        const mru = readOrUndefined(() => readMru(option));
        if (mru === undefined) return { kind: 'nak', option: mruOption(DEFAULT_MRU_BYTES) };
        return mru >= MIN_PEER_MRU_BYTES ? { kind: 'ack' } : { kind: 'nak', option: mruOption(MIN_PEER_MRU_BYTES) };
      }
      case LcpOption.Accm:
        return readOrUndefined(() => readAccm(option)) === undefined ? { kind: 'nak', option: accmOption(0) } : { kind: 'ack' };
      case LcpOption.AuthProtocol: {
        const preferred = this.config.allowedAuth[0];
        if (preferred === undefined) return { kind: 'reject' };
        const request = readOrUndefined(() => readAuthProtocol(option));
        if (request && request.method !== 'other' && this.config.allowedAuth.includes(request.method)) return { kind: 'ack' };
        return { kind: 'nak', option: authProtocolOption(preferred) };
      }
      case LcpOption.MagicNumber: {
        // Zero is illegal, and our own number may mean a looped-back link: Nak both with a new one (§6.4).
        const magic = readOrUndefined(() => readMagicNumber(option));
        if (magic === undefined || magic === 0 || magic === this.magic) return { kind: 'nak', option: magicNumberOption(this.freshMagic()) };
        return { kind: 'ack' };
      }
      case LcpOption.ProtocolFieldCompression:
      case LcpOption.AddressControlFieldCompression:
        // Boolean options carry no data; a malformed one can only be rejected (RFC 1661 §5.3).
        return option.data.length === 0 ? { kind: 'ack' } : { kind: 'reject' };
      default:
        return { kind: 'reject' };
    }
  }

  onAcked(options: readonly ConfigOption[]): void {
    const magic = options.find((o) => o.type === LcpOption.MagicNumber);
    this.state.localMagic = magic ? readOrUndefined(() => readMagicNumber(magic)) : undefined;
  }

  onPeerAcked(options: readonly ConfigOption[]): void {
    const next: LcpNegotiated = { ...this.state, peerMagic: undefined, auth: undefined, peerMruBytes: DEFAULT_MRU_BYTES, peerAccm: undefined, peerPfc: false, peerAcfc: false };
    for (const option of options) {
      if (option.type === LcpOption.Mru) next.peerMruBytes = readOrUndefined(() => readMru(option)) ?? DEFAULT_MRU_BYTES;
      else if (option.type === LcpOption.Accm) next.peerAccm = readOrUndefined(() => readAccm(option));
      else if (option.type === LcpOption.MagicNumber) next.peerMagic = readOrUndefined(() => readMagicNumber(option));
      else if (option.type === LcpOption.ProtocolFieldCompression) next.peerPfc = true;
      else if (option.type === LcpOption.AddressControlFieldCompression) next.peerAcfc = true;
      else if (option.type === LcpOption.AuthProtocol) {
        const request = readOrUndefined(() => readAuthProtocol(option));
        next.auth = request && request.method !== 'other' ? request.method : undefined;
      }
    }
    this.state = next;
  }

  onNak(options: readonly ConfigOption[]): NegotiationFailure | undefined {
    // A Nak'd Magic-Number gets a new random one (RFC 1661 §6.4); options we never asked for are ignored.
    if (options.some((o) => o.type === LcpOption.MagicNumber)) this.magic = this.freshMagic();
    return undefined;
  }

  onReject(options: readonly ConfigOption[]): NegotiationFailure | undefined {
    // A rejected Magic-Number means the peer uses none: carry on without (RFC 1661 §6.4).
    if (options.some((o) => o.type === LcpOption.MagicNumber)) this.magicRejected = true;
    return undefined;
  }

  private freshMagic(): number {
    let magic = this.config.nextMagic() >>> 0;
    // Never zero and never the number just refused; the injected source may repeat itself.
    for (let tries = 0; (magic === 0 || magic === this.magic) && tries < 8; tries++) magic = this.config.nextMagic() >>> 0;
    if (magic !== 0 && magic !== this.magic) return magic;
    return (this.magic ^ 0x5a5a5a5a) >>> 0 || 1;
  }
}
