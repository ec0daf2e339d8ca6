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

export type Phase = 'dns' | 'connect' | 'control' | 'echo' | 'call' | 'stop';

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
}
