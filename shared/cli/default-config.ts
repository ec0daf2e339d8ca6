// Which config `report` and `backtest` read when none is given: monitor.yml (the deployed fleet) when it
// is in the working directory, else monitor.local.yml (what `npm start` monitors), so the local workflow
// needs no flags. When neither is there, the message names both files tried and the flag to pass.
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';

/** Tried in this order when --config is not given. */
export const DEFAULT_CONFIG_FILES = ['monitor.yml', 'monitor.local.yml'] as const;

export type ConfigChoice = { ok: true; path: string; defaulted: boolean } | { ok: false; problem: string };

export async function chooseConfig(given: string | undefined, cwd: string = process.cwd()): Promise<ConfigChoice> {
  if (given !== undefined) return { ok: true, path: given, defaulted: false };
  for (const name of DEFAULT_CONFIG_FILES) {
    const isFile = await stat(resolve(cwd, name)).then((s) => s.isFile(), () => false);
    if (isFile) return { ok: true, path: name, defaulted: true };
  }
  return { ok: false, problem: `no config: tried ${DEFAULT_CONFIG_FILES.join(' and ')} in ${cwd}; pass --config <file>` };
}
