import { IdeaGraphCacheModule } from '../../src';
import { typeErrors } from '../helpers/type-check';

// Decided against register / registerAsync aliases of forRoot / forRootAsync: see
// docs/migration.md, "Why there is no register() / registerAsync()".
describe('register / registerAsync, as @nestjs/cache-manager names them', () => {
  it('do not exist at runtime', () => {
    expect((IdeaGraphCacheModule as unknown as Record<string, unknown>).register).toBeUndefined();
    expect((IdeaGraphCacheModule as unknown as Record<string, unknown>).registerAsync).toBeUndefined();
    expect(typeof IdeaGraphCacheModule.forRoot).toBe('function');
  });

  it("are refused by TypeScript at the line a migration changes, and forRoot rejects cache-manager's ttl", () => {
    const errors = typeErrors(
      `
      import { IdeaGraphCacheModule } from '../../src';
      export const a = IdeaGraphCacheModule.register({ ttl: 60_000 });
      export const b = IdeaGraphCacheModule.registerAsync({ isGlobal: true });
      export const c = IdeaGraphCacheModule.forRoot({ ttl: 60_000 });
      export const ok = IdeaGraphCacheModule.forRoot({ defaultTimeout: 60 });
    `,
      'test/module',
    );
    expect(errors).toEqual([
      expect.stringContaining("Property 'register' does not exist on type 'typeof IdeaGraphCacheModule'"),
      expect.stringContaining("Property 'registerAsync' does not exist on type 'typeof IdeaGraphCacheModule'"),
      expect.stringContaining("'ttl' does not exist in type"),
    ]);
  });
});
