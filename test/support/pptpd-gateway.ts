// The real Debian pptpd with the test PPP responder, started inside a gateway namespace of a
// login topology (login-topology.ts) and listening on that namespace's veth address, so that the
// client reaches it across a link (and a NAT router) rather than over the namespace's own loopback
// as in pptpd-login.ts. Same wrapper and scenario file as there; in addition the pool size and
// pptpd's connection limit are set, because a benchmark runs 100 calls at once and pptpd refuses
// calls beyond its remoteip pool.
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Netns } from './netns.js';
import { PPTPD_BINARY } from './pptpd.js';
import { GATEWAY_LOCAL_IP, RESPONDER_BUNDLE, type ResponderLogEntry } from './pptpd-login.js';
import type { ScenarioFile } from './ppp-responder/scenario.js';

/** How long pptpd may take to listen, in ms. */
const LISTEN_TIMEOUT_MS = 5000;

export interface PptpdGateway {
  address: string;
  port: 1723;
  setScenario(scenario: ScenarioFile): void;
  /** Responder log lines since the last clearResponderLog. */
  responderLog(): ResponderLogEntry[];
  clearResponderLog(): void;
  waitForResponderLog(match: (entry: ResponderLogEntry) => boolean, timeoutMs?: number): Promise<ResponderLogEntry>;
  /** pptpd's stdout and stderr. */
  pptpdOutput(): string;
  stop(): Promise<void>;
}

export interface PptpdGatewayOptions {
  /** The address pptpd listens on, inside `netns`. */
  listen: string;
  scenario: ScenarioFile;
  /** Addresses in the pool (10.77.0.10 upwards), which also caps concurrent calls. Default 10. */
  poolSize?: number;
}

export async function startPptpdGateway(netns: Netns, options: PptpdGatewayOptions): Promise<PptpdGateway> {
  if (!existsSync(RESPONDER_BUNDLE)) throw new Error(`${RESPONDER_BUNDLE} is missing: run node scripts/build.mjs`);
  const poolSize = Math.min(options.poolSize ?? 10, 240);
  const dir = mkdtempSync(join(tmpdir(), 'pptpd-gateway-'));
  const path = (name: string): string => join(dir, name);
  const quote = (s: string): string => `'${s.replaceAll("'", "'\\''")}'`;
  const setScenario = (next: ScenarioFile): void => writeFileSync(path('scenario.json'), JSON.stringify(next));
  setScenario(options.scenario);
  writeFileSync(path('responder.log'), '');
  writeFileSync(path('ppp.sh'), `#!/bin/sh\nexec ${quote(process.execPath)} ${quote(RESPONDER_BUNDLE)} --scenario ${quote(path('scenario.json'))} --log ${quote(path('responder.log'))} "$@"\n`);
  chmodSync(path('ppp.sh'), 0o755);
  writeFileSync(path('options'), 'lock\n');
  writeFileSync(
    path('pptpd.conf'),
    [`option ${path('options')}`, `ppp ${path('ppp.sh')}`, `localip ${GATEWAY_LOCAL_IP}`, `remoteip 10.77.0.10-${9 + poolSize}`, `connections ${poolSize}`, ''].join('\n'),
  );
  let output = '';
  const child = netns.spawn(PPTPD_BINARY, ['-f', '-c', path('pptpd.conf'), '-l', options.listen, '-p', path('pptpd.pid')]);
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  // pptpctrl and the responders of calls still open go with the namespace (LoginTopology.destroy).
  const stop = async (): Promise<void> => {
    child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  };

  const until = Date.now() + LISTEN_TIMEOUT_MS;
  for (;;) {
    const { stdout } = await netns.run('ss', ['-Hltn', 'sport = :1723']);
    if (stdout.includes(`${options.listen}:1723`)) break;
    if (Date.now() > until) {
      await stop();
      throw new Error(`pptpd did not listen on ${options.listen}:1723 within ${LISTEN_TIMEOUT_MS} ms; it said: ${output.slice(0, 2000)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }

  let logOffset = 0;
  const responderLog = (): ResponderLogEntry[] =>
    readFileSync(path('responder.log'), 'utf8')
      .slice(logOffset)
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as ResponderLogEntry);
  return {
    address: options.listen,
    port: 1723,
    setScenario,
    responderLog,
    clearResponderLog: () => void (logOffset = readFileSync(path('responder.log'), 'utf8').length),
    async waitForResponderLog(match, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = responderLog().find(match);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no matching responder log entry within ${timeoutMs} ms; events: ${JSON.stringify(responderLog().map((e) => e.event))}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    pptpdOutput: () => output,
    stop,
  };
}
