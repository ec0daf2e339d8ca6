// SNS for tests, on loopback only: serverless-offline-sns's SNSServer running standalone in an express app,
// a tiny wire proxy in front of it (records requests, injects faults, enforces the SNS Publish limits the
// plugin does not), and an HTTP subscriber server that records what SNS delivers. Tests drive the REAL
// SNSClient against `fake.endpoint` (the proxy).
//
// Wire protocol (checked against the installed @aws-sdk/client-sns 3.1164, which uses AwsQueryProtocol):
//   * AWS Query: `POST /`, `Content-Type: application/x-www-form-urlencoded`, body `Action=Publish&Version=2010-03-31&...`,
//     message attributes as `MessageAttributes.entry.N.Name` / `.Value.DataType` / `.Value.StringValue`, subscription
//     attributes as `Attributes.entry.N.key` / `.value`. SigV4 `Authorization` header.
//   * Responses are XML. Errors are `<ErrorResponse><Error><Type>Sender|Receiver</Type><Code/><Message/></Error>
//     <RequestId/></ErrorResponse>`; the client takes the code from `Error.Code`. A code that matches a modeled error's
//     awsQueryError (`Throttled` -> ThrottledException, `InternalError` -> InternalErrorException, `InvalidParameter`,
//     `NotFound`) yields that class as `err.name`; an unmodeled code (`ServiceUnavailable`) yields an SNSServiceException
//     named after the code, with `$fault` from the status (>= 500: server).
//
// What serverless-offline-sns 0.78 does, and does not do (read from dist/sns-server.js and helpers.js, and observed):
//   * Supports CreateTopic, Subscribe, Unsubscribe, ListTopics, ListSubscriptions, Publish. No subscription confirmation,
//     no signatures ("Signature": "EXAMPLE"), no retries of failed deliveries, no DLQ.
//   * Delivers to `http` (and `sqs`) subscriptions only. Subscribing with `https` is accepted, but every later Publish to
//     that topic then fails with HTTP 500, so `subscribeHttp` only offers http (and the proxy answers 500 plainly).
//   * Publish answers before delivering (deliveries are fire-and-forget): wait for them with `waitForDeliveries`.
//   * MessageStructure 'json': real SNS delivers one protocol's string (`http`/`https`, else `default`); the plugin
//     delivers the WHOLE JSON object as `Message` to every subscriber, with `MessageStructure: "json"` in the envelope.
//   * MessageStructure 'json' also makes the plugin DROP all message attributes (helpers.parseMessageAttributes returns {}),
//     so the envelope carries `MessageAttributes: {}` and every subscription with a FilterPolicy skips the message. Real
//     SNS keeps attributes with any structure. This fake restores them (option `jsonStructureAttributes: 'keep'`, the
//     default) by re-parsing the request's attributes; `'drop'` gives the plugin's own behaviour.
//   * Filter policies: exact string matching only (`{"severity": ["page"]}`), every key must match; no prefix/numeric/
//     anything-but operators, no `FilterPolicyScope: MessageBody`.
//   * Publish to an unknown topic succeeds in the plugin; the proxy answers 404 NotFound as SNS does.
//   * It does not enforce the Publish limits; the proxy does (see `publishProblem`).
import { randomUUID } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';

/** SNS Publish: largest message (message + subject + attributes), in bytes. */
export const SNS_PUBLISH_MAX_BYTES = 256 * 1024;
/** SNS Publish: longest Subject, in characters. */
export const SNS_SUBJECT_MAX_CHARS = 100;
const LOOPBACK = '127.0.0.1';
const SNS_XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';
/** How long waitForDeliveries waits by default, in ms. */
const DEFAULT_DELIVERY_WAIT_MS = 5_000;

