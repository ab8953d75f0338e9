import { Args } from '@oclif/core';
import { OcoCommand } from '../../core/cli/base-command.js';
import { revokeKey, type VirtualKey } from '../../core/gateway/keys/service.js';

export default class KeysRevoke extends OcoCommand<VirtualKey> {
  static override summary =
    'Revoke a virtual key by id, prefix or name (final; see "keys block" for reversible); refused within seconds.';
  static override examples = [
    '<%= config.bin %> keys revoke key_0123456789abcdef',
    '<%= config.bin %> keys revoke oco_AbCdEfGh --json',
  ];
  static override args = {
    key: Args.string({ description: 'Key id (key_…), prefix (oco_…, as "keys list" shows) or name.', required: true }),
  };

  async run(): Promise<VirtualKey> {
    const { args } = await this.parse(KeysRevoke);
    const k = await revokeKey(await this.store(), args.key);
    if (!this.jsonEnabled()) this.log(`Revoked ${k.id} (${k.name}) at ${k.revokedAt}`);
    return k;
  }
}
