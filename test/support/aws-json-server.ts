// The part every AWS JSON-protocol fake shares (SSM is AWS JSON 1.1, SQS AWS JSON 1.0 in SDK v3): a loopback
// HTTP server that takes `POST /` with the protocol's Content-Type, a SigV4 Authorization header and
// `X-Amz-Target: <Service>.<Operation>`, records each call, and answers what the fake's handler says.
// Anything else is answered the way the services answer a malformed request, so a client that speaks the
// wrong protocol fails loudly. Sockets are tracked so close() does not wait for keep-alive connections.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface AwsJsonCall {
  operation: string;
  input: Record<string, unknown>;
  headers: IncomingHttpHeaders;
}

export interface AwsJsonAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface AwsJsonServerOptions {
  /** `application/x-amz-json-1.1` (SSM) or `application/x-amz-json-1.0` (SQS). */
  contentType: string;
  /** The X-Amz-Target prefix: `AmazonSSM`, `AmazonSQS`. */
  targetPrefix: string;
  /** The answer to one well-formed call; may wait (a held answer). Throwing destroys the socket (a network error). */
  handle(call: AwsJsonCall): AwsJsonAnswer | Promise<AwsJsonAnswer>;
}

export interface AwsJsonServer {
  /** `http://127.0.0.1:<port>`. */
  endpoint: string;
  calls: AwsJsonCall[];
  close(): Promise<void>;
}

/** An error in the JSON protocols' shape: `__type` in the body (and, for query-compatible services, the header). */
export function awsJsonError(status: number, type: string, message: string, headers: Record<string, string> = {}): AwsJsonAnswer {
  return { status, body: { __type: type, message }, headers: { 'x-amzn-errortype': type, ...headers } };
}

export async function startAwsJsonServer(options: AwsJsonServerOptions): Promise<AwsJsonServer> {
  const calls: AwsJsonCall[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const reply = (a: AwsJsonAnswer): void => {
          res.writeHead(a.status, { 'content-type': options.contentType, ...a.headers });
          res.end(JSON.stringify(a.body));
        };
        const target = String(req.headers['x-amz-target'] ?? '');
        if (req.method !== 'POST' || new URL(req.url ?? '/', 'http://x').pathname !== '/') return reply(awsJsonError(404, 'UnknownOperationException', `${req.method} ${req.url}: the JSON protocol takes POST /`));
        if (!String(req.headers['content-type'] ?? '').startsWith(options.contentType)) return reply(awsJsonError(400, 'SerializationException', `Content-Type must be ${options.contentType}`));
        if (!String(req.headers['authorization'] ?? '').startsWith('AWS4-HMAC-SHA256 ')) return reply(awsJsonError(403, 'MissingAuthenticationTokenException', 'no SigV4 Authorization header'));
        if (!target.startsWith(`${options.targetPrefix}.`)) return reply(awsJsonError(400, 'UnknownOperationException', `X-Amz-Target ${target}`));
        let input: unknown;
        try {
          input = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          return reply(awsJsonError(400, 'SerializationException', 'body is not JSON'));
        }
        if (typeof input !== 'object' || input === null || Array.isArray(input)) return reply(awsJsonError(400, 'SerializationException', 'body is not a JSON object'));
        const call: AwsJsonCall = { operation: target.slice(options.targetPrefix.length + 1), input: input as Record<string, unknown>, headers: req.headers };
        calls.push(call);
        try {
          reply(await options.handle(call));
        } catch {
          req.socket.destroy();
        }
      })();
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
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}
