// Independent dissection (issue 11): every login scenario we can run against the real pptpd and the
// test PPP responder is captured inside the namespaces (dumpcap) and judged by Wireshark's dissectors
// (tshark -r): no malformed packet, and the fields that matter right: GRE Key = the receiver's Call
// ID as the PPTP control messages on that side of the wire state it, sequence numbers on every data
// packet and consecutive, acknowledgments only for what the other side already sent, the PPP
// protocols of each stage, LCP's Authentication-Protocol CHAP with algorithm 0x81 (MS-CHAPv2), MPPE
// 128-bit stateless (S and H) in CCP, and the A and D bits on encrypted packets. tshark does not flag
// a GRE Payload Length that disagrees with the payload, so pcap-gre.ts measures it from the bytes.
//
// Two topologies (login-topology.ts): client and gateway on one link for the PPP scenarios, and
// client / NAT router / gateway for the NAT cases, captured on both sides of the router.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PppProtocol } from '../../shared/probers/pptp-login/constants.js';
import type { LoginResult } from '../../shared/probers/pptp-login/login-types.js';
import { dissectLogin, type GreRow, type LoginDissection } from '../support/login-dissection.js';
import { buildLoginRunner, runLoginsIn } from '../support/login-runner.js';
import { createLoginTopology, GATEWAY_GRE_INBOUND_DROP_RULE, PPTP_HELPER_RULE, ROUTER_GRE_INPUT_DROP_RULE, TOPOLOGY_ROUTER_OUTSIDE_ADDRESS, type LoginTopology } from '../support/login-topology.js';
import type { Netns } from '../support/netns.js';
import type { ScenarioFile } from '../support/ppp-responder/scenario.js';
import { startPptpdGateway, type PptpdGateway } from '../support/pptpd-gateway.js';
import { requirePptpd } from '../support/pptpd.js';
import { requireTshark, startCapture } from '../support/tshark.js';

const USER = 'monitor';
const PASSWORD = 'Seen-by-Wireshark!2637';
/** Deadline of a login; the NAT failures wait for it. */
const LOGIN_TIMEOUT_MS = 1500;
const OUTGOING_CALL_REQUEST = 7;
const OUTGOING_CALL_REPLY = 8;
const CONFIGURE_REQUEST = 1;
const CONFIGURE_ACK = 2;
const CONFIGURE_NAK = 3;
const CONFIGURE_REJECT = 4;
const TERMINATE_REQUEST = 5;
const LCP_AUTH_PROTOCOL = 3;
const LCP_MAGIC_NUMBER = 5;
const CHAP_ALGORITHM_MS_CHAP_V2 = 0x81;
const CHAP_CHALLENGE = 1;
const CHAP_RESPONSE = 2;
const CHAP_SUCCESS = 3;
const CHAP_FAILURE = 4;
const CCP_MPPE = 18;
/** MPPE Supported Bits with only H (stateless) and S (128-bit) set (RFC 3078 §2). */
const MPPE_128_STATELESS_BITS = 0x01000040;
const IPCP_IP_ADDRESS = 3;
/** MPPE header flags (RFC 3078 §3): A (flushed: key changed) and D (encrypted). */
const MPPE_FLAG_A = 0x8000;
const MPPE_FLAG_D = 0x1000;

interface Where {
  label: string;
  netns: Netns;
  iface: string;
}

interface CapturedLogin {
  result: LoginResult;
  /** One dissection per capture point, by label. */
  views: Record<string, LoginDissection>;
}

let captureDir = '';
let skipReason: string | undefined;

beforeAll(async () => {
  skipReason = (await requirePptpd()) ?? requireTshark();
  if (skipReason) return;
  await buildLoginRunner();
  captureDir = mkdtempSync(join(tmpdir(), 'login-dissect-'));
});

afterAll(() => {
  // KEEP_CAPTURES=1 keeps the pcap files for a look in Wireshark (the directory is printed).
  if (!captureDir) return;
  if (process.env['KEEP_CAPTURES']) console.log(`captures kept in ${captureDir}`);
  else rmSync(captureDir, { recursive: true, force: true });
});

