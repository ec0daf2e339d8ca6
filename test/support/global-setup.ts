// The CLI tests run the bundled CLI; build it once before any test file so a plain `npx vitest` works.
import { execFileSync } from 'node:child_process';

export default function setup(): void {
  execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
}
