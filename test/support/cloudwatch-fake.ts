// In-process CloudWatch fake that speaks the wire protocol of the installed @aws-sdk/client-cloudwatch,
// so tests can drive the REAL CloudWatchClient against it (endpoint: fake.endpoint).
//
// Wire protocol (verified against @aws-sdk/client-cloudwatch 3.1164 by capturing real requests):
//   * AWS JSON 1.0, awsQueryCompatible: `POST /`, `Content-Type: application/x-amz-json-1.0`,
//     `X-Amz-Target: GraniteServiceVersion20100801.<Operation>`, `x-amzn-query-mode: true`, SigV4 `Authorization`.
//   * Timestamps are epoch SECONDS as JSON numbers, both ways (1700000000.123 for a Date with ms). The client's
//     deserializer rejects ISO strings in responses ("Expected real number").
//   * Non-finite doubles are sent as the JSON strings "NaN" / "Infinity" / "-Infinity".
//   * PutMetricData bodies of 10,240 bytes or more are gzipped by the client (`Content-Encoding: gzip`, the operation's
//     @requestCompression trait; client options disableRequestCompression / requestMinCompressionSizeBytes). The fake
//     gunzips them. CloudWatch documents "1 MB for HTTP POST requests. You can send a payload compressed by gzip", so the
//     1 MiB limit (413) is applied to the body as sent on the wire, i.e. to the compressed size when gzipped.
//   * Errors: the client (query-compatible mode) takes the error code from the `x-amzn-query-error: <Code>;<Sender|Receiver>`
//     header first, then `x-amzn-errortype`, then the body's `__type`. A code that matches a modeled error's awsQueryError
//     (e.g. `InvalidParameterValue`) yields that modeled class, so `err.name` is the CLASS name
//     (`InvalidParameterValueException`) and `err.Code` is the query code (`InvalidParameterValue`). Unmodeled codes such as
//     `Throttling` yield a CloudWatchServiceException whose `name` is the code itself.
//   * `$fault` comes from the modeled error trait, or for unmodeled errors from the status (<500 client, >=500 server).
//     `Throttling` is classified as throttling by the SDK's retry layer through its name (THROTTLING_ERROR_CODES);
//     `$retryable` stays undefined because it is only set for modeled @retryable errors.
//
// Deliberate simplifications (anything unsupported fails loudly instead of being silently ignored):
//   * Operations other than PutMetricData and GetMetricData answer 400 `InvalidAction`.
//   * StatisticValues, EntityMetricData and metric-math Expressions are rejected with an explicit "cloudwatch-fake" message.
//   * GetMetricData buckets are aligned to StartTime (send period-aligned StartTimes, as AWS recommends) and pagination is
//     not implemented: a result larger than MaxDatapoints, or than the 100,800 points CloudWatch returns in one call
//     whatever MaxDatapoints says, is rejected rather than paginated (AWS would answer PartialData and a NextToken),
//     so a read side that would need a second page is caught. More than 500 queries in one call is rejected, as AWS does.
//   * Percentiles are exact nearest-rank over the stored samples, each weighted by its count (real CloudWatch uses an
//     approximate sketch for percentiles).
//
// Scale (for benchmarks that play a day of a large fleet through it):
//   * Samples are indexed by metric identity and time (cloudwatch-fake-store.ts), so a query costs what it covers.
//     options.aggregate keeps only count/sum/min/max per (metric, unit, minute): no percentiles, whole minutes only.
//   * options.quotas enforces GetMetricData's account quotas (50 TPS; 396,000 / 180,000 data points per second) over a
//     sliding one-second window of the fake's clock (cloudwatch-fake-quotas.ts); off unless asked for. The counters
//     (calls, throttles, points returned, peak TPS and DPS) are kept either way: `getMetricData`.
//   * ingest() stores datums in-process through the same validation as PutMetricData, without HTTP and JSON.
//   * The SigV4 signature is not verified; only the presence of an AWS4-HMAC-SHA256 Authorization header is checked.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { gunzipSync } from 'node:zlib';
import type { MetricDatum } from '@aws-sdk/client-cloudwatch';
import { rejectUnknownOptions } from '../../shared/common/options.js';
import {
  createSampleStore,
  STANDARD_UNITS,
  UnsupportedQueryError,
  type AcceptedDatum,
  type MetricSample,
  type SampleStore,
  type StandardUnitName,
  type Stat,
} from './cloudwatch-fake-store.js';
import { GetMetricDataMeter, resolveQuotas, type GetMetricDataCounters, type GetMetricDataQuotas, type ThrottleReason } from './cloudwatch-fake-quotas.js';

