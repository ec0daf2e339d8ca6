// The report's error budget, the status page's definition: the SLO window's allowance,
// (1 − SLO/100) × slo.windowDays (43.2 min at 99.9% over 30 days), whatever the range. Downtime = counted
// down intervals × interval minutes; consumed = downtime; remaining = 1 − consumed / budget. Beside it the
// range's share of the allowance, (1 − SLO/100) × countedMinutes (0.06 min for a counted hour): downtime
// within the share is exactly availability ≥ SLO. So a one-hour range with 12 minutes down has used 27.8%
// of the 30-day budget (72.2% left) and 200× its share; it is not "−19900% left". A range whose share
// exceeds the allowance (a 31-day month against a 30-day window) is measured against its share instead
// (basis 'range'), so a long range never gets less than its share. Negative when overspent; undefined
// when nothing was counted (no data: nothing to say about a budget).
import type { ResolvedTarget } from '../config/types.js';
import { DAY_MS, MINUTE_MS } from '../common/time.js';
import { budgetRate } from './policies.js';

/** What the error budget is measured against: the SLO window's allowance, or the range's share when that is larger. */
export type BudgetBasis = 'slo-window' | 'range';

export interface ReportErrorBudget {
  /** The budget `remaining` is a share of: windowAllowanceMinutes, or rangeShareMinutes when larger (see basis). */
  budgetMinutes: number;
  basis: BudgetBasis;
  /** The SLO window, days. */
  windowDays: number;
  /** The SLO window's allowance: (1 − SLO/100) × windowDays days, minutes (43.2 at 99.9% over 30 days). */
  windowAllowanceMinutes: number;
  /** This range's share of the allowance: (1 − SLO/100) × countedMinutes. Downtime within it ⇔ availability ≥ SLO. */
  rangeShareMinutes: number;
  /** Downtime minutes. */
  consumedMinutes: number;
  /** budget − consumed (negative when overspent). */
  remainingMinutes: number;
  /** Fraction of the budget left: 1 − consumed / budget; undefined when nothing was counted. */
  remaining: number | undefined;
}

/** The budget of a range with `countedMinutes` counted, `downtimeMinutes` of them down. */
export function reportErrorBudget(target: ResolvedTarget, countedMinutes: number, downtimeMinutes: number): ReportErrorBudget {
  const rate = budgetRate(target);
  const windowAllowanceMinutes = (rate * target.slo.windowDays * DAY_MS) / MINUTE_MS;
  const rangeShareMinutes = rate * countedMinutes;
  const basis: BudgetBasis = rangeShareMinutes > windowAllowanceMinutes ? 'range' : 'slo-window';
  const budgetMinutes = basis === 'range' ? rangeShareMinutes : windowAllowanceMinutes;
  return {
    budgetMinutes,
    basis,
    windowDays: target.slo.windowDays,
    windowAllowanceMinutes,
    rangeShareMinutes,
    consumedMinutes: downtimeMinutes,
    remainingMinutes: budgetMinutes - downtimeMinutes,
    remaining: countedMinutes > 0 ? remainingOf(budgetMinutes, downtimeMinutes) : undefined,
  };
}

/** The fraction of `budgetMinutes` left after `consumedMinutes`. The config keeps the SLO below 100%, so the budget is never 0. */
export function remainingOf(budgetMinutes: number, consumedMinutes: number): number {
  return 1 - consumedMinutes / budgetMinutes;
}
