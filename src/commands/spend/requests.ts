import { Flags } from '@oclif/core';
import { OcoCommand } from '../../core/cli/base-command.js';
import { renderTable } from '../../core/cli/table.js';
import { listRequests, type RequestRow } from '../../core/gateway/usage/summary.js';

export default class SpendRequests extends OcoCommand<{ requests: RequestRow[]; next_cursor: string | null }> {
  static override summary = 'The latest recorded LLM calls, newest first.';
  static override description = 'One row per call: ids, tokens per class, exact cost (empty when the model is unpriced), latency, status. Never prompts, responses or keys.';
  static override examples = ['<%= config.bin %> spend requests', '<%= config.bin %> spend requests --limit 200 --json'];
  static override flags = {
    limit: Flags.integer({ summary: 'How many calls.', default: 20, min: 1, max: 1000 }),
    cursor: Flags.string({ summary: 'next_cursor of a previous page.' }),
  };

  async run(): Promise<{ requests: RequestRow[]; next_cursor: string | null }> {
    const { flags } = await this.parse(SpendRequests);
    const page = await listRequests(await this.store(), { limit: flags.limit, cursor: flags.cursor });
    if (!this.jsonEnabled()) {
      this.log(renderTable(page.requests, [{ key: 'ts' }, { key: 'provider' }, { key: 'model' }, { key: 'agent_id', header: 'agent' }, { key: 'team_id', header: 'team' }, { key: 'input_tokens', header: 'in' }, { key: 'output_tokens', header: 'out' }, { key: 'cost_usd', header: 'cost usd' }, { key: 'latency_ms', header: 'ms' }, { key: 'status_code', header: 'status' }]));
      if (page.next_cursor) this.log(`\nMore: --cursor ${page.next_cursor}`);
    }
    return page;
  }
}
