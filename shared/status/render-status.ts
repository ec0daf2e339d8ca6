// The status page as one self-contained HTML document: inline CSS and SVG, no script, no external URL
// (so it works offline, behind a proxy, and under a `default-src 'none'` Content-Security-Policy). Pure:
// the same model renders the same bytes; every instant comes from the model.
//
// Availability is labelled with what it was measured over: "(30d)" (the SLO window) only once the history
// covers the whole window, else the span it has: "(since 19:02, 5 min)" under a day, "(2d 4h)" beyond. The
// error budget left is a share of the SLO window's allowance, shown beside it in minutes ("3 of 43.2 min
// used"), as the SLA report computes it. Before any record both say "no data yet".
//
// Every piece of text from the config or the network (target names, hosts, owners, maintenance
// descriptions, server identities) goes through escapeHtml, in text and in attributes alike.
//
// Stable hooks for tests and scrapers, not styling:
//   section[data-target=<name>][data-state=<state>]   one per target
//   tr[data-region=<region>][data-status=ok|fail|missing]
//   li[data-incident=<policy key>][data-severity]      open incidents; a[data-runbook] inside
//   svg[data-strip] > rect[data-cell][data-cell-state]  the 24 h availability strip
//   svg[data-chart=latency][data-y-max] polyline[data-series=control|connect], text[data-axis=x|y]
//
// The <title> carries the state, so a pinned tab or a window list says it without opening the page: the
// worst state any target is in and how many targets are in it ("DOWN (1) - pptp-monitor"), or "OK" when
// every target is up (pageTitle).
import { isFailureClass, FAILURE_CLASS_INFO } from '../probe/failure-classes.js';
import { HOUR_MS, MINUTE_MS } from '../common/time.js';
import { escapeHtml, isLinkableUrl } from '../report/escape-html.js';
import { isoMinute, type AvailabilitySpan, type IncidentModel, type RegionModel, type StatusModel, type TargetModel, type TargetState } from './status-model.js';
import { STATUS_BUCKETS, type LatencyPoint, type StripCell } from './status-span.js';
import type { GroupModel } from './status-groups.js';

/** How often the browser reloads the page, in seconds: the monitor probes once a minute. */
export const STATUS_REFRESH_SECONDS = 60;
/** Width of the strip and the chart in SVG user units (one cell per 5 units for 144 cells). */
const CHART_WIDTH = 720;
const STRIP_HEIGHT = 24;
/** The latency chart: its height, the plot's top and bottom edges (the time labels go below), in SVG user units. */
const CHART_HEIGHT = 160;
const PLOT_TOP = 8;
const PLOT_BOTTOM = 140;
/** Room on the chart's left for the ms axis labels ("2000 ms" at 10 px), and on its right, in SVG user units. */
const AXIS_GUTTER = 52;
const PLOT_RIGHT = 4;
/** Hours between two time labels: 6 labels over 24 hours, at 00:00, 04:00, ... UTC. */
const X_TICK_HOURS = 4;
/** Half the width of an "HH:MM" label at 10 px, generously, in SVG user units: keeps edge labels inside. */
const X_LABEL_HALF_WIDTH = 16;

const STATE_LABEL: Readonly<Record<TargetState, string>> = {
  up: 'UP',
  degraded: 'DEGRADED',
  down: 'DOWN',
  no_data: 'NO DATA',
  maintenance: 'MAINTENANCE',
};

/** Worst first: the order in which the page title looks for a state to name. `up` is never named, it is "OK". */
const TITLE_ORDER: readonly Exclude<TargetState, 'up'>[] = ['down', 'degraded', 'no_data', 'maintenance'];

/**
 * The page's title: the worst state any target is in with the number of targets in it, `DOWN (1) -
 * pptp-monitor`, `DEGRADED (2) - pptp-monitor`, `NO DATA (1) - ...`, `MAINTENANCE (1) - ...`; `OK -
 * pptp-monitor` when every target is up; `NO TARGETS - pptp-monitor` with none configured.
 */
export function pageTitle(model: Pick<StatusModel, 'targets'>): string {
  if (model.targets.length === 0) return 'NO TARGETS - pptp-monitor';
  for (const state of TITLE_ORDER) {
    const count = model.targets.filter((t) => t.state === state).length;
    if (count > 0) return `${STATE_LABEL[state]} (${count}) - pptp-monitor`;
  }
  return 'OK - pptp-monitor';
}

