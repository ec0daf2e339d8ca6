// Error 619 as it happens (issue 11): a client, a NAT router that MASQUERADEs, and a gateway running
// the real pptpd with the test PPP responder, each in a namespace this file creates
// (login-topology.ts). The login session runs with its production deps (Node TCP, the koffi raw GRE
// socket) in a child inside the client namespace. TCP 1723 crosses the NAT either way; GRE comes
// back only when the router's conntrack knows the call, which is the kernel's PPTP helper, switched
// on here by the CT rule in the router's raw table. Without it the gateway's GRE is addressed to the
// router itself: a bare Linux router answers Protocol Unreachable (and pptpd drops the call at
// once), a router whose firewall drops unsolicited traffic stays silent (and the call hangs without
// GRE). Then GRE dropped on its way into the gateway: its LCP still reaches us, ours never reaches it.
// The cases build on each other in order (rules are added, never removed).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoginResult } from '../../shared/probers/pptp-login/login-types.js';
import { GATEWAY_LOCAL_IP } from '../support/pptpd-login.js';
import { requirePptpd } from '../support/pptpd.js';
import { createLoginTopology, GATEWAY_GRE_INBOUND_DROP_RULE, PPTP_HELPER_RULE, ROUTER_GRE_INPUT_DROP_RULE, ROUTER_PROTOCOL_UNREACHABLE_COUNTER_RULE, type LoginTopology } from '../support/login-topology.js';
import { startPptpdGateway, type PptpdGateway } from '../support/pptpd-gateway.js';
import { buildLoginRunner, runLoginsIn } from '../support/login-runner.js';

const USER = 'monitor';
const PASSWORD = 'Through-the-NAT!619';
/** Short: the two failing cases wait for it. */
const LOGIN_TIMEOUT_MS = 2500;
/** How far past its deadline a result may come (the session's own bound). */
const DEADLINE_SLACK_MS = 50;

describe('login through a NAT router: error 619 and the PPTP conntrack helper', () => {
  let skipReason: string | undefined;
  let topology: LoginTopology | undefined;
  let gateway: PptpdGateway | undefined;

  beforeAll(async () => {
    skipReason = await requirePptpd();
    if (skipReason) return;
    await buildLoginRunner();
    topology = await createLoginTopology('nat', { nat: true });
    gateway = await startPptpdGateway(topology.gateway, {
      listen: topology.gatewayAddress,
      scenario: { scenario: 'success', user: USER, password: PASSWORD, restartMs: 400, maxLifetimeMs: 15_000 },
    });
  });

  afterAll(async () => {
    await gateway?.stop();
    await topology?.destroy();
  });

  async function login(): Promise<LoginResult> {
    const topo = topology!;
    const output = await runLoginsIn(
      topo.client,
      { target: { address: topo.gatewayAddress, port: 1723 }, credentials: { username: USER, password: PASSWORD }, options: { timeoutMs: LOGIN_TIMEOUT_MS }, count: 1, concurrency: 1 },
      LOGIN_TIMEOUT_MS + 5000,
    );
    return output.entries[0]!.result;
  }

  it('bare MASQUERADE, no helper: the router answers the gateway\'s GRE with Protocol Unreachable and pptpd drops the call: gre_blocked (error 619)', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    // Prepare: count the ICMP Protocol Unreachable the router sends back to the gateway.
    const topo = topology!;
    await topo.iptables(topo.router!, ROUTER_PROTOCOL_UNREACHABLE_COUNTER_RULE);
    // Act
    const result = await login();
    // Assess: TCP 1723 crossed the NAT and the call was accepted (the control probe would say UP);
    // our GRE went out, none came back. The gateway's GRE reached the router, which has no mapping
    // for it, answered Protocol Unreachable, and pptpctrl (its raw GRE socket connected to the
    // router's address) closed the call on that error, a few hundred ms after accepting it.
    expect(result.timings.callMs).toBeTypeOf('number');
    expect(result.gre.sent).toBeGreaterThan(0);
    expect(result.gre.received).toBe(0);
    expect(await topo.ruleCount(topo.router!, 'OUTPUT')).toBeGreaterThan(0);
    // Error 619: the drop came after GRE_DROP_GRACE_MS (a gateway whose PPP cannot start drops within a
    // millisecond or so), with no GRE from the gateway: gre_blocked, which names the cause.
    expect(result.failure?.class).toBe('gre_blocked');
  });

  it('reports gre_blocked when the router has no PPTP helper and drops the gateway\'s GRE silently', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    // Prepare: the router's firewall drops protocol 47 addressed to itself, as most routers drop
    // unsolicited inbound traffic: no ICMP, so pptpd keeps the call and keeps sending LCP.
    await topology!.iptables(topology!.router!, ROUTER_GRE_INPUT_DROP_RULE);
    // Act
    const result = await login();
    // Assess: the control connection crossed the NAT; GRE did not come back.
    expect(result.timings.callMs).toBeTypeOf('number');
    expect(result.failure?.class).toBe('gre_blocked');
    expect(result.failure?.code).toBe('no_gre');
    expect(result.gre.received).toBe(0);
    expect(result.gre.sent).toBeGreaterThan(0);
    expect(result.timings.totalMs).toBeLessThanOrEqual(LOGIN_TIMEOUT_MS + DEADLINE_SLACK_MS);
  });

  it('logs in once the router runs the PPTP helper on TCP 1723 (CT --helper pptp in the raw table)', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    // Prepare: the router's firewall still drops GRE addressed to itself; the helper maps the call's
    // GRE back to the client before that (PREROUTING), so it never reaches INPUT.
    await topology!.iptables(topology!.router!, PPTP_HELPER_RULE);
    // Act
    const result = await login();
    // Assess
    expect(result.failure).toBeUndefined();
    expect(result.ok).toBe(true);
    expect(result.mppe).toBe('mppe-128-stateless');
    expect(result.gatewayTunnelAddress).toBe(GATEWAY_LOCAL_IP);
    expect(result.timings.dataMs).toBeTypeOf('number');
  });

  it('reports gre_one_way when GRE is dropped on its way into the gateway: its LCP arrives, ours never does', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    // Prepare: the helper stays on, so the gateway's GRE still reaches us.
    await topology!.iptables(topology!.gateway, GATEWAY_GRE_INBOUND_DROP_RULE);
    // Act
    const result = await login();
    // Assess
    expect(result.failure?.class).toBe('gre_one_way');
    expect(result.gre.received).toBeGreaterThan(0);
    expect(result.timings.greMs).toBeTypeOf('number');
    expect(result.timings.lcpMs).toBeUndefined();
    expect(result.timings.totalMs).toBeLessThanOrEqual(LOGIN_TIMEOUT_MS + DEADLINE_SLACK_MS);
  });
});
