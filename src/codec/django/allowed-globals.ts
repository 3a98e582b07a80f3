import { refuse } from './pickle-refusal';
import { dateFromDateState, dateFromDatetimeState } from './python-datetime';
import { type AllowedGlobalName, PyGlobal, PyTimedelta, PyTimezone } from './python-values';

/**
 * The whole list of globals a pickle may name, and so the whole list of callables REDUCE
 * may call: the four datetime types, each called only with the arguments CPython's own
 * pickles pass them. `datetime.timezone` and `datetime.timedelta` exist only for aware
 * datetimes (Django with USE_TZ=True caches those). Anything else, `os.system`,
 * `builtins.eval`, a model class, `builtins.set` of old protocols, is refused before it
 * could be looked up: nothing is ever imported or called.
 */
const ALLOWED: ReadonlySet<string> = new Set<AllowedGlobalName>([
  'datetime.datetime',
  'datetime.date',
  'datetime.timezone',
  'datetime.timedelta',
]);

export function globalNamed(module: string, name: string): PyGlobal {
  const qualified = `${module}.${name}`;
  if (!ALLOWED.has(qualified)) refuse('a global other than the datetime types');
  return new PyGlobal(qualified as AllowedGlobalName);
}

const DAY_MICROS = 86_400_000_000n;

/** What REDUCE builds from an allowed global and its arguments. */
export function constructAllowed(name: AllowedGlobalName, args: unknown[]): unknown {
  switch (name) {
    case 'datetime.datetime': {
      // datetime(state) or, aware, datetime(state, tzinfo): the two forms datetime.__reduce_ex__ returns.
      const [state, tz] = args;
      if (!Buffer.isBuffer(state) || args.length > 2 || (args.length === 2 && !(tz instanceof PyTimezone)))
        refuse('a malformed datetime');
      return dateFromDatetimeState(state, tz instanceof PyTimezone ? tz.offsetMicroseconds : 0n);
    }
    case 'datetime.date': {
      const [state] = args;
      if (!Buffer.isBuffer(state) || args.length !== 1) refuse('a malformed date');
      return dateFromDateState(state);
    }
    case 'datetime.timedelta': {
      // timedelta(days, seconds, microseconds), as timedelta.__reduce__ gives it.
      if (args.length !== 3 || !args.every(isInt)) refuse('a malformed timedelta');
      const [days, seconds, micros] = args.map((part) => BigInt(part as number | bigint));
      return new PyTimedelta(days * DAY_MICROS + seconds * 1_000_000n + micros);
    }
    case 'datetime.timezone': {
      // timezone(offset) or timezone(offset, name); Python requires |offset| < 24 h.
      const [offset, zoneName] = args;
      if (!(offset instanceof PyTimedelta) || args.length > 2 || (args.length === 2 && typeof zoneName !== 'string'))
        refuse('a malformed timezone');
      if (offset.totalMicroseconds <= -DAY_MICROS || offset.totalMicroseconds >= DAY_MICROS)
        refuse('a malformed timezone');
      return new PyTimezone(offset.totalMicroseconds);
    }
  }
}

function isInt(value: unknown): boolean {
  return typeof value === 'bigint' || (typeof value === 'number' && Number.isInteger(value));
}
