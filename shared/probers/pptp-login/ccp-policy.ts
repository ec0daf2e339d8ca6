// The probe's CCP choices: MPPE, 128-bit, stateless, in both directions, and nothing else (RFC 3078
// §2, §2.1). Stateless because GRE loses and reorders packets and stateful MPPE then needs resets
// and may reuse keys (§9); 128-bit because that is what a gateway should insist on. A peer that
// offers only something else is a finding for the probe ('refused'), not something to settle for.
import { CCP_OPTION_MPPE, MPPE_KNOWN_BITS, MppeBit } from './constants.js';
import type { ConfigOption } from './control-packet.js';
import { LoginDecodeError } from './errors.js';
import type { NegotiationFailure, NegotiationPolicy, PeerRequestVerdict } from './negotiation-policy.js';
import { combineJudgements } from './negotiation-policy.js';
import { mppeOption, readMppeBits } from './options.js';

/** The only Supported Bits the probe sends and accepts: S (128-bit) and H (stateless). */
export const MPPE_128_STATELESS = MppeBit.Bits128 | MppeBit.Stateless;

/** "128-bit stateless", "40-bit, 128-bit stateful, MPPC": the Supported Bits for messages. */
export function describeMppeBits(bits: number): string {
  const strengths = [
    [MppeBit.Bits40, '40-bit'],
    [MppeBit.Bits56, '56-bit'],
    [MppeBit.Bits128, '128-bit'],
  ] as const;
  const parts = strengths.filter(([bit]) => (bits & bit) !== 0).map(([, name]) => name);
  const text = `${parts.length > 0 ? parts.join(', ') : 'no encryption'} ${(bits & MppeBit.Stateless) !== 0 ? 'stateless' : 'stateful'}`;
  const extras = [(bits & MppeBit.Mppc) !== 0 ? 'MPPC' : '', (bits & MppeBit.ObsoleteD) !== 0 ? 'D' : '', (bits & ~MPPE_KNOWN_BITS) !== 0 ? 'reserved bits' : ''];
  return [text, ...extras.filter((e) => e !== '')].join(', ');
}

function mppeBitsOf(option: ConfigOption): number | undefined {
  try {
    return readMppeBits(option);
  } catch (err) {
    if (err instanceof LoginDecodeError) return undefined;
    throw err;
  }
}

export interface CcpNegotiated {
  /** The peer acknowledged our MPPE 128-bit stateless request: we encrypt what we send. */
  sendEncrypted: boolean;
  /** We acknowledged the peer's MPPE 128-bit stateless request: it encrypts what it sends. */
  receiveEncrypted: boolean;
}

export class CcpPolicy implements NegotiationPolicy {
  private state: CcpNegotiated = { sendEncrypted: false, receiveEncrypted: false };

  get negotiated(): Readonly<CcpNegotiated> {
    return this.state;
  }

  buildRequest(): ConfigOption[] {
    return [mppeOption(MPPE_128_STATELESS)];
  }

  judgeRequest(options: readonly ConfigOption[]): PeerRequestVerdict {
    // Other compression (Deflate, BSD, MPPC alone) is rejected; MPPE other than exactly S|H is Nak'd
    // toward S|H, "a single encryption option" as RFC 3078 §2.1 asks of a responder. A request
    // without MPPE gets MPPE appended to the Nak: the peer would otherwise send in the clear.
    const hasMppe = options.some((o) => o.type === CCP_OPTION_MPPE);
    return combineJudgements(
      options,
      (option) => {
        if (option.type !== CCP_OPTION_MPPE) return { kind: 'reject' };
        return mppeBitsOf(option) === MPPE_128_STATELESS ? { kind: 'ack' } : { kind: 'nak', option: mppeOption(MPPE_128_STATELESS) };
      },
      hasMppe ? [] : [mppeOption(MPPE_128_STATELESS)],
    );
  }

  onAcked(): void {
    this.state = { ...this.state, sendEncrypted: true };
  }

  onPeerAcked(options: readonly ConfigOption[]): void {
    const mppe = options.find((o) => o.type === CCP_OPTION_MPPE);
    this.state = { ...this.state, receiveEncrypted: mppe !== undefined && mppeBitsOf(mppe) === MPPE_128_STATELESS };
  }

  onNak(options: readonly ConfigOption[]): NegotiationFailure | undefined {
    const mppe = options.find((o) => o.type === CCP_OPTION_MPPE);
    if (!mppe) return undefined; // only options we never asked for: repeat our request
    const bits = mppeBitsOf(mppe);
    if (bits !== undefined && (bits & MPPE_128_STATELESS) === MPPE_128_STATELESS) return undefined;
    return { code: 'refused', message: `CCP: the peer offers MPPE ${bits === undefined ? 'with a malformed option' : describeMppeBits(bits)}, not 128-bit stateless` };
  }

  onReject(options: readonly ConfigOption[]): NegotiationFailure | undefined {
    if (!options.some((o) => o.type === CCP_OPTION_MPPE)) return undefined;
    return { code: 'refused', message: 'CCP: the peer rejected MPPE' };
  }
}
