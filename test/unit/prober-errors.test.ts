// The prober side's errors share one base (shared/common/errors.ts): a stable code to branch on, the
// cause kept where one is wrapped, and names spelled out (bundles are minified without keepNames, so a
// name taken from the class would be mangled in the Lambda's logs).
import { describe, expect, it } from 'vitest';
import { PptpMonitorError } from '../../shared/common/errors.js';
import { PackagedConfigError } from '../../shared/config/packaged.js';
import { PackageError } from '../../infra/package.js';
import { PptpDecodeError } from '../../shared/probers/pptp/errors.js';
import { TargetParseError } from '../../shared/probe/target.js';
import { SimulatorError, SimulatorListenError, SimulatorOptionError } from '../../shared/simulator/errors.js';

describe('prober-side errors', () => {
  it.each([
    [new PptpDecodeError('bad_magic_cookie', 'magic cookie 0x0 is not 0x1a2b3c4d'), 'PptpDecodeError', 'bad_magic_cookie'],
    [new TargetParseError("invalid target 'gw:0': port 0 is not from 1 to 65535"), 'TargetParseError', 'invalid_target'],
    [new PackagedConfigError('digest_mismatch', 'c.json: sha256 does not match'), 'PackagedConfigError', 'digest_mismatch'],
    [new SimulatorError('the simulator is closed'), 'SimulatorError', 'closed'],
    [new SimulatorOptionError('delayMs must be a whole number'), 'SimulatorOptionError', 'invalid_option'],
    [new PackageError('usage', '--stage needs a value'), 'PackageError', 'usage'],
  ])('%s is a PptpMonitorError named %s with code %s', (error, name, code) => {
    expect(error).toBeInstanceOf(PptpMonitorError);
    expect(error.name).toBe(name);
    expect(error.code).toBe(code);
  });

  it('keeps the socket error of a failed listen as cause and its errno as code, listen_failed without one', () => {
    const cause = Object.assign(new Error('listen EADDRINUSE: address already in use'), { code: 'EADDRINUSE' });
    const taken = new SimulatorListenError('127.0.0.1', 1723, cause);
    expect(taken).toBeInstanceOf(SimulatorError);
    expect(taken).toMatchObject({ name: 'SimulatorListenError', code: 'EADDRINUSE', message: 'cannot listen on 127.0.0.1:1723: EADDRINUSE' });
    expect(taken.cause).toBe(cause);
    expect(new SimulatorListenError('::1', 80, new Error('boom'))).toMatchObject({ code: 'listen_failed', message: 'cannot listen on [::1]:80: boom' });
  });

  it('gives package failures the exit status of their code', () => {
    expect(new PackageError('usage', 'x').exitCode).toBe(2);
    expect(new PackageError('invalid_config', 'x').exitCode).toBe(2);
    const cause = new Error('osls exited 1');
    const failed = new PackageError('osls_failed', 'osls package failed for eu-west-1', { cause });
    expect(failed.exitCode).toBe(1);
    expect(failed.cause).toBe(cause);
  });
});
