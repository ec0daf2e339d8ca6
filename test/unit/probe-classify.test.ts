import { describe, expect, it } from 'vitest';
import { ControlMessageType, encodeMessage, type ControlMessage, type EncodableMessage } from '../../shared/probers/pptp/index.js';
import type { ProbeResult } from '../../shared/probe/index.js';
import { probePptp, type PptpControlOptions as ProbeOptions } from '../../shared/probers/pptp/index.js';
import { MAX_BYTES_FROM_PEER, MAX_UNSOLICITED_MESSAGES } from '../../shared/probe/attempt-lifecycle.js';
import { fakeWorld, type FakeSocket, type FakeWorld } from '../support/fake-io.js';

const T = ControlMessageType;
const target = { target: '198.51.100.7', host: '198.51.100.7', port: 1723 };
const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const sccrp = (resultCode = 1, errorCode = 0): Uint8Array =>
  encodeMessage({
    type: T.StartControlConnectionReply,
    protocolVersion: 0x0100,
    resultCode,
    errorCode,
    framingCapabilities: 3,
    bearerCapabilities: 1,
    maxChannels: 12,
    firmwareRevision: 0x0501,
    hostname: 'gw-hq',
    vendor: 'Microsoft',
  });
const reply = (msg: EncodableMessage): Uint8Array => encodeMessage(msg);
const ocrp = (peerCallId: number, fields: { callId?: number; resultCode?: number; causeCode?: number } = {}): Uint8Array =>
  encodeMessage({
    type: T.OutgoingCallReply,
    callId: fields.callId ?? 5,
    peerCallId,
    resultCode: fields.resultCode ?? 1,
    errorCode: 0,
    causeCode: fields.causeCode ?? 0,
    connectSpeed: 1e6,
    packetRecvWindowSize: 16,
    packetProcessingDelay: 0,
    physicalChannelId: 0,
  });

function expectSent<K extends ControlMessage['type']>(socket: FakeSocket, type: K): Extract<ControlMessage, { type: K }> {
  const last = socket.lastSent();
  expect(last.type).toBe(type);
  return last as Extract<ControlMessage, { type: K }>;
}

/** Starts a probe and walks it through connect and a successful SCCRP, `ms` apart. */
function upToControl(world: FakeWorld, options: Partial<ProbeOptions> = {}, ms = 1): Promise<ProbeResult> {
  const pending = probePptp(target, options, world.deps);
  world.clock.advance(ms);
  world.socket().connect();
  world.clock.advance(ms);
  world.socket().receive(sccrp());
  return pending;
}

