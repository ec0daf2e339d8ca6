// The state item, as DynamoDB attribute values: built for a write, checked field by field on a read. Pure
// (no I/O), so every way an item can be damaged is tested without a server. The checks run in an order
// that keeps a rebuild possible: first the version (what an overwrite must name), then the schema version
// (another schema may lay out everything else differently), then the rest.
import { gunzipSync, gzipSync } from 'node:zlib';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { Attr, MAX_INFLATED_BYTES } from './constants.js';
import { StateCorruptError, StateSchemaError } from './errors.js';

/** One notification claimed by a run and not yet confirmed published: its dedup key and its body as the caller serialised it. */
export interface OutboxEntry {
  dedupKey: string;
  body: string;
}

/** What a caller saves: its state bytes (the store compresses them), how far they reach, and the outbox. */
export interface StateRecord {
  state: Uint8Array;
  /** Ms since the epoch: everything before this instant has been evaluated into `state`. */
  evaluatedUntil: number;
  outbox: readonly OutboxEntry[];
}

/** Sizes of one item, in bytes. */
export interface ItemSizes {
  /** As DynamoDB counts it against the 400 KB limit and for capacity units (names and values). */
  itemBytes: number;
  stateBytes: number;
  compressedStateBytes: number;
  compressedOutboxBytes: number;
}

/** A state as loaded: the record, its version, and what the item says about itself. */
export interface LoadedState extends StateRecord {
  version: number;
  /** Ms since the epoch, the writer's clock. */
  updatedAt: number;
  sizes: ItemSizes;
}

export type Item = Record<string, AttributeValue>;

/** The partition key of a shard's item. */
export const stateKey = (namespace: string, shard: number): string => `${namespace}#${shard}`;

export function gzipOutbox(outbox: readonly OutboxEntry[]): Buffer {
  return gzipSync(Buffer.from(JSON.stringify(outbox.map(({ dedupKey, body }) => ({ dedupKey, body })))));
}

/** The whole item for a PutItem. */
export function encodeItem(args: {
  pk: string;
  schemaVersion: number;
  version: number;
  record: StateRecord;
  updatedAt: number;
  writeId: string;
}): { item: Item; sizes: ItemSizes } {
  const { record } = args;
  const state = gzipSync(record.state);
  const outbox = gzipOutbox(record.outbox);
  const item: Item = {
    [Attr.pk]: { S: args.pk },
    [Attr.schemaVersion]: { N: String(args.schemaVersion) },
    [Attr.version]: { N: String(args.version) },
    [Attr.state]: { B: state },
    [Attr.stateBytes]: { N: String(record.state.length) },
    [Attr.evaluatedUntil]: { N: String(record.evaluatedUntil) },
    [Attr.outbox]: { B: outbox },
    [Attr.outboxCount]: { N: String(record.outbox.length) },
    [Attr.updatedAt]: { N: String(args.updatedAt) },
    [Attr.writeId]: { S: args.writeId },
  };
  return { item, sizes: { itemBytes: itemSize(item), stateBytes: record.state.length, compressedStateBytes: state.length, compressedOutboxBytes: outbox.length } };
}

/**
 * An item's size as DynamoDB counts it: the UTF-8 length of each attribute name plus its value (a string its
 * UTF-8 length, a binary its length, a number about 1 byte per two significant digits plus 1). AWS documents
 * numbers only as "approximately"; numberSize follows the exact rule dynalite took from DynamoDB's answers
 * (test/integration/state-store.test.ts checks the 400 KB boundary byte for byte against dynalite).
 */
export function itemSize(item: Item): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item)) bytes += Buffer.byteLength(name) + valueSize(value);
  return bytes;
}

function valueSize(v: AttributeValue): number {
  if (v.S !== undefined) return Buffer.byteLength(v.S);
  if (v.B !== undefined) return v.B.length;
  if (v.N !== undefined) return numberSize(v.N);
  if (v.BOOL !== undefined || v.NULL !== undefined) return 1;
  // Our items hold nothing else; count anything unexpected generously rather than under-estimate.
  return Buffer.byteLength(JSON.stringify(v));
}

/**
 * A number's size: digits are stored in pairs (base 100) after one byte of exponent; a pair straddling the
 * decimal point costs one more byte, a minus sign one more.
 */
