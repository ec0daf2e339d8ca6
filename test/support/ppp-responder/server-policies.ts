// The authenticator's (server's) side of LCP, IPCP and CCP, as NegotiationPolicies for the shared
// RFC 1661 automaton. shared/probers/pptp-login holds only the client's policies; a gateway asks
// for authentication, states its own address and hands one out, which is what these add. They
// mirror what pppd does behind pptpd: LCP asks for asyncmap 0, the authentication protocol, a
// Magic-Number, PFC and ACFC; IPCP states the local address and Naks the client toward its
// assigned one; CCP is the client's MPPE policy (it is symmetric) or one that refuses MPPE.
import { IpcpOption, LcpOption, PppProtocol } from '../../../shared/probers/pptp-login/constants.js';
import type { ConfigOption } from '../../../shared/probers/pptp-login/control-packet.js';
import { LoginDecodeError } from '../../../shared/probers/pptp-login/errors.js';
import { MIN_PEER_MRU_BYTES } from '../../../shared/probers/pptp-login/lcp-policy.js';
import type { NegotiationFailure, NegotiationPolicy, OptionJudgement, PeerRequestVerdict } from '../../../shared/probers/pptp-login/negotiation-policy.js';
import { combineJudgements } from '../../../shared/probers/pptp-login/negotiation-policy.js';
import {
  accmOption,
  acfcOption,
  authProtocolOption,
  ipAddressOption,
  magicNumberOption,
  mruOption,
  pfcOption,
  readAuthProtocol,
  readIpAddress,
  readMagicNumber,
  readMru,
  type AuthMethod,
} from '../../../shared/probers/pptp-login/options.js';
import { DEFAULT_MRU_BYTES } from '../../../shared/probers/pptp-login/constants.js';

function readOrUndefined<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (err) {
    if (err instanceof LoginDecodeError) return undefined;
    throw err;
  }
}

// ---- LCP ----

export interface ServerLcpNegotiated {
  /** Our Magic-Number once acknowledged (Echo-Replies carry it); undefined if rejected. */
  localMagic: number | undefined;
  peerMagic: number | undefined;
  peerMruBytes: number;
  /** The client acknowledged our PFC: it may send one-octet Protocol fields, also inside MPPE. */
  peerMayCompressProtocol: boolean;
}

export class ServerLcpPolicy implements NegotiationPolicy {
  private magic: number;
  /** Option types the client rejected: left out of later requests. */
  private readonly dropped = new Set<number>();
  private state: ServerLcpNegotiated = { localMagic: undefined, peerMagic: undefined, peerMruBytes: DEFAULT_MRU_BYTES, peerMayCompressProtocol: false };

  constructor(private readonly config: { auth: AuthMethod; nextMagic: () => number }) {
    this.magic = this.freshMagic();
  }

  get negotiated(): Readonly<ServerLcpNegotiated> {
    return this.state;
  }

  buildRequest(): ConfigOption[] {
    const wanted = [accmOption(0), authProtocolOption(this.config.auth), magicNumberOption(this.magic), pfcOption(), acfcOption()];
    return wanted.filter((o) => !this.dropped.has(o.type));
  }

  judgeRequest(options: readonly ConfigOption[]): PeerRequestVerdict {
    return combineJudgements(options, (option) => this.judge(option));
  }

  private judge(option: ConfigOption): OptionJudgement {
    switch (option.type) {
      case LcpOption.Mru: {
        const mru = readOrUndefined(() => readMru(option));
        return mru !== undefined && mru >= MIN_PEER_MRU_BYTES ? { kind: 'ack' } : { kind: 'nak', option: mruOption(DEFAULT_MRU_BYTES) };
      }
      case LcpOption.Accm:
        return option.data.length === 4 ? { kind: 'ack' } : { kind: 'nak', option: accmOption(0) };
      case LcpOption.MagicNumber: {
        const magic = readOrUndefined(() => readMagicNumber(option));
        if (magic === undefined || magic === 0 || magic === this.magic) return { kind: 'nak', option: magicNumberOption(this.freshMagic()) };
        return { kind: 'ack' };
      }
      case LcpOption.ProtocolFieldCompression:
      case LcpOption.AddressControlFieldCompression:
        return option.data.length === 0 ? { kind: 'ack' } : { kind: 'reject' };
      default:
        // Including Authentication-Protocol: the gateway does not authenticate itself to the client.
        return { kind: 'reject' };
    }
  }

  onAcked(options: readonly ConfigOption[]): void {
    const magic = options.find((o) => o.type === LcpOption.MagicNumber);
    this.state = {
      ...this.state,
      localMagic: magic ? readOrUndefined(() => readMagicNumber(magic)) : undefined,
      peerMayCompressProtocol: options.some((o) => o.type === LcpOption.ProtocolFieldCompression),
    };
  }

  onPeerAcked(options: readonly ConfigOption[]): void {
    const mru = options.find((o) => o.type === LcpOption.Mru);
    const magic = options.find((o) => o.type === LcpOption.MagicNumber);
    this.state = {
      ...this.state,
      peerMruBytes: mru ? (readOrUndefined(() => readMru(mru)) ?? DEFAULT_MRU_BYTES) : DEFAULT_MRU_BYTES,
      peerMagic: magic ? readOrUndefined(() => readMagicNumber(magic)) : undefined,
    };
  }

