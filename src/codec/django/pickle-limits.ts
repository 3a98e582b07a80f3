/**
 * Nesting deeper than this is refused, on write and on read. Real cache values are a few
 * levels deep; the bound keeps every walk over a value (ours, and a caller's JSON.stringify)
 * far from the stack limit, whatever a foreign writer stored.
 */
export const MAX_NESTING = 100;

/**
 * A pickle may reference one object many times (its memo). Read back, each reference is
 * the same JS object, but anything that walks the value (JSON.stringify, a copy) visits it
 * once per reference: 30 nested lists that each hold the previous one twice are 2^30 nodes
 * in a few hundred bytes. Values whose references expand to more than this many nodes per
 * byte of pickle (plus a small allowance) are refused.
 */
export const MAX_NODES_PER_BYTE = 16;
export const NODE_ALLOWANCE = 1024;
