// Civil time for the SLA core's maintenance windows: civil dates from day numbers, and UTC offsets of IANA
// time zones through Intl.DateTimeFormat. Pure apart from caches that only remember what Intl already
// answered, so a result never depends on when or how often it is asked. (Units of time and flooring to a
// grid are shared/common/time.ts.)
import { DAY_MS, HOUR_MS, MINUTE_MS, floorTo } from '../common/time.js';

/** Calendar fields of a "local ms" value: a wall-clock reading written as if it were a UTC instant. */
export interface CivilTime {
  year: number;
  /** 1-12 */
  month: number;
  /** 1-31 */
  day: number;
  /** 0 = Sunday .. 6 = Saturday */
  weekday: number;
  /** 0-1439 */
  minuteOfDay: number;
}

/** Fields of a local-ms value without allocating a Date (Howard Hinnant's days-to-civil algorithm). */
export function civilTime(localMs: number): CivilTime {
  const days = Math.floor(localMs / DAY_MS);
  const minuteOfDay = Math.floor((localMs - days * DAY_MS) / MINUTE_MS);
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  // 1970-01-01 was a Thursday (4).
  const weekday = (((days + 4) % 7) + 7) % 7;
  return { year, month, day, weekday, minuteOfDay };
}

/**
 * Offsets change at most once per block of this many ms: the cache remembers, per block, the offset at its
 * start and end and, when they differ, the one instant it switches. Real zones change offset at most twice
 * a year, so one change per 6 hours is never exceeded.
 */
const OFFSET_BLOCK_MS = 6 * HOUR_MS;
/**
 * Resolution of the search for a switch inside a block. Every transition in the current tz database
 * happens at a multiple of 15 minutes UTC (local times like 02:00 with offsets in whole quarter hours);
 * historical local-mean-time offsets with seconds predate anything we monitor.
 */
const OFFSET_SWITCH_RESOLUTION_MS = 15 * MINUTE_MS;

const FORMATTERS = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = FORMATTERS.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    });
    FORMATTERS.set(timeZone, formatter);
  }
  return formatter;
}

/** The zone's UTC offset at an instant, in ms, straight from Intl (about 2.5 µs a call: cached by ZoneOffsets). */
function intlOffsetMs(formatter: Intl.DateTimeFormat, atMs: number): number {
  const minute = floorTo(atMs, MINUTE_MS);
  const fields: Record<string, number> = {};
  for (const part of formatter.formatToParts(minute)) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  const local = Date.UTC(fields['year'] ?? 1970, (fields['month'] ?? 1) - 1, fields['day'] ?? 1, fields['hour'] ?? 0, fields['minute'] ?? 0);
  return local - minute;
}

interface OffsetBlock {
  before: number;
  after: number;
  /** First instant with the `after` offset (the block's end when the offset does not change inside it). */
  switchMs: number;
}

/**
 * UTC offsets of one IANA zone, cached per 6-hour block. Create one per computation (a mask, a check): the
 * cache is bounded by the span that computation looks at.
 */
export class ZoneOffsets {
  private readonly formatter: Intl.DateTimeFormat;
  private readonly blocks = new Map<number, OffsetBlock>();

  constructor(readonly timeZone: string) {
    this.formatter = formatterFor(timeZone);
  }

  /** The offset (local minus UTC) in force at `atMs`, in ms. */
  offsetMs(atMs: number): number {
    const blockIndex = Math.floor(atMs / OFFSET_BLOCK_MS);
    let block = this.blocks.get(blockIndex);
    if (block === undefined) {
      block = this.scan(blockIndex * OFFSET_BLOCK_MS);
      this.blocks.set(blockIndex, block);
    }
    return atMs < block.switchMs ? block.before : block.after;
  }

  /** The wall-clock reading at `atMs`, as local ms. */
  localMs(atMs: number): number {
    return atMs + this.offsetMs(atMs);
  }

  /**
   * The instant a wall-clock reading (local ms) happens. Daylight saving time makes this ambiguous twice a
   * year, and we resolve it as Temporal's 'compatible' disambiguation does:
   * - a reading that happens twice (the repeated hour when clocks go back) is its first occurrence;
   * - a reading that never happens (the hour skipped when clocks go forward) is moved forward by the length
   *   of the gap: 02:30 on the night Berlin skips 02:00-03:00 is 03:30 CEST.
   * Assumes at most one offset change within a day either side of the reading (true of every real zone).
   */
  utcOf(localMs: number): number {
    const offsetEarlier = this.offsetMs(localMs - DAY_MS);
    const offsetLater = this.offsetMs(localMs + DAY_MS);
    const viaEarlier = localMs - offsetEarlier;
    const viaLater = localMs - offsetLater;
    const earlierFits = this.offsetMs(viaEarlier) === offsetEarlier;
    const laterFits = this.offsetMs(viaLater) === offsetLater;
    if (earlierFits && laterFits) return Math.min(viaEarlier, viaLater);
    if (earlierFits) return viaEarlier;
    if (laterFits) return viaLater;
    // In the gap: with the offset from before the jump the reading lands as far past the jump as it was
    // past the start of the skipped hour.
    return viaEarlier;
  }

  private scan(startMs: number): OffsetBlock {
    const endMs = startMs + OFFSET_BLOCK_MS;
    const before = intlOffsetMs(this.formatter, startMs);
    const after = intlOffsetMs(this.formatter, endMs);
    if (before === after) return { before, after, switchMs: endMs };
    // Binary search on the 15-minute grid for the first instant with the new offset.
    let lo = startMs;
    let hi = endMs;
    while (hi - lo > OFFSET_SWITCH_RESOLUTION_MS) {
      const mid = lo + floorTo((hi - lo) / 2, OFFSET_SWITCH_RESOLUTION_MS);
      if (intlOffsetMs(this.formatter, mid) === before) lo = mid;
      else hi = mid;
    }
    return { before, after, switchMs: hi };
  }
}