export type SnsFaultKind =
  /** 429 `Throttled` (ThrottledException): the account's Publish rate was exceeded. */
  | 'throttled'
  /** 503 `ServiceUnavailable` (Receiver), unmodeled in the client. */
  | 'unavailable'
  /** 500 `InternalError` (InternalErrorException). */
  | 'internal'
  /** The socket is destroyed without an answer (a network error for the client). */
  | 'reset';

export interface RecordedSnsRequest {
  /** The Query `Action` (Publish, CreateTopic, ...). */
  action: string;
  /** Every form field as sent, e.g. `Subject`, `MessageAttributes.entry.1.Name`. */
  params: Record<string, string>;
  /** HTTP status answered; 0 when the socket was destroyed by an injected 'reset'. */
  status: number;
  /** Error code answered by the proxy (injected or a limit), if any. */
  errorCode?: string;
  injected?: SnsFaultKind;
}

/** The JSON envelope SNS POSTs to an http(s) subscriber (Type "Notification"). */
export interface SnsHttpEnvelope {
  Type: string;
  MessageId: string;
  TopicArn: string;
  Subject?: string;
  Message: string;
  MessageStructure?: string;
  Timestamp: string;
  MessageAttributes: Record<string, { Type: string; Value: string }>;
  [key: string]: unknown;
}

export interface SnsDelivery {
  /** The subscriber name given to subscribeHttp (the URL path). */
  subscriber: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The parsed envelope, unless the subscription uses raw delivery. */
  envelope?: SnsHttpEnvelope;
}

export interface SnsFakeOptions {
  region?: string;
  accountId?: string;
  /** 'keep' (default): message attributes survive MessageStructure json, as in SNS. 'drop': the plugin's own behaviour. */
  jsonStructureAttributes?: 'keep' | 'drop';
}

export interface SnsFake {
  /** `http://127.0.0.1:<port>` of the proxy: pass as the SNSClient `endpoint`. */
  readonly endpoint: string;
  readonly region: string;
  /** Snapshot of every request the proxy received, in arrival order. */
  readonly requests: readonly RecordedSnsRequest[];
  /** Snapshot of every delivery to a subscriber, in arrival order. */
  readonly deliveries: readonly SnsDelivery[];
  /** Subscriber endpoints a FilterPolicy kept a message from (decided while Publish is handled, so no waiting needed). */
  readonly filteredOut: readonly string[];
  /** A real SNSClient for this fake: fake credentials, and no SDK retries (maxAttempts 1) unless given. */
  client(maxAttempts?: number): SNSClient;
  createTopic(name: string): Promise<string>;
  /** Subscribes `http://127.0.0.1:<port>/<name>` of the subscriber server; returns the subscription ARN. */
  subscribeHttp(topicArn: string, name: string, options?: { filterPolicy?: Record<string, string[]>; rawMessageDelivery?: boolean }): Promise<string>;
  /** Resolves with the subscriber's deliveries once there are `count`; rejects after `timeoutMs`. */
  waitForDeliveries(name: string, count: number, timeoutMs?: number): Promise<SnsDelivery[]>;
  /** Answer the next `n` requests (any action) with `kind`. Calls queue up in order. */
  failNext(n: number, kind: SnsFaultKind): void;
  /** Forget requests, deliveries, filter skips and pending faults (topics and subscriptions stay). */
  reset(): void;
  close(): Promise<void>;
}

// ------------------------------------------------------------------ the plugin, loaded by file path

interface PluginSubscription {
  Endpoint: string;
  TopicArn: string;
  Protocol: string;
}
type PluginAttributes = Record<string, { Type: string; Value: string }>;
interface PluginSnsServer {
  topics: Array<{ TopicArn: string }>;
  subscriptions: PluginSubscription[];
  extractTarget(body: Record<string, string>): string;
  publish(
    topicArn: string,
    subject: string | undefined,
    message: string,
    messageStructure: string | undefined,
    messageAttributes: PluginAttributes,
    messageGroupId: string | undefined,
  ): unknown;
}
type PluginSnsServerCtor = new (debug: (msg: unknown, context?: string) => void, app: ExpressApp, region: string, accountId: string) => PluginSnsServer;
type ExpressApp = ((req: IncomingMessage, res: ServerResponse) => void) & { use(...handlers: unknown[]): unknown };

