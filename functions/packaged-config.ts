// The config that `npm run package` validated and put into the artifact beside the bundle (see
// shared/config/packaged.ts for why it is the resolved JSON and not monitor.yml).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PackagedConfigError, unpackConfig, unpackProbeConfig } from '../shared/config/packaged.js';
import type { ProbeConfig } from '../shared/config/probe-config.js';
import type { ResolvedConfig } from '../shared/config/types.js';

/** Overrides where the packaged config is read from (tests, local runs). */
export const CONFIG_PATH_ENV = 'PPTP_MONITOR_PACKAGED_CONFIG';
/** The file name the package step gives the config inside every artifact. */
export const PACKAGED_CONFIG_FILE = 'config.json';

export function loadPackagedConfig(env: NodeJS.ProcessEnv = process.env, moduleUrl: string = import.meta.url): ResolvedConfig {
  const [text, path] = readPackaged(env, moduleUrl);
  return unpackConfig(text, path);
}

export function loadPackagedProbeConfig(env: NodeJS.ProcessEnv = process.env, moduleUrl: string = import.meta.url): ProbeConfig {
  const [text, path] = readPackaged(env, moduleUrl);
  return unpackProbeConfig(text, path);
}

function readPackaged(env: NodeJS.ProcessEnv, moduleUrl: string): [string, string] {
  const path = env[CONFIG_PATH_ENV] ?? fileURLToPath(new URL(`./${PACKAGED_CONFIG_FILE}`, moduleUrl));
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new PackagedConfigError('unreadable', `cannot read the packaged config ${path}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  return [text, path];
}