export { STANDARD_UNITS, type MetricSample, type StandardUnitName } from './cloudwatch-fake-store.js';
export { AWS_GET_METRIC_DATA_QUOTAS, type GetMetricDataCounters, type GetMetricDataQuotas } from './cloudwatch-fake-quotas.js';

export type FaultKind = 'throttle' | 'server' | 'reset';

export interface RecordedRequest {
  /** Operation from X-Amz-Target (e.g. 'PutMetricData'); the raw header (or '') if it is not a CloudWatch target. */
  operation: string;
  /** Bytes of request body received on the wire (compressed size when gzipped). */
  bodyBytes: number;
  /** The request's Content-Encoding header, if any ('gzip' when the SDK compressed the body). */
  contentEncoding?: string;
  /** HTTP status sent; 0 when the socket was destroyed by an injected 'reset'. */
  status: number;
  /** Query-style error code sent (e.g. 'InvalidParameterValue', 'Throttling'), if the request failed. */
  errorCode?: string;
  /** Set when the response was an injected fault. */
  injected?: FaultKind;
  /** Set when options.quotas throttled the request: which quota. */
  throttledFor?: ThrottleReason;
}

export interface CloudWatchFakeOptions {
  /**
   * Clock used for the PutMetricData timestamp window (2 weeks past .. 2 hours future), for datums without Timestamp, and
   * for GetMetricData's per-second quota windows and its three-hour "recent" line.
   */
  now?: () => Date;
  /** Keep only count/sum/min/max per (metric, unit, minute) instead of every sample: no percentiles, no `datums`. */
  aggregate?: boolean;
  /** false: no index, every query scans every sample (the original implementation, kept as the tests' reference). */
  index?: boolean;
  /** GetMetricData account quotas: true for AWS's (50 TPS, 396,000 / 180,000 DPS), an object to change some. Off by default. */
  quotas?: boolean | Partial<GetMetricDataQuotas>;
}

const OPTION_NAMES = ['now', 'aggregate', 'index', 'quotas'] as const;

export interface CloudWatchFake {
  /** `http://127.0.0.1:<port>` — pass as the CloudWatchClient `endpoint`. */
  readonly endpoint: string;
  /** Snapshot (copy) of accepted samples, in arrival order. Throws in aggregate mode, which keeps none. */
  readonly datums: readonly MetricSample[];
  /** Samples accepted so far (each entry of Values counts once); kept in every mode. */
  readonly sampleCount: number;
  /** Snapshot (copy) of every request received, in arrival order. */
  readonly requests: readonly RecordedRequest[];
  /** Number of MetricStat queries in accepted GetMetricData requests (what CloudWatch bills for). */
  readonly metricsRequested: number;
  /** GetMetricData counters: calls, throttles, points returned, peak TPS and DPS (snapshot). */
  readonly getMetricData: GetMetricDataCounters;
  /**
   * Stores datums in-process, validated exactly as PutMetricData requests of up to 1000 datums each (a problem throws with
   * the message the API would send, and nothing is stored), without HTTP or JSON: for benchmarks that feed millions of
   * datums. Not recorded in `requests`.
   */
  ingest(namespace: string, datums: readonly MetricDatum[]): void;
  /** Make the next `n` requests (any operation) fail with `kind`. Calls queue up in order. */
  failNext(n: number, kind: FaultKind): void;
  /** Forget datums, requests, metricsRequested, GetMetricData counters and quota windows, and pending faults. */
  reset(): void;
  /**
   * Forget only the GetMetricData counters and quota windows (the stored data stays), and optionally switch the
   * quotas on or off: for a benchmark that measures phases (a rebuild, a steady state, another evaluator) on the
   * same stored history. The clock may then start again from an earlier time.
   */
  resetGetMetricData(options?: { quotas?: boolean | Partial<GetMetricDataQuotas> }): void;
  close(): Promise<void>;
}

export const MAX_REQUEST_BODY_BYTES = 1_048_576;
// Guard against gzip bombs; not a documented CloudWatch limit (refused as MalformedInput with a cloudwatch-fake message).
const MAX_DECOMPRESSED_BYTES = 32 * 1_048_576;
const TARGET_PREFIX = 'GraniteServiceVersion20100801.';
const JSON_CONTENT_TYPE = 'application/x-amz-json-1.0';
const MAX_DATUMS = 1000;
const MAX_VALUES = 150;
const MAX_DIMENSIONS = 30;
const MAX_QUERIES = 500;
const DEFAULT_MAX_DATAPOINTS = 100_800;
const TWO_WEEKS_MS = 14 * 24 * 3600 * 1000;
const TWO_HOURS_MS = 2 * 3600 * 1000;
// CloudWatch rejects values whose magnitude is outside this range (zero is allowed).
const MIN_MAGNITUDE = 8.515920e-109;
const MAX_MAGNITUDE = 1.174271e108;

