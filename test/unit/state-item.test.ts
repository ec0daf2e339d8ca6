// The evaluator state item, without a server: every way an item can be damaged is a typed error that names
// the problem and says what version an overwrite must name; sizes are counted as DynamoDB counts them.
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { MAX_INFLATED_BYTES } from '../../shared/state/constants.js';
import { StateCorruptError, StateSchemaError } from '../../shared/state/errors.js';
import { decodeItem, encodeItem, itemSize, type Item } from '../../shared/state/item.js';

const PK = 'ns#3';
const EXPECT = { shard: 3, pk: PK, schemaVersion: 7 };
const good = (): Item =>
  encodeItem({
    pk: PK,
    schemaVersion: 7,
    version: 12,
    record: { state: new TextEncoder().encode('{"a":1}'), evaluatedUntil: 1_900_000_000_000, outbox: [{ dedupKey: 'k', body: 'b' }] },
    updatedAt: 1_900_000_060_000,
    writeId: 'w-1',
  }).item;
const gz = (text: string): { B: Uint8Array } => ({ B: gzipSync(Buffer.from(text)) });

function errorOf(item: Item): unknown {
  try {
    decodeItem(item, EXPECT);
  } catch (err) {
    return err;
  }
  throw new Error('expected decodeItem to throw');
}

describe('decodeItem', () => {
  it('reads back what encodeItem wrote', () => {
    const loaded = decodeItem(good(), EXPECT);
    expect(loaded).toMatchObject({ version: 12, evaluatedUntil: 1_900_000_000_000, updatedAt: 1_900_000_060_000, outbox: [{ dedupKey: 'k', body: 'b' }] });
    expect(new TextDecoder().decode(loaded.state)).toBe('{"a":1}');
  });

  const corrupt: Array<[string, (i: Item) => Item, string | number, string]> = [
    ['version missing', ({ version: _, ...i }) => i, 'unreadable', 'version is missing or not a number'],
    ['version a string', (i) => ({ ...i, version: { S: '12' } }), 'unreadable', 'version is missing or not a number'],
    ['version 0', (i) => ({ ...i, version: { N: '0' } }), 0, 'version is 0, not a positive integer'],
    ['version 2.5', (i) => ({ ...i, version: { N: '2.5' } }), 2.5, 'version is 2.5, not a positive integer'],
    ['another key', (i) => ({ ...i, pk: { S: 'ns#4' } }), 12, 'pk is "ns#4", not "ns#3"'],
    ['state missing', ({ state: _, ...i }) => i, 12, 'state is missing or not binary'],
    ['state a string', (i) => ({ ...i, state: { S: 'x' } }), 12, 'state is missing or not binary'],
    ['state not gzip', (i) => ({ ...i, state: { B: Buffer.from('plain') } }), 12, 'state does not gunzip: incorrect header check'],
    ['state truncated', (i) => ({ ...i, state: { B: (i['state']!.B as Uint8Array).subarray(0, 12) } }), 12, 'state does not gunzip: unexpected end of file'],
    ['stateBytes disagreeing', (i) => ({ ...i, stateBytes: { N: '8' } }), 12, 'state inflates to 7 bytes, stateBytes says 8'],
    ['evaluatedUntil missing', ({ evaluatedUntil: _, ...i }) => i, 12, 'evaluatedUntil is missing or not a non-negative integer'],
    ['updatedAt fractional', (i) => ({ ...i, updatedAt: { N: '1.5' } }), 12, 'updatedAt is missing or not a non-negative integer'],
    ['outbox missing', ({ outbox: _, ...i }) => i, 12, 'outbox is missing or not binary'],
    ['outbox not JSON', (i) => ({ ...i, outbox: gz('{') }), 12, "outbox is not gzipped JSON: Expected property name or '}' in JSON at position 1"],
    ['outbox not an array', (i) => ({ ...i, outbox: gz('{}') }), 12, 'outbox is not a JSON array'],
    ['outbox entry without a key', (i) => ({ ...i, outbox: gz('[{"dedupKey":"","body":"b"}]') }), 12, 'outbox entry 0 is not { dedupKey: non-empty string, body: string }'],
    ['outboxCount disagreeing', (i) => ({ ...i, outboxCount: { N: '2' } }), 12, 'outbox holds 1 entries, outboxCount says 2'],
  ];

  it.each(corrupt)('%s is StateCorruptError naming it', (_label, damage, overwrite, problem) => {
    const err = errorOf(damage(good()));
    expect(err).toBeInstanceOf(StateCorruptError);
    expect(err).toMatchObject({ code: 'state_corrupt', shard: 3, overwrite, problem, message: `state of shard 3 is corrupt (${problem}); rebuild it from CloudWatch` });
  });

  it('refuses to inflate more than the guard allows (a gzip bomb)', () => {
    const bomb = gzipSync(Buffer.alloc(MAX_INFLATED_BYTES + 1));
    const err = errorOf({ ...good(), state: { B: bomb } });
    expect(err).toMatchObject({ name: 'StateCorruptError', problem: expect.stringMatching(/^state does not gunzip: /) });
  });

  it.each([
    ['another schema', (i: Item) => ({ ...i, schemaVersion: { N: '6' } }), 6],
    ['no schema version', ({ schemaVersion: _, ...i }: Item) => i, undefined],
  ])('%s is StateSchemaError, checked before anything else the schema lays out', (_label, damage, found) => {
    const err = errorOf({ ...damage(good()), state: { S: 'other layout' } });
    expect(err).toBeInstanceOf(StateSchemaError);
    expect(err).toMatchObject({ code: 'state_schema_mismatch', found, expectedSchema: 7, overwrite: 12 });
  });
});

describe('itemSize', () => {
  it('counts names, strings and binaries by their bytes and numbers by digit pairs', () => {
    // name + value: 'a' + 3 UTF-8 bytes ('é' is 2), 'b' + 5 bytes, then numbers.
    expect(itemSize({ a: { S: 'xé' }, b: { B: new Uint8Array(5) } })).toBe(1 + 3 + 1 + 5);
    const n = (v: string): number => itemSize({ n: { N: v } }) - 1;
    expect([n('0'), n('1'), n('12'), n('123'), n('1000'), n('-12'), n('1900000000000'), n('0.5')]).toEqual([1, 2, 2, 3, 2, 3, 3, 2]);
  });
});
