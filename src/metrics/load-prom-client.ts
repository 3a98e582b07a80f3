type PromClient = typeof import('prom-client');

/**
 * prom-client is an optional peer dependency: it is loaded only when the metrics endpoint
 * is switched on, so apps without it never need it installed.
 */
export function loadPromClient(): PromClient {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- an optional peer, loaded only when the app turns the feature on
    return require('prom-client') as PromClient;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw error;
    throw new Error(
      'metrics.enabled (CACHE_METRICS_ENABLED=true) needs the optional peer dependency prom-client: npm install prom-client@^15',
    );
  }
}
