import { Args, Flags } from '@oclif/core';
import { OcoCommand } from '../../core/cli/base-command.js';
import { KEY_FLAGS, describeKey } from '../../core/cli/keys.js';
import { unmatchedPatterns } from '../../core/gateway/keys/allow.js';
import { updateKey } from '../../core/gateway/keys/lifecycle.js';
import type { VirtualKey } from '../../core/gateway/keys/service.js';
import { limitsView, type LimitsView } from '../../core/gateway/keys/view.js';
import { loadPriceBook } from '../../core/gateway/pricing/book.js';
import { parseTimeOrDuration } from '../../core/gateway/usage/time.js';

export default class KeysUpdate extends OcoCommand<VirtualKey & { limits: LimitsView }> {
  static override summary = "Change a key's name, attribution, metadata, expiry, allow-lists, budget or rpm.";
  static override description =
    'Only what is given changes; --metadata merges (k= removes k); --models none / --providers none lift a ' +
    'restriction; --expires never clears the expiry. All changes are written in one transaction, bad input ' +
    'exits 2 and changes nothing. The gateway applies them within seconds. A revoked key cannot be changed.';
  static override examples = [
    '<%= config.bin %> keys update ci-bot --models gpt-4o-mini --metadata owner=ana',
    '<%= config.bin %> keys update key_0123456789abcdef --budget 100 --rpm 120 --json',
    '<%= config.bin %> keys update ci-bot --expires never --providers none',
  ];
  static override args = {
    key: Args.string({ description: 'Key id (key_…), prefix or name.', required: true }),
  };
  static override flags = {
    name: Flags.string({ summary: 'A new name.' }),
    org: Flags.string({ summary: "Org the key's calls are billed to." }),
    team: Flags.string({ summary: "Team the key's calls are billed to." }),
    agent: Flags.string({ summary: "Agent the key's calls are billed to." }),
    user: Flags.string({ summary: "User the key's calls are billed to." }),
    expires: Flags.string({ summary: 'Expiry: a duration such as 30d, an ISO-8601 date, or "never".' }),
    ...KEY_FLAGS,
  };

  async run(): Promise<VirtualKey & { limits: LimitsView }> {
    const { args, flags } = await this.parse(KeysUpdate);
    const config = this.loadConfig();
    const expires =
      flags.expires === undefined
        ? undefined
        : flags.expires === 'never'
          ? null
          : parseTimeOrDuration(flags.expires, 'expires', 'future');
    const store = await this.store(config);
    const { record, limits } = await updateKey(
      store,
      args.key,
      { ...flags, expires },
      { timezone: config.string('budget.timezone') ?? 'UTC' },
    );
    if (flags.models !== undefined) {
      const priced = [...new Set((await loadPriceBook(store)).allVersions().map((v) => v.model))];
      for (const p of unmatchedPatterns(record.allowedModels, priced))
        this.warn(`--models: "${p}" matches no priced model (fine for custom or upstream models; check the spelling)`);
    }
    const out = { ...record, limits: limitsView(limits) };
    if (!this.jsonEnabled()) this.log(`Updated ${record.id}\n${describeKey(out)}`);
    return out;
  }
}
