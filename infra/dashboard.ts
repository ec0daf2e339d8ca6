// The CloudWatch dashboards of the home region. One row per target, availability across all regions on
// the left, control and connect latency per region on the right, each graphed at the target's own probe
// interval. The targets are split, in config order, over as many dashboards as it takes to keep every
// one well inside CloudWatch's limits; the first one also has an overview of the least available targets
// of the whole fleet. Every metric is read in the home region, where the probes of all regions publish.
//
// All dashboards ride in the home template, which CloudFormation caps at 1 MB, and a row costs about
// 1.4 KB there with three probe regions (rows fit up to about 550 such targets). A fleet whose rows would
// not fit gets one availability tile per target instead (about 0.45 KB, four to a grid row, up to about
// 1,750 targets): every target stays on a dashboard, and latency is in the metrics console.
import type { ResolvedConfig, ResolvedTarget } from '../shared/config/types.js';
import { Dimension, MetricName } from '../shared/metrics/metric-design.js';
import type { CloudWatchDashboard } from './cfn.js';
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
/** Time series in the fleet overview: the least available targets, so the graph stays readable at any fleet size. */
export const OVERVIEW_TARGETS = 20;

/** Dashboard grid: 24 columns wide; a target's row is two half-width graphs, a tile a quarter-width one. */
const GRID_COLUMNS = 24;
const ROW_HEIGHT = 6;
const TILE_WIDTH = 6;
const TILE_HEIGHT = 5;
const HEADER_HEIGHT = 2;
const OVERVIEW_HEIGHT = 8;
/** The longest target name the config allows (`^[a-z0-9][a-z0-9-]{0,62}$`), for the header's size reserve. */
const TARGET_NAME_MAX_CHARS = 63;

interface MetricOptions {
  id?: string;
  stat?: string;
  label?: string;
  visible?: boolean;
}
interface ExpressionOptions {
  expression: string;
  id: string;
  /** '' keeps the labels of the series an expression returns (one per target) without a prefix. */
  label: string;
  visible?: boolean;
}
/** One line of a metric widget: namespace, metric name, dimension name/value pairs, then options. */
type MetricLine = [string, string, ...string[], MetricOptions] | [ExpressionOptions];

/** A graph; `view` is left at its default, timeSeries, to keep bodies small. */
interface MetricWidget {
  type: 'metric';
  x: number;
  y: number;
  width: number;
  height: number;
  properties: {
    title: string;
    region: string;
    /** Seconds. */
    period: number;
    stat?: string;
    metrics: MetricLine[];
    yAxis: { left: { label: string; min?: number; max?: number; showUnits: boolean } };
  };
}
interface TextWidget {
  type: 'text';
  x: number;
  y: number;
  width: number;
  height: number;
  properties: { markdown: string };
}
type Widget = MetricWidget | TextWidget;

/** `rows`: availability and latency graphs per target. `tiles`: an availability graph per target. */
export type DashboardLayout = 'rows' | 'tiles';

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

const periodOf = (target: ResolvedTarget): number => target.intervalMinutes * 60;

/** Metric lines that name a metric (expressions, searches and queries are not counted by CloudWatch's limit). */
const metricsIn = (widget: Widget): number =>
  widget.type === 'metric' ? widget.properties.metrics.filter((line) => typeof line[0] === 'string').length : 0;

const bytesOf = (value: unknown): number => Buffer.byteLength(JSON.stringify(value), 'utf8');
/** Bytes a body takes in the template: a JSON string, its quotes and backslashes escaped. */
const templateBytesOf = (body: string): number => Buffer.byteLength(JSON.stringify(body), 'utf8');

interface Cell {
  x: number;
  y: number;
  width: number;
  height: number;
}

function availabilityWidget(config: ResolvedConfig, target: ResolvedTarget, cell: Cell): MetricWidget {
  return {
    type: 'metric',
    ...cell,
    properties: {
      title: `${target.name} availability (all regions)`,
      region: config.homeRegion,
      period: periodOf(target),
      // ProbeFailed is 0 or 1 per probe from every region, so its Average is the failing share.
      metrics: [
        [{ expression: '100*(1-m1)', id: 'e1', label: 'availability %' }],
        [config.namespace, MetricName.ProbeFailed, Dimension.Target, target.name, { id: 'm1', stat: 'Average', visible: false }],
      ],
      yAxis: { left: { label: '%', min: 0, max: 100, showUnits: false } },
    },
  };
}

