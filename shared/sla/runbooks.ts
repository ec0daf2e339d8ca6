// Which runbook an incident points to, decided once for every place that shows one: the SNS alert
// (shared/alerts), the status page (shared/status) and the SLA report (its incidents' cause). The rule is
// the dominant failure class for incidents about failed probes, else the policy's own runbook.
import { FAILURE_CLASSES, type FailureClass } from '../probe/failure-classes.js';
import type { Notification } from './notification.js';

/** The class with the most failed probes; ties go to the class earlier in FAILURE_CLASSES. */
export function dominantFailureClass(counts: Partial<Record<FailureClass, number>>): FailureClass | undefined {
  let best: FailureClass | undefined;
  let bestCount = 0;
  for (const cls of FAILURE_CLASSES) {
    const count = counts[cls] ?? 0;
    if (count > bestCount) {
      best = cls;
      bestCount = count;
    }
  }
  return best;
}

/** runbookBaseUrl + `<dominant class>.md` for down and error_budget incidents with a dominant class, else `<policy>.md`. */
export function runbookUrlFor(n: Pick<Notification, 'policy' | 'dominantFailureClass'>, runbookBaseUrl: string): string {
  const base = runbookBaseUrl.endsWith('/') ? runbookBaseUrl : `${runbookBaseUrl}/`;
  // latency and no_data are not about failed probes: their own runbook fits even when some probes failed.
  const byClass = n.dominantFailureClass !== undefined && (n.policy === 'down' || n.policy === 'error_budget');
  return `${base}${byClass ? n.dominantFailureClass : n.policy}.md`;
}
