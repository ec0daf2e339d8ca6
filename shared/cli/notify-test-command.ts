// `pptp-monitor notify-test [--config monitor.yml] [--destination <name>]`: sends every `notify:`
// destination of the config (or one) a TEST alert firing, then its resolve under the same dedup key, and
// prints for each: sent or failed, the HTTP status, the attempts. Wiring only: the config as the local
// monitor reads it, secrets from the environment, the notifier of shared/alerts/destinations.
// Exit 0 when every delivery succeeded, 1 when some failed, 2 when the config or a secret is wrong.
import { localDestinations, createNotifier, deliveryLine, type DeliverOptions, type DestinationDelivery, type ReadyDestination } from '../alerts/destinations/index.js';
import { renderContextFor } from '../alerts/render-context.js';
import { formatConfigError, loadConfig } from '../config/index.js';
import type { Notification, Severity } from '../sla/notification.js';
import { flagValue, UsageError } from './usage-error.js';

export const NOTIFY_TEST_USAGE = `usage: pptp-monitor notify-test [--config <file>] [--destination <name>]
  --config <file>       the config whose notify: destinations are tested (default monitor.yml)
  --destination <name>  test this destination only (default: every one)
                        Each destination gets a TEST alert firing, then its resolve (same dedup key),
                        marked TEST in its summary and text; a page if it takes pages, else a ticket.
                        Secrets come from the environment ({ env: VARIABLE } in the config). Prints per
                        destination: sent or failed, HTTP status, attempts. Exit 0 all sent, 1 some
                        failed, 2 a config or secret problem`;

export interface NotifyTestArgs {
  config: string;
  destination?: string;
  help: boolean;
}

/** The target name of the test alert: no config can hold it by mistake (names are lowercase). */
export const TEST_TARGET = 'pptp-monitor-test';

export function parseNotifyTestArgs(argv: readonly string[]): NotifyTestArgs {
  const args: NotifyTestArgs = { config: 'monitor.yml', help: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] ?? '';
    const value = (): string => flagValue(String(flag), argv[++i]);
    if (flag === '--config') args.config = value();
    else if (flag === '--destination') args.destination = value();
    else if (flag === '--help' || flag === '-h') args.help = true;
    else throw new UsageError(`notify-test: unknown option '${flag}'`);
  }
  return args;
}

export interface NotifyTestIo {
  out(line: string): void;
  err(line: string): void;
  env: Readonly<Record<string, string | undefined>>;
  now?: () => number;
  signal?: AbortSignal;
  /** Tests shorten the waits. */
  deliver?: Omit<DeliverOptions, 'secrets'>;
}

/** The test incident: firing and resolved, one dedup key, dated now (unique per run to the millisecond). */
export function testNotifications(nowMs: number, severity: Severity): [Notification, Notification] {
  const firing: Notification = {
    status: 'firing',
    severity,
    target: TEST_TARGET,
    policy: 'down',
    startsAt: nowMs,
    at: nowMs,
    dedupKey: `${TEST_TARGET}/down/${new Date(nowMs).toISOString()}`,
    regions: { all: ['notify-test'], affected: ['notify-test'] },
    failureClasses: {},
    slo: 99.9,
    errorBudgetRemaining: 1,
  };
  return [firing, { ...firing, status: 'resolved', endsAt: nowMs, at: nowMs }];
}

export async function runNotifyTest(args: NotifyTestArgs, io: NotifyTestIo): Promise<number> {
  if (args.help) {
    io.out(NOTIFY_TEST_USAGE);
    return 0;
  }
  // It sends from this machine, as the local monitor does: secrets from the environment.
  const loaded = await loadConfig(args.config, { runner: 'local' });
  if (!loaded.ok) {
    for (const e of loaded.errors) io.err(formatConfigError(e));
    return 2;
  }
  const { config } = loaded;
  const configured = config.notify ?? [];
  if (configured.length === 0) {
    io.err(`pptp-monitor notify-test: ${args.config} has no notify: destinations; add one (see 'notify:' in the README) and run this again`);
    return 2;
  }
  const chosen = args.destination === undefined ? configured : configured.filter((d) => d.name === args.destination);
  if (chosen.length === 0) {
    io.err(`pptp-monitor notify-test: no destination named '${args.destination}' in ${args.config} (its destinations: ${configured.map((d) => d.name).join(', ')})`);
    return 2;
  }
  const { ready, problems } = await localDestinations({ notify: chosen }, undefined, io.env);
  if (problems.length > 0) {
    for (const problem of problems) io.err(`pptp-monitor notify-test: ${problem}`);
    return 2;
  }
  const nowMs = (io.now ?? Date.now)();
  const ctx = renderContextFor(config, undefined);
  io.out(`notify-test: ${ready.length} destination(s) from ${args.config}; test dedup key ${testNotifications(nowMs, 'page')[0].dedupKey}`);
  // All at once (a slow service delays none), printed in the configured order.
  const deliveries = (await Promise.all(ready.map((d) => testOne(d, nowMs, ctx, io)))).flat();
  for (const delivery of deliveries) {
    const line = `${delivery.event.padEnd(8)} ${deliveryLine(delivery)}`;
    if (delivery.ok) io.out(line);
    else io.err(line);
  }
  const failed = deliveries.filter((d) => !d.ok).length;
  io.out(`notify-test: ${deliveries.length - failed} of ${deliveries.length} deliveries sent${failed > 0 ? `, ${failed} failed` : ''}`);
  return failed > 0 ? 1 : 0;
}

/** Firing, then resolved even when the firing failed: a firing that did arrive must not stay open. */
async function testOne(d: ReadyDestination, nowMs: number, ctx: ReturnType<typeof renderContextFor>, io: NotifyTestIo): Promise<Array<DestinationDelivery & { event: string }>> {
  // A page when the destination takes pages: the route an on-call engineer must trust is the one tested.
  const severity: Severity = d.severities.includes('page') ? 'page' : 'ticket';
  const notifier = createNotifier({ destinations: [d], ...(io.deliver ? { deliver: io.deliver } : {}) });
  const out: Array<DestinationDelivery & { event: string }> = [];
  for (const n of testNotifications(nowMs, severity)) {
    const [delivery] = await notifier.notify(n, ctx, { test: true, ...(io.signal ? { signal: io.signal } : {}) });
    if (delivery !== undefined) out.push({ ...delivery, event: n.status });
  }
  return out;
}
