import { Flags } from '@oclif/core';
import { OcoCommand } from '../../core/cli/base-command.js';
import { budgetValueFlags, describeBudget } from '../../core/cli/spend.js';
import { parseBudgetInput } from '../../core/gateway/spend/model.js';
import { budgetStatus, createBudget, type BudgetStatus } from '../../core/gateway/spend/service.js';

export default class BudgetsCreate extends OcoCommand<BudgetStatus> {
  static override summary = 'Create a spend budget for an org, team, agent, user, virtual key or tag.';
  static override description =
    "The gateway reserves each call's worst-case cost against every budget that applies before " +
    'forwarding it, and refuses it with 429 when a hard budget would be exceeded, or has nothing ' +
    'left. Soft budgets only alert. --limit 0 is allowed: a zero hard budget refuses every call ' +
    'it applies to (a kill switch for an agent or key). Calendar periods start at local midnight ' +
    'in --timezone (weeks on Monday). A team or org must be managed ("oco teams create", "oco orgs ' +
    'create"; --create-entity creates it with the budget) and a key must exist (named by id, prefix or ' +
    'name; stored by id): a budget naming neither would never apply (OCO_SPEND_ENTITY_UNKNOWN). Agents, ' +
    'users and tags are free labels. Bad input exits 2 naming the flag, and nothing is stored.';
  static override examples = [
    '<%= config.bin %> budgets create --scope team --entity ' +
      'payments --limit 500 --period monthly --timezone Europe/Berlin',
    '<%= config.bin %> budgets create --scope team --entity research --create-entity --limit 200',
    '<%= config.bin %> budgets create --scope agent --entity billing-bot ' +
      '--limit 20 --period rolling --window 24h --alert-at 50,80,100',
    '<%= config.bin %> budgets create --scope team --entity payments --model gpt-4o --limit 100 --soft --webhook https://hooks.example.com/oco',
    '<%= config.bin %> budgets create --scope key --entity key_abc123 --limit 5 --period total --json',
    '<%= config.bin %> budgets create --scope agent --entity runaway-bot --limit 0 --period total',
  ];
  static override flags = {
    scope: Flags.string({ description: 'org, team, agent, user, key or tag', required: true }),
    entity: Flags.string({ description: 'entity id within the scope', required: true }),
    ...budgetValueFlags,
    limit: Flags.string({
      description:
        'limit in USD, a plain decimal such as 500 or 12.50; 0 with a hard budget refuses every call (a kill switch)',
      required: true,
    }),
    period: Flags.string({
      description: 'daily, weekly, monthly, rolling (with --window) or total',
      default: 'monthly',
    }),
    soft: Flags.boolean({ description: 'alert only, never block calls' }),
    provider: Flags.string({
      description: "only calls to this provider (openai, anthropic, gemini, or an upstream's NAME)",
    }),
    model: Flags.string({ description: 'only calls to this model, e.g. gpt-4o' }),
    'create-entity': Flags.boolean({
      description: 'with --scope team or org: create the team or org (a managed object) when it does not exist',
    }),
  };

  async run(): Promise<BudgetStatus> {
    const { flags } = await this.parse(BudgetsCreate);
    const config = this.loadConfig();
    // Validate before opening the store: bad input never touches the database.
    const fields = parseBudgetInput(
      { ...flags, soft: flags.soft || undefined },
      config.string('budget.timezone') ?? 'UTC',
    );
    const store = await this.store(config);
    const created = await createBudget(store, fields, { createEntity: flags['create-entity'] });
    const status = await budgetStatus(store, created);
    if (!this.jsonEnabled()) this.log(`Created budget ${status.id}\n${describeBudget(status)}`);
    return status;
  }
}
