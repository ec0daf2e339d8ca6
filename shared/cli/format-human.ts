// Human output of `check`: one row per target with every timed phase (a login's stages after the
// control connection's), for a failure the class, what it means and where the runbook is, and for a
// login what it negotiated. Colour only when writing to a terminal.
import { FAILURE_CLASS_INFO, type LoginDetail, type ProbeResult, type ServerIdentity } from '../probe/index.js';

export interface Palette {
  ok(text: string): string;
  bad(text: string): string;
  dim(text: string): string;
}

export const PLAIN: Palette = { ok: (t) => t, bad: (t) => t, dim: (t) => t };
export const ANSI: Palette = {
  ok: (t) => `\u001b[32m${t}\u001b[39m`,
  bad: (t) => `\u001b[31m${t}\u001b[39m`,
  dim: (t) => `\u001b[2m${t}\u001b[22m`,
};

const ms = (value: number | undefined): string | undefined => (value === undefined ? undefined : `${value.toFixed(2)} ms`);

function bits(value: number, names: readonly string[]): string {
  const set = names.filter((_, i) => (value & (1 << i)) !== 0);
  return set.length > 0 ? set.join('+') : 'none';
}

export function describeServer(server: ServerIdentity): string {
  const version = `${server.protocolVersion >> 8}.${server.protocolVersion & 0xff}`;
  return (
    `${server.hostname || '(no host name)'} / ${server.vendor || '(no vendor)'}, firmware ${server.firmwareRevision}, ` +
    `PPTP ${version}, max channels ${server.maxChannels}, framing ${bits(server.framingCapabilities, ['async', 'sync'])}, ` +
    `bearer ${bits(server.bearerCapabilities, ['analog', 'digital'])}`
  );
}

const AUTH_NAMES: Readonly<Record<NonNullable<LoginDetail['authProtocol']>, string>> = {
  mschapv2: 'MS-CHAPv2',
  'chap-md5': 'CHAP-MD5',
  pap: 'PAP',
  none: 'no authentication',
};

/** What a login negotiated, as far as it got: `address 10.77.0.10 (gateway 10.77.0.1), MS-CHAPv2, MPPE 128-bit stateless`. */
export function describeLogin(login: LoginDetail): string | undefined {
  const parts: string[] = [];
  if (login.assignedAddress !== undefined) parts.push(`address ${login.assignedAddress}${login.gatewayTunnelAddress ? ` (gateway ${login.gatewayTunnelAddress})` : ''}`);
  if (login.authProtocol !== undefined) parts.push(AUTH_NAMES[login.authProtocol]);
  if (login.mppe !== undefined) parts.push(login.mppe === 'mppe-128-stateless' ? 'MPPE 128-bit stateless' : 'no encryption');
  return parts.length > 0 ? parts.join(', ') : undefined;
}

export function formatResult(result: ProbeResult, palette: Palette): string {
  const t = result.timings;
  const stages = result.login?.timings;
  const phases = [
    ['dns', ms(t.dnsMs)],
    ['connect', ms(t.connectMs)],
    ['control', ms(t.controlMs)],
    ['echo', ms(t.echoMs)],
    ['call', ms(t.callMs)],
    ['gre', ms(stages?.greMs)],
    ['lcp', ms(stages?.lcpMs)],
    ['auth', ms(stages?.authMs)],
    ['ccp', ms(stages?.ccpMs)],
    ['ipcp', ms(stages?.ipcpMs)],
    ['data', ms(stages?.dataMs)],
    ['total', ms(t.totalMs)],
  ]
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k} ${v}`)
    .join('  ');
  const where = result.address && result.address !== result.host ? `${result.target} (${result.address})` : result.target;
  const attempts = result.attempts > 1 ? `  attempts ${result.attempts}` : '';
  const lines: string[] = [];
  if (result.ok) {
    lines.push(`${palette.ok('UP  ')}  ${where}  ${phases}${attempts}`);
  } else {
    const f = result.failure!;
    lines.push(`${palette.bad('DOWN')}  ${where}  ${palette.bad(f.class)} in ${f.phase} after ${f.elapsedMs.toFixed(1)} ms  ${phases}${attempts}`);
    lines.push(`      ${FAILURE_CLASS_INFO[f.class].explanation}`);
    lines.push(`      ${f.message}`);
    if (f.rejected && f.rejected.length > 0) lines.push(`      refused: ${f.rejected.join('; ')}`);
    lines.push(`      runbook: ${FAILURE_CLASS_INFO[f.class].runbook}`);
  }
  const login = result.login ? describeLogin(result.login) : undefined;
  if (login !== undefined) lines.push(palette.dim(`      login: ${login}`));
  if (result.server) lines.push(palette.dim(`      server: ${describeServer(result.server)}`));
  for (const note of result.notes) lines.push(palette.dim(`      note: ${note}`));
  return lines.join('\n');
}
