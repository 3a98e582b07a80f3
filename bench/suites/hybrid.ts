import type { Row } from '../support/row';
import type { BenchSettings } from '../support/settings';
import { hybridCoherenceRows } from './hybrid-coherence';
import { hybridSetByInvalidationRows } from './hybrid-set-by-invalidation';
import { hybridThroughputRows } from './hybrid-throughput';

/** The hybrid backend: its speed in one process (its set with each invalidation path beside), then its coherence across several. */
export async function hybridRows(port: number, settings: BenchSettings): Promise<Row[]> {
  return [
    ...(await hybridThroughputRows(port, settings)),
    ...(await hybridSetByInvalidationRows(port, settings)),
    ...(await hybridCoherenceRows(port, settings)),
  ];
}
