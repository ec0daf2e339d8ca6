// Argument parsing for `pptp-monitor run` (the local monitor).
import { UsageError } from './usage-error.js';

export interface RunArgs {
  config: string;
  data: string;
  webhook?: string;
  /** Port of an embedded gateway simulator on 127.0.0.1. */
  simulatePort?: number;
  /** Stop after this many cycles (demos, tests); unlimited by default. */
  cycles?: number;
  /** Port of the status page and /metrics on 127.0.0.1; off by default. */
  httpPort?: number;
  help: boolean;
}

export const RUN_USAGE = `usage: pptp-monitor run [options]
  --config <file>     targets and policies (default monitor.yml)
  --data <dir>        where results are stored, one JSON line each (default ./data; locked: one monitor per directory)
  --webhook <url>     also POST every alert's JSON body to this http(s) URL
  --simulate <port>   start a simulated PPTP gateway on 127.0.0.1:<port>; type 'fault <name>' to break it
  --http <port>       serve a status page and /metrics (Prometheus) on 127.0.0.1:<port> (off by default)
  --cycles <n>        stop after n probe cycles (default: run until Ctrl-C)`;

function value(flag: string, v: string | undefined): string {
  if (v === undefined || v === '' || v.startsWith('--')) throw new UsageError(`${flag} needs a value`);
  return v;
}

export function parseRunArgs(argv: readonly string[]): RunArgs {
  const args: RunArgs = { config: 'monitor.yml', data: 'data', help: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] ?? '';
    switch (flag) {
      case '--config':
        args.config = value(flag, argv[++i]);
        break;
      case '--data':
        args.data = value(flag, argv[++i]);
        break;
      case '--webhook': {
        const url = value(flag, argv[++i]);
        let parsed: URL;
        try {
          parsed = new URL(url);
        } catch {
          throw new UsageError(`--webhook: not a URL: '${url}'`);
        }
        if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new UsageError(`--webhook: must be an http or https URL, got '${url}'`);
        args.webhook = url;
        break;
      }
      case '--simulate': {
        const v = value(flag, argv[++i]);
        const port = /^\d+$/.test(v) ? Number(v) : Number.NaN;
        if (!(port >= 1 && port <= 65535)) throw new UsageError(`--simulate: must be a port 1-65535, got '${v}'`);
        args.simulatePort = port;
        break;
      }
      case '--http': {
        const v = value(flag, argv[++i]);
        const port = /^\d+$/.test(v) ? Number(v) : Number.NaN;
        if (!(port >= 0 && port <= 65535)) throw new UsageError(`--http: must be a port 0-65535, got '${v}'`);
        args.httpPort = port;
        break;
      }
      case '--cycles': {
        const v = value(flag, argv[++i]);
        const n = /^\d+$/.test(v) ? Number(v) : Number.NaN;
        if (!(n >= 1)) throw new UsageError(`--cycles: must be a whole number of at least 1, got '${v}'`);
        args.cycles = n;
        break;
      }
      case '--help':
      case '-h':
        args.help = true;
        break;
      default:
        throw new UsageError(`run: unknown option '${flag}'`);
    }
  }
  return args;
}