type ErrorKind =
  | 'InvalidParameterValue'
  | 'MissingParameter'
  | 'InvalidParameterCombination'
  | 'InternalServiceError'
  | 'Throttling'
  | 'RequestEntityTooLarge'
  | 'InvalidAction'
  | 'MissingAuthenticationToken'
  | 'MalformedInput';

// [HTTP status, body __type, Sender/Receiver, body member that carries the message (per the client's error schema)]
const ERRORS: Record<ErrorKind, readonly [number, string, 'Sender' | 'Receiver', 'message' | 'Message']> = {
  InvalidParameterValue: [400, 'com.amazonaws.cloudwatch#InvalidParameterValueException', 'Sender', 'message'],
  MissingParameter: [400, 'com.amazonaws.cloudwatch#MissingRequiredParameterException', 'Sender', 'message'],
  InvalidParameterCombination: [400, 'com.amazonaws.cloudwatch#InvalidParameterCombinationException', 'Sender', 'message'],
  InternalServiceError: [500, 'com.amazonaws.cloudwatch#InternalServiceFault', 'Receiver', 'Message'],
  Throttling: [400, 'com.amazon.coral.availability#ThrottlingException', 'Sender', 'message'],
  RequestEntityTooLarge: [413, 'com.amazon.coral.service#RequestEntityTooLargeException', 'Sender', 'message'],
  InvalidAction: [400, 'com.amazon.coral.service#UnknownOperationException', 'Sender', 'message'],
  MissingAuthenticationToken: [403, 'com.amazon.coral.service#MissingAuthenticationTokenException', 'Sender', 'message'],
  MalformedInput: [400, 'com.amazon.coral.service#SerializationException', 'Sender', 'message'],
};

class ApiError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
  ) {
    super(message);
  }
}

const invalid = (message: string): ApiError => new ApiError('InvalidParameterValue', message);
const missing = (param: string): ApiError => new ApiError('MissingParameter', `The parameter ${param} is required.`);
const unsupported = (what: string): ApiError =>
  new ApiError('InvalidParameterValue', `cloudwatch-fake does not implement ${what}.`);

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

const isObject = (v: Json | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

function objectField(obj: JsonObject, key: string, path: string): JsonObject | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw invalid(`The value for parameter ${path} is invalid.`);
  return v;
}

function listField(obj: JsonObject, key: string, path: string): Json[] | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw invalid(`The value for parameter ${path} is invalid.`);
  return v;
}

function stringField(obj: JsonObject, key: string, path: string): string | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw invalid(`The value ${JSON.stringify(v)} for parameter ${path} is invalid.`);
  return v;
}

/** A double as the client encodes it: a JSON number, or "NaN"/"Infinity"/"-Infinity". Must be finite. */
function toFinite(v: Json, path: string): number {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  throw invalid(`The value ${typeof v === 'string' ? v : JSON.stringify(v)} for parameter ${path} is invalid.`);
}

function toMetricValue(v: Json, path: string): number {
  const n = toFinite(v, path);
  const mag = Math.abs(n);
  if (n !== 0 && (mag < MIN_MAGNITUDE || mag > MAX_MAGNITUDE)) {
    throw invalid(`The value ${n} for parameter ${path} is invalid: values must be 0 or have a magnitude between ${MIN_MAGNITUDE} and ${MAX_MAGNITUDE}.`);
  }
  return n;
}

/** Epoch-seconds timestamp → Date. */
function toDate(v: Json, path: string): Date {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw invalid(`The value ${JSON.stringify(v)} for parameter ${path} is invalid.`);
  return new Date(Math.round(v * 1000));
}

function parseUnit(v: string | undefined, path: string): StandardUnitName | undefined {
  if (v === undefined) return undefined;
  if (!(STANDARD_UNITS as readonly string[]).includes(v)) throw invalid(`The value ${v} for parameter ${path} is invalid.`);
  return v as StandardUnitName;
}