interface PluginModules {
  SNSServer: PluginSnsServerCtor;
  parseMessageAttributes: (body: Record<string, string | undefined>) => PluginAttributes;
  express: () => ExpressApp;
}

let pluginModules: Promise<PluginModules> | undefined;

/**
 * The package's `exports` exposes only its serverless plugin entry (which drags in the Serverless Framework), so
 * sns-server.js and helpers.js are imported by file path next to the resolved entry. Both are ESM; there are no
 * type declarations (nor @types/express), hence the hand-written shapes above.
 */
function loadPlugin(): Promise<PluginModules> {
  pluginModules ??= (async () => {
    const require = createRequire(import.meta.url);
    const dist = dirname(require.resolve('serverless-offline-sns'));
    const server = (await import(pathToFileURL(join(dist, 'sns-server.js')).href)) as { SNSServer: PluginSnsServerCtor };
    const helpers = (await import(pathToFileURL(join(dist, 'helpers.js')).href)) as { parseMessageAttributes: PluginModules['parseMessageAttributes'] };
    return { SNSServer: server.SNSServer, parseMessageAttributes: helpers.parseMessageAttributes, express: require('express') as () => ExpressApp };
  })();
  return pluginModules;
}

// ------------------------------------------------------------------ small HTTP helpers

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => resolve((server.address() as AddressInfo).port));
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections(); // keep-alive sockets of the SDK and node-fetch would hold close() open
  });
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

interface QueryError {
  status: number;
  code: string;
  type: 'Sender' | 'Receiver';
  message: string;
}

const FAULTS: Record<Exclude<SnsFaultKind, 'reset'>, QueryError> = {
  throttled: { status: 429, code: 'Throttled', type: 'Sender', message: 'Rate exceeded' },
  unavailable: { status: 503, code: 'ServiceUnavailable', type: 'Receiver', message: 'sns-fake: injected service unavailable' },
  internal: { status: 500, code: 'InternalError', type: 'Receiver', message: 'sns-fake: injected internal error' },
};

function sendQueryError(res: ServerResponse, record: RecordedSnsRequest, err: QueryError): void {
  record.status = err.status;
  record.errorCode = err.code;
  const body =
    `<ErrorResponse xmlns="${SNS_XMLNS}"><Error><Type>${err.type}</Type><Code>${xmlEscape(err.code)}</Code>` +
    `<Message>${xmlEscape(err.message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`;
  res.writeHead(err.status, { 'Content-Type': 'text/xml', 'Content-Length': String(Buffer.byteLength(body)), 'x-amzn-RequestId': randomUUID() });
  res.end(body);
}

const invalid = (message: string): QueryError => ({ status: 400, code: 'InvalidParameter', type: 'Sender', message: `Invalid parameter: ${message}` });

