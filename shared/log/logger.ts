// Structured JSON logs: one object per line, the same keys everywhere (timestamp, level, service,
// message, then context and fields), so CloudWatch Logs Insights can filter on any of them. Writes go
// straight to stdout rather than console.*, which in Lambda would prefix every line and break the JSON.
export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line (request id, region, shard). */
  with(fields: LogFields): Logger;
}

export interface LoggerOptions {
  service: string;
  /** Lines below this level are dropped. Default INFO. */
  level?: LogLevel;
  write?: (line: string) => void;
  now?: () => number;
}

const LEVEL_RANK: Record<LogLevel, number> = { DEBUG: 10, INFO: 20, WARN: 30, ERROR: 40 };

export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && value in LEVEL_RANK;
}

const writeStdout = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

/** Error objects lose their message in JSON.stringify: keep name, message and code. */
function jsonSafe(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    const code = 'code' in value ? value.code : undefined;
    return { name: value.name, message: value.message, ...(code === undefined ? {} : { code }) };
  }
  return typeof value === 'bigint' ? value.toString() : value;
}

export function createJsonLogger(options: LoggerOptions, context: LogFields = {}): Logger {
  const min = LEVEL_RANK[options.level ?? 'INFO'];
  const write = options.write ?? writeStdout;
  const now = options.now ?? Date.now;
  const emit = (level: LogLevel, message: string, fields: LogFields | undefined): void => {
    if (LEVEL_RANK[level] < min) return;
    const line = { timestamp: new Date(now()).toISOString(), level, service: options.service, message, ...context, ...fields };
    write(JSON.stringify(line, jsonSafe));
  };
  return {
    debug: (message, fields) => emit('DEBUG', message, fields),
    info: (message, fields) => emit('INFO', message, fields),
    warn: (message, fields) => emit('WARN', message, fields),
    error: (message, fields) => emit('ERROR', message, fields),
    with: (fields) => createJsonLogger(options, { ...context, ...fields }),
  };
}