function parseDimensions(list: Json[] | undefined, path: string): Record<string, string> {
  const dims: Record<string, string> = {};
  if (list === undefined) return dims;
  if (list.length > MAX_DIMENSIONS) {
    throw invalid(`The collection ${path} must not have a size greater than ${MAX_DIMENSIONS}.`);
  }
  list.forEach((d, i) => {
    const p = `${path}.member.${i + 1}`;
    if (!isObject(d)) throw invalid(`The value for parameter ${p} is invalid.`);
    const name = stringField(d, 'Name', `${p}.Name`);
    const value = stringField(d, 'Value', `${p}.Value`);
    if (name === undefined) throw missing(`${p}.Name`);
    if (value === undefined) throw missing(`${p}.Value`);
    if (name.length < 1 || name.length > 255) throw invalid(`The parameter ${p}.Name must have a length between 1 and 255.`);
    if (value.length < 1 || value.length > 1024) throw invalid(`The parameter ${p}.Value must have a length between 1 and 1024.`);
    if (Object.hasOwn(dims, name)) throw invalid(`The collection ${path} must not contain duplicate dimension names (${name}).`);
    dims[name] = value;
  });
  return dims;
}

// ---------------------------------------------------------------------------------------------------------------------
// PutMetricData

function putMetricData(body: JsonObject, now: Date): AcceptedDatum[] {
  const namespace = stringField(body, 'Namespace', 'Namespace');
  if (namespace === undefined) throw missing('Namespace');
  if (namespace.length < 1 || namespace.length > 255 || namespace.startsWith(':')) {
    throw invalid(`The value ${namespace} for parameter Namespace is invalid.`);
  }
  if (namespace.startsWith('AWS/')) {
    throw invalid(`The value ${namespace} for parameter Namespace is invalid: namespaces starting with AWS/ are reserved.`);
  }
  const entity = listField(body, 'EntityMetricData', 'EntityMetricData');
  if (entity !== undefined && entity.length > 0) throw unsupported('EntityMetricData');

  const data = listField(body, 'MetricData', 'MetricData');
  if (data === undefined || data.length === 0) throw missing('MetricData');
  if (data.length > MAX_DATUMS) {
    throw invalid(`The collection MetricData must not have a size greater than ${MAX_DATUMS}.`);
  }

  const out: AcceptedDatum[] = [];
  data.forEach((raw, i) => {
    const p = `MetricData.member.${i + 1}`;
    if (!isObject(raw)) throw invalid(`The value for parameter ${p} is invalid.`);
    const metricName = stringField(raw, 'MetricName', `${p}.MetricName`);
    if (metricName === undefined) throw missing(`${p}.MetricName`);
    if (metricName.length < 1 || metricName.length > 255) {
      throw invalid(`The parameter ${p}.MetricName must have a length between 1 and 255.`);
    }
    const dimensions = parseDimensions(listField(raw, 'Dimensions', `${p}.Dimensions`), `${p}.Dimensions`);
    const unit = parseUnit(stringField(raw, 'Unit', `${p}.Unit`), `${p}.Unit`) ?? 'None';

    const sr = raw['StorageResolution'];
    if (sr !== undefined && sr !== null && sr !== 1 && sr !== 60) {
      throw invalid(`The value ${JSON.stringify(sr)} for parameter ${p}.StorageResolution is invalid: must be 1 or 60.`);
    }

    let timestamp = now;
    const ts = raw['Timestamp'];
    if (ts !== undefined && ts !== null) {
      timestamp = toDate(ts, `${p}.Timestamp`);
      if (timestamp.getTime() < now.getTime() - TWO_WEEKS_MS) {
        throw invalid(`The parameter ${p}.Timestamp must specify a time no more than two weeks in the past.`);
      }
      if (timestamp.getTime() > now.getTime() + TWO_HOURS_MS) {
        throw invalid(`The parameter ${p}.Timestamp must specify a time no more than two hours in the future.`);
      }
    }

    const stats = objectField(raw, 'StatisticValues', `${p}.StatisticValues`);
    if (stats !== undefined) throw unsupported(`${p}.StatisticValues`);

    const hasValue = raw['Value'] !== undefined && raw['Value'] !== null;
    const values = listField(raw, 'Values', `${p}.Values`);
    const counts = listField(raw, 'Counts', `${p}.Counts`);
    const hasValues = values !== undefined && values.length > 0;
    if (hasValue && hasValues) {
      throw new ApiError(
        'InvalidParameterCombination',
        `The parameters ${p}.Value and ${p}.Values are mutually exclusive and you have specified both.`,
      );
    }
    if (counts !== undefined && counts.length > 0 && !hasValues) {
      throw new ApiError('InvalidParameterCombination', `The parameter ${p}.Counts may only be specified together with ${p}.Values.`);
    }
    const base = { namespace, metricName, dimensions, timestampMs: timestamp.getTime(), unit };
    if (hasValue) {
      out.push({ ...base, values: [toMetricValue(raw['Value'] as Json, `${p}.Value`)], counts: [1] });
      return;
    }
    if (!hasValues) throw missing(`${p}.Value`);
    if (values.length > MAX_VALUES) {
      throw invalid(`The collection ${p}.Values must not have a size greater than ${MAX_VALUES}.`);
    }
    if (counts !== undefined && counts.length > 0 && counts.length !== values.length) {
      throw invalid(`The parameters ${p}.Values and ${p}.Counts must be of the same size.`);
    }
    const datum: AcceptedDatum = { ...base, values: [], counts: [] };
    values.forEach((v, j) => {
      const value = toMetricValue(v, `${p}.Values.member.${j + 1}`);
      const c = counts !== undefined && counts.length > 0 ? counts[j] : 1;
      const count = toFinite(c as Json, `${p}.Counts.member.${j + 1}`);
      if (count < 0) throw invalid(`The value ${count} for parameter ${p}.Counts.member.${j + 1} is invalid.`);
      datum.values.push(value);
      datum.counts.push(count);
    });
    out.push(datum);
  });
  return out;
}

