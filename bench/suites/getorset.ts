import type { Row } from '../support/row';
import type { BenchSettings } from '../support/settings';
import { getOrSetDecoratorRows } from './getorset-decorator';
import { getOrSetHotKeyRows } from './getorset-hot-key';
import { getOrSetHybridRows } from './getorset-hybrid';
import { getOrSetManyRows } from './getorset-many';
import { getOrSetTagRows } from './getorset-tags';

/** getOrSet and what is built on it: the hot key on every backend, the decorator, getOrSetMany, and what tags cost. */
export async function getOrSetRows(port: number, settings: BenchSettings): Promise<Row[]> {
  return [
    ...(await getOrSetHotKeyRows(port, settings)),
    ...(await getOrSetHybridRows(port, settings)),
    ...(await getOrSetDecoratorRows(settings)),
    ...(await getOrSetManyRows(port, settings)),
    ...(await getOrSetTagRows(port, settings)),
  ];
}