/** Runs one login with captures running at `where`, waits for pptpd's side to end the call, then dissects each capture. */
async function capturedLogin(topology: LoginTopology, gateway: PptpdGateway, name: string, scenario: Partial<ScenarioFile> & Pick<ScenarioFile, 'scenario'>, where: Where[]): Promise<CapturedLogin> {
  gateway.clearResponderLog();
  gateway.setScenario({ user: USER, password: PASSWORD, restartMs: 400, maxLifetimeMs: 15_000, ...scenario });
  const captures = await Promise.all(where.map((w) => startCapture(w.netns, w.iface, join(captureDir, `${name}-${w.label}.pcap`))));
  let result: LoginResult;
  try {
    const output = await runLoginsIn(
      topology.client,
      { target: { address: topology.gatewayAddress, port: 1723 }, credentials: { username: USER, password: PASSWORD }, options: { timeoutMs: LOGIN_TIMEOUT_MS }, count: 1, concurrency: 1 },
      LOGIN_TIMEOUT_MS + 5000,
    );
    result = output.entries[0]!.result;
    // The responder exits when pptpd ends the call: by then the teardown is on the wire.
    await gateway.waitForResponderLog((e) => e.event === 'exit');
  } finally {
    await Promise.all(captures.map((c) => c.stop()));
  }
  const views: Record<string, LoginDissection> = {};
  await Promise.all(where.map(async (w, i) => void (views[w.label] = await dissectLogin(captures[i]!.path))));
  return { result, views };
}

// ---- what every capture must show ----

/** tshark flags nothing, and every GRE Payload Length equals the bytes that follow the header. */
function expectWellFormed(view: LoginDissection): void {
  expect(view.malformed, 'frames tshark flags as malformed').toEqual([]);
  expect(view.pcap.length).toBe(view.gre.length);
  for (const frame of view.pcap) {
    expect({ frame: frame.frame, length: frame.payloadLengthField }, 'GRE Payload Length vs bytes in the datagram').toEqual({ frame: frame.frame, length: frame.payloadBytes });
    // RFC 2637 §4.1: Key present, version 1, protocol 0x880B; a sequence number exactly when there
    // is a payload; a packet without payload exists only to acknowledge.
    expect({ frame: frame.frame, key: frame.flags.key, version: frame.flags.version, protocol: frame.protocol, sequence: frame.flags.sequence }).toEqual({
      frame: frame.frame,
      key: true,
      version: 1,
      protocol: 0x880b,
      sequence: frame.payloadBytes > 0,
    });
    if (frame.payloadBytes === 0) expect(frame.flags.ack, `ack-only frame ${frame.frame}`).toBe(true);
  }
  const byFrame = new Map(view.gre.map((row) => [row.frame, row]));
  for (const frame of view.pcap) expect(byFrame.get(frame.frame)?.payloadLength, `tshark's Payload Length of frame ${frame.frame}`).toBe(frame.payloadLengthField);
}

/** The Call IDs of the Outgoing-Call-Request and -Reply as this side of the wire saw them. */
function callIds(view: LoginDissection): { client: number; gateway: number } {
  const request = view.pptp.find((p) => p.type === OUTGOING_CALL_REQUEST);
  const reply = view.pptp.find((p) => p.type === OUTGOING_CALL_REPLY);
  expect(request?.callId).toBeTypeOf('number');
  expect(reply?.outResult).toBe(1);
  expect(reply?.peerCallId).toBe(request?.callId);
  return { client: request!.callId!, gateway: reply!.callId! };
}

/**
 * GRE from `source` is keyed with `key`; each data packet carries a sequence number one above the
 * last; each acknowledgment names a sequence number the other side had already sent (the capture
 * saw it first) and never goes backwards.
 */
function expectSequencing(view: LoginDissection, source: string, key: number): GreRow[] {
  const rows = view.gre.filter((r) => r.source === source);
  for (const row of rows) expect(row.callId, `Key of frame ${row.frame}`).toBe(key);
  const data = rows.filter((r) => r.payloadLength > 0);
  for (const row of data) expect(row.hasSequence, `S bit of frame ${row.frame}`).toBe(true);
  data.forEach((row, i) => {
    if (i > 0) expect(row.sequence, `sequence of frame ${row.frame}`).toBe((data[i - 1]!.sequence ?? NaN) + 1);
  });
  let lastAck = -1;
  for (const row of rows.filter((r) => r.hasAck)) {
    const othersBefore = view.gre.filter((r) => r.source !== source && r.frame < row.frame && r.sequence !== undefined).map((r) => r.sequence!);
    expect(othersBefore.length, `frame ${row.frame} acknowledges before anything arrived`).toBeGreaterThan(0);
    expect(row.ack!, `ack of frame ${row.frame}`).toBeLessThanOrEqual(Math.max(...othersBefore));
    expect(row.ack!, `ack of frame ${row.frame} went backwards`).toBeGreaterThanOrEqual(lastAck);
    lastAck = row.ack!;
  }
  return rows;
}

