// The JSON shape of a probe result (`check --json`, and the local store's lines). A field that does not
// apply is omitted, never null, so a control probe's JSON has no login keys at all. Times are rounded to
// the microsecond.
import { FAILURE_CLASS_INFO, type FailureClass, type LoginDetail, type ProbeResult, type ServerIdentity } from '../probe/index.js';

export interface ProbeResultJson {
  target: string;
  host: string;
  port: number;
  address?: string;
  ok: boolean;
  attempts: number;
  /** A login's stages (greMs ... dataMs) follow the control connection's, in the order a login meets them. */
  timings: {
    dnsMs?: number;
    connectMs?: number;
    controlMs?: number;
    echoMs?: number;
    callMs?: number;
    greMs?: number;
    lcpMs?: number;
    authMs?: number;
    ccpMs?: number;
    ipcpMs?: number;
    dataMs?: number;
    totalMs: number;
  };
  server?: ServerIdentity;
  /** What a login negotiated (pptp-login only). */
  login?: Omit<LoginDetail, 'timings'>;
  failure?: {
    class: FailureClass;
    message: string;
    phase: string;
    elapsedMs: number;
    resultCode?: number;
    errorCode?: number;
    causeCode?: number;
    /** A login's MS-CHAPv2 E= code, and the gateway's text. */
    authErrorCode?: number;
    authMessage?: string;
    /** What a failed login negotiation refused. */
    rejected?: string[];
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
  const stages = result.login?.timings;
  const f = result.failure;
  const login = result.login;
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
      greMs: roundOptional(stages?.greMs),
      lcpMs: roundOptional(stages?.lcpMs),
      authMs: roundOptional(stages?.authMs),
      ccpMs: roundOptional(stages?.ccpMs),
      ipcpMs: roundOptional(stages?.ipcpMs),
      dataMs: roundOptional(stages?.dataMs),
      totalMs: round(t.totalMs),
    }),
    server: result.server ? { ...result.server } : undefined,
    login: login
      ? defined({ assignedAddress: login.assignedAddress, gatewayTunnelAddress: login.gatewayTunnelAddress, authProtocol: login.authProtocol, mppe: login.mppe, peerName: login.peerName })
      : undefined,
    failure: f
      ? defined({
          class: f.class,
          message: f.message,
          phase: f.phase,
          elapsedMs: round(f.elapsedMs),
          resultCode: f.resultCode,
          errorCode: f.errorCode,
          causeCode: f.causeCode,
          authErrorCode: f.authErrorCode,
          authMessage: f.authMessage,
          rejected: f.rejected ? [...f.rejected] : undefined,
          runbook: FAILURE_CLASS_INFO[f.class].runbook,
        })
      : undefined,
    notes: result.notes.length > 0 ? [...result.notes] : undefined,
  });
}
