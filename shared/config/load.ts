// monitor.yml from text or a file to a ResolvedConfig, or to every problem found, in file order.
import { readFile } from 'node:fs/promises';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type YAMLError } from 'yaml';
import { formatPath, issueProblems, show, type PathProblem } from './format.js';
import type { ConfigRunner } from './login-rules.js';
import { crossCheck, resolveConfig } from './resolve.js';
import { configSchema, PARSE_OPTIONS } from './schema.js';
import type { ConfigError, ConfigResult } from './types.js';
import { isRecord as isMapping } from '../common/is-record.js';

// yaml's own wording is kept (first line, lower-cased) except where ours says more.
const YAML_PROBLEMS: Partial<Record<YAMLError['code'], (source: string) => string>> = {
  DUPLICATE_KEY: (source) =>
    `duplicate key ${show(/^\s*(?:"([^"]*)"|'([^']*)'|([^:\n]*?))\s*:/.exec(source)?.slice(1).find((k) => k !== undefined) ?? source)}`,
  MULTIPLE_DOCS: () => 'more than one YAML document (remove the second ---)',
  RESOURCE_EXHAUSTION: () => 'too many aliases',
};

function yamlSyntaxError(error: YAMLError, text: string, sourceName: string, lines: LineCounter): ConfigError {
  const { line, col } = lines.linePos(error.pos[0]);
  const own = YAML_PROBLEMS[error.code];
  const theirs = (error.message.split('\n')[0] ?? '').replace(/\.$/, '');
  const detail = own ? own(text.slice(error.pos[0])) : theirs.charAt(0).toLowerCase() + theirs.slice(1);
  return { path: `${sourceName}:${line}:${col}`, problem: `YAML syntax error: ${detail}`, line, column: col };
}

/** Offset in the source of the node a path names: the key for a mapping entry, else the deepest node found. */
function locate(doc: Document, path: readonly PropertyKey[]): number {
  let node: unknown = doc.contents;
  let offset = (doc.contents?.range?.[0] as number | undefined) ?? 0;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
      if (pair === undefined) break;
      if (isScalar(pair.key) && pair.key.range) offset = pair.key.range[0];
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item: unknown = node.items[segment];
      if (item === undefined) break;
      const range = (item as { range?: [number, number, number] }).range;
      if (range) offset = range[0];
      node = item;
    } else {
      break;
    }
  }
  return offset;
}

export interface ParseOptions {
  /**
   * Where the config will run: 'lambda' (the default: validate, package, the deployed functions) refuses
   * login checks, which need a raw socket; 'local' (the local monitor, backtest, report) accepts them.
   */
  runner?: ConfigRunner;
}

/** Parses and validates monitor.yml text. `sourceName` names the file in messages. */
export function parseConfig(text: string, sourceName = 'monitor.yml', options: ParseOptions = {}): ConfigResult {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, merge: true, uniqueKeys: true });
  if (doc.errors.length > 0) return { ok: false, errors: doc.errors.map((e) => yamlSyntaxError(e, text, sourceName, lines)) };

  const aliasErrors: ConfigError[] = [];
  visit(doc, {
    Alias(_, alias) {
      if (alias.resolve(doc) !== undefined) return;
      const { line, col } = lines.linePos(alias.range?.[0] ?? 0);
      const problem = `YAML syntax error: alias *${alias.source} has no &${alias.source} anchor before it`;
      aliasErrors.push({ path: `${sourceName}:${line}:${col}`, problem, line, column: col });
    },
  });
  if (aliasErrors.length > 0) return { ok: false, errors: aliasErrors };

  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const problem = /alias count/i.test(message) ? 'uses too many YAML aliases (more than 100 expansions)' : `cannot be read: ${message}`;
    return { ok: false, errors: [{ path: sourceName, problem }] };
  }
  if (raw === null || raw === undefined) {
    return { ok: false, errors: [{ path: sourceName, problem: 'is empty: expected a mapping of settings (version, homeRegion, targets, ...)' }] };
  }

  const result = configSchema.safeParse(raw, PARSE_OPTIONS);
  const problems: PathProblem[] = [...(result.success ? [] : result.error.issues.flatMap(issueProblems)), ...crossCheck(raw, options.runner)];
  if (problems.length === 0 && result.success && isMapping(raw)) return { ok: true, config: resolveConfig(raw, result.data) };

  // One problem per path (the first found is the most basic: a type before a range), in file order.
  const seen = new Set<string>();
  const located: { error: ConfigError; offset: number; order: number }[] = [];
  for (const problem of problems) {
    const path = formatPath(problem.path, sourceName);
    if (seen.has(path)) continue;
    seen.add(path);
    const offset = locate(doc, problem.path);
    const { line, col } = lines.linePos(offset);
    located.push({ error: { path, problem: problem.problem, line, column: col }, offset, order: located.length });
  }
  located.sort((a, b) => a.offset - b.offset || a.order - b.order);
  return { ok: false, errors: located.map((l) => l.error) };
}

const READ_PROBLEMS: Record<string, string> = {
  ENOENT: 'file not found',
  EISDIR: 'is a directory, not a file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
};

/** Reads and validates a monitor.yml file; a file that cannot be read is one error at its path. */
export async function loadConfig(path: string, options: ParseOptions = {}): Promise<ConfigResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    const problem = READ_PROBLEMS[code] ?? `cannot be read (${code || (err instanceof Error ? err.message : String(err))})`;
    return { ok: false, errors: [{ path, problem }] };
  }
  return parseConfig(text, path, options);
}