const protocolsOf = (rows: readonly GreRow[]): Set<number | undefined> => new Set(rows.filter((r) => r.payloadLength > 0).map((r) => r.pppProtocol));
const find = (rows: readonly GreRow[], protocol: number, code: number): GreRow[] => rows.filter((r) => r.pppProtocol === protocol && (protocol === PppProtocol.Chap ? r.chapCode : r.code) === code);

/** The gateway asks for CHAP with algorithm 0x81 (MS-CHAPv2); we ask for a Magic-Number and no authentication, and Ack its request. */
function expectLcp(fromClient: readonly GreRow[], fromGateway: readonly GreRow[]): void {
  const gatewayRequest = find(fromGateway, PppProtocol.Lcp, CONFIGURE_REQUEST)[0];
  expect(gatewayRequest?.lcpOptions).toContain(LCP_AUTH_PROTOCOL);
  expect(gatewayRequest?.authProtocol).toBe(PppProtocol.Chap);
  expect(gatewayRequest?.chapAlgorithm).toBe(CHAP_ALGORITHM_MS_CHAP_V2);
  const ourRequest = find(fromClient, PppProtocol.Lcp, CONFIGURE_REQUEST)[0];
  expect(ourRequest?.lcpOptions).toContain(LCP_MAGIC_NUMBER);
  expect(ourRequest?.lcpOptions).not.toContain(LCP_AUTH_PROTOCOL);
  const ourAck = find(fromClient, PppProtocol.Lcp, CONFIGURE_ACK)[0];
  expect(ourAck?.authProtocol).toBe(PppProtocol.Chap);
  expect(ourAck?.chapAlgorithm).toBe(CHAP_ALGORITHM_MS_CHAP_V2);
  expect(find(fromGateway, PppProtocol.Lcp, CONFIGURE_ACK)).not.toHaveLength(0);
}

/** MS-CHAPv2 on the wire: a 16-byte challenge, our 49-byte response. */
function expectChapExchange(fromClient: readonly GreRow[], fromGateway: readonly GreRow[]): void {
  expect(find(fromGateway, PppProtocol.Chap, CHAP_CHALLENGE)[0]?.chapValueSize).toBe(16);
  expect(find(fromClient, PppProtocol.Chap, CHAP_RESPONSE)[0]?.chapValueSize).toBe(49);
}

