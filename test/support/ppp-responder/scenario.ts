// What the test PPP responder does on one call: a small JSON file the test writes next to
// pptpd.conf and names on the responder's command line (--scenario) or in PPP_RESPONDER_SCENARIO
// (pptpd forwards its environment to pptpctrl and on to the ppp program; both work). Decoding is
// strict: unknown keys and bad values are reported all at once, with exact messages.
import { parseIpv4 } from '../../../shared/probers/pptp-login/ipv4.js';
import type { AuthMethod } from '../../../shared/probers/pptp-login/options.js';

/** The login outcomes the responder can play, one per failure class of issue 11 plus success. */
export const SCENARIO_NAMES = [
  /** Every stage succeeds: auth verified, MPPE 128-bit stateless, an address, echo answered. */
  'success',
  /** MS-CHAPv2 Failure E=691 (CHAP Failure, PAP Nak), even for the right password. */
  'auth_rejected',
  /** The Challenge goes out, the Response is never answered (a RADIUS server that stopped answering). */
  'auth_silent',
  /** MS-CHAPv2 Success whose S= authenticator response is wrong (someone else answers for the gateway). */
  'bad_authenticator',
  /** CCP: MPPE is Configure-Rejected, or CCP itself Protocol-Rejected (mppeRefusal). */
  'mppe_refused',
  /** IPCP: IP-Address is Configure-Rejected, or the client's requests are never answered (noAddress). */
  'no_address',
  /** Everything opens, but ICMP echo requests through the tunnel are dropped. */
  'no_traffic',
  /** Everything opens, then the responder sends LCP Terminate-Request (terminateAfterMs after IPCP). */
  'terminate',
] as const;

export type ScenarioName = (typeof SCENARIO_NAMES)[number];

/** The scenario file as written by tests. */
export interface ScenarioFile {
  scenario: ScenarioName;
  /** The account the client must log in with. */
  user: string;
  password: string;
  /** Authentication the responder asks for in LCP; MS-CHAPv2 unless said. */
  auth?: AuthMethod;
  /** The responder's own PPP address; defaults to the local address pptpd passes ("local:remote"). */
  localAddress?: string;
  /** The address assigned to the client; defaults to the remote address pptpd passes. */
  remoteAddress?: string;
  /** mppe_refused: Configure-Reject of the MPPE option (default), or LCP Protocol-Reject of CCP. */
  mppeRefusal?: 'configure-reject' | 'protocol-reject';
  /** no_address: Configure-Reject of IP-Address (default), or never answer the client's IPCP requests. */
  noAddress?: 'reject' | 'silent';
  /** terminate: delay between IPCP opening and the Terminate-Request, in ms. */
  terminateAfterMs?: number;
  /** The Name field of CHAP Challenges. */
  authenticatorName?: string;
  /** The responder exits after this long whatever happens, in ms, so that no test leaves it behind. */
  maxLifetimeMs?: number;
  /** Restart timer of LCP, CCP and IPCP, in ms (pppd's 3000 unless said; tests shorten the Stopping pause). */
  restartMs?: number;
  /** Any scenario: the first this many frames go out with a wrong FCS (pptpctrl must discard them). */
  badFcsFrames?: number;
}

/** Used when neither the scenario nor pptpd names an address (the unit tests run without pptpd). */
export const FALLBACK_LOCAL_ADDRESS = '192.0.2.1';
export const FALLBACK_REMOTE_ADDRESS = '192.0.2.2';
/** Default responder lifetime, in ms: far above any test's deadline. */
export const DEFAULT_MAX_LIFETIME_MS = 60_000;
/** pppd's default Restart timer, in ms (RFC 1661 §4.6). */
export const DEFAULT_RESTART_MS = 3000;

export interface Scenario {
  name: ScenarioName;
  user: string;
  password: string;
  auth: AuthMethod;
  localAddress: string | undefined;
  remoteAddress: string | undefined;
  mppeRefusal: 'configure-reject' | 'protocol-reject';
  noAddress: 'reject' | 'silent';
  terminateAfterMs: number;
  authenticatorName: string;
  maxLifetimeMs: number;
  restartMs: number;
  badFcsFrames: number;
}

export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
}

