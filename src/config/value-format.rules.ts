import type { IdeaGraphCacheOptions } from './cache-options';

/**
 * With CACHE_VALUE_FORMAT=django, GraphTokenService shares its entry with Django's
 * graph_service, which reads it as a plain dict with `cache.get`: it has no key to decrypt
 * an encrypted entry with, and would treat one as "no token" on every call (and write its
 * own, in plain text, over it). So the two settings are refused together, at startup.
 */
export function valueFormatProblems(options: IdeaGraphCacheOptions): string[] {
  if (options.valueFormat !== 'django') return [];
  const keys = [
    options.graph.encryptionKey && 'GRAPH_TOKEN_ENCRYPTION_KEY (graph.encryptionKey)',
    options.graph.previousEncryptionKey && 'GRAPH_TOKEN_ENCRYPTION_KEY_PREVIOUS (graph.previousEncryptionKey)',
  ].filter(Boolean);
  if (keys.length === 0) return [];
  return [
    `${keys.join(' and ')} cannot be used with CACHE_VALUE_FORMAT=django (valueFormat): the Graph token entry is then shared with Django's graph_service, which reads it unencrypted; unset ${keys.length > 1 ? 'them' : 'it'}, or keep CACHE_VALUE_FORMAT=json`,
  ];
}
