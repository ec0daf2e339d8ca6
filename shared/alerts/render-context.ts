// What an alert needs from the config beyond the notification: the runbook base (the target's own, else
// the config's), the dashboard link, and the owner and tags. One place, so the evaluator, the local
// monitor and backtests render the same alert for the same notification.
import type { ResolvedConfig, ResolvedTarget } from '../config/types.js';
import type { RenderContext } from './render.js';

export function renderContextFor(config: Pick<ResolvedConfig, 'runbookBaseUrl' | 'dashboardBaseUrl'>, target: ResolvedTarget | undefined): RenderContext {
  const ctx: RenderContext = { runbookBaseUrl: target?.runbookBaseUrl ?? config.runbookBaseUrl };
  if (config.dashboardBaseUrl) ctx.dashboardUrl = config.dashboardBaseUrl;
  if (target) ctx.target = { owner: target.owner, tags: target.tags };
  return ctx;
}
