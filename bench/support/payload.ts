/**
 * The value every row stores: a 200-byte JSON object shaped like what IdeaGraph caches
 * (a small record with a few strings, numbers and a list).
 */
export function payload(id: number): Record<string, unknown> {
  return {
    id,
    title: 'Idea review',
    owner: 'a.mueller@example.org',
    tags: ['strategy', 'ops', 'q3'],
    score: 0.82,
    votes: 117,
    archived: false,
    updated: '2026-11-26T08:15:00Z',
    summary: 'Pilot the shared cache',
  };
}

/** Keys cycle through this many distinct values, so reads hit and writes overwrite. */
export const KEY_SPACE = 10_000;

/** The bytes one payload takes once encoded as JSON. */
export const PAYLOAD_BYTES = Buffer.byteLength(JSON.stringify(payload(1234)));
