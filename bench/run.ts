import 'reflect-metadata';
import { join } from 'node:path';
import { RedisTestServer } from '../test/helpers/redis-server';
import { describeMachine } from './support/machine';
import { resultsSection, writeResults } from './support/report';
import type { Row } from './support/row';
import { benchSettings, type BenchSettings } from './support/settings';
import { getOrSetRows } from './suites/getorset';
import { graphTokenRows } from './suites/graph-token';
import { httpHealthRows } from './suites/http-health';
import { hybridRows } from './suites/hybrid';
import { hybridForeignCoherenceRows } from './suites/hybrid-foreign-coherence';
import { hybridSetByInvalidationRows } from './suites/hybrid-set-by-invalidation';
import { hybridTrackingCostRows } from './suites/hybrid-tracking-costs';
import { locmemRows } from './suites/locmem';
import { locmemMemoryRows } from './suites/locmem-memory';
import { redisManyKeysRows } from './suites/redis-many-keys';
import { redisSingleKeyRows } from './suites/redis-single-key';
import { redisTimeBoundRows } from './suites/redis-time-bound';

interface Suite {
  name: string;
  rows(redisPort: number, settings: BenchSettings): Promise<Row[]>;
  /** Rows the named suite already runs, where they belong in the table: run on their own only when --only names them. */
  partOf?: string;
}

const SUITES: Suite[] = [
  { name: 'redis', rows: redisSingleKeyRows },
  { name: 'many', rows: redisManyKeysRows },
  { name: 'bound', rows: redisTimeBoundRows },
  { name: 'hybrid', rows: hybridRows },
  { name: 'hybrid-set', rows: hybridSetByInvalidationRows, partOf: 'hybrid' },
  { name: 'tracking', rows: hybridTrackingCostRows },
  { name: 'tracking-foreign', rows: hybridForeignCoherenceRows },
  { name: 'locmem', rows: (_port, settings) => locmemRows(settings) },
  { name: 'getorset', rows: getOrSetRows },
  { name: 'token', rows: (_port, settings) => graphTokenRows(settings) },
  { name: 'http', rows: httpHealthRows },
  { name: 'memory', rows: (_port, settings) => locmemMemoryRows(settings) },
];

const DOC = join(__dirname, '..', 'docs', 'benchmarks.md');

/**
 * `npm run bench` prints one table and writes it to docs/benchmarks.md.
 * `--quick` runs every row briefly (CI) and leaves the document alone;
 * `--only=redis,locmem` runs some suites (for profiling). Exits non-zero only when a
 * suite breaks, never because of a number: timing verdicts are for people to read.
 */
async function main(): Promise<void> {
  const startedAt = new Date();
  const quick = process.argv.includes('--quick');
  const only = process.argv
    .find((arg) => arg.startsWith('--only='))
    ?.slice('--only='.length)
    .split(',');
  const unknown = only?.filter((name) => !SUITES.some((suite) => suite.name === name));
  if (unknown?.length)
    throw new Error(`unknown suite ${unknown.join(', ')}; known: ${SUITES.map((s) => s.name).join(', ')}`);
  const settings = benchSettings(quick);
  const machine = describeMachine();
  const redis = await RedisTestServer.start();
  const rows: Row[] = [];
  try {
    for (const suite of SUITES) {
      if (!chosen(suite, only)) continue;
      process.stderr.write(`bench: ${suite.name} ...\n`);
      rows.push(...(await suite.rows(redis.port, settings)));
    }
  } finally {
    await redis.stop();
  }
  const command = ['npm run bench', ...(quick ? ['--', '--quick'] : [])].join(' ');
  const section = resultsSection(rows, {
    machine,
    command,
    quick,
    startedAt,
    seconds: (Date.now() - startedAt.getTime()) / 1000,
  });
  console.log(section);
  if (!quick && !only) {
    writeResults(DOC, section);
    console.log(`\nwritten to ${DOC}`);
  }
}

/** A full run runs every suite once; --only runs those named, a part only if its whole is not named too. */
function chosen(suite: Suite, only: string[] | undefined): boolean {
  if (!only) return suite.partOf === undefined;
  return only.includes(suite.name) && !(suite.partOf !== undefined && only.includes(suite.partOf));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
