// The test PPP responder as a program: what pptpd starts as its `ppp` (pptpd.conf `ppp <path>`,
// through a wrapper script that adds --scenario and --log), and what the unit tests spawn with
// pipes. Bundled by scripts/build.mjs into dist/test-support/ppp-responder.js, so pptpd can exec
// a plain `node` file with no loader and a fast start.
//
// How pptpctrl starts it (pptpd 1.4.0, checked by dumping argv, environment and fds): a fork of
// pptpctrl execs `<ppp> local [file <option-file>] <speed> [<local>:<remote>] [ipparam <ip>]
// remotenumber <ip>`, with pptpd's environment, fd 0 and fd 1 both the slave of a fresh pty (cooked:
// icanon, icrnl, opost/onlcr, isig, ixon; only echo is off) and fd 2 pptpd's own stderr. The pty is
// not its controlling terminal. pptpctrl does not read the pty's peer (the GRE side) until the
// program has written something, so LCP must start from this end.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, fstatSync, openSync, readFileSync, readlinkSync, writeSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { isatty, ReadStream } from 'node:tty';
import { HdlcDecoder, encodeHdlcFrame } from '../../../shared/probers/pptp-login/hdlc.js';
import { parseResponderArgs, type ResponderArgs } from './args.js';
import { PppResponder } from './responder.js';
import { parseScenario, type Scenario } from './scenario.js';
import { PROTOCOL_NAMES } from './server-policies.js';

/** Exit status when the command line or scenario file is unusable. */
const EXIT_USAGE = 2;
/** Time given to the last frames (a Terminate-Ack) before exiting, in ms. */
const EXIT_DELAY_MS = 50;
/** The stty flags whose state the log records, before and after raw mode. */
const TTY_FLAGS = /^-?(icanon|isig|iexten|echo|icrnl|ixon|opost|onlcr)$/;

const startedAt = performance.now();

type Log = (event: string, fields?: Record<string, unknown>) => void;

function openLog(path: string | undefined): Log {
  const fd = path ? openSync(path, 'a') : 2;
  return (event, fields = {}) => {
    const line = JSON.stringify({ t: Math.round((performance.now() - startedAt) * 10) / 10, pid: process.pid, event, ...fields });
    try {
      writeSync(fd, `${line}\n`);
    } catch {
      // a log that cannot be written must not stop the responder
    }
  };
}

function describeFd(fd: number): string {
  try {
    const stat = fstatSync(fd);
    const kind = stat.isCharacterDevice() ? 'character device' : stat.isFIFO() ? 'pipe' : stat.isSocket() ? 'socket' : stat.isFile() ? 'file' : 'other';
    return `${readlinkSync(`/proc/self/fd/${fd}`)} (${kind}${isatty(fd) ? ', tty' : ''})`;
  } catch {
    return 'closed';
  }
}

function ttyFlags(): string[] {
  const result = spawnSync('stty', ['-a'], { stdio: [0, 'pipe', 'ignore'], encoding: 'utf8' });
  return (result.stdout ?? '').split(/[\s;]+/).filter((flag) => TTY_FLAGS.test(flag));
}

/**
 * Raw mode through `stty raw -echo -iexten` on fd 0 (the pty slave; fd 1 is the same pty). Node's
 * own setRawMode keeps OPOST|ONLCR, which would turn every 0x0a we write into 0x0d 0x0a, and Node
 * has no tcsetattr; stty sets exactly what pppd's cfmakeraw-style setup does.
 */
function makeRaw(log: Log): boolean {
  const before = ttyFlags();
  const result = spawnSync('stty', ['raw', '-echo', '-iexten'], { stdio: [0, 'ignore', 'pipe'], encoding: 'utf8' });
  if (result.status !== 0) {
    log('stty_failed', { status: result.status, stderr: result.stderr?.trim(), error: result.error?.message });
    return false;
  }
  log('tty_raw', { before, after: ttyFlags() });
  return true;
}

/** The byte stream to pptpctrl: the pty behind pptpd, or the pipes of a unit test. */
interface PppLine {
  input: Readable;
  write(bytes: Buffer): void;
}

/**
 * Takes the pty off fds 0 and 1. Node records the termios of a tty on fds 0-2 at start-up and
 * restores it at exit, and aborts (an assertion in ResetStdio) when that tcsetattr fails, which it
 * does with EIO once pptpctrl has closed the pty's master: the normal end of every call. So the
 * responder reopens the pty on fds of its own and puts /dev/null on 0 and 1, which Node then
 * recognises as different files and leaves alone. Separate descriptors for reading and writing:
 * libuv reopens a tty for its non-blocking reads, and writes stay blocking and in order.
 */
function openPty(log: Log): PppLine | undefined {
  const path = readlinkSync('/proc/self/fd/0');
  if (!makeRaw(log)) return undefined;
  const inputFd = openSync(path, 'r');
  const outputFd = openSync(path, 'w');
  closeSync(0);
  closeSync(1);
  // open(2) takes the lowest free descriptor: 0, then 1.
  const nullFds = [openSync('/dev/null', 'r'), openSync('/dev/null', 'w')];
  log('pty_reopened', { path, inputFd, outputFd, nullFds });
  return { input: new ReadStream(inputFd), write: (bytes) => void writeSync(outputFd, bytes) };
}

