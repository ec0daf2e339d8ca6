// The HTTP side of `pptp-monitor run --http <port>`: the status page, /metrics and /healthz on node:http.
// Wiring only: what to show comes from the `model` and `metrics` functions the caller passes.
//
// Loopback by default, and a non-loopback host is refused unless `allowNonLoopback: true`: the page names
// every gateway, its address and its failures, which is reconnaissance material for whoever can reach it.
// The check is made on the address actually bound, so a 'localhost' that resolves elsewhere is caught.
// Exposed on purpose (a Prometheus server on another machine scrapes /metrics), the DNS-rebinding guard
// and the page's CSP stay: the Host header must still be a loopback name, an IP address (a rebinding
// attack needs a name it controls, so an IP literal in Host is never one), or a name in `allowedHosts`.
//
// Bounded: no request body is ever read (a request announcing one gets its answer and the connection is
// closed, so the unread bytes are never parsed as a next request), headers must arrive within
// HEADERS_TIMEOUT_MS and fit in MAX_HEADER_BYTES, connections are capped, and close() ends keep-alive
// sockets instead of waiting for browsers to let go of them.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { isIP, type Socket } from 'node:net';
import { rejectUnknownOptions } from '../common/options.js';
import { SECOND_MS } from '../common/time.js';
import { StatusServerListenError, StatusServerOptionError } from './errors.js';
import { PROMETHEUS_CONTENT_TYPE } from './prometheus.js';
import { renderStatusPage } from './render-status.js';
import type { StatusModel } from './status-model.js';

/** Default listen address: loopback only. */
export const DEFAULT_STATUS_HOST = '127.0.0.1';
/** Time a client has to send the complete request headers, in ms (slowloris bound). */
export const HEADERS_TIMEOUT_MS = 10 * SECOND_MS;
/** Time for a whole request, in ms (we read no body, so this only matters for a stalled client). */
export const REQUEST_TIMEOUT_MS = 15 * SECOND_MS;
/** Idle time before a keep-alive connection is closed, in ms. */
export const KEEP_ALIVE_TIMEOUT_MS = 5 * SECOND_MS;
/** Largest request header block accepted, in bytes. */
export const MAX_HEADER_BYTES = 16 * 1024;
/** Connections open at once; node:http destroys any connection accepted beyond this. */
export const MAX_CONNECTIONS = 64;

/**
 * No script, no remote resource: the page needs inline styles and the `data:` favicon only. Framing is
 * refused (clickjacking) and the referrer is never sent when someone follows a runbook link.
 */
const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export interface StatusServerOptions {
  /** Listen address; default 127.0.0.1. A non-loopback address needs `allowNonLoopback: true`. */
  host?: string;
  /** TCP port; 0 picks a free one (see the returned `port`). */
  port: number;
  /** Builds the model for one page view. Called per request: cache in the caller if it is expensive. */
  model(): StatusModel;
  /** The /metrics body (prometheusText). */
  metrics(): string;
  /** Serve on a non-loopback address (0.0.0.0, a LAN address): the page is then readable from the network. */
  allowNonLoopback?: boolean;
  /**
   * Host names (no port) accepted in the Host header besides loopback names and, when `allowNonLoopback`,
   * IP addresses: the name a Prometheus server scrapes this machine by. Compared case-insensitively.
   */
  allowedHosts?: readonly string[];
  /** Told about a model or metrics function that threw (the client gets a bare 500). Default: ignore. */
  onError?(error: unknown): void;
}

export interface StatusServer {
  /** e.g. http://127.0.0.1:8080/ */
  url: string;
  port: number;
  host: string;
  /** Stops listening and closes every connection, idle keep-alive ones included. Idempotent. */
  close(): Promise<void>;
}

const KNOWN_OPTIONS: readonly (keyof StatusServerOptions)[] = ['host', 'port', 'model', 'metrics', 'allowNonLoopback', 'allowedHosts', 'onError'];

/** A DNS name as a Host header carries it (no port): labels of letters, digits and hyphens, dot-separated. */
export function isHostName(name: string): boolean {
  return /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i.test(name);
}

/** 127.0.0.0/8, ::1 and IPv4-mapped 127/8, or the name localhost (and *.localhost, RFC 6761). */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1' || /^(::ffff:|0:0:0:0:0:ffff:)127\./.test(h);
  return false;
}

/** What a request's Host header may name. */
interface HostPolicy {
  allowNonLoopback: boolean;
  /** Lower case. */
  allowedHosts: ReadonlySet<string>;
}

/**
 * Whether a Host header (name or address, optional port) may be answered: loopback names always, names
 * in allowedHosts, and IP literals when the server is exposed on purpose. A request without Host
 * (HTTP/1.0) comes from no browser and is answered.
 */
export function hostAllowed(hostHeader: string | undefined, policy: HostPolicy): boolean {
  if (hostHeader === undefined) return true;
  const host = hostHeader.replace(/:\d*$/, '');
  if (isLoopbackHost(host)) return true;
  if (policy.allowedHosts.has(host.toLowerCase())) return true;
  return policy.allowNonLoopback && isIP(host.replace(/^\[(.*)\]$/, '$1')) !== 0;
}

