import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { freePort } from '../helpers/free-port';
import { assertRedisInstalled } from '../helpers/redis-server';
import { NODE_LTS_MAJOR } from './node-lts';

// No Docker engine is needed: the compose file is parsed and interpolated here as compose
// would, and the Redis service's start script and healthcheck run against a local redis-server.

const run = promisify(execFile);
const PROJECT = resolve(__dirname, '../..');
/** Quotes, a backslash, a dollar sign and spaces: what breaks naive quoting in a shell or a Redis config line. */
const PASSWORD = `p"a\\ss $HOME w'rd`;

interface Service {
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  secrets?: string[];
}

interface Compose {
  services: Record<string, Service>;
  secrets?: Record<string, { environment?: string; file?: string }>;
}

/** Compose's variable interpolation: `$$`, `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`, `${VAR?error}`. */
function interpolate(text: string, env: Record<string, string | undefined>): string {
  return text.replace(
    /\$(?:\$|\{([A-Za-z_]\w*)(?:(:?)([-?])([^}]*))?\}|([A-Za-z_]\w*))/g,
    (match, braced?: string, colon?: string, op?: string, arg?: string, bare?: string) => {
      if (match === '$$') return '$';
      const value = env[(braced ?? bare) as string];
      const missing = value === undefined || (colon === ':' && value === '');
      if (op === '-') return missing ? (arg ?? '') : value;
      if (op === '?') {
        if (missing) throw new Error(`compose refuses: ${arg}`);
        return value;
      }
      return value ?? '';
    },
  );
}

/** Every string in a parsed YAML tree. */
function strings(node: unknown): string[] {
  if (typeof node === 'string') return [node];
  if (Array.isArray(node)) return node.flatMap(strings);
  if (node && typeof node === 'object') return Object.values(node).flatMap(strings);
  return [];
}

function interpolateAll<T>(node: T, env: Record<string, string | undefined>): T {
  if (typeof node === 'string') return interpolate(node, env) as T;
  if (Array.isArray(node)) return node.map((item: unknown) => interpolateAll(item, env)) as T;
  if (node && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, interpolateAll(value, env)])) as T;
  }
  return node;
}

const composeText = readFileSync(join(PROJECT, 'docker-compose.yml'), 'utf8');
const loadCompose = (env: Record<string, string | undefined>) => interpolateAll(parse(composeText) as Compose, env);
const dockerfile = readFileSync(join(PROJECT, 'Dockerfile'), 'utf8');