const KNOWN_KEYS: ReadonlySet<string> = new Set([
  'scenario',
  'user',
  'password',
  'auth',
  'localAddress',
  'remoteAddress',
  'mppeRefusal',
  'noAddress',
  'terminateAfterMs',
  'authenticatorName',
  'maxLifetimeMs',
  'restartMs',
  'badFcsFrames',
]);
const AUTH_METHODS: readonly AuthMethod[] = ['mschapv2', 'chap-md5', 'pap'];

function oneOf<T extends string>(errors: string[], key: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  errors.push(`${key} must be one of ${allowed.join(', ')}, not ${JSON.stringify(value)}`);
  return fallback;
}

function text(errors: string[], key: string, value: unknown, required: boolean, fallback = ''): string {
  if (value === undefined && !required) return fallback;
  if (typeof value === 'string' && value.length > 0 && value.length <= 255) return value;
  errors.push(`${key} must be a string of 1 to 255 characters`);
  return fallback;
}

function address(errors: string[], key: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  try {
    if (typeof value === 'string') {
      parseIpv4(value);
      return value;
    }
  } catch {
    // reported below
  }
  errors.push(`${key} must be a dotted-quad IPv4 address, not ${JSON.stringify(value)}`);
  return undefined;
}

function milliseconds(errors: string[], key: string, value: unknown, fallback: number, min = 0, max = 600_000): number {
  if (value === undefined) return fallback;
  if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return value;
  errors.push(`${key} must be an integer number of milliseconds from ${min} to ${max}`);
  return fallback;
}

function count(errors: string[], key: string, value: unknown): number {
  if (value === undefined) return 0;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 100) return value;
  errors.push(`${key} must be an integer from 0 to 100`);
  return 0;
}

/** Checks a parsed scenario file; throws ScenarioError listing every problem. */
export function decodeScenario(input: unknown): Scenario {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new ScenarioError('the scenario file must hold a JSON object');
  const raw = input as Record<string, unknown>;
  const errors: string[] = [];
  for (const key of Object.keys(raw)) if (!KNOWN_KEYS.has(key)) errors.push(`unknown key ${JSON.stringify(key)}`);
  if (raw['scenario'] === undefined) errors.push(`scenario is required: one of ${SCENARIO_NAMES.join(', ')}`);
  const scenario: Scenario = {
    name: oneOf(errors, 'scenario', raw['scenario'] ?? 'success', SCENARIO_NAMES, 'success'),
    user: text(errors, 'user', raw['user'], true),
    password: text(errors, 'password', raw['password'], true),
    auth: oneOf(errors, 'auth', raw['auth'], AUTH_METHODS, 'mschapv2'),
    localAddress: address(errors, 'localAddress', raw['localAddress']),
    remoteAddress: address(errors, 'remoteAddress', raw['remoteAddress']),
    mppeRefusal: oneOf(errors, 'mppeRefusal', raw['mppeRefusal'], ['configure-reject', 'protocol-reject'] as const, 'configure-reject'),
    noAddress: oneOf(errors, 'noAddress', raw['noAddress'], ['reject', 'silent'] as const, 'reject'),
    terminateAfterMs: milliseconds(errors, 'terminateAfterMs', raw['terminateAfterMs'], 0),
    authenticatorName: text(errors, 'authenticatorName', raw['authenticatorName'], false, 'pptpd-test'),
    maxLifetimeMs: milliseconds(errors, 'maxLifetimeMs', raw['maxLifetimeMs'], DEFAULT_MAX_LIFETIME_MS),
    restartMs: milliseconds(errors, 'restartMs', raw['restartMs'], DEFAULT_RESTART_MS, 50, 10_000),
    badFcsFrames: count(errors, 'badFcsFrames', raw['badFcsFrames']),
  };
  if (errors.length > 0) throw new ScenarioError(`invalid scenario: ${errors.join('; ')}`);
  return scenario;
}

/** Parses the scenario file's text. */
export function parseScenario(json: string): Scenario {
  let input: unknown;
  try {
    input = JSON.parse(json);
  } catch (err) {
    throw new ScenarioError(`the scenario file is not JSON: ${(err as Error).message}`);
  }
  return decodeScenario(input);
}
