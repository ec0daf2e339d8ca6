// A tiny HTTP proxy for AWS JSON 1.0 services (DynamoDB here) that injects what a local server cannot:
// throttling and 5xx answers as the service sends them, a connection reset before the request arrives,
// and a request that is carried out but whose response is lost (the case that makes a retried conditional
// write find its own write). Everything else is forwarded untouched.
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * 'throttle': 400 ProvisionedThroughputExceededException, not forwarded; 'server': 500 InternalServerError, not
 * forwarded; 'reset': the socket is destroyed before forwarding; 'drop-response': forwarded and carried out, then
 * the socket is destroyed instead of answering.
 */
export type ProxyFault = 'throttle' | 'server' | 'reset' | 'drop-response';

export interface ProxiedRequest {
  /** From X-Amz-Target, e.g. 'PutItem'. */
  operation: string;
  fault?: ProxyFault;
  /** Status sent to the client; 0 when the socket was destroyed. */
  status: number;
}

export interface FaultProxy {
  readonly endpoint: string;
  readonly requests: readonly ProxiedRequest[];
  /** The next `n` requests (of `operation`, or any) meet `fault`. */
  failNext(n: number, fault: ProxyFault, operation?: string): void;
  reset(): void;
  close(): Promise<void>;
}

const ERROR_PREFIX = 'com.amazonaws.dynamodb.v20120810#';

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  let requests: ProxiedRequest[] = [];
  let faults: Array<{ fault: ProxyFault; operation: string | undefined }> = [];
  const sockets = new Set<Socket>();

  function answerError(res: ServerResponse, record: ProxiedRequest, status: number, type: string, message: string): void {
    record.status = status;
    const body = Buffer.from(JSON.stringify({ __type: `${ERROR_PREFIX}${type}`, message }));
    res.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.0', 'Content-Length': String(body.length), 'x-amzn-RequestId': 'fault-proxy' });
    res.end(body);
  }

  function forward(req: IncomingMessage, body: Buffer, onResponse: (status: number, headers: IncomingMessage['headers'], payload: Buffer) => void, onError: (err: Error) => void): void {
    const out = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      const chunks: Buffer[] = [];
      up.on('data', (c: Buffer) => chunks.push(c));
      up.on('end', () => onResponse(up.statusCode ?? 502, up.headers, Buffer.concat(chunks)));
      up.on('error', onError);
    });
    out.on('error', onError);
    out.end(body);
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const operation = target.slice(target.lastIndexOf('.') + 1);
      const record: ProxiedRequest = { operation, status: 0 };
      requests.push(record);
      const i = faults.findIndex((f) => f.operation === undefined || f.operation === operation);
      const fault = i >= 0 ? faults.splice(i, 1)[0]!.fault : undefined;
      if (fault) record.fault = fault;
      if (fault === 'reset') return void req.socket.destroy();
      if (fault === 'throttle') {
        return answerError(res, record, 400, 'ProvisionedThroughputExceededException', 'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.');
      }
      if (fault === 'server') return answerError(res, record, 500, 'InternalServerError', 'fault-proxy: injected internal server error');
      forward(
        req,
        Buffer.concat(chunks),
        (status, headers, payload) => {
          if (fault === 'drop-response') return void req.socket.destroy();
          record.status = status;
          res.writeHead(status, headers);
          res.end(payload);
        },
        () => req.socket.destroy(),
      );
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    get requests() {
      return requests.map((r) => ({ ...r }));
    },
    failNext(n, fault, operation) {
      for (let k = 0; k < n; k++) faults.push({ fault, operation });
    },
    reset() {
      requests = [];
      faults = [];
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        for (const s of sockets) s.destroy();
      }),
  };
}
