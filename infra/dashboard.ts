// The CloudWatch dashboards of the home region. One row per target, availability across all regions on
// the left, control and connect latency per region on the right, each graphed at the target's own probe
// interval. The targets are split, in config order, over as many dashboards as it takes to keep every
// one well inside CloudWatch's limits; the first one also has an overview of the least available targets
// of the whole fleet. Every metric is read in the home region, where the probes of all regions publish.
import type { ResolvedConfig, ResolvedTarget } from '../shared/config/types.js';
import { Dimension, MetricName } from '../shared/metrics/metric-design.js';
import type { CloudWatchDashboard } from './cfn.js';

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
/** Time series in the fleet overview: the least available targets, so the graph stays readable at any fleet size. */
export const OVERVIEW_TARGETS = 20;

/** Dashboard grid: 24 columns wide; a target's row is two half-width graphs. */
const GRID_COLUMNS = 24;
const ROW_HEIGHT = 6;
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

interface MetricWidget {
  type: 'metric';
  x: number;
  y: number;
  width: number;
  height: number;
  properties: {
    title: string;
    region: string;
    view: 'timeSeries';
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
}

const periodOf = (target: ResolvedTarget): number => target.intervalMinutes * 60;

/** Metric lines that name a metric (expressions, searches and queries are not counted by CloudWatch's limit). */
const metricsIn = (widget: Widget): number =>
  widget.type === 'metric' ? widget.properties.metrics.filter((line) => typeof line[0] === 'string').length : 0;

const bytesOf = (value: unknown): number => Buffer.byteLength(JSON.stringify(value), 'utf8');

function availabilityWidget(config: ResolvedConfig, target: ResolvedTarget, y: number): MetricWidget {
  return {
    type: 'metric',
    x: 0,
    y,
    width: GRID_COLUMNS / 2,
    height: ROW_HEIGHT,
    properties: {
      title: `${target.name} availability (all regions)`,
      region: config.homeRegion,
      view: 'timeSeries',
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

function latencyWidget(config: ResolvedConfig, target: ResolvedTarget, y: number): MetricWidget {
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
    x: GRID_COLUMNS / 2,
    y,
    width: GRID_COLUMNS / 2,
    height: ROW_HEIGHT,
    properties: {
      title: `${target.name} latency p95 by probe region`,
      region: config.homeRegion,
      view: 'timeSeries',
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
      view: 'timeSeries',
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
  return {
    type: 'text',
    x: 0,
    y: 0,
    width: GRID_COLUMNS,
    height: HEADER_HEIGHT,
    properties: {
      markdown:
        `## PPTP gateways (namespace ${text.namespace}), part ${text.part} of ${text.parts}: targets ${text.first}..${text.last}\n` +
        `${text.firstName} to ${text.lastName}, of ${text.totalTargets} targets in monitor.yml order.${others} ` +
        'Generated from monitor.yml at deploy; edits made in the console are lost on the next deploy.',
    },
  };
}

export const dashboardName = (baseName: string, index: number): string => (index === 0 ? baseName : `${baseName}-${index + 1}`);

/**
 * The targets, in config order, split over as few dashboards as keep each one inside DASHBOARD_FILL_SHARE
 * of every limit. Greedy and deterministic: a row goes on the current dashboard while it fits, else it
 * starts the next one. The header is only written once the number of parts is known, so its size is
 * reserved at its largest: every number as wide as the target count and both names as long as allowed.
 */
export function dashboardParts(config: ResolvedConfig, baseName: string): DashboardPart[] {
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
    nextY: number;
  }
  // `{"widgets":[` ... `]}` around the comma-separated widgets; each widget is counted with its comma.
  const envelope = bytesOf({ widgets: [] });
  const start = (index: number): Draft => {
    const widgets: Widget[] = index === 0 && total > 0 ? [overviewWidget(config, HEADER_HEIGHT)] : [];
    const fixed = widgets.reduce((n, w) => n + bytesOf(w) + 1, envelope + headerReserve(index + 1) + 1);
    return {
      widgets,
      targets: [],
      bytes: fixed,
      metrics: index === 0 ? OVERVIEW_TARGETS : 0,
      nextY: HEADER_HEIGHT + (index === 0 ? OVERVIEW_HEIGHT : 0),
    };
  };

  const drafts: Draft[] = [start(0)];
  for (const target of config.targets) {
    let draft = drafts[drafts.length - 1]!;
    let row = [availabilityWidget(config, target, draft.nextY), latencyWidget(config, target, draft.nextY)];
    const fits = (d: Draft, r: Widget[]): boolean =>
      d.bytes + r.reduce((n, w) => n + bytesOf(w) + 1, 0) <= budget.bytes &&
      d.widgets.length + 1 + r.length <= budget.widgets &&
      d.metrics + r.reduce((n, w) => n + metricsIn(w), 0) <= budget.metrics;
    if (draft.targets.length > 0 && !fits(draft, row)) {
      draft = start(drafts.length);
      drafts.push(draft);
      row = [availabilityWidget(config, target, draft.nextY), latencyWidget(config, target, draft.nextY)];
    }
    draft.widgets.push(...row);
    draft.targets.push(target);
    draft.bytes += row.reduce((n, w) => n + bytesOf(w) + 1, 0);
    draft.metrics += row.reduce((n, w) => n + metricsIn(w), 0);
    draft.nextY += ROW_HEIGHT;
  }

  const names = drafts.map((_, i) => dashboardName(baseName, i));
  let position = 0;
  return drafts.map((draft, i) => {
    const first = position + 1;
    position += draft.targets.length;
    const header = headerWidget({
      namespace: config.namespace,
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
      name: names[i]!,
      body,
      targets: draft.targets.map((t) => t.name),
      bytes: Buffer.byteLength(body, 'utf8'),
      widgets: widgets.length,
      metrics: widgets.reduce((n, w) => n + metricsIn(w), 0),
    };
    // The reserve above makes this unreachable; it guards the arithmetic, not the config.
    if (part.bytes > DASHBOARD_BODY_MAX_BYTES || part.widgets > DASHBOARD_MAX_WIDGETS || part.metrics > DASHBOARD_MAX_METRICS) {
      throw new Error(`dashboard ${part.name} came out at ${part.bytes} bytes, ${part.widgets} widgets, ${part.metrics} metrics: over a limit despite the plan`);
    }
    return part;
  });
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
