import type { INestApplication } from '@nestjs/common';
import { SpanKind, trace } from '@opentelemetry/api';
import { CacheManagerService } from '../../src';
import { UNTRACED_CACHE_SERVICE } from '../../src/common/cache.tokens';
import { OtelRecorder, summarise } from '../helpers/otel-recorder';
import { createCacheApp } from '../helpers/test-app';

const LOCMEM = { 'ideagraph.cache.backend': 'locmem', 'ideagraph.cache.name': 'default' };
const op = (name: string, extra: Record<string, unknown> = {}) => ({
  name: `cache ${name}`,
  parent: null,
  attributes: { ...LOCMEM, 'db.operation.name': name, ...extra },
});

describe('OpenTelemetry spans (locmem)', () => {
  let otel: OtelRecorder;
  let app: INestApplication;
  let cache: CacheManagerService;

  beforeAll(async () => {
    otel = OtelRecorder.start();
    app = await createCacheApp({ CACHE_BACKEND: 'locmem', CACHE_OTEL_ENABLED: 'true' });
    cache = app.get(CacheManagerService);
  });

  afterAll(async () => {
    await app?.close();
    await otel?.stop();
  });

  beforeEach(async () => {
    await cache.clear();
    otel.resetSpans();
  });

  it('gives the app a traced view of the one service: same type, same state', () => {
    const untraced = app.get<CacheManagerService>(UNTRACED_CACHE_SERVICE);
    expect(cache).not.toBe(untraced);
    expect(cache).toBeInstanceOf(CacheManagerService);
    expect(Object.getPrototypeOf(cache)).toBe(untraced);
    expect(cache.fleet).toBe(untraced.fleet);
  });

  it('one INTERNAL span per call, with the backend, the operation and, for reads, hit or miss', async () => {
    await cache.set('a', 1);
    await cache.set('zero', 0);
    expect(await cache.get('a')).toBe(1);
    expect(await cache.get('b')).toBeUndefined();
    // A stored value equal to the default is still a hit; a miss hands back the caller's default.
    expect(await cache.get('zero', 0)).toBe(0);
    expect(await cache.get('b', 'fallback')).toBe('fallback');
    expect(await cache.exists('a')).toBe(true);
    expect(await cache.exists('b')).toBe(false);
    expect(await cache.getMany(['a', 'b', 'a', 'zero'])).toEqual({ a: 1, zero: 0 });
    expect(await cache.setMany({ m1: 1, m2: 2 })).toBe(true);
    expect(await cache.deleteMany(['m1', 'm2', 'm3'])).toBe(true);
    expect(await cache.add('a', 2)).toBe(false);
    expect(await cache.incr('n', 1)).toBeNull();
    await cache.set('n', 5);
    expect(await cache.decr('n', 2)).toBe(3);
    expect(await cache.touch('n', 60)).toBe(true);
    expect(await cache.ttl('n')).toBe(60);
    expect(await cache.ttl('b')).toBeUndefined();
    expect(await cache.deleteIfEquals('n', 3)).toBe(true);
    expect(await cache.delete('a')).toBe(true);
    expect(await cache.invalidateTags(['team:1', 'team:2', 'team:1'])).toBe(true);
    expect(await cache.clear()).toBe(true);

    expect(summarise(otel.spans())).toEqual([
      op('set'),
      op('set'),
      op('get', { 'ideagraph.cache.hit': true }),
      op('get', { 'ideagraph.cache.hit': false }),
      op('get', { 'ideagraph.cache.hit': true }),
      op('get', { 'ideagraph.cache.hit': false }),
      op('exists', { 'ideagraph.cache.hit': true }),
      op('exists', { 'ideagraph.cache.hit': false }),
      op('getMany', {
        'ideagraph.cache.key_count': 3,
        'ideagraph.cache.hit_count': 2,
        'ideagraph.cache.miss_count': 1,
      }),
      op('setMany', { 'ideagraph.cache.key_count': 2 }),
      op('deleteMany', { 'ideagraph.cache.key_count': 3 }),
      op('add'),
      op('incr'),
      op('set'),
      // decr's own call of incr is part of the decr span, not a span of its own.
      op('decr'),
      op('touch'),
      op('ttl', { 'ideagraph.cache.hit': true }),
      op('ttl', { 'ideagraph.cache.hit': false }),
      op('deleteIfEquals'),
      op('delete'),
      op('invalidateTags', { 'ideagraph.cache.tag_count': 2 }),
      op('clear'),
    ]);
    expect(
      otel
        .spans()
        .every((span) => span.kind === SpanKind.INTERNAL && span.instrumentationScope.name === 'ideagraph-cache'),
    ).toBe(true);
  });

  it('getOrSet: a miss has one factory span under it; a hit has none', async () => {
    expect(await cache.getOrSet('report', () => ({ rows: 3 }))).toEqual({ rows: 3 });
    expect(await cache.getOrSet('report', () => ({ rows: 4 }))).toEqual({ rows: 3 });

    expect(summarise(otel.spans())).toEqual([
      { name: 'cache factory', parent: 'cache getOrSet', attributes: LOCMEM },
      op('getOrSet', { 'ideagraph.cache.hit': false }),
      op('getOrSet', { 'ideagraph.cache.hit': true }),
    ]);
  });

  it('getOrSet: concurrent callers share one factory call, and only its caller is a miss', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const first = cache.getOrSet('shared', async () => {
      await gate;
      return 'v';
    });
    const second = cache.getOrSet('shared', () => 'never');
    release();
    expect(await Promise.all([first, second])).toEqual(['v', 'v']);

    const spans = summarise(otel.spans());
    expect(spans.filter((span) => span.name === 'cache factory')).toHaveLength(1);
    expect(
      spans
        .filter((span) => span.name === 'cache getOrSet')
        .map((span) => span.attributes['ideagraph.cache.hit'])
        .sort(),
    ).toEqual([false, true]);
  });

  it('getOrSet: a failing factory marks both spans as errors, by error type only', async () => {
    class ReportError extends Error {
      override name = 'ReportError';
    }
    await expect(
      cache.getOrSet('broken', () => {
        throw new ReportError('database down for key broken');
      }),
    ).rejects.toThrow('database down');

    expect(summarise(otel.spans())).toEqual([
      {
        name: 'cache factory',
        parent: 'cache getOrSet',
        attributes: { ...LOCMEM, 'error.type': 'ReportError' },
        error: '',
      },
      { ...op('getOrSet', { 'ideagraph.cache.hit': false, 'error.type': 'ReportError' }), error: '' },
    ]);
    expect(otel.spans().every((span) => span.events.length === 0)).toBe(true);
  });

  it('getOrSet: a hard timeout ends the call span with its error while the factory span runs on to its end', async () => {
    let finish!: () => void;
    const slow = new Promise<string>((resolve) => (finish = () => resolve('late')));
    await expect(cache.getOrSet('slow', () => slow, 60, { hardTimeoutMs: 20 })).rejects.toThrow('20 ms');
    expect(summarise(otel.spans())).toEqual([
      { ...op('getOrSet', { 'ideagraph.cache.hit': false, 'error.type': 'CacheFactoryTimeoutError' }), error: '' },
    ]);
    finish();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(summarise(otel.spans()).map((span) => span.name)).toEqual(['cache getOrSet', 'cache factory']);
  });

  it('getOrSet: a refresh-ahead factory call is a background child of the hit that started it', async () => {
    await cache.getOrSet('hot', () => 1, 1, { refreshAhead: 0.01 });
    await new Promise((resolve) => setTimeout(resolve, 30));
    otel.resetSpans();
    let refreshed!: () => void;
    const refreshDone = new Promise<void>((resolve) => (refreshed = resolve));
    expect(
      await cache.getOrSet(
        'hot',
        () => {
          refreshed();
          return 2;
        },
        1,
        { refreshAhead: 0.01 },
      ),
    ).toBe(1);
    await refreshDone;
    await new Promise((resolve) => setTimeout(resolve, 10));

    // Which of the two ends first depends on how fast the factory is.
    const spans = summarise(otel.spans());
    expect(spans).toHaveLength(2);
    expect(spans).toEqual(
      expect.arrayContaining([
        op('getOrSet', { 'ideagraph.cache.hit': true }),
        {
          name: 'cache factory',
          parent: 'cache getOrSet',
          attributes: { ...LOCMEM, 'ideagraph.cache.factory.background': true },
        },
      ]),
    );
  });

  it('getOrSetMany: the keys its factory computes are the misses', async () => {
    await cache.set('k1', 'one');
    otel.resetSpans();
    const result = await cache.getOrSetMany(['k1', 'k2', 'k3', 'k2'], (missing) =>
      Object.fromEntries(missing.map((key) => [key, key.toUpperCase()])),
    );
    expect(result).toEqual({ k1: 'one', k2: 'K2', k3: 'K3' });

    expect(summarise(otel.spans())).toEqual([
      {
        name: 'cache factory',
        parent: 'cache getOrSetMany',
        attributes: { ...LOCMEM, 'ideagraph.cache.key_count': 2 },
      },
      op('getOrSetMany', {
        'ideagraph.cache.key_count': 3,
        'ideagraph.cache.hit_count': 1,
        'ideagraph.cache.miss_count': 2,
      }),
    ]);
  });

  it('a caller mistake ends the span as an error of its type, without the message', async () => {
    await expect(cache.get('')).rejects.toThrow('must not be empty');
    await expect(cache.set('k', () => 1)).rejects.toThrow();
    expect(summarise(otel.spans())).toEqual([
      { ...op('get', { 'error.type': 'CacheKeyError' }), error: '' },
      { ...op('set', { 'error.type': 'CacheValueError' }), error: '' },
    ]);
  });

  it('never puts a key on a span unless asked to', async () => {
    await cache.set('user:alice@example.org', 1);
    await cache.get('user:alice@example.org');
    await cache.getMany(['user:alice@example.org']);
    await cache
      .getOrSet('user:bob@example.org', () => {
        throw new Error('no row for user:bob@example.org');
      })
      .catch(() => undefined);
    const exported = JSON.stringify(
      otel
        .spans()
        .map((span) => ({ name: span.name, attributes: span.attributes, status: span.status, events: span.events })),
    );
    expect(exported).not.toContain('alice');
    expect(exported).not.toContain('bob');
  });

  it("nests under the caller's active span, and the factory's own spans nest under the factory span", async () => {
    const tracer = trace.getTracer('app');
    await tracer.startActiveSpan('GET /report', async (request) => {
      await cache.getOrSet('nested', () =>
        tracer.startActiveSpan('SELECT report', (query) => {
          query.end();
          return 'row';
        }),
      );
      request.end();
    });

    expect(summarise(otel.spans()).map(({ name, parent }) => ({ name, parent }))).toEqual([
      { name: 'SELECT report', parent: 'cache factory' },
      { name: 'cache factory', parent: 'cache getOrSet' },
      { name: 'cache getOrSet', parent: 'GET /report' },
      { name: 'GET /report', parent: null },
    ]);
  });
});