describe('docker-compose.yml', () => {
  const compose = loadCompose({ REDIS_PASSWORD: PASSWORD });

  it('refuses to start without REDIS_PASSWORD', () => {
    expect(() => loadCompose({})).toThrow('REDIS_PASSWORD must be set');
    expect(() => loadCompose({ REDIS_PASSWORD: '' })).toThrow('REDIS_PASSWORD must be set');
  });

  it('puts the password on no command line: no command, entrypoint or healthcheck holds it or --requirepass', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      const lines = strings([service.command, service.entrypoint, service.healthcheck?.test]);
      expect({ name, leaks: lines.filter((line) => line.includes(PASSWORD)) }).toEqual({ name, leaks: [] });
      expect({ name, requirepass: lines.filter((line) => line.includes('--requirepass')) }).toEqual({
        name,
        requirepass: [],
      });
    }
  });

  it('gives Redis the password only as a secret file, and the app as REDIS_PASSWORD', () => {
    expect(compose.secrets?.redis_password).toEqual({ environment: 'REDIS_PASSWORD' });
    const redis = compose.services.redis;
    expect(redis.secrets).toEqual(['redis_password']);
    expect(redis.environment).toEqual({ REDIS_PASSWORD_FILE: '/run/secrets/redis_password' });
    expect(strings(redis).filter((text) => text.includes(PASSWORD))).toEqual([]);
    expect(compose.services.app.environment?.REDIS_PASSWORD).toBe(PASSWORD);
  });

  describe("the Redis service's start script and healthcheck, on a local redis-server", () => {
    const dir = mkdtempSync(join(tmpdir(), 'ideagraph-compose-redis-'));
    const bin = join(dir, 'bin');
    const passwordFile = join(dir, 'redis_password');
    const argvFile = join(dir, 'argv');
    let port: number;
    let server: ChildProcess | undefined;
    let serverOutput = '';

    const redis = compose.services.redis;
    const script = () => {
      const command = redis.command as string[];
      expect(command.slice(0, 2)).toEqual(['sh', '-c']);
      return command[2];
    };
    const env = () => ({ ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}`, REDIS_PASSWORD_FILE: passwordFile });
    /** redis-cli's whole output: a failed AUTH goes to stderr. */
    const cli = (args: string[], password?: string) =>
      run('redis-cli', ['-p', String(port), ...args], { env: { ...process.env, REDISCLI_AUTH: password } }).then(
        ({ stdout, stderr }) => `${stderr}${stdout}`.trim(),
        (error: { stdout?: string; stderr?: string }) => `${error.stderr ?? ''}${error.stdout ?? ''}`.trim(),
      );
    const healthcheck = async () => {
      const [kind, shellCommand] = redis.healthcheck?.test ?? [];
      expect(kind).toBe('CMD-SHELL');
      return run('sh', ['-c', shellCommand], { env: env() }).then(
        () => 0,
        (error: { code?: number }) => error.code ?? 1,
      );
    };

    beforeAll(async () => {
      assertRedisInstalled();
      port = await freePort();
      // Stand-ins for what the redis image has: its entrypoint, which hands on to redis-server,
      // and a redis-cli pointed at this server, so neither reaches a Redis on the default port.
      const realCli = (await run('sh', ['-c', 'command -v redis-cli'])).stdout.trim();
      mkdirSync(bin);
      writeFileSync(
        join(bin, 'docker-entrypoint.sh'),
        `#!/bin/sh\nprintf '%s\\n' "$@" > '${argvFile}'\nexec "$@" --port ${port} --bind 127.0.0.1 --dir '${dir}'\n`,
      );
      writeFileSync(join(bin, 'redis-cli'), `#!/bin/sh\nexec '${realCli}' -p ${port} "$@"\n`);
      chmodSync(join(bin, 'docker-entrypoint.sh'), 0o755);
      chmodSync(join(bin, 'redis-cli'), 0o755);
      // A secret file usually ends in a newline, which is not part of the password.
      writeFileSync(passwordFile, `${PASSWORD}\n`);

      server = spawn('sh', ['-c', script()], { env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
      server.stdout?.on('data', (chunk: Buffer) => (serverOutput += chunk.toString()));
      server.stderr?.on('data', (chunk: Buffer) => (serverOutput += chunk.toString()));
      const deadline = Date.now() + 10_000;
      while ((await cli(['PING'], PASSWORD)) !== 'PONG') {
        if (server.exitCode !== null || Date.now() > deadline)
          throw new Error(`the start script did not bring up Redis:\n${serverOutput}`);
        await new Promise((resolveWait) => setTimeout(resolveWait, 50));
      }
    });

    afterAll(async () => {
      if (server && server.exitCode === null) {
        const exited = new Promise((resolveExit) => server?.once('exit', resolveExit));
        server.kill('SIGKILL');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    });

    it('starts redis-server with the password off its arguments, reading its config from standard input', () => {
      const argv = readFileSync(argvFile, 'utf8').split('\n').slice(0, -1);
      expect(argv.slice(0, 2)).toEqual(['redis-server', '-']);
      expect(argv.join('\n')).not.toContain(PASSWORD);
      expect(argv).not.toContain('--requirepass');
    });

    it('makes Redis require exactly that password', async () => {
      expect(await cli(['PING'])).toContain('NOAUTH');
      expect(await cli(['PING'], `${PASSWORD}x`)).toMatch(/WRONGPASS|invalid password/);
      expect(await cli(['PING'], PASSWORD)).toBe('PONG');
    });

    it('runs Redis as a cache: no persistence, least recently used keys evicted at 256 MB', async () => {
      const settings = (await cli(['CONFIG', 'GET', '*'], PASSWORD)).split('\n');
      const get = (name: string) => settings[settings.indexOf(name) + 1];
      expect({
        save: get('save'),
        appendonly: get('appendonly'),
        maxmemory: get('maxmemory'),
        policy: get('maxmemory-policy'),
      }).toEqual({
        save: '',
        appendonly: 'no',
        maxmemory: String(256 * 1024 * 1024),
        policy: 'allkeys-lru',
      });
    });

    it('has a healthcheck that passes with the secret and fails with another password', async () => {
      expect(await healthcheck()).toBe(0);
      writeFileSync(passwordFile, 'not-the-password\n');
      try {
        expect(await healthcheck()).not.toBe(0);
      } finally {
        writeFileSync(passwordFile, `${PASSWORD}\n`);
      }
    });

    it('refuses to start Redis on an empty password, which would switch authentication off', async () => {
      const emptyFile = join(dir, 'empty_password');
      writeFileSync(emptyFile, '\n');
      const outcome = await run('sh', ['-c', script()], {
        env: { ...env(), REDIS_PASSWORD_FILE: emptyFile },
        timeout: 10_000,
      }).then(
        () => ({ code: 0, stderr: '' }),
        (error: { code?: number; stderr?: string }) => ({ code: error.code, stderr: error.stderr ?? '' }),
      );
      expect(outcome.code).not.toBe(0);
      expect(outcome.stderr).toContain('refusing to run Redis without a password');
    });
  });
});

describe('Dockerfile', () => {
  const stages = [...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].map((match) => match[1]);
  const image = /^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfile)?.[1];

  it(`builds every stage on a slim image of Node.js ${NODE_LTS_MAJOR}, the active LTS line`, () => {
    expect(image).toBe(`node:${NODE_LTS_MAJOR}-trixie-slim`);
    expect(stages).toEqual(['${NODE_IMAGE}', '${NODE_IMAGE}', '${NODE_IMAGE}']);
  });

  it('is described in the README as it is: the stage count and the base image', () => {
    const docker = /^## Docker\n([\s\S]*?)^## /m.exec(readFileSync(join(PROJECT, 'README.md'), 'utf8'))?.[1] ?? '';
    const count = ['zero', 'one', 'two', 'three', 'four', 'five'][stages.length];
    expect(docker).toContain(`${count} stages`);
    expect(docker).toContain(`\`${image}\``);
  });
});
