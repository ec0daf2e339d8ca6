// Whether this machine can run the login targets of a config, asked before the first probe so that the
// local monitor stops at start (exit 2, saying what to fix) instead of recording its own setup as a
// gateway's outage: every password source readable, and the raw GRE socket open-able (CAP_NET_RAW, koffi).
import type { ResolvedTarget } from '../config/types.js';
import { GreTransportError } from '../probers/pptp-login/gre-transport.js';
import { sharedRawGreTransport } from '../probers/pptp-login/gre-transport-raw.js';
import { PasswordUnavailableError, readPassword } from '../probers/pptp-login/password-source.js';

export interface LoginSetupIo {
  env?: NodeJS.ProcessEnv;
  /** Opens the raw GRE socket (the process's shared one unless a test injects another). */
  openGre?: () => unknown;
}

/** Every problem that keeps the login targets from running here, one line each; empty when they can. */
export async function loginSetupProblems(targets: readonly ResolvedTarget[], io: LoginSetupIo = {}): Promise<string[]> {
  const logins = targets.filter((t) => t.login !== undefined);
  if (logins.length === 0) return [];
  const problems: string[] = [];
  for (const target of logins) {
    try {
      // Read and dropped: each login reads its password again when it runs (a rotated one is picked up).
      await readPassword(target.login!.password, io.env);
    } catch (err) {
      if (!(err instanceof PasswordUnavailableError)) throw err;
      problems.push(`target ${target.name}: login: ${err.message}`);
    }
  }
  try {
    (io.openGre ?? sharedRawGreTransport)();
  } catch (err) {
    if (!(err instanceof GreTransportError)) throw err;
    problems.push(`target${logins.length > 1 ? 's' : ''} ${logins.map((t) => t.name).join(', ')} (check pptp-login): ${err.message}`);
  }
  return problems;
}

/** Whether a probe's rejection is this machine's setup (never a gateway's state). */
export function isLoginSetupError(err: unknown): err is GreTransportError | PasswordUnavailableError {
  return err instanceof GreTransportError || err instanceof PasswordUnavailableError;
}
