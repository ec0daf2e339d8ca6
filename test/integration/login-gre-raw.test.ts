// The raw-socket GRE transport (koffi: socket/sendto/recv/poll from libc) between two network
// namespaces the test creates and joins by a veth pair: protocol-47 packets both ways, one socket
// serving several sessions, demultiplexing by address and Call ID, the per-session bound under a
// burst, and a clean stop. Then the EPERM path: a child running as `nobody` without CAP_NET_RAW
// gets the typed error that names the capability and how to grant it.
import { execFile } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeGre, decodeGre } from '../../shared/probers/pptp-login/gre.js';
import { GRE_QUEUE_PACKETS } from '../../shared/probers/pptp-login/gre-transport.js';
import { RawGreTransport } from '../../shared/probers/pptp-login/gre-transport-raw.js';
import { createNetns, requireNetns, type Netns } from '../support/netns.js';

const execFileAsync = promisify(execFile);
const CLONE_NEWNET = 0x40000000;
const ADDRESS_A = '10.66.0.1';
const ADDRESS_B = '10.66.0.2';

interface SetnsLibc {
  setns(fd: number, nstype: number): unknown;
}

function loadSetns(): SetnsLibc {
  const koffi: unknown = createRequire(import.meta.url)('koffi');
  const load = typeof koffi === 'object' && koffi !== null ? Reflect.get(koffi, 'load') : undefined;
  if (typeof load !== 'function') throw new Error('koffi has no load()');
  const library: unknown = Reflect.apply(load, koffi, ['libc.so.6']);
  const func = typeof library === 'object' && library !== null ? Reflect.get(library, 'func') : undefined;
  if (typeof func !== 'function') throw new Error('koffi library has no func()');
  const setns: unknown = Reflect.apply(func, library, ['int setns(int, int)']);
  if (typeof setns !== 'function') throw new Error('no setns');
  return { setns: (fd, nstype) => Reflect.apply(setns, undefined, [fd, nstype]) };
}

/** Runs `fn` with this thread in `netns` (sockets keep the namespace they were made in), then moves back. */
function inNetns<T>(netns: Netns, fn: () => T): T {
  const libc = loadSetns();
  const own = openSync('/proc/thread-self/ns/net', 'r');
  const target = openSync(`/run/netns/${netns.name}`, 'r');
  try {
    if (libc.setns(target, CLONE_NEWNET) !== 0) throw new Error(`setns into ${netns.name} failed`);
    try {
      return fn();
    } finally {
      if (libc.setns(own, CLONE_NEWNET) !== 0) throw new Error('setns back failed');
    }
  } finally {
    closeSync(own);
    closeSync(target);
  }
}

function waitFor(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const until = Date.now() + timeoutMs;
  return new Promise((resolvePromise, reject) => {
    const check = (): void => {
      if (condition()) resolvePromise();
      else if (Date.now() > until) reject(new Error('condition not met in time'));
      else setTimeout(check, 5);
    };
    check();
  });
}

const data = (callId: number, sequence: number, text: string): Buffer =>
  encodeGre({ kind: 'data', callId, sequence, ack: undefined, payload: Buffer.from(`\xff\x03\xc0\x21${text}`, 'latin1') });

