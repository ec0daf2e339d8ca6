// The RFC 1661 §4 option negotiation automaton and the LCP, IPCP and CCP policies, exercised by two
// automatons talking through an in-memory link on a fake clock: normal opening, lost packets, a
// silent peer, a peer that Naks forever, Configure-Reject, Terminate, and hostile replies.
import { describe, expect, it } from 'vitest';
import { CcpPolicy, MPPE_128_STATELESS } from '../../shared/probers/pptp-login/ccp-policy.js';
import { ControlCode, IpcpOption, LcpOption, MppeBit } from '../../shared/probers/pptp-login/constants.js';
import {
  decodeControlPacket,
  decodeEcho,
  decodeOptions,
  encodeControlPacket,
  encodeEcho,
  encodeOptions,
  type ConfigOption,
} from '../../shared/probers/pptp-login/control-packet.js';
import { IpcpPolicy } from '../../shared/probers/pptp-login/ipcp-policy.js';
import { LcpPolicy } from '../../shared/probers/pptp-login/lcp-policy.js';
import { NegotiationAutomaton, type AutomatonConfig } from '../../shared/probers/pptp-login/negotiation-automaton.js';
import type { NegotiationFailure, NegotiationPolicy, PeerRequestVerdict } from '../../shared/probers/pptp-login/negotiation-policy.js';
import { TIMER_STATES, TRANSITIONS } from '../../shared/probers/pptp-login/negotiation-table.js';
import { accmOption, authProtocolOption, ipAddressOption, magicNumberOption, mppeOption, readMagicNumber } from '../../shared/probers/pptp-login/options.js';
import { formatIpv4, parseIpv4 } from '../../shared/probers/pptp-login/ipv4.js';
import { mulberry32 } from '../support/prng.js';

const RESTART_MS = 1000;
const LINK_DELAY_MS = 5;

// ---- a fake clock and an in-memory link ----

class FakeClock {
  now = 0;
  private timers: Array<{ at: number; seq: number; fn: () => void; cancelled: boolean }> = [];
  private seq = 0;

  readonly schedule = (delayMs: number, fn: () => void): (() => void) => {
    const timer = { at: this.now + delayMs, seq: this.seq++, fn, cancelled: false };
    this.timers.push(timer);
    return () => {
      timer.cancelled = true;
    };
  };

  /** Timers still to fire, for invariant checks. */
  pending(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      const live = this.timers.filter((t) => !t.cancelled && t.at <= end).sort((x, y) => x.at - y.at || x.seq - y.seq);
      const next = live[0];
      if (!next) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.now = next.at;
      next.fn();
    }
    this.now = end;
    this.timers = this.timers.filter((t) => !t.cancelled);
  }
}

type Side = 'client' | 'server';

interface Sent {
  from: Side;
  at: number;
  code: number;
  identifier: number;
  data: Uint8Array;
}

interface Endpoint {
  automaton: NegotiationAutomaton;
  ups: number;
  downs: number;
  finished: Array<NegotiationFailure | undefined>;
  discarded: string[];
}

