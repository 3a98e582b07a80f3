import type { INestApplication } from '@nestjs/common';
import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Cacheable, CacheManagerService, IdeaGraphCacheModule } from '../../src';
import { RedisTestServer } from '../helpers/redis-server';
import { typeErrors } from '../helpers/type-check';

interface Row {
  id: number;
}

@Injectable()
class RowService {
  runs = 0;

  @Cacheable({ key: 'row:{0}' })
  async find(id: number): Promise<Row | null> {
    this.runs++;
    // A caller forced past the types (or plain JavaScript) that resolves undefined.
    return (id > 0 ? { id } : undefined) as Row | null;
  }

  @Cacheable({ key: 'sync:{0}' })
  syncFind(id: number): Promise<Row> {
    this.runs++;
    // A sync method forced past the types: it returns a plain value.
    return { id } as unknown as Promise<Row>;
  }
}

describe('a @Cacheable method with no cache bound at all (no app started)', () => {
  it('a sync method forced past the types still returns a Promise', async () => {
    const outside = new RowService().syncFind(8);
    expect(outside).toBeInstanceOf(Promise);
    await expect(outside).resolves.toEqual({ id: 8 });
  });
});

describe.each(['locmem', 'redis'] as const)('an undefined factory result on %s', (backend) => {
  let redis: RedisTestServer | undefined;
  let app: INestApplication;
  let cache: CacheManagerService;
  let rows: RowService;

  beforeAll(async () => {
    redis = backend === 'redis' ? await RedisTestServer.start() : undefined;
    const moduleRef = await Test.createTestingModule({
      imports: [
        IdeaGraphCacheModule.forRoot(redis ? { backend, redis: { host: redis.host, port: redis.port } } : { backend }),
      ],
      providers: [RowService],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    cache = app.get(CacheManagerService);
    rows = app.get(RowService);
  });
  afterAll(async () => {
    await app?.close();
    await redis?.stop();
  });

  it('getOrSet stores it as null and answers null from the first call on, as Django stores None', async () => {
    let calls = 0;
    const findRow = async (): Promise<Row | undefined> => {
      calls++;
      return undefined;
    };
    await expect(cache.getOrSet('row:absent', () => findRow(), 60)).resolves.toBeNull();
    await expect(cache.getOrSet('row:absent', () => findRow(), 60)).resolves.toBeNull();
    expect(calls).toBe(1);
    expect(await cache.get('row:absent', 'default')).toBeNull();
    if (redis) expect(redis.cli('GET', ':1:row:absent')).toBe('null');
    // A sync factory too.
    await expect(cache.getOrSet('row:sync-absent', () => undefined, 60)).resolves.toBeNull();
    expect(await cache.exists('row:sync-absent')).toBe(true);
  });

  it('a @Cacheable method that resolves undefined runs once, and resolves null every time', async () => {
    rows.runs = 0;
    await expect(rows.find(0)).resolves.toBeNull();
    await expect(rows.find(0)).resolves.toBeNull();
    expect(rows.runs).toBe(1);
  });

  it('a sync method forced past the types returns a Promise inside Nest too', async () => {
    const inside = rows.syncFind(7);
    expect(inside).toBeInstanceOf(Promise);
    await expect(inside).resolves.toEqual({ id: 7 });
  });
});

describe('the types say what runtime does', () => {
  const preamble = `
    import { Cacheable, CacheManagerService } from '../../src';
    interface Row { id: number }
    declare const cache: CacheManagerService;
    declare function findRow(id: number): Promise<Row | undefined>;
  `;

  it('getOrSet with a factory that may return undefined resolves Row | null', () => {
    expect(
      typeErrors(`${preamble}
        export async function ok(): Promise<Row | null> { return cache.getOrSet('row:1', () => findRow(1), 60); }
        export async function plain(): Promise<Row> { return cache.getOrSet('row:2', async () => ({ id: 2 }), 60); }
        export async function any(): Promise<unknown> { return cache.getOrSet<unknown>('row:3', () => 3); }
      `),
    ).toEqual([]);
    const errors = typeErrors(`${preamble}
      export async function wrong(): Promise<Row | undefined> { return cache.getOrSet('row:1', () => findRow(1), 60); }
    `);
    expect(errors).toEqual([expect.stringContaining("Type 'null' is not assignable to type 'Row | undefined'")]);
  });

  it('@Cacheable refuses a method that may resolve undefined, and takes one that resolves null', () => {
    expect(
      typeErrors(`${preamble}
        export class Rows {
          @Cacheable({ key: 'row:{0}' }) async find(id: number): Promise<Row | null> { return (await findRow(id)) ?? null; }
          @Cacheable() async any(id: number): Promise<unknown> { return id; }
        }
      `),
    ).toEqual([]);
    const errors = typeErrors(`${preamble}
      export class Rows {
        @Cacheable({ key: 'row:{0}' }) async find(id: number): Promise<Row | undefined> { return findRow(id); }
      }
    `);
    expect(errors.join('\n')).toContain(
      'the method may resolve undefined, which is cached and answered as null; return null for "nothing"',
    );
  });
});