// ---------------------------------------------------------------------------------------------------------------------
// GetMetricData

function parseStat(s: string, path: string): Stat {
  if (s === 'Sum' || s === 'Average' || s === 'SampleCount' || s === 'Minimum' || s === 'Maximum') return { kind: s };
  const m = /^p(\d{1,3}(?:\.\d+)?)$/.exec(s);
  if (m) {
    const p = Number(m[1]);
    if (p >= 0 && p <= 100) return { kind: 'percentile', p };
  }
  if (/^(tm|wm|tc|ts|pr|TM|WM|TC|TS|PR|IQM)/.test(s)) throw unsupported(`the extended statistic ${s} (${path})`);
  throw invalid(`The value ${s} for parameter ${path} is invalid.`);
}

interface ParsedQuery {
  id: string;
  label: string;
  returnData: boolean;
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  periodSec: number;
  stat: Stat;
  statName: string;
  /** `MetricDataQueries.member.<n>`, for messages. */
  path: string;
  unit: StandardUnitName | undefined;
}

const VALID_SHORT_PERIODS = new Set([1, 5, 10, 20, 30]);

function parseQuery(raw: Json, i: number, seenIds: Set<string>): ParsedQuery {
  const p = `MetricDataQueries.member.${i + 1}`;
  if (!isObject(raw)) throw invalid(`The value for parameter ${p} is invalid.`);
  const id = stringField(raw, 'Id', `${p}.Id`);
  if (id === undefined) throw missing(`${p}.Id`);
  if (!/^[a-z][a-zA-Z0-9_]*$/.test(id) || id.length > 255) {
    throw invalid(`The value ${id} for parameter ${p}.Id is invalid: it must start with a lowercase letter and contain only letters, numbers and underscores.`);
  }
  if (seenIds.has(id)) throw invalid(`The value ${id} for parameter ${p}.Id is not unique.`);
  seenIds.add(id);

  const expression = stringField(raw, 'Expression', `${p}.Expression`);
  const metricStat = objectField(raw, 'MetricStat', `${p}.MetricStat`);
  if (expression !== undefined && metricStat !== undefined) {
    throw new ApiError('InvalidParameterCombination', `Exactly one of ${p}.MetricStat and ${p}.Expression must be specified.`);
  }
  if (expression !== undefined) throw unsupported(`metric math Expressions (${p}.Expression)`);
  if (metricStat === undefined) throw missing(`${p}.MetricStat`);

  const metric = objectField(metricStat, 'Metric', `${p}.MetricStat.Metric`);
  if (metric === undefined) throw missing(`${p}.MetricStat.Metric`);
  const namespace = stringField(metric, 'Namespace', `${p}.MetricStat.Metric.Namespace`);
  if (namespace === undefined) throw missing(`${p}.MetricStat.Metric.Namespace`);
  const metricName = stringField(metric, 'MetricName', `${p}.MetricStat.Metric.MetricName`);
  if (metricName === undefined) throw missing(`${p}.MetricStat.Metric.MetricName`);
  const dimensions = parseDimensions(
    listField(metric, 'Dimensions', `${p}.MetricStat.Metric.Dimensions`),
    `${p}.MetricStat.Metric.Dimensions`,
  );

  const period = metricStat['Period'];
  if (period === undefined || period === null) throw missing(`${p}.MetricStat.Period`);
  if (
    typeof period !== 'number' ||
    !Number.isInteger(period) ||
    period < 1 ||
    !(VALID_SHORT_PERIODS.has(period) || period % 60 === 0)
  ) {
    throw invalid(`The parameter ${p}.MetricStat.Period must be 1, 5, 10, 20, 30, or a multiple of 60.`);
  }
  const statRaw = stringField(metricStat, 'Stat', `${p}.MetricStat.Stat`);
  if (statRaw === undefined) throw missing(`${p}.MetricStat.Stat`);
  const stat = parseStat(statRaw, `${p}.MetricStat.Stat`);
  const unit = parseUnit(stringField(metricStat, 'Unit', `${p}.MetricStat.Unit`), `${p}.MetricStat.Unit`);

  const label = stringField(raw, 'Label', `${p}.Label`) ?? metricName;
  const returnData = raw['ReturnData'] !== false;
  return { id, label, returnData, namespace, metricName, dimensions, periodSec: period, stat, statName: statRaw, path: p, unit };
}

