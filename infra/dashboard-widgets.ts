// The widgets of the CloudWatch dashboards (dashboard.ts packs them): one row per target, availability
// across all regions on the left and latency per region on the right, or one availability tile per
// target for large fleets; the fleet overview; the header that says which part of the fleet a dashboard
// shows. Every metric is read in the home region, where the probes of all regions and agents publish.
import { agentsOf, locationsOf, type ResolvedConfig, type ResolvedTarget } from '../shared/config/types.js';
import { Dimension, MetricName } from '../shared/metrics/metric-design.js';

/** Time series in the fleet overview: the least available targets, so the graph stays readable at any fleet size. */
export const OVERVIEW_TARGETS = 20;

/** Dashboard grid: 24 columns wide; a target's row is two half-width graphs, a tile a quarter-width one. */
const GRID_COLUMNS = 24;
const ROW_HEIGHT = 6;
const TILE_WIDTH = 6;
const TILE_HEIGHT = 5;
export const HEADER_HEIGHT = 2;
export const OVERVIEW_HEIGHT = 8;
/** The longest target name the config allows (`^[a-z0-9][a-z0-9-]{0,62}$`), for the header's size reserve. */
export const TARGET_NAME_MAX_CHARS = 63;

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
export type Widget = MetricWidget | TextWidget;

/** `rows`: availability and latency graphs per target. `tiles`: an availability graph per target. */
export type DashboardLayout = 'rows' | 'tiles';

const periodOf = (target: ResolvedTarget): number => target.intervalMinutes * 60;

/** Metric lines that name a metric (expressions, searches and queries are not counted by CloudWatch's limit). */
export const metricsIn = (widget: Widget): number =>
  widget.type === 'metric' ? widget.properties.metrics.filter((line) => typeof line[0] === 'string').length : 0;

export const bytesOf = (value: unknown): number => Buffer.byteLength(JSON.stringify(value), 'utf8');

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
export function overviewWidget(config: ResolvedConfig, y: number): MetricWidget {
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

export interface HeaderText {
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
  /** What `locationLegend` says, the same on every part. */
  locations: string;
}

/**
 * Which probe locations of the graphs are private-location agents: their names stand in the latency
 * graphs beside AWS regions, and a reader should not take `office-berlin` for a region. Empty without
 * agents, so dashboards of such configs are unchanged.
 */
export function locationLegend(config: ResolvedConfig): string {
  const agents = new Set(agentsOf(config).map((a) => a.name));
  if (agents.size === 0) return '';
  const all = locationsOf(config);
  const regions = all.filter((l) => !agents.has(l));
  return (
    ` Probe locations: ${regions.length === 0 ? 'no AWS region' : `${regions.join(', ')} (AWS Lambda)`}; ` +
    `${all.filter((l) => agents.has(l)).join(', ')} (private-location agents, each run by 'pptp-monitor agent --location <name>').`
  );
}

export function headerWidget(text: HeaderText): TextWidget {
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
        `${text.firstName} to ${text.lastName}, of ${text.totalTargets} targets in monitor.yml order.${others}${text.locations}${tiles} ` +
        'Generated from monitor.yml at deploy; edits made in the console are lost on the next deploy.',
    },
  };
}

export const dashboardName = (baseName: string, index: number): string => (index === 0 ? baseName : `${baseName}-${index + 1}`);

/** The widgets of the `k`-th target (0-based) of a dashboard whose targets start at `top`. */
export function targetWidgets(config: ResolvedConfig, layout: DashboardLayout, target: ResolvedTarget, k: number, top: number): Widget[] {
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
