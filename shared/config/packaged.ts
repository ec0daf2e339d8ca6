// The resolved config as it travels inside a Lambda artifact. The package step validates monitor.yml
// with the full schema (zod and yaml: ~600 KB of bundle) and writes the resolved result as JSON with a
// SHA-256 of its content; the function checks the envelope, the digest, and every field against
// resolved-shape.ts, which the package step also applies to what it writes (one check, two ends).
// Two lines: a header with the format and the digest of the second line's exact bytes, then the config.
// Hashing the text as stored (rather than re-serialising the parsed config) keeps the digest at ~1 ms for
// a 1,000-target config, which matters because it runs in every cold start; the shape check adds about
// 8 ms for the probe's projection of such a config (mostly host names), 15-30 ms for the full one.
// That keeps the parser out of the bundle while a corrupt, truncated or hand-edited artifact still stops
// the function at init instead of probing the wrong targets.
import { createHash } from 'node:crypto';
import { PptpMonitorError } from '../common/errors.js';
import type { ProbeConfig } from './probe-config.js';
import { isProbeConfig, isResolvedConfig } from './resolved-shape.js';
import { isRecord } from './shape-checks.js';
import type { ResolvedConfig } from './types.js';

/** The whole resolved config (evaluator, report). */
export const PACKAGED_CONFIG_FORMAT = 'pptp-monitor/resolved-config@1';
/** The probe's projection of it (probeConfigOf): a different format, so neither loads in place of the other. */
export const PACKAGED_PROBE_CONFIG_FORMAT = 'pptp-monitor/probe-config@1';

/**
 * `unreadable`: the file could not be read; `not_packaged`: the header names another format or none;
 * `digest_mismatch`: edited or corrupted; `not_json`; `invalid_shape`: a field the functions read is
 * missing, of the wrong type or out of range.
 */
export type PackagedConfigErrorCode = 'unreadable' | 'not_packaged' | 'digest_mismatch' | 'not_json' | 'invalid_shape';

export class PackagedConfigError extends PptpMonitorError<PackagedConfigErrorCode> {
  // Spelled out: the Lambda bundle is minified without keepNames, so the class's own name is mangled.
  override readonly name = 'PackagedConfigError';
}

const digest = (configJson: string): string => createHash('sha256').update(configJson).digest('hex');

/** The artifact file's text: deterministic for the same config. Throws PackagedConfigError for a config that is not one. */
export function packConfig(config: ResolvedConfig): string {
  return pack(PACKAGED_CONFIG_FORMAT, checkedJson(config, isResolvedConfig));
}

export function packProbeConfig(config: ProbeConfig): string {
  return pack(PACKAGED_PROBE_CONFIG_FORMAT, checkedJson(config, isProbeConfig));
}

function pack(format: string, configJson: string): string {
  return `${JSON.stringify({ format, sha256: digest(configJson) })}\n${configJson}\n`;
}

/** Problems listed in one error; a config broken in more places is broken enough to say how many more. */
const MAX_PROBLEMS_LISTED = 20;

/** One line per problem, each naming the file and the field: `c.json: config.targets[0].port: ...`. */
function shapeError(source: string, problems: readonly string[]): PackagedConfigError {
  const listed = problems.slice(0, MAX_PROBLEMS_LISTED).map((p) => `${source}: ${p}`);
  if (problems.length > MAX_PROBLEMS_LISTED) listed.push(`${source}: ... and ${problems.length - MAX_PROBLEMS_LISTED} more`);
  return new PackagedConfigError('invalid_shape', listed.join('\n'));
}

type ShapeCheck<T> = (value: unknown, problems: string[]) => value is T;

/** Checks what is written as a function will read it: the JSON, parsed back. */
function checkedJson<T>(config: T, check: ShapeCheck<T>): string {
  const configJson = JSON.stringify(config);
  const problems: string[] = [];
  if (!check(JSON.parse(configJson), problems)) throw shapeError('config to package', problems);
  return configJson;
}

export function unpackConfig(text: string, source: string): ResolvedConfig {
  return unpack(text, source, PACKAGED_CONFIG_FORMAT, isResolvedConfig);
}

export function unpackProbeConfig(text: string, source: string): ProbeConfig {
  return unpack(text, source, PACKAGED_PROBE_CONFIG_FORMAT, isProbeConfig);
}

function unpack<T>(text: string, source: string, format: string, check: ShapeCheck<T>): T {
  const newline = text.indexOf('\n');
  const headerText = newline < 0 ? text : text.slice(0, newline);
  const configJson = newline < 0 ? '' : text.slice(newline + 1).replace(/\n$/, '');
  let header: unknown;
  try {
    header = JSON.parse(headerText);
  } catch {
    header = undefined;
  }
  if (!isRecord(header) || header['format'] !== format) {
    throw new PackagedConfigError('not_packaged', `${source}: not a packaged config (the first line must name the format ${format}); run npm run package`);
  }
  if (typeof header['sha256'] !== 'string' || digest(configJson) !== header['sha256']) {
    throw new PackagedConfigError('digest_mismatch', `${source}: sha256 does not match the config: the artifact was edited or corrupted; run npm run package`);
  }
  let config: unknown;
  try {
    config = JSON.parse(configJson);
  } catch (err) {
    throw new PackagedConfigError('not_json', `${source}: config: not JSON (${err instanceof Error ? err.message : String(err)})`, { cause: err });
  }
  if (!isRecord(config)) throw new PackagedConfigError('invalid_shape', `${source}: config: must be a mapping`);
  const problems: string[] = [];
  if (!check(config, problems)) throw shapeError(source, problems);
  return config;
}