/** Throws StatusServerOptionError naming what is wrong with the options; the listen address and policy otherwise. */
function checkOptions(options: StatusServerOptions): { host: string; port: number } & HostPolicy {
  rejectUnknownOptions('startStatusServer', options, KNOWN_OPTIONS, (message) => new StatusServerOptionError(message));
  const host = options.host ?? DEFAULT_STATUS_HOST;
  const allowNonLoopback = options.allowNonLoopback === true;
  const { port } = options;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new StatusServerOptionError(`startStatusServer: port must be an integer from 0 to 65535, got ${String(port)}`);
  if (typeof options.model !== 'function' || typeof options.metrics !== 'function') throw new StatusServerOptionError('startStatusServer: model and metrics must be functions');
  if (!allowNonLoopback && !isLoopbackHost(host)) {
    throw new StatusServerOptionError(
      `startStatusServer: refusing to serve the status page on non-loopback host '${host}': it lists every gateway and its failures. ` +
        `Use 127.0.0.1 (the default) or ::1, or pass allowNonLoopback: true to expose it on purpose.`,
    );
  }
  const allowedHosts = new Set<string>();
  for (const name of options.allowedHosts ?? []) {
    if (typeof name !== 'string' || !isHostName(name)) throw new StatusServerOptionError(`startStatusServer: allowedHosts: not a host name: '${String(name)}'`);
    allowedHosts.add(name.toLowerCase());
  }
  return { host, port, allowNonLoopback, allowedHosts };
}

export async function startStatusServer(options: StatusServerOptions): Promise<StatusServer> {
  const { host, port, ...policy } = checkOptions(options);
  const { allowNonLoopback } = policy;
  const server = createServer({ maxHeaderSize: MAX_HEADER_BYTES }, (req, res) => handleRequest(req, res, options, policy));
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.maxConnections = MAX_CONNECTIONS;
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (error: unknown): void => reject(new StatusServerListenError(host, port, error));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.removeListener('error', onError);
      resolve();
    });
  });
  // A server error after listening must not crash the monitor. Malformed requests, oversized headers and
  // header timeouts are answered by node:http's default clientError handling (400, 431, 408) and closed.
  server.on('error', (error) => options.onError?.(error));

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
      for (const socket of sockets) socket.destroy();
    });
    return closing;
  };

  // A listening TCP server has an AddressInfo (a string is a pipe's, null a server not listening).
  const address = server.address();
  if (address === null || typeof address === 'string') {
    await close();
    throw new TypeError(`startStatusServer: the server listens on ${String(address)}, not a TCP port`);
  }
  if (!allowNonLoopback && !isLoopbackHost(address.address)) {
    await close();
    throw new StatusServerOptionError(`startStatusServer: host '${host}' bound to non-loopback address ${address.address}; pass allowNonLoopback: true to allow it`);
  }
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return { url: `http://${urlHost}:${address.port}/`, port: address.port, host, close };
}

/** One request: the page, /metrics or /healthz, with the headers and refusals described at the top. */
function handleRequest(req: IncomingMessage, res: ServerResponse, options: StatusServerOptions, policy: HostPolicy): void {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  // A request that announces a body: we will not read it, so the connection cannot carry another request.
  const announcesBody = (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0') || req.headers['transfer-encoding'] !== undefined;
  if (announcesBody) res.setHeader('Connection', 'close');

  // DNS rebinding: a web page on evil.example whose name re-resolves to 127.0.0.1 (or to this machine's
  // LAN address) could read the page. Browsers send its own name as Host, so that name is refused.
  if (!hostAllowed(req.headers.host, policy)) {
    const what = policy.allowNonLoopback ? 'loopback names, IP addresses' : 'loopback host names';
    return send(res, 403, 'text/plain; charset=utf-8', `forbidden: this status server answers ${what}${policy.allowedHosts.size > 0 ? ' and its allowed host names' : ''} only\n`);
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    // Its body (if any) is not read either.
    res.setHeader('Connection', 'close');
    res.setHeader('Allow', 'GET, HEAD');
    return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
  }
  let path: string;
  try {
    path = new URL(req.url ?? '/', 'http://status.invalid').pathname;
  } catch {
    return send(res, 400, 'text/plain; charset=utf-8', 'bad request\n');
  }
  try {
    switch (path) {
      case '/':
        res.setHeader('Content-Security-Policy', PAGE_CSP);
        res.setHeader('Referrer-Policy', 'no-referrer');
        return send(res, 200, 'text/html; charset=utf-8', renderStatusPage(options.model()));
      case '/metrics':
        return send(res, 200, PROMETHEUS_CONTENT_TYPE, options.metrics());
      case '/healthz':
        return send(res, 200, 'text/plain; charset=utf-8', 'ok');
      default:
        return send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
    }
  } catch (error) {
    options.onError?.(error);
    // No details: the message could name paths or config internals.
    return send(res, 500, 'text/plain; charset=utf-8', 'internal error\n');
  }
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  const bytes = Buffer.from(body, 'utf8');
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': bytes.length });
  // For HEAD, node:http sends the headers and drops the body.
  res.end(bytes);
}
