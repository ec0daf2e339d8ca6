// Turns zod issues into ConfigErrors in our own words. Zod's own messages never reach the user: the
// schemas give their texts through `error` (see schema.ts); every other issue is parsed with GENERIC as
// its message and described here from its code.
import type { z } from 'zod';
import type { ConfigError } from './types.js';

/** The message of an issue that carries no text of ours (set as the parse-wide error map). */
export const GENERIC = '\u0000generic';

/** A value as the user wrote it, for `got ...` (strings quoted, YAML spellings for special numbers). */
export function show(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') {
    const text = value.length > 80 ? `${value.slice(0, 77)}...` : value;
    const escaped = text.replace(/[\u0000-\u001f\u007f'\\]/g, (c) =>
      c === "'" || c === '\\' ? `\\${c}` : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
    return `'${escaped}'`;
  }
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return '.nan';
    if (value === Infinity) return '.inf';
    if (value === -Infinity) return '-.inf';
    return String(value);
  }
  if (typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return typeof value;
}

/** `(iss) => text`: "required" when the key is missing, else "<expectation>, got <value>". */
export function says(expectation: string): (issue: { input?: unknown }) => string {
  return (issue) => (issue.input === undefined ? 'required' : `${expectation}, got ${show(issue.input)}`);
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `targets[2].port`; keys that are not identifiers are quoted: `tags["cost centre"]`. */
export function formatPath(path: readonly PropertyKey[], root: string): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (typeof segment === 'string' && IDENTIFIER.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out === '' ? root : out;
}

/** `<path>: <problem>`, the one way a ConfigError is printed. */
export function formatConfigError(error: ConfigError): string {
  return `${error.path}: ${error.problem}`;
}

type Issue = z.core.$ZodIssue;

function got(issue: Issue): string {
  return `, got ${show(issue.input)}`;
}

const TYPE_NAMES: Record<string, string> = {
  object: 'a mapping (key: value)',
  array: 'a list',
  string: 'a string',
  boolean: 'true or false',
  number: 'a number',
  int: 'a whole number',
  record: 'a mapping (key: value)',
};

function genericProblem(issue: Issue): string {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'required';
      if (issue.expected === 'never') return 'is not allowed here';
      return `must be ${TYPE_NAMES[issue.expected] ?? issue.expected}${got(issue)}`;
    case 'too_small': {
      const min = Number(issue.minimum);
      if (issue.origin === 'array' || issue.origin === 'set') {
        return min <= 1 ? 'must not be empty' : `must have at least ${min} entries, got ${(issue.input as unknown[]).length}`;
      }
      if (issue.origin === 'string') return min <= 1 ? 'must not be empty' : `must be at least ${min} characters${got(issue)}`;
      return `must be ${issue.inclusive ? 'at least' : 'more than'} ${min}${got(issue)}`;
    }
    case 'too_big': {
      const max = Number(issue.maximum);
      if (issue.origin === 'array' || issue.origin === 'set') {
        return `must have at most ${max} entries, got ${(issue.input as unknown[]).length}`;
      }
      if (issue.origin === 'string') return `must be at most ${max} characters, got ${String(issue.input).length}`;
      return `must be ${issue.inclusive ? 'at most' : 'less than'} ${max}${got(issue)}`;
    }
    case 'invalid_value': {
      const values = issue.values.map((v) => show(v));
      return `must be ${values.length === 1 ? values[0] : `one of ${values.join(', ')}`}${got(issue)}`;
    }
    case 'invalid_format':
      return `must be a valid ${issue.format}${got(issue)}`;
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}${got(issue)}`;
    case 'invalid_union':
      return `does not match any allowed form${got(issue)}`;
    case 'invalid_key':
      return `has an invalid key`;
    case 'invalid_element':
      return `has an invalid entry`;
    default:
      return `is invalid${got(issue)}`;
  }
}

/** A problem at a path not yet formatted (so that it can be located in the YAML source). */
export interface PathProblem {
  path: PropertyKey[];
  problem: string;
}

/** One problem per issue; an `unrecognized_keys` issue gives one per key. */
export function issueProblems(issue: Issue): PathProblem[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ path: [...issue.path, key], problem: 'unknown key' }));
  }
  const problem = issue.message === GENERIC ? genericProblem(issue) : issue.message;
  return [{ path: [...issue.path], problem }];
}
