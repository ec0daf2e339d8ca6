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

export function toResultJson(result: ProbeResult): ProbeResultJson {
  const t = result.timings;
  const timings = {
    dnsMs: t.dnsMs === undefined ? undefined : round(t.dnsMs),
    connectMs: t.connectMs === undefined ? undefined : round(t.connectMs),
    controlMs: t.controlMs === undefined ? undefined : round(t.controlMs),
    echoMs: t.echoMs === undefined ? undefined : round(t.echoMs),
    callMs: t.callMs === undefined ? undefined : round(t.callMs),
    totalMs: round(t.totalMs),
  };
  const json: ProbeResultJson = { target: result.target, host: result.host, port: result.port, ok: result.ok, attempts: result.attempts, timings };
  if (result.address !== undefined) json.address = result.address;
  if (result.server) json.server = { ...result.server };
  if (result.failure) {
    const f = result.failure;
    json.failure = { class: f.class, message: f.message, phase: f.phase, elapsedMs: round(f.elapsedMs), runbook: FAILURE_CLASS_INFO[f.class].runbook };
    if (f.resultCode !== undefined) json.failure.resultCode = f.resultCode;
    if (f.errorCode !== undefined) json.failure.errorCode = f.errorCode;
    if (f.causeCode !== undefined) json.failure.causeCode = f.causeCode;
  }
  if (result.notes.length > 0) json.notes = [...result.notes];
  // Re-order keys to the documented order (address after port) for readers who diff outputs.
  const { target, host, port, address, ok, attempts, server, failure, notes } = json;
  return JSON.parse(JSON.stringify({ target, host, port, address, ok, attempts, timings, server, failure, notes })) as ProbeResultJson;
}
