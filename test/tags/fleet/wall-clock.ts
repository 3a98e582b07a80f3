/**
 * Wall-clock time in ms with sub-ms precision, comparable between the processes of one
 * machine: the bus delivers in about a millisecond, below what Date.now() can show.
 */
export function wallClockMs(): number {
  return performance.timeOrigin + performance.now();
}
