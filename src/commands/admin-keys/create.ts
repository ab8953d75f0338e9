import { Flags } from '@oclif/core';
import { OcoCommand } from '../../core/cli/base-command.js';
import { ADMIN_SCOPES, createAdminKey, type AdminKey } from '../../core/gateway/keys/admin-keys.js';

export default class AdminKeysCreate extends OcoCommand<AdminKey & { key: string }> {
  static override summary = 'Create a key for the admin HTTP API; the key is printed once.';
  static override description =
    'Scope read may call GET routes only (reports, lists, status); scope write may call every route. A read ' +
    'key asking for a change gets 403 with code OCO_ADMIN_SCOPE and nothing changes. Clients send it as ' +
    'X-API-Key. Only a SHA-256 hash is stored; a running daemon accepts the key on its next call and refuses it ' +
    'from the call after "oco admin-keys revoke". The configured admin key (OCO_ADMIN_API_KEY) keeps write access.';
  static override examples = [
    '<%= config.bin %> admin-keys create --scope read --name grafana',
    '<%= config.bin %> admin-keys create --scope write --name ci-budgets --json',
  ];
  static override flags = {
    scope: Flags.string({
      summary: `What the key may do: ${ADMIN_SCOPES.join(' (GET only) or ')} (every route).`,
      required: true,
    }),
    name: Flags.string({ summary: 'A unique name to recognise the key by (default: its id).' }),
  };

  async run(): Promise<AdminKey & { key: string }> {
    const { flags } = await this.parse(AdminKeysCreate);
    const { key, record } = await createAdminKey(await this.store(), flags);
    if (!this.jsonEnabled())
      this.log(
        `Created admin key ${record.id} (${record.name}, scope ${record.scope}). ` +
          `It is shown only now; store it safely:\n\n  ${key}\n`,
      );
    return { ...record, key };
  }
}