/** Two automatons joined by a link that delivers after LINK_DELAY_MS unless `drop` says otherwise. */
function connect(
  name: string,
  clientPolicy: NegotiationPolicy,
  serverPolicy: NegotiationPolicy,
  options: { drop?: (packet: Sent, index: number) => boolean; config?: Partial<AutomatonConfig>; serverConfig?: Partial<AutomatonConfig> } = {},
) {
  const clock = new FakeClock();
  const sent: Sent[] = [];
  const endpoints = new Map<Side, Endpoint>();
  const make = (side: Side, policy: NegotiationPolicy, extra: Partial<AutomatonConfig> = {}): Endpoint => {
    const stats = { ups: 0, downs: 0, finished: [] as Array<NegotiationFailure | undefined>, discarded: [] as string[] };
    const automaton = new NegotiationAutomaton({ name, schedule: clock.schedule, restartMs: RESTART_MS, ...options.config, ...extra }, policy, {
      send: (bytes) => {
        const packet = decodeControlPacket(bytes);
        const record: Sent = { from: side, at: clock.now, code: packet.code, identifier: packet.identifier, data: packet.data };
        sent.push(record);
        if (options.drop?.(record, sent.length - 1)) return;
        const to: Side = side === 'client' ? 'server' : 'client';
        clock.schedule(LINK_DELAY_MS, () => endpoints.get(to)?.automaton.receive(bytes));
      },
      thisLayerUp: () => void stats.ups++,
      thisLayerDown: () => void stats.downs++,
      thisLayerFinished: (failure) => void stats.finished.push(failure),
      discarded: (reason) => void stats.discarded.push(reason),
    });
    const endpoint: Endpoint = Object.assign(stats, { automaton });
    endpoints.set(side, endpoint);
    return endpoint;
  };
  const client = make('client', clientPolicy);
  const server = make('server', serverPolicy, options.serverConfig);
  const start = (): void => {
    for (const endpoint of [client, server]) {
      endpoint.automaton.open();
      endpoint.automaton.up();
    }
  };
  const count = (from: Side, code: number): number => sent.filter((p) => p.from === from && p.code === code).length;
  return { clock, sent, client, server, start, count };
}

/** A peer whose request and judgement a test scripts; it drops what the other side rejects. */
class ScriptedPolicy implements NegotiationPolicy {
  naks: ConfigOption[][] = [];
  rejects: ConfigOption[][] = [];
  acked: ConfigOption[] | undefined;

  constructor(
    public request: ConfigOption[],
    public judge: (options: readonly ConfigOption[]) => PeerRequestVerdict = () => ({ kind: 'ack' }),
    public nakHook: (options: readonly ConfigOption[]) => void = () => undefined,
  ) {}

  buildRequest(): ConfigOption[] {
    return this.request;
  }
  judgeRequest(options: readonly ConfigOption[]): PeerRequestVerdict {
    return this.judge(options);
  }
  onPeerAcked(options: readonly ConfigOption[]): void {
    this.acked = [...options];
  }
  onNak(options: readonly ConfigOption[]): NegotiationFailure | undefined {
    this.naks.push([...options]);
    this.nakHook(options);
    return undefined;
  }
  onReject(options: readonly ConfigOption[]): NegotiationFailure | undefined {
    this.rejects.push([...options]);
    this.request = this.request.filter((r) => !options.some((o) => o.type === r.type));
    return undefined;
  }
}

const magics = (...values: number[]): (() => number) => {
  let i = 0;
  return () => values[Math.min(i++, values.length - 1)]!;
};

function optionsOf(packet: Sent): ConfigOption[] {
  return decodeOptions(packet.data);
}

// ---- LCP ----

