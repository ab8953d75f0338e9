import { Args } from '@oclif/core';
import { OcoCommand } from '../../core/cli/base-command.js';
import { describeKey } from '../../core/cli/keys.js';
import { keyLimits } from '../../core/gateway/keys/lifecycle.js';
import { findKey, type VirtualKey } from '../../core/gateway/keys/service.js';
import { limitsView, type LimitsView } from '../../core/gateway/keys/view.js';

export default class KeysGet extends OcoCommand<VirtualKey & { limits: LimitsView }> {
  static override summary = 'Show one virtual key: status, allow-lists, metadata, budget and rpm (never the key).';
  static override examples = [
    '<%= config.bin %> keys get ci-bot',
    '<%= config.bin %> keys get key_0123456789abcdef --json',
  ];
  static override args = {
    key: Args.string({ description: 'Key id (key_…), prefix (oco_…, as "keys list" shows) or name.', required: true }),
  };

  async run(): Promise<VirtualKey & { limits: LimitsView }> {
    const { args } = await this.parse(KeysGet);
    const store = await this.store();
    const k = await findKey(store, args.key);
    const out = { ...k, limits: limitsView(await keyLimits(store, k.id)) };
    if (!this.jsonEnabled()) this.log(describeKey(out));
    return out;
  }
}
