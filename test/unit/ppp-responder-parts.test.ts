// The test PPP responder's pure parts: its command line as pptpd builds it, the scenario file's
// defaults, and the server-side LCP, IPCP and CCP policies it adds to the shared client-side ones.
import { describe, expect, it } from 'vitest';
import { CCP_OPTION_MPPE, IpcpOption, LcpOption } from '../../shared/probers/pptp-login/constants.js';
import { parseIpv4 } from '../../shared/probers/pptp-login/ipv4.js';
import { accmOption, authProtocolOption, ipAddressOption, magicNumberOption, mppeOption, mruOption, pfcOption } from '../../shared/probers/pptp-login/options.js';
import { MPPE_128_STATELESS } from '../../shared/probers/pptp-login/ccp-policy.js';
import { ArgsError, parseResponderArgs } from '../support/ppp-responder/args.js';
import { decodeScenario, DEFAULT_MAX_LIFETIME_MS, DEFAULT_RESTART_MS } from '../support/ppp-responder/scenario.js';
import { RefusingCcpPolicy, ServerIpcpPolicy, ServerLcpPolicy } from '../support/ppp-responder/server-policies.js';

describe('parseResponderArgs', () => {
  it('reads the argv pptpd 1.4.0 builds for its ppp program, after our own options', () => {
    // The argv pptpctrl passed in a namespace with localip/remoteip and an option file (dumped by a wrapper script).
    const argv = ['--scenario', '/d/s.json', '--log', '/d/r.log', 'local', 'file', '/d/options', '115200', '10.77.0.1:10.77.0.10', 'ipparam', '127.0.0.1', 'remotenumber', '127.0.0.1'];
    expect(parseResponderArgs(argv, {})).toEqual({
      scenarioPath: '/d/s.json',
      logPath: '/d/r.log',
      localAddress: '10.77.0.1',
      remoteAddress: '10.77.0.10',
      optionFile: '/d/options',
      clientAddress: '127.0.0.1',
      ignored: ['local', '115200', 'remotenumber', '127.0.0.1'],
    });
  });

  it('takes the scenario and log from the environment pptpd forwards, and tolerates a logwtmp plugin and no addresses', () => {
    const args = parseResponderArgs(['local', '115200', 'ipparam', '192.0.2.9', 'plugin', '/usr/lib/pptpd/pptpd-logwtmp.so', 'pptpd-original-ip', '192.0.2.9'], {
      PPP_RESPONDER_SCENARIO: '/e/s.json',
      PPP_RESPONDER_LOG: '/e/r.log',
    });
    expect(args).toMatchObject({ scenarioPath: '/e/s.json', logPath: '/e/r.log', localAddress: undefined, remoteAddress: undefined, clientAddress: '192.0.2.9' });
    expect(args.ignored).toEqual(['local', '115200', 'plugin', '/usr/lib/pptpd/pptpd-logwtmp.so', 'pptpd-original-ip', '192.0.2.9']);
  });

  it('rejects unknown options of its own and a missing value', () => {
    expect(() => parseResponderArgs(['--scenaro', 'x'], {})).toThrow(new ArgsError('unknown option --scenaro'));
    expect(() => parseResponderArgs(['--log'], {})).toThrow(new ArgsError('--log needs a value'));
  });
});

describe('decodeScenario', () => {
  it('fills in MS-CHAPv2, configure-reject, reject, pppd timers and the addresses pptpd passes', () => {
    expect(decodeScenario({ scenario: 'success', user: 'u', password: 'p' })).toEqual({
      name: 'success',
      user: 'u',
      password: 'p',
      auth: 'mschapv2',
      localAddress: undefined,
      remoteAddress: undefined,
      mppeRefusal: 'configure-reject',
      noAddress: 'reject',
      terminateAfterMs: 0,
      authenticatorName: 'pptpd-test',
      maxLifetimeMs: DEFAULT_MAX_LIFETIME_MS,
      restartMs: DEFAULT_RESTART_MS,
      badFcsFrames: 0,
    });
  });

  it('names a missing scenario and bad addresses', () => {
    expect(() => decodeScenario({ user: 'u', password: 'p', localAddress: '10.0.0.256', auth: 'eap' })).toThrow(
      'invalid scenario: scenario is required: one of success, auth_rejected, auth_silent, bad_authenticator, mppe_refused, no_address, no_traffic, terminate; auth must be one of mschapv2, chap-md5, pap, not "eap"; localAddress must be a dotted-quad IPv4 address, not "10.0.0.256"',
    );
    expect(() => decodeScenario([])).toThrow('the scenario file must hold a JSON object');
  });
});

