// The probers, by check kind: the one list runners and cycles look a prober up in (the lookup is
// shared/probe/registry.ts). A new prober is a folder beside pptp/ and one entry here, and its option
// schema in option-schemas.ts.
import { createProberRegistry } from '../probe/registry.js';
import type { ProbeOptions } from '../probe/types.js';
import { PPTP_CONTROL, pptpControlProber, type PptpControlTarget } from './pptp/index.js';

export const PROBERS = createProberRegistry([pptpControlProber]);

export type CheckKind = (typeof PROBERS.kinds)[number];

/** What the registered probers read of a configured target, together. */
export type ProberTarget = PptpControlTarget;

/**
 * The check kind of a configured target: the one place it is decided. monitor.yml has no `check` key
 * yet, so every target is a control-connection probe.
 */
export function checkKindOf(target: ProberTarget): CheckKind {
  void target;
  return PPTP_CONTROL;
}

/** The options a configured target asks of the prober of its kind; what the config does not set from `base`. */
export function probeOptionsFor(target: ProberTarget, base?: Readonly<ProbeOptions>): ProbeOptions {
  return PROBERS.proberFor(checkKindOf(target)).optionsFor(target, base);
}