describe('login scenarios against pptpd, dissected by tshark', () => {
  let topology: LoginTopology | undefined;
  let gateway: PptpdGateway | undefined;

  beforeAll(async () => {
    if (skipReason) return;
    topology = await createLoginTopology('dis', { nat: false });
    gateway = await startPptpdGateway(topology.gateway, { listen: topology.gatewayAddress, scenario: { scenario: 'success', user: USER, password: PASSWORD } });
  });

  afterAll(async () => {
    await gateway?.stop();
    await topology?.destroy();
  });

  async function run(name: string, scenario: Partial<ScenarioFile> & Pick<ScenarioFile, 'scenario'>): Promise<{ result: LoginResult; view: LoginDissection; fromClient: GreRow[]; fromGateway: GreRow[] }> {
    const topo = topology!;
    const { result, views } = await capturedLogin(topo, gateway!, name, scenario, [{ label: 'client', netns: topo.client, iface: topo.clientInterface }]);
    const view = views['client']!;
    expectWellFormed(view);
    const ids = callIds(view);
    expect(ids).toEqual({ client: result.callId, gateway: result.peerCallId });
    const fromClient = expectSequencing(view, topo.clientAddress, ids.gateway);
    const fromGateway = expectSequencing(view, topo.gatewayAddress, ids.client);
    return { result, view, fromClient, fromGateway };
  }

  it('success: LCP, MS-CHAPv2, CCP with MPPE-128 stateless both ways, IPCP, then encrypted packets with A and D set', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    // Act
    const { result, view, fromClient, fromGateway } = await run('success', { scenario: 'success' });
    // Assess
    expect(result.ok).toBe(true);
    for (const side of [fromClient, fromGateway]) {
      expect([...protocolsOf(side)]).toEqual(expect.arrayContaining([PppProtocol.Lcp, PppProtocol.Chap, PppProtocol.Ccp, PppProtocol.Ipcp, PppProtocol.CompressedDatagram]));
      expect(side.some((r) => r.hasAck), 'some GRE of each side acknowledges').toBe(true);
    }
    expectLcp(fromClient, fromGateway);
    expectChapExchange(fromClient, fromGateway);
    expect(find(fromGateway, PppProtocol.Chap, CHAP_SUCCESS)[0]?.chapMessage).toMatch(/^S=[0-9A-F]{40} M=/);
    for (const side of [fromClient, fromGateway]) {
      const request = find(side, PppProtocol.Ccp, CONFIGURE_REQUEST)[0];
      expect(request?.ccpOptions).toEqual([CCP_MPPE]);
      expect(request?.ccpSupportedBits).toBe(MPPE_128_STATELESS_BITS);
      expect(find(side, PppProtocol.Ccp, CONFIGURE_ACK)[0]?.ccpSupportedBits).toBe(MPPE_128_STATELESS_BITS);
    }
    // IPCP: the gateway Naks our 0.0.0.0 with the pool address, we request it, it Acks.
    expect(find(fromGateway, PppProtocol.Ipcp, CONFIGURE_NAK)[0]?.ipcpAddress).toBe(result.assignedAddress);
    expect(find(fromGateway, PppProtocol.Ipcp, CONFIGURE_ACK)[0]?.ipcpAddress).toBe(result.assignedAddress);
    // Encrypted packets (0x00fd): the MPPE header after the 4 bytes of Address, Control and Protocol.
    const encrypted = view.pcap.filter((f) => f.payload.length > 6 && f.payload.readUInt16BE(2) === PppProtocol.CompressedDatagram);
    expect(new Set(encrypted.map((f) => f.source)).size).toBe(2);
    for (const frame of encrypted) {
      const header = frame.payload.readUInt16BE(4);
      expect(header & MPPE_FLAG_A, `A bit of frame ${frame.frame}`).toBe(MPPE_FLAG_A);
      expect(header & MPPE_FLAG_D, `D bit of frame ${frame.frame}`).toBe(MPPE_FLAG_D);
    }
    expect(find(fromClient, PppProtocol.Lcp, TERMINATE_REQUEST)).toHaveLength(1);
  });

  it('E=691: MS-CHAPv2 Failure on the wire, nothing after it but our LCP Terminate-Request', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    const { result, fromClient, fromGateway } = await run('auth-rejected', { scenario: 'auth_rejected' });
    expect(result.failure?.class).toBe('auth_rejected');
    expectLcp(fromClient, fromGateway);
    expectChapExchange(fromClient, fromGateway);
    expect(find(fromGateway, PppProtocol.Chap, CHAP_FAILURE)[0]?.chapMessage).toMatch(/^E=691 R=0 /);
    expect(protocolsOf(fromClient).has(PppProtocol.Ccp)).toBe(false);
    expect(find(fromClient, PppProtocol.Lcp, TERMINATE_REQUEST)).toHaveLength(1);
  });

  it('MPPE refused: our CCP request for 128-bit stateless Configure-Rejected, no IPCP from us, nothing encrypted', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    const { result, fromClient, fromGateway } = await run('mppe-refused', { scenario: 'mppe_refused' });
    expect(result.failure?.class).toBe('encryption_refused');
    expect(find(fromClient, PppProtocol.Ccp, CONFIGURE_REQUEST)[0]?.ccpSupportedBits).toBe(MPPE_128_STATELESS_BITS);
    expect(find(fromGateway, PppProtocol.Ccp, CONFIGURE_REJECT)[0]?.ccpOptions).toEqual([CCP_MPPE]);
    expect(find(fromClient, PppProtocol.Ipcp, CONFIGURE_REQUEST)).toHaveLength(0);
    expect(protocolsOf(fromClient).has(PppProtocol.CompressedDatagram)).toBe(false);
  });

  it('no address: our IPCP IP-Address Configure-Rejected, nothing encrypted sent', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    const { result, fromClient, fromGateway } = await run('no-address', { scenario: 'no_address' });
    expect(result.failure?.class).toBe('no_address');
    expect(find(fromClient, PppProtocol.Ipcp, CONFIGURE_REQUEST)[0]?.ipcpOptions).toContain(IPCP_IP_ADDRESS);
    expect(find(fromGateway, PppProtocol.Ipcp, CONFIGURE_REJECT)[0]?.ipcpOptions).toEqual([IPCP_IP_ADDRESS]);
    expect(protocolsOf(fromClient).has(PppProtocol.CompressedDatagram)).toBe(false);
  });
});

