// Builds each Lambda function into a zip: one minified ESM bundle (index.mjs) plus the packaged config.
// The AWS SDK is bundled rather than taken from the runtime, so the deployed code runs exactly the
// client version the tests ran.
import { build } from 'esbuild';
import { packConfig, packProbeConfig } from '../shared/config/packaged.js';
import { probeConfigOf } from '../shared/config/probe-config.js';
import type { ResolvedConfig } from '../shared/config/types.js';
import { createZip } from './zip.js';

/** Source entry of each function, relative to the repository root. */
export const LAMBDA_ENTRIES = {
  probe: 'functions/probe.ts',
  evaluate: 'functions/evaluate.ts',
  report: 'functions/report.ts',
  notify: 'functions/notify.ts',
} as const;
export type LambdaName = keyof typeof LAMBDA_ENTRIES;

/** The runtime the bundles target: nodejs22.x in serverless.yml. */
export const LAMBDA_NODE_TARGET = 'node22';

export interface LambdaArtifact {
  name: LambdaName;
  zip: Buffer;
  bundleBytes: number;
}

export async function bundleLambda(entry: string): Promise<Buffer> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    target: LAMBDA_NODE_TARGET,
    format: 'esm',
    // No keepNames: it costs ~5 ms of every cold start (measured by bench:invocation) for nicer stack
    // traces; our errors are typed and carry their own messages, so traces are rarely needed.
    minify: true,
    legalComments: 'none',
    write: false,
    outfile: 'index.mjs',
    logLevel: 'warning',
    // CommonJS dependencies inside an ESM bundle call require().
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  });
  const [output] = result.outputFiles;
  if (!output) throw new Error(`esbuild produced no output for ${entry}`);
  return Buffer.from(output.contents);
}

export async function buildLambdaArtifacts(config: ResolvedConfig): Promise<LambdaArtifact[]> {
  // The probe runs in every probe region and only needs its projection; the home-region functions get all.
  // A config that agents probe alone deploys no probe function, and its projection would hold no target.
  const fullConfig = Buffer.from(packConfig(config), 'utf8');
  const probeConfig = config.regions.length === 0 ? undefined : Buffer.from(packProbeConfig(probeConfigOf(config)), 'utf8');
  // The notifier only exists for a config with `notify:` (infra/notifier.ts).
  const wanted: Record<LambdaName, boolean> = { probe: probeConfig !== undefined, evaluate: true, report: true, notify: (config.notify?.length ?? 0) > 0 };
  const names = (Object.keys(LAMBDA_ENTRIES) as LambdaName[]).filter((name) => wanted[name]);
  return Promise.all(
    names.map(async (name) => {
      const bundle = await bundleLambda(LAMBDA_ENTRIES[name]);
      const configFile = name === 'probe' && probeConfig !== undefined ? probeConfig : fullConfig;
      return {
        name,
        bundleBytes: bundle.length,
        zip: createZip([
          { name: 'index.mjs', data: bundle },
          { name: 'config.json', data: configFile },
        ]),
      };
    }),
  );
}
