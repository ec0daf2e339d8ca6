// The prober contract (shared/probe/prober.ts, registry.ts) and how runners use it: a prober is looked up
// by its check kind, the probe cycle hands each target to the prober of its kind, and the attempt
// lifecycle leaves no timer behind whatever path the conversation took.
import { describe, expect, it } from 'vitest';
import { runProbeCycle, type CycleTarget } from '../../shared/cycles/probe-cycle.js';
import { createJsonLogger } from '../../shared/log/logger.js';
import type { Prober } from '../../shared/probe/prober.js';
import { createProberRegistry, probeByKind, UnknownCheckKindError } from '../../shared/probe/registry.js';
import { DEFAULT_TARGET_PORT } from '../../shared/probe/target.js';
import type { ProbeResult } from '../../shared/probe/types.js';
import { checkKindOf, probeOptionsFor, PROBERS } from '../../shared/probers/index.js';
import { ControlMessageType as T, DEFAULT_PPTP_CONTROL_OPTIONS, encodeMessage, PPTP_CONTROL, PPTP_PORT, pptpControlProber, type ControlMessage } from '../../shared/probers/pptp/index.js';
import { parseConfig } from '../../shared/config/index.js';
import { CHECK_KINDS, FAILURE_CLASSES_OF_CHECK, PPTP_LOGIN } from '../../shared/probers/option-schemas.js';
import { pptpLoginProber, type PptpLoginOptions } from '../../shared/probers/pptp-login/login-prober.js';
import { fakeWorld, type FakeSocket } from '../support/fake-io.js';

const resultFor = (target: string, kind: string): ProbeResult => ({
  target,
  host: 'h',
  port: 1,
  ok: true,
  attempts: 1,
  notes: [kind],
  timings: { dnsMs: undefined, connectMs: 1, controlMs: 1, echoMs: undefined, callMs: undefined, totalMs: 2 },
});

/** A prober that answers without a network, saying in its result's notes which kind it is. */
function fakeProber(kind: string, seen: string[]): Prober {
  return {
    kind,
    defaults: { timeoutMs: 1000, attempts: 1, retryBackoffMs: 0 },
    optionSchema: { key: 'checks', switches: {} },
    failureClasses: [],
    probe: async (target) => {
      seen.push(`${kind}:${target.target}`);
      return resultFor(target.target, kind);
    },
    optionsFor: (target) => ({ timeoutMs: target.timeout, attempts: target.attempts, retryBackoffMs: 0 }),
  };
}

describe('the prober registry', () => {
  it('looks a prober up by its check kind, and names the registered kinds for one it does not know', () => {
    // Prepare
    const seen: string[] = [];
    const registry = createProberRegistry([fakeProber('a', seen), fakeProber('b', seen)]);
    // Act / Assess
    expect(registry.kinds).toEqual(['a', 'b']);
    expect(registry.proberFor('b').kind).toBe('b');
    expect(() => registry.proberFor('pptp-login')).toThrow(new UnknownCheckKindError('pptp-login', ['a', 'b']));
    expect(() => registry.proberFor('pptp-login')).toThrow("no prober for check kind 'pptp-login' (registered: a, b)");
  });

  it('refuses two probers for one kind', () => {
    expect(() => createProberRegistry([fakeProber('a', []), fakeProber('a', [])])).toThrow("two probers for check kind 'a'");
  });

  it('registers the control-connection prober under pptp-control and the login prober under pptp-login; a target without check is a control probe', async () => {
    // Prepare
    const parsed = parseConfig(
      'version: 1\nhomeRegion: eu-central-1\ndefaults: { regions: [eu-west-1], attempts: 2 }\ntargets:\n  - { name: hq, host: vpn.example.com, checks: { call: true } }\n' +
        '  - { name: hq-login, host: 192.0.2.10, check: pptp-login, login: { username: monitor, passwordEnv: HQ_PASSWORD, auth: [mschapv2, pap] } }\n',
      't.yml',
      { runner: 'local' },
    );
    if (!parsed.ok) throw new Error(`fixture: ${JSON.stringify(parsed.errors)}`);
    const [hq, login] = parsed.config.targets;
    // Act / Assess
    expect(PROBERS.kinds).toEqual([PPTP_CONTROL, PPTP_LOGIN]);
    expect(PROBERS.kinds).toEqual([...CHECK_KINDS]); // what shared/config accepts is what is registered
    expect(PROBERS.proberFor(PPTP_CONTROL)).toBe(pptpControlProber);
    expect(PROBERS.proberFor(PPTP_LOGIN)).toBe(pptpLoginProber);
    for (const kind of PROBERS.kinds) expect(PROBERS.proberFor(kind).failureClasses).toBe(FAILURE_CLASSES_OF_CHECK[kind]);
    expect(checkKindOf(hq!)).toBe('pptp-control');
    expect(probeOptionsFor(hq!)).toEqual({ ...DEFAULT_PPTP_CONTROL_OPTIONS, attempts: 2, call: true });
    expect(checkKindOf(login!)).toBe('pptp-login');
    const options = probeOptionsFor(login!) as PptpLoginOptions;
    // A login ignores the defaults' attempts and gets the login's own deadline; its password is read when it runs.
    expect(options).toMatchObject({ timeoutMs: 10_000, attempts: 1, username: 'monitor', data: true, auth: ['mschapv2', 'pap'] });
    await expect(options.password()).rejects.toThrow('environment variable HQ_PASSWORD: not set');
    // The contract's default port is the codec's, spelled twice because the contract cannot import a prober.
    expect(DEFAULT_TARGET_PORT).toBe(PPTP_PORT);
  });
});

