import type { CacheValueFormat } from '../config/cache-options';
import { DjangoValueFormat } from './django/django-value-format';
import { jsonValueFormat } from './json-value-format';
import { DEFAULT_MAX_VALUE_BYTES } from './read-size';
import type { ValueFormat } from './value-format';

/**
 * The format CACHE_VALUE_FORMAT names. `onRefused` hears why stored text was not read
 * (never the text itself); `maxValueBytes` is CACHE_MAX_VALUE_BYTES, which bounds reads
 * as it bounds writes.
 */
export function createValueFormat(
  name: CacheValueFormat,
  onRefused: (reason: string) => void = () => undefined,
  maxValueBytes = DEFAULT_MAX_VALUE_BYTES,
): ValueFormat {
  switch (name) {
    case 'json':
      return jsonValueFormat(maxValueBytes, onRefused);
    case 'django':
      return new DjangoValueFormat(onRefused, maxValueBytes);
  }
}

/**
 * True when stored texts are bytes carried one character per byte (latin1), which a
 * Redis store must write and read as Buffers: ioredis would send a JS string as UTF-8.
 */
export function valueFormatCarriesBytes(name: CacheValueFormat): boolean {
  return name === 'django';
}