/** The Publish checks real SNS makes and the plugin skips; undefined when the request is acceptable. */
function publishProblem(params: Record<string, string>, topics: ReadonlyArray<{ TopicArn: string }>): QueryError | undefined {
  const arn = params['TopicArn'] ?? params['TargetArn'];
  if (arn === undefined) return invalid('TopicArn or TargetArn Reason: no value for required parameter');
  if (!topics.some((t) => t.TopicArn === arn)) return { status: 404, code: 'NotFound', type: 'Sender', message: 'Topic does not exist' };
  const subject = params['Subject'];
  if (subject !== undefined) {
    if (subject.length === 0 || subject.length > SNS_SUBJECT_MAX_CHARS) return invalid('Subject');
    // ASCII text, no line breaks or control characters, starting with a letter, number or punctuation mark.
    if (!/^[\x20-\x7e]+$/.test(subject) || !/^[A-Za-z0-9\p{P}]/u.test(subject)) return invalid('Subject');
  }
  const message = params['Message'];
  if (message === undefined || message.length === 0) return invalid('Message');
  let attributeBytes = 0;
  for (const [key, value] of Object.entries(params)) {
    if (!key.startsWith('MessageAttributes.entry.')) continue;
    attributeBytes += Buffer.byteLength(value);
    if (/\.Value\.StringValue$/.test(key) && value.length === 0) return invalid(`Message attribute value of ${key} must not be empty`);
  }
  if (Buffer.byteLength(message) + Buffer.byteLength(subject ?? '') + attributeBytes > SNS_PUBLISH_MAX_BYTES) return invalid('Message too long');
  if (params['MessageStructure'] === 'json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(message);
    } catch {
      return invalid('Message Structure - JSON message body failed to parse');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return invalid('Message Structure - JSON message body failed to parse');
    if (typeof (parsed as Record<string, unknown>)['default'] !== 'string') return invalid('Message Structure - No default entry in JSON message body');
  }
  return undefined;
}

// ------------------------------------------------------------------ the fake

