// The CLI as a user meets it: exit statuses and messages for mistakes. No network is touched.
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

describe('pptp-monitor CLI usage', () => {
  it('exits 2 and says what is wrong for a bad port', async () => {
    const run = await runCli(['check', 'gw.example:70000']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("pptp-monitor: invalid target 'gw.example:70000': port 70000 is not from 1 to 65535");
    expect(run.stdout).toBe('');
  });

  it('exits 2 for an unknown command and for a missing target', async () => {
    const unknown = await runCli(['chek', 'gw']);
    const missing = await runCli(['check']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'chek'");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('check needs at least one target');
  });

  it('prints help with exit 0', async () => {
    const run = await runCli(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('usage: pptp-monitor check <target...> [options]');
  });
});
