import { describe, expect, it } from 'vitest';
import { KeyCache } from '../../src/core/gateway/keys/cache.js';
import { createKey } from '../../src/core/gateway/keys/lifecycle.js';
import { getKey, touchKeys } from '../../src/core/gateway/keys/service.js';
import { BACKENDS } from '../helpers/stores.js';
import { startHarness } from './harness.js';

describe.each(BACKENDS)('virtual key last use on $name', (backend) => {
  describe.skipIf(!backend.available())('', () => {
    it('records the last use in the background and never moves it back', async () => {
      const { store, cleanup } = await backend.open();
      try {
        const { key, record } = await createKey(store, { name: 'k' });
        expect(record.lastUsedAt).toBeNull();
        const cache = new KeyCache(store, 2000, 60_000);
        expect((await cache.lookup(key))?.id).toBe(record.id);
        expect((await getKey(store, record.id))?.lastUsedAt).toBeNull(); // not on the request path
        await cache.close();
        const first = (await getKey(store, record.id))!.lastUsedAt!;
        expect(Date.now() - Date.parse(first)).toBeLessThan(10_000);
        await touchKeys(store, new Map([[record.id, new Date('2020-01-01T00:00:00Z')]]));
        expect((await getKey(store, record.id))?.lastUsedAt).toBe(first);
      } finally {
        await cleanup();
      }
    });
  });
});

describe('the daemon', () => {
  it('writes last use of the keys it served when it stops', async () => {
    const h = await startHarness();
    let id = '';
    try {
      const { key, record } = await createKey(h.daemon.store, { name: 'ci' });
      id = record.id;
      const res = await fetch(`${h.url}/v1/proxy/openai/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-oco-key': key },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    } finally {
      const store = h.daemon.store;
      await h.daemon.stop();
      // stop() closed the daemon's store: read the same database again
      const { OcoConfig } = await import('../../src/core/base/config/resolve.js');
      const { openStore } = await import('../../src/core/base/store/open.js');
      const again = await openStore(OcoConfig.load({ env: h.env }));
      expect((await getKey(again, id))?.lastUsedAt).not.toBeNull();
      await again.close();
      void store;
      await h.fake.close();
      h.home.cleanup();
    }
  });
});
