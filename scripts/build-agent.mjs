// `npm run package:agent`: the agent's install tarball for a Linux host that has Node and nothing else.
//
//   dist/agent/pptp-monitor.mjs                                 the CLI (shared/cli/main.ts, what
//                                                               bin/pptp-monitor.js runs) in one file
//   dist/agent/pptp-monitor-agent-<version>-linux-<arch>.tar.gz
//     pptp-monitor-agent-<version>/pptp-monitor.mjs, pptp-monitor-agent.service, install.sh, INSTALL.md,
//     node_modules/koffi + node_modules/@koromix/koffi-linux-<arch>   (see below)
//
// Why a node_modules at all: the login probe's raw GRE socket goes through koffi, a native module, which
// gre-transport-raw.ts loads with createRequire(import.meta.url)('koffi') at run time; a .node binary
// cannot be inlined into a .mjs. Node resolves that require from the bundle's own folder, so the
// tarball carries koffi's loader and the one prebuilt binary package of the build host's platform, and
// nothing else (the bundle inlines every other dependency). Without it only the control probes work.
// That binary is why the tarball name carries the architecture: build on the architecture you deploy to.
//
// Prints the bundle's size and checks, from a copy outside the repository (no node_modules above it),
// that it starts and that koffi loads.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
// --out-dir: where the test builds, so that it never replaces the dist/agent of a concurrent `npm run package:agent`.
const { values: options } = parseArgs({ options: { 'out-dir': { type: 'string' } } });
const outDir = resolve(root, options['out-dir'] ?? 'dist/agent');
const bundlePath = join(outDir, 'pptp-monitor.mjs');
const stageName = `pptp-monitor-agent-${pkg.version}`;
const stage = join(outDir, stageName);
const platform = `${process.platform}-${process.arch}`;
const tarballPath = join(outDir, `${stageName}-${platform}.tar.gz`);

/** The koffi files its CommonJS entry needs at run time (index.cjs → src/koffi/index.cjs → static.cjs). */
const KOFFI_RUNTIME_FILES = ['package.json', 'LICENSE.txt', 'index.cjs', 'src/koffi/index.cjs', 'src/koffi/src/static.cjs'];

const fail = (message) => {
  process.stderr.write(`build-agent: ${message}\n`);
  process.exit(1);
};
const kib = (bytes) => `${(bytes / 1024).toFixed(0)} KiB`;
const shown = (path) => (path.startsWith(root) ? relative(root, path) : path);

if (process.platform !== 'linux') fail(`the agent runs on Linux; this is ${process.platform} (koffi's binary would not match)`);

// Only this build's own outputs: --out-dir may name a folder that holds other things.
for (const path of [bundlePath, stage, tarballPath]) rmSync(path, { recursive: true, force: true });
mkdirSync(stage, { recursive: true });

// ---- the bundle ----
const result = await build({
  entryPoints: [join(root, 'shared/cli/main.ts')],
  outfile: bundlePath,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  // No sourcemap: a second file to ship. Not minified either, so that a stack trace in the journal
  // still names the functions it went through.
  sourcemap: false,
  metafile: true,
  logLevel: 'warning',
  banner: {
    // Run directly as well as with `node`; ESM bundles of CommonJS dependencies (the AWS SDK's) need a require().
    js: "#!/usr/bin/env node\nimport { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
});
chmodSync(bundlePath, 0o755);
const bundleBytes = statSync(bundlePath).size;

/** The biggest contributors by package, so a size jump names its cause. */
function largestPackages(metafile, count) {
  const byPackage = new Map();
  for (const [path, { bytesInOutput }] of Object.entries(metafile.outputs[Object.keys(metafile.outputs)[0]].inputs)) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
    const name = match ? match[1] : '(pptp-monitor)';
    byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput);
  }
  return [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, count);
}

