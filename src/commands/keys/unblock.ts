import { Args } from '@oclif/core';
import { OcoCommand } from '../../core/cli/base-command.js';
import { setBlocked } from '../../core/gateway/keys/lifecycle.js';
import type { VirtualKey } from '../../core/gateway/keys/service.js';

export default class KeysUnblock extends OcoCommand<VirtualKey> {
  static override summary = 'Unblock a blocked key: the gateway accepts it again within seconds.';
  static override description = 'Reversible, unlike revoke. Spend, budgets and limits stay on the key.';
  static override examples = [
    '<%= config.bin %> keys unblock ci-bot',
    '<%= config.bin %> keys unblock key_0123456789abcdef --json',
  ];
  static override args = {
    key: Args.string({ description: 'Key id (key_…), prefix or name.', required: true }),
  };

  async run(): Promise<VirtualKey> {
    const { args } = await this.parse(KeysUnblock);
    const k = await setBlocked(await this.store(), args.key, false);
    if (!this.jsonEnabled()) this.log(`Unblocked ${k.id} (${k.name}); status ${k.status}`);
    return k;
  }
}
