import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const PROJECT = resolve(__dirname, '../..');
const CONSUMER_FIXTURE = join(__dirname, 'consumer');
/** Peers a plain Nest app has anyway; @nestjs/terminus, @nestjs/cache-manager and prom-client stay out on purpose. */
const HOST_PACKAGES = ['@nestjs/common', '@nestjs/core', '@nestjs/config', '@nestjs/platform-express', 'reflect-metadata', 'rxjs', '@types/node'];
/** The build alone takes over a minute on a busy two-core machine. */
const PACK_TIMEOUT_MS = 6 * 60_000;

interface PackResult {
  filename: string;
  files: Array<{ path: string }>;
}

/** The exact version installed in this project, so the consumer is built against what the tests ran on. */
function installedVersion(name: string): string {
  return (JSON.parse(readFileSync(join(PROJECT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
}

/** Runs a command; on failure the error carries its output, so a compile error reads in the test report. */
async function exec(command: string, args: string[], cwd: string, timeout = 0): Promise<string> {
  try {
    const { stdout } = await run(command, args, { cwd, timeout, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, npm_config_update_notifier: 'false' } });
    return stdout;
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed:\n${stdout.slice(-4000)}\n${stderr.slice(-4000)}`);
  }
}

const npm = (cwd: string, args: string[]) => exec('npm', args, cwd);

/** npm's codes for "the registry could not be reached", as opposed to a resolution conflict. */
const NETWORK_FAILURE = /\b(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|ENOTCACHED|CERT_[A-Z_]+|UNABLE_TO_[A-Z_]+)\b/;

/** `npm install`; a failure to reach the registry says so instead of surfacing as a dependency conflict. */
async function npmInstall(cwd: string, specs: string[]): Promise<void> {
  try {
    await npm(cwd, ['install', '--no-audit', '--no-fund', '--loglevel=error', ...specs]);
  } catch (error) {
    const output = (error as Error).message;
    const network = NETWORK_FAILURE.exec(output);
    if (!network) throw error;
    const registry = (await npm(cwd, ['config', 'get', 'registry']).catch(() => 'the configured registry')).trim();
    throw new Error(`the consumer install could not reach the npm registry (${registry}): ${network[1]}. This test installs the packed module and its pinned dependencies from the registry.\n${output}`);
  }
}
const tsc = (cwd: string, project: string) => exec(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', project], cwd);

describe('the npm package', () => {
  const workDir = mkdtempSync(join(tmpdir(), 'ideagraph-cache-consumer-'));
  let packed: PackResult;
  let report: Record<string, unknown>;

  beforeAll(async () => {
    // `npm pack` runs the prepack script, which builds dist/ first.
    packed = (JSON.parse(await npm(PROJECT, ['pack', '--json', '--pack-destination', workDir])) as PackResult[])[0];

    writeFileSync(join(workDir, 'package.json'), JSON.stringify({ name: 'consumer-app', version: '1.0.0', private: true }));
    copyFileSync(join(CONSUMER_FIXTURE, 'main.ts.txt'), join(workDir, 'main.ts'));
    copyFileSync(join(CONSUMER_FIXTURE, 'tsconfig.json'), join(workDir, 'tsconfig.json'));
    copyFileSync(join(CONSUMER_FIXTURE, 'tsconfig.declarations.json'), join(workDir, 'tsconfig.declarations.json'));

    // Pin the package's own dependencies and the host's packages to what this project has
    // installed. The install resolves them from the registry, as a consumer's would: npm ci
    // caches tarballs but not the metadata an offline resolve needs, so a cold cache cannot serve it.
    const manifest = JSON.parse(readFileSync(join(PROJECT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const pins = [...Object.keys(manifest.dependencies), ...HOST_PACKAGES].map((name) => `${name}@${installedVersion(name)}`);
    await npmInstall(workDir, [join(workDir, packed.filename), ...pins]);

    // Resolution through the exports map (node16), as a Nest 11 app compiles.
    await tsc(workDir, 'tsconfig.json');
    // Every declaration file checked, ours included (skipLibCheck off). Classic resolution here:
    // under node16, msal-node 7.2.3's types/index.d.cts re-exports its ESM typings, which
    // tsc rejects (TS1479) in any CommonJS consumer that checks libraries.
    await tsc(workDir, 'tsconfig.declarations.json');
    const stdout = await exec(process.execPath, ['dist/main.js'], workDir, 30_000);
    report = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as Record<string, unknown>;
  }, PACK_TIMEOUT_MS);

  afterAll(() => {
    rmSync(workDir, { recursive: true, force: true });
  });

  it('ships the library entry, its type declarations and source maps', () => {
    const paths = packed.files.map((file) => file.path);
    expect(paths).toEqual(expect.arrayContaining(['package.json', 'dist/index.js', 'dist/index.d.ts', 'dist/index.js.map']));
    expect(paths).toEqual(expect.arrayContaining(['dist/service/cache-manager.service.js.map']));
  });

  it('ships neither the demo app, nor tests, benches or sources', () => {
    const paths = packed.files.map((file) => file.path);
    expect(paths.filter((path) => /^dist\/(main\.|demo\/)|^(test|bench|src)\/|\.spec\./.test(path))).toEqual([]);
  });

  it('compiles a strict TypeScript app against it and boots that app without the optional peers', () => {
    expect(report).toEqual({
      visits: [1, 2],
      health: 200,
      adds: 2,
      cacheManagerToken: 'CACHE_MANAGER',
      badKey: true,
      terminus: expect.stringContaining('npm install @nestjs/terminus'),
      internalPath: 'ERR_PACKAGE_PATH_NOT_EXPORTED',
      metricsWithoutPromClient: expect.stringContaining('npm install prom-client'),
    });
  });
});