describe('the NAT cases, dissected on both sides of the router', () => {
  let topology: LoginTopology | undefined;
  let gateway: PptpdGateway | undefined;

  beforeAll(async () => {
    if (skipReason) return;
    topology = await createLoginTopology('disn', { nat: true });
    gateway = await startPptpdGateway(topology.gateway, { listen: topology.gatewayAddress, scenario: { scenario: 'success', user: USER, password: PASSWORD } });
    // A router whose firewall drops what is addressed to it: without the helper, silence (no ICMP).
    await topology.iptables(topology.router!, ROUTER_GRE_INPUT_DROP_RULE);
  });

  afterAll(async () => {
    await gateway?.stop();
    await topology?.destroy();
  });

  const sides = (topo: LoginTopology): Where[] => [
    { label: 'client', netns: topo.client, iface: topo.clientInterface },
    { label: 'gateway', netns: topo.gateway, iface: topo.gatewayInterface },
  ];

  it('no helper: the gateway sends its LCP to the router; nothing comes back to the client', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    const topo = topology!;
    const { result, views } = await capturedLogin(topo, gateway!, 'nat-no-helper', { scenario: 'success' }, sides(topo));
    expect(result.failure?.class).toBe('gre_blocked');
    const client = views['client']!;
    const atGateway = views['gateway']!;
    for (const view of [client, atGateway]) expectWellFormed(view);
    // Client side: our GRE, keyed for the gateway's call; none from the gateway.
    const ids = callIds(client);
    expectSequencing(client, topo.clientAddress, ids.gateway);
    expect(client.gre.filter((r) => r.source === topo.gatewayAddress)).toHaveLength(0);
    // Gateway side: our GRE arrives masqueraded as the router; the gateway's own GRE, keyed with
    // the Call ID it saw, goes to the router and its LCP Configure-Requests repeat unanswered.
    const gatewayIds = callIds(atGateway);
    expectSequencing(atGateway, TOPOLOGY_ROUTER_OUTSIDE_ADDRESS, gatewayIds.gateway);
    const gatewayGre = expectSequencing(atGateway, topo.gatewayAddress, gatewayIds.client);
    expect(find(gatewayGre, PppProtocol.Lcp, CONFIGURE_REQUEST).length).toBeGreaterThanOrEqual(2);
  });

  it('with the PPTP helper: both sides well formed, each keyed with the Call IDs its own side of the NAT saw', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    const topo = topology!;
    await topo.iptables(topo.router!, PPTP_HELPER_RULE);
    const { result, views } = await capturedLogin(topo, gateway!, 'nat-helper', { scenario: 'success' }, sides(topo));
    expect(result.ok).toBe(true);
    const client = views['client']!;
    const atGateway = views['gateway']!;
    for (const view of [client, atGateway]) expectWellFormed(view);
    const ids = callIds(client);
    expect(ids).toEqual({ client: result.callId, gateway: result.peerCallId });
    expectLcp(expectSequencing(client, topo.clientAddress, ids.gateway), expectSequencing(client, topo.gatewayAddress, ids.client));
    const gatewayIds = callIds(atGateway);
    expectSequencing(atGateway, TOPOLOGY_ROUTER_OUTSIDE_ADDRESS, gatewayIds.gateway);
    expectSequencing(atGateway, topo.gatewayAddress, gatewayIds.client);
  });

  it('GRE dropped into the gateway: its LCP reaches us, but none of its GRE acknowledges or answers ours', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    const topo = topology!;
    await topo.iptables(topo.gateway, GATEWAY_GRE_INBOUND_DROP_RULE);
    const { result, views } = await capturedLogin(topo, gateway!, 'nat-one-way', { scenario: 'success' }, sides(topo).slice(0, 1));
    expect(result.failure?.class).toBe('gre_one_way');
    const client = views['client']!;
    expectWellFormed(client);
    const ids = callIds(client);
    const fromGateway = expectSequencing(client, topo.gatewayAddress, ids.client);
    expect(find(fromGateway, PppProtocol.Lcp, CONFIGURE_REQUEST).length).toBeGreaterThanOrEqual(1);
    expect(fromGateway.filter((r) => r.hasAck)).toHaveLength(0);
    expect(fromGateway.filter((r) => r.pppProtocol === PppProtocol.Lcp && r.code !== CONFIGURE_REQUEST)).toHaveLength(0);
  });
});
