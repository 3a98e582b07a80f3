import { refuse } from './pickle-refusal';

/**
 * A JS Date counts milliseconds; a Python datetime counts microseconds. A Date read from a
 * datetime keeps the three digits it cannot hold under this symbol, so writing it back
 * (unchanged) gives the same datetime, and the same pickle: a compare-and-delete on an
 * entry Django wrote (the Graph token) then matches it.
 */
export const SUB_MILLISECOND_MICROS: unique symbol = Symbol('sub-millisecond microseconds');

type DateWithMicros = Date & { [SUB_MILLISECOND_MICROS]?: number };

const MS_PER_DAY = 86_400_000;

/**
 * The state CPython pickles a naive datetime as: year (2 bytes, big-endian), month, day,
 * hour, minute, second, microsecond (3 bytes, big-endian). The Date is taken as UTC.
 */
export function datetimeState(date: Date): Buffer {
  const time = date.getTime();
  if (Number.isNaN(time)) throw new RangeError('an invalid Date has no Python datetime');
  const year = date.getUTCFullYear();
  if (year < 1 || year > 9999) throw new RangeError(`a Date in year ${year} has no Python datetime (years 1 to 9999)`);
  const extra = (date as DateWithMicros)[SUB_MILLISECOND_MICROS];
  const micros = date.getUTCMilliseconds() * 1000 + (isMicroRemainder(extra) ? extra : 0);
  return Buffer.from([
    year >> 8,
    year & 0xff,
    date.getUTCMonth() + 1,
    date.getUTCDate(),
    date.getUTCHours(),
    date.getUTCMinutes(),
    date.getUTCSeconds(),
    (micros >> 16) & 0xff,
    (micros >> 8) & 0xff,
    micros & 0xff,
  ]);
}

/**
 * The Date of a datetime's state; `offsetMicros` is its UTC offset (aware datetimes), so
 * the Date is the same instant. Refuses a state Python's constructor would refuse.
 */
export function dateFromDatetimeState(state: Buffer, offsetMicros = 0n): Date {
  if (state.length !== 10) refuse('a malformed datetime');
  // The month byte's high bit is `fold` (PEP 495): it only disambiguates local times, which a UTC instant does not need.
  const month = state[2] & 0x7f;
  const micros = (state[7] << 16) | (state[8] << 8) | state[9];
  if (state[4] > 23 || state[5] > 59 || state[6] > 59 || micros > 999_999) refuse('a malformed datetime');
  const dayStart = utcDayStart((state[0] << 8) | state[1], month, state[3]);
  // In Numbers, not BigInts (a tenth of the time): a day and an offset of under a day, in
  // microseconds, stay far below 2^53; only the day's start is large, and it is in ms.
  const microsOfDay = ((state[4] * 60 + state[5]) * 60 + state[6]) * 1_000_000 + micros - Number(offsetMicros);
  const remainder = ((microsOfDay % 1000) + 1000) % 1000;
  const date = new Date(dayStart + (microsOfDay - remainder) / 1000) as DateWithMicros;
  // An aware datetime near either end (datetime.max at -23:59) is an instant outside years
  // 1 to 9999 in UTC: no naive UTC datetime, so nothing our writer could write back. It is
  // refused here, where the writer would refuse it, rather than read as a year-10000 Date.
  const year = date.getUTCFullYear();
  if (year < 1 || year > 9999) refuse('a datetime outside the years 1 to 9999 in UTC');
  if (remainder !== 0) {
    Object.defineProperty(date, SUB_MILLISECOND_MICROS, {
      value: remainder,
      enumerable: false,
      writable: true,
      configurable: true,
    });
  }
  return date;
}

/** A date's state: year (2 bytes, big-endian), month, day. Read back as midnight UTC. */
export function dateFromDateState(state: Buffer): Date {
  if (state.length !== 4) refuse('a malformed date');
  return new Date(utcDayStart((state[0] << 8) | state[1], state[2], state[3]));
}

function utcDayStart(year: number, month: number, day: number): number {
  if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month))
    refuse('a malformed datetime');
  // Date.UTC reads years 0 to 99 as 1900 to 1999: those take setUTCFullYear.
  if (year >= 100) return Date.UTC(year, month - 1, day);
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return Math.floor(date.getTime() / MS_PER_DAY) * MS_PER_DAY;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function isMicroRemainder(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < 1000;
}
