import { Flags } from '@oclif/core';
import { OcoCommand } from '../../core/cli/base-command.js';
import { renderTable } from '../../core/cli/table.js';
import { listRequests, type RequestRow } from '../../core/gateway/usage/summary.js';

type Page = { requests: RequestRow[]; nextCursor: string | null };

/** Routing per call: "requested → called" and what it saved; a routed call's unknown saving reads "unknown", not 0. */
function routingCells(r: RequestRow): { route: string | null; saved: string | null } {
  if (r.routedModel === null) return { route: null, saved: null };
  return { route: `${r.originalModel ?? '?'} → ${r.routedModel}`, saved: r.savingsUsd ?? 'unknown' };
}

export default class SpendRequests extends OcoCommand<Page> {
  static override summary = 'The latest recorded LLM calls, newest first.';
  static override description =
    'One row per call: ids, tokens per class, exact cost (empty when the ' +
    'model is unpriced), latency, status. Never prompts, responses or keys.\n' +
    'ROUTED and SAVED USD (when a listed call was routed) show the model the client asked for → the model smart ' +
    'routing called, and what that saved (unknown when a price is missing, never 0); --json gives originalModel, ' +
    'routedModel and savingsUsd (null when not routed or unknown). --routed lists only routed calls, --no-routed ' +
    'only the others.';
  static override examples = [
    '<%= config.bin %> spend requests',
    '<%= config.bin %> spend requests --limit 200 --json',
    '<%= config.bin %> spend requests --routed',
  ];
  static override flags = {
    limit: Flags.integer({ summary: 'How many calls.', default: 20, min: 1, max: 1000 }),
    cursor: Flags.string({ summary: 'nextCursor of a previous page (give the same --routed).' }),
    routed: Flags.boolean({
      summary: 'Only calls smart routing sent to another model (--no-routed: only the others).',
      allowNo: true,
    }),
  };

  async run(): Promise<Page> {
    const { flags } = await this.parse(SpendRequests);
    const page = await listRequests(await this.store(), {
      limit: flags.limit,
      cursor: flags.cursor,
      routed: flags.routed,
    });
    if (!this.jsonEnabled()) {
      const anyRouted = page.requests.some((r) => r.routedModel !== null);
      this.log(
        renderTable(
          page.requests.map((r) => ({ ...r, ...routingCells(r) })),
          [
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
            // Routing shows where it was applied, as in spend summary.
            ...(anyRouted
              ? [
                  { key: 'route', header: 'routed' },
                  { key: 'saved', header: 'saved usd' },
                ]
              : []),
          ],
        ),
      );
      if (page.nextCursor) this.log(`\nMore: --cursor ${page.nextCursor}`);
    }
    return page;
  }
}
