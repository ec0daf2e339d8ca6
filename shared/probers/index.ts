// The probers, by check kind: the one list runners and cycles look a prober up in (the lookup is
// shared/probe/registry.ts). A new prober is a folder beside pptp/ and one entry here, and its option
// schema in option-schemas.ts.
import { createProberRegistry } from '../probe/registry.js';
import type { ProbeOptions } from '../probe/types.js';
import { PPTP_CONTROL, pptpControlProber, type PptpControlTarget } from './pptp/index.js';
import { pptpLoginProber } from './pptp-login/login-prober.js';
import type { PptpLoginTarget } from './pptp-login/login-check-options.js';

export const PROBERS = createProberRegistry([pptpControlProber, pptpLoginProber]);

export type CheckKind = (typeof PROBERS.kinds)[number];

/**
 * What the registered probers read of a configured target, together: a control target's switches, and
 * for a login target its kind and login settings. A target without `check` is a control probe (the
 * resolved config writes `check` only for other kinds, so configs without them stay as they were).
 */
export type ProberTarget = PptpControlTarget & Partial<Pick<PptpLoginTarget, 'check' | 'login'>>;

/** The check kind of a configured target: the one place it is decided. */
export function checkKindOf(target: ProberTarget): CheckKind {
  return target.check ?? PPTP_CONTROL;
}

/** The options a configured target asks of the prober of its kind; what the config does not set from `base`. */
export function probeOptionsFor(target: ProberTarget, base?: Readonly<ProbeOptions>): ProbeOptions {
  return PROBERS.proberFor(checkKindOf(target)).optionsFor(target, base);
}