function latencyWidget(config: ResolvedConfig, target: ResolvedTarget, cell: Cell): MetricWidget {
  const metrics: MetricLine[] = [];
  for (const region of target.regions) {
    for (const [metricName, phase] of [
      [MetricName.ControlTime, 'control'],
      [MetricName.ConnectTime, 'connect'],
    ] as const) {
      metrics.push([config.namespace, metricName, Dimension.Target, target.name, Dimension.ProbeRegion, region, { label: `${phase} ${region}` }]);
    }
  }
  return {
    type: 'metric',
    ...cell,
    properties: {
      title: `${target.name} latency p95 by probe region`,
      region: config.homeRegion,
      period: periodOf(target),
      stat: 'p95',
      metrics,
      yAxis: { left: { label: 'ms', min: 0, showUnits: false } },
    },
  };
}

/** A Metrics Insights string literal: double-quoted, with `\` and `"` escaped. */
const insightsQuoted = (name: string): string => `"${name.replace(/[\\"]/g, (c) => `\\${c}`)}"`;

/**
 * The fleet overview: availability of the OVERVIEW_TARGETS least available targets over the graph's time
 * range, whichever dashboard they are on.
 *
 * A Metrics Insights query rather than SEARCH: SEARCH returns at most 500 time series, an arbitrary half
 * of a 1,000-target fleet, while a Metrics Insights query ranks up to 10,000 metrics with ORDER BY before
 * LIMIT keeps the worst. Metric math over its GROUP BY result (an array of time series, one per target)
 * turns the failing share into availability. The period is the coarsest probe interval of the fleet, so
 * every target, 5-minute ones included, has a point in every period.
 */
function overviewWidget(config: ResolvedConfig, y: number): MetricWidget {
  const shown = Math.min(OVERVIEW_TARGETS, config.targets.length);
  const query =
    `SELECT AVG(${MetricName.ProbeFailed}) FROM SCHEMA(${insightsQuoted(config.namespace)}, ${Dimension.Target}) ` +
    `GROUP BY ${Dimension.Target} ORDER BY AVG() DESC LIMIT ${OVERVIEW_TARGETS}`;
  return {
    type: 'metric',
    x: 0,
    y,
    width: GRID_COLUMNS,
    height: OVERVIEW_HEIGHT,
    properties: {
      title: `Fleet overview: the ${shown} least available of ${config.targets.length} targets (all regions)`,
      region: config.homeRegion,
      period: Math.max(...config.targets.map(periodOf)),
      metrics: [
        [{ expression: query, id: 'q1', label: '', visible: false }],
        [{ expression: '100*(1-q1)', id: 'e1', label: '' }],
      ],
      yAxis: { left: { label: '%', min: 0, max: 100, showUnits: false } },
    },
  };
}

interface HeaderText {
  namespace: string;
  layout: DashboardLayout;
  part: number;
  parts: number;
  /** 1-based positions in config order, and the names there. */
  first: number;
  last: number;
  firstName: string;
  lastName: string;
  totalTargets: number;
  /** Name of the first dashboard, for the first one's pointer to the others (plain text, no links). */
  baseName: string;
}

function headerWidget(text: HeaderText): TextWidget {
  const rest = text.parts === 2 ? dashboardName(text.baseName, 1) : `${dashboardName(text.baseName, 1)} to ${dashboardName(text.baseName, text.parts - 1)}`;
  const others = text.part === 1 && text.parts > 1 ? ` The other parts are the dashboards ${rest}.` : '';
  const tiles =
    text.layout === 'tiles'
      ? ' At this fleet size each target has an availability graph only: latency graphs for every target would not fit the 1 MB CloudFormation template; ControlTime and ConnectTime by Target and ProbeRegion are in the metrics console.'
      : '';
  return {
    type: 'text',
    x: 0,
    y: 0,
    width: GRID_COLUMNS,
    height: HEADER_HEIGHT,
    properties: {
      markdown:
        `## PPTP gateways (namespace ${text.namespace}), part ${text.part} of ${text.parts}: targets ${text.first}..${text.last}\n` +
        `${text.firstName} to ${text.lastName}, of ${text.totalTargets} targets in monitor.yml order.${others}${tiles} ` +
        'Generated from monitor.yml at deploy; edits made in the console are lost on the next deploy.',
    },
  };
}

export const dashboardName = (baseName: string, index: number): string => (index === 0 ? baseName : `${baseName}-${index + 1}`);

/** The widgets of the `k`-th target (0-based) of a dashboard whose targets start at `top`. */
function targetWidgets(config: ResolvedConfig, layout: DashboardLayout, target: ResolvedTarget, k: number, top: number): Widget[] {
  if (layout === 'rows') {
    const y = top + k * ROW_HEIGHT;
    const half = GRID_COLUMNS / 2;
    return [
      availabilityWidget(config, target, { x: 0, y, width: half, height: ROW_HEIGHT }),
      latencyWidget(config, target, { x: half, y, width: half, height: ROW_HEIGHT }),
    ];
  }
  const perRow = GRID_COLUMNS / TILE_WIDTH;
  return [availabilityWidget(config, target, { x: (k % perRow) * TILE_WIDTH, y: top + Math.floor(k / perRow) * TILE_HEIGHT, width: TILE_WIDTH, height: TILE_HEIGHT })];
}

