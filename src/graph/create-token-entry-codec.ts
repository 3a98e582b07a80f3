import type { IdeaGraphCacheOptions } from '../config/cache-options';
import { DjangoTokenEntryCodec } from './django-token-entry';
import { TokenCacheEntryCodec, type TokenEntryCodec } from './token-cache-entry';

/**
 * The shape of the shared token entry follows the value format: with `django` it is
 * graph_service's `{'token', 'expires_at'}`, so Django and Nest use each other's token;
 * with `json` it is ours, which names the identity it belongs to and may be encrypted
 * (encryption with `django` is refused at startup: value-format.rules.ts).
 */
export function createTokenEntryCodec(options: IdeaGraphCacheOptions): TokenEntryCodec {
  const graph = options.graph;
  if (options.valueFormat === 'django') return new DjangoTokenEntryCodec(graph.cacheDurationSeconds);
  return new TokenCacheEntryCodec(
    { tenantId: graph.tenantId ?? '', clientId: graph.clientId ?? '', scopes: graph.scopes },
    graph.cacheKey,
    graph.cacheDurationSeconds,
    { current: graph.encryptionKey, previous: graph.previousEncryptionKey },
  );
}
