// The probe's IPCP choices (RFC 1332 §3.3, RFC 1877 §1). We ask for IP-Address 0.0.0.0 ("you
// assign one") and take the address the peer Naks with; DNS addresses only when asked to. The
// peer's own address is accepted when it states one. The peer asking us for an address or for
// name servers is rejected: a probe has none to give. VJ header compression is rejected.
import { IpcpOption } from './constants.js';
import type { ConfigOption } from './control-packet.js';
import { LoginDecodeError } from './errors.js';
import type { NegotiationFailure, NegotiationPolicy, PeerRequestVerdict } from './negotiation-policy.js';
import { combineJudgements } from './negotiation-policy.js';
import { ipAddressOption, isZeroAddress, readIpAddress, type Ipv4Bytes } from './options.js';

export interface IpcpPolicyConfig {
  /** Ask for primary and secondary DNS addresses (RFC 1877) as well. */
  requestDns?: boolean;
}

export interface IpcpNegotiated {
  /** Our address as the peer acknowledged it; undefined while it is (or was acked as) 0.0.0.0. */
  localAddress: Ipv4Bytes | undefined;
  peerAddress: Ipv4Bytes | undefined;
  primaryDns: Ipv4Bytes | undefined;
  secondaryDns: Ipv4Bytes | undefined;
}

const ZERO_ADDRESS = Buffer.alloc(4);

function addressOf(option: ConfigOption): Ipv4Bytes | undefined {
  try {
    const address = readIpAddress(option);
    return isZeroAddress(address) ? undefined : address;
  } catch (err) {
    if (err instanceof LoginDecodeError) return undefined;
    throw err;
  }
}

export class IpcpPolicy implements NegotiationPolicy {
  /** What we request next, by option type; an entry is dropped when the peer rejects it. */
  private readonly wanted = new Map<number, Ipv4Bytes>();
  private state: IpcpNegotiated = { localAddress: undefined, peerAddress: undefined, primaryDns: undefined, secondaryDns: undefined };

  constructor(config: IpcpPolicyConfig = {}) {
    this.wanted.set(IpcpOption.IpAddress, ZERO_ADDRESS);
    if (config.requestDns) {
      this.wanted.set(IpcpOption.PrimaryDns, ZERO_ADDRESS);
      this.wanted.set(IpcpOption.SecondaryDns, ZERO_ADDRESS);
    }
  }

  get negotiated(): Readonly<IpcpNegotiated> {
    return this.state;
  }

  buildRequest(): ConfigOption[] {
    return [...this.wanted].map(([type, address]) => ipAddressOption(type, address));
  }

  judgeRequest(options: readonly ConfigOption[]): PeerRequestVerdict {
    // Only the peer's own, stated address is acceptable; everything else asks for what we lack.
    return combineJudgements(options, (option) => (option.type === IpcpOption.IpAddress && addressOf(option) ? { kind: 'ack' } : { kind: 'reject' }));
  }

  onPeerAcked(options: readonly ConfigOption[]): void {
    const address = options.find((o) => o.type === IpcpOption.IpAddress);
    this.state = { ...this.state, peerAddress: address ? addressOf(address) : undefined };
  }

  onAcked(options: readonly ConfigOption[]): void {
    const pick = (type: number): Ipv4Bytes | undefined => {
      const option = options.find((o) => o.type === type);
      return option ? addressOf(option) : undefined;
    };
    this.state = { ...this.state, localAddress: pick(IpcpOption.IpAddress), primaryDns: pick(IpcpOption.PrimaryDns), secondaryDns: pick(IpcpOption.SecondaryDns) };
  }

  onNak(options: readonly ConfigOption[]): NegotiationFailure | undefined {
    // Take the addresses the peer offers for what we asked; a zero offer or an option we never asked for changes nothing.
    for (const option of options) {
      const address = addressOf(option);
      if (address && this.wanted.has(option.type)) this.wanted.set(option.type, address);
    }
    return undefined;
  }

  onReject(options: readonly ConfigOption[]): NegotiationFailure | undefined {
    if (options.some((o) => o.type === IpcpOption.IpAddress)) {
      return { code: 'refused', message: 'IPCP: the peer rejected IP-Address; it will not assign the probe an address' };
    }
    for (const option of options) this.wanted.delete(option.type);
    return undefined;
  }
}
