// The CloudWatch dashboards of the home region, packed from the widgets of dashboard-widgets.ts: one row
// per target, availability across all regions on the left, control and connect latency per region on the
// right, each graphed at the target's own probe interval. The targets are split, in config order, over as
// many dashboards as it takes to keep every one well inside CloudWatch's limits; the first one also has an
// overview of the least available targets of the whole fleet.
//
// All dashboards ride in the home template, which CloudFormation caps at 1 MB, and a row costs about
// 1.4 KB there with three probe regions (rows fit up to about 550 such targets). A fleet whose rows would
// not fit gets one availability tile per target instead (about 0.45 KB, four to a grid row, up to about
// 1,750 targets): every target stays on a dashboard, and latency is in the metrics console.
import type { ResolvedConfig, ResolvedTarget } from '../shared/config/types.js';
import type { CloudWatchDashboard } from './cfn.js';
import {
  bytesOf,
  dashboardName,
  headerWidget,
  locationLegend,
  HEADER_HEIGHT,
  metricsIn,
  overviewWidget,
  OVERVIEW_HEIGHT,
  OVERVIEW_TARGETS,
  targetWidgets,
  TARGET_NAME_MAX_CHARS,
  type DashboardLayout,
  type Widget,
} from './dashboard-widgets.js';
import { StackConfigError } from './errors.js';

/**
 * Our ceiling on one DashboardBody, in bytes. The bodies sit in the home template as escaped strings, and
 * this keeps each of them a small share of CloudFormation's 1 MB template.
 */
export const DASHBOARD_BODY_MAX_BYTES = 100 * 1024;
/** CloudWatch's limit of widgets per dashboard. */
export const DASHBOARD_MAX_WIDGETS = 500;
/** CloudWatch's limit of metrics per dashboard, across all widgets (expressions not counted). */
export const DASHBOARD_MAX_METRICS = 2500;
/**
 * Share of each limit above that a generated dashboard may fill. The rest is margin: for a console user
 * who adds a widget to investigate, and for CloudWatch counting a little differently from us.
 */
export const DASHBOARD_FILL_SHARE = 0.8;
/**
 * Our ceiling on all DashboardBody strings together, in bytes as they stand escaped in the home template.
 * CloudFormation takes at most 1 MB of template from S3; the rest is left to osls (functions, schedule
 * rules and permissions, log groups) and to our topics, roles and alarms.
 */
export const DASHBOARDS_TEMPLATE_MAX_BYTES = 800 * 1024;

/** One generated dashboard: its name, its body as CloudWatch takes it, and the targets it shows. */
export interface DashboardPart {
  name: string;
  body: string;
  /** Target names, in config order. */
  targets: string[];
  /** Size of `body` in UTF-8 bytes, and the counts CloudWatch limits. */
  bytes: number;
  widgets: number;
  metrics: number;
  layout: DashboardLayout;
}

/** Bytes a body takes in the template: a JSON string, its quotes and backslashes escaped. */
const templateBytesOf = (body: string): number => Buffer.byteLength(JSON.stringify(body), 'utf8');

/** A dashboard being filled: its target widgets so far, what they cost, and where the next one goes. */
interface Draft {
  widgets: Widget[];
  targets: ResolvedTarget[];
  bytes: number;
  metrics: number;
  /** Grid row where the targets start, below the header (and the overview). */
  top: number;
}

/** What one packing knows: the fleet, the layout, and the header's size reserve per part number. */
interface Packing {
  config: ResolvedConfig;
  baseName: string;
  layout: DashboardLayout;
  budget: { bytes: number; widgets: number; metrics: number };
  headerReserve(part: number): number;
}

/** `{"widgets":[` ... `]}` around the comma-separated widgets; each widget is counted with its comma. */
const ENVELOPE_BYTES = bytesOf({ widgets: [] });

const costOf = (widgets: readonly Widget[]): { bytes: number; metrics: number } => ({
  bytes: widgets.reduce((n, w) => n + bytesOf(w) + 1, 0),
  metrics: widgets.reduce((n, w) => n + metricsIn(w), 0),
});

/**
 * The header is only written once the number of parts is known, so its size is reserved at its largest:
 * every number as wide as the target count and both names as long as allowed.
 */
function packing(config: ResolvedConfig, baseName: string, layout: DashboardLayout): Packing {
  const total = config.targets.length;
  const longestName = 'x'.repeat(TARGET_NAME_MAX_CHARS);
  const widest = { namespace: config.namespace, layout, parts: Math.max(total, 3), first: total, last: total, firstName: longestName, lastName: longestName, totalTargets: total, baseName, locations: locationLegend(config) };
  return {
    config,
    baseName,
    layout,
    budget: {
      bytes: Math.floor(DASHBOARD_BODY_MAX_BYTES * DASHBOARD_FILL_SHARE),
      widgets: Math.floor(DASHBOARD_MAX_WIDGETS * DASHBOARD_FILL_SHARE),
      metrics: Math.floor(DASHBOARD_MAX_METRICS * DASHBOARD_FILL_SHARE),
    },
    headerReserve: (part) => bytesOf(headerWidget({ ...widest, part })),
  };
}

/** The `index`-th dashboard (0-based), empty: the first one carries the fleet overview. */
function startDraft(p: Packing, index: number): Draft {
  const widgets: Widget[] = index === 0 && p.config.targets.length > 0 ? [overviewWidget(p.config, HEADER_HEIGHT)] : [];
  return {
    widgets,
    targets: [],
    bytes: widgets.reduce((n, w) => n + bytesOf(w) + 1, ENVELOPE_BYTES + p.headerReserve(index + 1) + 1),
    // The overview's query returns up to OVERVIEW_TARGETS series: counted as metrics to be safe.
    metrics: index === 0 ? OVERVIEW_TARGETS : 0,
    top: HEADER_HEIGHT + (index === 0 ? OVERVIEW_HEIGHT : 0),
  };
}

