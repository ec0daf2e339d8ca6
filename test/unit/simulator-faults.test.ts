import { describe, expect, it } from 'vitest';
import { isFailureClass } from '../../shared/probe/failure-classes.js';
import {
  FAULT_EXPECTED_CLASS,
  SIMULATOR_FAULTS,
  SimulatorOptionError,
  describeFault,
  expectedFailureClass,
  resolveFaultSettings,
} from '../../shared/simulator/index.js';

describe('FAULT_EXPECTED_CLASS', () => {
  it('maps every fault to a class of the taxonomy, or to success for none and slow', () => {
    // Assess
    expect(Object.keys(FAULT_EXPECTED_CLASS).sort()).toEqual([...SIMULATOR_FAULTS].sort());
    for (const fault of SIMULATOR_FAULTS) {
      const cls = FAULT_EXPECTED_CLASS[fault];
      if (fault === 'none' || fault === 'slow') expect(cls).toBeUndefined();
      else expect(isFailureClass(cls ?? '')).toBe(true);
    }
  });

  it('expects success from faults the probe never reaches (echo off, call off)', () => {
    expect(expectedFailureClass('echo-silent', { echo: false, call: false })).toBeUndefined();
    expect(expectedFailureClass('drop-calls', { echo: true, call: false })).toBeUndefined();
    expect(expectedFailureClass('reject-calls', { echo: true, call: true })).toBe('call_rejected');
    expect(expectedFailureClass('silent', { echo: false, call: false })).toBe('control_timeout');
  });
});

describe('resolveFaultSettings', () => {
  it('fills in the RFC defaults: SCCRP general error, OCRP busy, 300 ms', () => {
    expect(resolveFaultSettings('reject')).toEqual({ fault: 'reject', resultCode: 2 });
    expect(resolveFaultSettings('reject-calls')).toEqual({ fault: 'reject-calls', resultCode: 4 });
    expect(resolveFaultSettings('slow')).toEqual({ fault: 'slow', delayMs: 300 });
    expect(resolveFaultSettings('none')).toEqual({ fault: 'none' });
  });

  it.each([
    [() => resolveFaultSettings('silent', { delayMs: 5 }), "delayMs only applies to the 'slow' fault, not 'silent'"],
    [() => resolveFaultSettings('slow', { resultCode: 2 }), "resultCode only applies to the 'reject' and 'reject-calls' faults, not 'slow'"],
    [() => resolveFaultSettings('reject', { resultCode: 1 }), 'resultCode must be a whole number from 2 to 255 (1 means success), got 1'],
    [() => resolveFaultSettings('slow', { delayMs: 0.5 }), 'delayMs must be a whole number of ms from 1 to 60000, got 0.5'],
    [() => resolveFaultSettings('bogus' as 'none'), `unknown fault 'bogus' (one of: ${SIMULATOR_FAULTS.join(', ')})`],
  ])('refuses bad options with a message naming them (%#)', (act, message) => {
    expect(act).toThrow(new SimulatorOptionError(message));
  });

  it('describes result codes with the RFC text', () => {
    expect(describeFault({ fault: 'reject-calls', resultCode: 4 })).toBe(
      'refuses outgoing calls: Outgoing-Call-Reply result 4 (Outgoing call failed: busy signal detected)',
    );
    expect(describeFault({ fault: 'reject', resultCode: 9 })).toContain('result 9 (unknown code 9)');
  });
});
