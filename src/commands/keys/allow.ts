import { Flags } from '@oclif/core';
import { OcoCommand } from '../../core/cli/base-command.js';
import { renderTable } from '../../core/cli/table.js';
import { unmatchedPatterns } from '../../core/gateway/keys/allow.js';
import {
  listEntityAllowLists,
  setEntityAllowList,
  type EntityAllowList,
} from '../../core/gateway/keys/entity-lists.js';
import { loadPriceBook } from '../../core/gateway/pricing/book.js';

type Out = { allowLists: EntityAllowList[] };

export default class KeysAllow extends OcoCommand<Out> {
  static override summary = "Set a team's or org's model/provider allow-list; without --team/--org, list them.";
  static override description =
    "Teams and orgs are the attribution labels calls carry (a key's --team/--org, else X-Team-ID/X-Org-ID). " +
    "A call must pass its key's list, its team's and its org's, so a key can only narrow its team's list. " +
    'Patterns: * stands for any characters, matched case-insensitively; "none" lifts a list.';
  static override examples = [
    '<%= config.bin %> keys allow --team payments --models gpt-4o-mini,claude-haiku-* --providers openai,anthropic',
    '<%= config.bin %> keys allow --org acme --providers none',
    '<%= config.bin %> keys allow --json',
  ];
  static override flags = {
    team: Flags.string({ summary: 'The team label.', exclusive: ['org'] }),
    org: Flags.string({ summary: 'The org label.', exclusive: ['team'] }),
    models: Flags.string({ summary: 'Model patterns (comma list, * any characters); "none" lifts the list.' }),
    providers: Flags.string({ summary: 'Providers (comma list); "none" lifts the list.' }),
  };

  async run(): Promise<Out> {
    const { flags } = await this.parse(KeysAllow);
    const store = await this.store();
    if (
      flags.team !== undefined ||
      flags.org !== undefined ||
      flags.models !== undefined ||
      flags.providers !== undefined
    ) {
      const out = await setEntityAllowList(store, flags, flags);
      const priced = [...new Set((await loadPriceBook(store)).allVersions().map((v) => v.model))];
      for (const p of unmatchedPatterns(out.list?.models, priced))
        this.warn(`--models: "${p}" matches no priced model (fine for custom or upstream models; check the spelling)`);
      if (!this.jsonEnabled())
        this.log(
          out.list
            ? `Set the allow-list of ${out.scope} ${out.entityId}`
            : `${out.scope} ${out.entityId} has no allow-list now`,
        );
    }
    const allowLists = await listEntityAllowLists(store);
    if (!this.jsonEnabled())
      this.log(
        allowLists.length === 0
          ? 'No team or org allow-lists.'
          : renderTable(
              allowLists.map((l) => ({
                ...l,
                models: l.models?.join(',') ?? 'any',
                providers: l.providers?.join(',') ?? 'any',
              })),
              [
                { key: 'scope' },
                { key: 'entityId', header: 'id' },
                { key: 'models' },
                { key: 'providers' },
                { key: 'updatedAt', header: 'updated' },
              ],
            ),
      );
    return { allowLists };
  }
}
