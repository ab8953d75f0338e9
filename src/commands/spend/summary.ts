import { Flags } from '@oclif/core';
import { OcoCommand } from '../../core/cli/base-command.js';
import { renderTable } from '../../core/cli/table.js';
import { GROUP_BY, summarize, type Summary } from '../../core/gateway/usage/summary.js';
import { parseSummaryQuery } from '../../core/gateway/usage/request-query.js';

/**
 * The table's columns after the group key. Input is shown as providers bill it: uncached, cached reads, cache
 * writes, and their total.
 */
const COLUMNS: ReadonlyArray<{ key: keyof Summary['total'] | 'savings' | 'cacheSaved'; header?: string }> = [
  { key: 'requests' },
  { key: 'refused' },
  { key: 'errors' },
  { key: 'unpricedRequests', header: 'unpriced' },
  { key: 'inputTokens', header: 'input uncached' },
  { key: 'cachedInputTokens', header: 'input cached' },
  { key: 'cacheWriteTokens', header: 'cache writes' },
  { key: 'inputTotalTokens', header: 'input total' },
  { key: 'outputTokens', header: 'output' },
  { key: 'reasoningTokens', header: 'reasoning' },
  { key: 'costUsd', header: 'cost usd' },
  { key: 'routedCalls', header: 'routed' },
  { key: 'savings', header: 'saved usd' },
  { key: 'cacheHits', header: 'cache hits' },
  { key: 'cacheSaved', header: 'cache saved usd' },
];

/** A saving is unknown when the requested model has no price: shown as such, never folded into the sum as 0. */
function savingsCell(r: Summary['total']): string {
  if (r.unknownSavingsCalls === 0) return r.savingsUsd;
  if (r.unknownSavingsCalls === r.routedCalls) return 'unknown';
  return `${r.savingsUsd} + ${r.unknownSavingsCalls} unknown`;
}

/** A hit's saving is unknown when its original call had no price: shown as such, never as 0. */
function cacheSavedCell(r: Summary['total']): string {
  if (r.unknownCacheSavingsCalls === 0) return r.cacheSavingsUsd;
  if (r.unknownCacheSavingsCalls === r.cacheHits) return 'unknown';
  return `${r.cacheSavingsUsd} + ${r.unknownCacheSavingsCalls} unknown`;
}

export default class SpendSummary extends OcoCommand<Summary> {
  static override summary =
    'What LLM calls cost, grouped by agent, team, org, user, key, tag, model, provider or day (one or two levels).';
  static override description =
    'Exact decimal totals from the daily and hourly rollups the gateway writes (whole days from the daily ' +
    'rollup, partial days at the edges by the hour; a cut by key or tag reads whole UTC days); calls ' +
    'to models without a price are counted as unpriced, never as $0.\n' +
    'REFUSED counts calls oco refused itself (a budget or a rate limit; never sent to the ' +
    'provider), ERRORS the calls that failed. Input tokens are shown as providers bill ' +
    'them: uncached, cached (prompt-cache reads), cache writes (when any) and their total. ' +
    'ROUTED and SAVED USD (when any call was routed) count the calls smart routing sent to another model and ' +
    'what that saved; a saving is unknown when the requested model has no price.\n' +
    '--by A,B groups each A again by B (rows with key and subKey). Calls without a virtual key are under key ' +
    '"(none)", untagged calls under tag "(untagged)"; a call with several tags is in each tag\'s row and once in ' +
    'the total.';
  static override examples = [
    '<%= config.bin %> spend summary',
    '<%= config.bin %> spend summary --by agent --since 7d',
    '<%= config.bin %> spend summary --by day --since 2026-01-01 --json',
    '<%= config.bin %> spend summary --by team,model --since 7d',
    '<%= config.bin %> spend summary --by tag --since 30d',
  ];
  static override flags = {
    by: Flags.string({
      summary: `Group by: ${GROUP_BY.join(', ')}; two levels as A,B (team,model).`,
      default: 'model',
    }),
    since: Flags.string({ summary: 'Start: a duration back from now (7d, 12h) or an ISO-8601 date.', default: '30d' }),
    until: Flags.string({ summary: 'End: an ISO-8601 date or time (default now).' }),
  };

  async run(): Promise<Summary> {
    const { flags } = await this.parse(SpendSummary);
    const q = parseSummaryQuery(flags);
    const { groupBy, thenBy } = q;
    const s = await summarize(await this.store(), q);
    if (!this.jsonEnabled()) {
      const rows = [...s.rows, { key: 'TOTAL', subKey: '', ...s.total }].map((r) => ({
        ...r,
        savings: savingsCell(r),
        cacheSaved: cacheSavedCell(r),
      }));
      // Cache writes exist only for providers that bill them (Anthropic), routing only where it is applied: the
      // columns show when there are some.
      const columns = COLUMNS.filter(
        (c) =>
          (c.key !== 'cacheWriteTokens' || s.total.cacheWriteTokens > 0) &&
          ((c.key !== 'routedCalls' && c.key !== 'savings') || s.total.routedCalls > 0) &&
          ((c.key !== 'cacheHits' && c.key !== 'cacheSaved') || s.total.cacheHits > 0),
      );
      const keys = [
        { key: 'key' as const, header: groupBy },
        ...(thenBy ? [{ key: 'subKey' as const, header: thenBy }] : []),
      ];
      this.log(renderTable(rows, [...keys, ...columns]));
    }
    return s;
  }
}
