// The one failure taxonomy: every class explained, with likely causes and a runbook that exists and is
// listed in the runbook index; the order is append-only (stored fold states and metric series use it).
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FAILURE_CLASSES, FAILURE_CLASS_INFO, isFailureClass } from '../../shared/probe/failure-classes.js';

const RUNBOOKS = new URL('../../', import.meta.url);

describe('the failure taxonomy', () => {
  it('keeps the control classes first and appends the login classes, 22 in all', () => {
    expect(FAILURE_CLASSES).toEqual([
      'dns_failure', 'network_unreachable', 'connect_timeout', 'connect_refused', 'connection_reset', 'connection_closed', 'control_timeout',
      'protocol_error', 'control_rejected', 'echo_timeout', 'echo_rejected', 'call_rejected', 'call_dropped',
      'gre_blocked', 'gre_one_way', 'lcp_failed', 'auth_rejected', 'auth_timeout', 'auth_spoofed', 'encryption_refused', 'no_address', 'no_traffic',
    ]);
    expect(Object.keys(FAILURE_CLASS_INFO)).toEqual([...FAILURE_CLASSES]);
    expect(isFailureClass('gre_blocked')).toBe(true);
  });

  it.each(FAILURE_CLASSES.map((cls) => [cls]))('explains %s, names likely causes, and links a runbook the index lists', (cls) => {
    const info = FAILURE_CLASS_INFO[cls];
    expect(info.explanation.length).toBeGreaterThan(20);
    expect(info.likelyCauses.length).toBeGreaterThanOrEqual(2);
    expect(info.runbook).toBe(`docs/runbooks/${cls}.md`);
    const runbook = new URL(info.runbook, RUNBOOKS);
    expect(existsSync(runbook), info.runbook).toBe(true);
    expect(readFileSync(runbook, 'utf8')).toMatch(new RegExp(`^# ${cls}: `));
    expect(readFileSync(new URL('docs/runbooks/README.md', RUNBOOKS), 'utf8')).toContain(`| [${cls}.md](${cls}.md) |`);
  });
});
