// Values in and out of every prober: the target, the options every prober takes, and the result. Times
// are fractional milliseconds from a monotonic clock. A prober's own options extend ProbeOptions.
import type { FailureClass } from './failure-classes.js';

export interface ProbeTarget {
  /** The target as the user wrote it; reported back unchanged. */
  target: string;
  host: string;
  port: number;
}

/** What every prober takes: the deadline and the attempts that share it (run-attempts.ts). */
export interface ProbeOptions {
  /** The whole probe, retries included, must finish within this many ms. */
  timeoutMs: number;
  /** Connection attempts; a later attempt runs only when the previous one failed. */
  attempts: number;
  /** Pause between attempts, in ms (doubled each time, never past the deadline). */
  retryBackoffMs: number;
}

/**
 * Where a probe was. The control probe's phases, then a login's stages after the call was accepted
 * (gre: the wait for the gateway's first GRE packet; lcp, auth, ccp, ipcp; data: the echo through the
 * tunnel; teardown).
 */
export type Phase = 'dns' | 'connect' | 'control' | 'echo' | 'call' | 'stop' | 'gre' | 'lcp' | 'auth' | 'ccp' | 'ipcp' | 'data' | 'teardown';

/**
 * Duration of each phase that completed. A phase that was not reached, or failed, is undefined: the
 * time spent in a failed phase is in `failure.elapsedMs` so that latency figures only ever describe
 * completed exchanges. dnsMs is undefined for IP literals (no lookup happens).
 */
export interface Timings {
  dnsMs: number | undefined;
  connectMs: number | undefined;
  controlMs: number | undefined;
  echoMs: number | undefined;
  callMs: number | undefined;
  /** Wall time of the whole probe, all attempts and backoff included. */
  totalMs: number;
}

export interface ServerIdentity {
  hostname: string;
  vendor: string;
  firmwareRevision: number;
  protocolVersion: number;
  maxChannels: number;
  framingCapabilities: number;
  bearerCapabilities: number;
}

export interface ProbeFailure {
  class: FailureClass;
  message: string;
  /** The phase that was in progress when the probe failed. */
  phase: Phase;
  /** Time spent in the failed phase before giving up, in ms. */
  elapsedMs: number;
  /** Result code of the rejecting reply (SCCRP, Echo-Reply, OCRP or Call-Disconnect-Notify). */
  resultCode?: number;
  /** General error code carried beside the result code. */
  errorCode?: number;
  /** Cause code of an OCRP or Call-Disconnect-Notify. */
  causeCode?: number;
  /** Socket error code (ECONNREFUSED, ...) or PPTP decode error code, when there is one. */
  code?: string;
  /** A login's authentication failure: the MS-CHAPv2 E= code (691, 649, ...), when the gateway sent one. */
  authErrorCode?: number;
  /** A login's authentication failure: the gateway's own text (printable, bounded). */
  authMessage?: string;
  /** A login's failed negotiation: what was refused ("LCP rejected by the gateway: Magic-Number"). */
  rejected?: string[];
}

/**
 * Duration of each login stage after the call was accepted, in ms; undefined when not reached or failed.
 * Every key is present. gre and lcp both start when the call is accepted, so they overlap.
 */
export interface LoginStageTimings {
  /** Call accepted to the first GRE packet from the gateway. */
  greMs: number | undefined;
  /** Call accepted (our first Configure-Request) to LCP Opened. */
  lcpMs: number | undefined;
  /** LCP Opened to authentication succeeded (for MS-CHAPv2, the gateway's authenticator verified). */
  authMs: number | undefined;
  /** Authentication done to CCP Opened with MPPE both ways. */
  ccpMs: number | undefined;
  /** IPCP started to an address assigned. */
  ipcpMs: number | undefined;
  /** ICMP echo through the tunnel to its reply (undefined when the data stage is off). */
  dataMs: number | undefined;
}

/** What a login (check kind pptp-login) found besides the control connection's timings. */
export interface LoginDetail {
  timings: LoginStageTimings;
  /** The address IPCP assigned to the probe. */
  assignedAddress?: string;
  /** The gateway's own tunnel address, as it stated it in IPCP. */
  gatewayTunnelAddress?: string;
  /** The authentication the gateway asked for and the check allowed; 'none' when it asked for none. */
  authProtocol?: 'mschapv2' | 'chap-md5' | 'pap' | 'none';
  /** The Name in the gateway's CHAP Challenge (pppd's `name`), when it sent one: part of the gateway's identity. */
  peerName?: string;
  /** The encryption negotiated both ways. */
  mppe?: 'mppe-128-stateless' | 'none';
}

export interface ProbeResult {
  target: string;
  host: string;
  port: number;
  /** The address that was connected to (after DNS), when known. */
  address?: string;
  ok: boolean;
  attempts: number;
  timings: Timings;
  server?: ServerIdentity;
  failure?: ProbeFailure;
  /** Things worth knowing that are not failures (an unanswered Stop, a peer Echo-Request answered). */
  notes: string[];
  /** Local TCP port of the last attempt: lets a packet capture be matched to this result. */
  localPort?: number;
  /** A login's stages and what it negotiated (pptp-login only). */
  login?: LoginDetail;
}
