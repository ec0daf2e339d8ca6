// probePptp against broken and hostile PPTP peers on real loopback sockets: every failure class the
// wire can produce, with the phase it is reported in, and the deadline held whatever the peer does.
import { createServer, type AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlMessageType } from '../../shared/probers/pptp/index.js';
import { nodeProbeDeps } from '../../shared/probe/node-deps.js';
import type { ProbeResult } from '../../shared/probe/index.js';
import { probePptp, type PptpControlOptions as ProbeOptions } from '../../shared/probers/pptp/index.js';
import {
  SIM_IDENTITY,
  badMagic,
  banner,
  closeAfterRequest,
  dropCall,
  dropCallAfterAccept,
  echoRequestFlood,
  flood,
  healthy,
  lengthTooLarge,
  lengthTooSmall,
  listeningPeers,
  noStopReply,
  oneByteAtATime,
  oneByteEvery,
  peerReports,
  rejectCall,
  rejectControl,
  rejectEcho,
  resetAfterRequest,
  resetOnAccept,
  severalInOne,
  silentAfterAccept,
  silentEcho,
  startPeer,
  stopRequestFromPeer,
  unexpectedType,
  withPeer,
  type Behaviour,
  type Peer,
} from '../support/hostile-peers.js';

const T = ControlMessageType;
/** Generous: a healthy loopback exchange takes a few ms; failures that are not timeouts must not wait for it. */
const TIMEOUT_MS = 3000;
/** How late a result may be after its deadline: timer and event-loop slack, not a performance target. */
const DEADLINE_SLACK_MS = 50;

function probe(peer: Pick<Peer, 'port'>, options: Partial<ProbeOptions> = {}): Promise<ProbeResult> {
  return probePptp(
    { target: `127.0.0.1:${peer.port}`, host: '127.0.0.1', port: peer.port },
    { timeoutMs: TIMEOUT_MS, ...options },
    nodeProbeDeps(),
  );
}

/** Probes a fresh peer with the given behaviour and measures the wall time of the probe. */
async function probeAgainst(
  behaviour: Behaviour,
  options: Partial<ProbeOptions> = {},
): Promise<{ result: ProbeResult; wallMs: number; peer: Peer }> {
  return withPeer(behaviour, async (peer) => {
    const startedAt = performance.now();
    const result = await probe(peer, options);
    return { result, wallMs: performance.now() - startedAt, peer };
  });
}

/** Leaked resources we can see from inside the worker: sockets, servers and timers. */
function activeResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of process.getActiveResourcesInfo()) counts[name] = (counts[name] ?? 0) + 1;
  return counts;
}

