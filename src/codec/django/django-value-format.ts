import { CacheValueError } from '../../errors/cache.errors';
import type { ValueFormat } from '../value-format';
import { DEFAULT_MAX_VALUE_BYTES, ReadSizeLimit } from '../read-size';
import { NOT_STORABLE } from '../value-codec';
import { readLimitsFor, type ReadLimits, TRUSTED_READ_LIMITS } from './pickle-limits';
import { PickleRefusal, refuse } from './pickle-refusal';
import { readPickle } from './pickle-reader';
import { writePickle } from './pickle-writer';
import { parsePythonIntText, PYTHON_MAX_STR_DIGITS } from './python-int';

const PICKLE_PROTO = 0x80;
// eslint-disable-next-line no-control-regex -- the range is every latin1 character, control characters included
const NOT_LATIN1 = /[^\x00-\xff]/;

/**
 * CACHE_VALUE_FORMAT=django: values as Django's RedisCache stores them, so both read each
 * other's entries. Integers are plain decimal text (Django's RedisSerializer skips pickling
 * for `int`, so INCRBY works on them); everything else is a pickle, protocol 5, of the
 * equal Python value. Stored texts are bytes, one character per byte (latin1).
 *
 * Reading is the security boundary: a pickle is a program for Python's unpickler, and
 * anyone who can write to Redis chooses it. readPickle interprets a small data-only subset
 * and refuses the rest, and whatever would cost more than its budget (pickle-limits.ts);
 * a refused text is a miss, reported (by reason, never by content) through `onRefused`.
 */
export class DjangoValueFormat implements ValueFormat {
  readonly maxBytesPerChar = 1;
  readonly binary = true;

  private readonly limits: ReadLimits;
  private readonly size: ReadSizeLimit;

  constructor(
    private readonly onRefused: (reason: string) => void,
    maxValueBytes = DEFAULT_MAX_VALUE_BYTES,
  ) {
    this.limits = readLimitsFor(maxValueBytes);
    this.size = new ReadSizeLimit(maxValueBytes, (text) => text.length, this.maxBytesPerChar, onRefused);
  }

  encode(value: unknown): string {
    if (value === undefined)
      throw new CacheValueError('undefined cannot be cached; store null for "no value"', 'UNSUPPORTED_TYPE');
    if (typeof value === 'number' && Number.isSafeInteger(value) && !Object.is(value, -0)) return String(value);
    if (typeof value === 'bigint') {
      const text = value.toString();
      // Longer decimal text is more than Python's int() reads; a pickle carries any int.
      if (text.replace('-', '').length <= PYTHON_MAX_STR_DIGITS) return text;
    }
    return writePickle(value).toString('latin1');
  }

  decode<T = unknown>(text: string): T | typeof NOT_STORABLE {
    if (this.size.exceeded(text)) return NOT_STORABLE;
    try {
      return read(text, this.limits) as T;
    } catch (error) {
      this.onRefused(error instanceof PickleRefusal ? error.message : 'a malformed pickle');
      return NOT_STORABLE;
    }
  }

  readSizeExceeded(text: string, allowance?: number): boolean {
    return this.size.exceeded(text, allowance);
  }

  copy<T>(value: T): T {
    return read(this.encode(value), TRUSTED_READ_LIMITS) as T;
  }

  byteLength(text: string): number {
    return text.length;
  }
}

/** Django's RedisSerializer.loads: `int(data)` first, then `pickle.loads(data)`; ours reads the safe subset of the latter. */
function read(text: string, limits: ReadLimits): unknown {
  if (text.charCodeAt(0) !== PICKLE_PROTO) {
    const integer = parsePythonIntText(text);
    return integer !== undefined ? integer : refuse('neither a pickle nor an integer');
  }
  if (NOT_LATIN1.test(text)) refuse('text that is not bytes');
  return readPickle(Buffer.from(text, 'latin1'), limits);
}
