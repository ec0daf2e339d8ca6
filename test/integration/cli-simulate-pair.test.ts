// `pptp-monitor run --simulate-pair`: what `npm run start:pair` runs, as a process. One cycle probes the
// simulated keepalived pair's virtual address and both members (real sockets on loopback) and exits.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'pair-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
/** A port with its next two free, picked from a quiet range (the members listen on port+1 and port+2). */
const PORT = 41_000 + Math.floor(Math.random() * 2_000) * 3;

function config(port: number): string {
  const path = join(dir, `pair-${port}.yml`);
  writeFileSync(
    path,
    [
      'version: 1',
      'homeRegion: eu-central-1',
      'defaults: { regions: [eu-central-1], timeout: 2000 }',
      'targets: []',
      'groups:',
      `  - { name: vpn, host: 127.0.0.1, port: ${port}, members: [{ name: vpn-a, host: 127.0.0.1, port: ${port + 1} }, { name: vpn-b, host: 127.0.0.1, port: ${port + 2} }] }`,
      '',
    ].join('\n'),
  );
  return path;
}

describe('run --simulate-pair', () => {
  it('plays the pair and probes the virtual address and both members, each answering', async () => {
    const run = await runCli(['run', '--config', config(PORT), '--simulate-pair', String(PORT), '--data', join(dir, 'data'), '--cycles', '1']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`simulated keepalived pair: virtual 127.0.0.1:${PORT} MASTER a; member a (gw-a, firmware 1) on 127.0.0.1:${PORT + 1} up; member b (gw-b, firmware 1) on 127.0.0.1:${PORT + 2} up`);
    expect(run.stdout).toContain('3 target(s) from');
    for (const name of ['vpn', 'vpn-a', 'vpn-b']) expect(run.stdout).toMatch(new RegExp(`\\d\\d:\\d\\d  ${name} +UP `));
  }, 30_000);

  it('refuses --simulate with --simulate-pair, and a port whose members would not fit', async () => {
    const both = await runCli(['run', '--config', config(PORT + 3), '--simulate', '17230', '--simulate-pair', String(PORT + 3), '--data', join(dir, 'data2'), '--cycles', '1']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--simulate and --simulate-pair cannot be combined');
    const high = await runCli(['run', '--simulate-pair', '65534']);
    expect(high.code).toBe(2);
    expect(high.stderr).toContain("--simulate-pair: must be a port 1-65533 (the members take the next two), got '65534'");
  }, 30_000);
});
