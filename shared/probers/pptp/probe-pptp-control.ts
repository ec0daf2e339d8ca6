// The pptp-control prober: the PPTP control conversation over the generic attempt lifecycle, with the
// generic retries and deadline, and its entry for the registry (check kind `pptp-control`).
import { runAttempt, type AttemptOutcome } from '../../probe/attempt-lifecycle.js';
import type { ProbeDeps, ResolvedAddress } from '../../probe/deps.js';
import type { Prober } from '../../probe/prober.js';
import { runAttempts } from '../../probe/run-attempts.js';
import type { ProbeResult, ProbeTarget } from '../../probe/types.js';
import { controlConversation, encodeStartRequest } from './control-conversation.js';
import {
  DEFAULT_PPTP_CONTROL_OPTIONS,
  PPTP_CONTROL,
  PPTP_CONTROL_FAILURE_CLASSES,
  PPTP_CONTROL_OPTION_SCHEMA,
  pptpControlOptionsFor,
  type PptpControlOptions,
  type PptpControlTarget,
} from './options.js';

/** SCCRQs kept encoded, one per announced host name and vendor (the CLI and config give one or two). */
const MAX_CACHED_START_REQUESTS = 64;
const startRequestCache = new Map<string, Uint8Array>();

function startRequestFor(options: PptpControlOptions): Uint8Array {
  const key = `${options.hostname}\u0000${options.vendor}`;
  let bytes = startRequestCache.get(key);
  if (!bytes) {
    bytes = encodeStartRequest(options);
    if (startRequestCache.size < MAX_CACHED_START_REQUESTS) startRequestCache.set(key, bytes);
  }
  return bytes;
}

function attemptOnce(resolved: ResolvedAddress, target: ProbeTarget, options: PptpControlOptions, deadlineAt: number, deps: ProbeDeps): Promise<AttemptOutcome> {
  const random = deps.random ?? Math.random;
  const conversation = controlConversation({
    options,
    echoIdentifier: Math.floor(random() * 0x1_0000_0000) >>> 0,
    // Call ID 0 is legal but some PACs treat it as "none"; stay within 1..65535.
    callId: 1 + Math.floor(random() * 0xfffe),
    callSerialNumber: Math.floor(random() * 0x10000),
    startRequest: startRequestFor(options),
  });
  return new Promise((resolve) => {
    runAttempt({ address: resolved.address, family: resolved.family, port: target.port, deadlineAt, timeoutMs: options.timeoutMs }, conversation, deps, resolve);
  });
}

/**
 * Probes one gateway's control connection. Returns a value for every state of the gateway; options left
 * out take DEFAULT_PPTP_CONTROL_OPTIONS. `timeoutMs` bounds the whole probe, retries included.
 */
export function probePptp(target: ProbeTarget, options: Partial<PptpControlOptions>, deps: ProbeDeps): Promise<ProbeResult> {
  const opts: PptpControlOptions = { ...DEFAULT_PPTP_CONTROL_OPTIONS, ...options };
  return runAttempts(target, opts, deps, (resolved, deadlineAt) => attemptOnce(resolved, target, opts, deadlineAt, deps));
}

export const pptpControlProber: Prober<PptpControlOptions, PptpControlTarget> & { readonly kind: typeof PPTP_CONTROL } = {
  kind: PPTP_CONTROL,
  defaults: DEFAULT_PPTP_CONTROL_OPTIONS,
  optionSchema: PPTP_CONTROL_OPTION_SCHEMA,
  failureClasses: PPTP_CONTROL_FAILURE_CLASSES,
  probe: probePptp,
  optionsFor: pptpControlOptionsFor,
};
