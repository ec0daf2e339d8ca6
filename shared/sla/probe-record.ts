// One probe result as the SLA code sees it: what the local store writes (one JSON line each) and what the
// CloudWatch adapter reconstructs from the metrics. Pure data.
import type { FailureClass } from '../probe/failure-classes.js';

export interface ProbeRecord {
  /** Config target name. */
  target: string;
  /** Probe region (locally: the name the local monitor gives itself, e.g. 'local'). */
  region: string;
  /** Start of the probe interval, ms since the epoch (a multiple of the target's interval). */
  intervalStart: number;
  ok: boolean;
  failureClass?: FailureClass;
  /** Phase times in ms, when the phase was reached. */
  connectMs?: number;
  controlMs?: number;
  /** The identity the gateway announced in its SCCRP, when it answered. */
  server?: { hostname: string; vendor: string; firmwareRevision: number; /** a login's CHAP Challenge Name */ peerName?: string };
}