describe('runProbeCycle through the registry', () => {
  it('probes each target with the prober of its own check kind', async () => {
    // Prepare
    const seen: string[] = [];
    const registry = createProberRegistry([fakeProber('pptp-control', seen), fakeProber('pptp-login', seen)]);
    const world = fakeWorld();
    const targets: CycleTarget[] = [
      { name: 'gw-a', host: 'a', port: 1723, check: 'pptp-login', options: { timeoutMs: 1000 } },
      { name: 'gw-b', host: 'b', port: 1723, check: 'pptp-control', options: { timeoutMs: 1000 } },
    ];
    // Act
    const report = await runProbeCycle(
      targets,
      { region: 'eu-west-1', shard: 0, intervalStart: 0, deadlineAt: world.clock.now() + 10_000, concurrency: 1, startIntervalMs: 0 },
      {
        probe: probeByKind(registry, world.deps),
        clock: world.clock,
        timers: world.clock.timersApi,
        publisher: { publish: async (points) => ({ requests: 1, retried: 0, published: points.length, loggedAsEmf: 0, errors: [] }) },
        log: createJsonLogger({ service: 'test', write: () => undefined }),
      },
    );
    // Assess
    expect(seen).toEqual(['pptp-login:gw-a', 'pptp-control:gw-b']);
    expect(report).toMatchObject({ probed: 2, ok: 2 });
  });
});

describe('attempt lifecycle cleanup', () => {
  const sccrp = encodeMessage({
    type: T.StartControlConnectionReply,
    protocolVersion: 0x0100,
    resultCode: 1,
    errorCode: 0,
    framingCapabilities: 3,
    bearerCapabilities: 1,
    maxChannels: 1,
    firmwareRevision: 1,
    hostname: 'gw',
    vendor: 'test',
  });
  const lastSent = (s: FakeSocket): ControlMessage => s.lastSent();

  it('leaves no timer behind after a call whose Call-Disconnect-Notify came before its wait ran out', async () => {
    // Prepare: the wait for Call-Disconnect-Notify is replaced by the wait for the Stop reply.
    const world = fakeWorld();
    const pending = pptpControlProber.probe({ target: 'gw', host: '198.51.100.7', port: 1723 }, { echo: false, call: true, callSettleMs: 10 }, world.deps);
    const s = world.socket();
    s.connect();
    s.receive(sccrp);
    const ocrq = lastSent(s);
    if (ocrq.type !== T.OutgoingCallRequest) throw new Error(`expected an Outgoing-Call-Request, got ${ocrq.type}`);
    // Act
    s.receive(
      encodeMessage({ type: T.OutgoingCallReply, callId: 9, peerCallId: ocrq.callId, resultCode: 1, errorCode: 0, causeCode: 0, connectSpeed: 1e6, packetRecvWindowSize: 16, packetProcessingDelay: 0, physicalChannelId: 0 }),
    );
    world.clock.advance(10);
    s.receive(encodeMessage({ type: T.CallDisconnectNotify, callId: 9, resultCode: 4, errorCode: 0, causeCode: 0, callStatistics: '' }));
    s.receive(encodeMessage({ type: T.StopControlConnectionReply, resultCode: 1, errorCode: 0 }));
    const result = await pending;
    // Assess
    expect(result).toMatchObject({ ok: true, notes: [] });
    expect(s.destroyed).toBe(true);
    expect(world.clock.pendingTimers).toBe(0);
  });
});