interface ParsedGetMetricData {
  queries: ParsedQuery[];
  start: number;
  end: number;
  scanBy: 'TimestampDescending' | 'TimestampAscending';
  maxDatapoints: number;
  /** MaxDatapoints as sent, when it was above what one call can return. */
  askedDatapoints: number | undefined;
}

function parseGetMetricData(body: JsonObject): ParsedGetMetricData {
  const rawQueries = listField(body, 'MetricDataQueries', 'MetricDataQueries');
  if (rawQueries === undefined || rawQueries.length === 0) throw missing('MetricDataQueries');
  if (rawQueries.length > MAX_QUERIES) {
    throw invalid(`The collection MetricDataQueries must not have a size greater than ${MAX_QUERIES}.`);
  }
  if (body['StartTime'] === undefined || body['StartTime'] === null) throw missing('StartTime');
  if (body['EndTime'] === undefined || body['EndTime'] === null) throw missing('EndTime');
  const start = toDate(body['StartTime'], 'StartTime').getTime();
  const end = toDate(body['EndTime'], 'EndTime').getTime();
  if (start >= end) throw invalid('The parameter StartTime must be less than the parameter EndTime.');

  const scanBy = stringField(body, 'ScanBy', 'ScanBy') ?? 'TimestampDescending';
  if (scanBy !== 'TimestampDescending' && scanBy !== 'TimestampAscending') {
    throw invalid(`The value ${scanBy} for parameter ScanBy is invalid.`);
  }
  const maxRaw = body['MaxDatapoints'];
  let maxDatapoints = DEFAULT_MAX_DATAPOINTS;
  let askedDatapoints: number | undefined;
  if (maxRaw !== undefined && maxRaw !== null) {
    if (typeof maxRaw !== 'number' || !Number.isInteger(maxRaw) || maxRaw < 1) {
      throw invalid(`The value ${JSON.stringify(maxRaw)} for parameter MaxDatapoints is invalid.`);
    }
    // One call returns at most 100,800 points, whatever MaxDatapoints asks for; CloudWatch paginates the rest.
    if (maxRaw > DEFAULT_MAX_DATAPOINTS) askedDatapoints = maxRaw;
    else maxDatapoints = maxRaw;
  }
  if (body['NextToken'] !== undefined && body['NextToken'] !== null) throw unsupported('NextToken pagination');

  const seenIds = new Set<string>();
  const queries = rawQueries.map((q, i) => parseQuery(q, i, seenIds));
  return { queries, start, end, scanBy, maxDatapoints, askedDatapoints };
}

function answerGetMetricData(req: ParsedGetMetricData, store: SampleStore): { response: JsonObject; datapoints: number } {
  const { start, end, scanBy, maxDatapoints } = req;
  let datapoints = 0;
  const results: JsonObject[] = [];
  for (const q of req.queries) {
    let series;
    try {
      series = store.query({
        namespace: q.namespace,
        metricName: q.metricName,
        dimensions: q.dimensions,
        unit: q.unit,
        stat: q.stat,
        statName: q.statName,
        periodMs: q.periodSec * 1000,
        startMs: start,
        endMs: end,
      });
    } catch (err) {
      if (err instanceof UnsupportedQueryError) throw unsupported(`${err.message} (${q.path})`);
      throw err;
    }
    if (!q.returnData) continue;
    const { timestamps, values } = series;
    if (scanBy === 'TimestampDescending') {
      timestamps.reverse();
      values.reverse();
    }
    datapoints += timestamps.length;
    results.push({
      Id: q.id,
      Label: q.label,
      Timestamps: timestamps.map((k) => k / 1000),
      Values: values,
      StatusCode: 'Complete',
      Messages: [],
    });
  }
  if (datapoints > maxDatapoints) {
    const limit = req.askedDatapoints === undefined
      ? `MaxDatapoints ${maxDatapoints}`
      : `the ${maxDatapoints} one call returns (MaxDatapoints ${req.askedDatapoints})`;
    throw unsupported(`pagination: the result has ${datapoints} datapoints, more than ${limit}`);
  }
  return { response: { MetricDataResults: results, Messages: [] }, datapoints };
}

