import { Flags } from '@oclif/core';
import { OcoCommand } from '../../core/cli/base-command.js';
import { renderTable } from '../../core/cli/table.js';
import { listRequests, type RequestRow } from '../../core/gateway/usage/summary.js';

export default class SpendRequests extends OcoCommand<{ requests: RequestRow[]; nextCursor: string | null }> {
  static override summary = 'The latest recorded LLM calls, newest first.';
  static override description =
    'One row per call: ids, tokens per class, exact cost (empty when the ' +
    'model is unpriced), latency, status. Never prompts, responses or keys.';
  static override examples = [
    '<%= config.bin %> spend requests',
    '<%= config.bin %> spend requests --limit 200 --json',
  ];
  static override flags = {
    limit: Flags.integer({ summary: 'How many calls.', default: 20, min: 1, max: 1000 }),
    cursor: Flags.string({ summary: 'nextCursor of a previous page.' }),
  };

  async run(): Promise<{ requests: RequestRow[]; nextCursor: string | null }> {
    const { flags } = await this.parse(SpendRequests);
    const page = await listRequests(await this.store(), { limit: flags.limit, cursor: flags.cursor });
    if (!this.jsonEnabled()) {
      this.log(
        renderTable(page.requests, [
          { key: 'ts' },
          { key: 'provider' },
          { key: 'model' },
          { key: 'agentId', header: 'agent' },
          { key: 'teamId', header: 'team' },
          { key: 'inputTokens', header: 'in' },
          { key: 'outputTokens', header: 'out' },
          { key: 'costUsd', header: 'cost usd' },
          { key: 'latencyMs', header: 'ms' },
          { key: 'statusCode', header: 'status' },
        ]),
      );
      if (page.nextCursor) this.log(`\nMore: --cursor ${page.nextCursor}`);
    }
    return page;
  }
}