export function renderStatusPage(model: StatusModel): string {
  const counts = new Map<TargetState, number>();
  for (const t of model.targets) counts.set(t.state, (counts.get(t.state) ?? 0) + 1);
  const summary = (Object.keys(STATE_LABEL) as TargetState[])
    .filter((s) => counts.has(s))
    .map((s) => `<span class="badge state-${s}">${counts.get(s)} ${STATE_LABEL[s]}</span>`)
    .join(' ');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="refresh" content="${STATUS_REFRESH_SECONDS}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(pageTitle(model))}</title>
<link rel="icon" href="data:,">
<style>${CSS}</style>
</head>
<body>
<header>
<h1>pptp-monitor status</h1>
<p class="meta">As of <time datetime="${new Date(model.generatedAt).toISOString()}">${escapeHtml(isoMinute(model.generatedAt))}</time> (UTC), reloads every ${STATUS_REFRESH_SECONDS} s. ${model.targets.length} target(s) ${summary}</p>
</header>
<main>
${(model.groups ?? []).map(renderGroup).join('\n')}
${model.targets.length === 0 ? '<p>No targets configured.</p>' : model.targets.map((t) => renderTarget(t, model)).join('\n')}
</main>
</body>
</html>
`;
}

const GROUP_STATE_LABEL: Readonly<Record<GroupModel['state'], string>> = {
  redundant: 'REDUNDANT',
  redundancy_lost: 'REDUNDANCY LOST',
  membership_wrong: 'MEMBERSHIP WRONG',
  down: 'DOWN',
  unknown: 'NO DATA',
};
const GROUP_BADGE: Readonly<Record<GroupModel['state'], TargetState>> = { redundant: 'up', redundancy_lost: 'degraded', membership_wrong: 'degraded', down: 'down', unknown: 'no_data' };

function renderGroup(g: GroupModel): string {
  const name = escapeHtml(g.name);
  const members = g.members
    .map((m) => `<li data-member="${escapeHtml(m.name)}"><a href="#target-${escapeHtml(m.name)}">${escapeHtml(m.name)}</a> <span class="badge state-${m.state}">${STATE_LABEL[m.state]}</span>${m.identity !== undefined ? ` answers as ${escapeHtml(m.identity)}` : ''}${g.serving === m.name ? ' <strong>serving</strong>' : ''}</li>`)
    .join('');
  const blind = g.indistinguishable.map((same) => `<p class="reason" data-indistinguishable>${escapeHtml(same.join(' and '))} answer with the same identity${g.identity !== undefined ? ` (${escapeHtml(g.identity)})` : ''}: a failover between them cannot be seen here (Poptop pptpd always says host name "local", vendor "linux").</p>`).join('');
  const events = g.events.length === 0 ? '<p class="muted">No failover or identity change in the last 24 hours.</p>' : `<ul class="events">${g.events.map((e) => `<li data-event="${e.kind}"><time datetime="${new Date(e.at).toISOString()}">${escapeHtml(isoMinute(e.at))}</time> ${escapeHtml(e.text)}</li>`).join('')}</ul>`;
  return `<section class="group" data-group="${name}" data-state="${g.state}" id="group-${name}">
<h2>${name} <span class="badge state-${GROUP_BADGE[g.state]}">${GROUP_STATE_LABEL[g.state]}</span></h2>
<p class="meta">group: virtual address <a href="#target-${name}">${name}</a>${g.serving !== undefined ? `, served by ${escapeHtml(g.serving)}` : ''}</p>
<ul class="members">${members}</ul>
${blind}
${events}
</section>`;
}

function renderTarget(t: TargetModel, model: StatusModel): string {
  const name = escapeHtml(t.name);
  const facts = [
    `${escapeHtml(hostPort(t.host, t.port))}`,
    `every ${t.intervalMinutes} min`,
    ...(t.owner !== undefined ? [`owner ${escapeHtml(t.owner)}`] : []),
    ...(t.lastServer !== undefined ? [`server ${escapeHtml(t.lastServer.hostname)} (${escapeHtml(t.lastServer.vendor)}, firmware ${t.lastServer.firmwareRevision})`] : []),
  ];
  return `<section class="target" data-target="${name}" data-state="${t.state}" id="target-${name}">
<h2>${name} <span class="badge state-${t.state}">${STATE_LABEL[t.state]}</span></h2>
<p class="meta">${facts.join(' · ')}</p>
<p class="reason">${escapeHtml(t.stateReason)}</p>
<dl class="numbers">
<div><dt>${availabilityLabel(t)}</dt><dd data-availability>${t.availabilitySpan === undefined ? 'no data yet' : t.availability === undefined ? 'n/a' : `${t.availability.toFixed(3)}%`}</dd></div>
<div><dt>SLO</dt><dd>${t.slo}%</dd></div>
<div><dt>Error budget left</dt><dd data-budget class="${t.errorBudgetRemaining < 0 ? 'bad' : ''}">${budgetText(t)}</dd></div>
</dl>
${renderRegions(t.regions)}
${renderIncidents(t.incidents)}
${renderStrip(t.strip, model)}
${renderLatency(t.latency.points, t.latency.thresholdMs, model)}
</section>`;
}

function renderRegions(regions: readonly RegionModel[]): string {
  const rows = regions.map((r) => {
    const last = r.last;
    const result = last === undefined ? 'never' : last.ok ? 'ok' : (last.failureClass ?? 'failed');
    const lastText =
      last === undefined
        ? '<td>never</td><td></td><td></td><td></td>'
        : `<td class="${last.ok ? 'ok' : 'bad'}">${escapeHtml(result)}</td><td>${ms(last.connectMs)}</td><td>${ms(last.controlMs)}</td><td><time datetime="${new Date(last.at).toISOString()}">${escapeHtml(isoMinute(last.at))}</time></td>`;
    return `<tr data-region="${escapeHtml(r.region)}" data-status="${r.status}"><th scope="row">${escapeHtml(r.region)}</th><td class="${r.status === 'ok' ? 'ok' : r.status === 'fail' ? 'bad' : 'muted'}">${r.status}${r.failureClass ? ` (${escapeHtml(r.failureClass)})` : ''}</td>${lastText}</tr>`;
  });
  return `<table class="regions">
<caption>Regions</caption>
<thead><tr><th scope="col">Region</th><th scope="col">Last interval</th><th scope="col">Last result</th><th scope="col">Connect</th><th scope="col">Control</th><th scope="col">At (UTC)</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>`;
}

function renderIncidents(incidents: readonly IncidentModel[]): string {
  if (incidents.length === 0) return '<div class="incidents"><h3>Open incidents</h3><p class="muted" data-no-incidents>None.</p></div>';
  const items = incidents.map((i) => {
    const explanation = i.dominantFailureClass !== undefined && isFailureClass(i.dominantFailureClass) ? ` <span class="muted">${escapeHtml(FAILURE_CLASS_INFO[i.dominantFailureClass].explanation)}</span>` : '';
    const notes = [i.phase === 'recovering' ? 'recovering' : '', i.announced ? '' : 'not notified: held back by maintenance or inhibited by another page'].filter(Boolean);
    return `<li data-incident="${escapeHtml(i.key)}" data-severity="${i.severity}"><strong>${escapeHtml(i.policy)}</strong> <span class="badge sev-${i.severity}">${i.severity}</span> since <time datetime="${new Date(i.since).toISOString()}">${escapeHtml(isoMinute(i.since))}</time>${i.dominantFailureClass ? `, mostly <code>${escapeHtml(i.dominantFailureClass)}</code>` : ''}${notes.length > 0 ? ` (${notes.join('; ')})` : ''}.${explanation} ${runbookLink(i.runbookUrl)}</li>`;
  });
  return `<div class="incidents"><h3>Open incidents</h3><ul>
${items.join('\n')}
</ul></div>`;
}

/**
 * An http(s) runbook becomes a link. Anything else (the default base is the repository path
 * docs/runbooks/) is shown as text: as a relative href it would resolve against this server, which does
 * not serve runbooks, and a non-http scheme (javascript:) must never be clickable (isLinkableUrl, the
 * report's rule too).
 */
function runbookLink(url: string): string {
  const text = escapeHtml(url);
  if (isLinkableUrl(url)) return `<a class="runbook" data-runbook href="${text}" rel="noopener noreferrer">runbook</a>`;
  return `<span class="runbook" data-runbook title="path in the pptp-monitor source tree">runbook: <code>${text}</code></span>`;
}

function renderStrip(strip: readonly StripCell[], model: StatusModel): string {
  const cellWidth = CHART_WIDTH / STATUS_BUCKETS;
  const cells = strip.map((c, b) => {
    const state = cellState(c);
    const title = `${isoMinute(c.start)}: ${c.up} up, ${c.down} down, ${c.unknown} unknown${c.maintenance > 0 ? `, ${c.maintenance} in maintenance` : ''}`;
    return `<rect data-cell data-cell-state="${state}" class="cell-${state}" x="${round(b * cellWidth)}" y="0" width="${round(cellWidth - 1)}" height="${STRIP_HEIGHT}"><title>${escapeHtml(title)}</title></rect>`;
  });
  return `<figure class="strip">
<svg data-strip viewBox="0 0 ${CHART_WIDTH} ${STRIP_HEIGHT}" width="${CHART_WIDTH}" height="${STRIP_HEIGHT}" role="img" aria-label="Availability over the last 24 hours">
${cells.join('\n')}
</svg>
<figcaption>Last 24 h from ${escapeHtml(isoMinute(model.spanStart))}, one cell per ${model.bucketMs / MINUTE_MS} min: <span class="key cell-up">up</span> <span class="key cell-partial">some down</span> <span class="key cell-down">mostly down</span> <span class="key cell-unknown">no verdict</span></figcaption>
</figure>`;
}

/** down outweighs up in a cell only when most of its counted intervals were down; any down shows. */
function cellState(c: StripCell): 'up' | 'partial' | 'down' | 'unknown' {
  if (c.up + c.down === 0) return 'unknown';
  if (c.down === 0) return 'up';
  return c.down >= c.up ? 'down' : 'partial';
}

/**
 * The p95 chart. Its y axis is scaled to the data (the smallest 1, 2 or 5 × 10^k at or above the highest
 * point), so 12 ms of control time fills the chart rather than lying flat under a 500 ms objective; the
 * objective is drawn when it falls inside that scale and named in the caption when it is above it. Labels:
 * 4 or 5 round steps in ms on the y axis, UTC hours every X_TICK_HOURS on the x axis.
 */
function renderLatency(points: readonly LatencyPoint[], thresholdMs: number | undefined, model: StatusModel): string {
  const values = points.flatMap((p) => [p.controlP95Ms, p.connectP95Ms]).filter((v): v is number => v !== undefined);
  const highest = Math.max(0, ...values);
  const top = niceCeiling(highest > 0 ? highest : 1);
  const plotWidth = CHART_WIDTH - AXIS_GUTTER - PLOT_RIGHT;
  const spanMs = points.length * model.bucketMs;
  const xAt = (ms: number): number => round(AXIS_GUTTER + ((ms - model.spanStart) / spanMs) * plotWidth);
  const x = (b: number): number => xAt(model.spanStart + (b + 0.5) * model.bucketMs);
  const y = (v: number): number => round(PLOT_BOTTOM - (v / top) * (PLOT_BOTTOM - PLOT_TOP));
  const series = (key: 'controlP95Ms' | 'connectP95Ms', name: string): string => {
    // A gap (no sample in a bucket) breaks the line: joining across it would draw data that was never measured.
    const runs: string[][] = [];
    let run: string[] = [];
    points.forEach((p, b) => {
      const v = p[key];
      if (v === undefined) {
        if (run.length > 0) runs.push(run);
        run = [];
        return;
      }
      run.push(`${x(b)},${y(v)}`);
    });
    if (run.length > 0) runs.push(run);
    return runs
      .map((r) => (r.length === 1 ? `<circle data-series="${name}" class="line-${name}" cx="${r[0]!.split(',')[0]}" cy="${r[0]!.split(',')[1]}" r="1.5"/>` : `<polyline data-series="${name}" class="line-${name}" points="${r.join(' ')}"/>`))
      .join('\n');
  };
  const right = CHART_WIDTH - PLOT_RIGHT;
  const shown = thresholdMs !== undefined && thresholdMs <= top;
  const threshold = shown ? `<line class="threshold" x1="${AXIS_GUTTER}" x2="${right}" y1="${y(thresholdMs)}" y2="${y(thresholdMs)}"><title>latency objective: p95 control ${thresholdMs} ms</title></line>` : '';
  const yLabels = yTicks(top)
    .map((v) => `<line class="grid" x1="${AXIS_GUTTER}" x2="${right}" y1="${y(v)}" y2="${y(v)}"/><text class="label" data-axis="y" x="${AXIS_GUTTER - 4}" y="${round(y(v) + 3)}" text-anchor="end">${v} ms</text>`)
    .join('\n');
  const xLabels = hourTicks(model.spanStart, model.spanStart + spanMs)
    .map((t) => {
      const at = xAt(t);
      // Centred on its tick unless that would cut it at an edge of the plot.
      const anchor = at + X_LABEL_HALF_WIDTH > CHART_WIDTH ? 'end' : at - X_LABEL_HALF_WIDTH < AXIS_GUTTER ? 'start' : 'middle';
      return `<line class="axis" x1="${at}" x2="${at}" y1="${PLOT_BOTTOM}" y2="${PLOT_BOTTOM + 4}"/><text class="label" data-axis="x" x="${at}" y="${PLOT_BOTTOM + 14}" text-anchor="${anchor}">${new Date(t).toISOString().slice(11, 16)}</text>`;
    })
    .join('\n');
  const objective = thresholdMs === undefined ? '' : shown ? ' <span class="key threshold">objective</span>' : ` <span class="muted">(objective ${thresholdMs} ms, above this scale)</span>`;
  return `<figure class="latency">
<svg data-chart="latency" data-y-max="${top}" viewBox="0 0 ${CHART_WIDTH} ${CHART_HEIGHT}" width="${CHART_WIDTH}" height="${CHART_HEIGHT}" role="img" aria-label="p95 connect and control time per ${model.bucketMs / MINUTE_MS} minutes over the last 24 hours, up to ${top} ms">
${yLabels}
<line class="axis" x1="${AXIS_GUTTER}" x2="${AXIS_GUTTER}" y1="${PLOT_TOP}" y2="${PLOT_BOTTOM}"/>
<line class="axis" x1="${AXIS_GUTTER}" x2="${right}" y1="${PLOT_BOTTOM}" y2="${PLOT_BOTTOM}"/>
${xLabels}
${threshold}
${series('connectP95Ms', 'connect')}
${series('controlP95Ms', 'control')}
</svg>
<figcaption>p95 per ${model.bucketMs / MINUTE_MS} min, times in UTC: <span class="key line-control">control</span> <span class="key line-connect">connect</span>${objective}${values.length === 0 ? ' (no samples in the last 24 h)' : ''}</figcaption>
</figure>`;
}

/** The y labels: 0 to `top` (1, 2 or 5 × 10^k) in 5 steps of 2 or 1 × 10^(k−1), or 4 steps of 5 × 10^(k−1) when it is a 2. */
function yTicks(top: number): number[] {
  // The epsilon: Math.log10 of a power of ten may come out a hair below the integer.
  const leading = Math.round(top / 10 ** Math.floor(Math.log10(top) + 1e-9));
  const steps = leading === 2 ? 4 : 5;
  // toPrecision: 3 × 0.2 is 0.6000000000000001 in floating point; a label must read 0.6.
  return Array.from({ length: steps + 1 }, (_, i) => Number(((i * top) / steps).toPrecision(6)));
}

/** Whole UTC hours divisible by X_TICK_HOURS in [fromMs, toMs]: 00:00, 04:00, ... */
function hourTicks(fromMs: number, toMs: number): number[] {
  const stepMs = X_TICK_HOURS * HOUR_MS;
  const ticks: number[] = [];
  for (let t = Math.ceil(fromMs / stepMs) * stepMs; t <= toMs; t += stepMs) ticks.push(t);
  return ticks;
}

/** 1, 2 or 5 times a power of ten, at least `v`: an axis label people can read. */
function niceCeiling(v: number): number {
  const power = 10 ** Math.floor(Math.log10(v) + 1e-9);
  for (const m of [1, 2, 5, 10]) if (m * power >= v) return m * power;
  return 10 * power;
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}

function ms(value: number | undefined): string {
  return value === undefined ? '-' : `${value.toFixed(value < 10 ? 2 : 1)} ms`;
}

function budget(remaining: number): string {
  return remaining < 0 ? `none (overspent by ${(-remaining * 100).toFixed(1)}%)` : `${(remaining * 100).toFixed(1)}%`;
}

/** '93.1% (3 of 43.2 min used)': the share left of the SLO window's allowance, and the minutes behind it. */
function budgetText(t: TargetModel): string {
  if (t.availabilitySpan === undefined) return 'no data yet';
  const minutes = (v: number): string => String(Math.round(v * 100) / 100);
  return `${budget(t.errorBudgetRemaining)} <span class="muted">(${minutes(t.errorBudget.usedMinutes)} of ${minutes(t.errorBudget.allowanceMinutes)} min used)</span>`;
}

/** 'Availability (30d)' with the whole SLO window of history, else the span: '(since 19:02, 5 min)', '(2d 4h)'. */
function availabilityLabel(t: TargetModel): string {
  const span = t.availabilitySpan;
  if (span === undefined) return 'Availability';
  return `Availability (${span.wholeWindow ? escapeHtml(t.sloWindow) : spanText(span)})`;
}

function spanText(span: AvailabilitySpan): string {
  const minutes = Math.round(span.minutes);
  if (minutes >= 1440) {
    const hours = Math.floor((minutes % 1440) / 60);
    return `${Math.floor(minutes / 1440)}d${hours > 0 ? ` ${hours}h` : ''}`;
  }
  const since = new Date(span.fromMs).toISOString().slice(11, 16);
  const duration = minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)}h${minutes % 60 > 0 ? ` ${minutes % 60}m` : ''}`;
  return `since ${since}, ${duration}`;
}

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

