import { seededRandom } from '../../helpers/seeded-random';
import { DjangoValueFormat } from '../../../src/codec/django/django-value-format';
import { PickleRefusal } from '../../../src/codec/django/pickle-refusal';
import { readPickle } from '../../../src/codec/django/pickle-reader';
import { writePickle } from '../../../src/codec/django/pickle-writer';
import { NOT_STORABLE } from '../../../src/codec/value-codec';
import { BOTH_WAYS, JS_TO_PYTHON } from './python-value-table';

/** A fixed seed and a fixed number of cases: the same inputs on every run, so a failure reproduces. */
const SEED = 0x1d3a6;
const RANDOM_CASES = 4000;
const MUTATED_CASES = 6000;

/** Pickles CPython wrote (protocols 2 to 5: BINPUT, memo references, frames, frozenset, aware datetimes ...). */
const PYTHON_PICKLES = [
  '80025d7100285d7101284b014b026568017d710258010000006b7103680173652e',
  '80059533000000000000007d94288c0161944b014740040000000000008c02c3a99487948c016294284b0191948c0163949601000000000000007a94752e',
  '80049571000000000000005d94288c086461746574696d65948c086461746574696d65949394430a07ea01010000000000009468018c0874696d657a6f6e6594939468018c0974696d6564656c74619493944b004b004b0087945294859452948694529468018c0464617465949394430407e4021d9485945294652e',
  '8003284b014b024b034b044b05857100297471012e',
].map((hex) => Buffer.from(hex, 'hex'));

describe('pickle reader fuzz', () => {
  const next = seededRandom(SEED);
  const int = (below: number) => Math.floor(next() * below);
  const corpus = [
    ...PYTHON_PICKLES,
    ...[...BOTH_WAYS, ...JS_TO_PYTHON]
      .map((c) => c.js)
      .filter((js) => typeof js !== 'string' || js.length < 1000)
      .map((js) => writePickle(js)),
  ];

  function mutate(source: Buffer): Buffer {
    const bytes = [...source];
    const edits = 1 + int(4);
    for (let e = 0; e < edits; e++) {
      const at = int(bytes.length + 1);
      switch (int(7)) {
        case 0:
          bytes[at] = int(256);
          break;
        case 1:
          bytes.splice(at, 0, int(256));
          break;
        case 2:
          bytes.splice(at, 1 + int(4));
          break;
        case 3:
          bytes.length = Math.min(bytes.length, at);
          break;
        case 4:
          // A length or index field claiming the most it can.
          bytes.splice(at, 4, 0xff, 0xff, 0xff, 0x7f);
          break;
        case 5: {
          const from = int(bytes.length);
          bytes.splice(at, 0, ...bytes.slice(from, from + 1 + int(16)));
          break;
        }
        default: {
          const other = corpus[int(corpus.length)];
          bytes.splice(at, 0, ...other.subarray(int(other.length)));
        }
      }
    }
    return Buffer.from(bytes);
  }

  function randomBytes(): Buffer {
    const bytes = Buffer.alloc(int(64));
    for (let i = 0; i < bytes.length; i++) bytes[i] = int(256);
    // Half of them start like a pickle, so the machine gets past its first check.
    if (bytes.length >= 2 && next() < 0.5) bytes.set([0x80, 2 + int(4)]);
    return bytes;
  }

  const inputs: Buffer[] = [];
  for (let i = 0; i < RANDOM_CASES; i++) inputs.push(randomBytes());
  for (let i = 0; i < MUTATED_CASES; i++) inputs.push(mutate(corpus[int(corpus.length)]));

  it(`${RANDOM_CASES} random and ${MUTATED_CASES} mutated pickles: only ever a value or a PickleRefusal, each fast, memory bounded`, () => {
    const heapBefore = process.memoryUsage().heapUsed;
    let slowest = 0;
    let refused = 0;
    const unexpected: string[] = [];
    const started = performance.now();
    for (const input of inputs) {
      const begin = performance.now();
      try {
        readPickle(input);
      } catch (error) {
        if (error instanceof PickleRefusal) refused++;
        else
          unexpected.push(
            `${(error as Error).name}: ${(error as Error).message} for ${input.toString('hex').slice(0, 120)}`,
          );
      }
      slowest = Math.max(slowest, performance.now() - begin);
    }
    const elapsed = performance.now() - started;
    expect(unexpected).toEqual([]);
    // Most mutations break the pickle; some only change a value inside it.
    expect(refused).toBeGreaterThan(inputs.length / 2);
    expect(refused).toBeLessThan(inputs.length);
    // A few hundred bytes each: anything near these bounds would be a loop or a runaway allocation.
    expect(slowest).toBeLessThan(250);
    expect(elapsed).toBeLessThan(5000);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(256 * 1024 * 1024);
  });

  it('through the value format, the same inputs never throw: a value or a miss', () => {
    const format = new DjangoValueFormat(() => undefined);
    let misses = 0;
    for (const input of inputs) {
      const read = format.decode(input.toString('latin1'));
      if (read === NOT_STORABLE) misses++;
    }
    expect(misses).toBeGreaterThan(inputs.length / 2);
  });
});
