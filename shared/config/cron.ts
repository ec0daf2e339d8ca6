// Five-field cron expressions (minute hour day-of-month month day-of-week) for recurring maintenance
// windows, in the Vixie cron dialect: `*`, numbers, ranges `a-b`, steps `*/n` and `a-b/n`, lists `a,b`,
// month names jan-dec and day names sun-sat (case-insensitive), day-of-week 0-7 with 0 and 7 both Sunday.
// When both day fields are restricted a day matches either (the cron rule). An expression that can never
// fire (`0 3 30 2 *`) is refused: a maintenance window that never opens is a mistake nobody would notice
// until the planned work pages someone. Pure: no clock, no timezone.

export interface CronField {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
}

export const CRON_FIELDS: readonly CronField[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] },
  { name: 'day-of-week', min: 0, max: 7, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
];

export interface CronSchedule {
  minutes: ReadonlySet<number>;
  hours: ReadonlySet<number>;
  daysOfMonth: ReadonlySet<number>;
  months: ReadonlySet<number>;
  /** 0 = Sunday .. 6 = Saturday (a 7 in the expression is stored as 0). */
  daysOfWeek: ReadonlySet<number>;
  /** False when the day-of-month field is `*` (then only day-of-week restricts days), and vice versa. */
  daysOfMonthRestricted: boolean;
  daysOfWeekRestricted: boolean;
}

export type CronParseResult = { ok: true; schedule: CronSchedule } | { ok: false; problem: string };

const FIVE_FIELDS = 'must be a 5-field cron expression (minute hour day-of-month month day-of-week)';

function parseValue(text: string, field: CronField): number | undefined {
  if (/^\d{1,2}$/.test(text)) return Number(text);
  const index = field.names?.indexOf(text.toLowerCase()) ?? -1;
  if (index < 0) return undefined;
  return field.name === 'month' ? index + 1 : index;
}

function parseField(text: string, field: CronField): Set<number> | string {
  const values = new Set<number>();
  const bad = (what: string): string => `${field.name} '${text}' ${what}`;
  for (const item of text.split(',')) {
    const match = /^([^/]+)(?:\/(\d{1,2}))?$/.exec(item);
    if (!match) return bad(`is not valid (${item === '' ? 'empty list item' : `'${item}'`})`);
    const [, rangeText = '', stepText] = match;
    const step = stepText === undefined ? 1 : Number(stepText);
    if (step < 1) return bad('has a step of 0');
    let from: number;
    let to: number;
    if (rangeText === '*') {
      from = field.min;
      to = field.max;
    } else {
      const dash = rangeText.indexOf('-');
      const a = parseValue(dash < 0 ? rangeText : rangeText.slice(0, dash), field);
      const b = dash < 0 ? a : parseValue(rangeText.slice(dash + 1), field);
      if (a === undefined || b === undefined) return bad(`is not valid ('${item}')`);
      if (a < field.min || a > field.max || b < field.min || b > field.max) return bad(`is out of range ${field.min}-${field.max}`);
      if (b < a) return bad(`has a range that runs backwards ('${rangeText}')`);
      from = a;
      // `a/n` means from a to the end of the field, as in Vixie cron.
      to = dash < 0 && stepText !== undefined ? field.max : b;
    }
    for (let v = from; v <= to; v += step) values.add(field.name === 'day-of-week' && v === 7 ? 0 : v);
  }
  return values;
}

export function parseCron(expression: string): CronParseResult {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5 || parts[0] === '') return { ok: false, problem: FIVE_FIELDS };
  const sets: Set<number>[] = [];
  for (let i = 0; i < 5; i++) {
    const result = parseField(parts[i]!, CRON_FIELDS[i]!);
    if (typeof result === 'string') return { ok: false, problem: result };
    sets.push(result);
  }
  const [minutes, hours, daysOfMonth, months, daysOfWeek] = sets as [Set<number>, Set<number>, Set<number>, Set<number>, Set<number>];
  const schedule: CronSchedule = {
    minutes,
    hours,
    daysOfMonth,
    months,
    daysOfWeek,
    daysOfMonthRestricted: !parts[2]!.startsWith('*'),
    daysOfWeekRestricted: !parts[4]!.startsWith('*'),
  };
  const never = neverFires(schedule, parts[2]!, parts[3]!);
  return never === undefined ? { ok: true, schedule } : { ok: false, problem: never };
}

/** The most days each month can have (February in a leap year), January first. */
const MONTH_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

/**
 * Why a schedule can never fire, or undefined. Only the day-of-month against the months can rule out
 * every minute: any other combination (a weekday with a date, Feb 29) comes round in some year. When
 * day-of-week is restricted too, cron fires on either day field, so the weekdays still fire.
 */
function neverFires(schedule: CronSchedule, dayText: string, monthText: string): string | undefined {
  if (!schedule.daysOfMonthRestricted || schedule.daysOfWeekRestricted) return undefined;
  const months = [...schedule.months].sort((a, b) => a - b);
  const firstDay = Math.min(...schedule.daysOfMonth);
  if (months.some((m) => firstDay <= MONTH_DAYS[m - 1]!)) return undefined;
  const names = CRON_FIELDS[3]!.names!;
  // Grouped by length, so that "apr, jun, sep and nov have 30 days" is said once.
  const byLength = new Map<number, string[]>();
  for (const m of months) byLength.set(MONTH_DAYS[m - 1]!, [...(byLength.get(MONTH_DAYS[m - 1]!) ?? []), names[m - 1]!]);
  const lengths = [...byLength].map(([days, group]) => {
    const who = group.length === 1 ? `${group[0]} has` : `${group.slice(0, -1).join(', ')} and ${group.at(-1)} have`;
    return `${who} ${days === 29 ? 'at most 29' : days} days`;
  });
  const where = months.length === 1 ? `does not occur in month '${monthText}'` : `occurs in none of the months '${monthText}'`;
  return `never fires: day-of-month '${dayText}' ${where} (${lengths.join(', ')})`;
}
