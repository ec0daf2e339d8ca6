// The test's side of login-runner-main.ts: bundle it once, run a batch of logins inside a client
// namespace and read its output, start a hostile GRE peer inside a gateway namespace.
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { LoginBatchInput, LoginBatchOutput } from './login-batch.js';
import type { Netns } from './netns.js';

export const LOGIN_RUNNER = resolve('dist/test-support/login-runner.mjs');

/**
 * Bundles login-runner-main.ts (koffi stays a runtime require, as in the CLI bundle). Test files run
 * in parallel and each builds it: the bundle is written beside and renamed into place, so that a
 * child never starts from a half-written file.
 */
export async function buildLoginRunner(): Promise<void> {
  const { build } = await import('esbuild');
  mkdirSync(dirname(LOGIN_RUNNER), { recursive: true });
  const result = await build({
    entryPoints: [resolve('test/support/login-runner-main.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    write: false,
    outfile: LOGIN_RUNNER,
    logLevel: 'silent',
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  });
  const bundle = result.outputFiles.find((f) => f.path === LOGIN_RUNNER);
  if (!bundle) throw new Error(`esbuild produced no ${LOGIN_RUNNER}`);
  const staging = `${LOGIN_RUNNER}.${process.pid}.tmp`;
  writeFileSync(staging, bundle.contents);
  renameSync(staging, LOGIN_RUNNER);
}

/** Runs the logins in `netns`; throws when the child does not exit 0 by itself within the limit. */
export async function runLoginsIn(netns: Netns, input: LoginBatchInput, limitMs: number): Promise<LoginBatchOutput> {
  const run = await netns.run(process.execPath, [LOGIN_RUNNER, 'login', JSON.stringify(input)], { timeoutMs: limitMs });
  if (run.code !== 0) throw new Error(`login runner exited ${run.code} (it must exit by itself within ${limitMs} ms): ${run.stderr.slice(0, 2000)}`);
  return JSON.parse(run.stdout.trim()) as LoginBatchOutput;
}

/** Starts a hostile GRE peer in `netns` listening on `listen`:1723; resolves once it listens. */
export function startHostilePeerIn(netns: Netns, listen: string, behaviourFile: string): Promise<ChildProcess> {
  const child = netns.spawn(process.execPath, [LOGIN_RUNNER, 'peer', listen, behaviourFile]);
  return new Promise((resolvePeer, reject) => {
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes('listening')) resolvePeer(child);
    });
    child.once('exit', (code) => reject(new Error(`hostile GRE peer exited ${String(code)}: ${stderr.slice(0, 2000)}`)));
  });
}
