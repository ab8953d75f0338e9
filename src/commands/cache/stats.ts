import { OcoCommand } from '../../core/cli/base-command.js';
import { renderTable } from '../../core/cli/table.js';
import { cacheStats, type CacheStats } from '../../core/gateway/cache/service.js';

export default class CacheStatsCommand extends OcoCommand<CacheStats> {
  static override summary = 'What the response cache holds and what it saved: entries, bytes, hits, misses, savings.';
  static override description =
    'Entries and bytes are read from the cache backend (cache.backend: the database or Redis); hits, misses and ' +
    'savings from the hourly usage rollups over the last 24 hours, 7 days and 30 days. A hit costs $0 and saves ' +
    'what its original call cost; a saving is unknown when that call had no price, never counted as $0.';
  static override examples = ['<%= config.bin %> cache stats', '<%= config.bin %> cache stats --json'];

  async run(): Promise<CacheStats> {
    await this.parse(CacheStatsCommand);
    const config = this.loadConfig();
    const s = await cacheStats(config, await this.store(config));
    if (!this.jsonEnabled()) {
      this.log(
        `cache ${s.enabled ? 'enabled' : 'disabled (cache.enabled=false)'}, backend ${s.backend}, ` +
          `${s.entries} entries, ${s.bytes} bytes (limits ${s.maxEntries} entries, ${s.maxBytes} bytes; ` +
          `ttl ${s.ttlSeconds}s)`,
      );
      const rows = s.periods.map((p) => ({
        ...p,
        rate: p.hitRate === null ? '-' : `${(p.hitRate * 100).toFixed(1)}%`,
        saved: p.unknownSavingsHits > 0 ? `${p.savingsUsd} + ${p.unknownSavingsHits} unknown` : p.savingsUsd,
      }));
      this.log(
        renderTable(rows, [
          { key: 'period' },
          { key: 'hits' },
          { key: 'misses' },
          { key: 'rate', header: 'hit rate' },
          { key: 'saved', header: 'saved usd' },
        ]),
      );
    }
    return s;
  }
}
