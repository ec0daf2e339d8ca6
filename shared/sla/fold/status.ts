// The target as it stands at the fold's last instant, in targetStatus's shape (evaluate.ts), so the status
// page can read a stored state instead of replaying history: the same phases, announced flags, keys,
// availability, budget, burn rates, last interval per region and server identity as the walk's.
import type { ResolvedTarget } from '../../config/types.js';
import type { PolicyStatus, RegionStatus, TargetStatus } from '../evaluate.js';
import type { IncidentPhase } from '../incidents.js';
import { maintenanceFlags } from '../maintenance.js';
import { FAILURE_CLASSES } from '../../probe/failure-classes.js';
import { FoldStateError } from './errors.js';
import { foldStateFits } from './fits.js';
import { foldPlan } from './plan.js';
import type { FoldOptions, FoldState } from './state.js';
import { recountWindows, windowCounts } from './windows.js';
import { POLICY, burnRatesOf } from './trackers.js';

const PHASES: readonly IncidentPhase[] = ['ok', 'breached', 'recovering'];
const VERDICTS = ['unknown', 'up', 'down'] as const;

/**
 * targetStatus at state.t (undefined before the first step). One difference: before the target's first
 * record the walk shows the last interval as unknown, the fold as none (nothing is known yet).
 */
export function foldStatus(target: ResolvedTarget, state: FoldState, options?: Pick<FoldOptions, 'renotify' | 'latencyStepMs'>): TargetStatus | undefined {
  const fit = foldStateFits(target, state, options);
  if (!fit.fits) throw new FoldStateError('fold_state_mismatch', `foldStatus: the state does not fit target '${target.name}': ${fit.reason}`);
  if (state.t === null) return undefined;
  const plan = foldPlan(target, options);
  const s = state.cnt.length === 0 ? { ...state, cnt: recountWindows(plan, state) } : state;
  const at = s.t!;
  const last = s.o === null ? -1 : s.k - 1;
  const summary = s.last;
  const regions: RegionStatus[] = target.regions.map((region, r) => {
    if (last < 0 || summary === null || summary.st[r] === 0) return { region, status: 'missing' };
    const cls = summary.cls[r]!;
    const controlMs = summary.ctl[r];
    return {
      region,
      status: summary.st[r] === 2 ? 'fail' : 'ok',
      ...(cls >= 0 ? { failureClass: FAILURE_CLASSES[cls]! } : {}),
      ...(controlMs !== null && controlMs !== undefined ? { controlMs } : {}),
    };
  });
  const policies: PolicyStatus[] = plan.keys.map((key, idx) => {
    const tr = s.tr[idx]!;
    const open = tr.p !== 0;
    const status: PolicyStatus = {
      key,
      policy: POLICY[key].policy,
      severity: POLICY[key].severity,
      phase: PHASES[tr.p]!,
      // A silenced incident counts as announced for the tracker; nobody was told of it.
      announced: open && tr.a && tr.si !== tr.s,
      conditionNow: tr.fn,
    };
    if (open) {
      status.startsAt = tr.s;
      status.dedupKey = `${target.name}/${key}/${new Date(tr.s).toISOString()}`;
    }
    return status;
  });
  const slo = windowCounts(plan, s, plan.sloSlot);
  return {
    target: target.name,
    at,
    slo: target.slo.availability,
    availability: last >= 0 && slo.counted > 0 ? 100 * (1 - slo.bad / slo.counted) : undefined,
    errorBudgetRemaining: 1 - slo.bad / (plan.sloN * plan.budget),
    lastInterval: last >= 0 && summary !== null ? { start: s.o! + last * plan.stepMs, verdict: VERDICTS[summary.verdict] } : undefined,
    regions,
    policies,
    burnRates: burnRatesOf(plan, s),
    maintenance: maintenanceFlags(target.maintenance, at),
    ...(s.server !== null ? { lastServer: { ...s.server } } : {}),
  };
}
