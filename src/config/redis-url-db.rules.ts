import type { IdeaGraphCacheOptions } from './cache-options';

/**
 * A REDIS_URL with a database path (`/2`) decides the database. A db given beside it that
 * says otherwise used to be ignored without a word (a named cache meant for db 1 wrote into
 * db 0); it is now refused. When the two agree, or no db was given, `redis.db` is set to the
 * URL's, so options spread from `cacheOptionsFromConfig` keep saying what the URL says.
 * `dbGiven`: whether REDIS_DB / `redis.db` was set at all (the default 0 is no claim).
 */
export function reconcileUrlDb(options: IdeaGraphCacheOptions, dbGiven: boolean): string[] {
  const url = options.redis.url;
  if (!url) return [];
  let path: string;
  try {
    path = new URL(url.trim()).pathname.replace(/^\//, '');
  } catch {
    // The URL rule has reported it already.
    return [];
  }
  if (!/^\d+$/.test(path)) return [];
  const urlDb = Number(path);
  if (dbGiven && options.redis.db !== urlDb) {
    return [
      `REDIS_DB (redis.db)=${options.redis.db} conflicts with the database ${urlDb} in REDIS_URL (redis.url), which would win: ` +
        'remove one of them, or give the database in the URL path only (redis://host:port/1)',
    ];
  }
  options.redis.db = urlDb;
  return [];
}
