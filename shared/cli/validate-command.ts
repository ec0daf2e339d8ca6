// `pptp-monitor validate [monitor.yml]`: checks the config file and prints every problem, one per line.
// Exit status 0 when valid, 2 when not (or when the file cannot be read).
import { agentsOf, groupsOf, type ResolvedConfig, type ResolvedTarget } from '../config/types.js';
import { nodeProbeDeps } from '../probe/node-deps.js';
import { probeTargetFor, type ProbeResult } from '../probe/index.js';
import { PROBERS, probeOptionsFor } from '../probers/index.js';
import { describeIdentity, identityFingerprint } from '../sla/identity.js';
import { formatConfigError, loadConfig } from '../config/index.js';
import type { ConfigResult, ParseOptions } from '../config/index.js';
import { UsageError } from './usage-error.js';

export const VALIDATE_USAGE = `usage: pptp-monitor validate [--local] [--probe-groups] [file]
  file                the monitor config to check (default monitor.yml in the current directory);
                      prints '<file>: OK (N targets in M regions)', or every problem as '<path>: <problem>'
  --local             check it as the local monitor (pptp-monitor run) reads it, which runs login checks
                      (check: pptp-login); without it, as the Lambda functions would, which cannot
  --probe-groups      also open one control connection to each gateway group's virtual address and
                      members, and say who answers: members announcing the same identity (Poptop
                      pptpd always says 'local'/'linux') make a failover invisible. Contacts only
                      the configured addresses; the exit status still judges the file alone`;

export const DEFAULT_CONFIG_PATH = 'monitor.yml';

export interface ValidateIo {
  /** Standard output: the OK line. */
  out(text: string): void;
  /** Standard error: the problems. */
  err(text: string): void;
  /** Reads and validates a file (loadConfig unless a test injects another). */
  load?(path: string, options: ParseOptions): Promise<ConfigResult>;
  /** One control probe of a target (--probe-groups): the real prober unless a test injects another. */
  probe?(target: ResolvedTarget): Promise<Pick<ProbeResult, 'ok' | 'server' | 'failure'>>;
}

export function parseValidateArgs(argv: readonly string[]): { path: string; help: boolean; local: boolean; probeGroups: boolean } {
  const paths: string[] = [];
  let help = false;
  let local = false;
  let probeGroups = false;
  for (const arg of argv) {
    if (arg === '--help' || arg === '-h') help = true;
    else if (arg === '--local') local = true;
    else if (arg === '--probe-groups') probeGroups = true;
    else if (arg.startsWith('-') && arg !== '-') throw new UsageError(`unknown option '${arg}'`);
    else paths.push(arg);
  }
  if (paths.length > 1) throw new UsageError(`validate takes one file, got ${paths.length}: ${paths.join(' ')}`);
  return { path: paths[0] ?? DEFAULT_CONFIG_PATH, help, local, probeGroups };
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

export async function runValidate(argv: readonly string[], io: ValidateIo): Promise<number> {
  const { path, help, local, probeGroups } = parseValidateArgs(argv);
  if (help) {
    io.out(`${VALIDATE_USAGE}\n`);
    return 0;
  }
  const result = await (io.load ?? loadConfig)(path, { runner: local ? 'local' : 'lambda' });
  if (result.ok) {
    const { targets, regions } = result.config;
    const agents = agentsOf(result.config).length;
    // Agents are named only when declared, so the line of a config without them reads as it always did.
    const where = agents === 0 ? plural(regions.length, 'region') : `${plural(regions.length, 'region')} and ${plural(agents, 'agent')}`;
    const groups = groupsOf(result.config);
    const grouped = groups.length === 0 ? '' : ` (${plural(groups.length, 'gateway group')} among them)`;
    io.out(`${path}: OK (${plural(targets.length, 'target')} in ${where})${grouped}\n`);
    if (probeGroups) for (const line of await groupIdentityLines(result.config, io.probe ?? probeControl)) io.out(`${line}\n`);
    return 0;
  }
  io.err(result.errors.map((e) => `${formatConfigError(e)}\n`).join(''));
  if (result.errors.length > 1) io.err(`${path}: ${result.errors.length} errors\n`);
  return 2;
}

/** The control prober, as the monitor runs it (its timeout and attempts from the config). */
async function probeControl(target: ResolvedTarget): Promise<Pick<ProbeResult, 'ok' | 'server' | 'failure'>> {
  return PROBERS.proberFor('pptp-control').probe(probeTargetFor(target), probeOptionsFor(target), nodeProbeDeps());
}

/**
 * Per group, who answers on each address, and whether members can be told apart: the identity is what a
 * failover is seen by, and two members announcing the same one (Poptop's compile-time 'local'/'linux')
 * make it invisible. Said, not guessed: redundancy lost and wrong membership are judged on each member's
 * own address and work either way.
 */
async function groupIdentityLines(config: ResolvedConfig, probe: NonNullable<ValidateIo['probe']>): Promise<string[]> {
  const byName = new Map(config.targets.map((t) => [t.name, t]));
  const lines: string[] = [];
  for (const group of groupsOf(config)) {
    const names = [group.name, ...group.members];
    const results = await Promise.all(names.map(async (name) => ({ name, result: await probe(byName.get(name)!) })));
    const fingerprints = new Map<number, string[]>();
    for (const { name, result } of results) {
      const role = name === group.name ? 'virtual address' : 'member';
      if (result.server === undefined) {
        lines.push(`group ${group.name}: ${role} ${name} did not answer (${result.failure?.class ?? 'no identity'}${result.failure?.message ? `: ${result.failure.message}` : ''})`);
        continue;
      }
      const fp = identityFingerprint(result.server);
      lines.push(`group ${group.name}: ${role} ${name} answers as ${describeIdentity(fp, result.server)}`);
      if (name !== group.name) fingerprints.set(fp, [...(fingerprints.get(fp) ?? []), name]);
    }
    const same = [...fingerprints.entries()].filter(([, members]) => members.length > 1);
    for (const [, members] of same) {
      lines.push(`group ${group.name}: warning: ${members.join(' and ')} announce the same identity, so a failover between them cannot be seen (no failover events for this group); redundancy lost and wrong membership are still judged on each member's own address`);
    }
    if (same.length === 0 && fingerprints.size === group.members.length) lines.push(`group ${group.name}: members can be told apart: failovers will be seen`);
  }
  return lines;
}
