import { OcoCommand } from '../../core/cli/base-command.js';
import { renderTable } from '../../core/cli/table.js';
import { listAdminKeys, type AdminKey } from '../../core/gateway/keys/admin-keys.js';

export default class AdminKeysList extends OcoCommand<AdminKey[]> {
  static override summary = 'List the admin API keys (never their secrets), revoked ones included.';
  static override examples = ['<%= config.bin %> admin-keys list', '<%= config.bin %> admin-keys list --json'];

  async run(): Promise<AdminKey[]> {
    await this.parse(AdminKeysList);
    const keys = await listAdminKeys(await this.store());
    if (!this.jsonEnabled())
      this.log(
        keys.length
          ? renderTable(keys, [
              { key: 'id' },
              { key: 'name' },
              { key: 'scope' },
              { key: 'prefix' },
              { key: 'status' },
              { key: 'createdAt', header: 'created' },
              { key: 'lastUsedAt', header: 'last used' },
            ])
          : 'No admin keys. Create one with "oco admin-keys create --scope read|write".',
      );
    return keys;
  }
}
