/**
 * What travels on the shared channel: keys and prefixes, never values. A receiver drops
 * what a message names from its L1 and reads Redis next time.
 */
export type BusMessage =
  { kind: 'invalidate'; sender: string; keys: string[] } | { kind: 'clear'; sender: string; prefix: string };

/** JSON arrays, `["i", sender, [keys]]` and `["c", sender, prefix]`: short, and any key survives them. */
export function encodeBusMessage(message: BusMessage): string {
  return message.kind === 'invalidate'
    ? JSON.stringify(['i', message.sender, message.keys])
    : JSON.stringify(['c', message.sender, message.prefix]);
}

/** The message, or undefined for anything that is not exactly one (it is then counted as dropped). */
export function decodeBusMessage(text: string): BusMessage | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== 3 || typeof parsed[1] !== 'string') return undefined;
  const [kind, sender, body] = parsed as [unknown, string, unknown];
  if (kind === 'c' && typeof body === 'string') return { kind: 'clear', sender, prefix: body };
  if (kind === 'i' && Array.isArray(body) && body.every((key) => typeof key === 'string')) {
    return { kind: 'invalidate', sender, keys: body };
  }
  return undefined;
}