/**
 * The targets, in config order, split over as few dashboards as keep each one inside DASHBOARD_FILL_SHARE
 * of every limit. Greedy and deterministic: a target goes on the current dashboard while it fits, else it
 * starts the next one. The header is only written once the number of parts is known, so its size is
 * reserved at its largest: every number as wide as the target count and both names as long as allowed.
 */
function packDashboards(config: ResolvedConfig, baseName: string, layout: DashboardLayout): DashboardPart[] {
  const budget = {
    bytes: Math.floor(DASHBOARD_BODY_MAX_BYTES * DASHBOARD_FILL_SHARE),
    widgets: Math.floor(DASHBOARD_MAX_WIDGETS * DASHBOARD_FILL_SHARE),
    metrics: Math.floor(DASHBOARD_MAX_METRICS * DASHBOARD_FILL_SHARE),
  };
  const total = config.targets.length;
  const longestName = 'x'.repeat(TARGET_NAME_MAX_CHARS);
  const headerReserve = (part: number): number =>
    bytesOf(
      headerWidget({
        namespace: config.namespace,
        layout,
        part,
        parts: Math.max(total, 3),
        first: total,
        last: total,
        firstName: longestName,
        lastName: longestName,
        totalTargets: total,
        baseName,
      }),
    );

  interface Draft {
    widgets: Widget[];
    targets: ResolvedTarget[];
    bytes: number;
    metrics: number;
    /** Grid row where the targets start, below the header (and the overview). */
    top: number;
  }
  // `{"widgets":[` ... `]}` around the comma-separated widgets; each widget is counted with its comma.
  const envelope = bytesOf({ widgets: [] });
  const start = (index: number): Draft => {
    const widgets: Widget[] = index === 0 && total > 0 ? [overviewWidget(config, HEADER_HEIGHT)] : [];
    return {
      widgets,
      targets: [],
      bytes: widgets.reduce((n, w) => n + bytesOf(w) + 1, envelope + headerReserve(index + 1) + 1),
      // The overview's query returns up to OVERVIEW_TARGETS series: counted as metrics to be safe.
      metrics: index === 0 ? OVERVIEW_TARGETS : 0,
      top: HEADER_HEIGHT + (index === 0 ? OVERVIEW_HEIGHT : 0),
    };
  };
  const cost = (widgets: Widget[]) => ({
    bytes: widgets.reduce((n, w) => n + bytesOf(w) + 1, 0),
    metrics: widgets.reduce((n, w) => n + metricsIn(w), 0),
  });

  const drafts: Draft[] = [start(0)];
  for (const target of config.targets) {
    let draft = drafts[drafts.length - 1]!;
    let widgets = targetWidgets(config, layout, target, draft.targets.length, draft.top);
    let added = cost(widgets);
    const fits =
      draft.bytes + added.bytes <= budget.bytes &&
      draft.widgets.length + 1 + widgets.length <= budget.widgets &&
      draft.metrics + added.metrics <= budget.metrics;
    if (draft.targets.length > 0 && !fits) {
      draft = start(drafts.length);
      drafts.push(draft);
      widgets = targetWidgets(config, layout, target, 0, draft.top);
      added = cost(widgets);
    }
    draft.widgets.push(...widgets);
    draft.targets.push(target);
    draft.bytes += added.bytes;
    draft.metrics += added.metrics;
  }

  let position = 0;
  return drafts.map((draft, i) => {
    const first = position + 1;
    position += draft.targets.length;
    const header = headerWidget({
      namespace: config.namespace,
      layout,
      part: i + 1,
      parts: drafts.length,
      first,
      last: position,
      firstName: draft.targets[0]?.name ?? '-',
      lastName: draft.targets[draft.targets.length - 1]?.name ?? '-',
      totalTargets: total,
      baseName,
    });
    const widgets = [header, ...draft.widgets];
    const body = JSON.stringify({ widgets });
    const part: DashboardPart = {
      name: dashboardName(baseName, i),
      body,
      targets: draft.targets.map((t) => t.name),
      bytes: Buffer.byteLength(body, 'utf8'),
      widgets: widgets.length,
      metrics: widgets.reduce((n, w) => n + metricsIn(w), 0),
      layout,
    };
    // The reserve above makes this unreachable; it guards the arithmetic, not the config.
    if (part.bytes > DASHBOARD_BODY_MAX_BYTES || part.widgets > DASHBOARD_MAX_WIDGETS || part.metrics > DASHBOARD_MAX_METRICS) {
      throw new Error(`dashboard ${part.name} came out at ${part.bytes} bytes, ${part.widgets} widgets, ${part.metrics} metrics: over a limit despite the plan`);
    }
    return part;
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
