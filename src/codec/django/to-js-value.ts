import { setOwn } from '../value-codec';
import { MAX_NESTING, MAX_NODES_PER_BYTE, NODE_ALLOWANCE } from './pickle-limits';
import { refuse } from './pickle-refusal';
import { PyDict, PyGlobal, PyList, PySet, PyTimedelta, PyTimezone, PyTuple } from './python-values';

type Container = PyList | PyTuple | PyDict | PySet;

/**
 * Turns what the pickle machine built into JS values: list and tuple become arrays, a dict
 * a plain object when every key is a str and a Map otherwise, set and frozenset a Set.
 * An object the pickle references twice becomes one JS object referenced twice.
 *
 * Refused here: a value that contains itself (Python can pickle that; a cache value that
 * JSON.stringify or a copy would loop on is no value), nesting past MAX_NESTING, shared
 * references that expand past the node budget, and a class, timedelta or timezone
 * standing alone as a value.
 */
export function toJsValue(root: unknown, pickleLength: number): unknown {
  return new Conversion(NODE_ALLOWANCE + MAX_NODES_PER_BYTE * pickleLength).convert(root, 0).value;
}

interface Converted {
  value: unknown;
  /** Nodes a walk over the value visits, shared references counted every time. */
  nodes: number;
}

class Conversion {
  private readonly done = new Map<Container, Converted>();
  private readonly open = new Set<Container>();

  constructor(private readonly nodeBudget: number) {}

  convert(node: unknown, depth: number): Converted {
    if (!(node instanceof PyList || node instanceof PyTuple || node instanceof PyDict || node instanceof PySet)) {
      if (node instanceof PyGlobal || node instanceof PyTimedelta || node instanceof PyTimezone) refuse('a type that is not a cache value');
      return { value: node, nodes: 1 };
    }
    const known = this.done.get(node);
    if (known) return known;
    if (this.open.has(node)) refuse('a value that contains itself');
    if (depth >= MAX_NESTING) refuse(`nesting deeper than ${MAX_NESTING} levels`);
    this.open.add(node);
    const converted = this.container(node, depth + 1);
    this.open.delete(node);
    if (converted.nodes > this.nodeBudget) refuse('shared references that expand past the size limit');
    this.done.set(node, converted);
    return converted;
  }

  private container(node: Container, depth: number): Converted {
    let nodes = 1;
    const child = (item: unknown): unknown => {
      const converted = this.convert(item, depth);
      nodes += converted.nodes;
      if (nodes > this.nodeBudget) refuse('shared references that expand past the size limit');
      return converted.value;
    };
    if (node instanceof PyList || node instanceof PyTuple) return { value: node.items.map(child), nodes };
    if (node instanceof PySet) return { value: new Set(node.items.map(child)), nodes };
    const keys = node.keys.map(child);
    const values = node.values.map(child);
    if (keys.every((key) => typeof key === 'string')) {
      const record: Record<string, unknown> = {};
      keys.forEach((key, i) => setOwn(record, key as string, values[i]));
      return { value: record, nodes };
    }
    return { value: new Map(keys.map((key, i) => [key, values[i]])), nodes };
  }
}