describe('LCP negotiation between two automatons', () => {
  it('opens both sides: the client acks MS-CHAPv2, magic numbers and ACCM, and the server acks our magic', () => {
    // Prepare
    const client = new LcpPolicy({ allowedAuth: ['mschapv2', 'chap-md5'], nextMagic: magics(0x11111111) });
    const server = new ScriptedPolicy([accmOption(0), authProtocolOption('mschapv2'), magicNumberOption(0x22222222)]);
    const link = connect('LCP', client, server, { config: { isLcp: true } });

    // Act
    link.start();
    link.clock.advance(100);

    // Assess
    expect(link.client.automaton.state).toBe('opened');
    expect(link.server.automaton.state).toBe('opened');
    expect([link.client.ups, link.server.ups]).toEqual([1, 1]);
    expect(client.negotiated).toMatchObject({ localMagic: 0x11111111, peerMagic: 0x22222222, auth: 'mschapv2', peerAccm: 0, peerMruBytes: 1500 });
    expect(server.acked?.map((o) => o.type)).toEqual([LcpOption.MagicNumber]);
  });

  it('Naks an authentication protocol the target does not allow toward the preferred one, and opens once the server follows', () => {
    // Prepare: the server asks for CHAP-MD5, then EAP, then takes what it is Nak'd with.
    const client = new LcpPolicy({ allowedAuth: ['mschapv2'], nextMagic: magics(7) });
    const server = new ScriptedPolicy([]);
    const run = connect('LCP', client, server, { config: { isLcp: true } });
    let requests = 0;
    server.buildRequest = () => {
      requests++;
      return requests === 1 ? [authProtocolOption('chap-md5'), magicNumberOption(9)] : [authProtocolOption('mschapv2'), magicNumberOption(9)];
    };

    // Act
    run.start();
    run.clock.advance(100);

    // Assess
    const naks = run.sent.filter((p) => p.from === 'client' && p.code === ControlCode.ConfigureNak);
    expect(naks).toHaveLength(1);
    expect(optionsOf(naks[0]!)).toEqual([{ type: LcpOption.AuthProtocol, data: Buffer.from([0xc2, 0x23, 0x81]) }]);
    expect(run.client.automaton.state).toBe('opened');
    expect(client.negotiated.auth).toBe('mschapv2');
  });

  it('recovers from lost packets by retransmitting on the Restart timer', () => {
    // Prepare: the first three packets the client sends are lost.
    const client = new LcpPolicy({ allowedAuth: ['mschapv2'], nextMagic: magics(0xabc) });
    const server = new ScriptedPolicy([magicNumberOption(0xdef)]);
    const link = connect('LCP', client, server, { config: { isLcp: true }, drop: (p) => p.from === 'client' && link.count('client', ControlCode.ConfigureRequest) <= 3 && p.code === ControlCode.ConfigureRequest });

    // Act
    link.start();
    link.clock.advance(10 * RESTART_MS);

    // Assess
    const requests = link.sent.filter((p) => p.from === 'client' && p.code === ControlCode.ConfigureRequest);
    expect(link.client.automaton.state).toBe('opened');
    expect(link.server.automaton.state).toBe('opened');
    expect(requests).toHaveLength(4);
    expect(requests.map((r) => r.at)).toEqual([0, RESTART_MS, 2 * RESTART_MS, 3 * RESTART_MS]);
    // Retransmissions repeat the request, identifier included.
    expect(new Set(requests.map((r) => r.identifier)).size).toBe(1);
  });

  it('ignores a second Configure-Ack for the same request once Opened (a slow peer answered the request and its retransmission)', () => {
    // Prepare: a negotiation that reached Opened, then the peer's Ack of our request delivered again (as
    // pptpd queues both copies while its PPP program starts; the 100-login bench saw LCP restart on it).
    const client = new LcpPolicy({ allowedAuth: ['mschapv2'], nextMagic: magics(0xabc) });
    const server = new ScriptedPolicy([magicNumberOption(0xdef)]);
    const link = connect('LCP', client, server, { config: { isLcp: true } });
    link.start();
    link.clock.advance(RESTART_MS);
    expect(link.client.automaton.state).toBe('opened');
    const ack = link.sent.find((p) => p.from === 'server' && p.code === ControlCode.ConfigureAck)!;
    const sentBefore = link.sent.length;
    // Act
    link.client.automaton.receive(encodeControlPacket({ code: ack.code, identifier: ack.identifier, data: ack.data }));
    link.clock.advance(3 * RESTART_MS);
    // Assess: still Opened, nothing re-sent, the duplicate discarded and said so.
    expect(link.client.automaton.state).toBe('opened');
    expect(link.client.ups).toBe(1);
    expect(link.client.downs).toBe(0);
    expect(link.sent.length).toBe(sentBefore);
    expect(link.client.discarded.some((d) => d.includes('second reply'))).toBe(true);
  });

  it('gives up after Max-Configure unanswered requests (TO-): Stopped, tlf with no_response', () => {
    // Prepare: everything the client sends is lost.
    const client = new LcpPolicy({ allowedAuth: ['mschapv2'], nextMagic: magics(1) });
    const link = connect('LCP', client, new ScriptedPolicy([]), { config: { isLcp: true }, drop: (p) => p.from === 'client' });

    // Act
    link.client.automaton.open();
    link.client.automaton.up();
    link.clock.advance(60 * RESTART_MS);

    // Assess
    expect(link.count('client', ControlCode.ConfigureRequest)).toBe(10);
    expect(link.client.automaton.state).toBe('stopped');
    expect(link.client.finished).toEqual([{ code: 'no_response', message: 'LCP: no reply to 10 Configure-Requests' }]);
    expect(link.clock.pending()).toBe(0);
  });

  it('ends negotiation when the peer Naks forever: Max-Failure Naks are followed, the next one closes (not_converging)', () => {
    // Prepare: the server Naks every Magic-Number it is offered, and its own Max-Failure is out of reach
    // (a conforming peer would turn the sixth Nak into a Reject, and negotiation would then converge).
    let offered = 100;
    const client = new LcpPolicy({ allowedAuth: ['mschapv2'], nextMagic: () => ++offered });
    const server = new ScriptedPolicy([], () => ({ kind: 'nak', options: [magicNumberOption(0x5555)] }));
    const link = connect('LCP', client, server, { config: { isLcp: true }, serverConfig: { maxFailure: 1000 } });

    // Act
    link.start();
    link.clock.advance(20 * RESTART_MS);

    // Assess: 1 + 5 requests, 6 Naks, then Terminate-Request and the server's Terminate-Ack.
    expect(link.count('client', ControlCode.ConfigureRequest)).toBe(6);
    expect(link.count('server', ControlCode.ConfigureNak)).toBe(6);
    expect(link.count('client', ControlCode.TerminateRequest)).toBe(1);
    expect(link.client.automaton.state).toBe('closed');
    expect(link.client.finished).toEqual([{ code: 'not_converging', message: 'LCP: 6 Configure-Naks without converging' }]);
  });

  it('converges with a conforming peer that Naks our Magic-Number until its own Max-Failure turns the Nak into a Reject', () => {
    // Prepare: both sides use the default Max-Failure of 5.
    let offered = 100;
    const client = new LcpPolicy({ allowedAuth: ['mschapv2'], nextMagic: () => ++offered });
    const server = new ScriptedPolicy([], (options) =>
      options.length > 0 ? { kind: 'nak', options: [magicNumberOption(0x5555)] } : { kind: 'ack' },
    );
    const link = connect('LCP', client, server, { config: { isLcp: true } });

    // Act
    link.start();
    link.clock.advance(20 * RESTART_MS);

    // Assess
    expect(link.sent.filter((p) => p.from === 'server' && p.code >= 3 && p.code <= 4).map((p) => p.code)).toEqual([3, 3, 3, 3, 3, 4]);
    expect(link.client.automaton.state).toBe('opened');
    expect(client.negotiated.localMagic).toBeUndefined();
  });

  it('turns its own Naks into Rejects after Max-Failure (RFC 1661 §4.6) when the peer insists on EAP', () => {
    // Prepare: the server asks for EAP (0xc227) every time and ignores our Naks.
    const client = new LcpPolicy({ allowedAuth: ['mschapv2'], nextMagic: magics(3) });
    const eap: ConfigOption = { type: LcpOption.AuthProtocol, data: Buffer.from([0xc2, 0x27]) };
    const server = new ScriptedPolicy([eap, magicNumberOption(4)]);
    server.onReject = (options) => {
      server.rejects.push([...options]);
      return { code: 'refused', message: 'server: authentication is mandatory' };
    };
    const link = connect('LCP', client, server, { config: { isLcp: true }, serverConfig: { maxFailure: 1000 } });

    // Act
    link.start();
    link.clock.advance(20 * RESTART_MS);

    // Assess
    const replies = link.sent.filter((p) => p.from === 'client' && (p.code === ControlCode.ConfigureNak || p.code === ControlCode.ConfigureReject));
    expect(replies.map((p) => p.code)).toEqual([3, 3, 3, 3, 3, 4]);
    expect(optionsOf(replies[5]!)).toEqual([eap]);
    expect(link.server.finished[0]).toEqual({ code: 'refused', message: 'server: authentication is mandatory' });
  });

  it('drops a rejected Magic-Number and opens without one (RFC 1661 §6.4)', () => {
    // Prepare
    const client = new LcpPolicy({ allowedAuth: ['pap'], nextMagic: magics(0x1234) });
    const server = new ScriptedPolicy([authProtocolOption('pap')], (options) => {
      const magic = options.filter((o) => o.type === LcpOption.MagicNumber);
      return magic.length > 0 ? { kind: 'reject', options: magic } : { kind: 'ack' };
    });
    const link = connect('LCP', client, server, { config: { isLcp: true } });

    // Act
    link.start();
    link.clock.advance(100);

    // Assess
    const requests = link.sent.filter((p) => p.from === 'client' && p.code === ControlCode.ConfigureRequest);
    expect(requests.map((r) => optionsOf(r).length)).toEqual([1, 0]);
    expect(link.client.automaton.state).toBe('opened');
    expect(client.negotiated).toMatchObject({ localMagic: undefined, auth: 'pap' });
  });

  it('terminates cleanly: Close sends Terminate-Request, the peer acks, waits a Restart period and finishes', () => {
    // Prepare
    const client = new LcpPolicy({ allowedAuth: ['mschapv2'], nextMagic: magics(5) });
    const link = connect('LCP', client, new ScriptedPolicy([magicNumberOption(6)]), { config: { isLcp: true } });
    link.start();
    link.clock.advance(100);

    // Act
    link.client.automaton.close();
    link.clock.advance(10);
    const serverStateAfterAck = link.server.automaton.state;
    link.clock.advance(2 * RESTART_MS);

    // Assess
    expect(link.client.automaton.state).toBe('closed');
    expect(link.client.finished).toEqual([undefined]);
    expect(link.client.downs).toBe(1);
    expect(serverStateAfterAck).toBe('stopping');
    expect(link.server.automaton.state).toBe('stopped');
    expect(link.server.finished).toEqual([{ code: 'peer_terminated', message: 'LCP: peer sent Terminate-Request' }]);
    expect(link.clock.pending()).toBe(0);
  });

  it('answers Echo-Request with its magic in Opened, Code-Rejects unknown codes and finishes on a catastrophic Code-Reject', () => {
    // Prepare
    const client = new LcpPolicy({ allowedAuth: ['mschapv2'], nextMagic: magics(0xcafe) });
    const link = connect('LCP', client, new ScriptedPolicy([]), { config: { isLcp: true, localMagic: () => client.negotiated.localMagic ?? 0 } });
    link.start();
    link.clock.advance(100);
    const before = link.sent.length;

    // Act
    link.client.automaton.receive(encodeEcho(ControlCode.EchoRequest, 42, { magicNumber: 0, data: Buffer.from('ping') }));
    link.client.automaton.receive(encodeControlPacket({ code: 0x42, identifier: 1, data: Buffer.from([1, 2]) }));
    link.client.automaton.receive(encodeControlPacket({ code: ControlCode.CodeReject, identifier: 2, data: Buffer.from([1, 1, 0, 4]) }));

    // Assess
    const [reply, codeReject, terminate] = link.sent.slice(before);
    expect(reply).toMatchObject({ code: ControlCode.EchoReply, identifier: 42 });
    expect(decodeEcho({ code: 10, identifier: 42, data: reply!.data })).toEqual({ magicNumber: 0xcafe, data: Buffer.from('ping') });
    expect(codeReject).toMatchObject({ code: ControlCode.CodeReject, data: Buffer.from([0x42, 1, 0, 6, 1, 2]) });
    expect(terminate).toMatchObject({ code: ControlCode.TerminateRequest });
    expect(link.client.automaton.state).toBe('stopping');
    expect(link.client.automaton.failure?.code).toBe('catastrophic_reject');
  });

  it('silently discards replies with a stale identifier, Acks that differ from the request and Rejects of options never sent', () => {
    // Prepare: only the client runs; the test plays the peer by hand.
    const client = new LcpPolicy({ allowedAuth: ['mschapv2'], nextMagic: magics(0x0a0b0c0d) });
    const link = connect('LCP', client, new ScriptedPolicy([]), { config: { isLcp: true }, drop: () => true });
    link.client.automaton.open();
    link.client.automaton.up();
    const request = link.sent[0]!;
    const reply = (code: number, identifier: number, options: ConfigOption[]): void =>
      link.client.automaton.receive(encodeControlPacket({ code, identifier, data: encodeOptions(options) }));

    // Act
    reply(ControlCode.ConfigureAck, request.identifier + 1, optionsOf(request));
    reply(ControlCode.ConfigureAck, request.identifier, [magicNumberOption(1)]);
    reply(ControlCode.ConfigureReject, request.identifier, [accmOption(0)]);
    link.client.automaton.receive(Buffer.from([2, request.identifier, 0, 3]));
    const stateAfterJunk = link.client.automaton.state;
    reply(ControlCode.ConfigureAck, request.identifier, optionsOf(request));

    // Assess
    expect(stateAfterJunk).toBe('req-sent');
    expect(link.client.discarded).toHaveLength(4);
    expect(link.client.automaton.state).toBe('ack-rcvd');
    expect(readMagicNumber(optionsOf(request)[0]!)).toBe(0x0a0b0c0d);
  });

  it('Naks a zero or looped-back Magic-Number and a too-small MRU, and Rejects unknown or malformed options', () => {
    const policy = new LcpPolicy({ allowedAuth: ['mschapv2'], nextMagic: magics(0x77, 0x88) });
    const own = policy.buildRequest()[0]!;
    expect(policy.judgeRequest([magicNumberOption(0)])).toEqual({ kind: 'nak', options: [magicNumberOption(0x88)] });
    expect(policy.judgeRequest([own]).kind).toBe('nak');
    expect(policy.judgeRequest([{ type: LcpOption.Mru, data: Buffer.from([0, 64]) }])).toEqual({ kind: 'nak', options: [{ type: 1, data: Buffer.from([0, 128]) }] });
    expect(policy.judgeRequest([{ type: LcpOption.ProtocolFieldCompression, data: Buffer.from([1]) }, { type: 13, data: Buffer.from([6]) }]).kind).toBe('reject');
    expect(policy.judgeRequest([{ type: LcpOption.QualityProtocol, data: Buffer.from([0xc0, 0x25]) }, magicNumberOption(0)])).toEqual({
      kind: 'reject',
      options: [{ type: LcpOption.QualityProtocol, data: Buffer.from([0xc0, 0x25]) }],
    });
  });
});

