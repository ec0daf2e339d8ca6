// Argument parsing for `pptp-monitor run` (the local monitor).
import { isIP } from 'node:net';
import { isHostName } from '../status/status-server.js';
import { WEBHOOK_FORMATS } from '../config/notify-rules.js';
import { isEnvName } from '../config/login-rules.js';
import type { NotifyType } from '../config/types.js';
import { flagValue, UsageError } from './usage-error.js';

/** Where --http listens when given a port alone: loopback, so nothing is exposed by accident. */
export const DEFAULT_HTTP_ADDRESS = '127.0.0.1';

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
  /** A simulated keepalived pair: virtual address on this port, members on the next two. */
  simulatePairPort?: number;
  /** Stop after this many cycles (demos, tests); unlimited by default. */
  cycles?: number;
  /** Port of the status page and /metrics; off by default. */
  httpPort?: number;
  /** The IP address --http listens on (DEFAULT_HTTP_ADDRESS unless given as <address>:<port>); IPv6 without brackets. */
  httpAddress?: string;
  /** Names a scraper may send as Host besides loopback names and IP addresses (--http-allow-host, repeatable). */
  httpAllowedHosts: string[];
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
  --simulate-pair <port>
                      start a simulated keepalived pair: the virtual address on 127.0.0.1:<port>, members
                      gw-a and gw-b on <port>+1 and <port>+2; type 'failover', 'member a down', 'member a up',
                      'firmware b 2' or 'status' (see monitor.pair.yml and npm run start:pair)
  --http [<address>:]<port>
                      serve a status page and /metrics (Prometheus) on <address>:<port> (off by default);
                      the address defaults to 127.0.0.1; an IP address such as 0.0.0.0 or [::] exposes
                      it to the network for a Prometheus server elsewhere (a warning says so)
  --http-allow-host <name>
                      also answer requests addressed to this host name (the name Prometheus scrapes this
                      machine by); loopback names and IP addresses always work; repeatable
  --cycles <n>        stop after n probe cycles (default: run until Ctrl-C)`;

/** The forms --http takes, for its error messages. */
const HTTP_FORMS = '<port> (0-65535), <IPv4 address>:<port> or [<IPv6 address>]:<port>, e.g. 9464, 0.0.0.0:9464 or [::1]:9464';

/**
 * --http's value: a port alone (on DEFAULT_HTTP_ADDRESS), or an IP address and a port, IPv6 in brackets
 * as in a URL. IP addresses only: a name would be resolved at listen time to an address nobody chose,
 * and `localhost` is 127.0.0.1 or [::1] already.
 */
export function parseHttpListen(v: string): { address: string; port: number } {
  const bracketed = /^\[([^\]]*)\]:([^:]*)$/.exec(v);
  const plain = /^([^:[\]]*):([^:]*)$/.exec(v);
  const portOnly = !v.includes(':');
  // '::1:9464' is itself a valid IPv6 address: without brackets there is no telling where the port starts.
  if (!bracketed && !plain && !portOnly) {
    if (/^\[.*\]$/.test(v)) throw new UsageError(`--http: a port must follow the address, as in ${v}:9464; got '${v}'`);
    if (isIP(v) === 6 || isIP(v.replace(/:\d*$/, '')) === 6) throw new UsageError(`--http: an IPv6 address goes in brackets, the port after them (e.g. [::1]:9464); got '${v}'`);
    throw new UsageError(`--http: must be ${HTTP_FORMS}; got '${v}'`);
  }
  const [address, portText] = bracketed ? [bracketed[1]!, bracketed[2]!] : plain ? [plain[1]!, plain[2]!] : [DEFAULT_HTTP_ADDRESS, v];
  if (bracketed && isIP(address) !== 6) throw new UsageError(`--http: '${address}' in brackets is not an IPv6 address; must be ${HTTP_FORMS}; got '${v}'`);
  if (plain && isIP(address) !== 4) throw new UsageError(`--http: '${address}' is not an IPv4 address (IP addresses only, not host names); must be ${HTTP_FORMS}; got '${v}'`);
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : Number.NaN;
  if (!(port >= 0 && port <= 65535)) throw new UsageError(portOnly ? `--http: must be ${HTTP_FORMS}; got '${v}'` : `--http: the port must be 0-65535, got '${portText}' in '${v}'`);
  return { address, port };
}

/** A simulator's listening port, 1 to `max`. */
function simulatorPort(flag: string, v: string, max: number, why = ''): number {
  const port = /^\d+$/.test(v) ? Number(v) : Number.NaN;
  if (!(port >= 1 && port <= max)) throw new UsageError(`${flag}: must be a port 1-${max}${why}, got '${v}'`);
  return port;
}

export function parseRunArgs(argv: readonly string[]): RunArgs {
  const args: RunArgs = { config: 'monitor.yml', data: 'data', httpAllowedHosts: [], help: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] ?? '';
    switch (flag) {
      case '--config':
        args.config = flagValue(flag, argv[++i]);
        break;
      case '--data':
        args.data = flagValue(flag, argv[++i]);
        break;
      case '--webhook': {
        const url = flagValue(flag, argv[++i]);
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
        const format = flagValue(flag, argv[++i]);
        if (!(WEBHOOK_FORMATS as readonly string[]).includes(format)) throw new UsageError(`--webhook-format: must be one of ${WEBHOOK_FORMATS.join(', ')}, got '${format}'`);
        args.webhookFormat = format as NotifyType;
        break;
      }
      case '--webhook-key-env': {
        const name = flagValue(flag, argv[++i]);
        if (!isEnvName(name)) throw new UsageError(`--webhook-key-env: must be the name of an environment variable (letters, digits and _, not starting with a digit), got '${name}'`);
        args.webhookKeyEnv = name;
        break;
      }
      case '--simulate':
        args.simulatePort = simulatorPort(flag, flagValue(flag, argv[++i]), 65535);
        break;
      case '--simulate-pair':
        args.simulatePairPort = simulatorPort(flag, flagValue(flag, argv[++i]), 65533, ' (the members take the next two)');
        break;
      case '--http': {
        const { address, port } = parseHttpListen(flagValue(flag, argv[++i]));
        args.httpPort = port;
        args.httpAddress = address;
        break;
      }
      case '--http-allow-host': {
        const name = flagValue(flag, argv[++i]);
        // What the status server accepts, checked here to say it with the flag's name.
        if (!isHostName(name)) {
          throw new UsageError(`--http-allow-host: must be a host name without port or scheme (e.g. monitor.lan), got '${name}'`);
        }
        args.httpAllowedHosts.push(name);
        break;
      }
      case '--cycles': {
        const v = flagValue(flag, argv[++i]);
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
  if (args.httpAllowedHosts.length > 0 && args.httpPort === undefined) throw new UsageError('--http-allow-host: only with --http (it names who may ask the status server)');
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