describe('ServerLcpPolicy', () => {
  const policy = (): ServerLcpPolicy => {
    let next = 0x11111111;
    return new ServerLcpPolicy({ auth: 'mschapv2', nextMagic: () => (next += 0x01010101) });
  };

  it('asks for asyncmap 0, MS-CHAPv2, a Magic-Number, PFC and ACFC, as pppd behind pptpd does', () => {
    const request = policy().buildRequest();
    expect(request.map((o) => o.type)).toEqual([LcpOption.Accm, LcpOption.AuthProtocol, LcpOption.MagicNumber, LcpOption.ProtocolFieldCompression, LcpOption.AddressControlFieldCompression]);
    expect(Buffer.from(request[1]!.data)).toEqual(Buffer.from([0xc2, 0x23, 0x81]));
  });

  it("rejects the client's own authentication request and Naks a small MRU and our own Magic-Number", () => {
    const lcp = policy();
    const ours = lcp.buildRequest().find((o) => o.type === LcpOption.MagicNumber)!;
    expect(lcp.judgeRequest([mruOption(1400), accmOption(0), pfcOption(), authProtocolOption('pap')])).toEqual({ kind: 'reject', options: [authProtocolOption('pap')] });
    const verdict = lcp.judgeRequest([mruOption(64), ours]);
    expect(verdict.kind).toBe('nak');
    expect(verdict.kind === 'nak' && verdict.options.map((o) => o.type)).toEqual([LcpOption.Mru, LcpOption.MagicNumber]);
    expect(lcp.judgeRequest([mruOption(1400), magicNumberOption(0x12345678)])).toEqual({ kind: 'ack' });
  });

  it('gives up when the client Naks or rejects the authentication protocol, and drops other rejected options', () => {
    const lcp = policy();
    expect(lcp.onNak([authProtocolOption('pap')])).toEqual({ code: 'refused', message: 'LCP: the client Naks mschapv2 authentication and offers pap' });
    expect(lcp.onReject([authProtocolOption('mschapv2')])).toEqual({ code: 'refused', message: 'LCP: the client rejects authentication' });
    expect(lcp.onReject([accmOption(0), pfcOption()])).toBeUndefined();
    expect(lcp.buildRequest().map((o) => o.type)).toEqual([LcpOption.AuthProtocol, LcpOption.MagicNumber, LcpOption.AddressControlFieldCompression]);
  });
});

describe('ServerIpcpPolicy', () => {
  const local = parseIpv4('10.77.0.1');
  const remote = parseIpv4('10.77.0.10');

  it('states its own address, Naks 0.0.0.0 toward the assigned one, acknowledges that one and rejects the rest', () => {
    const ipcp = new ServerIpcpPolicy({ localAddress: local, remoteAddress: remote, assignAddress: true });
    expect(ipcp.buildRequest()).toEqual([ipAddressOption(IpcpOption.IpAddress, local)]);
    expect(ipcp.judgeRequest([ipAddressOption(IpcpOption.IpAddress, Buffer.alloc(4))])).toEqual({ kind: 'nak', options: [ipAddressOption(IpcpOption.IpAddress, remote)] });
    expect(ipcp.judgeRequest([ipAddressOption(IpcpOption.IpAddress, remote)])).toEqual({ kind: 'ack' });
    expect(ipcp.judgeRequest([ipAddressOption(IpcpOption.IpAddress, remote), ipAddressOption(IpcpOption.PrimaryDns, Buffer.alloc(4))])).toMatchObject({ kind: 'reject' });
    ipcp.onPeerAcked([ipAddressOption(IpcpOption.IpAddress, remote)]);
    expect(ipcp.negotiated.clientAddress).toEqual(remote);
  });

  it('rejects IP-Address outright when the pool is exhausted', () => {
    const ipcp = new ServerIpcpPolicy({ localAddress: local, remoteAddress: remote, assignAddress: false });
    const request = [ipAddressOption(IpcpOption.IpAddress, Buffer.alloc(4))];
    expect(ipcp.judgeRequest(request)).toEqual({ kind: 'reject', options: request });
  });
});

describe('RefusingCcpPolicy', () => {
  it('requests nothing, rejects MPPE and refuses a Nak that asks for it', () => {
    const ccp = new RefusingCcpPolicy();
    expect(ccp.buildRequest()).toEqual([]);
    expect(ccp.judgeRequest([mppeOption(MPPE_128_STATELESS)])).toEqual({ kind: 'reject', options: [{ type: CCP_OPTION_MPPE, data: mppeOption(MPPE_128_STATELESS).data }] });
    expect(ccp.onNak()).toMatchObject({ code: 'refused' });
  });
});
