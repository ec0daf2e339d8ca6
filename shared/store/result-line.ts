// One probe result as one JSON line of the local store (and of a backtest history file). Written by the
// local monitor, read back at start-up and by backtest: every line is validated on the way in, because
// a history file may be hand-edited, truncated by a crash, or come from somewhere else.
import { isFailureClass, type FailureClass } from '../probe/failure-classes.js';
import type { LoginDetail, LoginStageTimings, ProbeResult } from '../probe/types.js';
import type { ProbeRecord } from '../sla/probe-record.js';
import { isRecord } from '../common/is-record.js';

/** The line format's version; bumped on any incompatible change. */
export const RESULT_LINE_VERSION = 1;

export interface ResultLine {
  v: typeof RESULT_LINE_VERSION;
  /** Start of the probe interval, ISO 8601 UTC. */
  interval: string;
  target: string;
  region: string;
  ok: boolean;
  failureClass?: FailureClass;
  failure?: string;
  attempts: number;
  connectMs?: number;
  controlMs?: number;
  echoMs?: number;
  callMs?: number;
  /** A login's stages (pptp-login only), each present when the stage completed. */
  greMs?: number;
  lcpMs?: number;
  authMs?: number;
  ccpMs?: number;
  ipcpMs?: number;
  dataMs?: number;
  totalMs: number;
  server?: { hostname: string; vendor: string; firmwareRevision: number; peerName?: string };
  /** What a login negotiated (pptp-login only): never a credential. */
  assignedAddress?: string;
  authProtocol?: LoginDetail['authProtocol'];
  mppe?: LoginDetail['mppe'];
}

/** A login's stage timings, in the order a login meets them. */
const STAGE_KEYS = ['greMs', 'lcpMs', 'authMs', 'ccpMs', 'ipcpMs', 'dataMs'] as const satisfies readonly (keyof LoginStageTimings)[];

const round3 = (ms: number | undefined): number | undefined => (ms === undefined ? undefined : Math.round(ms * 1000) / 1000);

export function resultLine(result: ProbeResult, ctx: { region: string; intervalStart: number }): ResultLine {
  const line: ResultLine = {
    v: RESULT_LINE_VERSION,
    interval: new Date(ctx.intervalStart).toISOString(),
    target: result.target,
    region: ctx.region,
    ok: result.ok,
    attempts: result.attempts,
    totalMs: round3(result.timings.totalMs) ?? 0,
  };
  if (result.failure) {
    line.failureClass = result.failure.class;
    line.failure = result.failure.message;
  }
  for (const key of ['connectMs', 'controlMs', 'echoMs', 'callMs'] as const) {
    const value = round3(result.timings[key]);
    if (value !== undefined) line[key] = value;
  }
  // A login's fields only when there was a login, so a control probe's line is what it always was.
  const login = result.login;
  if (login) {
    for (const key of STAGE_KEYS) {
      const value = round3(login.timings[key]);
      if (value !== undefined) line[key] = value;
    }
  }
  if (result.server) {
    line.server = { hostname: result.server.hostname, vendor: result.server.vendor, firmwareRevision: result.server.firmwareRevision };
    // A login also learns who authenticated it: the identity events tell pptpd machines apart by it.
    if (result.login?.peerName !== undefined) line.server.peerName = result.login.peerName;
  }
  if (login?.assignedAddress !== undefined) line.assignedAddress = login.assignedAddress;
  if (login?.authProtocol !== undefined) line.authProtocol = login.authProtocol;
  if (login?.mppe !== undefined) line.mppe = login.mppe;
  return line;
}

const isMs = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/** The record a line written by resultLine stands for: what the evaluator sees, in memory or after a restart. */
export function recordOfLine(line: ResultLine): ProbeRecord {
  const record: ProbeRecord = { target: line.target, region: line.region, intervalStart: Date.parse(line.interval), ok: line.ok };
  if (line.failureClass !== undefined) record.failureClass = line.failureClass;
  if (line.connectMs !== undefined) record.connectMs = line.connectMs;
  if (line.controlMs !== undefined) record.controlMs = line.controlMs;
  if (line.server) record.server = line.server;
  return record;
}

/** A line's ProbeRecord, or the reason it is not one. */
export function parseResultLine(text: string): { ok: true; record: ProbeRecord } | { ok: false; problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, problem: 'not JSON' };
  }
  if (!isRecord(value)) return { ok: false, problem: 'not a JSON object' };
  if (value['v'] !== RESULT_LINE_VERSION) return { ok: false, problem: `v: must be ${RESULT_LINE_VERSION}` };
  const intervalStart = typeof value['interval'] === 'string' ? Date.parse(value['interval']) : Number.NaN;
  if (!Number.isFinite(intervalStart)) return { ok: false, problem: 'interval: must be an ISO 8601 time' };
  if (typeof value['target'] !== 'string' || value['target'] === '') return { ok: false, problem: 'target: must be a non-empty string' };
  if (typeof value['region'] !== 'string' || value['region'] === '') return { ok: false, problem: 'region: must be a non-empty string' };
  if (typeof value['ok'] !== 'boolean') return { ok: false, problem: 'ok: must be true or false' };
  const record: ProbeRecord = { target: value['target'], region: value['region'], intervalStart, ok: value['ok'] };
  const cls = value['failureClass'];
  if (cls !== undefined) {
    if (typeof cls !== 'string' || !isFailureClass(cls)) return { ok: false, problem: `failureClass: unknown class ${JSON.stringify(cls)}` };
    record.failureClass = cls;
  }
  if (!record.ok && record.failureClass === undefined) return { ok: false, problem: 'failureClass: required when ok is false' };
  for (const key of ['connectMs', 'controlMs'] as const) {
    const ms = value[key];
    if (ms === undefined) continue;
    if (!isMs(ms)) return { ok: false, problem: `${key}: must be a non-negative number` };
    record[key] = ms;
  }
  const server = value['server'];
  if (isRecord(server) && typeof server['hostname'] === 'string' && typeof server['vendor'] === 'string' && typeof server['firmwareRevision'] === 'number') {
    record.server = { hostname: server['hostname'], vendor: server['vendor'], firmwareRevision: server['firmwareRevision'] };
    if (typeof server['peerName'] === 'string') record.server.peerName = server['peerName'];
  }
  return { ok: true, record };
}
