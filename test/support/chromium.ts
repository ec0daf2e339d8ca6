// Headless Chromium for the browser-level tests: the Debian package's binary, launched with the flags a
// sandboxless container needs. Without it a browser suite is skipped with a message, except under CI
// (CI=true or CI=1), where the suite runs and its launch fails, so a missing browser never passes a run.
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const CHROMIUM_ARGS: readonly string[] = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'];
export const UNDER_CI = /^(true|1)$/i.test(process.env.CI ?? '');
export const HAVE_CHROMIUM = existsSync(CHROMIUM_PATH);

/**
 * Whether a browser suite must be skipped: Chromium is missing and this is not CI. When it is, says so on
 * stderr, naming the suite and `what` it skips, so the skip is never silent. Pass the result to describe.skipIf.
 */
export function skipWithoutChromium(suite: string, what = 'the browser tests'): boolean {
  const skip = !HAVE_CHROMIUM && !UNDER_CI;
  if (skip) console.warn(`${suite}: ${CHROMIUM_PATH} is not installed, skipping ${what} (apt-get install chromium); under CI=true this fails instead`);
  return skip;
}

/** Launches headless Chromium; with no binary (reached only under CI) fails saying what to install, then `hint`. */
export async function launchChromium(hint?: string): Promise<Browser> {
  if (!HAVE_CHROMIUM) throw new Error(`CI=true and ${CHROMIUM_PATH} is missing: install the Debian chromium package${hint === undefined ? '' : `; ${hint}`}`);
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS] });
}
