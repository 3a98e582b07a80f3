import { Injectable } from '@nestjs/common';
import { Cacheable, CacheKeyError } from '../../src';
import { RedisTestServer } from '../helpers/redis-server';
import { decoratedApp, type DecoratedApp } from './decorated-app';

/** Each method answers with what it was called with, so a shared entry shows as another caller's answer. */
@Injectable()
class ReportService {
  runs = 0;

  @Cacheable({ key: 'report:{0}:{1}' })
  async report(org: string, section: string): Promise<string> {
    this.runs++;
    return `${org} / ${section}`;
  }

  @Cacheable({ key: 'user:{0}' })
  async user(id: unknown): Promise<string> {
    this.runs++;
    return `${typeof id} ${String(id)}`;
  }

  @Cacheable()
  async settings(query: object): Promise<string> {
    this.runs++;
    return `tenant ${String((query as { tenant?: unknown }).tenant)} / ${String(Object.getOwnPropertySymbols(query).map((symbol) => (query as Record<symbol, unknown>)[symbol]))}`;
  }

  @Cacheable()
  async list(items: unknown[]): Promise<string> {
    this.runs++;
    return `${items.length} items, ${0 in items ? 'first set' : 'first missing'}`;
  }
}

/** A class factory: each call makes a distinct class with the same name, as a plugin per tenant would. */
function settingsServiceFor(tenant: string, key?: string) {
  @Injectable()
  class SettingsService {
    @Cacheable(key === undefined ? {} : { key })
    async settings(id: number): Promise<string> {
      return `${tenant} settings ${id}`;
    }
  }
  return SettingsService;
}

describe.each(['locmem', 'redis'] as const)('@Cacheable keys on %s', (backend) => {
  let redis: RedisTestServer | undefined;
  let run: DecoratedApp;
  let reports: ReportService;

  beforeAll(async () => {
    redis = backend === 'redis' ? await RedisTestServer.start() : undefined;
  });
  beforeEach(async () => {
    run = await decoratedApp([ReportService], redis ? redis.env() : { CACHE_BACKEND: 'locmem' });
    reports = run.app.get(ReportService);
  });
  afterEach(async () => {
    await run.close();
    redis?.cli('FLUSHALL');
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('a separator inside a filled value cannot move the boundary between two values', async () => {
    expect(await reports.report('acme:hr', 'salaries')).toBe('acme:hr / salaries');
    expect(await reports.report('acme', 'hr:salaries')).toBe('acme / hr:salaries');
    expect(await reports.report('acme:hr', 'salaries')).toBe('acme:hr / salaries');
    expect(reports.runs).toBe(2);
    expect(await run.cache.get('report:"acme:hr":"salaries"')).toBe('acme:hr / salaries');
  });

  it('values of different types never share a key: 1 and "1", true and "true", 1 and 1n', async () => {
    const ids: unknown[] = [1, '1', true, 'true', 1n, -0, 0, 'NaN', NaN];
    const first = [];
    for (const id of ids) first.push(await reports.user(id));
    expect(first).toEqual([
      'number 1',
      'string 1',
      'boolean true',
      'string true',
      'bigint 1',
      'number 0',
      'number 0',
      'string NaN',
      'number NaN',
    ]);
    // Each again: every one is a hit on its own entry.
    for (const [i, id] of ids.entries()) expect(await reports.user(id)).toBe(first[i]);
    expect(reports.runs).toBe(ids.length);
    expect(await run.cache.get('user:1')).toBe('number 1');
    expect(await run.cache.get('user:"1"')).toBe('string 1');
  });

  it('symbol-keyed and non-enumerable properties of an argument never make two arguments one key', async () => {
    const tenantB = Object.defineProperty({ region: 'eu' }, 'tenant', { value: 'B', enumerable: false });
    expect(await reports.settings(tenantB)).toBe('tenant B / ');
    expect(await reports.settings({ region: 'eu' })).toBe('tenant undefined / ');
    const marked = { region: 'eu', [Symbol('tenant')]: 'A' };
    expect(await reports.settings(marked)).toBe('tenant undefined / A');
    expect(await reports.settings({ region: 'eu' })).toBe('tenant undefined / ');
    // A hole in an array is not an undefined element.
    expect(await reports.list([undefined, 1])).toBe('2 items, first set');
    // eslint-disable-next-line no-sparse-arrays
    expect(await reports.list([, 1])).toBe('2 items, first missing');
  });
});

describe('two classes with the same name and the default key', () => {
  it('the second one is refused when it is decorated, naming the class and the way out', () => {
    settingsServiceFor('tenant-a');
    expect(() => settingsServiceFor('tenant-b')).toThrow(CacheKeyError);
    expect(() => settingsServiceFor('tenant-b')).toThrow(
      /another class named "SettingsService" already caches settings under the default key/,
    );
  });

  it('with keys that tell them apart, each class reads its own entries in a real app', async () => {
    const TenantA = settingsServiceFor('tenant-a', 'tenant-a:settings:{0}');
    const TenantB = settingsServiceFor('tenant-b', 'tenant-b:settings:{0}');
    const run = await decoratedApp([TenantA, TenantB], { CACHE_BACKEND: 'locmem' });
    try {
      expect(await run.app.get(TenantA).settings(7)).toBe('tenant-a settings 7');
      expect(await run.app.get(TenantB).settings(7)).toBe('tenant-b settings 7');
      expect(await run.cache.get('tenant-a:settings:7')).toBe('tenant-a settings 7');
    } finally {
      await run.close();
    }
  });

  it('a static and an instance method of one name on one class are refused too', () => {
    expect(() => {
      class Twice {
        @Cacheable()
        static async load(): Promise<number> {
          return 1;
        }

        @Cacheable()
        async load(): Promise<number> {
          return 2;
        }
      }
      return Twice;
    }).toThrow(/another class named "Twice"/);
  });
});

describe('templates that could give two argument lists one key are refused at decoration', () => {
  it.each([
    ['report:{0}{1}', /\{0\} is followed by \{1\}/],
    ['range:{0}-{1}', /\{0\} is followed by "-"/],
    ['v:{0}.{1}', /\{0\} is followed by "\."/],
    ['~tag:{0}', /reserved|keeps for itself/],
    ['bad\n{0}', /control characters/],
  ])('%p', (template, reason) => {
    const decorate = () => {
      class Reports {
        @Cacheable({ key: template })
        async load(_a: number, _b: number): Promise<number> {
          return 1;
        }
      }
      return Reports;
    };
    expect(decorate).toThrow(CacheKeyError);
    expect(decorate).toThrow(reason);
  });
});
