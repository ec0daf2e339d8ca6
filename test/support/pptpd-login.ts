// The real Debian pptpd in a namespace the test creates, with the test PPP responder as its `ppp`
// program, so that a login test meets pptpd's own GRE and its own HDLC/FCS checks while the PPP
// server behind it plays a scenario (test/support/ppp-responder/README.md). pptpd.conf names a
// wrapper script, `ppp <dir>/ppp-responder.sh`, which execs node on the bundled responder with
// --scenario and --log and passes on pptpd's pppd-style arguments. The scenario file is read
// at each call, so one gateway can play every scenario in turn (setScenario between calls).
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createNetns, type Netns } from './netns.js';
import { PPTPD_BINARY, waitForPptpdListener } from './pptpd.js';
import type { ScenarioFile } from './ppp-responder/scenario.js';

/** The responder as scripts/build.mjs bundles it (the vitest global setup builds it first). */
export const RESPONDER_BUNDLE = resolve('dist/test-support/ppp-responder.js');
/** pptpd hands these to the responder as "local:remote" (its localip and first remoteip). */
export const GATEWAY_LOCAL_IP = '10.77.0.1';
export const GATEWAY_REMOTE_IP = '10.77.0.10';
const REMOTE_IP_RANGE = '10.77.0.10-19';

/** One line of the responder's log (JSON lines; `event` names what happened). */
export interface ResponderLogEntry {
  t: number;
  pid: number;
  event: string;
  [field: string]: unknown;
}

export interface PptpdLoginGateway {
  netns: Netns;
  host: '127.0.0.1';
  port: 1723;
  /** Directory holding pptpd.conf, the wrapper, the scenario and the responder's log. */
  dir: string;
  /** The environment variable pptpd was started with and the responder logs (proof that pptpd forwards its environment). */
  runId: string;
  /** Replaces the scenario for the next call. */
  setScenario(scenario: ScenarioFile): void;
  /** Every responder log line since the last clearResponderLog, from every responder run. */
  responderLog(): ResponderLogEntry[];
  clearResponderLog(): void;
  /** Polls the log until an entry matches, for events that follow the client's outcome (a responder's exit). */
  waitForResponderLog(match: (entry: ResponderLogEntry) => boolean, timeoutMs?: number): Promise<ResponderLogEntry>;
  /** pptpd's own stdout and stderr (it logs to syslog; this holds what reaches stderr). */
  pptpdOutput(): string;
  stop(): Promise<void>;
}

/** What the wrapper script pptpd execs says: node, the bundle, our options, then pptpd's arguments. */
function wrapperScript(scenarioPath: string, logPath: string): string {
  const quote = (s: string): string => `'${s.replaceAll("'", "'\\''")}'`;
  return `#!/bin/sh\nexec ${quote(process.execPath)} ${quote(RESPONDER_BUNDLE)} --scenario ${quote(scenarioPath)} --log ${quote(logPath)} "$@"\n`;
}

export async function startPptpdLogin(label: string, scenario: ScenarioFile): Promise<PptpdLoginGateway> {
  if (!existsSync(RESPONDER_BUNDLE)) throw new Error(`${RESPONDER_BUNDLE} is missing: run node scripts/build.mjs`);
  const dir = mkdtempSync(join(tmpdir(), 'pptpd-login-'));
  const paths = {
    conf: join(dir, 'pptpd.conf'),
    options: join(dir, 'options'),
    wrapper: join(dir, 'ppp-responder.sh'),
    scenario: join(dir, 'scenario.json'),
    log: join(dir, 'responder.log'),
  };
  const setScenario = (next: ScenarioFile): void => writeFileSync(paths.scenario, JSON.stringify(next));
  setScenario(scenario);
  writeFileSync(paths.log, '');
  writeFileSync(paths.wrapper, wrapperScript(paths.scenario, paths.log));
  chmodSync(paths.wrapper, 0o755); // pptpd refuses a `ppp` that is not executable
  // pptpd checks that the option file is readable and passes it as `file <path>`; the responder ignores it.
  writeFileSync(paths.options, 'lock\n');
  writeFileSync(paths.conf, [`option ${paths.options}`, `ppp ${paths.wrapper}`, `localip ${GATEWAY_LOCAL_IP}`, `remoteip ${REMOTE_IP_RANGE}`, ''].join('\n'));

  const runId = `${label}-${process.pid}-${Date.now()}`;
  const netns = await createNetns(label);
  let output = '';
  const child = netns.spawn('env', [`PPP_RESPONDER_RUN_ID=${runId}`, PPTPD_BINARY, '-f', '-c', paths.conf, '-l', '127.0.0.1', '-p', join(dir, 'pptpd.pid')]);
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const stop = async (): Promise<void> => {
    child.kill('SIGTERM');
    await netns.destroy(); // kills pptpctrl and any responder still running in the namespace
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPptpdListener(netns);
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}; pptpd said: ${output.slice(0, 2000)}`);
  }

  let logOffset = 0;
  const responderLog = (): ResponderLogEntry[] => {
    const text = readFileSync(paths.log, 'utf8').slice(logOffset);
    return text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as ResponderLogEntry);
  };
  return {
    netns,
    host: '127.0.0.1',
    port: 1723,
    dir,
    runId,
    setScenario,
    responderLog,
    clearResponderLog: () => (logOffset = readFileSync(paths.log, 'utf8').length),
    async waitForResponderLog(match, timeoutMs = 5000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const found = responderLog().find(match);
        if (found) return found;
        if (Date.now() > until) throw new Error(`no matching responder log entry within ${timeoutMs} ms; log: ${JSON.stringify(responderLog().map((e) => e.event))}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    pptpdOutput: () => output,
    stop,
  };
}
