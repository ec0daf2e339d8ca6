#!/usr/bin/env node
// Thin launcher: the CLI is bundled into dist/ by `npm ci` / `npm run build` (scripts/build.mjs).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
if (!existsSync(cli)) {
  process.stderr.write('pptp-monitor: dist/cli.js is missing; run `npm run build` first\n');
  process.exit(2);
}
await import(cli);