/** A MetricDatum as the SDK puts it on the wire (epoch-second timestamps, non-finite numbers as strings). */
function datumToJson(d: MetricDatum): JsonObject {
  const num = (n: number): Json => (Number.isFinite(n) ? n : String(n));
  const out: JsonObject = {};
  for (const [key, v] of Object.entries(d) as Array<[string, unknown]>) {
    if (v === undefined) continue;
    if (v instanceof Date) out[key] = v.getTime() / 1000;
    else if (typeof v === 'number') out[key] = num(v);
    else if (Array.isArray(v)) out[key] = v.map((e: unknown) => (typeof e === 'number' ? num(e) : (e as Json)));
    else out[key] = v as Json;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------------
// Server

export async function startCloudWatchFake(options: CloudWatchFakeOptions = {}): Promise<CloudWatchFake> {
  rejectUnknownOptions('startCloudWatchFake', options, OPTION_NAMES);
  if (options.aggregate === true && options.index === false) {
    throw new TypeError('startCloudWatchFake: aggregate and index: false exclude each other (the aggregate store is its own index)');
  }
  const now = options.now ?? (() => new Date());
  const store = createSampleStore(options.aggregate === true ? 'aggregate' : options.index === false ? 'scan' : 'index');
  let meter = new GetMetricDataMeter(resolveQuotas(options.quotas));
  let requests: RecordedRequest[] = [];
  let faults: FaultKind[] = [];
  let metricsRequested = 0;
  const sockets = new Set<Socket>();

  function send(res: ServerResponse, record: RecordedRequest, status: number, body: JsonObject, extraHeaders: Record<string, string> = {}): void {
    record.status = status;
    const payload = Buffer.from(JSON.stringify(body));
    res.writeHead(status, {
      'Content-Type': JSON_CONTENT_TYPE,
      'Content-Length': String(payload.length),
      'x-amzn-RequestId': randomUUID(),
      ...extraHeaders,
    });
    res.end(payload);
  }

  function sendError(res: ServerResponse, record: RecordedRequest, kind: ErrorKind, message: string): void {
    const [status, type, fault, messageMember] = ERRORS[kind];
    record.errorCode = kind;
    send(res, record, status, { __type: type, [messageMember]: message }, { 'x-amzn-query-error': `${kind};${fault}` });
  }

  function sendThrottled(res: ServerResponse, record: RecordedRequest, reason: ThrottleReason): void {
    record.throttledFor = reason;
    sendError(res, record, 'Throttling', 'Rate exceeded');
  }

  function handle(req: IncomingMessage, res: ServerResponse, body: Buffer, bodyBytes: number): void {
    const target = req.headers['x-amz-target'];
    const targetStr = typeof target === 'string' ? target : '';
    const operation = targetStr.startsWith(TARGET_PREFIX) ? targetStr.slice(TARGET_PREFIX.length) : targetStr;
    const encodingHeader = req.headers['content-encoding'];
    const contentEncoding = typeof encodingHeader === 'string' ? encodingHeader.trim().toLowerCase() : undefined;
    const record: RecordedRequest = { operation, bodyBytes, status: 0 };
    if (contentEncoding !== undefined) record.contentEncoding = contentEncoding;
    requests.push(record);

    const fault = faults.shift();
    if (fault !== undefined) {
      record.injected = fault;
      if (fault === 'reset') {
        req.socket.destroy();
        return;
      }
      if (fault === 'throttle') return sendError(res, record, 'Throttling', 'Rate exceeded');
      return sendError(res, record, 'InternalServiceError', 'cloudwatch-fake: injected internal service error');
    }

    try {
      const auth = req.headers['authorization'];
      if (typeof auth !== 'string' || !auth.startsWith('AWS4-HMAC-SHA256 ')) {
        return sendError(res, record, 'MissingAuthenticationToken', 'Request is missing Authentication Token');
      }
      if (bodyBytes > MAX_REQUEST_BODY_BYTES) {
        return sendError(
          res,
          record,
          'RequestEntityTooLarge',
          `Request body of ${bodyBytes} bytes exceeds the ${MAX_REQUEST_BODY_BYTES}-byte limit.`,
        );
      }
      const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (req.method !== 'POST' || req.url !== '/' || contentType !== JSON_CONTENT_TYPE) {
        return sendError(
          res,
          record,
          'MalformedInput',
          `cloudwatch-fake only speaks AWS JSON 1.0: expected POST / with Content-Type ${JSON_CONTENT_TYPE}, got ${req.method} ${req.url} (${contentType}).`,
        );
      }
      if (!targetStr.startsWith(TARGET_PREFIX)) {
        return sendError(res, record, 'InvalidAction', `Unknown X-Amz-Target ${JSON.stringify(targetStr)}.`);
      }
      let decoded = body;
      if (contentEncoding === 'gzip') {
        try {
          decoded = gunzipSync(body, { maxOutputLength: MAX_DECOMPRESSED_BYTES });
        } catch (err) {
          return sendError(res, record, 'MalformedInput', `cloudwatch-fake could not gunzip the request body: ${String(err)}`);
        }
      } else if (contentEncoding !== undefined && contentEncoding !== 'identity') {
        return sendError(res, record, 'MalformedInput', `Unsupported Content-Encoding ${contentEncoding}.`);
      }
      let parsed: Json;
      try {
        parsed = JSON.parse(decoded.toString('utf8')) as Json;
      } catch {
        return sendError(res, record, 'MalformedInput', 'The request body is not valid JSON.');
      }
      if (!isObject(parsed)) return sendError(res, record, 'MalformedInput', 'The request body must be a JSON object.');

      switch (operation) {
        case 'PutMetricData': {
          store.add(putMetricData(parsed, now()));
          return send(res, record, 200, {});
        }
        case 'GetMetricData': {
          const request = parseGetMetricData(parsed);
          const throttledForTps = meter.admitTransaction(now().getTime());
          if (throttledForTps) return sendThrottled(res, record, throttledForTps);
          const { response, datapoints } = answerGetMetricData(request, store);
          const throttledForDps = meter.admitPoints(now().getTime(), request.start, datapoints);
          if (throttledForDps) return sendThrottled(res, record, throttledForDps);
          metricsRequested += request.queries.length;
          return send(res, record, 200, response);
        }
        default:
          return sendError(res, record, 'InvalidAction', `cloudwatch-fake does not implement the operation ${operation}.`);
      }
    } catch (err) {
      if (err instanceof ApiError) return sendError(res, record, err.kind, err.message);
      // A bug in the fake: make it loud, as a 500 with the stack in the message.
      const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
      return sendError(res, record, 'InternalServiceError', `cloudwatch-fake internal error: ${detail}`);
    }
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let received = 0;
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      // Keep reading an oversized body (so the client sees a clean 413 rather than EPIPE) but stop buffering it.
      if (received <= MAX_REQUEST_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => handle(req, res, Buffer.concat(chunks), received));
    req.on('error', () => req.socket.destroy());
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  let closed: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    get datums() {
      return store.samples();
    },
    get sampleCount() {
      return store.sampleCount;
    },
    get requests() {
      return requests.map((r) => ({ ...r }));
    },
    get metricsRequested() {
      return metricsRequested;
    },
    get getMetricData() {
      return meter.snapshot();
    },
    ingest(namespace: string, datums: readonly MetricDatum[]) {
      // Validated as PutMetricData requests of at most 1000 datums each; all or nothing is stored.
      try {
        const accepted: AcceptedDatum[] = [];
        for (let i = 0; i < datums.length; i += MAX_DATUMS) {
          accepted.push(...putMetricData({ Namespace: namespace, MetricData: datums.slice(i, i + MAX_DATUMS).map(datumToJson) }, now()));
        }
        store.add(accepted);
      } catch (err) {
        if (err instanceof ApiError) throw new Error(`cloudwatch-fake ingest: ${err.kind}: ${err.message}`, { cause: err });
        throw err;
      }
    },
    failNext(n: number, kind: FaultKind) {
      if (!Number.isInteger(n) || n < 0) throw new RangeError(`failNext: n must be a non-negative integer, got ${n}`);
      for (let i = 0; i < n; i++) faults.push(kind);
    },
    resetGetMetricData(reset = {}) {
      meter = new GetMetricDataMeter(resolveQuotas(reset.quotas === undefined ? options.quotas : reset.quotas));
    },
    reset() {
      store.clear();
      meter.reset();
      requests = [];
      faults = [];
      metricsRequested = 0;
    },
    close() {
      closed ??= new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // The SDK keeps connections alive; without this, close() would wait for them to time out.
        for (const s of sockets) s.destroy();
      });
      return closed;
    },
  };
}
