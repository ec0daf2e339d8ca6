// `npm run bench:invocation`: one probe-function invocation with 1,000 targets, run the way Lambda runs
// it: the packaged zip (bundle + config) unzipped by a standard reader, imported in a fresh process with
// the heap capped as in a 128 MB function, local PPTP responders in another process, and the CloudWatch
// fake in this one, so neither is counted against the function. Prints wall time, CPU, peak RSS,
// PutMetricData requests and bytes, the zip size and the cold import time.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildLambdaArtifacts } from '../infra/lambda-artifacts.js';
import { parseConfig } from '../shared/config/index.js';
import { startCloudWatchFake } from '../test/support/cloudwatch-fake.js';

const TARGETS = Number(process.env['BENCH_TARGETS'] ?? 1000);
// One responder port per target: monitor.yml refuses two targets on the same host and port (they would
// be one gateway under two names), and every target is on 127.0.0.1. Node raises the responder's
// file-descriptor limit to the hard limit, so a thousand listeners fit.
const RESPONDER_PORTS = TARGETS;
const BASE_PORT = 21_000;
/** The heap cap Node gets in a 128 MB Lambda function (the runtime leaves room for code and buffers). */
const LAMBDA_128_HEAP_MB = 100;
const RUNS = 3;
const IMPORT_RUNS = 5;
const here = dirname(fileURLToPath(import.meta.url));
const print = (line: string): void => void process.stdout.write(`${line}\n`);

function configYaml(): string {
  const lines = ['version: 1', 'homeRegion: eu-central-1', 'defaults:', '  regions: [eu-west-1]', '  timeout: 3000', 'targets:'];
  for (let i = 0; i < TARGETS; i++) lines.push(`  - { name: gw-${String(i).padStart(4, '0')}, host: 127.0.0.1, port: ${BASE_PORT + i} }`);
  return lines.join('\n');
}

function waitForReady(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('responder did not start')), 10_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

function runNode(args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    // The SDK's Node 20 deprecation notice is not a finding of this benchmark.
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout }));
  });
}

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] ?? Number.NaN;
};

async function main(): Promise<void> {
  const parsed = parseConfig(configYaml(), 'bench.yml');
  if (!parsed.ok) throw new Error(parsed.errors.map((e) => `${e.path}: ${e.problem}`).join('\n'));
  const dir = mkdtempSync(join(tmpdir(), 'pmt-invocation-'));
  const [artifact] = await buildLambdaArtifacts(parsed.config);
  if (!artifact) throw new Error('no probe artifact');
  writeFileSync(join(dir, 'probe.zip'), artifact.zip);
  execFileSync('python3', ['-m', 'zipfile', '-e', join(dir, 'probe.zip'), join(dir, 'probe')]);
  print(`node ${process.version}; probe.zip ${(artifact.zip.length / 1024).toFixed(1)} KiB zipped (goal <= 300 KB), bundle ${(artifact.bundleBytes / 1024).toFixed(1)} KiB, config for ${TARGETS} targets ${(readFileSync(join(dir, 'probe', 'config.json')).length / 1024).toFixed(1)} KiB`);

  // Cold import: a fresh process each time, timing only the import (module init: config, SDK client).
  const importTimes: number[] = [];
  const importScript = join(dir, 'import-only.mjs');
  writeFileSync(
    importScript,
    `process.env.AWS_REGION='eu-west-1';const t=performance.now();await import(${JSON.stringify(join(dir, 'probe', 'index.mjs'))});process.stdout.write(String(performance.now()-t));`,
  );
  for (let i = 0; i < IMPORT_RUNS; i++) importTimes.push(Number((await runNode([importScript])).stdout));
  print(`cold import (fresh process, ${IMPORT_RUNS} runs): median ${quantile(importTimes, 0.5).toFixed(1)} ms, max ${Math.max(...importTimes).toFixed(1)} ms (goal <= 50 ms)`);

  const responder = spawn(process.execPath, [join(here, 'pptp-responder.js'), `${BASE_PORT}-${BASE_PORT + RESPONDER_PORTS - 1}`], { stdio: ['ignore', 'pipe', 'inherit'] });
  const fake = await startCloudWatchFake();
  try {
    await waitForReady(responder);
    for (let run = 1; run <= RUNS; run++) {
      fake.reset();
      const minute = Math.floor(Date.now() / 60_000) * 60_000;
      const spec = { dir: join(dir, 'probe'), region: 'eu-west-1', event: { time: new Date(minute).toISOString(), shard: 0, shards: 1 }, timeoutMs: 50_000, out: join(dir, `out-${run}.json`), endpoint: fake.endpoint };
      writeFileSync(join(dir, 'spec.json'), JSON.stringify(spec));
      const started = performance.now();
      const child = await runNode([`--max-old-space-size=${LAMBDA_128_HEAP_MB}`, join(here, '..', 'test-support', 'lambda-runner.js'), join(dir, 'spec.json')]);
      const wallMs = performance.now() - started;
      const out = JSON.parse(readFileSync(spec.out, 'utf8')) as {
        error?: string;
        result?: { probed: number; ok: number; points: number; publish: { requests: number; published: number; loggedAsEmf: number } };
        importMs: number;
        handlerMs: number;
        cpuMs: number;
        maxRssKiB: number;
      };
      if (out.error || !out.result) throw new Error(`invocation failed: ${out.error ?? 'no result'}`);
      const puts = fake.requests.filter((r) => r.operation === 'PutMetricData');
      const bytes = puts.reduce((n, r) => n + r.bodyBytes, 0);
      const lines = child.stdout.split('\n').filter((l) => l.startsWith('{'));
      print(
        `run ${run}: ${out.result.probed}/${TARGETS} probed, ${out.result.ok} ok; handler ${(out.handlerMs / 1000).toFixed(2)} s (goal < 5 s), process wall ${(wallMs / 1000).toFixed(2)} s, ` +
          `CPU ${(out.cpuMs / 1000).toFixed(2)} s (${((out.cpuMs * 1000) / TARGETS).toFixed(0)} µs/target incl. publish and logs), peak RSS ${(out.maxRssKiB / 1024).toFixed(1)} MiB (limit 128 MB); ` +
          `PutMetricData ${puts.length} requests, ${(bytes / 1024).toFixed(1)} KiB on the wire (${puts.filter((r) => r.contentEncoding === 'gzip').length} gzipped), ${out.result.publish.published} points, ${out.result.publish.loggedAsEmf} as EMF; ${lines.length} log lines`,
      );
    }
  } finally {
    responder.kill('SIGTERM');
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