/**
 * The targets, in config order, split over as few dashboards as keep each one inside DASHBOARD_FILL_SHARE
 * of every limit. Greedy and deterministic: a target goes on the current dashboard while it fits, else it
 * starts the next one.
 */
function draftDashboards(p: Packing): Draft[] {
  let draft = startDraft(p, 0);
  const drafts: Draft[] = [draft];
  for (const target of p.config.targets) {
    let widgets = targetWidgets(p.config, p.layout, target, draft.targets.length, draft.top);
    let added = costOf(widgets);
    const fits =
      draft.bytes + added.bytes <= p.budget.bytes && draft.widgets.length + 1 + widgets.length <= p.budget.widgets && draft.metrics + added.metrics <= p.budget.metrics;
    if (draft.targets.length > 0 && !fits) {
      draft = startDraft(p, drafts.length);
      drafts.push(draft);
      widgets = targetWidgets(p.config, p.layout, target, 0, draft.top);
      added = costOf(widgets);
    }
    draft.widgets.push(...widgets);
    draft.targets.push(target);
    draft.bytes += added.bytes;
    draft.metrics += added.metrics;
  }
  return drafts;
}

/** A draft with its header, as CloudWatch takes it; `first` is the 1-based position of its first target. */
function finishDraft(p: Packing, draft: Draft, index: number, parts: number, first: number): DashboardPart {
  const header = headerWidget({
    namespace: p.config.namespace,
    layout: p.layout,
    part: index + 1,
    parts,
    first,
    last: first + draft.targets.length - 1,
    firstName: draft.targets[0]?.name ?? '-',
    lastName: draft.targets[draft.targets.length - 1]?.name ?? '-',
    totalTargets: p.config.targets.length,
    baseName: p.baseName,
    locations: locationLegend(p.config),
  });
  const widgets = [header, ...draft.widgets];
  const body = JSON.stringify({ widgets });
  const part: DashboardPart = {
    name: dashboardName(p.baseName, index),
    body,
    targets: draft.targets.map((t) => t.name),
    bytes: Buffer.byteLength(body, 'utf8'),
    widgets: widgets.length,
    metrics: widgets.reduce((n, w) => n + metricsIn(w), 0),
    layout: p.layout,
  };
  // The reserve above makes this unreachable; it guards the arithmetic, not the config.
  if (part.bytes > DASHBOARD_BODY_MAX_BYTES || part.widgets > DASHBOARD_MAX_WIDGETS || part.metrics > DASHBOARD_MAX_METRICS) {
    throw new Error(`dashboard ${part.name} came out at ${part.bytes} bytes, ${part.widgets} widgets, ${part.metrics} metrics: over a limit despite the plan`);
  }
  return part;
}

function packDashboards(config: ResolvedConfig, baseName: string, layout: DashboardLayout): DashboardPart[] {
  const p = packing(config, baseName, layout);
  const drafts = draftDashboards(p);
  let position = 0;
  return drafts.map((draft, i) => {
    const first = position + 1;
    position += draft.targets.length;
    return finishDraft(p, draft, i, drafts.length, first);
  });
}

/** Bytes the parts take in the home template, escaped. */
export const templateBytes = (parts: readonly DashboardPart[]): number => parts.reduce((n, part) => n + templateBytesOf(part.body), 0);

/**
 * The dashboards of the config: rows per target when all of them fit DASHBOARDS_TEMPLATE_MAX_BYTES,
 * else availability tiles. A StackConfigError only when even the tiles would not fit (about 1,750
 * targets): CloudFormation would reject that template, so it is said before the deploy starts.
 */
export function dashboardParts(config: ResolvedConfig, baseName: string): DashboardPart[] {
  const rows = packDashboards(config, baseName, 'rows');
  if (templateBytes(rows) <= DASHBOARDS_TEMPLATE_MAX_BYTES) return rows;
  const tiles = packDashboards(config, baseName, 'tiles');
  const bytes = templateBytes(tiles);
  if (bytes > DASHBOARDS_TEMPLATE_MAX_BYTES) {
    throw new StackConfigError(
      'template_too_large',
      `the dashboards for ${config.targets.length} targets would take ${bytes} bytes of the home template even with one availability graph per target, ` +
        `over our ceiling of ${DASHBOARDS_TEMPLATE_MAX_BYTES} (CloudFormation takes at most 1 MB): this many targets need dashboards managed outside CloudFormation`,
    );
  }
  return tiles;
}

/** Logical id of the i-th dashboard (0-based): `Dashboard`, `Dashboard2`, `Dashboard3`, ... */
export const dashboardLogicalId = (index: number): string => (index === 0 ? 'Dashboard' : `Dashboard${index + 1}`);

/** The dashboards as resources, keyed by logical id, in part order. */
export function dashboards(config: ResolvedConfig, baseName: string): Record<string, CloudWatchDashboard> {
  return Object.fromEntries(
    dashboardParts(config, baseName).map((part, i) => [
      dashboardLogicalId(i),
      { Type: 'AWS::CloudWatch::Dashboard', Properties: { DashboardName: part.name, DashboardBody: part.body } } satisfies CloudWatchDashboard,
    ]),
  );
}
