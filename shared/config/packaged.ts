// The resolved config as it travels inside a Lambda artifact. The package step validates monitor.yml
// with the full schema (zod and yaml: ~600 KB of bundle) and writes the resolved result as JSON with a
// SHA-256 of its content; the function only checks the envelope, the digest and the shape it relies on.
// Two lines: a header with the format and the digest of the second line's exact bytes, then the config.
// Hashing the text as stored (rather than re-serialising the parsed config) keeps the check at ~1 ms for
// a 1,000-target config, which matters because it runs in every cold start.
// That keeps the parser out of the bundle while a corrupt, truncated or hand-edited artifact still stops
// the function at init instead of probing the wrong targets.
import { createHash } from 'node:crypto';
import { PptpMonitorError } from '../common/errors.js';
import type { ProbeConfig } from './probe-config.js';
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

/** The artifact file's text: deterministic for the same config. */
export function packConfig(config: ResolvedConfig): string {
  return pack(PACKAGED_CONFIG_FORMAT, config);
}

export function packProbeConfig(config: ProbeConfig): string {
  return pack(PACKAGED_PROBE_CONFIG_FORMAT, config);
}

function pack(format: string, config: object): string {
  const configJson = JSON.stringify(config);
  return `${JSON.stringify({ format, sha256: digest(configJson) })}\n${configJson}\n`;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The fields the probe and evaluator functions read; anything else missing would be a packaging bug. */
function shapeProblem(config: Record<string, unknown>): string | undefined {
  if (config['version'] !== 1) return 'config.version: must be 1';
  for (const key of ['namespace', 'homeRegion', 'runbookBaseUrl'] as const) {
    if (typeof config[key] !== 'string') return `config.${key}: must be a string`;
  }
  const targets = config['targets'];
  if (!Array.isArray(targets) || targets.length === 0) return 'config.targets: must be a non-empty list';
  for (const [i, t] of targets.entries()) {
    if (!isRecord(t)) return `config.targets[${i}]: must be a mapping`;
    if (typeof t['name'] !== 'string' || typeof t['host'] !== 'string') return `config.targets[${i}]: name and host must be strings`;
    if (!Number.isInteger(t['port']) || !Number.isInteger(t['timeout']) || !Number.isInteger(t['attempts'])) return `config.targets[${i}]: port, timeout and attempts must be integers`;
    if (t['intervalMinutes'] !== 1 && t['intervalMinutes'] !== 5) return `config.targets[${i}].intervalMinutes: must be 1 or 5`;
    if (!Array.isArray(t['regions']) || !t['regions'].every((r) => typeof r === 'string')) return `config.targets[${i}].regions: must be a list of strings`;
    if (!isRecord(t['checks'])) return `config.targets[${i}].checks: must be a mapping`;
  }
  return undefined;
}

export function unpackConfig(text: string, source: string): ResolvedConfig {
  return unpack(text, source, PACKAGED_CONFIG_FORMAT) as unknown as ResolvedConfig;
}

export function unpackProbeConfig(text: string, source: string): ProbeConfig {
  return unpack(text, source, PACKAGED_PROBE_CONFIG_FORMAT) as unknown as ProbeConfig;
}

function unpack(text: string, source: string, format: string): Record<string, unknown> {
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
  const problem = shapeProblem(config);
  if (problem) throw new PackagedConfigError('invalid_shape', `${source}: ${problem}`);
  return config;
}
