// A TCP proxy between the agent and the CloudWatch fake that a test cuts and restores: down() stops
// listening, so new connections are refused (ECONNREFUSED, what a dead endpoint or a cut uplink gives
// the SDK), and destroys the open ones, keep-alive connections included; up() listens on the same port
// again. It also shows the test each HTTP response before the agent gets it. The fake has stored the
// request's points by then, so the test can note where one PutMetricData request's points end in
// fake.datums (the fake keeps no request boundaries), or kill the agent in the window between
// CloudWatch's acknowledgement and the agent's ack of its spool entry, and drop the response. A request
// can be dropped too, before the fake sees it. When the agent side goes away with a request in flight
// (kill -9 mid-send), the upstream side stays open until the fake answers, so the test still sees where
// that request's points end.
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/** What the proxy does with a response after the hook saw it: pass it on, or drop it and cut the connection. */
export type ResponseDecision = 'forward' | 'drop';

export interface SwitchableProxyOptions {
  /** Called with the status line of each response from upstream (e.g. 'HTTP/1.1 200 OK'), before the client gets it. */
  onResponse?(statusLine: string): ResponseDecision;
  /** Called when a request (its first bytes) arrives from the client, before upstream gets it. */
  onRequest?(): ResponseDecision;
}

/** How long the upstream side of a connection whose client went away waits for the answer in flight, in ms. */
const LINGER_MS = 2_000;

export interface SwitchableProxy {
  /** `http://127.0.0.1:<port>`: what the agent takes as AWS_ENDPOINT_URL_CLOUDWATCH. */
  readonly endpoint: string;
  isUp(): boolean;
  /** Requests forwarded whose response has not come back yet (a send in flight). */
  inFlight(): number;
  /** Refuse new connections, destroy open ones. */
  down(): Promise<void>;
  /** Listen again on the same port. */
  up(): Promise<void>;
  close(): Promise<void>;
}

const HTTP_STATUS_LINE = /^HTTP\/1\.[01] \d{3}[^\r\n]*/;

export async function startSwitchableProxy(upstream: { host: string; port: number }, options: SwitchableProxyOptions = {}): Promise<SwitchableProxy> {
  const open = new Set<Socket>();
  let inFlight = 0;
  let port = 0;
  let server: Server | undefined;

  function pair(client: Socket): void {
    const remote = connect(upstream.port, upstream.host);
    open.add(client);
    open.add(remote);
    let waiting = 0;
    const cut = (): void => {
      inFlight -= waiting;
      waiting = 0;
      client.destroy();
      remote.destroy();
    };
    const clientGone = (): void => {
      client.destroy();
      if (waiting === 0) return cut();
      setTimeout(cut, LINGER_MS).unref();
    };
    client.on('error', clientGone);
    client.on('close', () => {
      open.delete(client);
      clientGone();
    });
    remote.on('error', cut);
    remote.on('close', () => {
      open.delete(remote);
      cut();
    });
    client.on('data', (chunk: Buffer) => {
      // A request starts a chunk: the SDK sends one request at a time on a connection and waits for its answer.
      if (chunk.subarray(0, 5).toString('latin1') === 'POST ') {
        if (options.onRequest?.() === 'drop') return cut();
        waiting++;
        inFlight++;
      }
      remote.write(chunk);
    });
    remote.on('data', (chunk: Buffer) => {
      const status = HTTP_STATUS_LINE.exec(chunk.subarray(0, 200).toString('latin1'))?.[0];
      if (status !== undefined) {
        if (waiting > 0) {
          waiting--;
          inFlight--;
        }
        if (options.onResponse?.(status) === 'drop') return cut();
      }
      if (client.destroyed) {
        if (waiting === 0) cut();
        return;
      }
      client.write(chunk);
    });
  }

  async function listen(): Promise<void> {
    const s = createServer(pair);
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen({ host: '127.0.0.1', port, exclusive: true }, () => {
        s.off('error', reject);
        resolve();
      });
    });
    port = (s.address() as AddressInfo).port;
    server = s;
  }

  async function stop(): Promise<void> {
    const s = server;
    server = undefined;
    if (!s) return;
    const closed = new Promise<void>((resolve) => s.close(() => resolve()));
    for (const socket of open) socket.destroy();
    await closed;
  }

  await listen();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    isUp: () => server !== undefined,
    inFlight: () => inFlight,
    down: stop,
    async up() {
      if (!server) await listen();
    },
    close: stop,
  };
}
