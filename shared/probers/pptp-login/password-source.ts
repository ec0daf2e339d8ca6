// Reading a login's password when the login runs, from where the config or the command line points:
// an environment variable or a file. Nothing here keeps the password, and no error says what it is
// (or how long it is): an error names the source and the problem only.
import { readFile } from 'node:fs/promises';
import { PptpMonitorError } from '../../common/errors.js';
import type { PasswordSource } from './login-check-options.js';

/** Hands out the password for one login; rejects with PasswordUnavailableError. */
export type PasswordProvider = () => Promise<string>;

export type PasswordUnavailableCode = 'env_unset' | 'env_empty' | 'file_unreadable' | 'file_empty' | 'no_source';

/** The password cannot be read on this machine: a problem of the monitor's setup, never of the gateway. */
export class PasswordUnavailableError extends PptpMonitorError<PasswordUnavailableCode> {
  // Spelled out: bundles are minified without keepNames.
  override readonly name = 'PasswordUnavailableError';
  /** What is wrong, without the source's name: `not set`, `is empty`, `file not found`. */
  readonly problem: string;

  constructor(code: PasswordUnavailableCode, source: string, problem: string, options?: { cause?: unknown }) {
    super(code, `${source}: ${problem}`, options);
    this.problem = problem;
  }
}

/** Longest password file read, in bytes: a password is short, a mistaken path (a log, a disk image) is not. */
export const MAX_PASSWORD_FILE_BYTES = 4096;

const FILE_PROBLEMS: Record<string, string> = {
  ENOENT: 'file not found',
  EISDIR: 'is a directory, not a file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
};

/** One trailing line break (what `echo pw > file` adds) is not part of the password; anything else is. */
function withoutTrailingNewline(text: string): string {
  if (text.endsWith('\r\n')) return text.slice(0, -2);
  if (text.endsWith('\n')) return text.slice(0, -1);
  return text;
}

async function readPasswordFile(path: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    const code = typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : '';
    throw new PasswordUnavailableError('file_unreadable', `password file ${path}`, FILE_PROBLEMS[code] ?? `cannot be read (${code || 'unknown error'})`, { cause: err });
  }
  if (bytes.length > MAX_PASSWORD_FILE_BYTES) throw new PasswordUnavailableError('file_unreadable', `password file ${path}`, `larger than ${MAX_PASSWORD_FILE_BYTES} bytes, so not a password file`);
  const password = withoutTrailingNewline(bytes.toString('utf8'));
  if (password === '') throw new PasswordUnavailableError('file_empty', `password file ${path}`, 'is empty');
  return password;
}

/** Reads the password now. `env` defaults to this process's environment. */
export async function readPassword(source: PasswordSource, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if ('file' in source) return readPasswordFile(source.file);
  const value = env[source.env];
  if (value === undefined) throw new PasswordUnavailableError('env_unset', `environment variable ${source.env}`, 'not set');
  if (value === '') throw new PasswordUnavailableError('env_empty', `environment variable ${source.env}`, 'is empty');
  return value;
}

/** A provider that reads `source` at each login, so a rotated password is picked up without a restart. */
export function passwordProvider(source: PasswordSource, env: NodeJS.ProcessEnv = process.env): PasswordProvider {
  return () => readPassword(source, env);
}

/** The provider of a login with no source: every call rejects (a caller that forgot the credentials). */
export const NO_PASSWORD: PasswordProvider = () => Promise.reject(new PasswordUnavailableError('no_source', 'this login', 'no password source was given'));
