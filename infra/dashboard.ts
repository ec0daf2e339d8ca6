// The CloudWatch dashboard of the home region: one row per target, availability across all regions on
// the left, control and connect latency per region on the right. Every metric is read in the home
// region, where the probes of all regions publish.
import type { ResolvedConfig, ResolvedTarget } from '../shared/config/types.js';
import { Dimension, MetricName } from '../shared/metrics/metric-design.js';
import type { CloudWatchDashboard } from './cfn.js';
import { StackConfigError } from './errors.js';

/**
 * Our ceiling on the DashboardBody, in bytes. The body sits in the home template as an escaped string,
 * and this keeps that template far below CloudFormation's 1 MB; past it, the dashboard should be split.
 */
export const DASHBOARD_BODY_MAX_BYTES = 100 * 1024;
/** CloudWatch's limit of widgets per dashboard. */
export const DASHBOARD_MAX_WIDGETS = 500;
/** CloudWatch's limit of metrics per dashboard, across all widgets (expressions not counted). */
export const DASHBOARD_MAX_METRICS = 2500;
/** Graph period in seconds: the probe interval of 1-minute targets, the finest the data has. */
export const DASHBOARD_PERIOD_S = 60;

/** Dashboard grid: 24 columns wide; a target's row is two half-width graphs. */
const GRID_COLUMNS = 24;
const ROW_HEIGHT = 6;
const HEADER_HEIGHT = 2;

interface MetricOptions {
  id?: string;
  stat?: string;
  label?: string;
  visible?: boolean;
}
interface ExpressionOptions {
  expression: string;
  id: string;
  label: string;
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
interface DashboardBody {
  widgets: Array<MetricWidget | TextWidget>;
}

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
      period: DASHBOARD_PERIOD_S,
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
      period: DASHBOARD_PERIOD_S,
      stat: 'p95',
      metrics,
      yAxis: { left: { label: 'ms', min: 0, showUnits: false } },
    },
  };
}

/** The DashboardBody as a JSON string, or a StackConfigError naming the target count when it is too big. */
export function dashboardBody(config: ResolvedConfig): string {
  const header: TextWidget = {
    type: 'text',
    x: 0,
    y: 0,
    width: GRID_COLUMNS,
    height: HEADER_HEIGHT,
    properties: {
      markdown: `## PPTP gateways (namespace ${config.namespace})\nGenerated from monitor.yml at deploy; edits made in the console are lost on the next deploy.`,
    },
  };
  const body: DashboardBody = {
    widgets: [
      header,
      ...config.targets.flatMap((target, i) => {
        const y = HEADER_HEIGHT + i * ROW_HEIGHT;
        return [availabilityWidget(config, target, y), latencyWidget(config, target, y)];
      }),
    ],
  };
  const text = JSON.stringify(body);
  const bytes = Buffer.byteLength(text, 'utf8');
  const metrics = body.widgets.reduce(
    (n, w) => n + (w.type === 'metric' ? w.properties.metrics.filter((line) => typeof line[0] === 'string').length : 0),
    0,
  );
  const targets = `${config.targets.length} targets`;
  const over =
    body.widgets.length > DASHBOARD_MAX_WIDGETS
      ? `${body.widgets.length} widgets, over CloudWatch's limit of ${DASHBOARD_MAX_WIDGETS}`
      : metrics > DASHBOARD_MAX_METRICS
        ? `${metrics} metrics, over CloudWatch's limit of ${DASHBOARD_MAX_METRICS}`
        : bytes > DASHBOARD_BODY_MAX_BYTES
          ? `${bytes} bytes, over the limit of ${DASHBOARD_BODY_MAX_BYTES}`
          : undefined;
  if (over !== undefined) {
    throw new StackConfigError(`the dashboard for ${targets} would have ${over}: one dashboard cannot show this many targets, so it has to be split`);
  }
  return text;
}

export function dashboard(config: ResolvedConfig, dashboardName: string): CloudWatchDashboard {
  return { Type: 'AWS::CloudWatch::Dashboard', Properties: { DashboardName: dashboardName, DashboardBody: dashboardBody(config) } };
}
