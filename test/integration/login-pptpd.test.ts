// The login session itself, with its production deps (Node's TCP, the koffi raw GRE socket, crypto
// random bytes), against the real Debian pptpd in a namespace the test creates, pptpd running the
// test PPP responder (test/support/ppp-responder) as its ppp program: pptpd's own GRE, sequence
// numbers and acknowledgments, and its HDLC/FCS checks on every frame. Each login runs in a child
// process started inside the namespace (its TCP socket and raw socket both live there), which must
// print its result and then exit by itself: a timer or the GRE poll left running would keep it alive.
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoginResult } from '../../shared/probers/pptp-login/login-types.js';
import { GATEWAY_LOCAL_IP, GATEWAY_REMOTE_IP, startPptpdLogin, type PptpdLoginGateway } from '../support/pptpd-login.js';
import { requirePptpd } from '../support/pptpd.js';
import type { ScenarioFile } from '../support/ppp-responder/scenario.js';

const USER = 'monitor';
const PASSWORD = 'Login-through-pptpd!7';
/** The responder's Restart timer, in ms: short, so that its Stopping pause does not slow the suite. */
const RESPONDER_RESTART_MS = 400;
const LOGIN_TIMEOUT_MS = 4000;
const CHILD = resolve('dist/test-support/login-session-child.mjs');

async function buildChild(): Promise<void> {
  const { build } = await import('esbuild');
  mkdirSync(resolve('dist/test-support'), { recursive: true });
  await build({
    stdin: {
      contents: `import { runLoginSession } from './shared/probers/pptp-login/login-session.ts';
import { nodeLoginDeps } from './shared/probers/pptp-login/login-node-deps.ts';
import { DEFAULT_LOGIN_OPTIONS } from './shared/probers/pptp-login/login-types.ts';
const input = JSON.parse(process.argv[2]);
const startedAt = Date.now();
runLoginSession(input.target, input.credentials, { ...DEFAULT_LOGIN_OPTIONS, ...input.options }, nodeLoginDeps(), (result) => {
  console.log(JSON.stringify({ result, wallMs: Date.now() - startedAt }));
});`,
      resolveDir: resolve('.'),
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: CHILD,
    logLevel: 'silent',
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  });
}

/**
 * LCP Terminate-Request and Call-Clear-Request went out. pptpd ends the control connection itself once
 * the call is gone (pptpctrl serves one call), often before our Stop-Control-Connection-Request: then
 * the result says the gateway closed it.
 */
function expectTeardown(result: LoginResult): void {
  expect(result.teardown.lcpTerminate).toBe(true);
  expect(result.teardown.callClear).toBe(true);
  if (!result.teardown.stopControl) expect(result.notes.join(' ')).toMatch(/gateway closed the (control )?connection/);
}

describe('login session against real pptpd and the test PPP responder', () => {
  let gateway: PptpdLoginGateway | undefined;
  let skipReason: string | undefined;

  beforeAll(async () => {
    skipReason = await requirePptpd();
    if (skipReason) return;
    await buildChild();
    gateway = await startPptpdLogin('login-pptpd', { scenario: 'success', user: USER, password: PASSWORD });
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  async function login(scenario: Partial<ScenarioFile> & Pick<ScenarioFile, 'scenario'>, password = PASSWORD): Promise<{ result: LoginResult; wallMs: number }> {
    const gw = gateway!;
    gw.clearResponderLog();
    gw.setScenario({ user: USER, password: PASSWORD, restartMs: RESPONDER_RESTART_MS, maxLifetimeMs: 15_000, ...scenario });
    const input = { target: { address: gw.host, port: gw.port }, credentials: { username: USER, password }, options: { timeoutMs: LOGIN_TIMEOUT_MS } };
    const run = await gw.netns.run(process.execPath, [CHILD, JSON.stringify(input)], { timeoutMs: LOGIN_TIMEOUT_MS + 5000 });
    if (run.code !== 0) throw new Error(`login child exited ${run.code} (it must exit by itself): ${run.stderr.slice(0, 2000)}`);
    const outcome = JSON.parse(run.stdout.trim()) as { result: LoginResult; wallMs: number };
    // The responder must have seen the end of the call (pptpd kills it when the call is cleared).
    await gw.waitForResponderLog((e) => e.event === 'exit');
    return outcome;
  }

  it('logs in end to end: MS-CHAPv2 verified, MPPE-128 stateless, pptpd pool address, encrypted echo answered, clean teardown', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    const { result, wallMs } = await login({ scenario: 'success' });
    expect(result.failure).toBeUndefined();
    expect(result.ok).toBe(true);
    expect(result.authProtocol).toBe('mschapv2');
    expect(result.mppe).toBe('mppe-128-stateless');
    expect(result.assignedAddress).toBe(GATEWAY_REMOTE_IP);
    expect(result.gatewayTunnelAddress).toBe(GATEWAY_LOCAL_IP);
    for (const key of ['connectMs', 'controlMs', 'callMs', 'greMs', 'lcpMs', 'authMs', 'ccpMs', 'ipcpMs', 'dataMs'] as const) expect(result.timings[key], key).toBeTypeOf('number');
    expectTeardown(result);
    expect(result.gre.malformed).toBe(0);
    expect(wallMs).toBeLessThan(LOGIN_TIMEOUT_MS);
    expect(JSON.stringify(result)).not.toContain(PASSWORD);
  });

  it('classifies E=691 as auth_rejected', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    const { result } = await login({ scenario: 'auth_rejected' });
    expect(result.failure?.class).toBe('auth_rejected');
    expect(result.failure?.authErrorCode).toBe(691);
    expectTeardown(result);
  });

  it('classifies an unanswered response as auth_timeout within the deadline + 50 ms', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    const { result } = await login({ scenario: 'auth_silent' });
    expect(result.failure?.class).toBe('auth_timeout');
    expect(result.timings.totalMs).toBeLessThanOrEqual(LOGIN_TIMEOUT_MS + 50);
    expectTeardown(result);
  });

  it('raises auth_spoofed for a wrong authenticator response', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    const { result } = await login({ scenario: 'bad_authenticator' });
    expect(result.failure?.class).toBe('auth_spoofed');
  });

  it('classifies a refused MPPE as encryption_refused (Configure-Reject and Protocol-Reject)', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    expect((await login({ scenario: 'mppe_refused' })).result.failure?.class).toBe('encryption_refused');
    expect((await login({ scenario: 'mppe_refused', mppeRefusal: 'protocol-reject' })).result.failure?.class).toBe('encryption_refused');
  });

  it('classifies no address as no_address, and dropped echoes as no_traffic', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    expect((await login({ scenario: 'no_address' })).result.failure?.class).toBe('no_address');
    const silent = await login({ scenario: 'no_traffic' });
    expect(silent.result.failure?.class).toBe('no_traffic');
    expect(silent.result.timings.ipcpMs).toBeTypeOf('number');
  });
});
