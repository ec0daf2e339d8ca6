// What the option negotiation automaton asks of a protocol (LCP, IPCP, CCP): the options to
// request, the answer to the peer's request, and the reaction to a Nak or Reject of ours
// (RFC 1661 §5.1-§5.4). Policies hold the negotiated values; the automaton holds the state.
import type { ConfigOption } from './control-packet.js';

export type NegotiationFailureCode =
  /** Max-Configure Configure-Requests went unanswered (TO- while configuring). */
  | 'no_response'
  /** The peer kept sending Configure-Nak/Reject past Max-Failure (RFC 1661 §4.5 loop detection). */
  | 'not_converging'
  /** A Nak or Reject asked for something the policy will not do (no 128-bit stateless MPPE, no address). */
  | 'refused'
  /** Code-Reject of a Configure/Terminate code, or Protocol-Reject of LCP (RXJ-). */
  | 'catastrophic_reject'
  /** The peer sent Terminate-Request while the layer was Opened. */
  | 'peer_terminated';

export interface NegotiationFailure {
  code: NegotiationFailureCode;
  message: string;
}

/** The answer to a peer's Configure-Request: Ack it whole, Nak some options with values we want, or Reject some. */
export type PeerRequestVerdict =
  | { kind: 'ack' }
  | { kind: 'nak'; options: ConfigOption[] }
  | { kind: 'reject'; options: ConfigOption[] };

export interface NegotiationPolicy {
  /** Options of our next Configure-Request; not called for retransmissions, which repeat the last one. */
  buildRequest(): ConfigOption[];
  judgeRequest(options: readonly ConfigOption[]): PeerRequestVerdict;
  /** The peer acknowledged our request (these options, as we sent them). */
  onAcked?(options: readonly ConfigOption[]): void;
  /** We acknowledged the peer's request: these options now hold for its direction. */
  onPeerAcked?(options: readonly ConfigOption[]): void;
  /** Adjust the next request to a Configure-Nak; return a failure to end negotiation instead. */
  onNak(options: readonly ConfigOption[]): NegotiationFailure | undefined;
  /** Drop rejected options from the next request; return a failure when one cannot be done without. */
  onReject(options: readonly ConfigOption[]): NegotiationFailure | undefined;
}

/** How a policy judges one option of the peer's request. */
export type OptionJudgement = { kind: 'ack' } | { kind: 'nak'; option: ConfigOption } | { kind: 'reject' };

/**
 * Combines per-option judgements as RFC 1661 §5.3-§5.4 requires: any Reject wins and lists only the
 * rejected options, unmodified and in order; otherwise any Nak lists only the Nak'd options with
 * acceptable values (plus `append`: options we want the peer to include, §5.3); otherwise Ack.
 */
export function combineJudgements(
  options: readonly ConfigOption[],
  judge: (option: ConfigOption) => OptionJudgement,
  append: readonly ConfigOption[] = [],
): PeerRequestVerdict {
  const rejects: ConfigOption[] = [];
  const naks: ConfigOption[] = [];
  for (const option of options) {
    const judgement = judge(option);
    if (judgement.kind === 'reject') rejects.push(option);
    else if (judgement.kind === 'nak') naks.push(judgement.option);
  }
  if (rejects.length > 0) return { kind: 'reject', options: rejects };
  if (naks.length > 0 || append.length > 0) return { kind: 'nak', options: [...naks, ...append] };
  return { kind: 'ack' };
}
