// Carries TCP from inside a test-made namespace to a server in the test process (the CloudWatch wire
// fake), which listens on the host's loopback that the namespace cannot reach. A Unix socket is the one
// thing both see (the file system is shared): a forwarder inside the namespace listens on its
// 127.0.0.1:<port> and pipes each connection through the socket to the server. Bytes are untouched.
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Netns } from './netns.js';

export interface NetnsBridge {
  /** `http://127.0.0.1:<port>` as a process inside the namespace reaches the server. */
  readonly endpoint: string;
  close(): Promise<void>;
}

const FORWARDER = `
const net = require('node:net');
const [path, port] = process.argv.slice(1);
net.createServer((c) => {
  const u = net.connect(path);
  c.pipe(u); u.pipe(c);
  c.on('error', () => u.destroy()); u.on('error', () => c.destroy());
  c.on('close', () => u.destroy()); u.on('close', () => c.destroy());
}).listen(Number(port), '127.0.0.1', () => process.stdout.write('listening\\n'));
`;

export async function bridgeIntoNetns(netns: Netns, target: { host: string; port: number }, port = 4566): Promise<NetnsBridge> {
  const dir = mkdtempSync(join(tmpdir(), 'netns-bridge-'));
  const path = join(dir, 'bridge.sock');
  const sockets = new Set<Socket>();
  const server: Server = createServer((inner) => {
    const outer = createConnection(target.port, target.host);
    for (const s of [inner, outer]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    }
    inner.pipe(outer);
    outer.pipe(inner);
    inner.on('error', () => outer.destroy());
    outer.on('error', () => inner.destroy());
    inner.on('close', () => outer.destroy());
    outer.on('close', () => inner.destroy());
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  const child = netns.spawn(process.execPath, ['-e', FORWARDER, path, String(port)]);
  await new Promise<void>((resolve, reject) => {
    let said = '';
    child.stdout?.on('data', (d: Buffer) => {
      said += d.toString();
      if (said.includes('listening')) resolve();
    });
    child.stderr?.on('data', (d: Buffer) => (said += d.toString()));
    child.once('exit', (code) => reject(new Error(`the bridge forwarder exited (${code}): ${said}`)));
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async close() {
      child.kill('SIGKILL');
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
