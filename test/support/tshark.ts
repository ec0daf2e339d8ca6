// Wireshark's dissectors as an independent judge of what the probe puts on the wire. Captures run
// inside a namespace the test created with dumpcap (tshark's own capture engine: it is ready in
// about 0.2 s where tshark takes over a second), written as classic pcap so pcap-gre.ts can read
// the same file; tshark then reads the file back (-r, no namespace needed): malformed packets
// (`-Y _ws.malformed`) and fields (`-T fields -e ...`).
import { execFile, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import type { Netns } from './netns.js';

const execFileAsync = promisify(execFile);

export const TSHARK = '/usr/bin/tshark';
export const DUMPCAP = '/usr/bin/dumpcap';
/** Only the login's traffic: the control connection and GRE. */
const CAPTURE_FILTER = 'tcp port 1723 or ip proto 47';
const READY_TIMEOUT_MS = 5000;
/**
 * Wait between the last packet of interest and stopping dumpcap, in ms. libpcap (TPACKET_V3) hands
 * packets over in blocks the kernel retires after dumpcap's read timeout; a block not yet retired
 * when dumpcap gets SIGINT is lost with its packets. Measured here: lost at 50 ms, kept from 150 ms.
 */
const CAPTURE_SETTLE_MS = 250;

/** Why tshark cannot judge captures here, or undefined; under CI=true a missing tshark is a failure. */
export function requireTshark(): string | undefined {
  if (existsSync(TSHARK) && existsSync(DUMPCAP)) return undefined;
  if (process.env['CI'] === 'true') throw new Error('CI must run the dissection tests, but tshark is not installed (.ci/run installs it)');
  return 'tshark is not installed (apt-get install tshark)';
}

export interface Capture {
  path: string;
  /** Lets the last packets reach the file, stops dumpcap and waits until the file is complete. */
  stop(): Promise<void>;
}

/** Starts dumpcap on `iface` inside `netns`; resolves once it captures. */
export function startCapture(netns: Netns, iface: string, path: string): Promise<Capture> {
  const child: ChildProcess = netns.spawn(DUMPCAP, ['-q', '-i', iface, '-P', '-w', path, '-f', CAPTURE_FILTER]);
  let stderr = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      await new Promise((r) => setTimeout(r, CAPTURE_SETTLE_MS));
      child.kill('SIGINT');
    }
    await exited;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`dumpcap did not start within ${READY_TIMEOUT_MS} ms: ${stderr}`));
    }, READY_TIMEOUT_MS);
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
      // dumpcap names the file once the interface is open and the filter compiled.
      if (/File: /.test(stderr)) {
        clearTimeout(timer);
        resolve({ path, stop });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`dumpcap exited ${String(code)} before capturing: ${stderr}`));
    });
  });
}

async function tshark(args: readonly string[]): Promise<string> {
  const { stdout } = await execFileAsync(TSHARK, ['-n', ...args], { maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/** Frame numbers tshark's dissectors flag as malformed. */
export async function malformedFrames(path: string): Promise<number[]> {
  const out = await tshark(['-r', path, '-Y', '_ws.malformed', '-T', 'fields', '-e', 'frame.number']);
  return out.split('\n').filter(Boolean).map(Number);
}

/** One row per frame matching `filter`: every occurrence of each field, in order (empty when absent). */
export async function fieldRows<F extends string>(path: string, filter: string, fields: readonly F[]): Promise<Array<Record<F, string[]>>> {
  const args = ['-r', path, '-Y', filter, '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=a', '-E', 'aggregator=|'];
  for (const field of fields) args.push('-e', field);
  const out = await tshark(args);
  return out
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const cells = line.split('\t');
      const row = {} as Record<F, string[]>;
      fields.forEach((field, i) => (row[field] = (cells[i] ?? '') === '' ? [] : (cells[i] ?? '').split('|')));
      return row;
    });
}
