// A NegotiationPolicy wrapper that remembers what each side refused, so that a failed negotiation can
// say "the gateway rejected Magic-Number" rather than only "did not converge", and whether the peer
// ever answered our Configure-Requests at all: the evidence that tells GRE one-way from an LCP
// disagreement.
import { ChapAlgorithm, IpcpOption, LcpOption, PppProtocol, CCP_OPTION_MPPE } from './constants.js';
import type { ConfigOption } from './control-packet.js';
import type { NegotiationFailure, NegotiationPolicy, PeerRequestVerdict } from './negotiation-policy.js';
import { describeMppeBits } from './ccp-policy.js';

const LCP_OPTION_NAMES: Readonly<Record<number, string>> = {
  [LcpOption.Mru]: 'MRU',
  [LcpOption.Accm]: 'ACCM',
  [LcpOption.AuthProtocol]: 'Authentication-Protocol',
  [LcpOption.QualityProtocol]: 'Quality-Protocol',
  [LcpOption.MagicNumber]: 'Magic-Number',
  [LcpOption.ProtocolFieldCompression]: 'Protocol-Field-Compression',
  [LcpOption.AddressControlFieldCompression]: 'Address-and-Control-Field-Compression',
};

const IPCP_OPTION_NAMES: Readonly<Record<number, string>> = {
  [IpcpOption.IpAddresses]: 'IP-Addresses',
  [IpcpOption.IpCompressionProtocol]: 'IP-Compression-Protocol',
  [IpcpOption.IpAddress]: 'IP-Address',
  [IpcpOption.PrimaryDns]: 'Primary-DNS',
  [IpcpOption.PrimaryNbns]: 'Primary-NBNS',
  [IpcpOption.SecondaryDns]: 'Secondary-DNS',
  [IpcpOption.SecondaryNbns]: 'Secondary-NBNS',
};

function authName(data: Uint8Array): string {
  const protocol = data.length >= 2 ? (data[0]! << 8) | data[1]! : -1;
  if (protocol === PppProtocol.Pap) return 'PAP';
  if (protocol === PppProtocol.Chap) return data[2] === ChapAlgorithm.MsChapV2 ? 'MS-CHAPv2' : data[2] === ChapAlgorithm.Md5 ? 'CHAP-MD5' : `CHAP algorithm ${String(data[2])}`;
  if (protocol === 0xc227) return 'EAP';
  return protocol < 0 ? 'malformed' : `protocol 0x${protocol.toString(16)}`;
}

/** "Authentication-Protocol (MS-CHAPv2)", "MPPE (40-bit stateful)", "option 13": an option for a message. */
export function describeOption(layer: 'LCP' | 'IPCP' | 'CCP', option: ConfigOption): string {
  if (layer === 'LCP') {
    const name = LCP_OPTION_NAMES[option.type] ?? `option ${option.type}`;
    return option.type === LcpOption.AuthProtocol ? `${name} (${authName(option.data)})` : name;
  }
  if (layer === 'IPCP') return IPCP_OPTION_NAMES[option.type] ?? `option ${option.type}`;
  if (option.type === CCP_OPTION_MPPE && option.data.length === 4) {
    return `MPPE (${describeMppeBits(Buffer.from(option.data).readUInt32BE(0))})`;
  }
  return option.type === CCP_OPTION_MPPE ? 'MPPE (malformed)' : `compression option ${option.type}`;
}

export interface NegotiationRecord {
  /** Configure-Ack, -Nak or -Reject received for our requests (after the automaton's checks). */
  repliesToUs: number;
  /** Configure-Requests received from the peer. */
  requestsFromPeer: number;
  /** Our options the peer Nak'd or Rejected last, described. */
  refusedByPeer: string[];
  /** The peer's options we Nak'd or Rejected last, described. */
  refusedByUs: string[];
}

export class RecordingPolicy<P extends NegotiationPolicy> implements NegotiationPolicy {
  readonly record: NegotiationRecord = { repliesToUs: 0, requestsFromPeer: 0, refusedByPeer: [], refusedByUs: [] };

  constructor(
    readonly layer: 'LCP' | 'IPCP' | 'CCP',
    readonly inner: P,
  ) {}

  buildRequest(): ConfigOption[] {
    return this.inner.buildRequest();
  }

  judgeRequest(options: readonly ConfigOption[]): PeerRequestVerdict {
    this.record.requestsFromPeer++;
    const verdict = this.inner.judgeRequest(options);
    if (verdict.kind !== 'ack') {
      const verb = verdict.kind === 'nak' ? 'Nak' : 'Reject';
      // A Nak lists our wanted values; name the peer's options those replace.
      const offending = verdict.kind === 'nak' ? options.filter((o) => verdict.options.some((n) => n.type === o.type)) : verdict.options;
      this.record.refusedByUs = offending.map((o) => `${verb} ${describeOption(this.layer, o)}`);
    }
    return verdict;
  }

  onAcked(options: readonly ConfigOption[]): void {
    this.record.repliesToUs++;
    this.inner.onAcked?.(options);
  }

  onPeerAcked(options: readonly ConfigOption[]): void {
    this.inner.onPeerAcked?.(options);
  }

  onNak(options: readonly ConfigOption[]): NegotiationFailure | undefined {
    this.record.repliesToUs++;
    this.record.refusedByPeer = options.map((o) => `Nak ${describeOption(this.layer, o)}`);
    return this.inner.onNak(options);
  }

  onReject(options: readonly ConfigOption[]): NegotiationFailure | undefined {
    this.record.repliesToUs++;
    this.record.refusedByPeer = options.map((o) => `Reject ${describeOption(this.layer, o)}`);
    return this.inner.onReject(options);
  }
}
