// The monitor.yml that `npm run package` validated and put into the artifact beside the bundle. It is
// validated again here, at the edge, with the same code: a config that fails now is a packaging bug and
// stops the function at init, before it probes or publishes anything.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { formatConfigError, parseConfig, type ResolvedConfig } from '../shared/config/index.js';

/** Overrides where the config is read from (tests, local runs). */
export const CONFIG_PATH_ENV = 'PPTP_MONITOR_CONFIG';
/** The file name the package step gives the config inside every artifact. */
export const PACKAGED_CONFIG_FILE = 'monitor.yml';

export class PackagedConfigError extends Error {
  override name = 'PackagedConfigError';
}

export function loadPackagedConfig(env: NodeJS.ProcessEnv = process.env, moduleUrl: string = import.meta.url): ResolvedConfig {
  const path = env[CONFIG_PATH_ENV] ?? fileURLToPath(new URL(`./${PACKAGED_CONFIG_FILE}`, moduleUrl));
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new PackagedConfigError(`cannot read the packaged config ${path}: ${(err as Error).message}`, { cause: err });
  }
  const parsed = parseConfig(text, path);
  // Only paths and problems are reported, never the config itself (it may name internal hosts).
  if (!parsed.ok) throw new PackagedConfigError(`the packaged config is invalid:\n${parsed.errors.map(formatConfigError).join('\n')}`);
  return parsed.config;
}
