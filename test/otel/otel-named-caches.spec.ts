import { Injectable, Module, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Cacheable, CacheManagerService, cacheToken, IdeaGraphCacheModule, InjectCache } from '../../src';
import { OtelRecorder, summarise, valueOf } from '../helpers/otel-recorder';
import { envOnlyConfig } from '../helpers/test-app';

@Injectable()
class ReportService {
  constructor(@InjectCache('reports') readonly reports: CacheManagerService) {}

  @Cacheable({ cache: 'reports', key: 'report:{0}' })
  async report(id: number): Promise<string> {
    return `report ${id}`;
  }
}

describe('OpenTelemetry with named caches and decorators', () => {
  let otel: OtelRecorder;
  let app: INestApplication;

  beforeAll(async () => {
    otel = OtelRecorder.start();
    @Module({ providers: [ReportService] })
    class ReportsModule {}
    const moduleRef = await Test.createTestingModule({
      imports: [
        envOnlyConfig({ CACHE_BACKEND: 'locmem', CACHE_OTEL_ENABLED: 'true' }),
        IdeaGraphCacheModule.forRootAsync({ isGlobal: true }),
        IdeaGraphCacheModule.forRoot({ name: 'reports', isGlobal: true, backend: 'locmem', otel: { enabled: true } }),
        ReportsModule,
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
    await otel?.stop();
  });

  it('names the cache on every span and metric point, so two caches of one app stay apart', async () => {
    const reports = app.get(ReportService);
    await app.get<CacheManagerService>(cacheToken()).get('x');
    // @Cacheable goes through the named cache's getOrSet: a miss, then a hit.
    expect(await reports.report(7)).toBe('report 7');
    expect(await reports.report(7)).toBe('report 7');

    expect(
      summarise(otel.spans()).map(({ name, parent, attributes }) => [
        name,
        parent,
        attributes['ideagraph.cache.name'],
        attributes['ideagraph.cache.hit'],
      ]),
    ).toEqual([
      ['cache get', null, 'default', false],
      ['cache factory', 'cache getOrSet', 'reports', undefined],
      ['cache getOrSet', null, 'reports', false],
      ['cache getOrSet', null, 'reports', true],
    ]);
    const metrics = await otel.collect();
    expect(valueOf(metrics.get('ideagraph.cache.misses'), { 'ideagraph.cache.name': 'default' })).toBe(1);
    expect(valueOf(metrics.get('ideagraph.cache.misses'), { 'ideagraph.cache.name': 'reports' })).toBe(1);
    expect(valueOf(metrics.get('ideagraph.cache.hits'), { 'ideagraph.cache.name': 'reports' })).toBe(1);
    expect(valueOf(metrics.get('ideagraph.cache.factory_calls'), { 'ideagraph.cache.name': 'reports' })).toBe(1);
    expect(valueOf(metrics.get('ideagraph.graph_token.network_fetches'), { 'ideagraph.cache.name': 'reports' })).toBe(
      0,
    );
  });
});
