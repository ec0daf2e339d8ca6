// Hostile GRE peers at the wire (issue 11): the in-memory versions are in
// test/unit/login-session.test.ts; here the peer is a process in a gateway namespace with a real TCP
// listener and a real raw GRE socket (hostile-gre-peer.ts), and the login runs with its production
// deps in a child in the client namespace: the koffi socket, its poll loop and the demultiplexer meet
// the flood, the garbage, the endless Naks and the foreign Call ID. Each login must end with its
// class within the deadline + 50 ms, its RSS must stay bounded, and the child must exit by itself.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_GRE_PACKETS_FROM_PEER } from '../../shared/probers/pptp-login/login-session.js';
import type { LoginBatchEntry, LoginBatchOutput } from '../support/login-batch.js';
import { LYING_PAYLOAD_LENGTH, type HostileGreBehaviour } from '../support/hostile-gre-peer.js';
import { buildLoginRunner, runLoginsIn, startHostilePeerIn } from '../support/login-runner.js';
import { createLoginTopology, type LoginTopology } from '../support/login-topology.js';
import { requireNetns } from '../support/netns.js';
import { readPcapGre } from '../support/pcap-gre.js';
import { malformedFrames, requireTshark, startCapture } from '../support/tshark.js';

const LOGIN_TIMEOUT_MS = 1500;
const DEADLINE_SLACK_MS = 50;
/**
 * Growth of the login process's RSS allowed during one hostile login, in bytes. A login that kept
 * what a 20,000-packet flood sends would grow by far more than this once copies and closures count;
 * the transport's per-session queue (64 packets) and the session's flood cut-off keep it near zero.
 */
const RSS_GROWTH_BOUND_BYTES = 24 * 1024 * 1024;

describe('hostile GRE peers at the wire: raw socket, real packets', () => {
  let skipReason: string | undefined;
  let topology: LoginTopology | undefined;
  let peer: ChildProcess | undefined;
  let dir = '';
  const behaviourFile = (): string => join(dir, 'behaviour');

  beforeAll(async () => {
    skipReason = await requireNetns();
    if (skipReason) return;
    await buildLoginRunner();
    dir = mkdtempSync(join(tmpdir(), 'hostile-gre-'));
    writeFileSync(behaviourFile(), 'silent');
    topology = await createLoginTopology('hos', { nat: false });
    peer = await startHostilePeerIn(topology.gateway, topology.gatewayAddress, behaviourFile());
  });

  afterAll(async () => {
    peer?.kill('SIGTERM');
    await topology?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function loginAgainst(behaviour: HostileGreBehaviour): Promise<{ entry: LoginBatchEntry; output: LoginBatchOutput }> {
    const topo = topology!;
    writeFileSync(behaviourFile(), behaviour);
    const output = await runLoginsIn(
      topo.client,
      { target: { address: topo.gatewayAddress, port: 1723 }, credentials: { username: 'monitor', password: 'hostile' }, options: { timeoutMs: LOGIN_TIMEOUT_MS }, count: 1, concurrency: 1 },
      LOGIN_TIMEOUT_MS + 5000,
    );
    const entry = output.entries[0]!;
    // Assess what holds for every hostile peer: in time, memory bounded, the peer still serving.
    expect(entry.result.timings.totalMs).toBeLessThanOrEqual(LOGIN_TIMEOUT_MS + DEADLINE_SLACK_MS);
    expect(entry.wallMs).toBeLessThanOrEqual(LOGIN_TIMEOUT_MS + DEADLINE_SLACK_MS);
    expect(output.rss.peak - output.rss.before, `RSS ${output.rss.before} -> peak ${output.rss.peak}`).toBeLessThan(RSS_GROWTH_BOUND_BYTES);
    expect(peer?.exitCode).toBeNull();
    return { entry, output };
  }

  it('a flood of 20,000 GRE packets for our call ends as protocol_error (gre_flood), long before the deadline', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    const { entry } = await loginAgainst('flood');
    expect(entry.result.failure?.class).toBe('protocol_error');
    expect(entry.result.failure?.code).toBe('gre_flood');
    expect(entry.result.gre.received + entry.result.gre.dropped).toBeGreaterThan(MAX_GRE_PACKETS_FROM_PEER);
    expect(entry.wallMs).toBeLessThan(LOGIN_TIMEOUT_MS);
  });

  it('malformed PPP and lying GRE lengths are counted and ignored: LCP still opens, then auth_timeout (no challenge)', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    const tshark = requireTshark();
    const topo = topology!;
    const capture = tshark ? undefined : await startCapture(topo.client, topo.clientInterface, join(dir, 'malformed.pcap'));
    let entry: LoginBatchEntry;
    try {
      ({ entry } = await loginAgainst('malformed_ppp'));
    } finally {
      await capture?.stop();
    }
    expect(entry.result.failure?.class).toBe('auth_timeout');
    expect(entry.result.failure?.code).toBe('no_challenge');
    expect(entry.result.timings.lcpMs).toBeTypeOf('number');
    expect(entry.result.gre.malformed).toBeGreaterThan(0);
    if (!capture) return;
    // The wire, judged without us: tshark flags the undecodable PPP but not the well-formed LCP
    // Echo-Requests whose Payload Length lies; reading the GRE header from the bytes catches those.
    const flagged = new Set(await malformedFrames(capture.path));
    const lying = readPcapGre(capture.path).filter((f) => f.payloadLengthField === LYING_PAYLOAD_LENGTH && f.payloadBytes !== LYING_PAYLOAD_LENGTH);
    expect(lying.length).toBeGreaterThan(0);
    expect(flagged.size).toBeGreaterThan(0);
    expect(lying.filter((f) => flagged.has(f.frame))).toEqual([]);
  });

  it('an LCP peer that Naks our Magic-Number forever is stopped as lcp_failed', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    const { entry } = await loginAgainst('lcp_nak_loop');
    expect(entry.result.failure?.class).toBe('lcp_failed');
    expect(entry.result.failure?.rejected?.join(' ')).toContain('Magic-Number');
  });

  it('a peer whose GRE carries another Call ID is gre_blocked (wrong_call_id), the stray packets counted', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    const { entry } = await loginAgainst('wrong_call_id');
    expect(entry.result.failure?.class).toBe('gre_blocked');
    expect(entry.result.failure?.code).toBe('wrong_call_id');
    expect(entry.result.gre.strayFromPeer).toBeGreaterThan(0);
    expect(entry.result.gre.received).toBe(0);
  });
});
