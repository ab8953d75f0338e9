import { OcoCommand } from '../../core/cli/base-command.js';
import { renderTable } from '../../core/cli/table.js';
import { listKeys, type VirtualKey } from '../../core/gateway/keys/service.js';

export default class KeysList extends OcoCommand<VirtualKey[]> {
  static override summary = 'List virtual keys (prefix, status, attribution, allowed models, metadata; never the key).';
  static override examples = ['<%= config.bin %> keys list', '<%= config.bin %> keys list --json'];

  async run(): Promise<VirtualKey[]> {
    await this.parse(KeysList);
    const keys = await listKeys(await this.store());
    if (!this.jsonEnabled()) {
      this.log(
        keys.length === 0
          ? 'No virtual keys. Create one with "oco keys create --name NAME".'
          : renderTable(
              keys.map((k) => ({
                ...k,
                models: k.allowedModels?.join(',') ?? 'any',
                meta: Object.entries(k.metadata)
                  .map(([a, b]) => `${a}=${b}`)
                  .join(','),
              })),
              [
                { key: 'id' },
                { key: 'name' },
                { key: 'prefix' },
                { key: 'status' },
                { key: 'orgId', header: 'org' },
                { key: 'teamId', header: 'team' },
                { key: 'agentId', header: 'agent' },
                { key: 'userId', header: 'user' },
                { key: 'models' },
                { key: 'meta' },
                { key: 'expiresAt', header: 'expires' },
                { key: 'lastUsedAt', header: 'last used' },
              ],
            ),
      );
    }
    return keys;
  }
}
