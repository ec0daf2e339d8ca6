// The JSON shape of a probe result (`check --json`, and the local store's lines). A field that does not
// apply is omitted, never null. Times are rounded to the microsecond.
import { FAILURE_CLASS_INFO, type FailureClass, type ProbeResult, type ServerIdentity } from '../probe/index.js';

export interface ProbeResultJson {
  target: string;
  host: string;
  port: number;
  address?: string;
  ok: boolean;
  attempts: number;
  timings: { dnsMs?: number; connectMs?: number; controlMs?: number; echoMs?: number; callMs?: number; totalMs: number };
  server?: ServerIdentity;
  failure?: {
    class: FailureClass;
    message: string;
    phase: string;
    elapsedMs: number;
    resultCode?: number;
    errorCode?: number;
    causeCode?: number;
    runbook: string;
  };
  notes?: string[];
}

const round = (ms: number): number => Math.round(ms * 1000) / 1000;
const roundOptional = (ms: number | undefined): number | undefined => (ms === undefined ? undefined : round(ms));

/** Drops keys whose value is undefined, keeping the order in which the object was written. */
function defined<T extends object>(obj: T): T {
  for (const key of Object.keys(obj) as Array<keyof T>) if (obj[key] === undefined) delete obj[key];
  return obj;
}

/** Keys in the documented order (address after port) for readers who diff outputs. */
export function toResultJson(result: ProbeResult): ProbeResultJson {
  const t = result.timings;
  const f = result.failure;
  return defined<ProbeResultJson>({
    target: result.target,
    host: result.host,
    port: result.port,
    address: result.address,
    ok: result.ok,
    attempts: result.attempts,
    timings: defined({
      dnsMs: roundOptional(t.dnsMs),
      connectMs: roundOptional(t.connectMs),
      controlMs: roundOptional(t.controlMs),
      echoMs: roundOptional(t.echoMs),
      callMs: roundOptional(t.callMs),
      totalMs: round(t.totalMs),
    }),
    server: result.server ? { ...result.server } : undefined,
    failure: f
      ? defined({
          class: f.class,
          message: f.message,
          phase: f.phase,
          elapsedMs: round(f.elapsedMs),
          resultCode: f.resultCode,
          errorCode: f.errorCode,
          causeCode: f.causeCode,
          runbook: FAILURE_CLASS_INFO[f.class].runbook,
        })
      : undefined,
    notes: result.notes.length > 0 ? [...result.notes] : undefined,
  });
}
