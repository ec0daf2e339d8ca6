import { describe, expect, it } from 'vitest';
import { parseFaultCommand, parseSimulateArgs } from '../../shared/cli/simulate-args.js';
import { UsageError } from '../../shared/cli/usage-error.js';

const FAULTS = 'none, refuse, silent, reset, close, garbage, reject, echo-silent, drop-calls, reject-calls, slow';

describe('parseSimulateArgs', () => {
  it('defaults to a healthy gateway on 127.0.0.1:1723', () => {
    // Act
    const args = parseSimulateArgs([]);
    // Assess
    expect(args).toEqual({ host: '127.0.0.1', port: 1723, fault: 'none', help: false });
  });

  it('takes every option, in either --name value or --name=value form, in any order', () => {
    expect(parseSimulateArgs(['--result-code', '4', '--fault=reject', '--host', '::1', '--port=0'])).toEqual({
      host: '::1',
      port: 0,
      fault: 'reject',
      resultCode: 4,
      help: false,
    });
    expect(parseSimulateArgs(['--fault', 'slow', '--delay', '500'])).toMatchObject({ fault: 'slow', delayMs: 500 });
    expect(parseSimulateArgs(['--fault', 'reject-calls', '--result-code', '7'])).toMatchObject({ fault: 'reject-calls', resultCode: 7 });
    expect(parseSimulateArgs(['--help']).help).toBe(true);
  });

  it.each([
    [['--port', '70000'], '--port: must be 0-65535, got 70000'],
    [['--port', 'abc'], "--port: must be 0-65535, got 'abc'"],
    [['--port', '-1'], "--port: must be 0-65535, got '-1'"],
    [['--port'], '--port: needs a value (0-65535)'],
    [['--port='], '--port: needs a value (0-65535)'],
    [['--fault', 'x'], `--fault: unknown fault 'x' (one of: ${FAULTS})`],
    [['--fault'], `--fault: needs a value (one of: ${FAULTS})`],
    [['--host', 'localhost'], "--host: must be an IP address to listen on, got 'localhost'"],
    [['--host', '256.0.0.1'], "--host: must be an IP address to listen on, got '256.0.0.1'"],
    [['--fault', 'reject', '--result-code', '1'], '--result-code: must be 2-255 (1 means success), got 1'],
    [['--fault', 'reject', '--result-code', '256'], '--result-code: must be 2-255 (1 means success), got 256'],
    [['--fault', 'reject', '--result-code', 'busy'], "--result-code: must be 2-255 (1 means success), got 'busy'"],
    [['--result-code', '3'], '--result-code: only applies to --fault reject or reject-calls, not none'],
    [['--fault', 'slow', '--delay', '0'], '--delay: must be 1-60000 (ms), got 0'],
    [['--fault', 'slow', '--delay', '1.5'], "--delay: must be 1-60000 (ms), got '1.5'"],
    [['--fault', 'silent', '--delay', '100'], '--delay: only applies to --fault slow, not silent'],
    [['--verbose'], "unknown option '--verbose'"],
    [['127.0.0.1'], "simulate takes no arguments, got '127.0.0.1'"],
  ])('rejects %j with %j', (argv, message) => {
    expect(() => parseSimulateArgs(argv)).toThrow(new UsageError(message));
  });
});

describe('parseFaultCommand', () => {
  it('reads a fault name with the value its fault takes', () => {
    expect(parseFaultCommand(['silent'])).toEqual({ fault: 'silent', options: {} });
    expect(parseFaultCommand(['reject', '4'])).toEqual({ fault: 'reject', options: { resultCode: 4 } });
    expect(parseFaultCommand(['reject-calls', '7'])).toEqual({ fault: 'reject-calls', options: { resultCode: 7 } });
    expect(parseFaultCommand(['slow', '500'])).toEqual({ fault: 'slow', options: { delayMs: 500 } });
    expect(parseFaultCommand(['slow'])).toEqual({ fault: 'slow', options: {} });
  });

  it.each([
    [[], `fault: needs a name (one of: ${FAULTS})`],
    [['x'], `unknown fault 'x' (one of: ${FAULTS})`],
    [['silent', '5'], "fault silent takes no value, got '5'"],
    [['reject', '4', '5'], "fault reject takes one value, a result code, got '4 5'"],
    [['slow', '1', '2'], "fault slow takes one value, a delay in ms, got '1 2'"],
    [['reject', '1'], 'result code: must be 2-255 (1 means success), got 1'],
    [['slow', '70000'], 'delay: must be 1-60000 (ms), got 70000'],
  ])('rejects %j with %j', (words, message) => {
    expect(() => parseFaultCommand(words)).toThrow(new UsageError(message));
  });
});
