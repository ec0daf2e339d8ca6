// A small hand-written validator for JSON-shaped values. The packaged config is checked in every Lambda's
// cold start, where zod (with yaml, ~600 KB) is not bundled; these few combinators are enough for its
// shape. A check appends `<path>: <problem>` lines, every problem at once; a shape refuses keys it does
// not list, so a field the resolver adds without a check here fails the first packaging that writes it.
import { isRecord } from '../common/is-record.js';
import { show } from './format.js';

/** Appends a line per problem of `value`, found at `path`. */
export type Check = (value: unknown, path: string, problems: string[]) => void;

export { isRecord };

const problem = (path: string, rule: string, value: unknown): string => `${path}: ${rule}, got ${show(value)}`;

/** A string for which `valid` holds (any string without it). */
export function str(valid: (s: string) => boolean = () => true, rule = 'must be a string'): Check {
  return (value, path, problems) => {
    if (typeof value !== 'string' || !valid(value)) problems.push(problem(path, rule, value));
  };
}

/** A string whose problem, if any, `problemOf` words (as the loader's rules do). */
export function strWith(problemOf: (s: string) => string | undefined): Check {
  return (value, path, problems) => {
    if (typeof value !== 'string') return void problems.push(problem(path, 'must be a string', value));
    const found = problemOf(value);
    if (found !== undefined) problems.push(`${path}: ${found}`);
  };
}

/** A whole number in [min, max]. */
export function int(min: number, max: number, unit = ''): Check {
  const rule = `must be a whole number ${min}-${max}${unit === '' ? '' : ` ${unit}`}`;
  return (value, path, problems) => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) problems.push(problem(path, rule, value));
  };
}

/** A finite number for which `valid` holds. */
export function num(valid: (n: number) => boolean, rule: string): Check {
  return (value, path, problems) => {
    if (typeof value !== 'number' || !Number.isFinite(value) || !valid(value)) problems.push(problem(path, rule, value));
  };
}

export const bool: Check = (value, path, problems) => {
  if (typeof value !== 'boolean') problems.push(problem(path, 'must be true or false', value));
};

/** One of `values` (compared with ===). */
export function oneOf(values: readonly unknown[]): Check {
  const shown = values.map(show);
  const rule = shown.length <= 2 ? `must be ${shown.join(' or ')}` : `must be one of ${shown.join(', ')}`;
  return (value, path, problems) => {
    if (!values.includes(value)) problems.push(problem(path, rule, value));
  };
}

/** A list of `item`s: at least `min` of them, and no two equal when `unique`. */
export function list(item: Check, options: { min?: number; unique?: boolean } = {}): Check {
  const min = options.min ?? 0;
  return (value, path, problems) => {
    if (!Array.isArray(value)) return void problems.push(problem(path, min > 0 ? 'must be a non-empty list' : 'must be a list', value));
    if (value.length < min) problems.push(`${path}: must be a non-empty list`);
    const seen = new Set<unknown>();
    value.forEach((v, i) => {
      item(v, `${path}[${i}]`, problems);
      if (options.unique && seen.has(v)) problems.push(`${path}[${i}]: duplicate ${show(v)}`);
      seen.add(v);
    });
  };
}

/** A mapping of keys accepted by `key` (its problem, or undefined) to `item`s, at most `max` of them. */
export function record(item: Check, key: (k: string) => string | undefined, max: number): Check {
  return (value, path, problems) => {
    if (!isRecord(value)) return void problems.push(problem(path, 'must be a mapping', value));
    const keys = Object.keys(value);
    if (keys.length > max) problems.push(`${path}: must have at most ${max} entries, got ${keys.length}`);
    for (const k of keys) {
      const keyProblem = key(k);
      if (keyProblem !== undefined) problems.push(`${path}: ${keyProblem}`);
      item(value[k], `${path}[${JSON.stringify(k)}]`, problems);
    }
  };
}

/**
 * A mapping with exactly these fields: each `required` one present, each `optional` one absent or
 * undefined (JSON drops undefined), no other key. Then `rules` judge the fields together, only when each
 * field passed on its own (a rule may rely on their types): each returns [field, problem] pairs.
 */
export function shape(
  required: Readonly<Record<string, Check>>,
  optional: Readonly<Record<string, Check>> = {},
  rules: (value: Record<string, unknown>) => Array<[string, string]> = () => [],
): Check {
  // Listed once: this runs for every target of a 1,000-target config in a cold start.
  const requiredFields = Object.entries(required);
  const optionalFields = Object.entries(optional);
  const known = new Set([...Object.keys(required), ...Object.keys(optional)]);
  return (value, path, problems) => {
    if (!isRecord(value)) return void problems.push(problem(path, 'must be a mapping', value));
    const before = problems.length;
    for (const [key, check] of requiredFields) {
      const field = value[key];
      if (field === undefined) problems.push(`${path}.${key}: required`);
      else check(field, `${path}.${key}`, problems);
    }
    for (const [key, check] of optionalFields) {
      const field = value[key];
      if (field !== undefined) check(field, `${path}.${key}`, problems);
    }
    for (const key in value) {
      if (!known.has(key)) problems.push(`${path}: unknown field ${show(key)}`);
    }
    if (problems.length > before) return;
    for (const [field, text] of rules(value)) problems.push(`${path}.${field}: ${text}`);
  };
}