// ---- IPCP ----

describe('IPCP negotiation', () => {
  const gateway = (judge: (options: readonly ConfigOption[]) => PeerRequestVerdict): ScriptedPolicy =>
    new ScriptedPolicy([ipAddressOption(IpcpOption.IpAddress, parseIpv4('10.0.0.1'))], judge);

  /** A gateway that assigns 10.0.0.2 and, if asked, DNS 192.0.2.53 / 192.0.2.54. */
  const assigning = (options: readonly ConfigOption[]): PeerRequestVerdict => {
    const offers: Record<number, string> = { [IpcpOption.IpAddress]: '10.0.0.2', [IpcpOption.PrimaryDns]: '192.0.2.53', [IpcpOption.SecondaryDns]: '192.0.2.54' };
    const naks = options.filter((o) => Buffer.from(o.data).equals(Buffer.alloc(4))).map((o) => ipAddressOption(o.type, parseIpv4(offers[o.type]!)));
    return naks.length > 0 ? { kind: 'nak', options: naks } : { kind: 'ack' };
  };

  it('asks for 0.0.0.0, takes the address the peer Naks with, and accepts the peer\'s own', () => {
    // Prepare
    const client = new IpcpPolicy({ requestDns: true });
    const link = connect('IPCP', client, gateway(assigning));

    // Act
    link.start();
    link.clock.advance(100);

    // Assess
    expect(link.client.automaton.state).toBe('opened');
    const { localAddress, peerAddress, primaryDns, secondaryDns } = client.negotiated;
    expect([localAddress, peerAddress, primaryDns, secondaryDns].map((a) => (a ? formatIpv4(a) : a))).toEqual(['10.0.0.2', '10.0.0.1', '192.0.2.53', '192.0.2.54']);
  });

  it('drops DNS options the peer rejects and opens with the address alone', () => {
    // Prepare
    const client = new IpcpPolicy({ requestDns: true });
    const link = connect('IPCP', client, gateway((options) => {
      const dns = options.filter((o) => o.type !== IpcpOption.IpAddress);
      return dns.length > 0 ? { kind: 'reject', options: dns } : assigning(options);
    }));

    // Act
    link.start();
    link.clock.advance(100);

    // Assess
    expect(link.client.automaton.state).toBe('opened');
    expect(client.negotiated.primaryDns).toBeUndefined();
    expect(formatIpv4(client.negotiated.localAddress!)).toBe('10.0.0.2');
  });

  it('fails (refused) when the peer rejects IP-Address, and rejects a peer asking us for an address or DNS', () => {
    // Prepare
    const client = new IpcpPolicy();
    const link = connect('IPCP', client, gateway((options) => ({ kind: 'reject', options: [...options] })));

    // Act
    link.start();
    link.clock.advance(5 * RESTART_MS);

    // Assess
    expect(link.client.automaton.failure).toMatchObject({ code: 'refused' });
    expect(link.client.finished[0]?.code).toBe('refused');
    expect(client.judgeRequest([ipAddressOption(IpcpOption.IpAddress, Buffer.alloc(4)), ipAddressOption(IpcpOption.PrimaryDns, Buffer.alloc(4))])).toEqual({
      kind: 'reject',
      options: [ipAddressOption(IpcpOption.IpAddress, Buffer.alloc(4)), ipAddressOption(IpcpOption.PrimaryDns, Buffer.alloc(4))],
    });
  });
});