describe('RawGreTransport between two namespaces', () => {
  let skip: string | undefined;
  let a: Netns | undefined;
  let b: Netns | undefined;
  let transportA: RawGreTransport | undefined;
  let transportB: RawGreTransport | undefined;

  beforeAll(async () => {
    skip = await requireNetns();
    if (skip) return;
    a = await createNetns('grea');
    b = await createNetns('greb');
    const suffix = `${process.pid % 10000}`;
    await execFileAsync('ip', ['link', 'add', `ga${suffix}`, 'netns', a.name, 'type', 'veth', 'peer', 'name', `gb${suffix}`, 'netns', b.name]);
    await a.run('ip', ['addr', 'add', `${ADDRESS_A}/24`, 'dev', `ga${suffix}`]);
    await b.run('ip', ['addr', 'add', `${ADDRESS_B}/24`, 'dev', `gb${suffix}`]);
    await a.run('ip', ['link', 'set', `ga${suffix}`, 'up']);
    await b.run('ip', ['link', 'set', `gb${suffix}`, 'up']);
    transportA = inNetns(a, () => new RawGreTransport());
    transportB = inNetns(b, () => new RawGreTransport());
  });

  afterAll(async () => {
    transportA?.close();
    transportB?.close();
    await a?.destroy();
    await b?.destroy();
  });

  it('carries enhanced GRE both ways, delivered by address and Call ID', async (ctx) => {
    if (skip) return ctx.skip(skip);
    const atA: Uint8Array[] = [];
    const atB: Uint8Array[] = [];
    // Prepare: A's session is call 0x1111, B's (the "gateway") is call 0x2222.
    const channelA = transportA!.open(ADDRESS_B, 0x1111, { onPacket: (gre) => atA.push(gre) });
    const channelB = transportB!.open(ADDRESS_A, 0x2222, { onPacket: (gre) => atB.push(gre) });
    // Act
    channelA.send(data(0x2222, 0, 'hello gateway'));
    channelB.send(data(0x1111, 0, 'hello probe'));
    await waitFor(() => atA.length === 1 && atB.length === 1);
    // Assess: the key of what arrives is the receiver's own Call ID; payload intact.
    const fromB = decodeGre(atA[0]!);
    const fromA = decodeGre(atB[0]!);
    expect(fromB.kind === 'data' && fromB.callId).toBe(0x1111);
    expect(fromA.kind === 'data' && fromA.callId).toBe(0x2222);
    expect(fromB.kind === 'data' && Buffer.from(fromB.payload).toString('latin1')).toContain('hello probe');
    expect(fromA.kind === 'data' && Buffer.from(fromA.payload).toString('latin1')).toContain('hello gateway');
    channelA.close();
    channelB.close();
  });

  it('serves several sessions on one socket and ignores other Call IDs and non-PPTP GRE', async (ctx) => {
    if (skip) return ctx.skip(skip);
    const first: Uint8Array[] = [];
    const second: Uint8Array[] = [];
    const one = transportA!.open(ADDRESS_B, 0x0101, { onPacket: (gre) => first.push(gre) });
    const two = transportA!.open(ADDRESS_B, 0x0202, { onPacket: (gre) => second.push(gre) });
    const sender = transportB!.open(ADDRESS_A, 0x0909, { onPacket: () => {} });
    const ignoredBefore = transportA!.demuxStats.notPptp;
    sender.send(data(0x0101, 1, 'for one'));
    sender.send(data(0x0202, 1, 'for two'));
    sender.send(data(0x0303, 1, 'for nobody'));
    sender.send(Buffer.from([0x00, 0x00, 0x08, 0x00, 0x45, 0, 0, 20])); // plain GRE carrying IPv4: another tunnel
    await waitFor(() => first.length === 1 && second.length === 1 && transportA!.demuxStats.notPptp > ignoredBefore);
    expect(one.stats().strayFromPeer).toBe(1);
    expect(one.stats().lastStrayCallId).toBe(0x0303);
    expect(two.stats().delivered).toBe(1);
    expect(() => transportA!.open(ADDRESS_B, 0x0101, { onPacket: () => {} })).toThrow(/already in use/);
    one.close();
    two.close();
    sender.close();
    expect(transportA!.openChannels).toBe(0);
  });

  it('bounds what one session holds under a burst, dropping and counting the rest', async (ctx) => {
    if (skip) return ctx.skip(skip);
    let delivered = 0;
    const victim = transportA!.open(ADDRESS_B, 0x0505, { onPacket: () => void delivered++ });
    const flooder = transportB!.open(ADDRESS_A, 0x0606, { onPacket: () => {} });
    // A synchronous burst: A's JS cannot run meanwhile, so the packets pile up in its socket.
    for (let i = 0; i < 2000; i++) flooder.send(data(0x0505, i, 'x'.repeat(64)));
    await waitFor(() => delivered > 0);
    await new Promise((r) => setTimeout(r, 100));
    const stats = victim.stats();
    expect(stats.dropped).toBeGreaterThan(0);
    expect(stats.delivered).toBe(delivered);
    expect(delivered + stats.dropped).toBeLessThanOrEqual(2000);
    // Between two flushes one session gets at most its queue bound.
    expect(delivered).toBeLessThanOrEqual(Math.ceil((delivered + stats.dropped) / 256) * GRE_QUEUE_PACKETS + GRE_QUEUE_PACKETS);
    victim.close();
    flooder.close();
  });
});

describe('RawGreTransport without CAP_NET_RAW', () => {
  it('throws permission_denied naming CAP_NET_RAW and how to grant it', async (ctx) => {
    if (process.getuid?.() !== 0) return ctx.skip('needs root to start a child as nobody');
    // Prepare: bundle a tiny child that opens the transport and prints the error, inside the
    // project so that it resolves koffi from node_modules.
    const { build } = await import('esbuild');
    const dir = resolve('dist/test-support');
    mkdirSync(dir, { recursive: true });
    const outfile = `${dir}/gre-permission-child.mjs`;
    await build({
      stdin: {
        contents: `import { sharedRawGreTransport } from './shared/probers/pptp-login/gre-transport-raw.ts';
try { sharedRawGreTransport(); console.log(JSON.stringify({ opened: true })); }
catch (e) { console.log(JSON.stringify({ name: e.name, code: e.code, errno: e.errno, message: e.message })); }`,
        resolveDir: resolve('.'),
        loader: 'ts',
      },
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile,
      logLevel: 'silent',
    });
    // Act: nobody, no capabilities in any set.
    const { stdout } = await execFileAsync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', '--ambient-caps=-all', '--bounding-set=-net_raw', process.execPath, outfile]);
    // Assess
    const outcome = JSON.parse(stdout.trim()) as Record<string, unknown>;
    expect(outcome['name']).toBe('GreTransportError');
    expect(outcome['code']).toBe('permission_denied');
    expect(outcome['errno']).toBe(1);
    const message = String(outcome['message']);
    expect(message).toContain('CAP_NET_RAW');
    expect(message).toContain('setcap cap_net_raw+ep');
    expect(message).toContain('AmbientCapabilities=CAP_NET_RAW');
    expect(message).toContain('run as root');
  });
});
