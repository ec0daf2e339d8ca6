// Argument parsing for `pptp-monitor run` (the local monitor).
import { NOTIFY_TYPES } from '../config/notify-rules.js';
import { isEnvName } from '../config/login-rules.js';
import type { NotifyType } from '../config/types.js';
import { UsageError } from './usage-error.js';

export interface RunArgs {
  config: string;
  data: string;
  webhook?: string;
  /** What --webhook receives: the json body (default) or a service's request (pagerduty, opsgenie, slack, teams, alertmanager). */
  webhookFormat?: NotifyType;
  /** The environment variable holding --webhook's key: PagerDuty routing key, Opsgenie API key, or the HMAC secret (alertmanager, json). */
  webhookKeyEnv?: string;
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
  --webhook-format <pagerduty|opsgenie|slack|teams|alertmanager|json>
                      what --webhook gets (default json); for pagerduty the URL is the Events API endpoint
                      (https://events.pagerduty.com/v2/enqueue), for opsgenie the API (https://api.opsgenie.com)
  --webhook-key-env <VAR>
                      the environment variable holding the key: the routing key (pagerduty, required), the
                      API key (opsgenie, required), an HMAC secret to sign with (alertmanager, json); alerts
                      also go to every notify: destination of the config
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
      case '--webhook-format': {
        const format = value(flag, argv[++i]);
        if (!(NOTIFY_TYPES as readonly string[]).includes(format)) throw new UsageError(`--webhook-format: must be one of ${NOTIFY_TYPES.join(', ')}, got '${format}'`);
        args.webhookFormat = format as NotifyType;
        break;
      }
      case '--webhook-key-env': {
        const name = value(flag, argv[++i]);
        if (!isEnvName(name)) throw new UsageError(`--webhook-key-env: must be the name of an environment variable (letters, digits and _, not starting with a digit), got '${name}'`);
        args.webhookKeyEnv = name;
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
  checkWebhookFlags(args);
  return args;
}

/** --webhook-format and --webhook-key-env go with --webhook, and the key with the formats that have one. */
function checkWebhookFlags(args: RunArgs): void {
  if (args.webhook === undefined) {
    if (args.webhookFormat !== undefined || args.webhookKeyEnv !== undefined) throw new UsageError(`${args.webhookFormat !== undefined ? '--webhook-format' : '--webhook-key-env'}: only with --webhook <url>`);
    return;
  }
  const format = args.webhookFormat ?? 'json';
  const key = { pagerduty: 'the PagerDuty routing key', opsgenie: 'the Opsgenie API key' }[format as string];
  if (key !== undefined && args.webhookKeyEnv === undefined) throw new UsageError(`--webhook-format ${format}: needs --webhook-key-env <VAR>, the environment variable holding ${key}`);
  if ((format === 'slack' || format === 'teams') && args.webhookKeyEnv !== undefined) throw new UsageError(`--webhook-key-env: a ${format} webhook has no key (its URL is the secret)`);
}
