import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { PickleRefusal } from '../../../src/codec/django/pickle-refusal';
import { readPickle } from '../../../src/codec/django/pickle-reader';
import { djangoPeer } from '../../helpers/django-peer';
import { hostileShapes } from './hostile-shapes';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const MB = 1024 * 1024;
/** Each shape is about this long: the default CACHE_MAX_VALUE_BYTES, the most a read is handed. */
const SIZE = MB;
const RUNS = 3;

/**
 * Bounds with room for a loaded machine (2 cores, other test runs beside this one): the
 * reader measured 0.1 to 13 times JSON.parse's time and up to 43 heap bytes per input
 * byte (docs/migration.md has the table). Before the read budget, 1 MB of EMPTY_SET took
 * about 60 times JSON.parse and 426 heap bytes per byte.
 */
const MAX_TIME_RATIO = 40;
const MAX_HEAP_PER_BYTE = 96;

interface Measured {
  ms: number;
  heapBytes: number;
  outcome: string;
}

/** The fastest of RUNS (the others met GC or a busy core), and the most heap any run took. */
function measure(read: () => unknown): Measured {
  let ms = Infinity;
  let heapBytes = 0;
  let outcome = '';
  for (let run = 0; run < RUNS; run++) {
    gc();
    const before = used();
    const started = performance.now();
    let kept: unknown;
    try {
      kept = read();
      outcome = 'read';
    } catch (error) {
      if (!(error instanceof PickleRefusal)) throw error;
      outcome = `refused: ${error.message}`;
    }
    ms = Math.min(ms, performance.now() - started);
    // Garbage not yet collected counts too: it is what a read makes the heap hold at its peak.
    heapBytes = Math.max(heapBytes, used() - before);
    gc();
    heapBytes = Math.max(heapBytes, used() - before);
    kept = undefined;
  }
  return { ms, heapBytes, outcome };
}

function used(): number {
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

describe('the pickle reader spends at most a few times what JSON.parse does on as many bytes', () => {
  const json = `[${'{},'.repeat(SIZE / 3 - 1)}{}]`;

  it('for every opcode family: time and heap per MB of input, against JSON.parse of 1 MB of [{},{},...]', () => {
    const rows: string[] = [];
    const failures: string[] = [];
    const shared = "['A'*50000]*50000";
    const [sharedPickle] = djangoPeer<string[]>({ command: 'pickle-dumps', exprs: [shared], protocol: 5 });
    for (const [family, shape, input] of hostileShapes(SIZE, [['sharing', `${shared}, from CPython`, Buffer.from(sharedPickle, 'hex')]])) {
      // Measured next to each row, so both see the same load.
      const baseline = measure(() => JSON.parse(json));
      const read = measure(() => readPickle(input));
      const perMb = MB / input.length;
      const ratio = read.ms / Math.max(baseline.ms * (json.length / input.length), 1);
      const heapPerByte = read.heapBytes / input.length;
      rows.push(
        `${family.padEnd(10)} ${shape.padEnd(46)} ${String(input.length).padStart(8)} B ${(read.ms * perMb).toFixed(0).padStart(6)} ms/MB ` +
          `${ratio.toFixed(1).padStart(5)}x JSON.parse ${(read.heapBytes / MB).toFixed(1).padStart(6)} MB heap ${heapPerByte.toFixed(1).padStart(6)} B/B  ${read.outcome}`,
      );
      if (ratio > MAX_TIME_RATIO) failures.push(`${shape}: ${ratio.toFixed(1)} times JSON.parse`);
      if (heapPerByte > MAX_HEAP_PER_BYTE && input.length * heapPerByte > 16 * MB) failures.push(`${shape}: ${heapPerByte.toFixed(0)} heap bytes per byte`);
      if (family === 'reference' && read.outcome !== 'read') failures.push(`${shape} was not read: ${read.outcome}`);
    }
    const jsonBaseline = measure(() => JSON.parse(json));
    process.stdout.write(`\nJSON.parse of ${json.length} B of [{},...]: ${jsonBaseline.ms.toFixed(0)} ms, ${(jsonBaseline.heapBytes / json.length).toFixed(1)} heap B/B\n${rows.join('\n')}\n`);
    expect(failures).toEqual([]);
  }, 900_000);
});