// ---- CCP ----

describe('CCP negotiation of MPPE', () => {
  it('opens with 128-bit stateless MPPE in both directions', () => {
    // Prepare
    const client = new CcpPolicy();
    const server = new CcpPolicy();
    const link = connect('CCP', client, server, { config: { extraCodes: [14, 15] } });

    // Act
    link.start();
    link.clock.advance(100);

    // Assess
    expect(link.client.automaton.state).toBe('opened');
    expect(client.negotiated).toEqual({ sendEncrypted: true, receiveEncrypted: true });
    expect(server.negotiated).toEqual({ sendEncrypted: true, receiveEncrypted: true });
  });

  it('Naks a stateful or weaker MPPE request toward S|H, and MPPE missing altogether', () => {
    const policy = new CcpPolicy();
    expect(policy.judgeRequest([mppeOption(MppeBit.Bits128)])).toEqual({ kind: 'nak', options: [mppeOption(MPPE_128_STATELESS)] });
    expect(policy.judgeRequest([mppeOption(MppeBit.Bits40 | MppeBit.Bits128 | MppeBit.Stateless)]).kind).toBe('nak');
    expect(policy.judgeRequest([])).toEqual({ kind: 'nak', options: [mppeOption(MPPE_128_STATELESS)] });
    expect(policy.judgeRequest([{ type: 26, data: Buffer.from([0x78, 0]) }, mppeOption(MPPE_128_STATELESS)]).kind).toBe('reject');
  });

  it('refuses a peer that only offers 40-bit, and one that rejects MPPE, and closes', () => {
    for (const judge of [
      (): PeerRequestVerdict => ({ kind: 'nak', options: [mppeOption(MppeBit.Bits40 | MppeBit.Stateless)] }),
      (options: readonly ConfigOption[]): PeerRequestVerdict => ({ kind: 'reject', options: [...options] }),
    ]) {
      // Prepare
      const link = connect('CCP', new CcpPolicy(), new ScriptedPolicy([mppeOption(MPPE_128_STATELESS)], judge));

      // Act
      link.start();
      link.clock.advance(5 * RESTART_MS);

      // Assess
      expect(link.client.finished[0]?.code).toBe('refused');
      expect(link.count('client', ControlCode.TerminateRequest)).toBeGreaterThanOrEqual(1);
    }
    const link = connect('CCP', new CcpPolicy(), new ScriptedPolicy([], () => ({ kind: 'nak', options: [mppeOption(MppeBit.Bits40 | MppeBit.Stateless)] })));
    link.start();
    link.clock.advance(100);
    expect(link.client.automaton.failure?.message).toBe('CCP: the peer offers MPPE 40-bit stateless, not 128-bit stateless');
  });
});

