import { Flags } from '@oclif/core';
import { UsageError } from '../../core/base/errors.js';
import { OcoCommand } from '../../core/cli/base-command.js';
import { clearCache } from '../../core/gateway/cache/service.js';

interface Cleared {
  cleared: number;
  backend: 'store' | 'redis';
  orgId: string | null;
  model: string | null;
}

export default class CacheClear extends OcoCommand<Cleared> {
  static override summary = "Drop cached answers: all of them, an org's or a model's.";
  static override description =
    'The next calls that would have been hits go to the provider and are billed. Needs --confirm (or --yes). ' +
    'A running gateway sees the change on its next lookup.';
  static override examples = [
    '<%= config.bin %> cache clear --confirm',
    '<%= config.bin %> cache clear --org acme --confirm',
    '<%= config.bin %> cache clear --org acme --model gpt-4o --confirm --json',
  ];
  static override flags = {
    org: Flags.string({ summary: "Only this org's answers." }),
    model: Flags.string({ summary: 'Only answers of this model (as called, e.g. gpt-4o).' }),
    confirm: Flags.boolean({ summary: 'Clear (required; --yes is the same).', aliases: ['yes'] }),
  };

  async run(): Promise<Cleared> {
    const { flags } = await this.parse(CacheClear);
    if (!flags.confirm)
      throw new UsageError('cache clear drops cached answers and needs --confirm', {
        code: 'OCO_CONFIRM_REQUIRED',
        hint: 'Add --confirm (or --yes); narrow it with --org and --model.',
      });
    const config = this.loadConfig();
    const r = await clearCache(config, await this.store(config), { orgId: flags.org, model: flags.model });
    if (!this.jsonEnabled()) this.log(`Cleared ${r.cleared} cached answer${r.cleared === 1 ? '' : 's'} (${r.backend})`);
    return { ...r, orgId: flags.org ?? null, model: flags.model ?? null };
  }
}
