// What the local monitor has already delivered, so a restart never prints or posts a notification twice.
// The SLA core is stateless (the same history gives the same notifications), so the monitor's only state
// is this ledger in the data directory: how far the last run evaluated, and the identity of every
// notification delivered lately (dedupKey + status, plus the instant for reminders, which repeat under one
// key). It is written after each delivery, replaced whole through a rename (a crash leaves the old or the
// new file, never half of one), and bounded: entries older than the history kept are dropped, and at most
// SENT_LEDGER_MAX_ENTRIES are kept.
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Notification, NotificationStatus } from '../sla/notification.js';
import { fsProblem } from './errors.js';
import { DAY_MS, MINUTE_MS } from '../common/time.js';


export const SENT_LEDGER_FILE = 'sent-notifications.json';
/** The ledger's format version. */
const SENT_LEDGER_VERSION = 1;
/** Entries kept at most: about a week of a busy fleet's notifications; the oldest go first. */
export const SENT_LEDGER_MAX_ENTRIES = 5000;
/** Entries older than this before the watermark are dropped, in ms: the monitor never evaluates that far back. */
export const SENT_LEDGER_KEEP_MS = 8 * DAY_MS;

export interface SentEntry {
  dedupKey: string;
  status: NotificationStatus;
  /** The notification's evaluation instant, ms. */
  at: number;
}

export interface SentLedgerState {
  /** The end of the last evaluated window (ms): a restart evaluates from here. */
  evaluatedUntil?: number;
  sent: SentEntry[];
}

export interface SentLedger {
  readonly path: string;
  /** The stored state; an empty one (and the reason) when the file is missing or unreadable. */
  load(): Promise<{ state: SentLedgerState; problem?: string }>;
  /** Replaces the stored state (bounded first); throws what the file system threw. */
  save(state: SentLedgerState): Promise<void>;
}

/** One delivered notification's identity: firing and resolved happen once per incident, reminders once per instant. */
export function sentIdentity(n: Pick<Notification, 'dedupKey' | 'status' | 'at'>): string {
  // A reminder's `at` is its evaluation instant, or the clock a little before it when the monitor evaluates
  // an interval as soon as its result is in: the minute it falls in names the reminder either way.
  return n.status === 'reminder' ? `${n.dedupKey} reminder ${Math.ceil(n.at / MINUTE_MS) * MINUTE_MS}` : `${n.dedupKey} ${n.status}`;
}

const STATUSES: readonly NotificationStatus[] = ['firing', 'reminder', 'resolved'];
const isStatus = (v: unknown): v is NotificationStatus => typeof v === 'string' && (STATUSES as readonly string[]).includes(v);

function parseEntry(v: unknown): SentEntry | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const { dedupKey, status, at } = v as Record<string, unknown>;
  const atMs = typeof at === 'string' ? Date.parse(at) : Number.NaN;
  if (typeof dedupKey !== 'string' || dedupKey === '' || !isStatus(status) || !Number.isFinite(atMs)) return undefined;
  return { dedupKey, status, at: atMs };
}

/** Drops what the monitor can no longer evaluate, then the oldest beyond the cap. */
export function boundLedger(state: SentLedgerState): SentLedgerState {
  const horizon = (state.evaluatedUntil ?? Math.max(0, ...state.sent.map((e) => e.at))) - SENT_LEDGER_KEEP_MS;
  const sent = state.sent.filter((e) => e.at >= horizon).sort((a, b) => a.at - b.at).slice(-SENT_LEDGER_MAX_ENTRIES);
  return { ...(state.evaluatedUntil !== undefined && { evaluatedUntil: state.evaluatedUntil }), sent };
}

export function createSentLedger(dir: string): SentLedger {
  const path = join(dir, SENT_LEDGER_FILE);
  return {
    path,
    async load() {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (err) {
        if (fsProblem(err) === 'ENOENT') return { state: { sent: [] } };
        return { state: { sent: [] }, problem: `cannot read ${path} (${fsProblem(err)})` };
      }
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        return { state: { sent: [] }, problem: `${path} is not JSON` };
      }
      if (typeof value !== 'object' || value === null || (value as Record<string, unknown>)['v'] !== SENT_LEDGER_VERSION) {
        return { state: { sent: [] }, problem: `${path}: not a version ${SENT_LEDGER_VERSION} ledger` };
      }
      const raw = value as Record<string, unknown>;
      const until = typeof raw['evaluatedUntil'] === 'string' ? Date.parse(raw['evaluatedUntil']) : Number.NaN;
      const entries = Array.isArray(raw['sent']) ? raw['sent'] : [];
      const sent = entries.map(parseEntry).filter((e): e is SentEntry => e !== undefined);
      const state: SentLedgerState = { sent, ...(Number.isFinite(until) && { evaluatedUntil: until }) };
      const dropped = entries.length - sent.length;
      return dropped > 0 ? { state, problem: `${path}: ${dropped} unreadable entr${dropped === 1 ? 'y' : 'ies'} ignored` } : { state };
    },
    async save(state) {
      const bounded = boundLedger(state);
      const body = {
        v: SENT_LEDGER_VERSION,
        ...(bounded.evaluatedUntil !== undefined && { evaluatedUntil: new Date(bounded.evaluatedUntil).toISOString() }),
        sent: bounded.sent.map((e) => ({ dedupKey: e.dedupKey, status: e.status, at: new Date(e.at).toISOString() })),
      };
      const temp = `${path}.tmp`;
      await writeFile(temp, `${JSON.stringify(body)}\n`);
      await rename(temp, path);
    },
  };
}
