// Whether a state can be stepped for a target: built for the same configuration and options (the
// fingerprint), and shaped for it (as many regions and policies, intervals folded up to its last instant).
// A state that does not fit is rebuilt by a replay of the target's history from emptyFoldState: a changed
// quorum, SLO, latency objective, maintenance window or interval changes what the past intervals mean.
import type { ResolvedTarget } from '../../config/types.js';
import { foldPlan, type FoldPlan } from './plan.js';
import { FOLD_SCHEMA_VERSION, type FoldOptions, type FoldState } from './state.js';

export type FoldFit = { fits: true } | { fits: false; reason: string };

/** States stepFold returned, with the plan they were stepped for: they fit it by construction. */
const stepped = new WeakMap<FoldState, FoldPlan>();

/** Records that stepFold produced `state` for `plan` (so checking it again is skipped). */
export function markFits(state: FoldState, plan: FoldPlan): void {
  stepped.set(state, plan);
}

export function foldStateFits(target: ResolvedTarget, state: FoldState, options?: Pick<FoldOptions, 'renotify' | 'latencyStepMs'>): FoldFit {
  const plan = foldPlan(target, options);
  if (stepped.get(state) === plan) return { fits: true };
  if (state.v !== FOLD_SCHEMA_VERSION) return { fits: false, reason: `schema version ${String(state.v)}, this code reads ${FOLD_SCHEMA_VERSION}` };
  if (state.fp !== plan.fp) return { fits: false, reason: 'built for another configuration of the target (regions, quorum, SLO, latency, down.for, maintenance or interval) or other renotify/latencyStepMs options' };
  if (state.seen.length !== plan.R || state.seenNm.length !== plan.R) return { fits: false, reason: `holds ${state.seen.length} regions, the target has ${plan.R}` };
  if (state.tr.length !== plan.keys.length) return { fits: false, reason: `holds ${state.tr.length} policies, the target has ${plan.keys.length}` };
  if (state.cnt.length !== 0 && state.cnt.length !== 2 * plan.windowNs.length) return { fits: false, reason: 'window counts of another shape' };
  for (const [idx, key] of plan.keys.entries()) {
    const tr = state.tr[idx]!;
    const rules = key === 'error_budget-page' ? plan.rules.page.length : key === 'error_budget-ticket' ? plan.rules.ticket.length : 0;
    if (tr.ac.length !== rules) return { fits: false, reason: `policy ${key}: ${tr.ac.length} rule flags, expected ${rules}` };
    const open = tr.p !== 0;
    const wantsLatency = key === 'latency';
    if (open !== (wantsLatency ? tr.lp !== null : tr.ev !== null) || (wantsLatency ? tr.ev !== null : tr.lp !== null)) {
      return { fits: false, reason: `policy ${key}: incident evidence does not match its phase` };
    }
    if (tr.af.some((r) => r >= plan.R) || tr.ev?.fail.some((r) => r >= plan.R) || tr.ev?.tail.some((e) => e.f.some((r) => r >= plan.R))) {
      return { fits: false, reason: `policy ${key}: a region index beyond the target's regions` };
    }
    if (tr.lp !== null && (tr.lp.n.length !== plan.R || tr.lp.top.length !== plan.R || tr.lp.tail.some((slot) => slot.v.length !== plan.R))) {
      return { fits: false, reason: `policy ${key}: latency evidence for another number of regions` };
    }
  }
  if ([...state.evd, ...state.evf].some((e) => e.f.some((r) => r >= plan.R))) return { fits: false, reason: 'failure evidence names a region beyond the target\'s regions' };
  if (state.last !== null && state.last.st.length !== plan.R) return { fits: false, reason: 'last interval of another number of regions' };
  if (state.o !== null) {
    if (state.o % plan.stepMs !== 0) return { fits: false, reason: 'an origin off the target\'s interval grid' };
    if (state.t === null) return { fits: false, reason: 'an origin without an instant stepped' };
    const expected = Math.floor((state.t - state.o) / plan.stepMs);
    if (state.k !== expected) return { fits: false, reason: `${state.k} intervals folded, the instant stepped implies ${expected}` };
  } else if (state.k !== 0) return { fits: false, reason: 'intervals folded without an origin' };
  if (plan.latency === undefined) {
    if (state.lat.length > 0 || state.lf !== 0) return { fits: false, reason: 'a latency ring for a target without a latency objective' };
  } else if (state.k > 0 && (state.lat.length === 0 || state.lf + state.lat.length !== state.k)) {
    return { fits: false, reason: 'the latency ring does not end at the last interval folded' };
  }
  if (state.lat.some((slot) => slot.v.length !== plan.R || slot.sl.some((r) => r >= plan.R))) return { fits: false, reason: 'a latency slot of another number of regions' };
  return { fits: true };
}
