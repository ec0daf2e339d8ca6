// The real Debian pptpd, started in a test-made namespace on its loopback and always stopped. pptpd's
// port is fixed at 1723, so one namespace per instance.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNetns, requireNetns, type Netns } from './netns.js';

export const PPTPD_BINARY = '/usr/sbin/pptpd';
/** How long pptpd may take to start listening, in ms. */
const PPTPD_START_TIMEOUT_MS = 5000;

export interface PptpdInstance {
  netns: Netns;
  /** The address to probe, inside the namespace. */
  host: '127.0.0.1';
  port: 1723;
  log(): string;
  stop(): Promise<void>;
}

export function pptpdInstalled(): boolean {
  return existsSync(PPTPD_BINARY);
}

/** Waits until pptpd listens on 127.0.0.1:1723 inside `netns`. */
export async function waitForPptpdListener(netns: Netns): Promise<void> {
  const until = Date.now() + PPTPD_START_TIMEOUT_MS;
  while (Date.now() < until) {
    const { stdout } = await netns.run('ss', ['-Hltn', 'sport = :1723']);
    if (stdout.includes('127.0.0.1:1723')) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`pptpd did not listen on 127.0.0.1:1723 within ${PPTPD_START_TIMEOUT_MS} ms`);
}

export async function startPptpd(label: string, extraArgs: readonly string[] = []): Promise<PptpdInstance> {
  const dir = mkdtempSync(join(tmpdir(), 'pptpd-test-'));
  const conf = join(dir, 'pptpd.conf');
  const options = join(dir, 'options');
  // No localip/remoteip: pppd cannot start in this sandbox anyway (no /dev/ppp), which is what makes
  // pptpd accept a call and then drop it.
  writeFileSync(conf, `option ${options}\n`);
  writeFileSync(options, 'lock\n');
  const netns = await createNetns(label);
  let output = '';
  const child = netns.spawn(PPTPD_BINARY, ['-f', '-c', conf, '-l', '127.0.0.1', '-p', join(dir, 'pptpd.pid'), ...extraArgs]);
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const stop = async (): Promise<void> => {
    child.kill('SIGTERM');
    await netns.destroy();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPptpdListener(netns);
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}; pptpd said: ${output.slice(0, 2000)}`);
  }
  return { netns, host: '127.0.0.1', port: 1723, log: () => output, stop };
}

/**
 * Why the pptpd tests cannot run here, or undefined when they can: no root or namespaces, or no pptpd.
 * Under CI=true either is a failure instead, because CI must always run them.
 */
export async function requirePptpd(): Promise<string | undefined> {
  const reason = await requireNetns();
  if (reason) return reason;
  if (pptpdInstalled()) return undefined;
  if (process.env['CI'] === 'true') throw new Error('CI must run the pptpd tests, but /usr/sbin/pptpd is not installed');
  return 'pptpd is not installed (apt-get install pptpd)';
}