describe('probePptp against hostile peers', () => {
  let baseline: Record<string, number> = {};

  beforeAll(() => {
    baseline = activeResources();
  });

  afterAll(() => {
    // Belt and braces: the last test checks the same, but a filtered run (-t) may skip it.
    expect(listeningPeers()).toBe(0);
  });

  describe('peers', () => {
    it('listens on 127.0.0.1 only, on a port of its own, and counts connections', async () => {
      // Prepare
      const peer = await startPeer(silentAfterAccept);
      try {
        // Act
        const result = await probe(peer, { timeoutMs: 100 });
        // Assess
        expect(peer.host).toBe('127.0.0.1');
        expect(peer.port).toBeGreaterThan(0);
        expect(peer.connections()).toBe(1);
        expect(result.address).toBe('127.0.0.1');
      } finally {
        await peer.close();
      }
      expect(peer.openConnections()).toBe(0);
      expect(await probe(peer, { timeoutMs: 500 })).toMatchObject({ ok: false, failure: { class: 'connect_refused' } });
    });
  });

  describe('healthy exchanges', () => {
    it('reads the server identity back field by field and times every phase', async () => {
      // Prepare / Act
      const { result, peer } = await probeAgainst(healthy);
      // Assess
      expect(result.failure).toBeUndefined();
      expect(result.ok).toBe(true);
      expect(result.attempts).toBe(1);
      expect(result.address).toBe('127.0.0.1');
      expect(result.server?.hostname).toBe('sim-gw');
      expect(result.server?.vendor).toBe('hostile-peers');
      expect(result.server?.firmwareRevision).toBe(0x0102);
      expect(result.server?.protocolVersion).toBe(0x0100);
      expect(result.server?.maxChannels).toBe(7);
      expect(result.server?.framingCapabilities).toBe(3);
      expect(result.server?.bearerCapabilities).toBe(2);
      expect(result.server).toEqual(SIM_IDENTITY);
      for (const ms of [result.timings.connectMs, result.timings.controlMs, result.timings.echoMs]) {
        expect(typeof ms).toBe('number');
        expect(ms).toBeGreaterThanOrEqual(0);
      }
      expect(result.timings.callMs).toBeUndefined();
      expect(result.timings.dnsMs).toBeUndefined(); // an IP literal needs no lookup
      expect(result.timings.totalMs).toBeGreaterThanOrEqual(result.timings.connectMs! + result.timings.controlMs! + result.timings.echoMs!);
      expect(result.notes).toEqual([]);
      expect(result.localPort).toBeGreaterThan(0);
      expect(peer.received().map((m) => m.type)).toEqual([T.StartControlConnectionRequest, T.EchoRequest, T.StopControlConnectionRequest]);
    });

    it('sends an RFC 2637 SCCRQ that names the monitor', async () => {
      // Prepare / Act
      const { peer } = await probeAgainst(healthy, { hostname: 'probe-host', vendor: 'probe-vendor' });
      // Assess
      const sccrq = peer.received()[0];
      expect(sccrq).toMatchObject({
        type: T.StartControlConnectionRequest,
        protocolVersion: 0x0100,
        hostname: 'probe-host',
        vendor: 'probe-vendor',
      });
    });

    it('places, settles and clears an outgoing call with call: true', async () => {
      // Prepare / Act
      const { result, peer } = await probeAgainst(healthy, { call: true, callSettleMs: 20 });
      // Assess
      expect(result.failure).toBeUndefined();
      expect(result.ok).toBe(true);
      expect(typeof result.timings.callMs).toBe('number');
      expect(result.timings.callMs).toBeGreaterThanOrEqual(0);
      expect(result.notes).toEqual([]);
      const types = peer.received().map((m) => m.type);
      expect(types).toEqual([
        T.StartControlConnectionRequest,
        T.EchoRequest,
        T.OutgoingCallRequest,
        T.CallClearRequest,
        T.StopControlConnectionRequest,
      ]);
      const [, , ocrq, ccrq] = peer.received();
      expect(ocrq?.type === T.OutgoingCallRequest && ccrq?.type === T.CallClearRequest && ccrq.callId === ocrq.callId).toBe(true);
    });

    it('reassembles an SCCRP that arrives one byte at a time', async () => {
      // Prepare / Act
      const { result } = await probeAgainst(oneByteAtATime);
      // Assess
      expect(result.failure).toBeUndefined();
      expect(result.ok).toBe(true);
      expect(result.server).toEqual(SIM_IDENTITY);
      expect(result.timings.echoMs).toBeGreaterThanOrEqual(0);
    });

    it('handles an SCCRP, an Echo-Request and a Set-Link-Info in a single read', async () => {
      // Prepare / Act
      const { result, peer } = await probeAgainst(severalInOne);
      // Assess
      expect(result.failure).toBeUndefined();
      expect(result.ok).toBe(true);
      expect(result.server).toEqual(SIM_IDENTITY);
      expect(result.notes).toContain('answered an Echo-Request from the gateway');
      const reply = peer.received().find((m) => m.type === T.EchoReply);
      expect(reply).toMatchObject({ type: T.EchoReply, identifier: 0x5eed, resultCode: 1 });
    });

    it('succeeds with a note when Stop-Control-Connection-Request goes unanswered', async () => {
      // Prepare / Act
      const { result, wallMs } = await probeAgainst(noStopReply, { stopWaitMs: 100 });
      // Assess
      expect(result.failure).toBeUndefined();
      expect(result.ok).toBe(true);
      expect(result.notes.some((note) => note.includes('unanswered'))).toBe(true);
      expect(wallMs).toBeGreaterThanOrEqual(100 - 1);
      expect(wallMs).toBeLessThan(TIMEOUT_MS);
    });
  });

  describe('transport failures', () => {
    it('classifies a closed port as connect_refused', async () => {
      // Prepare
      const server = createServer();
      await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
      const { port } = server.address() as AddressInfo;
      await new Promise<void>((resolve) => server.close(() => resolve()));
      // Act
      const result = await probe({ port });
      // Assess
      expect(result.ok).toBe(false);
      expect(result.failure).toMatchObject({ class: 'connect_refused', phase: 'connect', code: 'ECONNREFUSED' });
      expect(result.timings.connectMs).toBeUndefined();
    });

    it('classifies a reset straight after accept as connection_reset, not a refusal', async () => {
      // The peer accepts and sends RST before libuv reports the client's connect, so connect() completes
      // with ECONNRESET. Nothing refused the SYN (that is ECONNREFUSED): the gateway accepted and dropped
      // us, which is what a crashing pptpd or a resource-starved router looks like.
      // Prepare / Act
      const { result, peer } = await probeAgainst(resetOnAccept);
      // Assess
      expect(peer.connections()).toBe(1);
      expect(result.ok).toBe(false);
      expect(result.failure).toMatchObject({ class: 'connection_reset', phase: 'connect', code: 'ECONNRESET' });
    });

    it('classifies a reset after SCCRQ as connection_reset', async () => {
      // Prepare / Act
      const { result } = await probeAgainst(resetAfterRequest);
      // Assess
      expect(result.ok).toBe(false);
      expect(result.failure).toMatchObject({ class: 'connection_reset', phase: 'control', code: 'ECONNRESET' });
      expect(result.timings.connectMs).toBeGreaterThanOrEqual(0);
      expect(result.timings.controlMs).toBeUndefined();
    });

    it('classifies an orderly close after SCCRQ as connection_closed', async () => {
      // Prepare / Act
      const { result } = await probeAgainst(closeAfterRequest);
      // Assess
      expect(result.ok).toBe(false);
      expect(result.failure).toMatchObject({ class: 'connection_closed', phase: 'control' });
    });

    it('classifies a Stop-Control-Connection-Request in answer to SCCRQ as connection_closed', async () => {
      // Prepare / Act
      const { result, peer } = await probeAgainst(stopRequestFromPeer);
      // Assess
      expect(result.ok).toBe(false);
      expect(result.failure).toMatchObject({ class: 'connection_closed', phase: 'control' });
      expect(result.failure?.message).toContain('reason 3');
      // The probe answers the peer's Stop like a real client before hanging up.
      expect(peer.received().map((m) => m.type)).toContain(T.StopControlConnectionReply);
    });

    it('classifies a silent peer as control_timeout at the deadline', async () => {
      // Prepare / Act
      const { result, wallMs } = await probeAgainst(silentAfterAccept, { timeoutMs: 300 });
      // Assess
      expect(result.ok).toBe(false);
      expect(result.failure).toMatchObject({ class: 'control_timeout', phase: 'control' });
      expect(result.timings.connectMs).toBeGreaterThanOrEqual(0);
      expect(wallMs).toBeGreaterThanOrEqual(300 - 1);
    });
  });

  describe('protocol errors', () => {
    it.each([
      ['a bad magic cookie', badMagic, 'bad_magic_cookie'],
      ['an SSH banner', banner('SSH-2.0-OpenSSH_9.6\r\n'), 'length_above_message_size'],
      ['an HTTP response', banner('HTTP/1.1 400 Bad Request\r\n\r\n'), 'length_above_message_size'],
      ['a length field one byte too large', lengthTooLarge, 'length_above_message_size'],
      ['a length field one byte too small', lengthTooSmall, 'length_below_message_size'],
      ['an Outgoing-Call-Reply in answer to SCCRQ', unexpectedType, 'unexpected_message'],
    ] as const)('classifies %s as protocol_error', async (_name, behaviour, code) => {
      // Prepare / Act
      const { result, wallMs } = await probeAgainst(behaviour);
      // Assess
      expect(result.ok).toBe(false);
      expect(result.failure).toMatchObject({ class: 'protocol_error', phase: 'control', code });
      expect(result.timings.controlMs).toBeUndefined();
      expect(wallMs).toBeLessThan(TIMEOUT_MS / 2);
    });

    it('classifies a flood of bytes as protocol_error well before the deadline', async () => {
      // Prepare / Act
      const { result, wallMs } = await probeAgainst(flood);
      // Assess
      expect(result.ok).toBe(false);
      expect(result.failure).toMatchObject({ class: 'protocol_error', phase: 'control', code: 'flood' });
      expect(result.failure?.message).toContain('more than');
      expect(wallMs).toBeLessThan(TIMEOUT_MS / 4);
    });

    it('classifies endless Echo-Requests as protocol_error well before the deadline', async () => {
      // Prepare / Act
      const { result, wallMs, peer } = await probeAgainst(echoRequestFlood);
      // Assess
      expect(result.ok).toBe(false);
      expect(result.failure).toMatchObject({ class: 'protocol_error', phase: 'control', code: 'flood' });
      expect(wallMs).toBeLessThan(TIMEOUT_MS / 4);
      expect(result.failure?.message).toContain('unsolicited');
      // It answered a bounded number of them (MAX_UNSOLICITED_MESSAGES) before giving up.
      expect(result.notes.filter((note) => note === 'answered an Echo-Request from the gateway')).toHaveLength(8);
      expect(peer.received().filter((m) => m.type === T.EchoReply).length).toBeLessThanOrEqual(8);
    });
  });

  describe('rejections', () => {
    it.each([
      [2, 4],
      [3, 0],
      [4, 0],
      [5, 0],
      [9, 6],
    ])('classifies SCCRP result %i (error %i) as control_rejected and keeps the codes', async (resultCode, errorCode) => {
      // Prepare / Act
      const { result } = await probeAgainst(rejectControl(resultCode, errorCode));
      // Assess
      expect(result.ok).toBe(false);
      expect(result.failure).toMatchObject({ class: 'control_rejected', phase: 'control', resultCode, errorCode });
      expect(result.failure?.message).toContain(`result ${resultCode}`);
      if (resultCode === 9) expect(result.failure?.message).toContain('unknown code 9');
      expect(result.server?.hostname).toBe('sim-gw'); // the identity is read even from a refusal
    });

    it('classifies an Echo-Reply with result 2 as echo_rejected', async () => {
      // Prepare / Act
      const { result } = await probeAgainst(rejectEcho(2, 4));
      // Assess
      expect(result.ok).toBe(false);
      expect(result.failure).toMatchObject({ class: 'echo_rejected', phase: 'echo', resultCode: 2, errorCode: 4 });
      expect(result.timings.controlMs).toBeGreaterThanOrEqual(0);
    });

    it('classifies an unanswered Echo-Request as echo_timeout', async () => {
      // Prepare / Act
      const { result, wallMs } = await probeAgainst(silentEcho, { timeoutMs: 300 });
      // Assess
      expect(result.ok).toBe(false);
      expect(result.failure).toMatchObject({ class: 'echo_timeout', phase: 'echo' });
      expect(result.timings.controlMs).toBeGreaterThanOrEqual(0);
      expect(result.timings.echoMs).toBeUndefined();
      expect(wallMs).toBeLessThanOrEqual(300 + DEADLINE_SLACK_MS);
    });

    it.each([2, 3, 4, 5, 6, 7])('classifies Outgoing-Call-Reply result %i as call_rejected', async (resultCode) => {
      // Prepare / Act
      const { result } = await probeAgainst(rejectCall(resultCode), { call: true });
      // Assess
      expect(result.ok).toBe(false);
      expect(result.failure).toMatchObject({ class: 'call_rejected', phase: 'call', resultCode });
      expect(result.timings.echoMs).toBeGreaterThanOrEqual(0);
    });

    it('classifies a Call-Disconnect-Notify soon after an accepted call as call_dropped', async () => {
      // Prepare / Act
      const { result } = await probeAgainst(dropCallAfterAccept, { call: true });
      // Assess
      expect(result.ok).toBe(false);
      expect(result.failure).toMatchObject({ class: 'call_dropped', phase: 'call', resultCode: 1 });
      expect(result.timings.callMs).toBeGreaterThanOrEqual(0);
    });

    it('classifies a close soon after an accepted call as call_dropped', async () => {
      // Prepare / Act
      const { result } = await probeAgainst(dropCall('close'), { call: true });
      // Assess
      expect(result.ok).toBe(false);
      expect(result.failure).toMatchObject({ class: 'call_dropped', phase: 'call' });
    });

    it('classifies a reset soon after an accepted call as call_dropped', async () => {
      // Prepare / Act
      const { result } = await probeAgainst(dropCall('reset'), { call: true });
      // Assess
      expect(result.ok).toBe(false);
      expect(result.failure).toMatchObject({ class: 'call_dropped', phase: 'call', code: 'ECONNRESET' });
    });
  });

  describe('deadline', () => {
    it.each([
      ['a silent peer', silentAfterAccept, 'control_timeout'],
      ['a peer that sends one SCCRP byte every 20 ms', oneByteEvery(20), 'control_timeout'],
      ['a silent Echo peer', silentEcho, 'echo_timeout'],
      ['a flooding peer', flood, 'protocol_error'],
      ['an Echo-Request flood', echoRequestFlood, 'protocol_error'],
    ] as const)('returns against %s no later than timeoutMs + 50 ms', async (_name, behaviour, cls) => {
      // Prepare
      const timeoutMs = 300;
      // Act
      const { result, wallMs } = await probeAgainst(behaviour, { timeoutMs });
      // Assess
      expect(result.failure?.class).toBe(cls);
      expect(wallMs).toBeLessThanOrEqual(timeoutMs + DEADLINE_SLACK_MS);
      expect(result.timings.totalMs).toBeLessThanOrEqual(timeoutMs + DEADLINE_SLACK_MS);
    });

    it('spends three attempts within the budget against a silent peer', async () => {
      // retryBackoffMs 10 (pauses of 10 and 20 ms) keeps this test about the budget split alone.
      // Prepare / Act
      const { result, wallMs, peer } = await probeAgainst(silentAfterAccept, { timeoutMs: 600, attempts: 3, retryBackoffMs: 10 });
      // Assess
      expect(result.attempts).toBe(3);
      expect(result.failure).toMatchObject({ class: 'control_timeout', phase: 'control' });
      // Equal shares of what is left: about 200, 195 and 175 ms; the last attempt is a real one.
      expect(result.failure?.elapsedMs).toBeGreaterThan(100);
      expect(result.timings.totalMs).toBeLessThanOrEqual(650);
      expect(wallMs).toBeLessThanOrEqual(650);
      expect(peer.connections()).toBe(3);
    });

    // Pauses are set aside before the attempts share the budget, so the last retry is a real one.
    it('gives the third of three attempts a real share of a 600 ms budget with the default backoff', async () => {
      // Prepare / Act
      const { result, wallMs, peer } = await probeAgainst(silentAfterAccept, { timeoutMs: 600, attempts: 3 });
      // Assess
      expect(result.attempts).toBe(3);
      expect(peer.connections()).toBe(3);
      expect(result.failure).toMatchObject({ class: 'control_timeout', phase: 'control' });
      // 600 ms minus 300 ms of backoff leaves 100 ms per attempt; half that is a generous floor.
      expect(result.failure?.elapsedMs).toBeGreaterThanOrEqual(50);
      expect(wallMs).toBeLessThanOrEqual(650);
    });
  });

  describe('resources', () => {
    it('leaves no peer connection, server, socket or timer behind', async () => {
      // Prepare: give closing handles a turn of the loop to go away
      await new Promise((resolve) => setTimeout(resolve, 20));
      // Act
      const reports = peerReports();
      const now = activeResources();
      // Assess
      expect(reports.length).toBeGreaterThan(20);
      expect(reports.filter((r) => r.openAtEnd !== 0)).toEqual([]);
      expect(listeningPeers()).toBe(0);
      for (const kind of ['TCPSocketWrap', 'TCPServerWrap', 'Timeout', 'Immediate']) {
        expect({ kind, count: now[kind] ?? 0 }).toEqual({ kind, count: baseline[kind] ?? 0 });
      }
    });
  });
});