describe('probePptp (fake socket and clock)', () => {
  it('times every phase of a healthy exchange and reads the server identity', async () => {
    // Prepare
    const world = fakeWorld();
    const pending = probePptp(target, {}, world.deps);
    const s = world.socket();
    // Act
    world.clock.advance(3);
    s.connect();
    const sccrq = expectSent(s, T.StartControlConnectionRequest);
    world.clock.advance(5);
    s.receive(sccrp());
    const echo = expectSent(s, T.EchoRequest);
    world.clock.advance(2);
    s.receive(reply({ type: T.EchoReply, identifier: echo.identifier, resultCode: 1, errorCode: 0 }));
    expectSent(s, T.StopControlConnectionRequest);
    world.clock.advance(1);
    s.receive(reply({ type: T.StopControlConnectionReply, resultCode: 1, errorCode: 0 }));
    const result = await pending;
    // Assess
    expect(sccrq).toMatchObject({ protocolVersion: 0x0100, vendor: 'pptp-monitor', hostname: 'pptp-monitor', framingCapabilities: 3 });
    expect(result.ok).toBe(true);
    expect(result.timings).toEqual({ dnsMs: undefined, connectMs: 3, controlMs: 5, echoMs: 2, callMs: undefined, totalMs: 11 });
    expect(result.server).toEqual({
      hostname: 'gw-hq',
      vendor: 'Microsoft',
      firmwareRevision: 0x0501,
      protocolVersion: 0x0100,
      maxChannels: 12,
      framingCapabilities: 3,
      bearerCapabilities: 1,
    });
    expect(result.notes).toEqual([]);
    expect(s.destroyed).toBe(true);
    expect(world.clock.pendingTimers).toBe(0);
  });

  it('announces the configured host name and vendor', async () => {
    const world = fakeWorld();
    void probePptp(target, { hostname: 'probe-eu-west-1', vendor: 'acme-noc' }, world.deps);
    world.socket().connect();
    expect(expectSent(world.socket(), T.StartControlConnectionRequest)).toMatchObject({ hostname: 'probe-eu-west-1', vendor: 'acme-noc' });
  });

  it.each([
    ['ECONNREFUSED', 'connect_refused'],
    ['ENETUNREACH', 'network_unreachable'],
    ['EHOSTUNREACH', 'network_unreachable'],
    ['EADDRNOTAVAIL', 'network_unreachable'],
    ['ETIMEDOUT', 'connect_timeout'],
    ['ECONNRESET', 'connection_reset'],
  ])('classifies a connect error %s as %s', async (code, cls) => {
    const world = fakeWorld();
    const pending = probePptp(target, {}, world.deps);
    world.clock.advance(4);
    world.socket().error(code);
    const result = await pending;
    expect(result.failure).toMatchObject({ class: cls, phase: 'connect', elapsedMs: 4, code });
    expect(result.timings.connectMs).toBeUndefined();
  });

  it('classifies silence to the SYN as connect_timeout exactly at the deadline', async () => {
    const world = fakeWorld();
    const pending = probePptp(target, { timeoutMs: 2000 }, world.deps);
    world.clock.advance(1999);
    expect(world.socket().destroyed).toBe(false);
    world.clock.advance(1);
    const result = await pending;
    expect(result.failure).toMatchObject({ class: 'connect_timeout', phase: 'connect', elapsedMs: 2000 });
    expect(result.timings.totalMs).toBe(2000);
    expect(world.socket().destroyed).toBe(true);
  });

  it('classifies a reset after SCCRQ as connection_reset and an orderly close as connection_closed', async () => {
    const reset = fakeWorld();
    const p1 = probePptp(target, {}, reset.deps);
    reset.socket().connect();
    reset.socket().error('ECONNRESET');
    const closed = fakeWorld();
    const p2 = probePptp(target, {}, closed.deps);
    closed.socket().connect();
    closed.socket().end();
    expect((await p1).failure).toMatchObject({ class: 'connection_reset', phase: 'control', code: 'ECONNRESET' });
    expect((await p2).failure).toMatchObject({ class: 'connection_closed', phase: 'control' });
  });

  it('classifies a connected but silent gateway as control_timeout', async () => {
    const world = fakeWorld();
    const pending = probePptp(target, { timeoutMs: 1000 }, world.deps);
    world.clock.advance(10);
    world.socket().connect();
    world.clock.advance(990);
    const result = await pending;
    expect(result.failure).toMatchObject({ class: 'control_timeout', phase: 'control', elapsedMs: 990 });
    expect(result.timings.connectMs).toBe(10);
  });

  it.each([2, 3, 4, 5, 42])('classifies SCCRP result %i as control_rejected and keeps the codes', async (code) => {
    const world = fakeWorld();
    const pending = probePptp(target, {}, world.deps);
    world.socket().connect();
    world.socket().receive(sccrp(code, code === 2 ? 4 : 0));
    const result = await pending;
    expect(result.failure).toMatchObject({ class: 'control_rejected', resultCode: code, errorCode: code === 2 ? 4 : 0 });
    expect(result.server?.hostname).toBe('gw-hq');
    expect(result.failure?.message).toContain(`result ${code}`);
  });

  it('rejects bytes that are not PPTP as protocol_error with the decode error code', async () => {
    const world = fakeWorld();
    const pending = probePptp(target, {}, world.deps);
    world.socket().connect();
    const bad = sccrp();
    bad[4] = 0xde; // corrupt the magic cookie
    world.socket().receive(bad);
    expect((await pending).failure).toMatchObject({ class: 'protocol_error', phase: 'control', code: 'bad_magic_cookie' });
  });

  it('classifies an unexpected message type as protocol_error', async () => {
    const world = fakeWorld();
    const pending = probePptp(target, {}, world.deps);
    world.socket().connect();
    world.socket().receive(reply({ type: T.EchoReply, identifier: 1, resultCode: 1, errorCode: 0 }));
    expect((await pending).failure).toMatchObject({ class: 'protocol_error', code: 'unexpected_message' });
  });

  it('ignores an Echo-Reply with another identifier and then times out as echo_timeout', async () => {
    const world = fakeWorld();
    const pending = upToControl(world, { timeoutMs: 500 });
    const echo = expectSent(world.socket(), T.EchoRequest);
    world.socket().receive(reply({ type: T.EchoReply, identifier: (echo.identifier + 1) >>> 0, resultCode: 1, errorCode: 0 }));
    world.clock.advance(500);
    const result = await pending;
    expect(result.failure).toMatchObject({ class: 'echo_timeout', phase: 'echo' });
    expect(result.timings.controlMs).toBe(1);
  });

  it('classifies an Echo-Reply with an error result as echo_rejected', async () => {
    const world = fakeWorld();
    const pending = upToControl(world);
    const echo = expectSent(world.socket(), T.EchoRequest);
    world.socket().receive(reply({ type: T.EchoReply, identifier: echo.identifier, resultCode: 2, errorCode: 4 }));
    expect((await pending).failure).toMatchObject({ class: 'echo_rejected', resultCode: 2, errorCode: 4 });
  });

  it('answers an Echo-Request from the gateway with a matching Echo-Reply', async () => {
    const world = fakeWorld();
    const pending = probePptp(target, { echo: false }, world.deps);
    world.socket().connect();
    world.socket().receive(reply({ type: T.EchoRequest, identifier: 0xcafe }));
    expect(world.socket().lastSent()).toEqual({ type: T.EchoReply, identifier: 0xcafe, resultCode: 1, errorCode: 0 });
    world.socket().receive(sccrp());
    expectSent(world.socket(), T.StopControlConnectionRequest);
    world.socket().receive(reply({ type: T.StopControlConnectionReply, resultCode: 1, errorCode: 0 }));
    const result = await pending;
    expect(result.ok).toBe(true);
    expect(result.timings.echoMs).toBeUndefined();
    expect(result.notes).toContain('answered an Echo-Request from the gateway');
  });

  it(`gives up on more than ${MAX_UNSOLICITED_MESSAGES} unsolicited messages as protocol_error`, async () => {
    const world = fakeWorld();
    const pending = probePptp(target, {}, world.deps);
    world.socket().connect();
    const burst = Buffer.concat(Array.from({ length: MAX_UNSOLICITED_MESSAGES + 1 }, (_, i) => reply({ type: T.EchoRequest, identifier: i })));
    world.socket().receive(burst);
    expect((await pending).failure).toMatchObject({ class: 'protocol_error', code: 'flood' });
  });

  it(`gives up once the gateway has sent more than ${MAX_BYTES_FROM_PEER} bytes`, async () => {
    const world = fakeWorld();
    const pending = probePptp(target, {}, world.deps);
    world.socket().connect();
    // Valid-looking partial header repeated: never completes a message, so only the byte cap can stop it.
    const header = sccrp().subarray(0, 100);
    let sent = 0;
    while (!world.socket().destroyed && sent < 1_000_000) {
      world.socket().receive(sent === 0 ? header : Buffer.alloc(0));
      sent += 100;
      if (sent > 200) world.socket().receive(Buffer.alloc(MAX_BYTES_FROM_PEER));
    }
    expect((await pending).failure).toMatchObject({ class: 'protocol_error', code: 'flood' });
  });

  it('treats a Stop-Control-Connection-Request from the gateway as connection_closed and answers it', async () => {
    const world = fakeWorld();
    const pending = probePptp(target, {}, world.deps);
    world.socket().connect();
    world.socket().receive(reply({ type: T.StopControlConnectionRequest, reason: 3 }));
    expect(world.socket().lastSent()).toMatchObject({ type: T.StopControlConnectionReply, resultCode: 1 });
    const result = await pending;
    expect(result.failure).toMatchObject({ class: 'connection_closed' });
    expect(result.failure?.message).toContain('reason 3');
  });

  it('notes an unanswered Stop without failing', async () => {
    const world = fakeWorld();
    const pending = upToControl(world, { echo: false, stopWaitMs: 300 });
    expectSent(world.socket(), T.StopControlConnectionRequest);
    world.clock.advance(300);
    const result = await pending;
    expect(result.ok).toBe(true);
    expect(result.notes).toEqual(['Stop-Control-Connection-Request went unanswered']);
  });

  describe('outgoing call', () => {
    it('places a call, lets it settle, clears it and stops', async () => {
      const world = fakeWorld();
      const pending = upToControl(world, { echo: false, call: true, callSettleMs: 200 });
      const s = world.socket();
      const ocrq = expectSent(s, T.OutgoingCallRequest);
      world.clock.advance(7);
      s.receive(
        ocrp(ocrq.callId, { callId: 77 }),
      );
      world.clock.advance(199);
      expect(s.lastSent().type).toBe(T.OutgoingCallRequest); // nothing cleared before the settle time
      world.clock.advance(1);
      const clear = expectSent(s, T.CallClearRequest);
      s.receive(reply({ type: T.CallDisconnectNotify, callId: 77, resultCode: 4, errorCode: 0, causeCode: 0, callStatistics: '' }));
      expectSent(s, T.StopControlConnectionRequest);
      s.receive(reply({ type: T.StopControlConnectionReply, resultCode: 1, errorCode: 0 }));
      const result = await pending;
      expect(clear.callId).toBe(ocrq.callId);
      expect(result.ok).toBe(true);
      expect(result.timings.callMs).toBe(7);
    });

    it.each([2, 3, 4, 5, 6, 7])('classifies Outgoing-Call-Reply result %i as call_rejected', async (code) => {
      const world = fakeWorld();
      const pending = upToControl(world, { echo: false, call: true });
      const ocrq = expectSent(world.socket(), T.OutgoingCallRequest);
      world.socket().receive(
        ocrp(ocrq.callId, { callId: 0, resultCode: code, causeCode: 9 }),
      );
      expect((await pending).failure).toMatchObject({ class: 'call_rejected', phase: 'call', resultCode: code, causeCode: 9 });
    });

    it('classifies a call the gateway disconnects during the settle time as call_dropped', async () => {
      const world = fakeWorld();
      const pending = upToControl(world, { echo: false, call: true, callSettleMs: 250 });
      const ocrq = expectSent(world.socket(), T.OutgoingCallRequest);
      world.socket().receive(
        ocrp(ocrq.callId, { callId: 5 }),
      );
      world.clock.advance(3);
      world.socket().receive(reply({ type: T.CallDisconnectNotify, callId: 5, resultCode: 1, errorCode: 0, causeCode: 0, callStatistics: '' }));
      const result = await pending;
      expect(result.failure).toMatchObject({ class: 'call_dropped', phase: 'call', resultCode: 1, elapsedMs: 3 });
    });

    it('classifies a control connection closed right after the call was accepted as call_dropped (pptpd without pppd)', async () => {
      const world = fakeWorld();
      const pending = upToControl(world, { echo: false, call: true });
      const ocrq = expectSent(world.socket(), T.OutgoingCallRequest);
      world.socket().receive(
        ocrp(ocrq.callId, { callId: 5 }),
      );
      world.clock.advance(1);
      world.socket().end();
      expect((await pending).failure).toMatchObject({ class: 'call_dropped', phase: 'call' });
    });

    it('classifies an unanswered Outgoing-Call-Request as call_rejected at the deadline', async () => {
      const world = fakeWorld();
      const pending = upToControl(world, { echo: false, call: true, timeoutMs: 800 });
      world.clock.advance(798);
      const result = await pending;
      expect(result.failure).toMatchObject({ class: 'call_rejected', phase: 'call' });
      expect(result.failure?.resultCode).toBeUndefined();
    });
  });

  describe('DNS', () => {
    it('times the lookup and connects to the resolved address', async () => {
      const world = fakeWorld();
      world.deps.resolve = () =>
        new Promise((resolve) => {
          world.clock.advance(12);
          resolve({ address: '2001:db8::5', family: 6 });
        });
      const pending = probePptp({ target: 'gw.example', host: 'gw.example', port: 1723 }, { echo: false }, world.deps);
      await flush();
      expect(world.socket().request).toEqual({ address: '2001:db8::5', port: 1723, family: 6 });
      world.socket().connect();
      world.socket().receive(sccrp());
      world.socket().receive(reply({ type: T.StopControlConnectionReply, resultCode: 1, errorCode: 0 }));
      const result = await pending;
      expect(result.timings.dnsMs).toBe(12);
      expect(result.address).toBe('2001:db8::5');
    });

    it('classifies a failed lookup as dns_failure with the resolver code', async () => {
      const world = fakeWorld({
        resolve: async () => {
          throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
        },
      });
      const result = await probePptp({ target: 'nx.example', host: 'nx.example', port: 1723 }, {}, world.deps);
      expect(result.failure).toMatchObject({ class: 'dns_failure', phase: 'dns', code: 'ENOTFOUND' });
      expect(world.sockets).toHaveLength(0);
    });

    it('classifies a lookup that never answers as dns_failure at the deadline', async () => {
      const world = fakeWorld({ resolve: () => new Promise(() => {}) });
      const pending = probePptp({ target: 'slow.example', host: 'slow.example', port: 1723 }, { timeoutMs: 900 }, world.deps);
      await flush();
      world.clock.advance(900);
      const result = await pending;
      expect(result.failure).toMatchObject({ class: 'dns_failure', elapsedMs: 900 });
      expect(world.clock.pendingTimers).toBe(0);
    });
  });

  describe('attempts and deadlines', () => {
    it('retries within one deadline, reports the attempts made and the last failure', async () => {
      const world = fakeWorld();
      const pending = probePptp(target, { attempts: 3, timeoutMs: 3000, retryBackoffMs: 100 }, world.deps);
      world.socket().error('ECONNREFUSED');
      await flush();
      world.clock.advance(100); // first backoff
      await flush();
      expect(world.sockets).toHaveLength(2);
      world.socket().connect(); // second attempt connects, then stays silent until its share runs out
      world.clock.advance(1350); // (3000 - 100 elapsed - 200 pause set aside) / 2
      await flush();
      world.clock.advance(200); // second backoff (doubled)
      await flush();
      expect(world.sockets).toHaveLength(3);
      world.socket().error('ECONNRESET');
      const result = await pending;
      expect(result.attempts).toBe(3);
      expect(result.failure?.class).toBe('connection_reset'); // the last attempt's, not the first's
      expect(result.timings.totalMs).toBeLessThanOrEqual(3000);
    });

    it('gives each attempt an equal share of the time left, so a silent gateway cannot eat the retries', async () => {
      const world = fakeWorld();
      const pending = probePptp(target, { attempts: 2, timeoutMs: 1000, retryBackoffMs: 0 }, world.deps);
      world.clock.advance(500);
      await flush();
      expect(world.sockets).toHaveLength(2);
      expect(world.sockets[0]!.destroyed).toBe(true);
      world.clock.advance(500);
      const result = await pending;
      expect(result).toMatchObject({ attempts: 2, ok: false });
      expect(result.timings.totalMs).toBe(1000);
    });

    it('stops at once when the signal aborts, classified by the phase in progress', async () => {
      const controller = new AbortController();
      const world = fakeWorld({ signal: controller.signal });
      const pending = probePptp(target, { attempts: 3 }, world.deps);
      world.socket().connect();
      controller.abort();
      const result = await pending;
      expect(result.failure).toMatchObject({ class: 'control_timeout' });
      expect(result.attempts).toBe(1);
      expect(world.clock.pendingTimers).toBe(0);
    });
  });
});
