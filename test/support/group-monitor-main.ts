// The local monitor as a program a test starts inside a namespace (ip netns exec), so that its probes
// leave from there, with the minutes under the test's control instead of the wall clock's: the monitor
// is createLocalMonitor wired as `pptp-monitor run` wires it (the prober of each target's check kind,
// the real JSON Lines store), but each cycle runs when the test says which minute it is.
//
//   group-monitor <config path> <data dir>
//
// Prints {"ready":...} once the store is loaded; then reads one line per cycle from stdin,
// `cycle <interval start, ms since the epoch>`, runs it with the wall clock at the end of that minute,
// and prints one JSON line (GroupMonitorCycle). Exits when stdin ends. Bundled by group-monitor-child.ts.
import { loadConfig } from '../../shared/config/index.js';
import { createLocalMonitor } from '../../shared/cycles/local-monitor.js';
import { nodeClock, nodeProbeDeps, nodeTimers } from '../../shared/probe/node-deps.js';
import { checkKindOf, PROBERS } from '../../shared/probers/index.js';
import { indistinguishableMembers } from '../../shared/sla/groups/identity-events.js';
import type { Notification } from '../../shared/sla/notification.js';
import { createLocalStore } from '../../shared/store/local-store.js';
import { readLines } from '../../shared/cli/read-lines.js';
import type { GroupMonitorCycle } from './group-monitor-child.js';

const MINUTE_MS = 60_000;
const [configPath, dataDir] = process.argv.slice(2);
if (configPath === undefined || dataDir === undefined) {
  process.stderr.write('usage: group-monitor <config path> <data dir>\n');
  process.exit(2);
}
const loaded = await loadConfig(configPath, { runner: 'local' });
if (!loaded.ok) {
  process.stderr.write(`${JSON.stringify(loaded.errors)}\n`);
  process.exit(2);
}
const { config } = loaded;
const deps = nodeProbeDeps();
const kinds = new Map(config.targets.map((t) => [t.name, checkKindOf(t)]));
let wall = Date.now();
let results: GroupMonitorCycle['results'] = [];
const monitor = createLocalMonitor(config, {
  probe: (target, options) => PROBERS.proberFor(kinds.get(target.target)!).probe(target, options, deps),
  store: createLocalStore(dataDir),
  clock: nodeClock,
  wallClock: () => wall,
  timers: nodeTimers,
  onResult: (result, target) => {
    results.push({ target: target.name, ok: result.ok, ...(result.failure ? { failureClass: result.failure.class } : {}), ...(result.server ? { server: { hostname: result.server.hostname, vendor: result.server.vendor, firmwareRevision: result.server.firmwareRevision } } : {}) });
  },
  deliver: async () => undefined,
  onStoreError: (_lines, err) => {
    process.stderr.write(`store: ${(err as Error).message}\n`);
  },
});
const load = await monitor.load(wall);
process.stdout.write(`${JSON.stringify({ ready: load })}\n`);

// One cycle at a time: a line that arrives while one runs waits for it.
let queue = Promise.resolve();
const stop = readLines(
  process.stdin,
  (line) => {
    queue = queue.then(async () => {
      const match = /^cycle (\d+)$/.exec(line.trim());
      if (!match) {
        process.stderr.write(`unknown command: ${line}\n`);
        return;
      }
      const intervalStart = Number(match[1]);
      wall = intervalStart + MINUTE_MS;
      results = [];
      const cycle = await monitor.cycle(intervalStart);
      const identities = monitor.identities();
      const out: GroupMonitorCycle = {
        intervalStart,
        probed: cycle.probed,
        results: results.sort((a, b) => a.target.localeCompare(b.target)),
        notifications: cycle.notifications as Notification[],
        identities: identities ?? null,
        indistinguishable: Object.fromEntries((config.groups ?? []).map((g) => [g.name, identities === undefined ? [] : indistinguishableMembers(g, identities)])),
      };
      process.stdout.write(`${JSON.stringify(out)}\n`);
    });
  },
  () => process.stderr.write('command too long\n'),
);
process.stdin.on('end', () => {
  stop();
  void queue.then(() => process.exit(0));
});
