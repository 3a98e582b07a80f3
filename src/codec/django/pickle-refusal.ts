/**
 * Why a stored value was not read. The reason is one of a fixed set of phrases (and opcode
 * names from our own table): it never quotes the value, since the value came from whoever
 * could write to Redis, and it ends up in a log line.
 */
export class PickleRefusal extends Error {
  override readonly name = 'PickleRefusal';
}

export function refuse(reason: string): never {
  throw new PickleRefusal(reason);
}