  onNak(options: readonly ConfigOption[]): NegotiationFailure | undefined {
    const auth = options.find((o) => o.type === LcpOption.AuthProtocol);
    if (auth) {
      // pppd with require-<method> gives up the same way: the client will not authenticate as asked.
      const offered = readOrUndefined(() => readAuthProtocol(auth));
      const what = offered === undefined ? 'a malformed option' : offered.method === 'other' ? `protocol 0x${offered.protocol.toString(16)}` : offered.method;
      return { code: 'refused', message: `LCP: the client Naks ${this.config.auth} authentication and offers ${what}` };
    }
    if (options.some((o) => o.type === LcpOption.MagicNumber)) this.magic = this.freshMagic();
    return undefined;
  }

  onReject(options: readonly ConfigOption[]): NegotiationFailure | undefined {
    if (options.some((o) => o.type === LcpOption.AuthProtocol)) {
      return { code: 'refused', message: 'LCP: the client rejects authentication' };
    }
    for (const option of options) this.dropped.add(option.type);
    return undefined;
  }

  private freshMagic(): number {
    for (let tries = 0; tries < 8; tries++) {
      const magic = this.config.nextMagic() >>> 0;
      if (magic !== 0 && magic !== this.magic) return magic;
    }
    return ((this.magic ?? 0) ^ 0x5a5a5a5a) >>> 0 || 1;
  }
}

// ---- IPCP ----

export interface ServerIpcpConfig {
  localAddress: Buffer;
  /** The address handed to the client. */
  remoteAddress: Buffer;
  /** False for the pool-exhausted scenario: the client's IP-Address option is Configure-Rejected. */
  assignAddress: boolean;
}

export interface ServerIpcpNegotiated {
  /** The address the client acknowledged as its own (what we Nak'd it toward). */
  clientAddress: Buffer | undefined;
  /** Our address as the client acknowledged it. */
  localAddress: Buffer | undefined;
}

export class ServerIpcpPolicy implements NegotiationPolicy {
  private requestAddress = true;
  private state: ServerIpcpNegotiated = { clientAddress: undefined, localAddress: undefined };

  constructor(private readonly config: ServerIpcpConfig) {}

  get negotiated(): Readonly<ServerIpcpNegotiated> {
    return this.state;
  }

  buildRequest(): ConfigOption[] {
    return this.requestAddress ? [ipAddressOption(IpcpOption.IpAddress, this.config.localAddress)] : [];
  }

  judgeRequest(options: readonly ConfigOption[]): PeerRequestVerdict {
    return combineJudgements(options, (option) => {
      if (option.type !== IpcpOption.IpAddress || !this.config.assignAddress) return { kind: 'reject' };
      const wanted = readOrUndefined(() => readIpAddress(option));
      if (wanted && wanted.equals(this.config.remoteAddress)) return { kind: 'ack' };
      return { kind: 'nak', option: ipAddressOption(IpcpOption.IpAddress, this.config.remoteAddress) };
    });
  }

  onAcked(options: readonly ConfigOption[]): void {
    const address = options.find((o) => o.type === IpcpOption.IpAddress);
    this.state = { ...this.state, localAddress: address ? readOrUndefined(() => readIpAddress(address)) : undefined };
  }

  onPeerAcked(options: readonly ConfigOption[]): void {
    const address = options.find((o) => o.type === IpcpOption.IpAddress);
    this.state = { ...this.state, clientAddress: address ? readOrUndefined(() => readIpAddress(address)) : undefined };
  }

  onNak(): NegotiationFailure | undefined {
    // The gateway's own address is not negotiable; repeating the request is what pppd does too.
    return undefined;
  }

  onReject(options: readonly ConfigOption[]): NegotiationFailure | undefined {
    if (options.some((o) => o.type === IpcpOption.IpAddress)) this.requestAddress = false;
    return undefined;
  }
}

// ---- CCP ----

/**
 * CCP for the mppe_refused scenario: an empty Configure-Request of our own, a Configure-Reject of
 * every option the client asks for (MPPE included), and a refusal when the client Naks MPPE into
 * our request, as a pppd built without MPPE (or with `nomppe`) behaves.
 */
export class RefusingCcpPolicy implements NegotiationPolicy {
  buildRequest(): ConfigOption[] {
    return [];
  }

  judgeRequest(options: readonly ConfigOption[]): PeerRequestVerdict {
    return combineJudgements(options, () => ({ kind: 'reject' }));
  }

  onNak(): NegotiationFailure | undefined {
    return { code: 'refused', message: 'CCP: the client asks for MPPE, which this gateway refuses' };
  }

  onReject(): NegotiationFailure | undefined {
    return undefined;
  }
}

/** PPP protocols an LCP Protocol-Reject names in logs. */
export const PROTOCOL_NAMES: Readonly<Record<number, string>> = {
  [PppProtocol.Ip]: 'IP',
  [PppProtocol.CompressedDatagram]: 'MPPE',
  [PppProtocol.Ipcp]: 'IPCP',
  [PppProtocol.Ccp]: 'CCP',
  [PppProtocol.Lcp]: 'LCP',
  [PppProtocol.Pap]: 'PAP',
  [PppProtocol.Chap]: 'CHAP',
};