describe('OpenTelemetry spans with CACHE_OTEL_KEYS=true', () => {
  let otel: OtelRecorder;
  let app: INestApplication;
  let cache: CacheManagerService;

  beforeAll(async () => {
    otel = OtelRecorder.start();
    app = await createCacheApp({ CACHE_BACKEND: 'locmem', CACHE_OTEL_ENABLED: 'true', CACHE_OTEL_KEYS: 'true' });
    cache = app.get(CacheManagerService);
  });

  afterAll(async () => {
    await app?.close();
    await otel?.stop();
  });

  it('puts the key (as the app gave it, no prefix), the keys of batches and error messages on spans', async () => {
    await cache.set('user:1', 'a');
    await cache.getMany(['user:1', 'user:2', 'user:1']);
    await cache.getOrSet('user:3', () => Promise.reject(new Error('no row for user:3'))).catch(() => undefined);
    await cache.invalidateTags(['user:1']);

    expect(summarise(otel.spans())).toEqual([
      op('set', { 'ideagraph.cache.key': 'user:1' }),
      op('getMany', {
        'ideagraph.cache.key_count': 2,
        'ideagraph.cache.keys': ['user:1', 'user:2'],
        'ideagraph.cache.hit_count': 1,
        'ideagraph.cache.miss_count': 1,
      }),
      {
        name: 'cache factory',
        parent: 'cache getOrSet',
        attributes: { ...LOCMEM, 'ideagraph.cache.key': 'user:3', 'error.type': 'Error' },
        error: 'no row for user:3',
      },
      {
        ...op('getOrSet', { 'ideagraph.cache.key': 'user:3', 'ideagraph.cache.hit': false, 'error.type': 'Error' }),
        error: 'no row for user:3',
      },
      op('invalidateTags', { 'ideagraph.cache.tag_count': 1, 'ideagraph.cache.tags': ['user:1'] }),
    ]);
    expect(otel.spans()[2].events.map((event) => event.name)).toEqual(['exception']);
  });
});
