import { Args } from '@oclif/core';
import { OcoCommand } from '../../core/cli/base-command.js';
import { revokeAdminKey, type AdminKey } from '../../core/gateway/keys/admin-keys.js';

export default class AdminKeysRevoke extends OcoCommand<AdminKey> {
  static override summary = 'Revoke an admin API key by id, prefix or name; refused from its next call on.';
  static override examples = [
    '<%= config.bin %> admin-keys revoke grafana',
    '<%= config.bin %> admin-keys revoke adm_0123456789abcdef --json',
  ];
  static override args = {
    key: Args.string({ description: 'Admin key id (adm_…), prefix (oco-admin_…) or name.', required: true }),
  };

  async run(): Promise<AdminKey> {
    const { args } = await this.parse(AdminKeysRevoke);
    const k = await revokeAdminKey(await this.store(), args.key);
    if (!this.jsonEnabled()) this.log(`Revoked admin key ${k.id} (${k.name}) at ${k.revokedAt}`);
    return k;
  }
}
