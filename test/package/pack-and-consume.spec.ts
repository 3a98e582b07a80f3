import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { RedisTestServer } from '../helpers/redis-server';
import { brokenLinks } from './markdown-links';
import { NODE_LTS_MAJOR } from './node-lts';

/** Characters a URL's user info must percent-encode, so the consumer's REDIS_URL is encoded as the README says. */
const REDIS_PASSWORD = 'consumer/p@ss word';

const run = promisify(execFile);
const PROJECT = resolve(__dirname, '../..');
const CONSUMER_FIXTURE = join(__dirname, 'consumer');
/** Peers a plain Nest app has anyway; @nestjs/terminus, @nestjs/cache-manager, prom-client and @opentelemetry/api stay out on purpose. */
const HOST_PACKAGES = [
  '@nestjs/common',
  '@nestjs/core',
  '@nestjs/config',
  '@nestjs/platform-express',
  'reflect-metadata',
  'rxjs',
  '@types/node',
];
/** The build alone takes over a minute on a busy two-core machine. */
const PACK_TIMEOUT_MS = 6 * 60_000;

interface PackResult {
  filename: string;
  files: Array<{ path: string }>;
}

/** The exact version installed in this project, so the consumer is built against what the tests ran on. */
function installedVersion(name: string): string {
  return (JSON.parse(readFileSync(join(PROJECT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string })
    .version;
}

/** Runs a command; on failure the error carries its output, so a compile error reads in the test report. */
async function exec(
  command: string,
  args: string[],
  cwd: string,
  timeout = 0,
  env: Record<string, string> = {},
): Promise<string> {
  try {
    const { stdout } = await run(command, args, {
      cwd,
      timeout,
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, npm_config_update_notifier: 'false', ...env },
    });
    return stdout;
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed:\n${stdout.slice(-4000)}\n${stderr.slice(-4000)}`);
  }
}

const npm = (cwd: string, args: string[]) => exec('npm', args, cwd);

/** npm's codes for "the registry could not be reached", as opposed to a resolution conflict. */
const NETWORK_FAILURE =
  /\b(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|ENOTCACHED|CERT_[A-Z_]+|UNABLE_TO_[A-Z_]+)\b/;

/**
 * `npm install`; a failure to reach the registry says so instead of surfacing as a dependency
 * conflict or a failed install script. `what` names what was being installed, for that message.
 */
async function npmInstall(cwd: string, specs: string[], what: string): Promise<void> {
  try {
    await npm(cwd, ['install', '--no-audit', '--no-fund', '--loglevel=error', ...specs]);
  } catch (error) {
    const output = (error as Error).message;
    const network = NETWORK_FAILURE.exec(output);
    if (!network) throw error;
    const registry = (await npm(cwd, ['config', 'get', 'registry']).catch(() => 'the configured registry')).trim();
    throw new Error(
      `npm install could not reach the npm registry (${registry}): ${network[1]}. This test installs ${what} from the registry.\n${output}`,
    );
  }
}

const tsc = (cwd: string, project: string) =>
  exec(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', project], cwd);

/**
 * A Node.js binary of the given major from the registry's `node` package, whose install script
 * fetches the build for this platform; the machine's own Node stays as it is.
 */
async function installNode(major: number, dir: string): Promise<string> {
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'node-runtime', version: '1.0.0', private: true }));
  await npmInstall(dir, [`node@${major}`], `Node.js ${major} (the node package)`);
  const binary = join(dir, 'node_modules', 'node', 'bin', 'node');
  if (!existsSync(binary)) throw new Error(`npm install node@${major} succeeded but left no ${binary}`);
  return binary;
}

interface Boot {
  nodeVersion: string;
  report: Record<string, unknown>;
}

/** Runs the compiled consumer with `env` added to its environment; its report is the last line it prints. */
async function boot(node: string, cwd: string, env: Record<string, string>): Promise<Boot> {
  const nodeVersion = (await exec(node, ['--version'], cwd)).trim();
  const stdout = await exec(node, ['dist/main.js'], cwd, 30_000, env);
  return { nodeVersion, report: JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as Record<string, unknown> };
}

/** Waits for every task, so none is left writing into a folder afterAll removes, then throws the first failure. */
async function allOrFirstError<T extends unknown[]>(tasks: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(tasks);
  const failed = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((result) => (result as PromiseFulfilledResult<unknown>).value) as T;
}

describe('the npm package', () => {
  const workDir = mkdtempSync(join(tmpdir(), 'ideagraph-cache-consumer-'));
  const nodeDir = mkdtempSync(join(tmpdir(), 'ideagraph-cache-node-'));
  let packed: PackResult;
  let current: Boot;
  let lts: Boot;
  let redis: RedisTestServer;

  /** Packs the module, installs it into a fresh app as a user would, and compiles that app. */
  async function buildConsumer(): Promise<void> {
    // `npm pack` runs the prepack script, which builds dist/ first.
    packed = (JSON.parse(await npm(PROJECT, ['pack', '--json', '--pack-destination', workDir])) as PackResult[])[0];

    writeFileSync(
      join(workDir, 'package.json'),
      JSON.stringify({ name: 'consumer-app', version: '1.0.0', private: true }),
    );
    copyFileSync(join(CONSUMER_FIXTURE, 'main.ts.txt'), join(workDir, 'main.ts'));
    copyFileSync(join(CONSUMER_FIXTURE, 'tsconfig.json'), join(workDir, 'tsconfig.json'));
    copyFileSync(join(CONSUMER_FIXTURE, 'tsconfig.declarations.json'), join(workDir, 'tsconfig.declarations.json'));

    // Pin the package's own dependencies and the host's packages to what this project has
    // installed. The install resolves them from the registry, as a consumer's would: npm ci
    // caches tarballs but not the metadata an offline resolve needs, so a cold cache cannot serve it.
    const manifest = JSON.parse(readFileSync(join(PROJECT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const pins = [...Object.keys(manifest.dependencies), ...HOST_PACKAGES].map(
      (name) => `${name}@${installedVersion(name)}`,
    );
    await npmInstall(
      workDir,
      [join(workDir, packed.filename), ...pins],
      'the packed module and its pinned dependencies',
    );

    // Resolution through the exports map (node16), as a Nest 11 app compiles.
    await tsc(workDir, 'tsconfig.json');
    // Every declaration file checked, ours included (skipLibCheck off). Classic resolution here:
    // under node16, msal-node 7.2.3's types/index.d.cts re-exports its ESM typings, which
    // tsc rejects (TS1479) in any CommonJS consumer that checks libraries.
    await tsc(workDir, 'tsconfig.declarations.json');
  }

  beforeAll(async () => {
    // The Node download runs while the package builds, which takes longer.
    const [ltsNode, , server] = await allOrFirstError<[string, void, RedisTestServer]>([
      installNode(NODE_LTS_MAJOR, nodeDir),
      buildConsumer(),
      RedisTestServer.start({ password: REDIS_PASSWORD }),
    ]);
    redis = server;
    // The environment docs/named-caches.md describes: REDIS_URL with the password, one override.
    const env = { CACHE_BACKEND: 'redis', REDIS_URL: redis.url, CACHE_REPORTS_REDIS_DB: '1' };
    [current, lts] = await Promise.all([boot(process.execPath, workDir, env), boot(ltsNode, workDir, env)]);
  }, PACK_TIMEOUT_MS);

  afterAll(async () => {
    await redis?.stop();
    rmSync(workDir, { recursive: true, force: true });
    rmSync(nodeDir, { recursive: true, force: true });
  });

  it('ships the library entry, its type declarations and source maps', () => {
    const paths = packed.files.map((file) => file.path);
    expect(paths).toEqual(
      expect.arrayContaining(['package.json', 'dist/index.js', 'dist/index.d.ts', 'dist/index.js.map']),
    );
    expect(paths).toEqual(expect.arrayContaining(['dist/service/cache-manager.service.js.map']));
  });

  it('ships neither the demo app, nor tests, benches or sources', () => {
    const paths = packed.files.map((file) => file.path);
    expect(paths.filter((path) => /^dist\/(main\.|demo\/)|^(test|bench|src)\/|\.spec\./.test(path))).toEqual([]);
  });

  it('ships the MIT license file into the app that installs it', () => {
    expect(packed.files.map((file) => file.path)).toContain('LICENSE');
    const license = readFileSync(join(workDir, 'node_modules', 'ideagraph-cache', 'LICENSE'), 'utf8');
    expect(license).toBe(readFileSync(join(PROJECT, 'LICENSE'), 'utf8'));
    expect(license).toMatch(/^MIT License\n\nCopyright \(c\) 2026 ideagraph-cache contributors\n/);
  });

  it('compiles a strict TypeScript app against it and boots that app without the optional peers', () => {
    expect(current.report).toEqual({
      visits: [1, 2],
      health: 200,
      adds: 2,
      cacheManagerToken: 'CACHE_MANAGER',
      badKey: true,
      terminus: expect.stringContaining('npm install @nestjs/terminus'),
      internalPath: 'ERR_PACKAGE_PATH_NOT_EXPORTED',
      metricsWithoutPromClient: expect.stringContaining('npm install prom-client'),
      otelWithoutApi: expect.stringMatching(/^CacheConfigError: [\s\S]*npm install @opentelemetry\/api/),
      namedCache: { stored: true, reportsDb: 1, mainDb: 0, read: 'from the named cache', namedIsNotDefault: true },
    });
    // The named cache authenticated with the default's password and wrote into its own database.
    expect(redis.cli('-n', '1', 'GET', 'reports:1:consumer-report')).toBe('"from the named cache"');
  });

  it('every relative link of the installed README and docs resolves inside the package', () => {
    const installed = join(workDir, 'node_modules', 'ideagraph-cache');
    const paths = packed.files.map((file) => file.path);
    const markdown = paths.filter((path) => path.endsWith('.md'));
    expect(markdown).toEqual(expect.arrayContaining(['README.md', 'docs/named-caches.md']));
    expect(brokenLinks(installed, markdown, new Set(paths))).toEqual([]);
  });

  it(`boots the same app with the same outcome on Node.js ${NODE_LTS_MAJOR}, the LTS line the image runs`, () => {
    expect(lts.nodeVersion).toMatch(new RegExp(`^v${NODE_LTS_MAJOR}\\.`));
    expect(lts.report).toEqual(current.report);
  });
});
