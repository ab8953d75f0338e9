import { Flags } from '@oclif/core';
import { OcoCommand } from '../../core/cli/base-command.js';
import { KEY_FLAGS } from '../../core/cli/keys.js';
import { unmatchedPatterns } from '../../core/gateway/keys/allow.js';
import { createKey } from '../../core/gateway/keys/lifecycle.js';
import type { VirtualKey } from '../../core/gateway/keys/service.js';
import { limitsView, type LimitsView } from '../../core/gateway/keys/view.js';
import { loadPriceBook } from '../../core/gateway/pricing/book.js';
import { parseTimeOrDuration } from '../../core/gateway/usage/time.js';

export default class KeysCreate extends OcoCommand<VirtualKey & { key: string; limits: LimitsView }> {
  static override summary = 'Create a virtual key for gateway clients; the key is printed once.';
  static override description =
    'Clients send it as X-OCO-Key (or as their SDK API key: the gateway then adds the ' +
    'configured provider key). Its attribution (org/team/agent/user) applies to every call ' +
    'made with it, so those clients need no attribution headers. Only a SHA-256 hash is stored. ' +
    '--models/--providers restrict what it may call (a call outside gets 403 and reaches no provider); ' +
    '--budget/--period and --rpm create its budget and rate limit in the same transaction: ' +
    'if any part is invalid or fails, nothing is created (exit 2 for bad input).';
  static override examples = [
    '<%= config.bin %> keys create --name ci-bot --team payments --agent release-notes',
    '<%= config.bin %> keys create --name agent --models gpt-4o-mini,claude-haiku-* --providers openai,anthropic',
    '<%= config.bin %> keys create --name trial --budget 50 --period monthly --rpm 60 --metadata owner=ana --json',
    '<%= config.bin %> keys create --name trial --expires 30d --json',
  ];
  static override flags = {
    name: Flags.string({ summary: 'A name to recognise the key by.', required: true }),
    org: Flags.string({ summary: "Org the key's calls are billed to." }),
    team: Flags.string({ summary: "Team the key's calls are billed to." }),
    agent: Flags.string({ summary: "Agent the key's calls are billed to." }),
    user: Flags.string({ summary: "User the key's calls are billed to." }),
    expires: Flags.string({ summary: 'Expiry: a duration such as 30d or an ISO-8601 date.' }),
    ...KEY_FLAGS,
  };

  async run(): Promise<VirtualKey & { key: string; limits: LimitsView }> {
    const { flags } = await this.parse(KeysCreate);
    const config = this.loadConfig();
    const expires = flags.expires ? parseTimeOrDuration(flags.expires, 'expires', 'future') : undefined;
    const store = await this.store(config);
    const { key, record, limits } = await createKey(
      store,
      { ...flags, expires },
      { timezone: config.string('budget.timezone') ?? 'UTC' },
    );
    const priced = [...new Set((await loadPriceBook(store)).allVersions().map((v) => v.model))];
    for (const p of unmatchedPatterns(record.allowedModels, priced))
      this.warn(`--models: "${p}" matches no priced model (fine for custom or upstream models; check the spelling)`);
    if (!this.jsonEnabled()) {
      this.log(
        `Created virtual key ${record.id} (${record.name}). It is shown only now; store it safely:\n\n  ${key}\n`,
      );
    }
    return { ...record, key, limits: limitsView(limits) };
  }
}
