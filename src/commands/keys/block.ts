import { Args } from '@oclif/core';
import { OcoCommand } from '../../core/cli/base-command.js';
import { setBlocked } from '../../core/gateway/keys/lifecycle.js';
import type { VirtualKey } from '../../core/gateway/keys/service.js';

export default class KeysBlock extends OcoCommand<VirtualKey> {
  static override summary =
    'Block a key: the gateway refuses it (the same 401 as an unknown key) until it is unblocked.';
  static override description = 'Reversible, unlike revoke. Spend, budgets and limits stay on the key.';
  static override examples = [
    '<%= config.bin %> keys block ci-bot',
    '<%= config.bin %> keys block key_0123456789abcdef --json',
  ];
  static override args = {
    key: Args.string({ description: 'Key id (key_…), prefix or name.', required: true }),
  };

  async run(): Promise<VirtualKey> {
    const { args } = await this.parse(KeysBlock);
    const k = await setBlocked(await this.store(), args.key, true);
    if (!this.jsonEnabled()) this.log(`Blocked ${k.id} (${k.name}); status ${k.status}`);
    return k;
  }
}
