// A local HTTP receiver that plays one on-call service: it checks every request against that service's
// documented schema (ServiceModel.validate), answers as the service does, and records what it got and
// which incidents are open, so tests assert on what a real PagerDuty, Opsgenie, Slack, Teams or
// Alertmanager receiver would have seen. `failNext` scripts answers (429 with Retry-After, 5xx, 400) to
// exercise retries; a scripted answer is given after validation, so a bad request is still recorded.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  /** Path without the query string, and the query string's parameters. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
  /** What the service would have refused about it; empty for a valid request. */
  problems: string[];
  /** The status it was answered with. */
  status: number;
  /** ms since the epoch when it arrived. */
  at: number;
}

export interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export interface ServiceModel {
  /** Problems with a request (path, headers, body), in the service's own terms. */
  validate(req: Omit<ReceivedRequest, 'problems' | 'status'>): string[];
  /** The answer to a request, given its problems; a valid request also updates the model's incidents. */
  answer(req: Omit<ReceivedRequest, 'status'>): Answer;
}

export interface Receiver {
  /** http://127.0.0.1:<port> (no trailing slash). */
  base: string;
  requests: ReceivedRequest[];
  /** Answers the next requests with these, in order, whatever they hold (validation still runs). */
  failNext(...answers: Answer[]): void;
  close(): Promise<void>;
}

/** Largest body read, in bytes: PagerDuty's event limit (512 KB) with room; more is refused with 413. */
const MAX_BODY_BYTES = 1024 * 1024;

export async function startReceiver(model: ServiceModel): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const scripted: Answer[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://receiver');
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      const base = { method: req.method ?? '', path: url.pathname, query: url.searchParams, headers: req.headers, body, json, at: Date.now() };
      const problems = size > MAX_BODY_BYTES ? [`body of ${size} bytes is too large`] : model.validate(base);
      const answer = scripted.shift() ?? model.answer({ ...base, problems });
      requests.push({ ...base, problems, status: answer.status });
      res.writeHead(answer.status, answer.headers ?? {});
      res.end(answer.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    requests,
    failNext: (...answers) => void scripted.push(...answers),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The incident ledger a model keeps: per key, the events it accepted in order ('trigger', 'resolve', ...). */
export class Incidents {
  readonly events = new Map<string, string[]>();

  record(key: string, event: string): void {
    this.events.set(key, [...(this.events.get(key) ?? []), event]);
  }

  /** Keys whose last event opened the incident. */
  open(opening: string): string[] {
    return [...this.events].filter(([, events]) => events[events.length - 1] === opening).map(([key]) => key);
  }
}
