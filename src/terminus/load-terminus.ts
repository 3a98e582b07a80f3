type Terminus = typeof import('@nestjs/terminus');

let terminus: Terminus | undefined;

/**
 * @nestjs/terminus is an optional peer dependency: it is loaded on the first health check,
 * so importing this package never needs it installed.
 */
export function loadTerminus(): Terminus {
  if (terminus) return terminus;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- an optional peer, loaded only when the app turns the feature on
    terminus = require('@nestjs/terminus') as Terminus;
    return terminus;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw error;
    throw new Error(
      'CacheHealthIndicator needs the optional peer dependency @nestjs/terminus: npm install @nestjs/terminus@^11',
    );
  }
}
