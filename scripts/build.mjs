// Bundles the CLI and the benchmarks with esbuild. Runs on `npm ci` (prepare) so that
// `npx pptp-monitor` works on a fresh clone.
import { build } from 'esbuild';
import { readdirSync } from 'node:fs';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: 'linked',
  logLevel: 'warning',
  // ESM bundles that pull in CommonJS dependencies need a require().
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
};

const benches = readdirSync('bench').filter((f) => f.endsWith('.ts')).map((f) => `bench/${f}`);
await Promise.all([
  build({ ...common, entryPoints: { cli: 'shared/cli/main.ts' }, outdir: 'dist' }),
  // dynalite (the evaluator bench's DynamoDB) loads a native LevelDB binding by path: keep it outside the bundle.
  build({ ...common, entryPoints: benches, outdir: 'dist/bench', external: ['esbuild', 'dynalite'] }),
  build({ ...common, entryPoints: ['test/support/lambda-runner.ts'], outdir: 'dist/test-support' }),
  // The PPP program the real pptpd starts in the login tests: one plain file, no loader, fast start.
  build({ ...common, entryPoints: { 'ppp-responder': 'test/support/ppp-responder/main.ts' }, outdir: 'dist/test-support' }),
  // The deploy tooling drives esbuild itself: keep it (a native binary) outside the bundle.
  build({ ...common, entryPoints: ['infra/package-main.ts', 'infra/deploy-main.ts'], outdir: 'dist/infra', external: ['esbuild'] }),
]);