const CSS = `
:root{color-scheme:light dark;--up:#1a7f37;--down:#cf222e;--degraded:#bf8700;--nodata:#6e7781;--maint:#0969da;--muted:#6e7781}
body{font:14px/1.4 system-ui,sans-serif;margin:1rem auto;max-width:800px;padding:0 1rem}
h1{font-size:1.4rem;margin:0}h2{font-size:1.15rem;margin:0 0 .25rem}h3{font-size:1rem;margin:.75rem 0 .25rem}
.meta,.muted{color:var(--muted)}
.target{border:1px solid #8884;border-radius:6px;padding:.75rem 1rem;margin:1rem 0}
.badge{display:inline-block;border-radius:4px;padding:0 .4rem;color:#fff;font-size:.8rem;font-weight:600;vertical-align:middle}
.state-up{background:var(--up)}.state-down{background:var(--down)}.state-degraded{background:var(--degraded)}.state-no_data{background:var(--nodata)}.state-maintenance{background:var(--maint)}
.sev-page{background:var(--down)}.sev-ticket{background:var(--degraded)}
.numbers{display:flex;gap:2rem;margin:.5rem 0}.numbers dt{color:var(--muted);font-size:.8rem}.numbers dd{margin:0;font-weight:600}
.ok{color:var(--up)}.bad{color:var(--down)}
table{border-collapse:collapse;width:100%}caption{text-align:left;font-weight:600;margin:.5rem 0 .25rem}
th,td{text-align:left;padding:.15rem .5rem .15rem 0;border-bottom:1px solid #8882}
figure{margin:.75rem 0}figcaption{color:var(--muted);font-size:.8rem}
svg{max-width:100%;height:auto;display:block}
.cell-up{fill:var(--up)}.cell-partial{fill:var(--degraded)}.cell-down{fill:var(--down)}.cell-unknown{fill:#8884}
.key::before{content:"";display:inline-block;width:.7em;height:.7em;margin-right:.2em;background:currentColor}
span.cell-up{color:var(--up)}span.cell-partial{color:var(--degraded)}span.cell-down{color:var(--down)}span.cell-unknown{color:#8888}
polyline{fill:none;stroke-width:1.5}.line-control{stroke:var(--maint);color:var(--maint);fill:var(--maint)}.line-connect{stroke:var(--up);color:var(--up);fill:var(--up)}
polyline.line-control,polyline.line-connect{fill:none}
.threshold{stroke:var(--down);stroke-dasharray:4 3;color:var(--down)}.axis{stroke:#8888}.grid{stroke:#8882}.label{fill:var(--muted);font-size:10px}
`;
