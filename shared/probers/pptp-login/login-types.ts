// Values in and out of a login session. Times are fractional milliseconds from the injected clock.
import type { Clock, SocketFactory, Timers } from '../../probe/deps.js';
import type { ServerIdentity } from '../../probe/types.js';
import type { GreTransport } from './gre-transport.js';
import type { FailureClass } from '../../probe/failure-classes.js';
import type { AuthMethod } from './options.js';

/**
 * Where a login is. `gre` is the wait for the gateway's first GRE packet after the call was
 * accepted; it overlaps `lcp`, which starts at the same moment (our first Configure-Request).
 */
export type LoginStage = 'connect' | 'control' | 'call' | 'gre' | 'lcp' | 'auth' | 'ccp' | 'ipcp' | 'data' | 'teardown';

export interface LoginCredentials {
  /** The account name, "DOMAIN\\user" allowed (MS-CHAPv2 hashes only the part after the backslash). */
  username: string;
  /** Never copied into a result, a note or a message. */
  password: string;
}

export interface LoginOptions {
  /** The whole login, teardown included, must finish within this many ms. */
  timeoutMs: number;
  /** Authentication the check allows, preferred first. CHAP-MD5 and PAP send weaker proofs: opt in. */
  auth: readonly AuthMethod[];
  /** Fail with encryption_refused unless MPPE 128-bit stateless is negotiated both ways. */
  requireMppe: boolean;
  /** Send an ICMP echo to the gateway's tunnel address and wait for the reply. */
  data: boolean;
  /** PPP Restart timer (RFC 1661 §4.6), in ms; pppd uses 3000, a probe with a deadline less. */
  restartMs: number;
  /** Pause before repeating an unanswered ICMP echo, in ms. */
  dataRetryMs: number;
  /** Longest wait for each teardown answer (Terminate-Ack, Call-Disconnect-Notify, Stop reply), in ms. */
  teardownWaitMs: number;
  /** Delay before an acknowledgment-only GRE packet when we have no data to carry it, in ms. */
  greAckDelayMs: number;
  /** Host name and vendor we announce in SCCRQ. */
  hostname: string;
  vendor: string;
}

export const DEFAULT_LOGIN_OPTIONS: Readonly<LoginOptions> = {
  timeoutMs: 10_000,
  auth: ['mschapv2'],
  requireMppe: true,
  data: true,
  restartMs: 1000,
  dataRetryMs: 1000,
  teardownWaitMs: 500,
  greAckDelayMs: 100,
  hostname: 'pptp-monitor',
  vendor: 'pptp-monitor',
};

/** What a login session needs from the world, injected (the same clock, timers and TCP factory as the control probe). */
export interface LoginDeps {
  clock: Clock;
  timers: Timers;
  connect: SocketFactory;
  gre: GreTransport;
  /** Cryptographically random bytes: the MS-CHAPv2 peer challenge, Call ID, Magic-Number, ICMP identifier. */
  randomBytes: (count: number) => Uint8Array;
  /** Aborting ends the login at once, classified as a timeout of the stage in progress. */
  signal?: AbortSignal;
}

/**
 * Duration of each stage that completed; undefined when it was not reached or failed (the time
 * spent in a failed stage is in `failure.elapsedMs`). Every key is always present.
 */
export interface LoginTimings {
  connectMs: number | undefined;
  /** SCCRQ sent to SCCRP received. */
  controlMs: number | undefined;
  /** Outgoing-Call-Request sent to Outgoing-Call-Reply received. */
  callMs: number | undefined;
  /** Call accepted to the first GRE packet from the gateway (carrying our Call ID). */
  greMs: number | undefined;
  /** Call accepted (our first Configure-Request) to LCP Opened. */
  lcpMs: number | undefined;
  /** LCP Opened to authentication succeeded (and, for MS-CHAPv2, verified). Zero when none was asked. */
  authMs: number | undefined;
  /** Authentication done to CCP Opened with MPPE both ways. */
  ccpMs: number | undefined;
  /** IPCP started (after CCP) to IPCP Opened with an address. */
  ipcpMs: number | undefined;
  /** First ICMP echo sent through the tunnel to its reply decrypted. */
  dataMs: number | undefined;
  /** The whole session, teardown included. */
  totalMs: number;
}

export interface LoginFailure {
  class: FailureClass;
  message: string;
  stage: LoginStage;
  /** Time spent in the failed stage, in ms. */
  elapsedMs: number;
  /** A code naming the precise cause: a socket error, a decode error, 'gre_flood', 'no_challenge', ... */
  code?: string;
  /** PPTP result, general error and cause codes of a rejecting control reply. */
  resultCode?: number;
  errorCode?: number;
  causeCode?: number;
  /** The gateway's authentication failure: the MS-CHAPv2 E= code and the message it sent. */
  authErrorCode?: number;
  authMessage?: string;
  /** Options refused in a failed negotiation ("LCP rejected by the gateway: Magic-Number"). */
  rejected?: string[];
}

export type MppeStrength = 'mppe-128-stateless' | 'none';

/** GRE counters of the session, for the note when something went wrong. */
export interface LoginGreStats {
  sent: number;
  received: number;
  /** Failed our checks (bad header, payload length mismatch, undecodable PPP). */
  malformed: number;
  /** Duplicates and late packets (sequence number not ahead of the last one). */
  outOfOrder: number;
  /** Dropped by the transport: this session's queue was full, or a packet was too big. */
  dropped: number;
  /** From the gateway's address but with another Call ID. */
  strayFromPeer: number;
}

export interface LoginResult {
  /** The gateway address the session connected to. */
  address: string;
  port: number;
  ok: boolean;
  timings: LoginTimings;
  server?: ServerIdentity;
  /** Our Call ID and the gateway's, once known. */
  callId?: number;
  peerCallId?: number;
  /** The address IPCP assigned to the probe. */
  assignedAddress?: string;
  /** The gateway's own tunnel address, as it stated it in IPCP. */
  gatewayTunnelAddress?: string;
  /** The authentication the gateway asked for; 'none' when it asked for none. */
  authProtocol?: AuthMethod | 'none';
  /** The Name in the gateway's CHAP Challenge (pppd's `name`): unlike Poptop's SCCRP, it tells machines apart. */
  peerName?: string;
  mppe?: MppeStrength;
  failure?: LoginFailure;
  /** Teardown messages sent: each true means it went out, whatever the outcome. */
  teardown: { lcpTerminate: boolean; callClear: boolean; stopControl: boolean };
  gre: LoginGreStats;
  notes: string[];
  localPort?: number;
}