/**
 * Spoils the FCS of an encoded frame: one bit of its last FCS octet flipped, choosing a bit that
 * leaves no flag or escape octet behind, so that the frame is still delimited and only its FCS is wrong.
 */
function withBadFcs(encoded: Buffer): Buffer {
  const out = Buffer.from(encoded);
  const at = out.length - 2;
  const flipped = out[at]! ^ 0x01;
  out[at] = flipped === 0x7d || flipped === 0x7e ? out[at]! ^ 0x02 : flipped;
  return out;
}

/** What a frame is, for the log: protocol and control code, never its bytes (PAP carries the password). */
function describeFrame(frame: Uint8Array): Record<string, unknown> {
  let offset = frame[0] === 0xff ? 2 : 0;
  let protocol = frame[offset] ?? 0;
  if ((protocol & 1) === 0) protocol = (protocol << 8) | (frame[++offset] ?? 0);
  const code = protocol >= 0x8000 ? frame[offset + 1] : undefined;
  return { protocol: PROTOCOL_NAMES[protocol] ?? `0x${protocol.toString(16)}`, code, bytes: frame.length };
}

function loadScenario(args: ResponderArgs, log: Log): Scenario | undefined {
  if (!args.scenarioPath) {
    log('usage_error', { message: 'no scenario: pass --scenario <file> or set PPP_RESPONDER_SCENARIO' });
    return undefined;
  }
  try {
    return parseScenario(readFileSync(args.scenarioPath, 'utf8'));
  } catch (err) {
    log('usage_error', { message: (err as Error).message, scenarioPath: args.scenarioPath });
    return undefined;
  }
}

function main(): void {
  let args: ResponderArgs;
  try {
    args = parseResponderArgs(process.argv.slice(2), process.env);
  } catch (err) {
    process.stderr.write(`ppp-responder: ${(err as Error).message}\n`);
    process.exit(EXIT_USAGE);
  }
  const log = openLog(args.logPath);
  log('start', {
    argv: process.argv.slice(2),
    ppid: process.ppid,
    fds: { 0: describeFd(0), 1: describeFd(1), 2: describeFd(2) },
    runId: process.env['PPP_RESPONDER_RUN_ID'],
    ignoredArgs: args.ignored,
  });
  const scenario = loadScenario(args, log);
  if (!scenario) process.exit(EXIT_USAGE);
  log('scenario', { name: scenario.name, auth: scenario.auth, user: scenario.user });

  // pptpd hands over a cooked pty; the unit tests hand over pipes, which need nothing.
  const line: PppLine | undefined = isatty(0) ? openPty(log) : { input: process.stdin, write: (bytes) => void process.stdout.write(bytes) };
  if (!line) process.exit(1);

  const decoder = new HdlcDecoder();
  let exiting = false;
  let lineBroken = false;
  let badFcsLeft = scenario.badFcsFrames;
  const responder = new PppResponder(
    scenario,
    { local: args.localAddress, remote: args.remoteAddress },
    {
      send: (frame) => {
        if (lineBroken) return;
        log('tx', describeFrame(frame));
        let encoded = encodeHdlcFrame(frame);
        if (badFcsLeft > 0) {
          badFcsLeft--;
          encoded = withBadFcs(encoded);
          log('tx_bad_fcs', describeFrame(frame));
        }
        try {
          line.write(encoded);
        } catch (err) {
          // EIO once pptpctrl has closed the pty; hang up outside the automaton that is sending.
          lineBroken = true;
          setImmediate(() => responder.hangUp(`output error: ${(err as Error).message}`));
        }
      },
      log,
      schedule: (delayMs, onExpiry) => {
        const timer = setTimeout(onExpiry, delayMs);
        return () => clearTimeout(timer);
      },
      random: (bytes) => randomBytes(bytes),
      finished: (reason) => {
        if (exiting) return;
        exiting = true;
        log('exit', { reason, hdlcDiscarded: decoder.discarded });
        setTimeout(() => process.exit(0), EXIT_DELAY_MS);
      },
    },
  );

  line.input.on('data', (chunk: Buffer) =>
    decoder.push(chunk, (frame) => {
      log('rx', describeFrame(frame));
      responder.receive(frame);
    }),
  );
  // pptpctrl closing the pty's master shows as EIO on the slave, a pipe's writer as end.
  line.input.on('end', () => responder.hangUp('input closed'));
  line.input.on('error', (err) => responder.hangUp(`input error: ${err.message}`));
  process.stdout.on('error', (err) => responder.hangUp(`output error: ${err.message}`));
  for (const signal of ['SIGTERM', 'SIGHUP', 'SIGINT'] as const) process.on(signal, () => responder.hangUp(signal));
  setTimeout(() => responder.hangUp(`lifetime of ${scenario.maxLifetimeMs} ms reached`), scenario.maxLifetimeMs).unref();

  responder.start();
}

main();