// ---- the table itself ----

describe('the transition table and timer invariant', () => {
  it('covers every event in every state the RFC defines, and the Restart timer runs exactly in the TO states', () => {
    // Prepare: random events and packets against one automaton whose peer echoes plausible replies.
    const next = mulberry32(0x1661);
    const clock = new FakeClock();
    let lastRequest: Buffer | undefined;
    const automaton = new NegotiationAutomaton({ name: 'LCP', schedule: clock.schedule, restartMs: RESTART_MS, isLcp: true }, new LcpPolicy({ allowedAuth: ['mschapv2'], nextMagic: () => Math.floor(next() * 2 ** 32) }), {
      send: (bytes) => {
        if (bytes[0] === ControlCode.ConfigureRequest) lastRequest = Buffer.from(bytes);
      },
    });
    const violations: string[] = [];
    const reply = (code: number): void => {
      if (lastRequest) automaton.receive(Buffer.concat([Buffer.from([code]), lastRequest.subarray(1)]));
    };
    const steps: Array<() => void> = [
      () => automaton.up(),
      () => automaton.down(),
      () => automaton.open(),
      () => automaton.close(),
      () => clock.advance(RESTART_MS),
      () => reply(ControlCode.ConfigureAck),
      () => reply(ControlCode.ConfigureNak),
      () => automaton.receive(encodeControlPacket({ code: 1, identifier: 9, data: encodeOptions([magicNumberOption(Math.floor(next() * 100))]) })),
      () => automaton.receive(encodeControlPacket({ code: 5, identifier: 3, data: new Uint8Array(0) })),
      () => automaton.receive(encodeControlPacket({ code: 6, identifier: 3, data: new Uint8Array(0) })),
      () => automaton.receive(encodeControlPacket({ code: 9, identifier: 4, data: Buffer.alloc(4) })),
    ];

    // Act
    for (let i = 0; i < 20_000; i++) {
      steps[Math.floor(next() * steps.length)]!();
      const running = clock.pending() > 0;
      if (running !== TIMER_STATES.has(automaton.state)) violations.push(`step ${i}: state ${automaton.state} with timer ${running}`);
    }

    // Assess
    expect(violations.slice(0, 3)).toEqual([]);
    for (const state of ['closed', 'stopped', 'closing', 'stopping', 'req-sent', 'ack-rcvd', 'ack-sent', 'opened'] as const) {
      for (const event of ['down', 'open', 'close', 'rcr+', 'rcr-', 'rca', 'rcn', 'rtr', 'rta', 'ruc', 'rxj+', 'rxj-', 'rxr'] as const) {
        expect(TRANSITIONS[event][state], `${event} in ${state}`).toBeDefined();
      }
    }
  });
});
