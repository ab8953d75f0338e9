import { Flags } from '@oclif/core';
import { OcoCommand } from '../../core/cli/base-command.js';
import { renderTable } from '../../core/cli/table.js';
import { parseRequestQuery } from '../../core/gateway/usage/request-query.js';
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
    'only the others.\n' +
    'Filters combine (all must hold): --key (a key id), --agent, --team, --model, --provider, --status (429, or a ' +
    'class: 2xx, 4xx, 5xx), --since/--until (a duration back from now or an ISO-8601 time), --min-cost (USD; ' +
    'unpriced calls, whose cost is unknown, are left out). More pages: pass nextCursor as --cursor with the same ' +
    'filters. The same listing is GET /api/v1/spend/requests on the admin API.';
  static override examples = [
    '<%= config.bin %> spend requests',
    '<%= config.bin %> spend requests --limit 200 --json',
    '<%= config.bin %> spend requests --routed',
    '<%= config.bin %> spend requests --team payments --status 5xx --since 24h',
    '<%= config.bin %> spend requests --key key_0a1b2c3d4e5f6a7b --min-cost 0.50 --json',
  ];
  static override flags = {
    limit: Flags.string({ summary: 'How many calls (1 to 1000).', default: '20' }),
    cursor: Flags.string({ summary: 'nextCursor of a previous page (give the same filters).' }),
    key: Flags.string({ summary: 'Only calls made with this virtual key id.' }),
    agent: Flags.string({ summary: 'Only calls of this agent.' }),
    team: Flags.string({ summary: 'Only calls of this team.' }),
    model: Flags.string({ summary: 'Only calls to this model (as recorded: the model called).' }),
    provider: Flags.string({
      summary: "Only calls to this provider (openai, anthropic, gemini or an upstream's name).",
    }),
    status: Flags.string({ summary: 'Only calls that ended with this HTTP status (429) or class (2xx, 4xx, 5xx).' }),
    since: Flags.string({ summary: 'Calls from: a duration back from now (24h, 7d) or an ISO-8601 time.' }),
    until: Flags.string({ summary: 'Calls before: a duration back from now or an ISO-8601 time.' }),
    'min-cost': Flags.string({ summary: 'Only calls that cost at least this many USD (e.g. 0.25).' }),
    routed: Flags.boolean({
      summary: 'Only calls smart routing sent to another model (--no-routed: only the others).',
      allowNo: true,
    }),
  };

  async run(): Promise<Page> {
    const { flags } = await this.parse(SpendRequests);
    const page = await listRequests(await this.store(), parseRequestQuery(flags));
    if (!this.jsonEnabled()) {
      const anyRouted = page.requests.some((r) => r.routedModel !== null);
      const anyKey = page.requests.some((r) => r.keyName !== null);
      const anyMetadata = page.requests.some((r) => r.keyMetadata && Object.keys(r.keyMetadata).length > 0);
      this.log(
        renderTable(
          page.requests.map((r) => ({
            ...r,
            ...routingCells(r),
            labels: Object.entries(r.keyMetadata ?? {})
              .map(([k, v]) => `${k}=${v}`)
              .join(','),
          })),
          [
            { key: 'ts' },
            { key: 'provider' },
            { key: 'model' },
            { key: 'agentId', header: 'agent' },
            { key: 'teamId', header: 'team' },
            // The key's name and --metadata labels, when calls came with a virtual key.
            ...(anyKey ? [{ key: 'keyName', header: 'key' }] : []),
            ...(anyMetadata ? [{ key: 'labels', header: 'key metadata' }] : []),
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