function numberSize(n: string): number {
  const m = /^(-?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(n.trim());
  if (!m) return 21; // DynamoDB's largest number; the server refuses what is not a number anyway
  const [, sign, int = '', frac = '', exp = '0'] = m;
  const all = int + frac;
  const leading = all.length - all.replace(/^0+/, '').length;
  const digits = all.replace(/^0+/, '').replace(/0+$/, '').length;
  if (digits === 0) return 1;
  const exponent = int.length + Number(exp) - leading - 1;
  return 1 + Math.ceil(digits / 2) + (digits % 2 !== 0 || exponent % 2 !== 0 ? 0 : 1) + (sign === '-' ? 1 : 0);
}

// ------------------------------------------------------------------------------------------------- reading

/** An N attribute that must be a safe integer (≥ min); undefined when missing or not one. */
function integerOf(item: Item, name: string, min: number): number | undefined {
  const n = item[name]?.N;
  if (n === undefined || !/^-?\d+$/.test(n)) return undefined;
  const value = Number(n);
  return Number.isSafeInteger(value) && value >= min ? value : undefined;
}

function inflate(bytes: Uint8Array): Buffer {
  return gunzipSync(bytes, { maxOutputLength: MAX_INFLATED_BYTES });
}

const reason = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Checks a loaded item field by field; throws StateSchemaError or StateCorruptError naming the problem. */
export function decodeItem(item: Item, expect: { shard: number; pk: string; schemaVersion: number }): LoadedState {
  const { shard } = expect;
  const rawVersion = item[Attr.version]?.N;
  const numericVersion = rawVersion === undefined ? Number.NaN : Number(rawVersion);
  if (!Number.isFinite(numericVersion)) throw new StateCorruptError(shard, 'unreadable', `${Attr.version} is missing or not a number`);
  const version = integerOf(item, Attr.version, 1);
  // A number all the same: an overwrite can still name it (`version = :found`).
  if (version === undefined) throw new StateCorruptError(shard, numericVersion, `${Attr.version} is ${rawVersion}, not a positive integer`);
  const corrupt = (problem: string, cause?: unknown): StateCorruptError => new StateCorruptError(shard, version, problem, cause === undefined ? undefined : { cause });

  const schemaVersion = integerOf(item, Attr.schemaVersion, 0);
  if (schemaVersion !== expect.schemaVersion) throw new StateSchemaError(shard, version, schemaVersion, expect.schemaVersion);
  if (item[Attr.pk]?.S !== expect.pk) throw corrupt(`${Attr.pk} is ${JSON.stringify(item[Attr.pk]?.S)}, not ${JSON.stringify(expect.pk)}`);

  const compressedState = item[Attr.state]?.B;
  if (compressedState === undefined) throw corrupt(`${Attr.state} is missing or not binary`);
  let state: Buffer;
  try {
    state = inflate(compressedState);
  } catch (err) {
    throw corrupt(`${Attr.state} does not gunzip: ${reason(err)}`, err);
  }
  const stateBytes = integerOf(item, Attr.stateBytes, 0);
  if (stateBytes !== state.length) throw corrupt(`${Attr.state} inflates to ${state.length} bytes, ${Attr.stateBytes} says ${item[Attr.stateBytes]?.N ?? 'nothing'}`);

  const evaluatedUntil = integerOf(item, Attr.evaluatedUntil, 0);
  if (evaluatedUntil === undefined) throw corrupt(`${Attr.evaluatedUntil} is missing or not a non-negative integer`);
  const updatedAt = integerOf(item, Attr.updatedAt, 0);
  if (updatedAt === undefined) throw corrupt(`${Attr.updatedAt} is missing or not a non-negative integer`);

  const compressedOutbox = item[Attr.outbox]?.B;
  if (compressedOutbox === undefined) throw corrupt(`${Attr.outbox} is missing or not binary`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(inflate(compressedOutbox).toString('utf8'));
  } catch (err) {
    throw corrupt(`${Attr.outbox} is not gzipped JSON: ${reason(err)}`, err);
  }
  const outbox = outboxEntries(parsed);
  if (typeof outbox === 'string') throw corrupt(outbox);
  const outboxCount = integerOf(item, Attr.outboxCount, 0);
  if (outboxCount !== outbox.length) throw corrupt(`${Attr.outbox} holds ${outbox.length} entries, ${Attr.outboxCount} says ${item[Attr.outboxCount]?.N ?? 'nothing'}`);

  return {
    version,
    state: new Uint8Array(state.buffer, state.byteOffset, state.length),
    evaluatedUntil,
    updatedAt,
    outbox,
    sizes: { itemBytes: itemSize(item), stateBytes: state.length, compressedStateBytes: compressedState.length, compressedOutboxBytes: compressedOutbox.length },
  };
}

/** The outbox entries, or what is wrong with them. */
function outboxEntries(parsed: unknown): OutboxEntry[] | string {
  if (!Array.isArray(parsed)) return `${Attr.outbox} is not a JSON array`;
  const out: OutboxEntry[] = [];
  for (const [i, e] of parsed.entries()) {
    const entry = e as Partial<Record<keyof OutboxEntry, unknown>> | null;
    if (typeof entry !== 'object' || entry === null || typeof entry.dedupKey !== 'string' || entry.dedupKey === '' || typeof entry.body !== 'string') {
      return `${Attr.outbox} entry ${i} is not { dedupKey: non-empty string, body: string }`;
    }
    out.push({ dedupKey: entry.dedupKey, body: entry.body });
  }
  return out;
}