// ---- koffi, the one native dependency ----
const koffiSource = join(root, 'node_modules/koffi');
const nativeName = `@koromix/koffi-${platform}`;
const nativeSource = join(root, 'node_modules', nativeName);
if (!existsSync(nativeSource)) fail(`${nativeName} is not installed (npm installs only the host's platform package): run npm ci on a ${platform} host`);
for (const file of KOFFI_RUNTIME_FILES) {
  const target = join(stage, 'node_modules/koffi', file);
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(join(koffiSource, file), target);
}
cpSync(nativeSource, join(stage, 'node_modules', nativeName), { recursive: true });
const koffiVersion = JSON.parse(readFileSync(join(koffiSource, 'package.json'), 'utf8')).version;
const nativeVersion = JSON.parse(readFileSync(join(nativeSource, 'package.json'), 'utf8')).version;
// koffi refuses a binary of another version at load time ("Mismatched native Koffi modules"): fail here instead.
if (koffiVersion !== nativeVersion) fail(`koffi ${koffiVersion} and ${nativeName} ${nativeVersion} differ: run npm ci`);

// ---- the rest of the tarball ----
copyFileSync(bundlePath, join(stage, 'pptp-monitor.mjs'));
for (const file of ['pptp-monitor-agent.service', 'install.sh', 'INSTALL.md']) copyFileSync(join(root, 'deploy/agent', file), join(stage, file));
// The VERSION file lets install.sh and an operator tell what is installed without running node.
writeFileSync(join(stage, 'VERSION'), `${pkg.version} ${platform} koffi ${koffiVersion}\n`);
execFileSync('chmod', ['-R', 'u=rwX,go=rX', stage]);
chmodSync(join(stage, 'install.sh'), 0o755);
chmodSync(join(stage, 'pptp-monitor.mjs'), 0o755);

// ---- smoke test from a copy with no node_modules above it ----
const scratch = mkdtempSync(join(tmpdir(), 'pptp-monitor-agent-build-'));
let smokeError;
try {
  cpSync(stage, scratch, { recursive: true });
  const run = (args) => execFileSync(process.execPath, args, { cwd: scratch, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const version = run([join(scratch, 'pptp-monitor.mjs'), '--version']).trim();
  if (version !== pkg.version) fail(`the bundle says version '${version}', package.json ${pkg.version}`);
  // Resolved as gre-transport-raw.ts resolves it: from the bundle's URL.
  const probe = `const k = require('node:module').createRequire(${JSON.stringify(join(scratch, 'pptp-monitor.mjs'))})('koffi'); k.load('libc.so.6'); console.log(k.version ?? 'ok')`;
  run(['-e', probe]);
} catch (err) {
  smokeError = err;
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
if (smokeError) fail(`the packaged copy does not start: ${smokeError instanceof Error ? (smokeError.stderr || smokeError.message) : String(smokeError)}`);

// ---- the tarball: root-owned entries, sorted, fixed mtime, so a rebuild of the same tree is the same file ----
// Compressed here rather than by tar --gzip: Node's gzip header carries no name and no time.
const mtime = process.env.SOURCE_DATE_EPOCH ?? '0';
const tar = execFileSync('tar', ['--create', '--file', '-', '--owner=0', '--group=0', '--numeric-owner', '--sort=name', `--mtime=@${mtime}`, '-C', outDir, stageName], {
  maxBuffer: 256 * 1024 * 1024,
});
writeFileSync(tarballPath, gzipSync(tar, { level: 9 }));
rmSync(stage, { recursive: true, force: true });

const tarballBytes = statSync(tarballPath).size;
process.stdout.write(
  `${shown(bundlePath)}: ${kib(bundleBytes)} (largest: ${largestPackages(result.metafile, 5).map(([name, bytes]) => `${name} ${kib(bytes)}`).join(', ')})\n` +
    `${shown(tarballPath)}: ${kib(tarballBytes)} (with koffi ${koffiVersion} for ${platform})\n`,
);
