// The resolved config as it travels inside a Lambda artifact. The package step validates monitor.yml
// with the full schema (zod and yaml: ~600 KB of bundle) and writes the resolved result as JSON with a
// SHA-256 of its content; the function only checks the envelope, the digest and the shape it relies on.
// That keeps the parser out of the bundle while a corrupt, truncated or hand-edited artifact still stops
// the function at init instead of probing the wrong targets.
import { createHash } from 'node:crypto';
import type { ResolvedConfig } from './types.js';

export const PACKAGED_CONFIG_FORMAT = 'pptp-monitor/resolved-config@1';

export class PackagedConfigError extends Error {
  override name = 'PackagedConfigError';
}

interface Envelope {
  format: string;
  sha256: string;
  config: ResolvedConfig;
}

const digest = (configJson: string): string => createHash('sha256').update(configJson).digest('hex');

/** The artifact file's text: deterministic for the same config. */
export function packConfig(config: ResolvedConfig): string {
  const configJson = JSON.stringify(config);
  return `{"format":${JSON.stringify(PACKAGED_CONFIG_FORMAT)},"sha256":"${digest(configJson)}","config":${configJson}}\n`;
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
  let envelope: unknown;
  try {
    envelope = JSON.parse(text);
  } catch (err) {
    throw new PackagedConfigError(`${source}: not JSON (${(err as Error).message})`);
  }
  if (!isRecord(envelope) || envelope['format'] !== PACKAGED_CONFIG_FORMAT) {
    throw new PackagedConfigError(`${source}: not a packaged config (format must be ${PACKAGED_CONFIG_FORMAT}); run npm run package`);
  }
  const { sha256, config } = envelope as Partial<Envelope>;
  if (!isRecord(config)) throw new PackagedConfigError(`${source}: config: must be a mapping`);
  if (typeof sha256 !== 'string' || digest(JSON.stringify(config)) !== sha256) {
    throw new PackagedConfigError(`${source}: sha256 does not match the config: the artifact was edited or corrupted; run npm run package`);
  }
  const problem = shapeProblem(config);
  if (problem) throw new PackagedConfigError(`${source}: ${problem}`);
  return config as unknown as ResolvedConfig;
}
