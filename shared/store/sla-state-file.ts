// The local monitor's SLA state: per target the SLA fold's state (shared/sla/fold), so that a minute's
// evaluation steps a small state instead of re-walking days of stored results. Kept in the data directory
// beside the sent ledger, replaced whole through a rename after each cycle (a crash leaves the old file or
// the new one, never half of one). Nothing in it is precious: a missing, unreadable or other-version file,
// or one target's damaged state, is rebuilt by the monitor from the stored results; load() says why, so
// the monitor can say so.
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeFoldState, encodeFoldState, FoldStateError, type FoldState } from '../sla/fold/index.js';
import { fsProblem } from './errors.js';
import { isRecord } from '../common/is-record.js';

export const SLA_STATE_FILE = 'sla-state.json';
/** The file's format version (each target's state carries the fold's own schema version besides). */
const SLA_STATE_VERSION = 1;

export interface SlaStateLoad {
  /** The readable states, by target name. */
  states: Map<string, FoldState>;
  /** Why the whole file could not be used (missing: `missing` is set instead). */
  problem?: string;
  /** No file: a first start, or a store written before the file existed. */
  missing?: boolean;
  /** Targets whose state in the file is damaged or of another fold schema, and why. */
  unreadable: Array<{ target: string; problem: string }>;
}

export interface SlaStateFile {
  readonly path: string;
  load(): Promise<SlaStateLoad>;
  /** Replaces the file with these states; throws what the file system threw. */
  save(states: ReadonlyMap<string, FoldState>): Promise<void>;
}

export function createSlaStateFile(dir: string): SlaStateFile {
  const path = join(dir, SLA_STATE_FILE);
  return {
    path,
    async load() {
      const states = new Map<string, FoldState>();
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (err) {
        if (fsProblem(err) === 'ENOENT') return { states, missing: true, unreadable: [] };
        return { states, problem: `cannot read ${path} (${fsProblem(err)})`, unreadable: [] };
      }
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        return { states, problem: `${path} is not JSON`, unreadable: [] };
      }
      const raw = isRecord(value) ? value : undefined;
      if (raw?.['v'] !== SLA_STATE_VERSION) return { states, problem: `${path}: not a version ${SLA_STATE_VERSION} SLA state`, unreadable: [] };
      const targets = raw['targets'];
      if (typeof targets !== 'object' || targets === null || Array.isArray(targets)) return { states, problem: `${path}: no targets object`, unreadable: [] };
      const unreadable: SlaStateLoad['unreadable'] = [];
      for (const [target, json] of Object.entries(targets)) {
        try {
          states.set(target, decodeFoldState(json));
        } catch (err) {
          if (!(err instanceof FoldStateError)) throw err;
          unreadable.push({ target, problem: err.message });
        }
      }
      return { states, unreadable };
    },
    async save(states) {
      const targets: Record<string, unknown> = {};
      for (const [name, state] of states) targets[name] = encodeFoldState(state);
      const temp = `${path}.tmp`;
      await writeFile(temp, `${JSON.stringify({ v: SLA_STATE_VERSION, targets })}\n`);
      await rename(temp, path);
    },
  };
}
