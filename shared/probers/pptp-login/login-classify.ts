// Which failure class a login gets when it stalls or is cut off, from the stage it was in and the
// evidence it gathered. Pure functions, so that each rule can be read (and tested) on its own:
//   - after the call was accepted and before LCP opened, GRE evidence decides: nothing from the
//     gateway at all is gre_blocked (error 619); its packets arriving while it never answers or
//     acknowledges ours is gre_one_way; answers that did not lead to agreement is lcp_failed;
//   - later stages each own one class: auth → auth_timeout (silence) or auth_rejected (the gateway
//     ended it), ccp → encryption_refused, ipcp → no_address, data → no_traffic.
import type { FailureClass } from '../../probe/failure-classes.js';
import type { LoginStage } from './login-types.js';

/**
 * A call dropped this soon after it was accepted, with no GRE yet, is the gateway failing to start
 * PPP (pptpd whose pppd cannot start closes within about 1 ms): call_dropped, not blocked GRE. Later,
 * silence on GRE is the likelier story: behind a NAT without the PPTP helper the router answers the
 * gateway's GRE with ICMP Protocol Unreachable and pptpd drops the call as soon as its PPP program has
 * sent its first frame (80-260 ms after accepting it in test/integration/login-nat.test.ts: a process
 * start), or the gateway's own LCP timed out because ours never arrived: error 619, gre_blocked. A
 * heuristic: a gateway whose PPP fails slowly would read as gre_blocked.
 */
export const GRE_DROP_GRACE_MS = 20;

/** What the session knows about the data path when it has to name a cause. */
export interface LoginEvidence {
  /** Valid GRE packets received from the gateway for our call. */
  greReceived: number;
  /** GRE packets that failed our checks. */
  greMalformed: number;
  /** GRE from the gateway's address with another Call ID, and the latest such ID. */
  strayFromPeer: number;
  lastStrayCallId: number | undefined;
  /** The gateway acknowledged one of our GRE packets, or answered one of our LCP requests. */
  peerHeardUs: boolean;
  /** The gateway's LCP Configure-Requests received. */
  peerLcpRequests: number;
  /** What LCP negotiation refused, described ("Reject Magic-Number"). */
  lcpRefused: string[];
  /** Our auth Response (or PAP request) went out. */
  authResponded: boolean;
  /** ms since the call was accepted. */
  sinceCallAcceptedMs: number;
}

export interface Classified {
  class: FailureClass;
  stage: LoginStage;
  message: string;
  code?: string;
  rejected?: string[];
}

function strayText(e: LoginEvidence): string {
  const parts: string[] = [];
  if (e.strayFromPeer > 0) parts.push(`${e.strayFromPeer} GRE packet(s) from the gateway carried Call ID ${String(e.lastStrayCallId)}, not ours`);
  if (e.greMalformed > 0) parts.push(`${e.greMalformed} GRE packet(s) failed our checks`);
  return parts.length > 0 ? ` (${parts.join('; ')})` : '';
}

/** Before LCP opened: the GRE evidence names the class. `why` says how the wait ended. */
export function classifyLcpStall(e: LoginEvidence, why: string): Classified {
  if (e.greReceived === 0) {
    return {
      class: 'gre_blocked',
      stage: 'gre',
      code: e.strayFromPeer > 0 ? 'wrong_call_id' : 'no_gre',
      message: `the call was accepted but no GRE came back from the gateway ${why}${strayText(e)}: IP protocol 47 is blocked or not NATed back (error 619)`,
    };
  }
  if (!e.peerHeardUs) {
    return {
      class: 'gre_one_way',
      stage: 'gre',
      code: 'no_reply_to_our_lcp',
      message: `the gateway's GRE arrives (${e.peerLcpRequests} LCP Configure-Request(s)) but it never acknowledged or answered ours ${why}: our GRE does not reach it`,
    };
  }
  const refused = e.lcpRefused;
  return {
    class: 'lcp_failed',
    stage: 'lcp',
    code: 'not_opened',
    message: `LCP did not open ${why}${refused.length > 0 ? `; last refused: ${refused.join(', ')}` : ''}`,
    ...(refused.length > 0 ? { rejected: refused } : {}),
  };
}

/** The class that owns a stage after LCP opened. */
export function stageClass(stage: LoginStage, authResponded: boolean): FailureClass {
  switch (stage) {
    case 'auth':
      return authResponded ? 'auth_rejected' : 'auth_timeout';
    case 'ccp':
      return 'encryption_refused';
    case 'ipcp':
      return 'no_address';
    default:
      return 'no_traffic';
  }
}

/** The deadline ran out in a stage. */
export function classifyTimeout(stage: LoginStage, e: LoginEvidence, why: string): Classified {
  switch (stage) {
    case 'connect':
      return { class: 'connect_timeout', stage, message: `no answer to the TCP SYN: ${why}` };
    case 'control':
      return { class: 'control_timeout', stage, message: `connected, but no Start-Control-Connection-Reply: ${why}` };
    case 'call':
      return { class: 'call_rejected', stage, message: `no Outgoing-Call-Reply: ${why}` };
    case 'gre':
    case 'lcp':
      return classifyLcpStall(e, why);
    case 'auth':
      return e.authResponded
        ? { class: 'auth_timeout', stage, code: 'no_result', message: `the gateway never answered our authentication response: ${why}` }
        : { class: 'auth_timeout', stage, code: 'no_challenge', message: `LCP opened but the gateway never sent its authentication challenge: ${why}` };
    case 'ccp':
      return { class: 'encryption_refused', stage, code: 'timeout', message: `CCP (MPPE) did not open: ${why}` };
    case 'ipcp':
      return { class: 'no_address', stage, code: 'timeout', message: `IPCP assigned no address: ${why}` };
    default:
      return { class: 'no_traffic', stage, code: 'no_reply', message: `no reply to the ICMP echo through the tunnel: ${why}` };
  }
}

/**
 * The gateway ended the call or the link (Call-Disconnect-Notify, a closed control connection, LCP
 * Terminate-Request) after accepting the call. `what` describes how; `controlClass` is the control
 * probe's class for it, kept when the evidence points at the gateway rather than a stage.
 */
export function classifyDrop(stage: LoginStage, e: LoginEvidence, what: string, controlClass: FailureClass): Classified {
  if (stage === 'lcp' || stage === 'gre') {
    if (e.greReceived === 0 && e.sinceCallAcceptedMs < GRE_DROP_GRACE_MS) {
      return { class: controlClass, stage: 'call', message: `${what} ${e.sinceCallAcceptedMs.toFixed(1)} ms after accepting the call, before any GRE${strayText(e)}` };
    }
    return { ...classifyLcpStall(e, `before ${what}`), code: 'dropped' };
  }
  // A gateway that ends the link during authentication has decided against us, answered or not.
  const cls = stage === 'auth' ? 'auth_rejected' : stageClass(stage, e.authResponded);
  const during: Record<string, string> = {
    auth: e.authResponded ? 'after our authentication response, without a Failure message' : 'before authenticating us',
    ccp: 'while negotiating encryption (CCP/MPPE)',
    ipcp: 'while negotiating an address (IPCP)',
    data: 'while we waited for the echo reply',
  };
  return { class: cls, stage, code: 'dropped', message: `${what} ${during[stage] ?? ''}`.trim() };
}
