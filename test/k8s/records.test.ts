import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/core/base/store/types.js';
import { forgetObject, recordObjects } from '../../src/core/resilience/velero/records.js';
import type { VeleroObject } from '../../src/core/resilience/velero/resources.js';
import { BACKENDS } from '../helpers/stores.js';

const obj = (name: string): VeleroObject =>
  ({
    apiVersion: 'velero.io/v1',
    kind: 'Backup',
    metadata: { name },
    spec: {},
    status: { phase: 'Completed' },
  }) as VeleroObject;

describe.each(BACKENDS)('backup records on $name', (backend) => {
  describe.skipIf(!backend.available())('', () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      ({ store, cleanup } = await backend.open());
    });
    afterAll(async () => cleanup?.());

    it('forgetObject removes only the named object of that kind, cluster and namespace', async () => {
      await recordObjects(store, 'backup', [obj('a'), obj('b')], 'ctx', 'velero');
      await recordObjects(store, 'backup', [obj('a')], 'other', 'velero');
      await recordObjects(
        store,
        'schedule',
        [{ ...obj('a'), kind: 'Schedule', spec: { template: {} } }],
        'ctx',
        'velero',
      );
      expect(await forgetObject(store, 'backup', 'a', 'ctx', 'velero')).toBe(true);
      expect(await forgetObject(store, 'backup', 'a', 'ctx', 'velero')).toBe(false);
      const left = await store.all<{ kind: string; name: string; cluster_context: string }>(
        'SELECT kind, name, cluster_context FROM backup_records ORDER BY kind, name, cluster_context',
      );
      expect(left).toEqual([
        { kind: 'backup', name: 'a', cluster_context: 'other' },
        { kind: 'backup', name: 'b', cluster_context: 'ctx' },
        { kind: 'schedule', name: 'a', cluster_context: 'ctx' },
      ]);
    });
  });
});
