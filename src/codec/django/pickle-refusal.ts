/**
 * Why a stored value was not read. The reason is one of a fixed set of phrases (and opcode
 * names from our own table): it never quotes the value, since the value came from whoever
 * could write to Redis, and it ends up in a log line.
 */
export class PickleRefusal extends Error {
  override readonly name = 'PickleRefusal';
}

export function refuse(reason: string): never {
  // No stack trace: a refusal is an answer, not a bug, and V8 keeps the last thrown error's
  // frames, their receiver included, until the next throw. That kept a refused read's
  // half-built value (29 bytes per byte of pickle) alive after the read had ended.
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    throw new PickleRefusal(reason);
  } finally {
    Error.stackTraceLimit = limit;
  }
}