export async function startSnsFake(options: SnsFakeOptions = {}): Promise<SnsFake> {
  const region = options.region ?? 'eu-west-1';
  const accountId = options.accountId ?? '123456789012';
  const plugin = await loadPlugin();

  let requests: RecordedSnsRequest[] = [];
  let deliveries: SnsDelivery[] = [];
  let filteredOut: string[] = [];
  let faults: SnsFaultKind[] = [];
  const deliveryListeners = new Set<() => void>();

  const debug = (msg: unknown): void => {
    // The plugin decides filter policies synchronously inside Publish and says so only in its debug output.
    const text = typeof msg === 'string' ? msg : '';
    const skipped = /^Filter policies failed\. Skipping subscription: (.*)$/.exec(text);
    if (skipped?.[1] !== undefined) filteredOut.push(skipped[1]);
  };

  const keepAttributes = (options.jsonStructureAttributes ?? 'keep') === 'keep';
  // The route handler calls extractTarget(req.body) and then publish(...) synchronously, so the body seen by the
  // one is the body of the other: that is how the shim gets at the attributes the plugin threw away.
  class SnsServer extends plugin.SNSServer {
    private publishBody: Record<string, string> | undefined;
    override extractTarget(body: Record<string, string>): string {
      this.publishBody = body;
      return super.extractTarget(body);
    }
    override publish(topicArn: string, subject: string | undefined, message: string, structure: string | undefined, attributes: PluginAttributes, groupId: string | undefined): unknown {
      const body = this.publishBody;
      this.publishBody = undefined;
      const restored = keepAttributes && structure === 'json' && body !== undefined ? plugin.parseMessageAttributes({ ...body, MessageStructure: undefined }) : attributes;
      return super.publish(topicArn, subject, message, structure, restored, groupId);
    }
  }

  const app = plugin.express();
  const sns = new SnsServer(debug, app, region, accountId);
  const upstream = createServer(app);
  const upstreamPort = await listen(upstream);

  const proxy = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const params = Object.fromEntries(new URLSearchParams(body.toString('utf8')));
      const record: RecordedSnsRequest = { action: params['Action'] ?? '', params, status: 0 };
      requests.push(record);

      const fault = faults.shift();
      if (fault !== undefined) {
        record.injected = fault;
        if (fault === 'reset') return void req.socket.destroy();
        return sendQueryError(res, record, FAULTS[fault]);
      }
      if (typeof req.headers.authorization !== 'string' || !req.headers.authorization.startsWith('AWS4-HMAC-SHA256 ')) {
        return sendQueryError(res, record, { status: 403, code: 'MissingAuthenticationToken', type: 'Sender', message: 'Request is missing Authentication Token' });
      }
      if (record.action === 'Publish') {
        const problem = publishProblem(params, sns.topics);
        if (problem) return sendQueryError(res, record, problem);
      }
      // agent: false: one connection per request, so closing the upstream never waits on an idle keep-alive socket.
      const forward = httpRequest({ host: LOOPBACK, port: upstreamPort, method: req.method, path: req.url, headers: req.headers, agent: false }, (up) => {
        record.status = up.statusCode ?? 0;
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      forward.on('error', (err) => {
        record.status = 502;
        res.writeHead(502).end(`sns-fake proxy: ${err.message}`);
      });
      forward.end(body);
    })();
  });
  const proxyPort = await listen(proxy);

  const subscribers = createServer((req, res) => {
    void readBody(req).then((raw) => {
      const body = raw.toString('utf8');
      const delivery: SnsDelivery = { subscriber: (req.url ?? '/').slice(1), headers: req.headers, body };
      if (req.headers['x-amz-sns-rawdelivery'] !== 'true') delivery.envelope = JSON.parse(body) as SnsHttpEnvelope;
      deliveries.push(delivery);
      res.writeHead(200).end('ok');
      for (const listener of deliveryListeners) listener();
    });
  });
  const subscriberPort = await listen(subscribers);

  const endpoint = `http://${LOOPBACK}:${proxyPort}`;
  const admin = new SNSClient({ endpoint, region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });

  return {
    endpoint,
    region,
    get requests() {
      return requests.map((r) => ({ ...r, params: { ...r.params } }));
    },
    get deliveries() {
      return [...deliveries];
    },
    get filteredOut() {
      return [...filteredOut];
    },
    client(maxAttempts = 1) {
      return new SNSClient({ endpoint, region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts });
    },
    async createTopic(name) {
      const out = await admin.send(new CreateTopicCommand({ Name: name }));
      if (out.TopicArn === undefined) throw new Error(`sns-fake: CreateTopic ${name} returned no TopicArn`);
      return out.TopicArn;
    },
    async subscribeHttp(topicArn, name, subscribeOptions = {}) {
      const attributes: Record<string, string> = {};
      if (subscribeOptions.filterPolicy) attributes['FilterPolicy'] = JSON.stringify(subscribeOptions.filterPolicy);
      if (subscribeOptions.rawMessageDelivery) attributes['RawMessageDelivery'] = 'true';
      const out = await admin.send(
        new SubscribeCommand({ TopicArn: topicArn, Protocol: 'http', Endpoint: `http://${LOOPBACK}:${subscriberPort}/${name}`, Attributes: attributes, ReturnSubscriptionArn: true }),
      );
      if (out.SubscriptionArn === undefined) throw new Error(`sns-fake: Subscribe ${name} returned no SubscriptionArn`);
      return out.SubscriptionArn;
    },
    waitForDeliveries(name, count, timeoutMs = DEFAULT_DELIVERY_WAIT_MS) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          const mine = deliveries.filter((d) => d.subscriber === name);
          if (mine.length < count) return false;
          clearTimeout(timer);
          deliveryListeners.delete(listener);
          resolve(mine);
          return true;
        };
        const listener = (): void => void check();
        const timer = setTimeout(() => {
          deliveryListeners.delete(listener);
          const got = deliveries.filter((d) => d.subscriber === name).length;
          reject(new Error(`sns-fake: subscriber '${name}' got ${got} of ${count} deliveries within ${timeoutMs} ms`));
        }, timeoutMs);
        deliveryListeners.add(listener);
        check();
      });
    },
    failNext(n, kind) {
      for (let i = 0; i < n; i++) faults.push(kind);
    },
    reset() {
      requests = [];
      deliveries = [];
      filteredOut = [];
      faults = [];
    },
    async close() {
      admin.destroy();
      await Promise.all([closeServer(proxy), closeServer(upstream), closeServer(subscribers)]);
    },
  };
}
