// Runs a packaged Lambda artifact the way the Lambda runtime would: imports index.mjs from the unzipped
// folder and calls `handler(event, context)` with a deadline. Run as its own process (inside a test's
// network namespace) with the CloudWatch fake started here too, so the bundle's real SDK client talks
// HTTP to it. Bundled by scripts/build.mjs to dist/test-support/lambda-runner.js.
//   node lambda-runner.js <spec.json>   spec: { dir, region, event, timeoutMs, out, endpoint? }
// Writes { result | error, datums, requests, importMs, handlerMs, cpuMs, maxRssKiB } to spec.out (stdout
// belongs to the function's logs). With `endpoint`, the function publishes there and no fake is started
// here (benchmarks keep the fake's work out of the measured process).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startCloudWatchFake } from './cloudwatch-fake.js';

interface RunnerSpec {
  dir: string;
  region: string;
  event: unknown;
  timeoutMs: number;
  out: string;
  endpoint?: string;
}

const spec = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as RunnerSpec;
const fake = spec.endpoint ? undefined : await startCloudWatchFake();
Object.assign(process.env, {
  AWS_REGION: spec.region,
  AWS_ACCESS_KEY_ID: 'test-key',
  AWS_SECRET_ACCESS_KEY: 'test-secret',
  // The SDK's service-specific endpoint override: the bundle's client is built at init with no endpoint.
  AWS_ENDPOINT_URL_CLOUDWATCH: spec.endpoint ?? fake?.endpoint,
});
const deadline = Date.now() + spec.timeoutMs;
const context = { getRemainingTimeInMillis: () => deadline - Date.now(), awsRequestId: 'e2e-request', functionName: 'probe' };
let outcome: { result?: unknown; error?: string; importMs?: number; handlerMs?: number };
const cpuBefore = process.cpuUsage();
try {
  const importStart = performance.now();
  const mod = (await import(pathToFileURL(join(spec.dir, 'index.mjs')).href)) as { handler(event: unknown, context: unknown): Promise<unknown> };
  const importMs = performance.now() - importStart;
  const handlerStart = performance.now();
  const result = await mod.handler(spec.event, context);
  outcome = { result, importMs, handlerMs: performance.now() - handlerStart };
} catch (err) {
  outcome = { error: (err as Error).message };
}
const cpu = process.cpuUsage(cpuBefore);
writeFileSync(
  spec.out,
  JSON.stringify({ ...outcome, cpuMs: (cpu.user + cpu.system) / 1000, maxRssKiB: process.resourceUsage().maxRSS, datums: fake?.datums ?? [], requests: fake?.requests.length ?? 0 }),
);
await fake?.close();
