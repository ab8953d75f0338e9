import { Args, Flags } from '@oclif/core';
import { OcoCommand } from '../../core/cli/base-command.js';
import { UsageError } from '../../core/base/errors.js';
import { RATE_LIMIT_KINDS, invalid } from '../../core/gateway/spend/model.js';
import { deleteRateLimit } from '../../core/gateway/spend/repo.js';
import { narrowing, rateLimitView } from '../../core/gateway/spend/service.js';

export default class LimitsDelete extends OcoCommand<Array<Record<string, unknown>>> {
  static override summary = 'Delete a rate limit by id, or every limit of a scope and entity (optionally one --kind).';
  static override examples = [
    '<%= config.bin %> limits delete rl_0123456789abcdef',
    '<%= config.bin %> limits delete --scope key --entity key_abc123 --kind rpm --json',
    '<%= config.bin %> limits delete --scope team --entity research --model gpt-4o',
  ];
  static override args = { id: Args.string({ description: 'rate limit id' }) };
  static override flags = {
    scope: Flags.string({ description: 'key, agent, team, org, user or tag' }),
    entity: Flags.string({ description: 'entity id within the scope' }),
    kind: Flags.string({ description: 'rpm, tpm, concurrent or requests (all kinds when omitted)' }),
    provider: Flags.string({ description: 'only the limits narrowed to this provider' }),
    model: Flags.string({ description: 'only the limits narrowed to this model' }),
  };

  async run(): Promise<Array<Record<string, unknown>>> {
    const { args, flags } = await this.parse(LimitsDelete);
    if (!args.id && (!flags.scope || !flags.entity))
      throw new UsageError('name the limit by id, or with --scope and --entity', {
        code: 'OCO_USAGE',
        hint: 'See "oco limits list".',
      });
    if (flags.kind && !RATE_LIMIT_KINDS.includes(flags.kind as never))
      throw invalid('kind', `"${flags.kind}" is not one of ${RATE_LIMIT_KINDS.join(', ')}`);
    const store = await this.store();
    const removed = (
      await deleteRateLimit(store, {
        id: args.id,
        scope: flags.scope,
        entityId: flags.entity,
        kind: flags.kind,
        provider: flags.provider,
        model: flags.model,
      })
    ).map(rateLimitView);
    if (!this.jsonEnabled())
      for (const r of removed)
        this.log(
          `Deleted rate limit ${String(r.id)} ` +
            `(${String(r.scope)} ${String(r.entityId)} ${String(r.kind)}${narrowing(r)})`,
        );
    return removed;
  }
}
